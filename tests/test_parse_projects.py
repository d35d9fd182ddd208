"""Section 7 project records: code, name, implementers (lead marked) and period, in every format.

The reference is `bench/projects_judged/toteutuskatsaus-2024.json`: the 80 projects that the real
2024 text prints, read off the text by hand (see its README). The form DOCX/PDF are SYNTHETIC
(tests/fixtures/form/). Lines "recombined" below join a real project name with a real
organisation of another theme: SYNTHETIC rows in the layouts the 2024 text uses, so the rule is
checked on organisations it was not written against.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from conftest import FORM_FIXTURES, ROOT
from textkit.errors import TextkitError
from textkit.parse import parse_file, parse_text
from textkit.parse.projects import load_organisation_words, split_trailing_organisation

JUDGED = ROOT / "bench" / "projects_judged" / "toteutuskatsaus-2024.json"


def _key(theme_number, code, name, period, implementers):
    return (theme_number, code, name, period, tuple(tuple(i) for i in implementers))


def _judged() -> list[tuple]:
    return [_key(r["theme"], r["code"], r["name"], r["period"], r["implementers"])
            for r in json.loads(JUDGED.read_text(encoding="utf-8"))]


def _records(edition) -> list[tuple]:
    return [_key(t.number, p.code, p.name, p.period, [[i.name, i.code, i.lead] for i in p.implementers])
            for t in edition.themes for p in t.projects]


@pytest.mark.parametrize("path", [
    None,  # the real 2024 text
    FORM_FIXTURES / "toteutuskatsaus-2024-form.pdf",
    FORM_FIXTURES / "toteutuskatsaus-2024-form.docx",
    FORM_FIXTURES / "toteutuskatsaus-2024-form-nopages.docx",
], ids=["txt", "pdf", "docx", "docx-nopages"])
def test_every_printed_project_is_one_right_record(path, edition_2024):
    edition = edition_2024 if path is None else parse_file(path, year=2024)
    got, judged = _records(edition), _judged()
    wrong = Counter(got) - Counter(judged)
    missing = Counter(judged) - Counter(got)
    assert not wrong and not missing, (list(wrong)[:3], list(missing)[:3])


def test_a_table_row_without_separators_is_split_into_name_and_organisation(edition_2024):
    theme3 = edition_2024.themes[2]
    by_code = {p.code: p for p in theme3.projects}
    # "S30540  JOKO Työelämään Keuruun kaupunki": the cells lost their border in the text.
    assert by_code["S30540"].name == "JOKO Työelämään"
    assert [i.name for i in by_code["S30540"].implementers] == ["Keuruun kaupunki"]
    # Rows that repeat a group code: one group project, each row an implementer with its code;
    # "/ päätoteuttaja" marks the lead, also when the cell wrapped over three lines.
    group = by_code["R-00493"]
    assert [(i.name, i.code, i.lead) for i in group.implementers] == [
        ("Espoon kaupunki", "S30298", True), ("Espoon seudun koulutuskuntayhtymä Omnia", "S30297", False)]
    assert sum(p.code == "R-00493" for p in theme3.projects) == 1
    # "S30294 … Suomen Humanistinen Ammattikorkeakoulu" + "Oy" on a line of its own.
    assert by_code["S30294"].implementers[0].name == "Suomen Humanistinen Ammattikorkeakoulu Oy"
    # Headings of the table ("Hankkeen nimi Hakija", "Sisältöosio …") are no projects.
    assert not any("Sisältöosio" in p.name or "Hakija" in p.name for p in theme3.projects)


def test_slash_and_comma_separate_the_implementers(edition_2024):
    theme10, theme11 = edition_2024.themes[9], edition_2024.themes[10]
    active = next(p for p in theme10.projects if p.code == "R-01084")
    assert active.name.endswith("edistävät palvelut")
    names = [i.name for i in active.implementers]
    assert len(names) == 8 and "Vantaan ja Keravan hyvinvointialue" in names  # "ja" inside one name
    assert [(p.name, [i.name for i in p.implementers]) for p in theme11.projects] == [
        ("Yhdenvertaisen osallisuuden koordinaatio", ["THL"]),
        ("Lasten, nuorten ja perheiden osallisuuden koordinaatio", ["SOS-Lapsikylä", "Nuorten Akatemia", "Opetushallitus"]),
    ]


def test_entries_sharing_a_paragraph_or_split_over_two_are_each_one_record(edition_2024):
    theme5, theme9 = edition_2024.themes[4], edition_2024.themes[8]
    names5 = [p.name for p in theme5.projects]
    # "… Kustannusarvio 1 486 003 €. Well-being AI: …" in one paragraph; "Digio-…" with its
    # "Toteuttaja: …" on the next line.
    assert any(n.startswith("Well-being AI") for n in names5)
    digio = next(p for p in theme5.projects if p.name.startswith("Digio"))
    assert [i.name for i in digio.implementers] == ["Turun ammattikorkeakoulu Oy"]
    assert names5[0] == "Parempi työelämä!"  # the role label "Koordinaatiohanke" is no part of the name
    # The text says N=12: entries running on after a web address are their own records.
    assert len(theme9.projects) == 12
    walk = next(p for p in theme9.projects if p.name.startswith("Walk in"))
    assert (walk.name, walk.period) == ("Walk in terapian valtakunnallistaminen -hanke", "2024 – 2027")


def _recombined():
    """(line, name, organisation): a real project name with a real organisation of another theme."""
    judged = json.loads(JUDGED.read_text(encoding="utf-8"))
    names = [r["name"] for r in judged if r["theme"] in (3, 10)]
    orgs = [i[0] for r in judged if r["theme"] in (5, 6, 7) for i in r["implementers"]]
    return [(f"S30001 {n} {o}", n, o) for n in names for o in orgs]


def test_the_organisation_rule_works_on_organisations_it_was_not_written_for():
    # SYNTHETIC rows: theme 3/10 project names with the implementers of themes 5–7.
    rows = _recombined()
    words = load_organisation_words()
    right = sum(split_trailing_organisation(line[7:], words) == (name, org) for line, name, org in rows)
    assert len(rows) > 300
    assert right / len(rows) >= 0.8, right / len(rows)


@pytest.mark.parametrize("line, expected", [
    ("JOKO Työelämään Keuruun kaupunki", ("JOKO Työelämään", "Keuruun kaupunki")),
    ("Verkostolla töihin Lentävä liitutaulu Oy", ("Verkostolla töihin", "Lentävä liitutaulu Oy")),
    ("Syrjimättä Terveyden ja hyvinvoinnin laitos", ("Syrjimättä", "Terveyden ja hyvinvoinnin laitos")),
    ("Yhdessä -hanke Etelä-Pohjanmaan ensi- ja turvakotiyhdistys ry", ("Yhdessä -hanke", "Etelä-Pohjanmaan ensi- ja turvakotiyhdistys ry")),
    ("Tampereen ammattikorkeakoulu Oy", None),   # all organisation: no name to split off
    ("Kohti yliopistoa – valmentava koulutus maahanmuuttajille", None),  # "yliopistoa" is no head
])
def test_split_trailing_organisation(line, expected):
    assert split_trailing_organisation(line) == expected


def test_the_organisation_words_are_an_editable_data_file(tmp_path, monkeypatch):
    line = "S30001 Verkostolla töihin Kuntoutuskeskus Kankaanpää"
    text = (ROOT / "corpus" / "toteutuskatsaus-2024.txt").read_text(encoding="utf-8")
    monkeypatch.setenv("TEXTKIT_CORPUS", str(tmp_path))
    assert split_trailing_organisation(line[7:]) is None  # "keskus" is no head word as shipped
    (tmp_path / "organisations.toml").write_text(
        'legal_forms = ["Oy"]\ntype_words = ["kuntoutuskeskus"]\n', encoding="utf-8")
    assert split_trailing_organisation(line[7:]) == ("Verkostolla töihin", "Kuntoutuskeskus Kankaanpää")
    (tmp_path / "organisations.toml").write_text('type_words = "kaupunki"\n', encoding="utf-8")
    with pytest.raises(TextkitError, match="type_words"):
        parse_text(text, year=2024, source="toteutuskatsaus-2024.txt")


@pytest.mark.parametrize("suffix", ["docx", "pdf"])
@pytest.mark.parametrize("words", ["shipped", "none"])
def test_a_project_table_is_read_by_its_cells(suffix, words, tmp_path, monkeypatch, edition_2024):
    # SYNTHETIC: themes 3 and 11 with section 7 as a ruled table (tests/fixtures/make_form_fixtures.py),
    # the DOCX and the PDF LibreOffice printed from it. With no organisation words at all, the
    # cells alone still tell each name from its implementers.
    if words == "none":
        monkeypatch.setenv("TEXTKIT_CORPUS", str(tmp_path))
        (tmp_path / "organisations.toml").write_text("legal_forms = []\ntype_words = []\n", encoding="utf-8")
    edition = parse_file(FORM_FIXTURES / f"form-projects-table.{suffix}", year=2024)
    number_of = {t.name: t.number for t in edition_2024.themes}
    got = [_key(number_of[t.name], p.code, p.name, p.period, [[i.name, i.code, i.lead] for i in p.implementers])
           for t in edition.themes for p in t.projects]
    assert got == [r for r in _judged() if r[0] in (3, 11)]


def test_without_organisation_words_the_text_keeps_the_whole_line(tmp_path, monkeypatch):
    # The control for the test above: the same rows as plain text are not split by layout.
    monkeypatch.setenv("TEXTKIT_CORPUS", str(tmp_path))
    (tmp_path / "organisations.toml").write_text("legal_forms = []\ntype_words = []\n", encoding="utf-8")
    edition = parse_file(ROOT / "corpus" / "toteutuskatsaus-2024.txt", year=2024)
    keuruu = next(p for p in edition.themes[2].projects if p.code == "S30540")
    assert (keuruu.name, keuruu.implementers) == ("JOKO Työelämään Keuruun kaupunki", ())
