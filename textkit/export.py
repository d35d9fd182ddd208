"""Excerpts out: the one citation format, and XLSX, DOCX, CSV and Markdown files.

`render(excerpts, fmt)` gives the file as bytes (the app offers them for
download); `write_export(excerpts, out)` writes them atomically (temporary file
in the same folder, then rename), so a failed export never leaves half a file
or destroys an existing one. `export_query` and `export_collection` are what the
CLI calls.

Spreadsheet safety: in CSV every cell that starts with = + - @ tab or CR gets a
leading apostrophe (the reports contain lines such as "- hankehaku" and
"+358 …" that Excel would otherwise evaluate). XLSX cells are typed, so the text
stays exact there; cells starting with "=" are forced to the string type because
openpyxl would otherwise store them as formulas.
"""

from __future__ import annotations

import csv
import io
import os
import re
import tempfile
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Iterable, Sequence

from textkit.errors import TextkitError
from textkit.excerpts import DEFAULT_EDITION_TITLE, Basket, Excerpt, edition_title, passage_place
from textkit.parse import short_title

FORMATS = ("xlsx", "docx", "csv", "md")
CSV_DELIMITER = ";"  # what Excel expects in a Finnish locale (decimal comma)

# Column header, width (characters) per field; the first nine are the columns.
COLUMNS = (
    ("edition", "Painos", 8),
    ("theme", "Teema", 32),
    ("section", "Osio", 6),
    ("page", "Sivu", 6),
    ("citation", "Lähdeviite", 50),
    ("text", "Teksti", 90),
    ("note", "Muistiinpano", 40),
    ("codes", "Koodit", 20),
    ("query", "Haku", 20),
    ("topic", "Aihe", 30),          # the passage's topic: the user's name for it, else its label
    ("section_title", "Osion otsikko", 40),
    ("passage_id", "Kohdan tunnus", 15),
    ("collection", "Kokoelma", 15),
    ("added_at", "Lisätty", 20),
)

_EXTENSIONS = {".xlsx": "xlsx", ".docx": "docx", ".csv": "csv", ".md": "md", ".markdown": "md"}
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_TITLE_NUMBER = re.compile(r"^\s*\d+\s*[).:]\s*")
_TITLE_TAIL = re.compile(r"\s*\(\s*max\.?[^()]*?merkki\w*\s*\)?", re.IGNORECASE)
_TITLE_END = re.compile(r"[\s.:;,]+$")
_WHITESPACE = re.compile(r"\s+")
# Characters XML 1.0 (so XLSX and DOCX) cannot hold.
_XML_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
# Line starts Markdown reads as block markup: headings, quotes, tables, lists, rules, setext underlines.
_MD_LINE_START = re.compile(r"^(\s*)([#>|]|[-+=](?=\s|[-=]|$))", re.MULTILINE)
_MD_LIST_NUMBER = re.compile(r"^(\s*\d+)([.)])(?=\s|$)", re.MULTILINE)
# Characters that Markdown (or the HTML it allows) would read as markup inside a line.
_MD_INLINE = re.compile(r"([\\`*_\[\]~|])")
_MD_HTML = {"&": "&amp;", "<": "&lt;", ">": "&gt;"}
_MD_HTML_RE = re.compile(r"[&<>]")


def citation(
    *,
    edition: int,
    theme: str,
    section: int,
    section_title: str = "",
    page: int | None = None,
    edition_title: str = DEFAULT_EDITION_TITLE,
) -> str:
    """The one citation format, e.g.
    `ESR+ Valtakunnallisten teemojen toteutuskatsaus 2024, teema "Työmarkkinoiden kohtaanto",
    osio 2 (Kuvaus valtakunnallisen teeman konkreettisesta toiminnasta 31.10.2024 mennessä), s. 3.`
    """
    title = _WHITESPACE.sub(" ", edition_title or DEFAULT_EDITION_TITLE).strip()
    source = title if str(edition) in title else f"{title} {edition}"
    parts = [source, f'teema "{_WHITESPACE.sub(" ", theme).strip()}"']
    short = short_section_title(section_title)
    parts.append(f"osio {section} ({short})" if short else f"osio {section}")
    if page:
        parts.append(f"s. {page}")
    return ", ".join(parts) + "."


def cite(record: Any) -> str:
    """Citation of anything with the excerpt's attributes (an `Excerpt`, `PassageRef` or `Hit`)."""
    return citation(
        edition=record.edition,
        theme=record.theme,
        section=record.section,
        section_title=getattr(record, "section_title", ""),
        page=getattr(record, "page", None),
        edition_title=getattr(record, "edition_title", None) or edition_title(record.edition),
    )


def short_section_title(title: str) -> str:
    """A section heading for citing: no leading number, no "(max. 2000 merkkiä)" tail."""
    text = _TITLE_TAIL.sub("", _WHITESPACE.sub(" ", short_title(title) or ""))
    text = _TITLE_NUMBER.sub("", text)
    return _TITLE_END.sub("", text).strip()


def format_for(path: str | Path, fmt: str | None = None) -> str:
    """The export format: `fmt` if given, else from the file extension."""
    if fmt:
        fmt = fmt.lower().lstrip(".")
        fmt = "md" if fmt == "markdown" else fmt
        if fmt not in FORMATS:
            raise TextkitError(f"Tuntematon vientimuoto {fmt!r}; käytä jotakin näistä: {', '.join(FORMATS)}.")
        named = _EXTENSIONS.get(Path(path).suffix.lower()) if str(path) else None
        if named and named != fmt:
            # "--out otteet.xlsx --format csv" would put CSV under an Excel name (and over an
            # existing workbook): refuse before anything is written.
            raise TextkitError(
                f"Tiedoston {str(path)!r} pääte on {Path(path).suffix}, mutta muodoksi on annettu {fmt}. "
                f"Anna tiedostolle pääte .{fmt} tai jätä --format pois; mitään ei kirjoitettu."
            )
        return fmt
    suffix = Path(path).suffix.lower()
    if suffix not in _EXTENSIONS:
        raise TextkitError(
            f"Vientimuotoa ei voi päätellä nimestä {str(path)!r}: anna tiedostolle jokin päätteistä "
            f"{', '.join(sorted(_EXTENSIONS))} tai käytä valitsinta --format {{{','.join(FORMATS)}}}."
        )
    return _EXTENSIONS[suffix]


@dataclass(frozen=True)
class SearchForms:
    """What an export of a search adds: the matched-forms facet (textkit.index.MatchedForm
    records) and, per passage id, the words that matched in it with how they matched."""

    forms: tuple[Any, ...] = ()
    matches: dict[str, str] = field(default_factory=dict)


# How a form matched, in the exports (as the CLI's text output says it).
_MATCH_LABELS = {"whole": "sana", "part": "yhdyssanan osa", "synonym": "synonyymi",
                 "prefix": "katkaisu", "phrase": "fraasi"}
_MATCHES_COLUMN = ("matches", "Osumat", 30)


def render(excerpts: Sequence[Excerpt], fmt: str, *, title: str = "", search: SearchForms | None = None,
           topics: Sequence[str] | None = None, models_dir: str | Path | None = None) -> bytes:
    """The export file's content. `title` heads DOCX and Markdown documents (e.g. the query);
    `search` (an export of a search) adds the matched forms: a sheet in XLSX, a list under the
    title in DOCX and Markdown, and an "Osumat" column per excerpt in XLSX and CSV.

    Each excerpt carries its topic ("Aihe": the user's name for the topic, else its label):
    `topics` gives them per excerpt, else they are looked up in the stored topic model
    (`textkit.topics.excerpt_topics`; empty without a built model)."""
    fmt = format_for("", fmt)
    if not excerpts:
        raise TextkitError("Ei vietävää: otteita ei ole.")
    excerpts = list(excerpts)
    if topics is None:
        topics = excerpt_topic_names(excerpts, models_dir=models_dir)
    if len(topics) != len(excerpts):
        raise ValueError("one topic name per excerpt")
    renderer = {"xlsx": _render_xlsx, "docx": _render_docx, "csv": _render_csv, "md": _render_md}[fmt]
    return renderer(excerpts, title, search or SearchForms(), list(topics))


def excerpt_topic_names(excerpts: Sequence[Excerpt], *, models_dir: str | Path | None = None) -> list[str]:
    """The topic name of each excerpt in the stored model ("" where there is none)."""
    from textkit.topics import excerpt_topics

    return excerpt_topics(excerpts, models_dir=Path(models_dir) if models_dir is not None else None)


def write_export(excerpts: Sequence[Excerpt], out: str | Path, fmt: str | None = None, *, title: str = "",
                 search: SearchForms | None = None, models_dir: str | Path | None = None) -> Path:
    """Write an export file atomically; returns its path."""
    out = Path(out).expanduser()
    fmt = format_for(out, fmt)
    _check_writable(out)
    return _write_atomic(out, render(excerpts, fmt, title=title, search=search, models_dir=models_dir))


def search_forms(result: Any) -> SearchForms:
    """The matched forms of a search result (textkit.index.SearchResult) for an export."""
    matches = {}
    for hit in result.hits:
        kinds = getattr(hit, "match_kinds", ()) or ("",) * len(hit.matches)
        words = dict.fromkeys(f"{m} ({_MATCH_LABELS.get(k, k)})" if k else m for m, k in zip(hit.matches, kinds))
        matches[hit.passage_id] = "; ".join(words)
    return SearchForms(tuple(getattr(result, "forms", ())), matches)


def forms_line(forms: Sequence[Any]) -> str:
    """The matched-forms facet on one line: "kuntien 4 (sana), kuntakokeilujen 1 (yhdyssanan osa)"."""
    return ", ".join(f"{f.form} {f.count} ({_MATCH_LABELS.get(f.match, f.match)})" for f in forms)


def excerpts_from_hits(hits: Iterable[Any], *, query: str = "") -> list[Excerpt]:
    """Search hits as unsaved excerpts (id 0, no collection), for exporting a search."""
    hits = list(hits)
    titles = {year: edition_title(year) for year in {int(hit.edition) for hit in hits}}   # one manifest read per year
    return [
        Excerpt(id=0, collection="", **passage_place(hit, titles[int(hit.edition)]), text=(hit.text or "").strip(),
                query=query)
        for hit in hits
    ]


def export_query(
    query: str,
    out: str | Path,
    fmt: str | None = None,
    *,
    limit: int = 0,
    sections: Sequence[int] | None = None,
    theme: str | None = None,
    edition: int | None = None,
    models_dir: str | Path | None = None,
) -> tuple[Path, int]:
    """Export the hits of a search (all of them, or the top `limit`). Returns (path, count)."""
    from textkit.index import search

    out = Path(out).expanduser()
    fmt = format_for(out, fmt)
    _check_writable(out)  # before searching: fail fast on a bad path
    kwargs: dict[str, Any] = {"theme": theme, "edition": edition, "limit": limit or None, "models_dir": models_dir}
    if sections is not None:
        kwargs["sections"] = tuple(sections)
    result = search(query, **kwargs)
    hits = list(result.hits)[: limit or None]
    if not hits:
        hint = f" Tarkoititko {result.suggestion!r}?" if getattr(result, "suggestion", None) else ""
        raise TextkitError(f"Haku {query!r} ei löytänyt mitään; tiedostoa ei kirjoitettu.{hint}")
    excerpts = excerpts_from_hits(hits, query=query)
    return (write_export(excerpts, out, fmt, title=f"Haku: {query}", search=search_forms(result), models_dir=models_dir),
            len(excerpts))


def export_collection(
    name: str, out: str | Path, fmt: str | None = None, *, db: str | Path | None = None
) -> tuple[Path, int]:
    """Export one basket collection. Returns (path, count)."""
    out = Path(out).expanduser()
    fmt = format_for(out, fmt)
    _check_writable(out)
    excerpts = Basket(db).collection(name)
    return write_export(excerpts, out, fmt, title=f"Kokoelma: {excerpts[0].collection}"), len(excerpts)


def render_table(columns: Sequence[tuple[str, str, int]], rows: Iterable[dict[str, Any]], fmt: str, *,
                 title: str = "", sheet: str = "Taulukko") -> bytes:
    """Any table as XLSX or CSV, with the same safety as the excerpt exports: no cell becomes a
    formula, no character XML cannot hold. `columns` are (key, header, width) as in COLUMNS;
    used for excerpts, concordance lines and code counts alike."""
    if fmt == "csv":
        buffer = io.StringIO(newline="")
        writer = csv.writer(buffer, delimiter=CSV_DELIMITER, quoting=csv.QUOTE_MINIMAL, lineterminator="\r\n")
        writer.writerow([neutralise_cell(header) for _, header, _ in columns])
        for row in rows:
            writer.writerow([neutralise_cell(row.get(key)) for key, _, _ in columns])
        return buffer.getvalue().encode("utf-8-sig")  # BOM: Excel then reads ä and ö right
    if fmt != "xlsx":
        raise TextkitError(f"Taulukon voi viedä vain XLSX- tai CSV-muodossa, ei {fmt!r}.")
    from openpyxl import Workbook

    book = Workbook()
    sheet_ = book.active
    sheet_.title = _xml_safe(sheet)[:31]
    sheet_.append([header for _, header, _ in columns])
    for row in rows:
        sheet_.append([_xml_safe(row.get(key)) for key, _, _ in columns])
    _format_sheet(sheet_, columns)
    if title:
        book.properties.title = _xml_safe(title)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def write_file(out: str | Path, data: bytes) -> Path:
    """Write an export's bytes to `out` atomically, after checking the folder is writable."""
    out = Path(out).expanduser()
    _check_writable(out)
    return _write_atomic(out, data)


def neutralise_cell(value: Any) -> str:
    """A CSV cell that spreadsheet programs will not evaluate as a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


# ---------------------------------------------------------------- rendering


def _row(excerpt: Excerpt, search: SearchForms | None = None, topic: str = "") -> dict[str, Any]:
    return {
        "matches": search.matches.get(excerpt.passage_id, "") if search else "",
        "edition": excerpt.edition,
        "theme": excerpt.theme,
        "section": excerpt.section,
        "page": excerpt.page or None,
        "citation": cite(excerpt),
        "text": excerpt.text,
        "note": excerpt.note,
        "codes": "; ".join(excerpt.codes),
        "query": excerpt.query,
        "topic": topic,
        "section_title": short_section_title(excerpt.section_title),
        "passage_id": excerpt.passage_id,
        "collection": excerpt.collection,
        "added_at": excerpt.added_at,
    }


def _columns(search: SearchForms) -> tuple[tuple[str, str, int], ...]:
    return COLUMNS + (_MATCHES_COLUMN,) if search.matches else COLUMNS


def _render_xlsx(excerpts: list[Excerpt], title: str, search: SearchForms, topics: list[str]) -> bytes:
    from openpyxl import Workbook

    columns = _columns(search)
    book = Workbook()
    sheet = book.active
    sheet.title = "Otteet"
    sheet.append([header for _, header, _ in columns])
    for excerpt, topic in zip(excerpts, topics):
        row = _row(excerpt, search, topic)
        sheet.append([_xml_safe(row[key]) for key, _, _ in columns])
    sheets = [(sheet, columns)]
    if search.forms:
        # The matched-forms facet of the search, one row per form.
        forms_columns = (("form", "Sanamuoto", 30), ("count", "Esiintymiä", 12), ("passages", "Kappaleita", 12),
                         ("match", "Osuma", 20), ("word", "Hakusana", 20))
        forms_sheet = book.create_sheet("Sanamuodot")
        forms_sheet.append([header for _, header, _ in forms_columns])
        for f in search.forms:
            forms_sheet.append([_xml_safe(v) for v in (f.form, f.count, f.passages, _MATCH_LABELS.get(f.match, f.match), f.word)])
        sheets.append((forms_sheet, forms_columns))
    for one, cols in sheets:
        _format_sheet(one, cols)
    if title:
        book.properties.title = title
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _format_sheet(sheet, columns: Sequence[tuple[str, str, int]]) -> None:
    """Every cell as text (formula-safe), wrapped; a bold, frozen header row with filters;
    column widths from `columns` (key, header, width)."""
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    wrap = Alignment(wrap_text=True, vertical="top")
    for cells in sheet.iter_rows():
        for cell in cells:
            _text_cell(cell)
            cell.alignment = wrap
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for index, (_, _, width) in enumerate(columns, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = sheet.dimensions


def _text_cell(cell) -> None:
    """Text stays text in Excel, also after an edit: string cells get the Text number format
    ("@"), and text that would read as a formula (= + - @) is stored as a string with the
    quote prefix, so F2 + Enter in Excel does not turn it into a live formula."""
    if cell.data_type == "f":  # openpyxl takes any string starting with "=" for a formula
        cell.data_type = "s"
    if cell.data_type == "s" and isinstance(cell.value, str):
        cell.number_format = "@"
        if cell.value.startswith(_FORMULA_START):
            cell.quotePrefix = True


def _render_docx(excerpts: list[Excerpt], title: str, search: SearchForms, topics: list[str]) -> bytes:
    from docx import Document
    from docx.shared import Pt

    document = Document()
    document.core_properties.title = title or "Otteet"
    document.add_heading(_xml_safe(title) or "Otteet", level=0)
    stamp = datetime.now(timezone.utc).strftime("%d.%m.%Y")
    document.add_paragraph(f"{len(excerpts)} otetta, koottu {stamp}.")
    if search.forms:
        forms = document.add_paragraph()
        forms.add_run("Osuneet sanamuodot: ").bold = True
        forms.add_run(_xml_safe(forms_line(search.forms)))
    for (year, theme), group in _by_theme(excerpts, topics):
        document.add_heading(_xml_safe(f"{theme} ({year})"), level=1)
        for excerpt, topic in group:
            for paragraph in _paragraphs(excerpt.text):
                document.add_paragraph(_xml_safe(paragraph), style="Quote")
            cited = document.add_paragraph()
            cited.add_run(_xml_safe(cite(excerpt))).font.size = Pt(9)
            if excerpt.note:
                note = document.add_paragraph()
                note.add_run("Muistiinpano: ").bold = True
                note.add_run(_xml_safe(excerpt.note))
            if excerpt.codes:
                codes = document.add_paragraph()
                codes.add_run("Koodit: ").bold = True
                codes.add_run(_xml_safe(", ".join(excerpt.codes)))
            if topic:
                line = document.add_paragraph()
                line.add_run("Aihe: ").bold = True
                line.add_run(_xml_safe(topic))
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def _render_csv(excerpts: list[Excerpt], title: str, search: SearchForms, topics: list[str]) -> bytes:
    return render_table(_columns(search), [_row(e, search, t) for e, t in zip(excerpts, topics)], "csv")


def _render_md(excerpts: list[Excerpt], title: str, search: SearchForms, topics: list[str]) -> bytes:
    lines = [f"# {markdown_text(title or 'Otteet')}", ""]
    if search.forms:
        lines += [f"*Osuneet sanamuodot:* {markdown_text(forms_line(search.forms))}", ""]
    for (year, theme), group in _by_theme(excerpts, topics):
        lines += [f"## {markdown_text(theme)} ({year})", ""]
        for excerpt, topic in group:
            lines += [f"> {line}".rstrip() for line in markdown_text(excerpt.text).splitlines()]
            lines += ["", f"— {markdown_text(cite(excerpt))}", ""]
            if excerpt.note:
                # One line per note line, each a hard break, so a note cannot start a heading or list.
                lines += ["*Muistiinpano:* " + "  \n".join(markdown_text(excerpt.note).splitlines()), ""]
            if excerpt.codes:
                lines += [f"*Koodit:* {markdown_text(', '.join(excerpt.codes))}", ""]
            if topic:
                lines += [f"*Aihe:* {markdown_text(topic)}", ""]
    return ("\n".join(lines).rstrip() + "\n").encode("utf-8")


def markdown_text(text: str) -> str:
    """Text as Markdown that shows exactly this text: HTML tags (`<b>`), entities, emphasis,
    code, links and tables are escaped, and so are headings and quotes at a line start."""
    text = _MD_INLINE.sub(r"\\\1", text)
    text = _MD_HTML_RE.sub(lambda m: _MD_HTML[m.group(0)], text)
    text = _MD_LIST_NUMBER.sub(r"\1\\\2", text)
    return _MD_LINE_START.sub(r"\1\\\2", text)


def _by_theme(excerpts: list[Excerpt], topics: list[str]) -> list[tuple[tuple[int, str], list[tuple[Excerpt, str]]]]:
    """(excerpt, topic) pairs grouped by (edition, theme) in order of first appearance, order kept
    within a group."""
    groups: dict[tuple[int, str], list[tuple[Excerpt, str]]] = {}
    for excerpt, topic in zip(excerpts, topics):
        groups.setdefault((excerpt.edition, excerpt.theme), []).append((excerpt, topic))
    return list(groups.items())


def _paragraphs(text: str) -> list[str]:
    return [p.strip() for p in re.split(r"\n\s*\n", text) if p.strip()] or [""]


def _xml_safe(value: Any) -> Any:
    return _XML_ILLEGAL.sub("", value) if isinstance(value, str) else value


# ---------------------------------------------------------------- writing


def _check_writable(out: Path) -> None:
    folder = out.parent
    if out.is_dir():
        raise TextkitError(f"{out} on kansio; anna viennille tiedostonimi.")
    if not folder.is_dir():
        raise TextkitError(f"Tiedostoa {out} ei voi kirjoittaa: kansiota {folder} ei ole.")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise TextkitError(f"Tiedostoa {out} ei voi kirjoittaa: kansioon {folder} ei ole kirjoitusoikeutta.")
    if out.exists() and not os.access(out, os.W_OK):
        raise TextkitError(f"Tiedostoa {out} ei voi kirjoittaa: nykyinen tiedosto on vain luku -tilassa (sitä ei muutettu).")


def _write_atomic(out: Path, data: bytes) -> Path:
    try:
        fd, tmp = tempfile.mkstemp(dir=out.parent, prefix=f".{out.name}.", suffix=".tmp")
    except OSError as exc:
        raise TextkitError(f"Tiedostoa {out} ei voi kirjoittaa: {exc.strerror}.") from None
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        # mkstemp makes the file private (0600); an export is an ordinary document.
        os.chmod(tmp, out.stat().st_mode & 0o777 if out.exists() else 0o644)
        os.replace(tmp, out)
    except BaseException as exc:
        Path(tmp).unlink(missing_ok=True)
        if isinstance(exc, OSError):
            raise TextkitError(
                f"Tiedostoa {out} ei voi kirjoittaa: {exc.strerror or exc}. Aiempi tiedosto on ennallaan."
            ) from None
        raise
    return out
