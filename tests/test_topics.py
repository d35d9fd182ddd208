"""Topics over sections 2–5: the stored model, refits, recurring topics, referenced years.

Runs on the real 2024 edition (the `built_models` session fixture builds models/ the way
`textkit build` does) and on small SYNTHETIC editions from tests/fixtures/.
"""

from __future__ import annotations

import json

import pytest

from textkit import cli
from textkit.errors import TextkitError
from textkit.timeref import referenced_years, sentence_years, year_mentions
from textkit.topics import (
    DEFAULT_K,
    DOCUMENTS_FILE,
    display_term,
    TOPICS_FILE,
    fit_topics,
    load_documents,
    load_topics,
    topics,
)

from conftest import CORPUS


@pytest.fixture(scope="module")
def stored(built_models):
    return load_topics(built_models)


@pytest.fixture(scope="module")
def documents(built_models):
    return load_documents(models_dir=built_models, corpus_dir=CORPUS)


# ---------------------------------------------------------------- referenced years


@pytest.mark.parametrize("text, years", [
    ("Vuonna 2023 hanke kartoitti tietolähteitä.", (2023,)),
    ("Keväällä 2025 järjestetään seminaari.", (2025,)),
    ("Haku päättyy 1.11.2024.", (2024,)),
    ("Toiminta alkaa vuoden 2025 alussa.", (2025,)),
    ("Kausi 2023–2024 oli vilkas.", (2023, 2024)),
    ("talvella 2023-2024 toteutettu haku", (2023, 2024)),
    ("vuosina 2023–24", (2023, 2024)),
    ("Marraskuusta 2023 toukokuuhun 2024 hanke selvitti tilannetta.", (2023, 2024)),
])
def test_explicit_year_references_are_found(text, years):
    assert referenced_years(text) == years


@pytest.mark.parametrize("text", [
    "Ohjelmakausi 2021–2027 jatkuu.",                  # the programme period, not a year spoken of
    "Tiedot haetaan eura2021-palvelusta ja EURA 2021 -järjestelmästä.",
    "Kuvaus (max. 2000 merkkiä)",
    "Tilaisuuksiin osallistui n. 2000 ihmistä.",
    "Lisätietoa: https://blogi.example.fi/2024/10/09/juttu",
    "2020-luvulla työelämä muuttuu.",
    "Rahoituskehys 14 000 000 e",
])
def test_things_that_only_look_like_years_are_not_years(text):
    assert referenced_years(text) == ()


def test_relative_references_resolve_against_the_edition_year():
    text = "Tulevana vuonna painotetaan viestintää. Viime vuonna järjestettiin kolme tilaisuutta."
    assert referenced_years(text, edition_year=2024) == (2023, 2025)
    assert referenced_years(text) == ()               # without an edition year they are left alone
    assert all(m.relative for m in year_mentions(text, 2024))


def test_years_are_tagged_per_sentence():
    text = "Vuonna 2023 aloitettiin. Tänään ei mainita vuotta. Keväällä 2025 jatketaan."
    spans = [(0, 24), (25, 51), (52, len(text))]
    assert sentence_years(text, spans) == [(2023,), (), (2025,)]


# ---------------------------------------------------------------- the stored model


def test_build_writes_the_model_files_and_load_reads_them_back(built_models, stored):
    assert (built_models / TOPICS_FILE).is_file() and (built_models / DOCUMENTS_FILE).is_file()
    assert stored.stored and stored.method == "nmf" and stored.k == DEFAULT_K
    assert [t.id for t in stored.topics] == list(range(DEFAULT_K))


def test_json_has_the_agreed_shape(stored, documents):
    data = json.loads(json.dumps(stored.to_json(), ensure_ascii=False))
    assert {"method", "k", "topics", "assignments"} <= set(data)
    for topic in data["topics"]:
        assert {"id", "label", "terms", "passages", "by_theme", "by_section", "by_edition", "by_year",
                "themes_present", "editions_present"} <= set(topic)
        assert all(isinstance(term, str) and weight > 0 for term, weight in topic["terms"])
        assert topic["passages"] and {"passage_id", "theme_id", "section", "text"} <= set(topic["passages"][0])
    assert {(a["passage_id"]) for a in data["assignments"]} == {d.passage_id for d in documents}
    assert {"passage_id", "edition", "theme_id", "section", "topic", "weight"} == set(data["assignments"][0])


def test_every_passage_of_sections_2_to_5_is_a_document(edition_2024, documents):
    assert [d.passage_id for d in documents] == [p.id for p in edition_2024.passages((2, 3, 4, 5))]
    assert all(d.section in (2, 3, 4, 5) for d in documents)


def test_labels_are_base_forms_of_top_terms(stored, documents):
    vocabulary = {display_term(w) for d in documents for w in d.terms.split()}
    for topic in stored.topics:
        words = topic.label.split(", ")
        assert 1 <= len(words) <= 3
        assert all(w in vocabulary for w in words), topic.label
    assert len({t.label for t in stored.topics}) == len(stored.topics)


def test_representative_passages_belong_to_their_topic(stored):
    dominant = {a.passage_id: a.topic for a in stored.assignments}
    for topic in stored.topics:
        assert all(dominant[p.passage_id] == topic.id for p in topic.passages)


def test_prevalence_tables_are_shares(stored):
    themes = stored.topics[0].by_theme.keys()
    for theme in themes:
        assert sum(t.by_theme[theme] for t in stored.topics) == pytest.approx(1.0, abs=0.01)
    assert set(stored.topics[0].by_section) == {"2", "3", "4", "5"}
    assert set(stored.topics[0].by_edition) == {"2024"}


def test_topics_cut_across_themes_rather_than_rediscovering_them(stored, documents):
    """The point of the theme damping: most topics reach many themes, and the calls for
    proposals (hankehaku) surface as a topic of their own."""
    assert sum(t.recurring for t in stored.topics) >= len(stored.topics) * 2 // 3
    assert any({"haku", "hankehaku"} & {w for w, _ in t.terms[:3]} for t in stored.topics)
    plain = fit_topics(documents, k=DEFAULT_K, theme_damping=0.0)
    mean = lambda result: sum(t.spread for t in result.topics) / result.k  # noqa: E731
    assert mean(stored) > mean(plain) + 1.0


def test_time_done_versus_planned_and_referenced_years(stored):
    years = stored.topics[0].by_year
    assert {"2023", "2024", "2025"} <= set(years)
    calls = next(t for t in stored.topics if {"haku", "hankehaku"} & {w for w, _ in t.terms[:3]})
    # Calls for proposals are talked about more in the plans (section 4) than in what was done.
    assert calls.by_section["4"] > calls.by_section["2"]


def test_the_same_corpus_and_settings_give_the_same_topics(documents):
    first = fit_topics(documents, k=8)
    again = fit_topics(documents, k=8)
    other_seed = fit_topics(documents, k=8, random_state=7)
    assert first.to_json() == again.to_json()
    # NMF starts from an exact SVD, so not even the random state changes the topics.
    assert first.to_json()["topics"] == other_seed.to_json()["topics"]
    assert first.assignments == other_seed.assignments


def test_k_refits_without_touching_the_stored_model(built_models, stored):
    before = (built_models / TOPICS_FILE).read_bytes()
    refit = topics(k=6, models_dir=built_models, corpus_dir=CORPUS)
    assert refit.k == 6 and len(refit.topics) == 6 and not refit.stored
    assert (built_models / TOPICS_FILE).read_bytes() == before
    assert topics(models_dir=built_models, corpus_dir=CORPUS).stored


# ---------------------------------------------------------------- bad input


@pytest.mark.parametrize("k", [0, 1, 41, 1000])
def test_k_out_of_range_is_refused_with_the_range(k, built_models):
    with pytest.raises(TextkitError, match=r"2–40"):
        topics(k=k, models_dir=built_models, corpus_dir=CORPUS)


def test_a_corpus_too_small_for_k_says_so(documents):
    with pytest.raises(TextkitError, match=r"liian pieni 12 aiheelle: 20 kappaletta.*enintään 6"):
        fit_topics(documents[:20], k=12)


def test_missing_model_says_how_to_build_it(tmp_path):
    with pytest.raises(TextkitError, match="textkit build"):
        load_topics(tmp_path)


def test_damaged_model_file_says_so(tmp_path):
    (tmp_path / TOPICS_FILE).write_text("{not json", encoding="utf-8")
    with pytest.raises(TextkitError, match="rikki"):
        load_topics(tmp_path)


# ---------------------------------------------------------------- CLI


def test_cli_topics_json_and_text(built_models, monkeypatch, capsys):
    monkeypatch.setenv("TEXTKIT_MODELS", str(built_models))
    monkeypatch.setenv("TEXTKIT_CORPUS", str(CORPUS))
    assert cli.main(["topics", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["method"] == "nmf" and data["k"] == DEFAULT_K and len(data["topics"]) == DEFAULT_K
    assert cli.main(["topics"]) == 0
    out = capsys.readouterr().out
    assert "[toistuva]" in out and "tehty (osio 2)" in out and "mainitut vuodet" in out


def test_cli_topics_bad_k_exits_2_with_a_message(built_models, monkeypatch, capsys):
    monkeypatch.setenv("TEXTKIT_MODELS", str(built_models))
    assert cli.main(["topics", "--k", "99"]) == 2
    assert "--k 99" in capsys.readouterr().err


# ---------------------------------------------------------------- NMF initialisation


def _sparse_nonnegative(rows: int, cols: int, seed: int):
    import numpy as np
    from scipy import sparse

    rng = np.random.default_rng(seed)
    dense = rng.random((rows, cols)) * (rng.random((rows, cols)) < 0.3)
    return sparse.csr_matrix(dense)


@pytest.mark.parametrize("rows, cols", [(40, 12), (12, 40)])
def test_nndsvda_init_equals_scikit_learns(rows, cols):
    """The Gram-matrix initialisation gives scikit-learn's nndsvda factors. Matrices of rank
    ≤ k + 10 make sklearn's randomised SVD exact, so the two must agree to rounding; both
    shapes are tried (XᵀX for more documents than terms, XXᵀ for fewer)."""
    import numpy as np
    from sklearn.decomposition._nmf import _initialize_nmf

    from textkit.topics import _nndsvda

    X = _sparse_nonnegative(rows, cols, seed=rows)
    W, H = _nndsvda(X, 4)
    W_ref, H_ref = _initialize_nmf(X, 4, init="nndsvda", random_state=0)
    assert W.shape == W_ref.shape and H.shape == H_ref.shape
    np.testing.assert_allclose(W, W_ref, atol=1e-10)
    np.testing.assert_allclose(H, H_ref, atol=1e-10)


def test_nndsvda_init_equals_the_dense_exact_svd_on_a_larger_matrix():
    """On a matrix of full rank (randomised SVD would only approximate), the factors equal
    NNDSVDa computed from numpy's dense exact SVD."""
    import numpy as np

    from textkit.topics import _nndsvda

    X = _sparse_nonnegative(300, 80, seed=7)
    U, S, Vt = np.linalg.svd(X.toarray(), full_matrices=False)
    W, H = _nndsvda(X, 10)
    # W's first column and H's first row are sqrt(s0)·|u0|, sqrt(s0)·|v0| (sign-free).
    np.testing.assert_allclose(W[:, 0], np.sqrt(S[0]) * np.abs(U[:, 0]), atol=1e-10)
    np.testing.assert_allclose(H[0], np.sqrt(S[0]) * np.abs(Vt[0]), atol=1e-10)
    # Every later column: the larger of the positive and negative parts of u_j, v_j.
    for j in range(1, 10):
        x, y = U[:, j], Vt[j]
        pos = np.linalg.norm(np.maximum(x, 0)) * np.linalg.norm(np.maximum(y, 0))
        neg = np.linalg.norm(np.maximum(-x, 0)) * np.linalg.norm(np.maximum(-y, 0))
        part = np.maximum(x, 0) if pos > neg else np.maximum(-x, 0)
        expected = np.sqrt(S[j] * max(pos, neg)) * part / np.linalg.norm(part)
        expected[expected < 1e-6] = X.mean()
        np.testing.assert_allclose(W[:, j], expected, atol=1e-10)


# ---------------------------------------------------------------- sentences and whole words


def _standalone_passages(edition) -> tuple[dict[str, set[str]], dict[tuple[str, str], set[str]]]:
    """From the text itself (the analyser's tokens, not the topic features): per lemma the
    passages where it is a word of its own, per adjacent word pair the passages where it occurs
    (the first word as lemma or as printed)."""
    from collections import defaultdict

    from textkit.analysis import get_analyzer

    analyzer = get_analyzer()
    words: dict[str, set[str]] = defaultdict(set)
    pairs: dict[tuple[str, str], set[str]] = defaultdict(set)
    for p in edition.passages((2, 3, 4, 5)):
        tokens = [t for t in analyzer.tokens(p.text)]
        for prev, tok in zip([None] + tokens[:-1], tokens):
            if not tok.is_word:
                continue
            words[tok.lemma.lower()].add(p.id)
            if prev is not None and prev.is_word:
                for first in (prev.lemma.lower(), prev.text.lower()):
                    pairs[(first, tok.lemma.lower())].add(p.id)
    return words, pairs


def test_no_label_or_top_term_is_a_fragment(stored, edition_2024):
    """Every word or phrase shown (labels, top-10 terms) stands on its own in the text of at
    least two passages: no *kalu* of työkalu, *paja* of työpaja, *arvo* of tasa-arvo."""
    words, pairs = _standalone_passages(edition_2024)
    shown = {w for t in stored.topics for w in t.label.split(", ")} | \
            {term for t in stored.topics for term, _ in t.terms[:10]}
    for term in shown:
        parts = term.split(" ")
        found = words.get(term, set()) if len(parts) == 1 else pairs.get((parts[0], parts[1]), set())
        assert len(found) >= 2, f"{term!r} stands on its own in {len(found)} passages"


def test_report_frame_words_are_not_features(documents):
    from textkit.topics import REPORT_FRAME_WORDS

    features = {w for d in documents for w in d.terms.split()}
    assert "suunnitella" in REPORT_FRAME_WORDS and not features & REPORT_FRAME_WORDS


def test_recurring_two_word_phrases_are_features(documents):
    features = {display_term(w) for d in documents for w in d.terms.split()}
    assert {"jatkuva oppiminen", "sosiaalinen media", "tiedolla johtaminen"} <= features
    assert "jatkuvan oppimisen" not in features     # an adjective is shown as its lemma


def test_the_unit_is_the_sentence_and_a_passage_is_the_mix_of_its_sentences(stored, documents):
    import numpy as np

    assert stored.settings["unit"] == "sentence" and stored.settings["sentences"] > len(documents)
    for d in documents:
        rows = [r for r in stored.sentence_topics[d.passage_id] if r]
        assert len(stored.sentence_topics[d.passage_id]) == len(d.sentence_spans) == len(d.sentence_terms)
        if rows:
            np.testing.assert_allclose(stored.doc_topics[d.passage_id], np.mean(rows, axis=0), atol=2e-3)
    # Two sentences of one passage can have different main topics.
    assert any(len({int(np.argmax(r)) for r in rows if r}) > 1 for rows in stored.sentence_topics.values())


# ---------------------------------------------------------------- identity across refits


@pytest.fixture(scope="module")
def near_copy_documents():
    """SYNTHETIC: themes 1–4 of the real 2024 text as 2024, and the same with every year moved
    on by one as a near-copy 2025 edition; lemmatised."""
    from conftest import first_themes_2024, shifted_themes_2024
    from textkit.parse import parse_text
    from textkit.topics import lemmatise_passages

    a = parse_text(first_themes_2024(4), year=2024, source="SYNTHETIC-2024.txt")
    b = parse_text(shifted_themes_2024(4, 2025), year=2025, source="SYNTHETIC-2025.txt")
    return lemmatise_passages([a]), lemmatise_passages([a, b])


def test_a_near_copy_edition_keeps_topic_ids_labels_and_names(near_copy_documents):
    from textkit.topic_names import TopicName, match_names
    from textkit.topics import MATCH_MIN_SIMILARITY, _term_cosine, align_topics, fit_topics

    alone, both = near_copy_documents
    base = fit_topics(alone, k=5)
    refit = align_topics(fit_topics(both, k=5), base)
    by_id = {t.id: t for t in refit.topics}
    kept = [b for b in base.topics if _term_cosine(b.terms, by_id[b.id].terms) >= MATCH_MIN_SIMILARITY]
    assert len(kept) / len(base.topics) >= 0.9
    assert all(by_id[b.id].label == b.label and not by_id[b.id].new for b in kept)
    named = [TopicName(f"nimi {b.id}", tuple(t for t, _ in b.terms), "") for b in base.topics]
    found = match_names(named, refit.topics)
    assert sum(found.get(b.id, named[0]).name == f"nimi {b.id}" for b in base.topics) / len(base.topics) >= 0.9
    # The share tables follow the renumbering: a passage's dominant topic is its assignment.
    for a in refit.assignments:
        if a.topic is not None:
            mix = refit.doc_topics[a.passage_id]
            assert mix.index(max(mix)) == a.topic
    assert refit.settings["identity"]["matched"] == len(kept)


def test_unmatched_topics_are_new_and_gone_ones_are_recorded(near_copy_documents):
    from textkit.topics import align_topics, fit_topics

    alone, _ = near_copy_documents
    previous = fit_topics(alone, k=6)
    fewer = align_topics(fit_topics(alone, k=4), previous)
    assert sorted(t.id for t in fewer.topics) == [0, 1, 2, 3]       # ids stay positions of the tables
    gone = fewer.settings["disappeared"]
    assert len(gone) >= 2 and all(g["label"] and g["terms"] for g in gone)
    assert {g["label"] for g in gone} <= {t.label for t in previous.topics}
    more = align_topics(fit_topics(alone, k=6), fewer)
    assert any(t.new for t in more.topics)                          # no old topic for them
    assert more.settings["disappeared"][: len(gone)] == gone        # the record is kept

def test_nndsvda_init_by_lanczos_equals_the_dense_gram_eigendecomposition(monkeypatch):
    """Large Gram matrices go through Lanczos iteration (never formed); the factors equal
    those of the dense eigendecomposition of the same Gram matrix."""
    import numpy as np
    from scipy import sparse

    from textkit import topics

    X = sparse.random(900, 400, density=0.01, random_state=3, format="csr")
    W, H = topics._nndsvda(X, 10)
    monkeypatch.setattr(topics, "_LANCZOS_MIN_SIZE", 10**9)
    W_dense, H_dense = topics._nndsvda(X, 10)
    np.testing.assert_allclose(W, W_dense, atol=1e-10)
    np.testing.assert_allclose(H, H_dense, atol=1e-10)


def test_an_edit_of_lexicalised_toml_makes_the_model_stale_and_the_topic_features_follow(built_models, tmp_path):
    """The topic features read corpus/lexicalised.toml (a lexicalised compound gives no head or
    modifier feature), so the lists are in the corpus fingerprint: after an edit the build is
    stale (`textkit build` rebuilds without --force) and the documents are lemmatised anew."""
    import shutil

    from textkit.build import build_status
    from textkit.corpus import MODEL_INPUT_FILES, corpus_fingerprint
    from textkit.topics import LEXICALISED_FILE

    assert LEXICALISED_FILE in MODEL_INPUT_FILES
    corpus = tmp_path / "corpus"
    shutil.copytree(CORPUS, corpus)
    models = tmp_path / "models"
    shutil.copytree(built_models, models)
    before = corpus_fingerprint(corpus)
    assert build_status(models, corpus) == "current"

    def verkko_from_verkkosivu(docs):
        return sum(1 for d in docs for t in d.sentence_terms if "verkkosivu" in t.split() and "verkko" in t.split())

    assert verkko_from_verkkosivu(load_documents(models_dir=models, corpus_dir=corpus)) >= 3
    path = corpus / LEXICALISED_FILE
    path.write_text(path.read_text(encoding="utf-8").replace('"työkalu",', '"työkalu", "verkkosivu",'),
                    encoding="utf-8")
    assert corpus_fingerprint(corpus) != before
    assert build_status(models, corpus) == "stale"
    assert verkko_from_verkkosivu(load_documents(models_dir=models, corpus_dir=corpus)) == 0


# ---------------------------------------------------------------- build speed, same results


def _passage_words_per_token(fields, fixed_forms):
    """The topic-document pass as it was before it kept each surface form's outcome: every
    token looked at on its own (the reference the faster pass must equal)."""
    from textkit.topics import REPORT_FRAME_WORDS, _Word

    spans, sentences, joined = [], [], False
    for start, end, sent, (lemma, _l, parts, _t, is_word, is_stop, _k, surface) in fields:
        while sent >= len(spans):
            spans.append([start, end])
            sentences.append([])
            joined = False
        spans[sent][1] = end
        lemma = lemma.lower()
        if not is_word or is_stop or surface in fixed_forms or lemma in REPORT_FRAME_WORDS \
                or len(lemma) < 2 or not any(c.isalpha() for c in lemma):
            joined = False
            continue
        head = modifier = ""
        modifiers = ()
        if len(parts) >= 2:
            head, modifier = parts[-1].lower(), parts[-2].lower()
            modifiers = tuple(m.lower() for m in parts[:-1] if len(m) >= 3 and m.isalpha())
            if head == lemma or len(head) < 3 or not head.isalpha():
                head = modifier = ""
        sentences[sent].append(_Word(lemma, head, modifier, surface, joined, modifiers))
        joined = True
    return [tuple(x) for x in spans], sentences


def test_the_topic_document_pass_per_surface_form_equals_looking_at_every_token(edition_2024):
    from textkit.analysis import get_analyzer
    from textkit.topics import TOPIC_SECTIONS, _lexicalised_lists, _passage_words

    analyzer = get_analyzer()
    _lexicalised, fixed_forms = _lexicalised_lists(CORPUS)
    memo: dict = {}   # one for the whole pass, as lemmatise_passages keeps it
    passages = list(edition_2024.passages(TOPIC_SECTIONS))
    words = 0
    for p in passages + passages:   # twice: the second pass is answered from the memo
        fields = analyzer.token_fields(p.text)
        fast = _passage_words(fields, fixed_forms, memo)
        assert fast == _passage_words_per_token(fields, fixed_forms), p.id
        words += sum(map(len, fast[1]))
    assert words > 10_000 and len(memo) < words / 2   # forms repeat: far fewer forms than tokens


def test_prevalence_and_the_label_matrix_equal_their_direct_computation(documents):
    import numpy as np

    from textkit.topics import TopicModel, _natural_key, _prevalence, sentence_units

    units = sentence_units(documents)
    unit_terms = [documents[d].sentence_terms[i] for d, i in units]
    model = TopicModel(n_topics=DEFAULT_K).fit(unit_terms, [documents[d].theme_id for d, _ in units],
                                               groups=[d for d, _ in units])
    # The c-TF-IDF labels reuse the matrix of the fit: the vectorizer gives the same one again.
    kept, again = model.counts(unit_terms), model.vectorizer_.transform(unit_terms)
    assert kept.shape == again.shape and (kept != again).nnz == 0
    # Prevalence per theme: grouped in one pass, the same as one scan per key.
    keys = [documents[d].theme_id for d, _ in units]
    S = model.doc_topic_
    direct = {key: [float(x) for x in S[[i for i, k in enumerate(keys) if k == key]].mean(axis=0)]
              for key in sorted(set(keys), key=_natural_key)}
    table = _prevalence(S, keys)
    assert list(table) == list(direct) and len(table) == 12
    assert all(np.array_equal(table[k], direct[k]) for k in table)
