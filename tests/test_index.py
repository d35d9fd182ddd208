"""Search over the real 2024 edition: recall over inflections and compounds, precision,
phrases, filters, the JSON contract, bad input, and the atomic, idempotent build."""

from __future__ import annotations

import json
import pickle
import shutil
from pathlib import Path

import pytest

from textkit import build
from textkit.errors import TextkitError
from textkit.index import SCHEMA, PassageTokenizer, format_result, search, snippet
from textkit.types import to_dict

from conftest import ROOT, first_themes_2024, load_script

ALL = (1, 2, 3, 4, 5, 6, 7)


@pytest.fixture(scope="module")
def run(index_2024):
    def _run(query, **kwargs):
        kwargs.setdefault("limit", 0)
        return search(query, models_dir=index_2024, **kwargs)

    return _run


def matched(result) -> set[str]:
    return {m for hit in result.hits for m in hit.matches}


# ---------------------------------------------------------------- recall and precision


def test_te24_finds_every_spelling_and_not_te_toimistot(run):
    result = run("TE24")
    forms = matched(result)
    assert {"TE24", "TE24-uudistus", "TE24-uudistuksesta", "TE24-kampanjan", "TE2024-valmisteluun"} <= forms
    assert result.parsed == "(TE24 TAI TE2024 TAI TE-uudistus)"
    assert not [m for m in forms if m.lower().startswith(("te-", "te "))]
    # every hit really mentions the reform
    assert all(("TE24" in h.text or "TE2024" in h.text) for h in result.hits)


def test_any_inflected_query_form_finds_every_inflected_text_form(run):
    for query in ("kunta", "kunnissa", "kuntien"):
        forms = matched(run(query))
        assert {"kunnat", "kuntien", "kunnista"} <= forms, query
        assert not [m for m in forms if m.lower().startswith("kunto")], query


@pytest.mark.parametrize(
    "query, compound",
    [
        ("tekoäly", "tekoälyneuvonnalla"),
        ("tekoäly", "Tekoälyajan"),
        ("hankehaku", "kehittämishankehaku"),
        ("verkosto", "hankeverkostotyön"),
        ("lapsi", "lastensuojelun"),
        # neither Voikko nor simplemma knows "hankkeistus"; the report writes "hankkeistuksen"
        ("työpaja", "hankkeistustyöpajojen"),
        ("kohtaanto", "kohtaantotiedon"),
        # Voikko would read kohta + anto + työn; the corpus attests "kohtaanto"
        ("kohtaanto", "kohtaantotyön"),
        ("työ", "kohtaantotyön"),
    ],
)
def test_compound_parts_and_runs_of_parts_are_found(run, query, compound):
    assert compound in matched(run(query, sections=ALL))


def test_phrase_over_lemmas_and_not_mere_co_occurrence(run):
    phrase = run('"jatkuva oppiminen"', sections=ALL)
    forms = matched(phrase)
    assert "jatkuvan oppimisen" in forms
    assert all(" " in m for m in forms)  # both words, next to each other
    both = run("jatkuva oppiminen", sections=ALL)
    loose = {h.passage_id for h in both.hits} - {h.passage_id for h in phrase.hits}
    assert loose, "the corpus has passages where the two words merely co-occur"
    assert {h.passage_id for h in phrase.hits} <= {h.passage_id for h in both.hits}


def test_prefix_search_on_surface_forms(run):
    result = run("kunn*")
    assert result.total > 0
    assert all(m.lower().startswith("kunn") for m in matched(result))
    # the prefix runs over surface forms only: every hit shows a word that starts with it
    assert all(hit.matches for hit in result.hits)


def test_not_excludes(run):
    with_kokeilu = {h.passage_id for h in run("kunta").hits if any("kokeilu" in m for m in h.matches)}
    assert with_kokeilu
    excluded = run("kunta NOT kuntakokeilu")
    assert not with_kokeilu & {h.passage_id for h in excluded.hits}
    assert all("kuntakokeilu" not in h.text.lower() for h in excluded.hits)
    assert excluded.total == run("kunta").total - len(with_kokeilu)


def test_whole_word_matches_rank_before_compound_parts(run):
    hits = run("kunta").hits
    first = hits[0].matches
    assert any(m.lower().startswith(("kunn", "kunt")) for m in first)


@pytest.mark.parametrize("query", ["kunta", "tieto", "verkosto", "kausi", "puoli", "hanke", "työpaja"])
def test_whole_word_hits_precede_compound_only_hits_across_all_themes(run, query):
    from textkit.analysis import get_analyzer

    lemma = get_analyzer().lemma(query)
    hits = run(query).hits
    # judged from the matched strings themselves, not from the ranking's own bookkeeping
    whole = [any(lemma in get_analyzer().analyze_word(m).lemmas for m in h.matches) for h in hits]
    assert True in whole and False in whole, "the query has both kinds of hits"
    assert whole == sorted(whole, reverse=True)
    groups = [[h.score for h, w in zip(hits, whole) if w is kind] for kind in (True, False)]
    assert all(g == sorted(g, reverse=True) for g in groups), "BM25 order inside each group"
    assert len({h.theme_id for h in hits}) > 1, "one order across themes"


LEXICALISED_CASES = [
    ("kunta", {"maakunnissa", "maakuntiin", "yhteiskunnassa"}, {"kuntien", "kunta-", "kuntakokeilujen"}),
    ("arvo", {"tasa-arvon"}, {"keskiarvo"}),
    ("puoli", {"sukupuolten"}, set()),
    ("kausi", {"kautta"}, {"ohjelmakauden", "hankekauden"}),
    ("vaikutus", {"vuorovaikutuksen"}, {"vaikutusten", "osallisuusvaikutuksia"}),
]


@pytest.mark.parametrize("query, never, still", LEXICALISED_CASES)
def test_lexicalised_compounds_and_fixed_forms_are_not_matches_of_their_parts(run, query, never, still):
    result = run(query)
    forms = {m.lower() for m in matched(result)}
    assert not forms & never
    assert still <= forms
    assert not {f.form for f in result.forms} & never
    # the passages that contain the excluded forms are there to be found
    for form in never:
        assert any(form in h.text.lower() for h in run(form.rstrip("-") + "*").hits) or form == "kautta"


def test_the_whole_lexicalised_compound_and_a_prefix_still_match(run):
    assert {"maakunnissa", "maakuntiin"} <= {m.lower() for m in matched(run("maakunta"))}
    assert "maakunnissa" in {m.lower() for m in matched(run("maakun*"))}
    assert "tasa-arvon" in {m.lower() for m in matched(run("tasa-arvo"))}
    assert "vuorovaikutuksen" in {m.lower() for m in matched(run("vuorovaikutus"))}


def test_matched_forms_facet_counts_every_form_over_all_hits(run):
    full = run("kunta")
    page = run("kunta", limit=2)
    assert page.forms == full.forms, "the facet covers all hits, not the returned page"
    by_form = {f.form: f for f in full.forms}
    assert by_form["kuntien"].match == "whole" and by_form["kuntakokeilujen"].match == "part"
    # counts agree with the hits' own matches
    counted: dict[str, int] = {}
    for hit in full.hits:
        for m in hit.matches:
            counted[m.lower()] = counted.get(m.lower(), 0) + 1
    assert {f.form: f.count for f in full.forms} == counted
    assert all(f.passages <= f.count for f in full.forms)
    assert [f.match for f in full.forms].index("part") > [f.match for f in full.forms].index("whole")


def by_count(result, form: str) -> int:
    return next(f.count for f in result.forms if f.form == form)


def test_excluding_a_form_or_all_compound_parts_keeps_passages_with_other_matches(run):
    full = run("kunta")
    without = run("kunta EI muoto:kuntien")
    assert without.parsed == "kunta EI muoto:kuntien"
    assert "kuntien" not in {f.form for f in without.forms}
    assert "kuntien" not in {m.lower() for m in matched(without)}
    only_kuntien = {h.passage_id for h in full.hits if {m.lower() for m in h.matches} == {"kuntien"}}
    assert {h.passage_id for h in without.hits} == {h.passage_id for h in full.hits} - only_kuntien
    # what was left out is told, with counts in the search scope
    left_out = {f.form: f for f in without.excluded_forms}
    assert left_out["kuntien"].match == "excluded" and left_out["kuntien"].count == by_count(full, "kuntien")
    assert left_out["maakunnissa"].match == "lexicalised"
    assert {f.form for f in run("kausi").excluded_forms} >= {"kautta"}
    whole = run("kunta", whole_words=True)
    assert whole.parsed == "sana:kunta"
    assert {f.match for f in whole.forms} == {"whole"}
    assert whole.total == sum(1 for h in full.hits if "whole" in h.match_kinds)


# ---------------------------------------------------------------- scope and filters


def test_default_scope_is_sections_2_to_5(run):
    assert set(run("hanke").facets["section"]) <= {2, 3, 4, 5}
    assert 7 in run("hanke", sections=ALL).facets["section"]


def test_field_filters_in_the_query_and_as_options(run):
    sec7 = run("hanke osio:7")
    assert sec7.total > 0 and set(sec7.facets["section"]) == {7}
    kohtaanto = run("hanke teema:kohtaanto")
    assert set(kohtaanto.facets["theme"]) == {"tyomarkkinoiden-kohtaanto"}
    assert run("hanke", theme="kohtaanto").total == kohtaanto.total
    assert run("hanke teema:1").total == kohtaanto.total  # the theme's number in the edition
    assert run("hanke vuosi:2024").total == run("hanke", edition=2024).total == run("hanke").total


@pytest.mark.parametrize(
    "query, kwargs, message",
    [
        ("hanke vuosi:2023", {}, "Vuoden 2023 katsausta ei ole"),
        ("hanke", {"edition": 1999}, "Vuoden 1999 katsausta ei ole"),
        ("hanke teema:olematon", {}, "Teemaa 'olematon' ei ole"),
        ("hanke", {"theme": "olematon"}, "Teemat: "),
        ("hanke", {"sections": (9,)}, "osiot ovat 1–7"),
        ("hanke", {"limit": -1}, "--limit -1"),
    ],
)
def test_bad_filters_get_a_helpful_message(run, query, kwargs, message):
    with pytest.raises(TextkitError, match=message):
        run(query, **kwargs)


# ---------------------------------------------------------------- the result contract


def test_json_contract(run):
    result = to_dict(run("TE24", limit=3))
    assert set(result) == {"query", "parsed", "total", "hits", "facets", "suggestion", "hidden_by_scope", "forms",
                           "excluded_forms"}
    assert len(result["hits"]) == 3 and result["total"] == 6
    assert set(result["facets"]) == {"theme", "section", "edition"}
    assert sum(result["facets"]["theme"].values()) == result["total"]
    assert sum(result["facets"]["section"].values()) == result["total"]
    assert result["facets"]["edition"] == {"2024": 6}
    json.dumps(result)
    for hit in result["hits"]:
        assert set(hit) == {"edition", "theme_id", "theme", "section", "section_title", "page",
                            "passage_id", "score", "text", "snippet", "matches", "spans", "match_kinds"}
        assert [hit["text"][s:e] for s, e in hit["spans"]] == hit["matches"]
        assert hit["edition"] == 2024 and 2 <= hit["section"] <= 5 and hit["page"] >= 1
        assert hit["matches"], "every hit shows what matched"
        assert len(hit["match_kinds"]) == len(hit["matches"])
    # every matched form of all 6 hits, not only the 3 returned, with its count and kind
    forms = {f["form"]: f for f in result["forms"]}
    assert forms["te24"]["match"] == "whole" and forms["te24"]["count"] >= 4
    assert forms["te24-kampanjan"]["match"] == "part"
    assert forms["te2024-valmisteluun"]["match"] == "synonym"
    assert set(forms["te24"]) == {"form", "count", "passages", "match", "word"}
    assert sum(f["count"] for f in result["forms"]) >= result["total"]


def test_hits_hidden_by_the_default_scope_are_counted_per_section(run):
    # tekoäly: 3 passages in sections 2–5 and 4 more in the link and project lists (6–7).
    result = run("tekoäly")
    everything = run("tekoäly", sections=ALL)
    assert result.total == 3 and everything.total == 7
    assert result.hidden_by_scope == {s: n for s, n in everything.facets["section"].items() if s in (6, 7)}
    assert sum(result.hidden_by_scope.values()) == 4
    assert "+4 osumaa osioissa 6–7" in format_result(result)
    assert to_dict(result)["hidden_by_scope"] == {str(s): n for s, n in result.hidden_by_scope.items()}
    # The hits shown are the in-scope ones, in the same rank order as a search of those sections.
    assert [h.passage_id for h in result.hits] == [h.passage_id for h in everything.hits if h.section in (2, 3, 4, 5)]
    assert run("tekoäly", sections=ALL).hidden_by_scope == {}
    assert run("tekoäly osio:2").hidden_by_scope == {}          # the query chose its own sections


def test_a_scope_that_hides_every_hit_says_so_and_offers_them(run):
    result = run("TE-palvelut")
    assert result.total == 0 and result.hidden_by_scope == {1: 1}
    assert result.suggestion == "TE-palvelut osio:1-7" and run(result.suggestion).total == 1
    text = format_result(result)
    assert "+1 osuma osiossa 1" in text and "Ei osumia valituissa osioissa" in text


def test_matches_are_exact_substrings_in_order_and_marked_in_the_snippet(run):
    for hit in run("kunta OR verkosto").hits:
        cursor = 0
        for m in hit.matches:
            found = hit.text.find(m, cursor)
            assert found >= cursor, (hit.passage_id, m)
            cursor = found + len(m)
        assert "<mark>" in hit.snippet
        for marked in _marked(hit.snippet):
            assert marked in hit.matches


def _marked(snippet_html):
    import html
    import re

    return [html.unescape(m) for m in re.findall(r"<mark>(.*?)</mark>", snippet_html)]


def test_snippet_escapes_the_text_before_marking():
    text = 'Koodi <script>alert("x")</script> & kunnat <b>ja</b> muut'
    start = text.index("kunnat")
    html_out = snippet(text, [(start, start + len("kunnat"))])
    assert "<script>" not in html_out and "<b>" not in html_out
    assert "&lt;script&gt;" in html_out and "&amp;" in html_out
    assert "<mark>kunnat</mark>" in html_out


def test_limit_zero_returns_all_hits(run):
    everything = run("hanke", limit=0)
    assert len(everything.hits) == everything.total > 20
    assert len(run("hanke", limit=20).hits) == 20


def test_did_you_mean(run):
    result = run("tekoäyl")
    assert result.total == 0 and result.suggestion == "tekoäly"
    assert run("tekoäly").suggestion is None
    assert run("zxqvw").suggestion is None
    # Nothing in sections 2–5, but the project code is in the project list (section 7).
    assert run("S30068").suggestion == "S30068 osio:1-7"
    assert run("S30068 osio:1-7").total > 0


def test_readable_output_groups_by_theme_with_counts(run):
    result = run("kunta", limit=5)
    text = format_result(result)
    assert text.startswith("Haku: kunta  →  kunta")
    assert f"{result.total} osumaa" in text
    first = result.hits[0]
    assert f"[{first.theme_id}]: {result.facets['theme'][first.theme_id]} osumaa" in text
    assert "--limit 0 näyttää kaikki" in text
    assert "Tarkoititko: tekoäly" in format_result(run("tekoäyl"))


def test_cli_search_json_and_errors(index_2024, monkeypatch, capsys):
    from textkit.cli import main

    monkeypatch.setenv("TEXTKIT_MODELS", str(index_2024))
    assert main(["search", "TE24", "--json", "--limit", "0"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["total"] == len(data["hits"]) == 6
    assert main(["search", "(kunta"]) == 2
    err = capsys.readouterr().err
    assert "Sulku '(' jäi sulkematta" in err and "Traceback" not in err
    assert main(["search", "kunta", "--sections", "2-3"]) == 0
    assert "osiot 2:" in capsys.readouterr().out


# ---------------------------------------------------------------- index internals


@pytest.mark.parametrize("query", ['"jatkuva oppiminen"', '"sosiaali- ja terveysministeriö"',
                                   '"valtakunnallinen teema"', '"hyvä käytäntö"', '"kunta ja"'])
def test_phrase_matcher_agrees_with_whoosh_sequence(index_2024, query):
    """textkit's own phrase matcher finds the same passages as Whoosh's Sequence (slop 1),
    which it replaces for speed, and the cached field lengths give BM25F's own scores."""
    from whoosh import index as whoosh_index, query as wq

    from textkit.index import _WEIGHTING, _Phrase, _to_whoosh
    from textkit.query import parse_query

    ix = whoosh_index.open_dir(str(index_2024 / "index"))
    with ix.searcher() as plain, ix.searcher(weighting=_WEIGHTING) as ours:
        whole = _to_whoosh(parse_query(query).tree, plain.reader())  # may be Or(synonym, phrase)
        phrase = next(q for q in (whole, *getattr(whole, "subqueries", ())) if isinstance(q, _Phrase))
        reference = wq.Sequence(phrase.subqueries, slop=1, ordered=True)
        expected = [(h.docnum, round(h.score, 9)) for h in plain.search(reference, limit=None)]
        assert expected, f"{query} occurs in the 2024 edition"
        assert [(h.docnum, round(h.score, 9)) for h in ours.search(phrase, limit=None)] == expected


def test_direct_evaluation_answers_exactly_as_whooshs_matchers(index_2024, monkeypatch):
    """Queries are evaluated over the postings (textkit.postings) instead of Whoosh's matcher
    trees, for speed. Whoosh's matchers stay the reference: on every judged query, the speed
    bench's mix and a sample of the corpus's own words, phrases, prefixes, AND/OR/NOT pairs and
    modifiers (sana:, EI muoto:, osio:, teema:, vuosi:), every answer is the same: all hits in
    the same order with the same scores, matches and snippets, counts, forms, suggestions."""
    from textkit import index

    equivalence = load_script("bench/query_equivalence.py")
    queries = equivalence.corpus_queries(index_2024)
    answers = {}
    for direct in (True, False):
        monkeypatch.setattr(index, "DIRECT_EVALUATION", direct)
        index._PER_INDEX.clear()   # nothing one evaluation computed is reused by the other
        answers[direct] = equivalence.answers(index_2024, queries, limit=None)
    assert len(queries) > 400
    assert sum(1 for a in answers[True].values() if a.get("total", 0) > 1) > 250
    assert equivalence.differences(answers[False], answers[True]) == []


def test_per_index_columns_are_what_whoosh_gives_document_by_document(index_2024):
    """The field lengths BM25F scores with (read as one slice of the length column) and the
    theme/section/edition of each passage behind the facets (read from the postings a block at
    a time) equal Whoosh's own per-document answers and the stored fields."""
    from whoosh import index as whoosh_index

    from textkit.index import _all_field_lengths, _facet_columns

    ix = whoosh_index.open_dir(str(index_2024 / "index"))
    with ix.reader() as reader:
        count = reader.doc_count_all()
        assert _all_field_lengths(reader, "content") == [reader.doc_field_length(i, "content", 1) for i in range(count)]
        columns = _facet_columns({"facets": None}, reader)
        stored = [reader.stored_fields(i) for i in range(count)]
        for name in ("theme_id", "section", "edition"):
            assert columns[name] == [fields[name] for fields in stored]


def test_matched_form_maps_take_a_new_query_words_forms_as_a_rebuild_would(index_2024):
    """The maps behind the matched-forms facet (index term → the corpus's surface forms) learn
    the word forms a search analyses for its query one by one instead of being rebuilt over
    every word form; what they hold is what a rebuild from scratch gives."""
    from textkit import index
    from textkit.analysis import get_analyzer

    search("kunta", models_dir=index_2024)
    known = len(get_analyzer()._cache)
    search("kuntakokeiluhankkeissa OR tekoälyneuvojille", models_dir=index_2024)  # not in the corpus
    assert len(get_analyzer()._cache) > known
    learned = ({t: set(f) for t, f in index._forms_by_term().items()}, dict(index._spellings()))
    assert "kuntakokeiluhankkeissa" in learned[0]["kunta"]
    index._FORM_MAPS["size"] = -1   # the next use rebuilds them from every word form
    assert ({t: set(f) for t, f in index._forms_by_term().items()}, dict(index._spellings())) == learned


def test_schema_pickles_without_native_handles():
    tokenizer = PassageTokenizer()
    tokenizer._analyzer = object()  # stands for a native handle
    assert pickle.loads(pickle.dumps(tokenizer))._analyzer is None
    assert pickle.loads(pickle.dumps(SCHEMA)).names() == SCHEMA.names()


# ---------------------------------------------------------------- build: atomic, idempotent


@pytest.fixture()
def small_corpus(tmp_path, monkeypatch):
    """SYNTHETIC corpus: the real 2024 title lines and its first theme only, as a 2024 edition."""
    folder = tmp_path / "corpus"
    folder.mkdir()
    (folder / "toteutuskatsaus-2024.txt").write_text(first_themes_2024(1), encoding="utf-8")
    shutil.copy(ROOT / "corpus" / "editions.toml", folder / "editions.toml")
    shutil.copy(ROOT / "corpus" / "synonyms.toml", folder / "synonyms.toml")
    models = tmp_path / "models"
    monkeypatch.setenv("TEXTKIT_CORPUS", str(folder))
    monkeypatch.setenv("TEXTKIT_MODELS", str(models))
    # The topic model has its own tests; these are about the index build.
    monkeypatch.setattr(build, "_build_topics_fn", lambda: None)
    return folder, models


def test_build_is_idempotent_and_forceable(small_corpus):
    _, models = small_corpus
    messages = []
    first = build.build_models(progress=lambda f, m: messages.append((f, m)))
    assert first.built and first.passages > 10 and first.editions == (2024,)
    assert messages[-1][0] == 1.0 and all(0.0 <= f <= 1.0 for f, _ in messages)
    again = build.build_models()
    assert not again.built and again.passages == first.passages
    assert build.build_models(force=True).built
    assert build.build_status() == "current"
    assert not [p for p in models.iterdir() if p.name.startswith((".build-tmp-", ".old-"))]
    assert search("TE24", limit=0).total > 0


def test_failed_build_leaves_the_previous_index_usable(small_corpus, monkeypatch):
    _, models = small_corpus
    build.build_models()
    before = search("kunta", limit=0).total

    def broken(*args, **kwargs):
        raise TextkitError("simulated failure half-way through the build")

    monkeypatch.setattr("textkit.index.build_index", broken)
    with pytest.raises(TextkitError, match="simulated"):
        build.build_models(force=True)
    assert search("kunta", limit=0).total == before
    assert not [p for p in models.iterdir() if p.name.startswith(".build-tmp-")]


def test_missing_index_is_built_and_stale_index_rebuilt(small_corpus):
    corpus, models = small_corpus
    messages = []
    assert search("TE24", progress=lambda f, m: messages.append(m)).total > 0
    assert any("rakennetaan" in m for m in messages)
    # The corpus changes (an edition file is edited): the next search rebuilds first.
    path = corpus / "toteutuskatsaus-2024.txt"
    path.write_text(path.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    assert build.build_status() == "stale"
    messages.clear()
    search("TE24", progress=lambda f, m: messages.append(m))
    assert any("uudelleen" in m for m in messages)
    assert build.build_status() == "current"


def test_search_during_another_rebuild_answers_from_the_previous_index(small_corpus):
    """While one process (another app session) holds the build lock for a rebuild, a search
    elsewhere does not queue behind it: it answers at once from the previous index."""
    import fcntl

    corpus, models = small_corpus
    before = search("kunta", limit=0).total
    path = corpus / "toteutuskatsaus-2024.txt"
    path.write_text(path.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    assert build.build_status() == "stale"
    messages = []
    with open(models / build.LOCK_FILE, "a+") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # the other process's build is running
        assert build.build_running()
        assert search("kunta", limit=0, progress=lambda f, m: messages.append(m)).total == before
        fcntl.flock(lock, fcntl.LOCK_UN)
    assert any("edellistä" in m for m in messages)
    assert not build.build_running()
    assert build.build_status() == "stale"  # the next search (no build running) rebuilds


def test_a_build_interrupted_while_swapping_is_finished_by_the_next_search(small_corpus, monkeypatch):
    _, models = small_corpus
    build.build_models()
    real_rename = build.os.rename

    def crash(src, dst):
        if Path(src).parent == models and Path(src).name == "index":
            raise KeyboardInterrupt  # e.g. Ctrl-C while the new artefacts are renamed into place
        return real_rename(src, dst)

    monkeypatch.setattr(build.os, "rename", crash)
    with pytest.raises(KeyboardInterrupt):
        build.build_models(force=True)
    monkeypatch.setattr(build.os, "rename", real_rename)
    assert (models / build.JOURNAL_FILE).exists()
    messages = []
    assert search("TE24", progress=lambda f, m: messages.append(m)).total > 0  # no rebuild on the way
    assert not any("rakennetaan" in m.lower() for m in messages)
    assert build.build_status() == "current" and not (models / build.JOURNAL_FILE).exists()


def test_cli_build_shows_progress_and_is_a_fast_no_op_the_second_time(small_corpus, capsys):
    from textkit.cli import main

    assert main(["build"]) == 0
    out, err = capsys.readouterr()
    assert out.startswith("Rakennettu:") and "100% Valmis" in err
    assert "Indeksoidaan kappaleita" in err  # one line per stage when stderr is not a terminal
    assert main(["build"]) == 0
    out, _ = capsys.readouterr()
    assert out.startswith("Ajan tasalla:")


def test_word_forms_saved_with_the_index_answer_a_new_process(index_2024):
    """A fresh analyzer (as in a new CLI process) gets the corpus's analyses from the file
    written beside the index, the same answers the index was built with."""
    from textkit.analysis import Analyzer, get_analyzer
    from textkit.index import WORDFORMS_FILE

    path = index_2024 / WORDFORMS_FILE
    fresh = Analyzer()
    assert fresh.load_wordforms(path) > 4000  # the edition has about 4 900 distinct forms
    for word in ("kunnissa", "tekoälyneuvonnalla", "TE24-uudistuksessa", "kohtaannon", "hankkeistustyöpajojen"):
        assert fresh.analyze_word(word) == get_analyzer().analyze_word(word)


def test_the_index_word_forms_replace_analyses_made_before(index_2024):
    """A process that analysed a word before it opened the index (so without the corpus's
    evidence for splitting it) answers as the index does once it has loaded the file."""
    from textkit.analysis import Analyzer
    from textkit.index import WORDFORMS_FILE

    earlier = Analyzer()
    assert "työpaja" not in earlier.tokens("hankkeistustyöpajojen")[0].terms
    earlier.load_wordforms(index_2024 / WORDFORMS_FILE)
    assert "työpaja" in earlier.tokens("hankkeistustyöpajojen")[0].terms


def test_cli_analyze_answers_as_the_index_was_built(index_2024, tmp_path):
    """`textkit analyze` in a new process shows the split the index uses, where an index exists."""
    import os
    import subprocess
    import sys

    def terms(models: Path) -> list[str]:
        proc = subprocess.run([sys.executable, "-m", "textkit", "analyze", "hankkeistustyöpajojen", "--json"],
                              capture_output=True, cwd=ROOT, check=True,
                              env={**os.environ, "TEXTKIT_MODELS": str(models)})
        return json.loads(proc.stdout.decode("utf-8"))[0]["terms"]

    assert "työpaja" in terms(index_2024)
    assert "työpaja" not in terms(tmp_path / "no-models")  # the word alone gives no evidence


def test_textkits_writer_writes_the_same_index_files_as_whooshs_own_writer(tmp_path, edition_2024, monkeypatch):
    """textkit's segment writer (grouped posting pool, lean add_document, whole-block postings
    writer) gives exactly the files Whoosh's own writer, pool and postings writer give, byte
    for byte, and the same postings, stored fields and lengths read back."""
    from whoosh import index as whoosh_index

    from textkit import index as tk_index

    def files(folder):
        # Segment files are named after a random segment id; the TOC holds that id.
        out = {}
        for path in (folder / tk_index.INDEX_DIRNAME).iterdir():
            if path.suffix in (".toc",) or path.name.endswith("WRITELOCK"):
                continue
            out[path.name.split(".", 1)[1]] = path.read_bytes()
        return out

    def postings(folder):
        with whoosh_index.open_dir(str(folder / tk_index.INDEX_DIRNAME)).reader() as reader:
            out = {}
            for fieldname, tbytes in reader.all_terms():
                m, found = reader.postings(fieldname, tbytes), []
                while m.is_active():
                    found.append((m.id(), m.weight(), m.value()))
                    m.next()
                out[(fieldname, tbytes)] = found
            stored = [reader.stored_fields(i) for i in range(reader.doc_count_all())]
            lengths = [reader.doc_field_length(i, "content") for i in range(reader.doc_count_all())]
        return out, stored, lengths

    tk_index.build_index([edition_2024], tmp_path / "ours")
    ours = postings(tmp_path / "ours")
    monkeypatch.setattr(tk_index, "_FAST_WRITER", False)   # Whoosh's SegmentWriter, PostingPool, W3PostingsWriter
    tk_index.build_index([edition_2024], tmp_path / "whoosh")
    theirs = postings(tmp_path / "whoosh")
    assert len(ours[0]) > 5_000
    assert sum(len(p) > 128 for p in ours[0].values()) >= 5   # terms of several blocks
    assert ours == theirs
    ours_files, their_files = files(tmp_path / "ours"), files(tmp_path / "whoosh")
    assert sorted(ours_files) == ["_content_len.col", "_stored.col", "pst", "trm"]
    assert ours_files == their_files
