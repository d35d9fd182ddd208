"""Theme comparison on the real 2024 edition and year-over-year diff on SYNTHETIC editions.

The multi-edition corpora come from tests/fixtures/synthetic_editions.py: slices of the
real 2024 text, transformed mechanically and written to a temporary folder (never corpus/).
"""

from __future__ import annotations

import json

import pytest

from fixtures.synthetic_editions import (
    THEME_1_ID,
    THEME_2_ID_2023,
    THEME_2_ID_2024,
    THEME_3_ID,
    write_synthetic_corpus,
)
from textkit import cli
from textkit.compare import (
    G2_CRITICAL,
    _g2,
    compare_all,
    compare_themes,
    diff_all,
    diff_theme,
    format_comparison,
    format_matrix,
    format_theme_diff,
    load_aliases,
)
from textkit.errors import TextkitError

from conftest import CORPUS


@pytest.fixture(scope="module")
def real(built_models):
    return {"corpus_dir": CORPUS, "models_dir": built_models}


@pytest.fixture(scope="module")
def comparison(real):
    return compare_themes("1", "tyoelaman-kehittaminen", **real)


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory):
    """SYNTHETIC corpus (2022, 2023, 2024) and an empty models folder (fitted on the fly)."""
    corpus = write_synthetic_corpus(tmp_path_factory.mktemp("synthetic-corpus"), with_2022=True)
    return {"corpus_dir": corpus, "models_dir": tmp_path_factory.mktemp("synthetic-models")}


# ---------------------------------------------------------------- keyness


def test_g2_matches_the_textbook_value():
    # 10 of 100 tokens against 0 of 100: E = 5 and 5, G² = 2·10·ln 2.
    assert _g2(10, 0, 100, 100) == pytest.approx(13.863, abs=1e-3)
    assert _g2(5, 5, 100, 100) == pytest.approx(0.0)


def test_distinctive_terms_are_what_each_theme_is_about(comparison):
    kohtaanto, tyoelama = comparison.distinctive
    assert kohtaanto[0].term == "kohtaanto"
    assert "työhyvinvointi" in [t.term for t in tyoelama[:5]]
    for terms in comparison.distinctive:
        assert all(t.score >= G2_CRITICAL and t.log_ratio > 0 and t.count >= 3 for t in terms)
        assert [t.score for t in terms] == sorted((t.score for t in terms), reverse=True)


def test_shared_terms_occur_in_both_themes(comparison):
    assert comparison.shared
    assert all(s.count_a >= 2 and s.count_b >= 2 for s in comparison.shared)


def test_shared_terms_leave_out_what_nearly_every_theme_uses(comparison, edition_2024):
    from textkit.compare import SHARED_MAX_SPREAD, _edition_documents, _theme_counts

    counts = _theme_counts(_edition_documents(2024, None, None))
    spread = {s.term: sum(1 for c in counts.values() if s.term in c) for s in comparison.shared}
    assert spread and all(n < SHARED_MAX_SPREAD * len(counts) for n in spread.values())
    everywhere = [t for t in counts[comparison.themes[0].theme_id]
                  if sum(1 for c in counts.values() if t in c) >= SHARED_MAX_SPREAD * len(counts)]
    assert everywhere   # such terms exist (yhteistyö, alue …) and are the ones left out


def test_headers_side_by_side_with_paid_share(comparison, edition_2024):
    a, b = comparison.themes
    assert (a.number, b.number) == (1, 5)
    assert a.ministry.startswith("Työ- ja elinkeinoministeriö")
    assert [f.key for f in a.funding] == ["a", "b", "c", "d"]
    assert a.paid_share == pytest.approx(914_526 / 14_000_000, abs=1e-4)
    text = format_comparison(comparison)
    assert "Maksettu osuus (d/a)" in text and "6.5%" in text


def test_topic_mix_side_by_side(comparison, real):
    from textkit.topics import load_topics

    assert len(comparison.topic_mix) == load_topics(real["models_dir"]).k
    for i in (0, 1):
        assert sum(m.shares[i] for m in comparison.topic_mix) == pytest.approx(1.0, abs=0.01)


def test_similarity_matrix_of_all_themes(real):
    matrix = compare_all(**real)
    n = len(matrix.themes)
    assert n == 12 and all(len(row) == n for row in matrix.matrix)
    for i in range(n):
        assert matrix.matrix[i][i] == pytest.approx(1.0, abs=1e-3)
        for j in range(n):
            assert matrix.matrix[i][j] == pytest.approx(matrix.matrix[j][i])
            assert 0.0 <= matrix.matrix[i][j] <= 1.0 + 1e-9
    scores = [s for _, _, s in matrix.closest]
    assert scores == sorted(scores, reverse=True)
    assert "Samankaltaisimmat parit" in format_matrix(matrix)


def test_themes_by_number_or_id_are_the_same(real, comparison):
    again = compare_themes("tyomarkkinoiden-kohtaanto", "5", **real)
    assert again == comparison


def test_a_part_of_an_id_that_fits_one_theme_is_enough(real, comparison):
    assert compare_themes("kohtaanto", "tyoelaman", **real) == comparison


def test_an_ambiguous_part_lists_the_candidates(real):
    with pytest.raises(TextkitError, match="Tarkoititko: .*tasa-arvo"):
        compare_themes("tasa-arvo", "1", **real)


def test_unknown_theme_suggests_close_ids(real):
    with pytest.raises(TextkitError, match="Tarkoititko: tyomarkkinoiden-kohtaanto"):
        compare_themes("kohtanto", "5", **real)


def test_unknown_edition_lists_the_available_ones(real):
    with pytest.raises(TextkitError, match="Saatavilla: 2024"):
        compare_themes("1", "2", edition=2019, **real)


def test_same_theme_twice_is_refused(real):
    with pytest.raises(TextkitError, match="kaksi eri teemaa"):
        compare_themes("1", "tyomarkkinoiden-kohtaanto", **real)


# ---------------------------------------------------------------- year over year (SYNTHETIC)


def test_diff_finds_new_and_gone_terms_with_passages(synthetic):
    diff = diff_theme(THEME_1_ID, 2023, 2024, **synthetic)
    new = {t.term: t for t in diff.new_terms}
    gone = {t.term: t for t in diff.gone_terms}
    assert "te24" in new and new["te24"].count_from == 0 and new["te24"].count_to >= 3
    assert "paikallismalli" in gone and gone["paikallismalli"].count_to == 0
    example = new["te24"].examples[0]
    assert example.passage_id.startswith("2024-01-") and "TE24" in example.snippet
    assert gone["paikallismalli"].examples[0].passage_id.startswith("2023-01-")
    assert "te24" not in {t.term for t in diff.rising_terms + diff.falling_terms}


def test_diff_finds_the_topics_that_grew_with_the_restored_plans(synthetic):
    """2023's theme 1 had its section 4 plans cut to one sentence: 2024 has topics grow back."""
    diff = diff_theme(THEME_1_ID, 2023, 2024, **synthetic)
    grown = diff.new_topics + diff.rising_topics
    assert grown and all(t.change >= 0.03 for t in grown)
    assert all(e.passage_id.startswith("2024-01-") for t in grown for e in t.examples)
    assert "Kasvaneet aiheet" in format_theme_diff(diff)


def test_renamed_theme_is_matched_through_the_alias_list(synthetic):
    assert load_aliases(synthetic["corpus_dir"]) == {THEME_2_ID_2023: THEME_2_ID_2024}
    for query in (THEME_2_ID_2023, THEME_2_ID_2024):
        diff = diff_theme(query, 2023, 2024, **synthetic)
        assert (diff.theme_id_from, diff.theme_id) == (THEME_2_ID_2023, THEME_2_ID_2024)
        assert diff.name_from != diff.name_to


def test_renamed_theme_without_alias_says_to_add_one(tmp_path):
    corpus = write_synthetic_corpus(tmp_path / "corpus", aliases=False)
    with pytest.raises(TextkitError, match="theme_aliases.toml"):
        diff_theme(THEME_2_ID_2024, 2023, 2024, corpus_dir=corpus, models_dir=tmp_path / "models")


def test_theme_only_in_one_edition_is_explained(synthetic):
    with pytest.raises(TextkitError, match="vain vuoden 2024 katsauksessa, ei vuoden 2023"):
        diff_theme(THEME_3_ID, 2023, 2024, **synthetic)


def test_unknown_theme_in_diff_suggests_close_ones(synthetic):
    with pytest.raises(TextkitError, match="Tarkoititko: tyomarkkinoiden-kohtaanto"):
        diff_theme("tyomarkkinoiden-kohtanto", 2023, 2024, **synthetic)


def test_editions_without_a_common_theme_say_so(synthetic):
    with pytest.raises(TextkitError, match="ei ole yhteisiä teemoja"):
        diff_all(2022, 2024, **synthetic)
    with pytest.raises(TextkitError, match="ei ole yhteisiä teemoja"):
        diff_theme("1", 2022, 2024, **synthetic)


def test_same_or_missing_edition_is_refused(synthetic):
    with pytest.raises(TextkitError, match="kaksi eri vuosikatsausta"):
        diff_theme("1", 2024, 2024, **synthetic)
    with pytest.raises(TextkitError, match="Saatavilla: 2022, 2023, 2024"):
        diff_theme("1", 2020, 2024, **synthetic)


def test_diff_of_all_themes(synthetic):
    diff = diff_all(2023, 2024, **synthetic)
    assert [s.theme_id for s in diff.themes] == [THEME_1_ID, THEME_2_ID_2024]
    assert diff.only_to == (THEME_3_ID,) and diff.only_from == ()
    assert sum(t.share_from for t in diff.topics) == pytest.approx(1.0, abs=0.01)
    changes = [abs(t.change) for t in diff.topics]
    assert changes == sorted(changes, reverse=True)


def test_diff_of_all_themes_counts_every_new_and_gone_term(tmp_path):
    """SYNTHETIC: the 2023 theme 1 lacks its section 2, so 2024 adds far more than 15 new terms;
    the count is all of them (counted here from the documents), the list shows the top 15."""
    from collections import Counter

    from textkit.compare import MIN_COUNT, N_TERMS
    from textkit.topics import load_documents

    corpus = write_synthetic_corpus(tmp_path / "corpus", cut_done=True)
    models = tmp_path / "models"
    docs = load_documents(corpus_dir=corpus, models_dir=models)
    lemmas = {year: Counter(w for d in docs if d.edition == year and d.theme_id == THEME_1_ID
                            for w in d.lemmas.split()) for year in (2023, 2024)}
    new = {w for w, n in lemmas[2024].items() if n >= MIN_COUNT and w not in lemmas[2023]}
    gone = {w for w, n in lemmas[2023].items() if n >= MIN_COUNT and w not in lemmas[2024]}
    assert len(new) > N_TERMS + 10

    summary = next(s for s in diff_all(2023, 2024, corpus_dir=corpus, models_dir=models).themes
                   if s.theme_id == THEME_1_ID)
    assert (summary.new_terms, summary.gone_terms) == (len(new), len(gone))
    assert len(summary.top_new_terms) == N_TERMS and set(summary.top_new_terms) <= new
    one = diff_theme(THEME_1_ID, 2023, 2024, corpus_dir=corpus, models_dir=models)
    assert len(one.new_terms) == N_TERMS and one.term_counts["new"] == len(new)
    assert f"{len(new)}, näytetään {N_TERMS}" in format_theme_diff(one)


def test_diff_is_reproducible(synthetic):
    assert diff_theme(THEME_1_ID, 2023, 2024, **synthetic) == diff_theme(THEME_1_ID, 2023, 2024, **synthetic)


# ---------------------------------------------------------------- CLI


def test_cli_compare_and_diff(built_models, synthetic, monkeypatch, capsys):
    monkeypatch.setenv("TEXTKIT_MODELS", str(built_models))
    monkeypatch.setenv("TEXTKIT_CORPUS", str(CORPUS))
    assert cli.main(["compare", "1", "5", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["edition"] == 2024 and data["distinctive"][0][0]["term"] == "kohtaanto"
    assert cli.main(["compare", "--all"]) == 0
    assert "Samankaltaisimmat parit" in capsys.readouterr().out
    assert cli.main(["compare", "1"]) == 2
    assert "kaksi teemaa" in capsys.readouterr().err

    monkeypatch.setenv("TEXTKIT_MODELS", str(synthetic["models_dir"]))
    monkeypatch.setenv("TEXTKIT_CORPUS", str(synthetic["corpus_dir"]))
    assert cli.main(["diff", "1", "--from", "2023", "--to", "2024", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert "te24" in [t["term"] for t in data["new_terms"]]
    assert cli.main(["diff", "--from", "2023", "--to", "2024"]) == 0
    assert "Vain vuoden 2024 katsauksessa" in capsys.readouterr().out
    assert cli.main(["diff", "kohtanto", "--from", "2023", "--to", "2024"]) == 2
    assert "Tarkoititko" in capsys.readouterr().err


def test_all_themes_diff_counts_every_rising_and_falling_term(synthetic):
    overall = diff_all(2023, 2024, **synthetic)
    for summary in overall.themes:
        one = diff_theme(summary.theme_id, 2023, 2024, **synthetic)
        assert (summary.rising_terms, summary.falling_terms) == (one.term_counts["rising"], one.term_counts["falling"])
    assert any(s.rising_terms or s.falling_terms or s.new_terms for s in overall.themes)
    from textkit.compare import format_edition_diff

    text = format_edition_diff(overall)
    assert "yleistyneitä" in text and "harvinaistuneita" in text


def _name_lemmas(name: str) -> set[str]:
    from textkit.analysis import get_analyzer

    return {tok.lemma for tok in get_analyzer().tokens(name)}


def test_distinctive_terms_of_every_theme_are_subject_words_spread_over_passages(real, edition_2024):
    from textkit.analysis import is_stop_lemma, word_class
    from textkit.compare import CLOSED_WORD_CLASSES
    from textkit.topics import REPORT_FRAME_WORDS, load_documents

    docs = [d for d in load_documents(**real) if d.edition == 2024]
    themes = list(edition_2024.themes)
    named = 0
    for a, b in zip(themes[::2], themes[1::2]):
        c = compare_themes(a.id, b.id, **real)
        for theme, terms in zip((a, b), c.distinctive):
            assert terms, theme.id
            passages = [set(d.lemmas.split()) for d in docs if d.theme_id == theme.id]
            for t in terms:
                assert not is_stop_lemma(t.term) and t.term not in REPORT_FRAME_WORDS, (theme.id, t.term)
                assert word_class(t.term) not in CLOSED_WORD_CLASSES, (theme.id, t.term)
                assert sum(t.term in p for p in passages) >= 2, (theme.id, t.term)
            # the words of the theme's own name are what it is about: they still rank near the top
            named += bool(_name_lemmas(theme.name) & {t.term for t in terms[:5]})
    assert named >= len(themes) * 2 // 3, named


def test_near_duplicate_themes_are_flagged_and_the_rest_are_not(real, edition_2024):
    import re
    from itertools import combinations

    from textkit import ui

    matrix = compare_all(**real)
    # the pair of themes that print the most identical sentences (sections 2–5), from the text
    sentence = re.compile(r"(?<=[.!?])\s+")
    paragraphs = {t.id: {x for s in t.sections if 2 <= s.number <= 5 for p in s.passages
                         for x in sentence.split(re.sub(r"\s+", " ", p.text).strip()) if len(x) > 60}
                  for t in edition_2024.themes}
    shared = {ab: len(paragraphs[ab[0]] & paragraphs[ab[1]]) for ab in combinations(paragraphs, 2)}
    copied = max(shared, key=shared.get)
    assert shared[copied] >= 5 and shared[copied] > 3 * sorted(shared.values())[-2], sorted(shared.values())[-3:]
    flagged = ui.near_duplicate_pairs(matrix)
    assert [frozenset(p[:2]) for p in flagged] == [frozenset(copied)]
    rows = ui.similarity_rows(matrix)
    marked = [r for r in rows if r["lähes_sama"]]
    assert len(marked) == 2                                   # both cells of the pair
    assert min(r["samankaltaisuus"] for r in marked) > 1.5 * max(
        r["samankaltaisuus"] for r in rows if not r["lähes_sama"])


def test_sti_adverbs_of_the_real_edition_are_adverbs_and_never_distinctive_terms(real, edition_2024):
    # "-sti" adverbs (aktiivisesti, laajasti) are lemmas of their own, but Voikko reads them as
    # their adjective in the manner case: they must still count as adverbs, not as subject words.
    import re

    from textkit.analysis import _voikko_analyze, get_analyzer, word_class

    words = {w.lower() for t in edition_2024.themes for s in t.sections for p in s.passages
             for w in re.findall(r"\w+sti\b", p.text)}
    adverbs = set()
    for w in words:
        if any(r.get("SIJAMUOTO") == "kerrontosti" for r in _voikko_analyze(w)):
            adverbs |= {tok.lemma for tok in get_analyzer().tokens(w) if tok.lemma.endswith("sti")}
    assert len(adverbs) >= 10, sorted(adverbs)
    assert {a for a in adverbs if word_class(a) != "seikkasana"} == set()
    themes = list(edition_2024.themes)
    for a, b in zip(themes[::2], themes[1::2]):
        for terms in compare_themes(a.id, b.id, **real).distinctive:
            assert not adverbs & {t.term for t in terms}, (a.id, b.id)
