"""PDF reader tests on SYNTHETIC fixtures: the real 2024 text laid out as the ministry's Word
form and printed by LibreOffice (tests/fixtures/form/, made by tests/fixtures/make_form_fixtures.py).

The reference is the real 2024 text parsed by the TXT reader: the PDF must give the same
themes, narrative sections and funding, without its running header/footer, with the page
each passage's first words are printed on (checked with pypdf, an independent reader).
"""

from __future__ import annotations

import re

import pytest

from conftest import FORM_FIXTURES, URL_RE, bare as _bare, section_similarity
from textkit.errors import TextkitError
from textkit.parse import parse_document, parse_file, read_document

FORM = FORM_FIXTURES
FORM_PDF = FORM / "toteutuskatsaus-2024-form.pdf"
SMALL_PDF = FORM / "form-small-2line-header.pdf"


@pytest.fixture(scope="module")
def form_pdf():
    document = read_document(FORM_PDF)
    return document, parse_document(document, year=2024)


def test_pdf_gives_the_themes_and_narrative_sections_of_the_text(form_pdf, edition_2024):
    _, edition = form_pdf
    assert [t.name for t in edition.themes] == [t.name for t in edition_2024.themes]
    assert edition.warnings == ()
    compared = 0
    for pdf_theme, txt_theme in zip(edition.themes, edition_2024.themes):
        for number in (2, 3, 4, 5):
            ratio = section_similarity(txt_theme.section(number).text, pdf_theme.section(number).text)
            assert ratio >= 0.98, (txt_theme.number, number, ratio)
            compared += 1
    assert compared == 48


def test_running_header_and_footer_are_removed_everywhere(form_pdf):
    document, edition = form_pdf
    removed = [line for line in document.removed if line != "(sivunumero)"]
    # The title + date header and the ministry's address block were found by position and repetition.
    assert any("Katsaus" in line for line in removed) and any(line.startswith("PL ") for line in removed)
    assert "(sivunumero)" in document.removed
    assert document.removed_count >= 7 * (len(document.pages) - 1)
    texts = [p.text for p in edition.passages()] + [t.name for t in edition.themes] + [edition.title]
    for line in removed:
        assert not any(line in text for text in texts), line
    # No page number glued into running text ("… 168 2 ESR+ …").
    assert not any(re.search(r"\d \d{1,2} ESR\+", text) for text in texts)


def test_title_comes_from_the_cover_page(form_pdf, edition_2024):
    _, edition = form_pdf
    assert edition.title == edition_2024.title
    assert edition.reporting_date == "2024-10-31"


def test_funding_values_wrapped_in_their_cell_stay_one_value(form_pdf, edition_2024):
    _, edition = form_pdf
    for pdf_theme, txt_theme in zip(edition.themes, edition_2024.themes):
        assert [(f.text, f.euros) for f in pdf_theme.funding] == [(f.text, f.euros) for f in txt_theme.funding]
    # The case is really there: some funding rows are twice as tall as one line (the value wraps).
    document, _ = form_pdf
    rows = [line for page in document.pages for line in page.lines
            if line.kind == "row" and re.match(r"[a-d]\) ", line.cells[0])]
    heights = [line.bottom - line.top for line in rows]
    assert len(rows) == 48 and max(heights) > 1.8 * min(heights)


def test_each_passage_carries_the_page_its_first_words_are_printed_on(form_pdf, printed_form_pages):
    _, edition = form_pdf
    passages = edition.passages((2, 3, 4, 5))
    assert len(passages) > 150
    wrong = [p.id for p in passages if _bare(p.text)[:40] not in printed_form_pages[p.page - 1]]
    assert wrong == []
    assert len({p.page for p in passages}) > 30  # pages really vary (52 printed pages)


def test_bullet_glyphs_become_list_items(form_pdf, edition_2024):
    _, edition = form_pdf
    texts = [p.text for p in edition.passages()]
    assert not any(ch in text for text in texts for ch in "\uf0b7•▪")
    # The form prints theme 4's list of target groups with the Symbol-font bullet (U+F0B7): the
    # items come back as items, joined to their lead-in after a dash, as in the text edition.
    pdf = {p.id: p.text for p in edition.passages()}
    txt = {p.id: p.text for p in edition_2024.passages()}
    assert txt["2024-04-2-001"].count(" - ") >= 10
    assert pdf["2024-04-2-001"] == txt["2024-04-2-001"]


def test_every_section_6_address_is_kept(form_pdf, edition_2024):
    _, edition = form_pdf
    for pdf_theme, txt_theme in zip(edition.themes, edition_2024.themes):
        addresses = URL_RE.findall(txt_theme.section(6).text)
        kept = pdf_theme.section(6).text
        for address in addresses:
            assert address.rstrip(".,;") in kept, (txt_theme.number, address)


def test_two_line_header_footer_without_number_and_a_table_only_page():
    document = read_document(SMALL_PDF)
    # Both header lines and the footer (no page number in it) are removed.
    assert len([line for line in document.removed if "Katsaus" in line or "toteutuskatsaus" in line]) == 2
    assert "(sivunumero)" not in document.removed
    assert any(line.startswith("PL ") for line in document.removed)
    # Without printed numbers, pages are their place in the file.
    assert [page.number for page in document.pages] == list(range(1, len(document.pages) + 1))
    # The page whose only text is the header table keeps that table as rows.
    table_page = document.pages[1]
    assert table_page.lines and all(line.kind == "row" for line in table_page.lines if line.text)
    edition = parse_file(SMALL_PDF, year=2024)
    assert [t.name for t in edition.themes] == ["Työmarkkinoiden kohtaanto", "Uusia työmahdollisuuksia työpaikkoja kehittämällä"]
    assert [f.euros for f in edition.themes[0].funding] == [14_000_000, 5_724_575, 3_532_552, 914_526]
    first_passage = edition.themes[0].section(1).passages[0]
    assert first_passage.page == 3  # the table filled page 2


def test_password_protected_pdf_is_refused(tmp_path):
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter()
    writer.append(PdfReader(SMALL_PDF), pages=(0, 1))
    writer.encrypt(user_password="salainen", owner_password="omistaja")
    path = tmp_path / "suojattu.pdf"
    with path.open("wb") as handle:
        writer.write(handle)
    with pytest.raises(TextkitError, match=r"suojattu\.pdf: PDF on suojattu salasanalla"):
        parse_file(path, year=2025)


def test_parse_report_lists_removed_lines_pages_and_warns_of_a_repeating_line(form_pdf):
    import dataclasses

    from textkit.parse import format_summary
    from textkit.parse.model import Line
    from textkit.ui import parse_summary

    document, edition = form_pdf
    assert edition.pages == 52 and edition.removed == document.removed and edition.removed_count == 357
    summary = format_summary(edition)
    assert "52 sivua" in summary and "poistettu ylä- ja alatunnisteina: 357 riviä" in summary
    assert parse_summary(edition).pages == 52 and parse_summary(edition).removed == document.removed
    # SYNTHETIC: the same pages as if a reader had left the running header in the text.
    header = next(line for line in document.removed if "Katsaus" in line)
    leaky = dataclasses.replace(document, pages=tuple(
        dataclasses.replace(page, lines=(Line(header),) + page.lines) if k else page
        for k, page in enumerate(document.pages)
    ))
    warned = parse_document(leaky, year=2024)
    assert any(f"rivi '{header}' toistuu 51 sivulla kappaleiden sisällä" in w for w in warned.warnings)


def test_pdf_link_annotation_keeps_text_and_target(tmp_path):
    """SYNTHETIC: the small form PDF with a link annotation (a real 2024 address) put over the
    printed section 6 line of theme 1, as Word's PDF export writes hyperlinks."""
    import pdfplumber
    from pypdf import PdfReader, PdfWriter
    from pypdf.annotations import Link as LinkAnnotation

    shown = "Työmarkkinoiden kohtaanto | Rakennerahastot"
    target = "https://rakennerahastot.fi/valtakunnalliset/osaaminen/tyoelaman-kehittaminen"
    with pdfplumber.open(SMALL_PDF) as pdf:
        found = next((k, page.height, line) for k, page in enumerate(pdf.pages)
                     for line in page.extract_text_lines() if line["text"].startswith(shown))
    number, height, line = found
    writer = PdfWriter()
    writer.append(PdfReader(SMALL_PDF))
    rect = (line["x0"], height - line["bottom"], line["x1"], height - line["top"])
    writer.add_annotation(page_number=number, annotation=LinkAnnotation(rect=rect, url=target))
    path = tmp_path / "linkki-2024.pdf"
    with path.open("wb") as handle:
        writer.write(handle)
    section = parse_file(path, year=2024).themes[0].section(6)
    assert [(link.text, link.target) for link in section.links] == [(line["text"], target)]
    assert target.removeprefix("https://") in section.text
