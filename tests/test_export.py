"""Exports read back with real readers (openpyxl, python-docx, csv), citations, formula safety, bad input.

Excerpts here are SYNTHETIC records built in the test (texts: lines of the 2024
report, or made-up strings that exercise spreadsheet formula prefixes).
"""

from __future__ import annotations

import csv
import io
import os

import pytest

from textkit import export
from textkit.cli import main
from textkit.errors import TextkitError
from textkit.excerpts import Basket, Excerpt, PassageRef
from textkit.export import citation, cite, short_section_title

from conftest import CORPUS

ISSUE_CITATION = (
    "ESR+ Valtakunnallisten teemojen toteutuskatsaus 2024, teema \"Työmarkkinoiden kohtaanto\", "
    "osio 2 (Kuvaus valtakunnallisen teeman konkreettisesta toiminnasta 31.10.2024 mennessä), s. 3."
)
SECTION_2 = "2) Kuvaus valtakunnallisen teeman konkreettisesta toiminnasta 31.10.2024 mennessä (max. 4000 merkkiä)."
FINNISH_TEXT = "Työllisyysalueiden ja ELY-keskusten yhteistyö hankehauissa; säännöllinen tiedonvaihto öisin ja äkkiä."
DASH_TEXT = "-Sukupuolten tasa-arvon edistäminen"
FORMULA_TEXTS = ("=HYPERLINK(\"http://x\")", "+358 00 000 000", "@SUM(A1)", "\tsisennys", "\rrivinvaihto")


def _excerpt(id_: int, text: str, *, theme: str = "Työmarkkinoiden kohtaanto", section: int = 2, page: int = 3,
             note: str = "", codes: tuple[str, ...] = (), query: str = "") -> Excerpt:
    # SYNTHETIC excerpt record
    return Excerpt(
        id=id_, collection="Testi", edition=2024, edition_title="ESR+ Valtakunnallisten teemojen toteutuskatsaus",
        theme_id=theme.lower(), theme=theme, section=section, section_title=SECTION_2, page=page,
        passage_id=f"2024-01-{section}-{id_:03d}", text=text, note=note, codes=codes, query=query,
        added_at="2024-11-01T10:00:00+00:00",
    )


EXCERPTS = [
    _excerpt(1, FINNISH_TEXT, note="Hyvä esimerkki yhteistyöstä", codes=("TE24", "yhteistyö"), query="hankehaku"),
    _excerpt(2, DASH_TEXT, theme="Sosiaalinen osallisuus", page=41, note="-alkava huomio", codes=("tasa-arvo",)),
    *[_excerpt(10 + i, text, theme="Kaavakokeet", page=9) for i, text in enumerate(FORMULA_TEXTS)],
]


# ---------------------------------------------------------------- citation


def test_citation_matches_the_agreed_format():
    assert citation(
        edition=2024, theme="Työmarkkinoiden kohtaanto", section=2, section_title=SECTION_2, page=3,
        edition_title="ESR+ Valtakunnallisten teemojen toteutuskatsaus",
    ) == ISSUE_CITATION
    assert cite(EXCERPTS[0]) == ISSUE_CITATION


@pytest.mark.parametrize(
    "title",
    [
        "Kuvaus valtakunnallisen teeman konkreettisesta toiminnasta 31.10.2024 mennessä",
        "2) Kuvaus valtakunnallisen teeman konkreettisesta toiminnasta 31.10.2024 mennessä (max. 4000 merkkiä).",
        "Kuvaus valtakunnallisen teeman konkreettisesta toiminnasta 31.10.2024  mennessä (max.\n4000 merkkiä)",
    ],
)
def test_section_titles_lose_number_and_length_limit(title):
    assert short_section_title(title) == "Kuvaus valtakunnallisen teeman konkreettisesta toiminnasta 31.10.2024 mennessä"


def test_citation_without_page_or_title_and_with_a_dated_title():
    assert citation(edition=2025, theme="T", section=5, edition_title="Toteutuskatsaus 2025") == (
        'Toteutuskatsaus 2025, teema "T", osio 5.'
    )


# ---------------------------------------------------------------- formats read back


def test_xlsx_has_one_typed_row_per_excerpt(tmp_path):
    from openpyxl import load_workbook

    out = export.write_export(EXCERPTS, tmp_path / "otteet.xlsx")
    sheet = load_workbook(out).active
    header = [c.value for c in sheet[1]]
    assert header[:9] == ["Painos", "Teema", "Osio", "Sivu", "Lähdeviite", "Teksti", "Muistiinpano", "Koodit", "Haku"]
    assert sheet.freeze_panes == "A2"
    assert sheet.column_dimensions["F"].width >= 60  # the text column is wide
    assert sheet["F2"].alignment.wrap_text
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    assert len(rows) == len(EXCERPTS)
    assert rows[0][:9] == (2024, "Työmarkkinoiden kohtaanto", 2, 3, ISSUE_CITATION, FINNISH_TEXT,
                           "Hyvä esimerkki yhteistyöstä", "TE24; yhteistyö", "hankehaku")
    assert rows[1][5] == DASH_TEXT and rows[1][6] == "-alkava huomio"
    assert rows[1][4].endswith('teema "Sosiaalinen osallisuus", osio 2 (Kuvaus valtakunnallisen teeman '
                               "konkreettisesta toiminnasta 31.10.2024 mennessä), s. 41.")
    # Text that looks like a formula stays text, exactly as quoted.
    for row_number, text in enumerate(FORMULA_TEXTS, start=4):
        cell = sheet.cell(row=row_number, column=6)
        assert cell.data_type == "s"
        assert cell.value == text


def test_xlsx_text_that_looks_like_a_formula_is_stored_as_text_with_quote_prefix(tmp_path):
    from openpyxl import load_workbook

    odd = [_excerpt(30 + i, text, note=text, codes=(text.strip(),), query=text) for i, text in enumerate(
        ("=1+1", "+358 40 000", "-5 %", "@kunta"))]
    out = export.write_export([EXCERPTS[0], *odd], tmp_path / "otteet.xlsx")
    sheet = load_workbook(out).active
    header = [c.value for c in sheet[1]]
    columns = [header.index(name) + 1 for name in ("Teksti", "Muistiinpano", "Koodit", "Haku")]
    for row in range(3, 3 + len(odd)):
        for column in columns:
            cell = sheet.cell(row=row, column=column)
            # What Excel needs so that F2 + Enter keeps the text: a string cell in the Text
            # format with the quote prefix.
            assert cell.data_type == "s" and cell.value.startswith(("=", "+", "-", "@")), cell.value
            assert cell.number_format == "@" and cell.quotePrefix, cell.coordinate
    # Ordinary text is Text too, without the prefix; numbers stay numbers.
    assert sheet["F2"].number_format == "@" and not sheet["F2"].quotePrefix
    assert sheet["A2"].value == 2024 and sheet["A2"].number_format == "General"


def test_docx_has_theme_headings_quotes_citations_and_notes(tmp_path):
    from docx import Document

    out = export.write_export(EXCERPTS[:2], tmp_path / "otteet.docx", title="Kokoelma: Testi")
    paragraphs = [(p.style.name, p.text) for p in Document(out).paragraphs]
    headings = [text for style, text in paragraphs if style == "Heading 1"]
    assert headings == ["Työmarkkinoiden kohtaanto (2024)", "Sosiaalinen osallisuus (2024)"]
    texts = [text for _, text in paragraphs]
    quote = texts.index(FINNISH_TEXT)
    assert paragraphs[quote][0] == "Quote"
    assert texts[quote + 1] == ISSUE_CITATION
    assert texts[quote + 2] == "Muistiinpano: Hyvä esimerkki yhteistyöstä"
    assert texts[quote + 3] == "Koodit: TE24, yhteistyö"
    dash = texts.index(DASH_TEXT)
    assert paragraphs[dash][0] == "Quote" and texts[dash + 1].endswith("s. 41.")
    assert ("Title", "Kokoelma: Testi") in paragraphs


def test_csv_has_bom_and_no_cell_can_act_as_a_formula(tmp_path):
    out = export.write_export(EXCERPTS, tmp_path / "otteet.csv")
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"), newline=""), delimiter=";"))
    assert rows[0][:6] == ["Painos", "Teema", "Osio", "Sivu", "Lähdeviite", "Teksti"]
    assert len(rows) == len(EXCERPTS) + 1
    assert rows[1][4] == ISSUE_CITATION and rows[1][5] == FINNISH_TEXT
    assert rows[2][5] == "'" + DASH_TEXT and rows[2][6] == "'-alkava huomio"
    assert [row[5] for row in rows[3:]] == ["'" + text for text in FORMULA_TEXTS]
    for row in rows:
        for cell in row:
            assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), cell


def test_markdown_quotes_with_citations(tmp_path):
    out = export.write_export(EXCERPTS[:2], tmp_path / "otteet.md", title="Haku: hankehaku")
    text = out.read_text(encoding="utf-8")
    assert text.startswith("# Haku: hankehaku\n")
    assert "## Työmarkkinoiden kohtaanto (2024)" in text
    assert f"> {FINNISH_TEXT}\n\n— {ISSUE_CITATION}\n" in text
    assert f"> {DASH_TEXT}\n" in text
    assert "*Muistiinpano:* Hyvä esimerkki yhteistyöstä" in text


def test_markdown_shows_notes_codes_and_text_as_text_not_markup():
    """A Markdown viewer (CommonMark with raw HTML allowed, as GitHub and most editors) shows
    what the user typed: `<b>x</b>` as those characters, not bold; no heading, list or link."""
    from markdown_it import MarkdownIt

    excerpt = _excerpt(1, "Teksti <script>alert(1)</script> ja *tähdet* sekä [linkki](http://x)\n# ei otsikko",
                       note="<b>x</b> & *tärkeä*\n- ei luettelo\n1. ei numeroitu", codes=("<i>k</i>", "a_b_c"))
    source = export.render([excerpt], "md", title="Kori <b>")
    rendered = MarkdownIt("commonmark").render(source.decode("utf-8"))
    user_part = rendered.replace("<em>Muistiinpano:</em>", "").replace("<em>Koodit:</em>", "")
    for tag in ("<b>", "<i>", "<script>", "<em>", "<strong>", "<a ", "<ul>", "<ol>"):
        assert tag not in user_part, (tag, rendered)
    assert rendered.count("<h1>") == 1                      # only the document title
    assert "&lt;b&gt;x&lt;/b&gt; &amp; *tärkeä*" in rendered
    assert "&lt;i&gt;k&lt;/i&gt;, a_b_c" in rendered
    assert "- ei luettelo" in rendered and "1. ei numeroitu" in rendered
    assert "# ei otsikko" in rendered and "[linkki](http://x)" in rendered


def test_render_gives_the_same_bytes_for_downloads():
    data = export.render(EXCERPTS[:1], "csv")
    assert data.decode("utf-8-sig").splitlines()[1].startswith("2024;Työmarkkinoiden kohtaanto;2;3;")


# ---------------------------------------------------------------- bad input, nothing lost


def test_format_from_extension_or_option():
    assert export.format_for("a/b.XLSX") == "xlsx"
    assert export.format_for("notes.markdown") == "md"
    assert export.format_for("out.txt", "csv") == "csv"
    with pytest.raises(TextkitError, match="Vientimuotoa ei voi päätellä nimestä 'raportti.pdf'"):
        export.format_for("raportti.pdf")
    with pytest.raises(TextkitError, match="Tuntematon vientimuoto 'pdf'"):
        export.format_for("x.csv", "pdf")
    with pytest.raises(TextkitError, match=r"pääte on \.xlsx, mutta muodoksi on annettu csv"):
        export.format_for("x.xlsx", "csv")


def test_mismatched_extension_and_format_never_overwrite_the_file(tmp_path, capsys):
    out = tmp_path / "otteet.xlsx"
    export.write_export(EXCERPTS, out)
    before = out.read_bytes()
    assert main(["export", "--collection", "Testi", "--out", str(out), "--format", "csv",
                 "--db", str(tmp_path / "basket.sqlite3")]) == 2
    err = capsys.readouterr().err
    assert "pääte on .xlsx, mutta muodoksi on annettu csv" in err and "Traceback" not in err
    assert out.read_bytes() == before


def test_bad_paths_are_reported(tmp_path):
    with pytest.raises(TextkitError, match="kansiota .*puuttuu ei ole"):
        export.write_export(EXCERPTS, tmp_path / "puuttuu" / "otteet.xlsx")
    with pytest.raises(TextkitError, match="on kansio"):
        export.write_export(EXCERPTS, tmp_path, "csv")


def test_failed_export_leaves_the_old_file_and_no_temp_files(tmp_path, monkeypatch):
    out = tmp_path / "otteet.csv"
    out.write_text("aiempi vienti", encoding="utf-8")

    def broken_replace(src, dst):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(TextkitError, match="No space left on device. Aiempi tiedosto on ennallaan"):
        export.write_export(EXCERPTS, out)
    assert out.read_text(encoding="utf-8") == "aiempi vienti"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["otteet.csv"]


def test_overwrite_replaces_an_existing_export(tmp_path):
    out = tmp_path / "otteet.md"
    out.write_text("vanha", encoding="utf-8")
    export.write_export(EXCERPTS[:1], out)
    assert FINNISH_TEXT in out.read_text(encoding="utf-8")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["otteet.md"]


def test_empty_collection_writes_nothing(tmp_path):
    db = tmp_path / "excerpts.sqlite3"
    with pytest.raises(TextkitError, match="'Tyhjä' ei ole otteita"):
        export.export_collection("Tyhjä", tmp_path / "x.xlsx", db=db)
    assert not (tmp_path / "x.xlsx").exists()


# ---------------------------------------------------------------- CLI


def test_cli_exports_a_collection(tmp_path, capsys):
    db = tmp_path / "excerpts.sqlite3"
    basket = Basket(db)
    for excerpt in EXCERPTS[:2]:
        source = PassageRef(**{k: getattr(excerpt, k) for k in PassageRef.__dataclass_fields__})
        basket.add(source, collection="Raportti", note=excerpt.note, codes=excerpt.codes)
    out = tmp_path / "raportti.docx"
    assert main(["export", "--collection", "Raportti", "--out", str(out), "--db", str(db)]) == 0
    assert "Wrote 2 excerpts" in capsys.readouterr().out
    from docx import Document

    assert ISSUE_CITATION in [p.text for p in Document(out).paragraphs]


def test_cli_export_needs_a_query_or_a_collection(tmp_path, capsys):
    assert main(["export", "--out", str(tmp_path / "x.csv")]) == 2
    assert "joko hakulauseke tai --collection" in capsys.readouterr().err
    assert main(["export", "--collection", "X", "--out", str(tmp_path / "x.pdf"), "--db", str(tmp_path / "d")]) == 2
    assert "Vientimuotoa ei voi päätellä" in capsys.readouterr().err


# ---------------------------------------------------------------- the real 2024 edition


def test_real_passages_with_finnish_letters_and_a_leading_dash(tmp_path):
    from openpyxl import load_workbook

    from textkit.excerpts import find_passage

    basket = Basket(tmp_path / "kori.sqlite3")
    for passage_id in ("2024-01-2-001", "2024-11-1-002"):
        basket.add(find_passage(passage_id), collection="Raportti", query="hankehaku")
    dash = find_passage("2024-11-1-002")
    assert dash.text.startswith("-")
    export.export_collection("Raportti", tmp_path / "r.csv", db=basket.path)
    export.export_collection("Raportti", tmp_path / "r.xlsx", db=basket.path)
    rows = list(csv.reader(io.StringIO((tmp_path / "r.csv").read_text(encoding="utf-8-sig"), newline=""),
                           delimiter=";"))
    assert rows[1][4] == ISSUE_CITATION
    finnish = find_passage("2024-01-2-001").text
    assert rows[1][5] == finnish and "ö" in finnish and "ä" in finnish
    assert rows[2][5] == "'" + dash.text
    assert rows[2][4].startswith('ESR+ Valtakunnallisten teemojen toteutuskatsaus 2024, teema "')
    sheet = load_workbook(tmp_path / "r.xlsx").active
    assert sheet["E2"].value == ISSUE_CITATION
    assert sheet["F3"].value == dash.text


def test_export_a_search_all_hits_or_top_n(tmp_path, index_2024):
    from openpyxl import load_workbook

    from textkit.index import search

    total = search("hankehaku", limit=0, models_dir=index_2024).total
    path, count = export.export_query("hankehaku", tmp_path / "haku.xlsx", models_dir=index_2024)
    assert count == total > 3
    rows = list(load_workbook(path).active.iter_rows(min_row=2, values_only=True))
    assert len(rows) == total
    assert all(row[4].startswith("ESR+ Valtakunnallisten teemojen toteutuskatsaus 2024, teema ") for row in rows)
    assert all(row[4].endswith(f"s. {row[3]}.") and "merkkiä" not in row[4] for row in rows)
    assert {row[8] for row in rows} == {"hankehaku"}
    _, top = export.export_query("hankehaku", tmp_path / "top.md", limit=3, models_dir=index_2024)
    assert top == 3 and (tmp_path / "top.md").read_text(encoding="utf-8").count("\n— ESR+") == 3


def test_exports_of_a_search_carry_the_matched_forms(tmp_path, index_2024):
    from docx import Document
    from openpyxl import load_workbook

    from textkit.index import search

    result = search("kunta", limit=0, models_dir=index_2024)
    path, count = export.export_query("kunta", tmp_path / "kunta.xlsx", models_dir=index_2024)
    book = load_workbook(path)
    header, *rows = list(book["Otteet"].iter_rows(values_only=True))
    assert header[-1] == "Osumat" and count == len(rows) == result.total
    assert any("kuntien (sana)" in row[-1] for row in rows)
    assert any("kuntakokeilujen (yhdyssanan osa)" in row[-1] for row in rows)
    forms_header, *forms = list(book["Sanamuodot"].iter_rows(values_only=True))
    assert forms_header[:4] == ("Sanamuoto", "Esiintymiä", "Kappaleita", "Osuma")
    assert [(f[0], f[1]) for f in forms] == [(f.form, f.count) for f in result.forms]
    assert not {"maakunnissa", "yhteiskunnassa"} & {f[0] for f in forms}

    export.export_query("kunta", tmp_path / "kunta.csv", models_dir=index_2024)
    table = list(csv.reader(io.StringIO((tmp_path / "kunta.csv").read_text(encoding="utf-8-sig"), newline=""),
                            delimiter=";"))
    assert table[0][-1] == "Osumat" and any("kuntien (sana)" in row[-1] for row in table[1:])
    export.export_query("kunta", tmp_path / "kunta.docx", models_dir=index_2024)
    paragraphs = [p.text for p in Document(tmp_path / "kunta.docx").paragraphs]
    assert any(t.startswith("Osuneet sanamuodot: kuntien 4 (sana)") for t in paragraphs)
    export.export_query("kunta", tmp_path / "kunta.md", models_dir=index_2024)
    assert "*Osuneet sanamuodot:* kuntien 4 (sana)" in (tmp_path / "kunta.md").read_text(encoding="utf-8")
    # a basket export has no search, so no forms and no extra column
    basket = export.render(export.excerpts_from_hits(result.hits[:1]), "csv").decode("utf-8-sig")
    assert "Osumat" not in basket.splitlines()[0]


def test_search_without_hits_writes_nothing(tmp_path, index_2024):
    with pytest.raises(TextkitError, match="ei löytänyt mitään; tiedostoa ei kirjoitettu"):
        export.export_query("qqxyzzy", tmp_path / "tyhja.docx", models_dir=index_2024)
    assert list(tmp_path.iterdir()) == []


def test_cli_exports_a_search(tmp_path, index_2024, monkeypatch, capsys):
    monkeypatch.setenv("TEXTKIT_MODELS", str(index_2024))
    out = tmp_path / "haku.csv"
    assert main(["export", "hankehaku", "--out", str(out), "--limit", "5", "--sections", "2,4"]) == 0
    assert capsys.readouterr().out.strip() == f"Wrote 5 excerpts to {out}"
    rows = list(csv.reader(io.StringIO(out.read_text(encoding="utf-8-sig"), newline=""), delimiter=";"))
    assert len(rows) == 6 and {row[2] for row in rows[1:]} <= {"2", "4"}


def test_cli_export_sections_take_the_same_forms_as_search(index_2024, tmp_path, monkeypatch):
    """`--sections 2-5` and `--sections all` work for export as for search; a bad value is
    refused with the search's message, and no file is written."""
    import csv

    from textkit.cli import main

    monkeypatch.setenv("TEXTKIT_MODELS", str(index_2024))
    out = tmp_path / "kunta.csv"
    assert main(["export", "kunta", "--out", str(out), "--sections", "2-5"]) == 0
    ranged = list(csv.reader(out.open(encoding="utf-8-sig"), delimiter=";"))
    assert main(["export", "kunta", "--out", str(out), "--sections", "all"]) == 0
    everything = list(csv.reader(out.open(encoding="utf-8-sig"), delimiter=";"))
    assert 1 < len(ranged) < len(everything)
    bad = tmp_path / "bad.csv"
    assert main(["export", "kunta", "--out", str(bad), "--sections", "9"]) == 2
    assert not bad.exists()


# ---------------------------------------------------------------- topic column


def _passage_excerpt(passage, text=None, *, passage_id=None, section=None):
    """An excerpt of a real 2024 passage of the built model, as the basket keeps it."""
    return Excerpt(
        id=1, collection="Testi", edition=passage.edition, edition_title="ESR+ Valtakunnallisten teemojen toteutuskatsaus",
        theme_id=passage.theme_id, theme=passage.theme_id, section=section or passage.section, section_title="",
        page=1, passage_id=passage_id or passage.passage_id, text=text if text is not None else passage.text,
    )


def test_exports_carry_each_excerpt_topic_by_the_users_name_or_label(built_models, tmp_path):
    import shutil

    from docx import Document
    from openpyxl import load_workbook

    from textkit.topic_names import rename_topic
    from textkit.topics import load_documents, load_topics

    models = tmp_path / "models"
    shutil.copytree(built_models, models)
    result = load_topics(models)
    first, second = result.topics[0], result.topics[1]
    rename_topic(result, first.id, "Hankehaut", models)
    renamed = _passage_excerpt(first.passages[0])
    plain = _passage_excerpt(second.passages[0])
    # After a rebuild the stored passage id may point elsewhere: the text still finds the passage.
    moved = _passage_excerpt(first.passages[0], passage_id="2024-99-2-999")
    # An excerpt of one sentence takes that sentence's own topic.
    doc = next(d for d in load_documents(models_dir=models, corpus_dir=CORPUS)
               if d.passage_id == second.passages[0].passage_id)
    mixes = result.sentence_topics[doc.passage_id]
    i = max(range(len(mixes)), key=lambda n: max(mixes[n]) if mixes[n] else -1)
    sentence = _passage_excerpt(second.passages[0], doc.sentence_text(i))
    sentence_topic = result.topics[max(range(result.k), key=lambda t: mixes[i][t])]
    outside = _passage_excerpt(first.passages[0], "Tätä tekstiä ei ole raportissa.")
    excerpts = [renamed, plain, moved, sentence, outside]
    expected = ["Hankehaut", second.label, "Hankehaut", sentence_topic.name or sentence_topic.label, ""]
    if sentence_topic.id == first.id:
        expected[3] = "Hankehaut"
    assert export.excerpt_topic_names(excerpts, models_dir=models) == expected

    sheet = load_workbook(export.write_export(excerpts, tmp_path / "o.xlsx", models_dir=models)).active
    header = [c.value for c in sheet[1]]
    column = header.index("Aihe")
    assert [row[column] or "" for row in sheet.iter_rows(min_row=2, values_only=True)] == expected
    rows = list(csv.reader(io.StringIO(export.render(excerpts, "csv", models_dir=models).decode("utf-8-sig")),
                           delimiter=";"))
    assert [r[rows[0].index("Aihe")] for r in rows[1:]] == expected
    markdown = export.render(excerpts, "md", models_dir=models).decode("utf-8")
    assert markdown.count("*Aihe:* Hankehaut") == 2 + (expected[3] == "Hankehaut")
    assert f"*Aihe:* {export.markdown_text(second.label)}" in markdown
    document = Document(io.BytesIO(export.render(excerpts, "docx", models_dir=models)))
    assert sum(p.text == "Aihe: Hankehaut" for p in document.paragraphs) == 2 + (expected[3] == "Hankehaut")


def test_exports_without_a_topic_model_have_an_empty_topic_column(tmp_path):
    rows = list(csv.reader(io.StringIO(export.render(EXCERPTS, "csv", models_dir=tmp_path).decode("utf-8-sig")),
                           delimiter=";"))
    assert "Aihe" in rows[0] and all(r[rows[0].index("Aihe")] == "" for r in rows[1:])
