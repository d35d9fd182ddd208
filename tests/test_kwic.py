"""Concordance (KWIC), collocates and relative frequencies: on the real 2024 edition, and on a
small SYNTHETIC two-theme edition whose word counts are known by construction."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys

import pytest

from textkit import kwic
from textkit.errors import TextkitError
from textkit.index import search
from textkit.types import Edition, Passage, Section, Theme, to_dict

from conftest import ROOT

ALL = (1, 2, 3, 4, 5, 6, 7)


# ---------------------------------------------------------------- real 2024 edition


@pytest.fixture(scope="module")
def conc(index_2024):
    def _conc(query, **kwargs):
        return kwic.concordance(query, models_dir=index_2024, **kwargs)

    return _conc


def test_kunta_lists_every_matched_form_one_line_per_match(conc, index_2024):
    everything = search("kunta", sections=ALL, limit=0, models_dir=index_2024)
    c = conc("kunta", sections=ALL)
    assert len(c.lines) == sum(len(h.matches) for h in everything.hits) > everything.total
    assert c.passages == everything.total
    forms = {f.form for f in c.forms}
    assert forms == {m.lower() for h in everything.hits for m in h.matches}
    assert {"kuntien", "kunnat", "kunnista"} <= forms          # inflections, each listed
    # … the same forms, counts and kinds as the search's matched-forms facet
    assert {(f.form, f.count, f.match) for f in c.forms} == {(f.form, f.count, f.match) for f in everything.forms}
    assert {f.match for f in c.forms if f.form == "kuntien"} == {"whole"}
    assert sum(f.count for f in c.forms) == len(c.lines)
    for line in c.lines:                                       # the form is the text at its place
        assert c.texts[line.passage_id][line.start:line.end] == line.form


def test_phrase_is_one_line_per_occurrence_with_its_inflected_forms(conc):
    c = conc('"jatkuva oppiminen"')
    assert c.lines and all(len(line.form.split()) == 2 for line in c.lines)
    assert {"jatkuvan oppimisen", "jatkuvaa oppimista"} <= {f.form for f in c.forms}


def test_context_is_on_one_line_and_ends_at_word_boundaries(conc):
    c = conc("kunta", sections=ALL)
    for line in c.lines:
        assert "\n" not in line.left + line.right
        assert len(line.left) <= kwic.CONTEXT_CHARS and len(line.right) <= kwic.CONTEXT_CHARS
        # left + form + right is the passage's own text around the match, whitespace runs as one
        assert kwic._one_line(line.left + line.form + line.right) in kwic._one_line(c.texts[line.passage_id])


def test_sorting_by_right_context_orders_by_the_words_after_the_match(conc):
    lines = kwic.sort_lines(conc('"jatkuva oppiminen"').lines, "right")
    keys = [[kwic.collation_key(w) for w in kwic.WORD.findall(line.right)][:3] for line in lines]
    assert keys == sorted(keys)
    firsts = [kwic.WORD.findall(line.right)[0].lower() for line in lines if kwic.WORD.findall(line.right)]
    assert firsts.index("alueellisiin") < firsts.index("teeman") < firsts.index("verkostossa")
    assert kwic.sort_lines(lines, "right", descending=True) == list(reversed(lines))


def test_default_scope_concordance_reports_hidden_hits(conc):
    c = conc("tekoäly")
    assert c.passages == 3 and sum(c.hidden_by_scope.values()) == 4
    assert "+4 osumaa osioissa 6–7" in kwic.format_concordance(c)


# ---------------------------------------------------------------- sorting, by hand-made lines


def _line(left, form, right, pid="2030-01-2-001", start=0, theme="A"):
    return kwic.KwicLine(pid, 2030, theme.lower(), theme, 2, "Osio", 3, left, form, right, start, start + len(form))


def test_right_sort_uses_finnish_alphabetical_order_and_the_next_words_on_ties():
    lines = [_line("x", "kunta", r, start=i) for i, r in enumerate(
        ["öljyn hinta", "äidin kanssa", "Åland", "zeta", "aamu b", "aamu a", "(välissä) Beta"])]
    ordered = [line.right for line in kwic.sort_lines(lines, "right")]
    assert ordered == ["aamu a", "aamu b", "(välissä) Beta", "zeta", "Åland", "äidin kanssa", "öljyn hinta"]


def test_left_sort_reads_from_the_match_outwards():
    lines = [_line(left, "kunta", "", start=i) for i, left in enumerate(["c a", "a b", "b a"])]
    # 1L is the word next to the match: a, a, b; then 2L: b < c.
    assert [line.left for line in kwic.sort_lines(lines, "left")] == ["b a", "c a", "a b"]


def test_document_order_and_form_and_theme_sorts():
    a = _line("", "Kunnat", "z", pid="2030-02-2-001", theme="Beta")
    b = _line("", "kuntien", "a", pid="2030-01-3-002", theme="Alfa")
    c = _line("", "kunnat", "a", pid="2030-01-2-001", start=50, theme="Alfa")
    d = _line("", "kunnat", "b", pid="2030-01-2-001", start=5, theme="Alfa")
    assert kwic.sort_lines([a, b, c, d], "order") == [d, c, b, a]
    assert kwic.sort_lines([a, b, c, d], "form") == [c, d, a, b]
    assert kwic.sort_lines([a, b, c, d], "theme") == [d, c, b, a]
    assert [f.form for f in kwic.form_counts([a, b, c, d])] == ["kunnat", "kuntien"]
    assert kwic.filter_forms([a, b, c, d], ["KUNTIEN"]) == [b]
    with pytest.raises(TextkitError, match="Lajittelu"):
        kwic.sort_lines([a], "sideways")


# ---------------------------------------------------------------- SYNTHETIC two-theme edition


def _synthetic_edition() -> Edition:
    """SYNTHETIC: two themes, word counts known by construction. Theme A: 200 words in section 2
    with 3 × kunta-inflections; theme B: 800 words in section 2 and 4 with 2 of them, and a
    section-7 passage with one more (outside the default scope)."""

    def passage(theme_no, section, ordinal, words):
        return Passage(f"2030-{theme_no:02d}-{section}-{ordinal:03d}", 2030, f"teema-{theme_no}", section, 1,
                       " ".join(words) + ".")

    filler = ["sana"] * 10
    a1 = passage(1, 2, 1, ["kunnat", "tekevät", "yhteistyötä"] + ["alue"] * 97)               # 100 words, 1 hit
    a2 = passage(1, 2, 2, ["kuntien", "yhteistyö"] + ["alue"] * 50 + ["kunnissa"] + ["alue"] * 47)   # 100, 2
    b1 = passage(2, 2, 1, ["kunta"] + filler * 39 + ["sana"] * 9)                             # 400, 1
    b2 = passage(2, 4, 1, ["alue"] * 200 + ["kunnille"] + ["alue"] * 199)                     # 400, 1
    b7 = passage(2, 7, 1, ["kunta", "hanke"])                                                 # section 7

    def section(number, *passages):
        return Section(number, f"Osio {number}", "\n\n".join(p.text for p in passages), passages)

    themes = (
        Theme("teema-1", 1, "Ensimmäinen teema, jonka nimi on pitkä", "TEM", "2030", (), (section(2, a1, a2),)),
        Theme("teema-2", 2, "Toinen teema", "STM", "2030", (), (section(2, b1), section(4, b2), section(7, b7))),
    )
    return Edition(2030, "SYNTHETIC", "2030-10-31", "synthetic.txt", themes)


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory):
    from textkit.index import build_index

    edition = _synthetic_edition()
    folder = tmp_path_factory.mktemp("models-synthetic-kwic")
    build_index([edition], folder)
    return edition, folder


def test_rates_per_1000_words_on_a_synthetic_two_theme_edition(synthetic):
    edition, folder = synthetic
    c = kwic.concordance("kunta", models_dir=folder)
    assert len(c.lines) == 5 and c.hidden_by_scope == {7: 1}
    freq = kwic.frequencies(c, kwic.scope_passages([edition], c))
    by_theme = {r.key: r for r in freq.by_theme}
    assert (by_theme["teema-1"].words, by_theme["teema-1"].occurrences, by_theme["teema-1"].hits) == (200, 3, 2)
    assert (by_theme["teema-2"].words, by_theme["teema-2"].occurrences, by_theme["teema-2"].hits) == (800, 2, 2)
    assert by_theme["teema-1"].per_1000 == 15.0 and by_theme["teema-2"].per_1000 == 2.5
    assert [r.key for r in freq.by_theme] == ["teema-1", "teema-2"]       # highest rate first
    by_section = {r.key: r for r in freq.by_section}
    assert set(by_section) == {"2", "4"}                                  # the scope: 7 is out
    assert by_section["2"].words == 600 and by_section["2"].per_1000 == round(1000 * 4 / 600, 3)
    assert by_section["4"].per_1000 == 2.5
    assert freq.words == 1000 and freq.per_1000 == 5.0
    assert [(r.key, r.per_1000) for r in freq.by_edition] == [("2030", 5.0)]
    assert set(freq.cells) == {("teema-1", 2, 2), ("teema-2", 2, 1), ("teema-2", 4, 1)}
    # All sections: the section-7 passage and its words join the scope.
    wide = kwic.concordance("kunta", sections=ALL, models_dir=folder)
    assert kwic.frequencies(wide, kwic.scope_passages([edition], wide)).words == 1002


def test_a_theme_without_hits_is_listed_with_rate_zero(synthetic):
    edition, folder = synthetic
    c = kwic.concordance("yhteistyö", models_dir=folder)
    rows = {r.key: r for r in kwic.frequencies(c, kwic.scope_passages([edition], c)).by_theme}
    assert rows["teema-2"].occurrences == 0 and rows["teema-2"].per_1000 == 0.0 and rows["teema-2"].words == 800


def test_collocates_count_the_window_and_skip_stop_words(synthetic):
    edition, folder = synthetic
    c = kwic.concordance("kunta", models_dir=folder)
    found = {x.lemma: x for x in kwic.collocates(c, kwic.scope_passages([edition], c), min_together=1, top=100)}
    # "tehdä" (tekevät) is a stop word of the boilerplate list; yhteistyö stands right of 2 matches.
    assert "tehdä" not in found and "kunta" not in found
    assert found["yhteistyö"].together == 2 and found["yhteistyö"].right == 2 and found["yhteistyö"].left == 0
    assert found["yhteistyö"].frequency == 2
    # alue is everywhere: inside windows about as often as its frequency predicts, so a low MI.
    assert found["yhteistyö"].mi > found["alue"].mi and found["yhteistyö"].ll > 0
    ranked = kwic.collocates(c, kwic.scope_passages([edition], c), min_together=1, by="mi")
    assert ranked[0].mi == max(x.mi for x in found.values())
    assert kwic.collocate_query("kunta TAI alue", "yhteistyö") == "(kunta TAI alue) yhteistyö"
    assert kwic.collocate_query("kunta", "yhteistyö") == "kunta yhteistyö"


# ---------------------------------------------------------------- export, sentences, CLI


def test_export_has_citations_and_no_cell_becomes_a_formula():
    from openpyxl import load_workbook

    lines = [_line("=HYPERLINK(\"x\")", "kunta", "+1 ja -2", pid="2024-01-2-001")]
    rows = list(csv.reader(io.StringIO(kwic.render_lines(lines, "csv").decode("utf-8-sig")), delimiter=";"))
    assert rows[0][:3] == ["Vasen konteksti", "Osuma", "Oikea konteksti"]
    assert rows[1][0].startswith("'=") and rows[1][2].startswith("'+")
    assert "teema \"A\"" in rows[1][rows[0].index("Lähdeviite")]
    sheet = load_workbook(io.BytesIO(kwic.render_lines(lines, "xlsx"))).active
    assert sheet["A2"].data_type == "s" and sheet["A2"].value.startswith("=")
    with pytest.raises(TextkitError):
        kwic.render_lines([], "csv")


def test_sentence_at_gives_the_sentence_of_the_match():
    text = "Ensimmäinen virke. Kunnat tekevät yhteistyötä. Kolmas virke."
    assert kwic.sentence_at(text, text.index("Kunnat")) == (2, "Kunnat tekevät yhteistyötä.")


def test_cli_kwic_text_json_and_export(index_2024, tmp_path):
    env = {"TEXTKIT_MODELS": str(index_2024), "TEXTKIT_CORPUS": str(ROOT / "corpus"), "PATH": ""}
    run = lambda *args: subprocess.run([sys.executable, "-m", "textkit", "kwic", *args], capture_output=True,
                                       text=True, env=env, cwd=ROOT)
    text = run('"jatkuva oppiminen"', "--sort", "right", "--collocates", "ll", "--frequencies")
    assert text.returncode == 0, text.stderr
    assert "jatkuvan oppimisen" in text.stdout and "Kollokaatit" in text.stdout and "/ 1 000 sanaa" in text.stdout
    data = json.loads(run("kunta", "--json").stdout)
    assert {"lines", "forms", "passages", "hidden_by_scope", "frequencies", "collocates"} <= set(data)
    assert "texts" not in data and set(data["collocates"]) == {"ll", "mi"}
    assert data["lines"][0]["form"] and data["frequencies"]["by_theme"][0]["per_1000"] > 0
    out = tmp_path / "kwic.csv"
    assert run("kunta", "--out", str(out)).returncode == 0 and out.read_bytes().startswith(b"\xef\xbb\xbf")
    bad = run("kunta", "--out", str(tmp_path / "x.docx"))
    assert bad.returncode == 2 and "XLSX" in bad.stderr and "Traceback" not in bad.stderr
