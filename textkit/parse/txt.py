"""TXT reader: a text file extracted from the report's PDF, cleaned into the page model.

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
agrees with all printed page numbers (20, 24, 25, 49). These rules are for
text files only: the PDF and DOCX readers take pages from the file itself.
"""

from __future__ import annotations

import re
import unicodedata

from textkit.errors import TextkitError
from textkit.parse.model import Document, Line, Page
from textkit.parse.text import (
    LIST_MARKER_RE,
    PAGE_MARK,
    SECTION_HEADING_RE,
    SENTENCE_END_RE,
    THEME_START_RE,
    is_gap as _is_gap,
    join_hyphenated,
    normalize_whitespace,
    unwrap_lines,
)

__all__ = [
    "read_txt",
    "document_from_text",
    "decode_text",
    "clean_text",
    "normalize_whitespace",
    "remove_link_blocks",
    "remove_ministry_footer",
    "remove_page_numbers",
    "mark_page_leading_space",
    "mark_theme_pages",
    "merge_page_marks",
    "collapse_double_spacing",
    "join_hyphenated",
    "unwrap_lines",
    "CLEANUP_STEPS",
]

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


def read_txt(data: bytes, name: str) -> Document:
    """The page model of a text file (decoded, cleaned, pages inferred)."""
    return document_from_text(decode_text(data, name), name)


def document_from_text(text: str, source: str, fmt: str = "txt") -> Document:
    """Clean extracted text and cut it into pages at its page marks.

    Marks written as ``\\f@N`` carry the file's own page numbers (then the
    inferred marks are ignored); otherwise pages are counted from the marks.
    """
    lines = clean_text(text).split("\n")
    numbers = _line_pages(lines)
    pages: list[Page] = []
    current: list[Line] = []
    number = 1
    for line, page in zip(lines, numbers):
        if line.startswith(PAGE_MARK):
            pages.append(Page(number, tuple(current)))
            current, number = [], page
            continue
        current.append(Line(line))
    pages.append(Page(number, tuple(current)))
    return Document(source=source, format=fmt, pages=tuple(pages))


def decode_text(data: bytes, name: str) -> str:
    """Decode a text file: UTF-8 (with or without BOM), UTF-16 (with BOM, or without one when
    the zero bytes fall in every other position as UTF-16 puts them), else cp1252. The app's
    upload check (textkit.ui.check_upload) uses this same function.

    Binary data (NUL bytes, control characters) is refused. cp1252 is the only
    8-bit fallback: it is what Finnish Windows tools write, and latin-1 differs
    from it only in rarely used control positions.
    """
    binary = f"{name}: tiedosto on binääritiedosto eikä tekstiä (odotettiin .txt-, .pdf- tai .docx-katsausta)."
    utf16 = "utf-16" if data.startswith((b"\xff\xfe", b"\xfe\xff")) else _utf16_without_bom(data)
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    elif utf16:
        try:
            text = data.decode(utf16)
        except UnicodeDecodeError:
            raise TextkitError(f"{name}: tiedosto näyttää UTF-16-tekstiltä, mutta sitä ei voi lukea sellaisena.") from None
        if _controls(text) > max(10, len(text[:65536]) // 200):
            raise TextkitError(binary)
        return text
    if b"\x00" in data[:65536]:
        raise TextkitError(binary)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        try:
            text = data.decode("cp1252")
        except UnicodeDecodeError:
            raise TextkitError(
                f"{name}: teksti ei ole UTF-8- eikä Windows-1252/Latin-1-merkistöä; tallenna se UTF-8-muodossa ja yritä uudelleen."
            ) from None
        if not _reads_as_finnish(text):
            raise TextkitError(
                f"{name}: teksti ei ole UTF-8-merkistöä eikä se näytä suomelta Windows-1252/Latin-1-merkistönäkään; "
                "tallenna se UTF-8-muodossa ja yritä uudelleen."
            )
    if _controls(text) > max(10, len(text[:65536]) // 200):
        raise TextkitError(binary)
    return text


def _controls(text: str) -> int:
    return sum(1 for ch in text[:65536] if unicodedata.category(ch) == "Cc" and ch not in "\n\r\t\f")


def _utf16_without_bom(data: bytes) -> str | None:
    """"utf-16-le" or "utf-16-be" when the file's zero bytes sit at odd (or even) positions
    only, as in UTF-16 text of the Latin alphabet; None otherwise (also for binary files,
    whose zero bytes fall anywhere)."""
    sample = data[:65536]
    if len(sample) < 4 or len(sample) % 2:
        return None
    even, odd = sample[0::2].count(0), sample[1::2].count(0)
    half = len(sample) // 2
    if odd >= half * 0.6 and even == 0:
        return "utf-16-le"
    if even >= half * 0.6 and odd == 0:
        return "utf-16-be"
    return None



# ---------------------------------------------------------------- clean-up pipeline


def clean_text(text: str) -> str:
    """Every clean-up step in order. The result keeps page marks (lines starting with \\f)."""
    for step in CLEANUP_STEPS:
        text = step(text)
    return text


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



def _is_wrapped_url(lines: list[str], i: int) -> bool:
    if not lines[i].endswith("-"):
        return False
    nxt = next((lines[j] for j in range(i + 1, min(len(lines), i + 3)) if lines[j] != ""), "")
    return bool(URL_TAIL_RE.match(nxt)) and not LINK_TARGET_RE.match(nxt)


def _reads_as_finnish(text: str) -> bool:
    """True if most non-ASCII letters of an 8-bit decoding are Finnish/Swedish ones (ä, ö, å)."""
    others = [ch for ch in text if ord(ch) > 127 and ch.isalpha()]
    finnish = sum(1 for ch in others if ch in "äöåÄÖÅ")
    return finnish > 0 and finnish >= 0.6 * len(others)


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


