"""textkit.ui: what the app shows, computed without a browser."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from textkit import ui
from textkit.errors import TextkitError
from textkit.types import Edition, Passage, Section, Theme


def test_labels_are_finnish_by_default_and_english_on_request():
    assert ui.label("page_search") == "Haku"
    assert ui.label("page_search", "en") == "Search"
    assert all(fi and en for fi, en in ui.LABELS.values())


def test_finnish_counts_are_pluralised():
    assert ui.count(1, "hit") == "1 osuma" and ui.count(2, "hit") == "2 osumaa" and ui.count(0, "hit") == "0 osumaa"
    assert ui.count(1, "hit", "en") == "1 hit" and ui.count(3, "excerpt", "en") == "3 excerpts"
    assert ui.hits_total(1, 1) == "1 osuma"
    assert ui.hits_total(12, 10) == "12 osumaa, näytetään 10"
    assert ui.hits_total(12, 10, "en") == "12 hits, showing 10"


def test_hidden_hits_are_told_with_section_ranges():
    assert ui.section_ranges([7, 1, 6]) == "1, 6–7" and ui.section_ranges([3]) == "3"
    assert ui.hidden_note({6: 3, 7: 1}) == "+4 osumaa osioissa 6–7"
    assert ui.hidden_note({1: 1}) == "+1 osuma osiossa 1"
    assert ui.hidden_note({1: 1}, "en") == "+1 hit in section 1"
    assert ui.hidden_note({}) == ""
    assert ui.hidden_detail({6: 3, 7: 1}) == "6 Linkit 3 · 7 Rahoitetut hankkeet 1"


def test_section_names_are_short_and_numbered():
    assert ui.section_name(2) == "2 Toteutettu toiminta"
    assert ui.section_name(4, "en") == "4 Plans for the coming year"


def test_money_and_percent_in_finnish_format():
    assert ui.format_percent(914_526 / 14_000_000) == "6,5\u00a0%"
    assert ui.format_euros(14_000_000.0) == "14\u00a0000\u00a0000\u00a0€"
    assert ui.format_percent(None) == ui.format_euros(None) == "–"


def test_parsed_query_operators_in_english():
    parsed = 'kunta JA (alue TAI seutu) JA EI kuntoutus JA "jatkuva JA oppiminen" EI muoto:kuntien'
    assert ui.parsed_query(parsed) == parsed
    assert ui.parsed_query(parsed, "en") == \
        'kunta AND (alue OR seutu) AND NOT kuntoutus AND "jatkuva JA oppiminen" NOT muoto:kuntien'


def test_money_percent_and_changes_in_english_format():
    assert ui.format_percent(914_526 / 14_000_000, "en") == "6.5\u00a0%"
    assert ui.format_euros(14_000_000.0, "en") == "€14,000,000"
    assert ui.format_decimal(2.345, "en") == "2.35" and ui.format_decimal(2.345) == "2,35"
    assert ui.percentage_points(0.021) == "+2,1 %-yks." and ui.percentage_points(-0.021, "en") == "-2.1 pp"


def test_funding_rows_name_the_figures_by_their_letter_in_english():
    funding = [SimpleNamespace(key=k, label=fi, text="1 e", euros=1.0) for k, (fi, _) in ui.FUNDING_NAMES.items()]
    header = SimpleNamespace(funding=funding)
    assert [r["rahoitus"] for r in ui.funding_rows(header)] == [fi for fi, _ in ui.FUNDING_NAMES.values()]
    rows = ui.funding_rows(header, "en")
    assert list(rows[0]) == ["", "funding", "as printed", "euros"]
    assert [r["funding"] for r in rows] == ["public funding frame", "reservations", "committed authorisations",
                                            "costs paid"]


def test_snippet_html_keeps_only_mark_tags():
    snippet = "Uudistus &lt;b&gt; <mark>TE24</mark> ja <script>alert(1)</script> &amp; muut"
    safe = ui.safe_snippet_html(snippet)
    assert "<mark>TE24</mark>" in safe
    assert "<script>" not in safe and "&lt;script&gt;" in safe
    assert "&lt;b&gt;" in safe and "&amp; muut" in safe   # already escaped text is not double-escaped


def test_hits_grouped_by_theme_most_hits_first_then_best_hit():
    hits = [SimpleNamespace(theme_id=t, n=i) for i, t in enumerate(["b", "a", "b", "c", "c"])]
    groups = ui.group_by_theme(hits)
    assert [g for g, _ in groups] == ["b", "c", "a"]
    assert [h.n for h in groups[0][1]] == [0, 2]
    # With facet counts of all hits (more than shown), the counts decide.
    assert [g for g, _ in ui.group_by_theme(hits, {"a": 9, "b": 2, "c": 2})] == ["a", "b", "c"]


def test_facet_line_counts_sections_and_editions():
    line = ui.facet_line({"section": {4: 2, 2: 1}, "edition": {2024: 3}})
    assert line == "Osioittain: 2 Toteutettu toiminta 1 · 4 Tuleva toiminta 2  |  Vuosittain: 2024 3"


def test_hits_per_theme_rows_largest_first_without_zeros():
    rows = ui.hits_per_theme_rows({"a": 2, "b": 5, "c": 0}, {"a": "Alpha", "b": "Beta"})
    assert [(r["teema"], r["osumia"]) for r in rows] == [("Beta", 5), ("Alpha", 2)]


@pytest.mark.parametrize(
    "name, data, message",
    [
        ("katsaus.exe", b"MZ", "vain PDF-, DOCX- ja TXT"),
        ("katsaus.pdf", b"hello", "ei ole PDF"),
        ("katsaus.docx", b"%PDF-1.7", "ei ole Word"),
        ("katsaus.txt", b"Raportti \x81\x8d\x90 teksti", "ei ole UTF-8- eikä Windows-1252"),
        ("katsaus.docx", b"PK\x03\x04 ei oikeasti zip", "ei ole luettava Word"),
        ("katsaus.txt", b"", "tyhjä"),
    ],
)
def test_bad_uploads_are_refused_with_a_finnish_message(name, data, message):
    with pytest.raises(TextkitError, match=message):
        ui.check_upload(name, data)


def test_too_large_upload_is_refused(monkeypatch):
    monkeypatch.setattr(ui, "MAX_UPLOAD_BYTES", 10)
    with pytest.raises(TextkitError, match="liian suuri"):
        ui.check_upload("k.txt", b"x" * 11)


def test_good_uploads_pass():
    assert ui.check_upload("Katsaus 2025.PDF", b"%PDF-1.7 ...") == "pdf"
    assert ui.check_upload("k.txt", "Työllisyys".encode()) == "txt"


def test_parse_summary_lists_themes_and_warns_about_missing_sections():
    edition = Edition(2025, "T", "2025-10-31", "k.txt", (_theme(sections=(2, 3, 4)),), warnings=("sivu 3: outo rivi",))
    summary = ui.parse_summary(edition)
    assert summary.themes == 1 and summary.passages == 3
    assert summary.rows[0]["osiot"] == "2, 3, 4"
    assert summary.warnings[0] == "sivu 3: outo rivi"
    assert "puuttuu osio 5" in summary.warnings[1]


def test_basket_changes_find_edits_and_removals():
    before = [
        {"id": 1, "kokoelma": "Oletus", "muistiinpano": "", "koodit": "a", "poista": False},
        {"id": 2, "kokoelma": "Oletus", "muistiinpano": "x", "koodit": "", "poista": False},
        {"id": 3, "kokoelma": "Oletus", "muistiinpano": "", "koodit": "", "poista": False},
    ]
    after = [
        {**before[0], "muistiinpano": "tärkeä", "koodit": "a; TE24 ,"},
        {**before[1], "poista": True},
        {**before[2], "kokoelma": "Raportti", "muistiinpano": None},
    ]
    changes = {c.excerpt_id: c for c in ui.basket_changes(before, after)}
    assert changes[1] == ui.BasketChange(1, note="tärkeä", codes=("a", "TE24"))
    assert changes[2].remove
    assert changes[3] == ui.BasketChange(3, collection="Raportti")


def test_export_file_names_are_ascii():
    assert ui.export_file_name("TE24 ja kunnat", "xlsx") == "otteet-te24-ja-kunnat.xlsx"
    assert ui.export_file_name("Työllisyys", "md") == "otteet-tyollisyys.md"
    assert ui.export_file_name(None, "csv") == "otteet.csv"


# SYNTHETIC records for the tests above (not report text).
def _theme(sections=(2,)) -> Theme:
    return Theme(
        id="testiteema", number=1, name="Testiteema", ministry="TEM", period="2023–2027", funding=(),
        sections=tuple(
            Section(n, f"{n}) Otsikko", "teksti", (Passage(f"2025-01-{n}-001", 2025, "testiteema", n, 1, "teksti"),))
            for n in sections
        ),
    )


def test_matched_form_rows_and_one_click_exclusion_of_a_form():
    forms = [SimpleNamespace(form="kuntien", count=4, passages=3, match="whole"),
             SimpleNamespace(form="jatkuvan oppimisen", count=2, passages=2, match="phrase")]
    rows = ui.form_rows(forms)
    assert rows[0]["label"] == "sana" and rows[0]["excludable"]
    assert ui.form_rows(forms, "en")[0]["label"] == "word"
    assert not rows[1]["excludable"], "a phrase is not one form"
    assert ui.exclude_form_query("kunta", "kuntien") == "kunta EI muoto:kuntien"
    once = ui.exclude_form_query("kunta EI muoto:kuntien", "kuntien")
    assert once == "kunta EI muoto:kuntien"
    assert ui.exclude_form_query("kunta EI muoto:kuntien ", "kunnat") == "kunta EI muoto:kuntien EI muoto:kunnat"
    assert ui.include_form_query("kunta EI muoto:kuntien EI muoto:kunnat", "kuntien") == "kunta EI muoto:kunnat"
    assert ui.include_form_query("kunta EI muoto:kuntien", "kuntien") == "kunta"


def test_funded_projects_tables_and_download(edition_2024):
    import csv
    import io

    from openpyxl import load_workbook

    rows = ui.project_rows(edition_2024)
    assert len(rows) == sum(len(t.projects) for t in edition_2024.themes) > 60
    merit = next(r for r in rows if r["koodi"] == "R-01402")
    assert merit["paatoteuttaja"] == "Lab-ammattikorkeakoulu Oy" and "S30977" in merit["toteuttajat"]
    organisations = ui.organisation_rows(edition_2024)
    lab = next(r for r in organisations if r["organisaatio"] == "Lab-ammattikorkeakoulu Oy")
    assert lab["teemoja"] >= 3 and lab["hankkeita"] >= lab["teemoja"] and lab["paatoteuttajana"] >= 1
    assert organisations[0]["teemoja"] >= organisations[-1]["teemoja"]  # shared across themes first
    table = list(csv.reader(io.StringIO(ui.projects_table(edition_2024, "csv").decode("utf-8-sig")), delimiter=";"))
    assert table[0][:3] == ["Teema", "Koodi", "Hanke"] and len(table) == len(rows) + 1
    assert not any(cell.startswith(("=", "+", "@")) for row in table[1:] for cell in row)
    book = load_workbook(io.BytesIO(ui.projects_table(edition_2024, "xlsx")))
    assert book.active.max_row == len(rows) + 1
    english = list(csv.reader(io.StringIO(ui.projects_table(edition_2024, "csv", "en").decode("utf-8-sig")),
                              delimiter=";"))
    assert english[0][:4] == ["Theme", "Code", "Project", "Lead implementer"] and english[1:] == table[1:]


def test_basket_preview_code_counts_and_code_by_theme_table():
    e = lambda theme, codes, text="x": SimpleNamespace(theme=theme, codes=codes, text=text)   # noqa: E731
    excerpts = [e("A", ("arviointi", "TE24")), e("B", ("arviointi",)), e("A", ()), e("B", ("TE24",)), e("B", ("arviointi",))]
    assert ui.code_counts(excerpts) == [("arviointi", 3), ("TE24", 2)]
    columns, rows = ui.code_theme_rows(excerpts)
    assert [header for _, header, _ in columns] == ["Koodi", "A", "B", "Yhteensä"]
    assert [[row[key] for key, _, _ in columns] for row in rows] == [
        ["arviointi", 1, 2, 3], ["TE24", 1, 1, 2], ["(ei koodia)", 1, 0, 1]]
    long = "sana " * 100
    assert ui.preview(long).endswith(" …") and len(ui.preview(long)) <= ui.PREVIEW_CHARS + 2
    assert ui.preview("lyhyt\nteksti") == "lyhyt teksti"
