"""Parse a report edition (TXT, PDF or DOCX) into themes, sections and passages.

Two stages, kept apart:

* a **reader** per format turns a file into the page model of `model.py`
  (pages → lines, with positions and structural hints where the format has
  them): `txt.py` (text extracted from the PDF: artefacts cleaned, pages
  inferred), `pdf.py` and `docx.py`;
* the **structure parser** (`structure.py`) reads themes, headers, funding,
  sections and passages from that model, knowing nothing of file formats.

`parse_file` runs both. It does not read the corpus manifest: the corpus
module (`textkit.corpus.parse_path`) looks a file's year and title up there
and passes them in, so this package imports nothing from `textkit.corpus`.
"""

from __future__ import annotations

from pathlib import Path

from textkit.errors import TextkitError
from textkit.parse.model import Document, Line, Link, Page
from textkit.parse.structure import (
    MAX_PASSAGE_CHARS,
    TARGET_PASSAGE_CHARS,
    format_summary,
    parse_document,
    reporting_date_in,
    require_themes,
)
from textkit.parse.text import (
    FUNDING_LABELS,
    MAX_FILE_BYTES,
    NARRATIVE_SECTIONS,
    PAGE_MARK,
    SECTION_NUMBERS,
    join_hyphenated,
    normalize_whitespace,
    parse_euros,
    short_title,
    slugify,
    strip_accents,
    unwrap_lines,
    year_from_name,
)
from textkit.parse.txt import (
    CLEANUP_STEPS,
    clean_text,
    collapse_double_spacing,
    decode_text,
    document_from_text,
    mark_page_leading_space,
    mark_theme_pages,
    merge_page_marks,
    remove_link_blocks,
    remove_ministry_footer,
    remove_page_numbers,
)
from textkit.types import Edition

__all__ = [
    "parse_file",
    "parse_text",
    "parse_document",
    "read_document",
    "format_summary",
    "decode_text",
    "clean_text",
    "short_title",
    "parse_euros",
    "slugify",
    "strip_accents",
    "year_from_name",
    "Document",
    "Page",
    "Line",
    "Link",
    "SECTION_NUMBERS",
    "NARRATIVE_SECTIONS",
    "FUNDING_LABELS",
    "MAX_FILE_BYTES",
    "MAX_PASSAGE_CHARS",
    "TARGET_PASSAGE_CHARS",
    "PAGE_MARK",
    "CLEANUP_STEPS",
    "collapse_double_spacing",
    "join_hyphenated",
    "mark_page_leading_space",
    "mark_theme_pages",
    "merge_page_marks",
    "normalize_whitespace",
    "remove_link_blocks",
    "remove_ministry_footer",
    "remove_page_numbers",
    "unwrap_lines",
]


def parse_file(
    path: str | Path,
    year: int | None = None,
    *,
    title: str | None = None,
    reporting_date: str | None = None,
) -> Edition:
    """Parse a report edition file (.txt, .pdf or .docx) into an `Edition`.

    The year comes from `year`, else a four-digit year in the file name, else
    the report's own "Katsaus dd.mm.yyyy" line; otherwise a `TextkitError`
    asks for --year.
    """
    path = Path(path)
    document = read_document(path)
    if year is None:
        year = year_from_name(path.name)
    if year is None:
        date = reporting_date_in(_front_text(document))
        year = int(date[:4]) if date else None
    if year is None:
        require_themes(_all_text(document), path.name)  # "not a report" is the better message when both apply
        raise TextkitError(
            f"{path.name}: vuosikatsauksen vuotta ei voi päätellä; anna se valitsimella --year VUOSI."
        )
    return parse_document(document, year=int(year), title=title, reporting_date=reporting_date)


def parse_text(
    text: str,
    *,
    year: int,
    source: str,
    title: str | None = None,
    reporting_date: str | None = None,
) -> Edition:
    """Parse the text of one edition (as the TXT reader would). `source` names the file in messages."""
    if not text or not text.strip():
        raise TextkitError(f"{source}: tiedosto on tyhjä (ei jäsennettävää tekstiä).")
    return parse_document(document_from_text(text, source), year=year, title=title, reporting_date=reporting_date)


def read_document(path: str | Path) -> Document:
    """The page model of a .txt, .pdf or .docx file (the reader is chosen by content and suffix)."""
    path = Path(path)
    if not path.exists():
        raise TextkitError(f"{path}: tiedostoa ei ole.")
    if path.is_dir():
        raise TextkitError(f"{path}: on kansio, ei katsaustiedosto.")
    size = path.stat().st_size
    if size == 0:
        raise TextkitError(f"{path.name}: tiedosto on tyhjä.")
    if size > MAX_FILE_BYTES:
        raise TextkitError(f"{path.name}: tiedosto on liian suuri katsaukseksi ({size // 1_000_000} Mt).")
    data = path.read_bytes()
    suffix = path.suffix.lower()
    if suffix == ".pdf" or data.startswith(b"%PDF"):
        from textkit.parse.pdf import read_pdf

        return read_pdf(data, path.name)
    if suffix == ".docx" or (data.startswith(b"PK\x03\x04") and suffix != ".txt"):
        from textkit.parse.docx import read_docx

        return read_docx(data, path.name)
    if suffix not in (".txt", ".text", ""):
        raise TextkitError(f"{path.name}: tiedostotyyppi '{suffix}' ei käy; käytä .txt-, .pdf- tai .docx-tiedostoa.")
    from textkit.parse.txt import read_txt

    return read_txt(data, path.name)


def _all_text(document: Document) -> str:
    return "\n".join(line.text for page in document.pages for line in page.lines)


def _front_text(document: Document) -> str:
    return _all_text(document)[:5000]
