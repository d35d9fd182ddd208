"""Parse a report edition (TXT, PDF or DOCX) into themes, sections and passages.

The pipeline is: read the file into text (`read_text`), clean the extraction
artefacts line by line with small pure `str -> str` functions (`clean_text`),
then cut the clean text into themes, sections and passages (`parse_text`).

Page tracking
-------------
The extracted text has no page objects, so page breaks are inferred from the
artefacts the PDF extraction left at page boundaries and kept as *page marks*
(a line starting with a form feed ``\\f``) while the artefacts themselves are
removed:

* a block of link targets (``mailto:``/``https://`` lines without trailing
  space) is printed at the end of a page;
* the ministry footer block and a lone page number close a page; the page
  number is kept in the mark (``\\f20``), so the count re-synchronises there;
* the first line of a new page starts with one space and follows the previous
  line without a blank line (indented list items follow a blank line or another
  indented line, so they are not counted);
* every theme starts on a new page (the report puts each theme table on a new
  page; the cover is page 1).

Runs of marks separated only by blank lines count as one page break. Passages
get the page on which their first line stands. On the 2024 edition this count
agrees with all printed page numbers (20, 24, 25, 49). PDF input has real
pages: there the page marks carry the page number of each PDF page (``\\f@7``)
and the inferred marks are ignored.
"""

from __future__ import annotations

import dataclasses
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from textkit.errors import TextkitError
from textkit.types import Edition, Funding, Passage, Section, Theme

__all__ = [
    "parse_file",
    "parse_text",
    "format_summary",
    "read_text",
    "decode_text",
    "clean_text",
    "short_title",
    "parse_euros",
    "slugify",
    "strip_accents",
    "year_from_name",
    "SECTION_NUMBERS",
]

SECTION_NUMBERS = (1, 2, 3, 4, 5, 6, 7)
NARRATIVE_SECTIONS = (2, 3, 4, 5)
FUNDING_LABELS = (
    ("a", "julkinen rahoituskehys"),
    ("b", "varaukset"),
    ("c", "sidotut valtuudet"),
    ("d", "maksetut kustannukset"),
)
MAX_FILE_BYTES = 50 * 1024 * 1024
PAGE_MARK = "\f"
# Passages are paragraphs; a longer paragraph is cut at sentence ends into ~TARGET-sized pieces.
MAX_PASSAGE_CHARS = 1200
TARGET_PASSAGE_CHARS = 800

# ---------------------------------------------------------------- regular expressions
# All patterns used by the clean-up and the structure parser, named and compiled once.

# A link target printed by the extraction at the end of a page: the URL alone on
# its line, no trailing space (printed URLs in the text end with a space).
LINK_TARGET_RE = re.compile(r"^ ?(?:mailto:|https?://)\S+$")
# A printed URL wrapped at a hyphen: the next line is its one-word tail.
URL_TAIL_RE = re.compile(r"^\S+\s+$")
# Ministry footer: "PL 32" … "kirjaamo.tem@gov.fi | [www.verkkosivu.fi] | [sähköposti@osoite.fi]".
FOOTER_START_RE = re.compile(r"^\s*PL \d{1,5}\s*$")
FOOTER_END_RE = re.compile(r"^\s*\S+@\S+\s*\|\s*\[")
FOOTER_MAX_LINES = 10
LONE_NUMBER_RE = re.compile(r"^\s*(\d{1,3})\s*$")
PAGE_LEADING_SPACE_RE = re.compile(r"^ (?=\S)")
PAGE_MARK_RE = re.compile(r"^\f(@?)(\d*)$")
THEME_START_RE = re.compile(r"^\s*Valtakunnallinen teema\s*$")
SENTENCE_END_RE = re.compile(r"[.!?:)]\s*$")
PARAGRAPH_END_RE = re.compile(r"[.!?:;)”\"]\s*$")
LOWERCASE_START_RE = re.compile(r"^[a-zåäö]")
# A list item at a line start: "- Sana", "1) Sana", "2. Sana", or a project code "S30165 …"/"R-01402 …".
LIST_ITEM_LINE_RE = re.compile(r"^\s*(?:(?:[-•–▪]\s?|\d{1,2}[.)]\s+)[A-ZÅÄÖ]|(?:S\d{5}|R-\d{5})\s)")
# In double-spaced text a blank line before any list marker is kept ("- julkiset …").
LIST_MARKER_RE = re.compile(r"^\s*(?:\d{1,2}\)|[-•–▪]\s)")
SENTENCE_BOUNDARY_RE = re.compile(r"(?<=[.!?])\s+(?=[A-ZÅÄÖ0-9”\"])")
# "mm. Valtioneuvoston", "esim. Kela": a short lower-case abbreviation is no sentence end.
ABBREVIATION_END_RE = re.compile(r"(?:^|\s)(?:mm|esim|ns|n|ml|ko|yms|tms|vrt|ks|eli|mrd|milj|os|puh|p|s|v|ym)\.$")
# Line-end hyphen: "ESR-" / "tekoäly- " / "Suomi -".
LINE_END_HYPHEN_RE = re.compile(r"(\S)(\s?)-[ \t]*\n[ \t]*(?=\S)")
CONJUNCTION_RE = re.compile(r"(?:ja|tai|sekä|eli|ja/tai|and|or)\b")
WHITESPACE_RUN_RE = re.compile(r"[ \t\u00a0]+")

SECTION_HEADING_RE = re.compile(r"^\s*(?P<number>[1-7])\)\s+(?P<title>\S.*)$")
# What each section heading says, so that numbered list items inside a section
# ("2) Yhteiskunnallisissa yrityksissä …") are not taken for headings.
SECTION_WORDING = {
    1: re.compile(r"^tiivis kuvaus", re.I),
    2: re.compile(r"^kuvaus valtakunnallisen teeman konkreettisesta", re.I),
    3: re.compile(r"^arvio valtakunnalliselle teemalle", re.I),
    4: re.compile(r"^kuvaus tulevana vuonna", re.I),
    5: re.compile(r"^kuvaus teeman yhteyksistä", re.I),
    6: re.compile(r"^linkkejä", re.I),
    7: re.compile(r"^valtakunnallisesta teemasta rahoitettujen hankkeiden", re.I),
}
HEADING_TAIL_RE = re.compile(r"merkkiä\)\.?\s*$")
HEADING_CONTINUATION_RE = re.compile(r"^[a-zåäö(]")
URLISH_RE = re.compile(r"www\.|://|@")
MAX_TAIL_RE = re.compile(r"\s*\(max\.?\s*[\d\s]*merkkiä\)\.?\s*$", re.I)

HEADER_RE = re.compile(
    r"^Valtakunnallinen teema\s+(?P<name>.+?)\s+"
    r"Yhteyshenkilöt\s*\(koordinaatio tms\.\s*hankkeen yhteyshenkilö ja\s+rahoittajan vastuuhenkilö\)\s*"
    r"(?P<contacts>.*?)\s*"
    r"Vastuullinen hallinnonala ja\s+ministeriön vastuuhenkilön\s+yhteystiedot\s*"
    r"(?P<ministry>.*?)\s*"
    r"Teeman toteutusaika\s*(?P<period>.*?)\s*"
    r"Teeman \(EU\+\s*valtio\):?\s*(?P<funding>.*)$",
    re.S,
)
MINISTRY_NAME_RE = re.compile(
    r"\b(?:[A-ZÅÄÖ][a-zåäö]+-? ja [a-zåäö]*ministeriö|[A-ZÅÄÖ][a-zåäö]*ministeriö|"
    r"(?:TEM|OKM|STM|VM|SM|OM|MMM|LVM|YM|UM|PLM|VNK))\b"
)
FUNDING_LINE_RE = re.compile(
    r"^(?P<key>[a-dA-D])\)\s*(?P<label>julkinen rahoituskehys|varaukset|sidotut valtuudet|maksetut kustannukset)?\s*(?P<value>.*)$"
)
AMOUNT_RE = re.compile(
    r"(?P<number>\d{1,3}(?:[ \u00a0]\d{3})+(?:,\d+)?|\d+(?:[,.]\d+)?)\s*"
    r"(?P<scale>milj(?:\.|oonaa|oona)?|M(?=\s*€|\s*e\b|\s|$)|t\.?\s*€|tuhatta)?",
)
PARENTHESES_RE = re.compile(r"\([^)]*\)")
REPORT_DATE_RE = re.compile(r"Katsaus\s+(\d{1,2})\.(\d{1,2})\.(\d{4})")
YEAR_RE = re.compile(r"(?<!\d)(20\d\d|19\d\d)(?!\d)")
TITLE_LINE_RE = re.compile(r"toteutuskatsaus", re.I)
SLUG_DROP_RE = re.compile(r"[^a-z0-9]+")


# ---------------------------------------------------------------- public API


def parse_file(path: str | Path, year: int | None = None) -> Edition:
    """Parse a report edition file (.txt, .pdf or .docx) into an `Edition`.

    The year comes from `year`, else the corpus manifest entry for this file,
    else a four-digit year in the file name, else the report's own
    "Katsaus dd.mm.yyyy" line; otherwise a `TextkitError` asks for --year.
    """
    path = Path(path)
    text = read_text(path)
    entry = _manifest_entry(path)
    if year is None and entry is not None:
        year = entry.get("year")
    if year is None:
        year = year_from_name(path.name)
    if year is None:
        date = _reporting_date(text)
        year = int(date[:4]) if date else None
    if year is None:
        _require_themes(text, path.name)  # "not a report" is the better message when both apply
        raise TextkitError(
            f"{path.name}: cannot tell which year this edition is; give it with --year YEAR"
        )
    title = entry.get("title") if entry else None
    reporting_date = entry.get("reporting_date") if entry else None
    return parse_text(
        text,
        year=int(year),
        source=path.name,
        title=title,
        reporting_date=str(reporting_date) if reporting_date else None,
    )


def parse_text(
    text: str,
    *,
    year: int,
    source: str,
    title: str | None = None,
    reporting_date: str | None = None,
) -> Edition:
    """Parse the text of one edition. `source` names the file in messages."""
    if not text or not text.strip():
        raise TextkitError(f"{source}: the file is empty (no text to parse)")
    clean = clean_text(text)
    lines = clean.split("\n")
    theme_starts = [i for i, line in enumerate(lines) if THEME_START_RE.match(line)]
    if not theme_starts:
        _require_themes("", source)
    pages = _line_pages(lines)
    warnings: list[str] = []
    themes: list[Theme] = []
    bounds = theme_starts + [len(lines)]
    for number, (start, end) in enumerate(zip(bounds, bounds[1:]), start=1):
        themes.append(_parse_theme(lines[start:end], pages[start:end], number, year, source, warnings))
    _dedupe_theme_ids(themes)
    front = "\n".join(line for line in lines[: theme_starts[0]] if not line.startswith(PAGE_MARK))
    return Edition(
        year=year,
        title=title or _edition_title(front) or f"ESR+ Valtakunnallisten teemojen toteutuskatsaus {year}",
        reporting_date=reporting_date or _reporting_date(front) or "",
        source=source,
        themes=tuple(themes),
        warnings=tuple(warnings),
    )


def format_summary(edition: Edition) -> str:
    """A short readable summary of a parsed edition (the CLI's output without --json)."""
    passages = edition.passages()
    lines = [
        f"{edition.title} ({edition.year}, katsaus {edition.reporting_date or '?'}) — {edition.source}",
        f"{len(edition.themes)} themes, {sum(len(t.sections) for t in edition.themes)} sections, "
        f"{len(passages)} passages, {len(edition.warnings)} warnings",
        "",
    ]
    for theme in edition.themes:
        counts = " ".join(f"{s.number}:{len(s.passages)}" for s in theme.sections)
        lines.append(f"{theme.number:2d}. {theme.name}")
        lines.append(f"    id {theme.id} | {theme.ministry or '-'} | {theme.period or '-'} | passages per section {counts}")
    for warning in edition.warnings:
        lines.append(f"warning: {warning}")
    return "\n".join(lines)


def read_text(path: str | Path) -> str:
    """The text of a .txt, .pdf or .docx file; PDF pages are separated by page marks."""
    path = Path(path)
    if not path.exists():
        raise TextkitError(f"{path}: no such file")
    if path.is_dir():
        raise TextkitError(f"{path}: is a folder, not a report file")
    size = path.stat().st_size
    if size == 0:
        raise TextkitError(f"{path.name}: the file is empty")
    if size > MAX_FILE_BYTES:
        raise TextkitError(f"{path.name}: the file is too large ({size // 1_000_000} MB) for a report")
    data = path.read_bytes()
    suffix = path.suffix.lower()
    if suffix == ".pdf" or data.startswith(b"%PDF"):
        return _read_pdf(path, data)
    if suffix == ".docx" or (data.startswith(b"PK\x03\x04") and suffix != ".txt"):
        return _read_docx(path, data)
    if suffix not in (".txt", ".text", ""):
        raise TextkitError(f"{path.name}: unsupported file type '{suffix}'; use .txt, .pdf or .docx")
    return decode_text(data, path.name)


def decode_text(data: bytes, name: str) -> str:
    """Decode a text file: UTF-8 (with or without BOM), UTF-16 with BOM, else cp1252.

    Binary data (NUL bytes, control characters) is refused. cp1252 is the only
    8-bit fallback: it is what Finnish Windows tools write, and latin-1 differs
    from it only in rarely used control positions.
    """
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    elif data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            raise TextkitError(f"{name}: the file claims to be UTF-16 but cannot be decoded") from None
    if b"\x00" in data[:65536]:
        raise TextkitError(f"{name}: this is a binary file, not text (expected a .txt, .pdf or .docx report)")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        try:
            text = data.decode("cp1252")
        except UnicodeDecodeError:
            raise TextkitError(
                f"{name}: the text is neither UTF-8 nor Windows-1252/Latin-1; save it as UTF-8 and try again"
            ) from None
        if not _reads_as_finnish(text):
            raise TextkitError(
                f"{name}: the text is not UTF-8 and does not read as Finnish in Windows-1252/Latin-1 "
                "either; save it as UTF-8 and try again"
            )
    controls = sum(1 for ch in text[:65536] if unicodedata.category(ch) == "Cc" and ch not in "\n\r\t\f")
    if controls > max(10, len(text[:65536]) // 200):
        raise TextkitError(f"{name}: this is a binary file, not text (expected a .txt, .pdf or .docx report)")
    return text


def year_from_name(name: str) -> int | None:
    """A four-digit year (19xx/20xx) in a file name or title, else None."""
    match = YEAR_RE.search(name)
    return int(match.group(1)) if match else None


def short_title(title: str) -> str:
    """A section title without its "(max. 2000 merkkiä)" tail, for citations."""
    return MAX_TAIL_RE.sub("", title).rstrip(" .:")


def slugify(text: str) -> str:
    """Stable ASCII slug: 'Työmarkkinoiden kohtaanto' -> 'tyomarkkinoiden-kohtaanto'."""
    folded = strip_accents(text.lower())
    return SLUG_DROP_RE.sub("-", folded).strip("-")[:80].rstrip("-") or "teema"


def strip_accents(text: str) -> str:
    """Letters without their diacritics ("Työmarkkinat" -> "Tyomarkkinat"), for ids and file names."""
    folded = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in folded if not unicodedata.combining(ch))


def parse_euros(text: str) -> float | None:
    """Euros in a printed funding figure, or None where it gives no amount.

    "14 000 000 e" -> 14e6, "1,4 milj. €" -> 1.4e6, "13 M€+10 M€" -> 23e6,
    "14 M €, josta TEM 6 milj. € …" -> 14e6 (the breakdown after "josta" is not
    added), "0 € (31.10.24 mennessä)" -> 0, "ei vielä" -> None.
    """
    body = PARENTHESES_RE.sub(" ", text).split("josta")[0]
    total = 0.0
    found = False
    for term in body.split("+"):
        match = AMOUNT_RE.search(term)
        if not match:
            continue
        number = match.group("number").replace("\u00a0", "").replace(" ", "")
        if "," in number:
            number = number.replace(".", "").replace(",", ".")
        value = float(number)
        scale = (match.group("scale") or "").strip()
        if scale.startswith(("milj", "M")):
            value *= 1_000_000
        elif scale.startswith(("t", "tuhat")):
            value *= 1_000
        total += value
        found = True
    return round(total, 2) if found else None


# ---------------------------------------------------------------- clean-up pipeline


def clean_text(text: str) -> str:
    """Every clean-up step in order. The result keeps page marks (lines starting with \\f)."""
    for step in CLEANUP_STEPS:
        text = step(text)
    return text


def normalize_whitespace(text: str) -> str:
    """Unify line ends, drop a BOM, make whitespace-only lines empty."""
    text = text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n").replace("\u00a0", " ")
    return "\n".join("" if not line.strip(" \t") else line for line in text.split("\n"))


def remove_link_blocks(text: str) -> str:
    """Replace each block of link targets (end of a page) by one page mark.

    A link target is a URL alone on its line with no trailing space; a printed
    URL wrapped at a hyphen (its tail on the next line) is real content.
    """
    lines = text.split("\n")
    out: list[str] = []
    in_block = False
    for i, line in enumerate(lines):
        if LINK_TARGET_RE.match(line) and not _is_wrapped_url(lines, i):
            if not in_block:
                out.append(PAGE_MARK)
            in_block = True
            continue
        if line or not in_block:
            in_block = False
        out.append(line)
    return "\n".join(out)


def remove_ministry_footer(text: str) -> str:
    """Replace the ministry footer block ("PL 32 … | [sähköposti@osoite.fi]") by a page mark."""
    lines = text.split("\n")
    out: list[str] = []
    i = 0
    while i < len(lines):
        if FOOTER_START_RE.match(lines[i]):
            end = next(
                (j for j in range(i + 1, min(len(lines), i + FOOTER_MAX_LINES)) if FOOTER_END_RE.match(lines[j])),
                None,
            )
            if end is not None:
                out.append(PAGE_MARK)
                i = end + 1
                continue
        out.append(lines[i])
        i += 1
    return "\n".join(out)


def remove_page_numbers(text: str) -> str:
    """Replace a lone page number (also one split over lines: "2" / "0") by a mark carrying it.

    A lone number counts as a page number only when it stands apart: blank
    lines or page marks (or the file edge) before and after it.
    """
    lines = text.split("\n")
    out: list[str] = []
    i = 0
    while i < len(lines):
        match = LONE_NUMBER_RE.match(lines[i])
        if match:
            digits = match.group(1)
            j = i + 1
            # The extraction sometimes splits a two-digit number over two lines.
            while j < len(lines) and len(digits) < 3 and (m := LONE_NUMBER_RE.match(lines[j])) and len(m.group(1)) == 1 and len(lines[j - 1].strip()) == 1:
                digits += m.group(1)
                j += 1
            before = lines[i - 1] if i > 0 else ""
            after = lines[j] if j < len(lines) else ""
            if _is_gap(before) and _is_gap(after):
                out.append(PAGE_MARK + str(int(digits)))
                i = j
                continue
        out.append(lines[i])
        i += 1
    return "\n".join(out)


def mark_page_leading_space(text: str) -> str:
    """Put a page mark before a line that starts a new page, and drop its leading space.

    The first line of a page starts with one space and follows the previous line
    directly (no blank line). An indented list item follows a blank line or
    another indented line and only loses its space.
    """
    lines = text.split("\n")
    out: list[str] = []
    prev_indented = False
    for i, line in enumerate(lines):
        if PAGE_LEADING_SPACE_RE.match(line):
            prev = lines[i - 1] if i > 0 else ""
            starts_page = i == 0 or (not _is_gap(prev) and not prev_indented)
            if starts_page and i > 0:
                out.append(PAGE_MARK)
            out.append(line[1:])
            prev_indented = not starts_page
            continue
        if not _is_gap(line):
            prev_indented = False
        out.append(line)
    return "\n".join(out)


def mark_theme_pages(text: str) -> str:
    """Each theme starts on a new page: put a page mark before a theme start that has none."""
    lines = text.split("\n")
    out: list[str] = []
    for line in lines:
        if THEME_START_RE.match(line):
            prev = next((x for x in reversed(out) if x != ""), None)
            if prev is None or not prev.startswith(PAGE_MARK):
                out.append(PAGE_MARK)
        out.append(line)
    return "\n".join(out)


def merge_page_marks(text: str) -> str:
    """Collapse a run of page marks and blank lines into one mark (keeping a printed number).

    A page break is not a paragraph break: the blank lines around artefacts are
    dropped, and a paragraph break is kept only where the text before the break
    ended a sentence and was followed by a blank line.
    """
    lines = text.split("\n")
    out: list[str] = []
    i = 0
    while i < len(lines):
        if not lines[i].startswith(PAGE_MARK):
            out.append(lines[i])
            i += 1
            continue
        j = i
        number = ""
        absolute = ""
        while j < len(lines) and _is_gap(lines[j]):
            m = PAGE_MARK_RE.match(lines[j])
            # A real PDF page number ("\f@7") wins over a printed one.
            if m and m.group(2) and not absolute:
                number, absolute = m.group(2), m.group(1)
            j += 1
        blank_before = bool(out) and out[-1] == ""
        while out and out[-1] == "":
            out.pop()
        paragraph_break = not out or (blank_before and SENTENCE_END_RE.search(out[-1] or "") is not None)
        if j < len(lines) and THEME_START_RE.match(lines[j]):
            paragraph_break = True
        if paragraph_break and out:
            out.append("")
        out.append(PAGE_MARK + absolute + number)
        i = j
    return "\n".join(out)


def collapse_double_spacing(text: str) -> str:
    """Remove the blank lines of double-spaced text, keeping likely paragraph breaks.

    Double spacing shows as a run of single lines separated by single blank
    lines (a page mark between two lines also separates them). Inside such a
    run a blank line stays only where the line before ends a sentence and is
    clearly shorter than the run's full lines, or where the next line starts a
    list item.
    """
    lines = text.split("\n")
    keep_blank = [True] * len(lines)
    run: list[int] = []  # indices of the single lines of the current run
    for unit in _units(lines) + [None]:
        if unit is not None and unit[0] == unit[1]:
            if run and _single_gap(lines, run[-1], unit[0]):
                run.append(unit[0])
                continue
        if len(run) >= 3:
            _collapse_run(lines, run, keep_blank)
        run = [unit[0]] if unit is not None and unit[0] == unit[1] else []
    return "\n".join(line for i, line in enumerate(lines) if line != "" or keep_blank[i])


def join_hyphenated(text: str) -> str:
    """Rejoin words split at a line-end hyphen, keeping the hyphen.

    In the reports a line-end hyphen is a real one: "ESR-" + "hankkeiden" ->
    "ESR-hankkeiden", "tasa-" + "arvo" -> "tasa-arvo". A hyphen before a
    conjunction is a suspended compound ("tekoäly- ja"), and " -" + "hanke"
    is the spaced compound "Suomi -ohjelma".
    """

    def join(match: re.Match[str]) -> str:
        before, space = match.group(1), match.group(2)
        rest = text[match.end():]
        if space:
            return f"{before} -"
        if CONJUNCTION_RE.match(rest):
            return f"{before}- "
        return f"{before}-"

    return LINE_END_HYPHEN_RE.sub(join, text)


def unwrap_lines(text: str) -> str:
    """Join the lines of one paragraph with single spaces."""
    return WHITESPACE_RUN_RE.sub(" ", " ".join(line.strip() for line in text.split("\n"))).strip()


CLEANUP_STEPS = (
    normalize_whitespace,
    remove_link_blocks,
    remove_ministry_footer,
    remove_page_numbers,
    mark_page_leading_space,
    mark_theme_pages,
    merge_page_marks,
    collapse_double_spacing,
)


# ---------------------------------------------------------------- structure


@dataclass
class _SectionDraft:
    number: int
    title_lines: list[str]
    body: list[int] = field(default_factory=list)  # line indices into the theme's lines


def _parse_theme(
    lines: list[str], pages: list[int], number: int, year: int, source: str, warnings: list[str]
) -> Theme:
    drafts: list[_SectionDraft] = []
    header_end = len(lines)
    i = 0
    current = 0
    while i < len(lines):
        found = _heading_at(lines, i, current)
        if found is not None:
            section_number, title_lines, consumed = found
            if not drafts:
                header_end = i
            drafts.append(_SectionDraft(section_number, title_lines))
            current = section_number
            i += consumed
            continue
        if drafts:
            drafts[-1].body.append(i)
        i += 1

    header = _parse_header(lines[:header_end], number, source, warnings)
    theme_id = slugify(header["name"])
    label = f"theme {number} ({header['name']})"
    found_numbers = [d.number for d in drafts]
    for missing in SECTION_NUMBERS:
        if missing not in found_numbers:
            warnings.append(f"{source}: {label}: section {missing} is missing")

    sections: list[Section] = []
    for draft in drafts:
        paragraphs = _paragraphs([lines[k] for k in draft.body], [pages[k] for k in draft.body])
        passages = tuple(
            Passage(
                id=f"{year}-{number:02d}-{draft.number}-{ordinal:03d}",
                edition=year,
                theme_id=theme_id,
                section=draft.number,
                page=page,
                text=text,
            )
            for ordinal, (text, page) in enumerate(paragraphs, start=1)
        )
        if draft.number in NARRATIVE_SECTIONS and not passages:
            warnings.append(f"{source}: {label}: section {draft.number} is empty")
        sections.append(
            Section(
                number=draft.number,
                title=unwrap_lines(join_hyphenated("\n".join(draft.title_lines))),
                text="\n\n".join(p.text for p in passages),
                passages=passages,
            )
        )
    return Theme(
        id=theme_id,
        number=number,
        name=header["name"],
        ministry=header["ministry"],
        period=header["period"],
        funding=header["funding"],
        sections=tuple(sections),
        contacts=header["contacts"],
    )


def _heading_at(lines: list[str], i: int, current: int) -> tuple[int, list[str], int] | None:
    """(section number, title lines, lines consumed) if a section heading starts at line i."""
    line = lines[i]
    if _is_gap(line):
        return None
    match = SECTION_HEADING_RE.match(line)
    if match:
        number = int(match.group("number"))
        title = match.group("title")
        if number <= current:
            return None
        # A numbered line is a heading when it says what that section's heading
        # says; the last section may be worded freely once section 6 is open.
        if not (SECTION_WORDING[number].match(title) or (number == 7 and current == 6)):
            return None
    else:
        text = line.strip()
        number = next(
            (n for n in SECTION_NUMBERS if n > current and SECTION_WORDING[n].match(text) and _looks_like_heading(text, n)),
            0,
        )
        if not number:
            return None
        title = text
    # Multi-line headings: the title goes on while the next line (a blank line
    # between is double spacing) looks like its tail.
    title_lines = [title.strip()]
    j = i + 1
    while len(title_lines) < 4 and not (number <= 5 and HEADING_TAIL_RE.search(title_lines[-1])):
        k = j
        while k < len(lines) and k - j < 2 and _is_gap(lines[k]):
            k += 1
        nxt = lines[k].strip() if k < len(lines) else ""
        if not nxt or lines[k].startswith(PAGE_MARK) or not _continues_heading(" ".join(title_lines), nxt, number):
            break
        title_lines.append(nxt)
        j = k + 1
    return number, title_lines, j - i


def _continues_heading(joined: str, nxt: str, number: int) -> bool:
    if SECTION_HEADING_RE.match(nxt) or URLISH_RE.search(nxt):
        return False
    if number <= 5 and ("(max" in joined or "merkkiä" in nxt or "(max" in nxt):
        return True  # the "(max. N merkkiä)" tail is still to come
    return HEADING_CONTINUATION_RE.match(nxt) is not None and len(nxt) < 60


def _looks_like_heading(text: str, number: int) -> bool:
    # An unnumbered heading is a short line that reads like the heading wording.
    return len(text) < 140 and not SENTENCE_END_RE.search(text.rstrip(".")) or "merkkiä" in text


def _parse_header(lines: list[str], number: int, source: str, warnings: list[str]) -> dict:
    content = [line for line in lines if not _is_gap(line)]
    joined = unwrap_lines(join_hyphenated("\n".join(content)))
    match = HEADER_RE.match(joined)
    if match is None:
        # Fall back to the name only: the theme name follows the "Valtakunnallinen teema" line.
        name = content[1].strip() if len(content) > 1 else f"Teema {number}"
        warnings.append(f"{source}: theme {number} ({name}): the header (contacts, ministry, period, funding) was not recognised")
        return {"name": name, "ministry": "", "period": "", "funding": _funding([]), "contacts": ""}
    name = match.group("name").strip()
    ministry_block = match.group("ministry")
    names: list[str] = []
    for m in MINISTRY_NAME_RE.finditer(ministry_block):
        if m.group(0) not in names:
            names.append(m.group(0))
    if any(n.endswith("ministeriö") for n in names):
        names = [n for n in names if n.endswith("ministeriö")]
    funding_lines = _funding_lines(lines)
    return {
        "name": name,
        "ministry": ", ".join(names),
        "period": match.group("period").strip(),
        "funding": _funding(funding_lines),
        "contacts": (match.group("contacts") + " | " + ministry_block).strip(" |"),
    }


def _funding_lines(lines: list[str]) -> list[str]:
    content = [line.strip() for line in lines if line.strip() and not line.startswith(PAGE_MARK)]
    for k, line in enumerate(content):
        if line.startswith("Teeman (EU+"):
            return content[k + 1 :]
    return []


def _funding(lines: list[str]) -> tuple[Funding, ...]:
    values: dict[str, str] = {}
    loose: list[str] = []
    for line in lines:
        match = FUNDING_LINE_RE.match(line)
        if match:
            key = match.group("key").lower()
            value = match.group("value").strip()
            if value:
                if match.group("label") or key not in values:
                    values[key] = value
                else:
                    loose.append(value)
        else:
            loose.append(line)
    for key, _label in FUNDING_LABELS:
        if key not in values and loose:
            values[key] = loose.pop(0)
    return tuple(
        Funding(key=key, label=label, text=values.get(key, ""), euros=parse_euros(values.get(key, "")))
        for key, label in FUNDING_LABELS
    )


def _paragraphs(lines: list[str], pages: list[int]) -> list[tuple[str, int]]:
    """(text, page) per passage of a section body.

    Paragraphs are blank-line separated; page marks are transparent; a list item
    at a line start begins a new paragraph; a paragraph that stops mid-sentence
    and is followed by one starting in lower case is the same paragraph (the
    extraction put a blank line inside it). Paragraphs longer than
    MAX_PASSAGE_CHARS are cut at sentence ends into passages of similar size.
    """
    groups: list[list[tuple[str, int]]] = []
    current: list[tuple[str, int]] = []
    for line, page in zip(lines, pages):
        if line.startswith(PAGE_MARK):
            continue
        if line == "" or (current and LIST_ITEM_LINE_RE.match(line)):
            if current:
                groups.append(current)
            current = [] if line == "" else [(line, page)]
            continue
        current.append((line, page))
    if current:
        groups.append(current)

    merged: list[list[tuple[str, int]]] = []
    for group in groups:
        if merged and not PARAGRAPH_END_RE.search(merged[-1][-1][0]) and LOWERCASE_START_RE.match(group[0][0].lstrip()):
            merged[-1].extend(group)
        else:
            merged.append(list(group))

    out: list[tuple[str, int]] = []
    for group in merged:
        text = ""
        starts: list[tuple[int, int]] = []
        for line, page in group:
            starts.append((len(text) + 1 if text else 0, page))
            text = unwrap_lines(join_hyphenated(text + "\n" + line)) if text else unwrap_lines(line)
        if not text:
            continue
        for chunk_start, chunk in _split_long(text):
            page = next((pg for offset, pg in reversed(starts) if offset <= chunk_start), starts[0][1])
            out.append((chunk, page))
    return out


def _split_long(text: str) -> list[tuple[int, str]]:
    """(offset, text) pieces of a paragraph, cut at sentence ends if it is longer than MAX_PASSAGE_CHARS."""
    if len(text) <= MAX_PASSAGE_CHARS:
        return [(0, text)]
    cuts = [m.end() for m in SENTENCE_BOUNDARY_RE.finditer(text) if not ABBREVIATION_END_RE.search(text[: m.start() + 1])]
    pieces = -(-len(text) // TARGET_PASSAGE_CHARS)
    target = len(text) / pieces
    chosen: list[int] = []
    for k in range(1, pieces):
        goal = k * target
        best = min((c for c in cuts if c > (chosen[-1] if chosen else 0) + 200), key=lambda c: abs(c - goal), default=None)
        if best is not None and len(text) - best > 200 and best not in chosen:
            chosen.append(best)
    bounds = [0] + sorted(chosen) + [len(text)]
    pieces_out: list[tuple[int, str]] = []
    for a, b in zip(bounds, bounds[1:]):
        # Too few sentence ends (a run-on list): cut at the last space before the limit.
        while b - a > MAX_PASSAGE_CHARS:
            cut = text.rfind(" ", a + TARGET_PASSAGE_CHARS // 2, a + MAX_PASSAGE_CHARS)
            cut = cut if cut > a else a + MAX_PASSAGE_CHARS
            if text[a:cut].strip():
                pieces_out.append((a, text[a:cut].strip()))
            a = cut + 1 if text[cut : cut + 1] == " " else cut
        if text[a:b].strip():
            pieces_out.append((a, text[a:b].strip()))
    return pieces_out


def _line_pages(lines: list[str]) -> list[int]:
    """Page number of each line, counted from the page marks (see the module docstring)."""
    absolute = any(line.startswith(PAGE_MARK + "@") for line in lines)
    page = 1
    pages: list[int] = []
    for line in lines:
        m = PAGE_MARK_RE.match(line) if line.startswith(PAGE_MARK) else None
        if m:
            if absolute:
                if m.group(1) == "@" and m.group(2):
                    page = int(m.group(2))
            elif m.group(2):
                page = int(m.group(2)) + 1
            else:
                page += 1
        pages.append(page)
    return pages


def _dedupe_theme_ids(themes: list[Theme]) -> None:
    seen: dict[str, int] = {}
    for k, theme in enumerate(themes):
        if theme.id in seen:
            seen[theme.id] += 1
            new_id = f"{theme.id}-{seen[theme.id]}"
            sections = tuple(
                dataclasses.replace(s, passages=tuple(dataclasses.replace(p, theme_id=new_id) for p in s.passages))
                for s in theme.sections
            )
            themes[k] = dataclasses.replace(theme, id=new_id, sections=sections)
        else:
            seen[theme.id] = 1


# ---------------------------------------------------------------- helpers


def _is_wrapped_url(lines: list[str], i: int) -> bool:
    if not lines[i].endswith("-"):
        return False
    nxt = next((lines[j] for j in range(i + 1, min(len(lines), i + 3)) if lines[j] != ""), "")
    return bool(URL_TAIL_RE.match(nxt)) and not LINK_TARGET_RE.match(nxt)


def _require_themes(text: str, source: str) -> None:
    if any(THEME_START_RE.match(line) for line in text.split("\n")):
        return
    raise TextkitError(
        f"{source}: this does not look like an ESR+ theme review: no theme "
        "('Valtakunnallinen teema') was found"
    )


def _reads_as_finnish(text: str) -> bool:
    """True if most non-ASCII letters of an 8-bit decoding are Finnish/Swedish ones (ä, ö, å)."""
    others = [ch for ch in text if ord(ch) > 127 and ch.isalpha()]
    finnish = sum(1 for ch in others if ch in "äöåÄÖÅ")
    return finnish > 0 and finnish >= 0.6 * len(others)


def _is_gap(line: str) -> bool:
    """A blank line or a page mark: what separates blocks of text."""
    return line == "" or line.startswith(PAGE_MARK)


def _units(lines: list[str]) -> list[tuple[int, int]]:
    """(first, last) indices of maximal runs of text lines (blank lines and page marks split them)."""
    units = []
    start = None
    for i, line in enumerate(lines + [""]):
        is_text = not _is_gap(line)
        if is_text and start is None:
            start = i
        elif not is_text and start is not None:
            units.append((start, i - 1))
            start = None
    return units


def _single_gap(lines: list[str], before: int, after: int) -> bool:
    """True if exactly one blank line, or only page marks, stand between two lines."""
    gap = lines[before + 1 : after]
    blanks = sum(1 for line in gap if line == "")
    return blanks == 1 or (blanks == 0 and len(gap) > 0)


def _collapse_run(lines: list[str], run: list[int], keep_blank: list[bool]) -> None:
    full = max(len(lines[k].rstrip()) for k in run)
    for here, nxt in zip(run, run[1:]):
        last, first_next = lines[here], lines[nxt]
        ends_sentence = SENTENCE_END_RE.search(last) is not None and len(last.rstrip()) < 0.8 * full
        starts_item = LIST_MARKER_RE.match(first_next) is not None or SECTION_HEADING_RE.match(first_next) is not None
        if not (ends_sentence or starts_item):
            for k in range(here + 1, nxt):
                if lines[k] == "":
                    keep_blank[k] = False


def _edition_title(front: str) -> str | None:
    for line in front.split("\n"):
        if TITLE_LINE_RE.search(line):
            return unwrap_lines(line)
    return None


def _reporting_date(text: str) -> str | None:
    match = REPORT_DATE_RE.search(text[:5000])
    if not match:
        return None
    day, month, year = (int(g) for g in match.groups())
    return f"{year:04d}-{month:02d}-{day:02d}"


def _manifest_entry(path: Path) -> dict | None:
    """The manifest entry for this file when it sits in the corpus folder."""
    from textkit import corpus

    try:
        folder = path.resolve().parent
        if folder != corpus.resolve_dir(None):
            manifest = folder / corpus.MANIFEST_NAME
            if not manifest.exists():
                return None
            entries = corpus.load_manifest(folder)
        else:
            entries = corpus.load_manifest()
    except TextkitError:
        return None
    return next((e for e in entries if e.get("file") == path.name), None)


def _read_pdf(path: Path, data: bytes) -> str:
    import io
    import logging

    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    logging.getLogger("pypdf").setLevel(logging.ERROR)
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            try:
                reader.decrypt("")
            except Exception:
                raise TextkitError(f"{path.name}: the PDF is password-protected") from None
        pages = [page.extract_text() or "" for page in reader.pages]
    except TextkitError:
        raise
    except (PdfReadError, ValueError, KeyError, TypeError, OSError) as exc:
        raise TextkitError(f"{path.name}: the PDF cannot be read ({exc})") from None
    if not pages:
        raise TextkitError(f"{path.name}: the PDF has no pages")
    if not any(p.strip() for p in pages):
        raise TextkitError(
            f"{path.name}: the PDF has no text layer (it is probably scanned images); "
            "run OCR on it or export the text from the original document"
        )
    parts = []
    for number, page in enumerate(pages, start=1):
        parts.append(f"{PAGE_MARK}@{number}")
        parts.append(page)
    return "\n".join(parts)


def _read_docx(path: Path, data: bytes) -> str:
    import io
    import zipfile

    try:
        import docx
    except ImportError:  # pragma: no cover - declared dependency
        raise TextkitError("reading .docx files needs python-docx: pip install python-docx") from None
    try:
        document = docx.Document(io.BytesIO(data))
    except (zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise TextkitError(f"{path.name}: not a readable Word (.docx) file ({exc})") from None
    except Exception as exc:  # python-docx raises its own types for broken packages
        raise TextkitError(f"{path.name}: not a readable Word (.docx) file ({type(exc).__name__})") from None
    from docx.table import Table

    lines: list[str] = []
    # Body paragraphs and tables in document order; a paragraph is a line, a
    # blank line separates paragraphs; explicit page breaks become page marks.
    for block in document.iter_inner_content():
        if isinstance(block, Table):
            for row in block.rows:
                for cell in row.cells:
                    lines.extend([cell.text, ""])
            continue
        xml = block._p.xml
        if 'w:type="page"' in xml or "lastRenderedPageBreak" in xml:
            lines.append(PAGE_MARK)
        lines.extend([block.text, ""])
    text = "\n".join(lines)
    if not text.strip():
        raise TextkitError(f"{path.name}: the Word document contains no text")
    return text

