"""DOCX reader tests on SYNTHETIC fixtures: the real 2024 text laid out as the ministry's Word form
(tests/fixtures/form/, made by tests/fixtures/make_form_fixtures.py), and small documents built
here from real 2024 lines.

The saved page breaks of the fixture mark where LibreOffice began each page of its PDF, so the
PDF (read with pypdf) is the reference for the pages Word would save.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from conftest import FORM_FIXTURES, URL_RE, bare as _bare, section_similarity
from textkit.export import cite
from textkit.parse import parse_file, read_document
from textkit.types import to_dict

FORM = FORM_FIXTURES
FORM_DOCX = FORM / "toteutuskatsaus-2024-form.docx"
NOPAGES_DOCX = FORM / "toteutuskatsaus-2024-form-nopages.docx"
FORM_PDF = FORM / "toteutuskatsaus-2024-form.pdf"


@pytest.fixture(scope="module")
def form_docx():
    return parse_file(FORM_DOCX, year=2024)


def test_docx_gives_the_themes_sections_and_funding_of_the_text(form_docx, edition_2024):
    edition = form_docx
    assert [t.name for t in edition.themes] == [t.name for t in edition_2024.themes]
    assert edition.warnings == ()
    assert edition.title == edition_2024.title
    for docx_theme, txt_theme in zip(edition.themes, edition_2024.themes):
        assert [(f.text, f.euros) for f in docx_theme.funding] == [(f.text, f.euros) for f in txt_theme.funding]
        for number in (2, 3, 4, 5):
            ratio = section_similarity(txt_theme.section(number).text, docx_theme.section(number).text)
            assert ratio >= 0.98, (txt_theme.number, number, ratio)


def test_docx_pages_are_the_saved_page_breaks(form_docx, printed_form_pages):
    printed = printed_form_pages
    passages = form_docx.passages((2, 3, 4, 5))
    wrong = [(p.id, p.page) for p in passages if _bare(p.text)[:40] not in printed[p.page - 1]]
    assert wrong == []
    # The last theme is where counting text rules on top of the saved pages went furthest off.
    last = form_docx.themes[-1].section(2).passages[0]
    assert _bare(last.text)[:40] in printed[last.page - 1]


def test_docx_without_saved_pages_has_unknown_pages(tmp_path, form_docx):
    edition = parse_file(NOPAGES_DOCX, year=2024)
    assert [t.name for t in edition.themes] == [t.name for t in form_docx.themes]
    assert {p.page for p in edition.passages()} == {None}
    data = json.loads(json.dumps(to_dict(edition)))
    assert data["themes"][0]["sections"][1]["passages"][0]["page"] is None
    # An excerpt of it (through the basket and the CSV export) cites no page rather than a wrong one.
    from textkit.excerpts import Basket, PassageRef
    from textkit.export import render

    theme = edition.themes[0]
    section = theme.section(2)
    passage = section.passages[0]
    ref = PassageRef(edition=2024, edition_title=edition.title, theme_id=theme.id, theme=theme.name, section=2,
                     section_title=section.title, page=passage.page, passage_id=passage.id, text=passage.text)
    assert "s. " not in cite(ref) and cite(ref).endswith(").")
    basket = Basket(tmp_path / "kori.sqlite3")
    excerpt, _ = basket.add(ref)
    assert "s. " not in cite(excerpt)
    csv_text = render([excerpt], "csv").decode("utf-8-sig")
    assert passage.id in csv_text and ", s. " not in csv_text


def test_docx_running_header_and_footer_are_not_read(form_docx):
    texts = [p.text for p in form_docx.passages()] + [t.name for t in form_docx.themes]
    assert not any("Katsaus 31.10.2024" in t or "Aleksanterinkatu" in t or re.search(r"\bPL 32\b", t) for t in texts)
    document = read_document(FORM_DOCX)
    assert document.removed == ()  # nothing to remove: headers and footers are never read


def test_docx_section_6_links_keep_text_and_target_in_order(form_docx, edition_2024):
    for docx_theme, txt_theme in zip(form_docx.themes, edition_2024.themes):
        printed = [u.rstrip(".,;") for u in URL_RE.findall(txt_theme.section(6).text)]
        links = docx_theme.section(6).links
        assert [link.text for link in links] == printed, txt_theme.number
        assert all(link.target.startswith("https://") or link.target.startswith("http://") for link in links)
        for address in printed:
            assert address in docx_theme.section(6).text


def _real_line(prefix: str) -> str:
    from conftest import EDITION_2024_FILE

    return next(line.strip() for line in EDITION_2024_FILE.read_text(encoding="utf-8").split("\n")
                if line.strip().startswith(prefix))


def test_hyperlink_shown_as_a_title_keeps_its_address(tmp_path):
    """SYNTHETIC: theme 1 of the real text in a DOCX with a hyperlink added to section 6 (its
    text and address are real 2024 lines, of theme 5), made as the fixture generator makes links."""
    import sys

    import docx

    from conftest import first_themes_2024

    sys.path.insert(0, str(Path(__file__).resolve().parent / "fixtures"))
    from make_form_fixtures import _add_hyperlink

    shown = "Teemakuvaus Rakennerahastot.fi -sivustolla"
    target = _real_line("https://rakennerahastot.fi/valtakunnalliset/osaaminen/tyoelaman-kehittaminen")
    document = docx.Document()
    lines = first_themes_2024(1).split("\n")
    for line in lines:
        if line.strip():
            document.add_paragraph(line.strip())
        if line.startswith("6) Linkkejä"):
            _add_hyperlink(document.add_paragraph(), shown, target)
    path = tmp_path / "linkit-2024.docx"
    document.save(path)
    edition = parse_file(path)
    section = edition.themes[0].section(6)
    assert (section.links[0].text, section.links[0].target) == (shown, target)
    assert f"{shown} ({target.removeprefix('https://')})" in section.text or target in section.text


def test_docx_lists_are_list_items(form_docx):
    texts = [p.text for p in form_docx.passages()]
    # Word's bullet list of theme 4 (target groups) joins its lead-in, one item after another.
    lead_in = next(t for t in texts if t.startswith("Hankkeen aikana on tavoitettu kaikkia varsinaisia kohderyhmiä"))
    assert "joita ovat: - julkiset neuvonta- ja ohjaus-, työllisyys- sekä yrittäjyyspalvelut - viranomaiset ja päättäjät" in lead_in
    assert not any(t.startswith(("- ", "• ", "\uf0b7")) for t in texts)


def test_section_7_records_are_the_same_in_docx_and_pdf(form_docx, edition_2024):
    from textkit.parse import parse_file as parse

    pdf = parse(FORM_PDF, year=2024)

    def records(edition):
        return [[(p.code, p.name, p.period, tuple((i.name, i.code, i.lead) for i in p.implementers)) for p in t.projects]
                for t in edition.themes]

    expected = records(edition_2024)
    assert sum(len(r) for r in expected) > 60
    assert records(form_docx) == expected
    # The PDF reads its lines from the layout: a word wrapped at a hyphen or a URL may differ,
    # so it is held to nine in ten records whole (code, name, period, implementers, lead).
    pdf_flat = {r for theme in records(pdf) for r in theme}
    whole = sum(1 for theme in expected for r in theme if r in pdf_flat)
    assert whole >= 0.9 * sum(len(r) for r in expected), whole
