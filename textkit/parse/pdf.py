"""PDF reader: the page model by layout, with pdfplumber.

pdfplumber (on pdfminer.six) gives every character with its position and
font, finds ruled tables and their cells, and lists link annotations with
their boxes. The rules here use only layout:

* **running header/footer**: a line in the top or bottom band of the page
  whose text (digits folded, so a page number varies freely) recurs at the
  same height on most pages is removed before anything else; a lone number
  there is the page's printed number;
* **tables**: ruled tables are read cell by cell; a table row becomes one
  line of kind "row" with its cells, so a value wrapped inside its cell stays
  one value;
* **paragraphs**: a vertical gap clearly larger than the page's line pitch
  separates blocks; a paragraph runs on over a page break when the page's
  last line is full width;
* **lists**: a line that starts with a bullet glyph (U+F0B7 of Symbol fonts,
  •, ▪, ◦, ●, or a dash set off by a tab-like gap) is a list item, the glyph
  removed; the lines under it indented to its text continue it;
* **pages**: each page keeps its number (the printed one where the footer or
  header prints it, else its place in the file).
"""

from __future__ import annotations

import re
import statistics
from collections import Counter, defaultdict
from dataclasses import dataclass

from textkit import limits
from textkit.errors import TextkitError
from textkit.parse.model import BLANK, Document, Line, Page
from textkit.parse.text import join_hyphenated, unwrap_lines
from textkit.types import Link

__all__ = ["read_pdf", "RUNNING_MIN_SHARE", "BAND_SHARE"]

# A running line recurs on at least this share of the pages (and on at least 2).
RUNNING_MIN_SHARE = 0.5
# The top and bottom bands where running headers and footers stand (share of page height).
BAND_SHARE = 0.2
# Same height on different pages: within this many points.
SAME_HEIGHT_PT = 3.0
# A gap larger than this many line pitches separates paragraphs.
PARAGRAPH_GAP_PITCHES = 1.4
# A line reaching this share of the body's right edge is full width (the paragraph goes on).
FULL_LINE_SHARE = 0.85
# A bullet always; a dash only when a tab-like gap follows it.
BULLET_GLYPHS = "\uf0b7\u2022\u25aa\u25e6\u25cf\u2023\u2043\uf0a7\uf076"
DASH_BULLETS = "-\u2013\u2014"
BULLET_GAP_PT = 4.0

DIGITS_RE = re.compile(r"\d+")
LONE_NUMBER_RE = re.compile(r"^\s*(?:[-–]\s*)?(\d{1,4})(?:\s*[-–])?\s*$")


@dataclass
class _Row:
    """One line or table row of a page, before the running lines are known."""

    text: str
    top: float
    bottom: float
    x0: float
    x1: float
    kind: str = "text"
    cells: tuple[str, ...] = ()
    item_x: float | None = None  # for items: where the text after the bullet starts
    links: tuple[Link, ...] = ()


def read_pdf(data: bytes, name: str) -> Document:
    """The page model of a PDF (running header/footer removed, tables as rows, bullets as items)."""
    raw_pages, heights = _read_pages(data, name)
    running, numbers = _running_lines(raw_pages, heights)
    removed: Counter[str] = Counter()
    pages: list[Page] = []
    printed = _printed_numbers(numbers, len(raw_pages))
    body_pages: list[list[_Row]] = []
    for k, rows in enumerate(raw_pages):
        body = []
        for row in rows:
            if (k, id(row)) in running:
                removed[running[(k, id(row))]] += 1
            else:
                body.append(row)
        body_pages.append(body)
    right = max((r.x1 for rows in body_pages for r in rows if r.kind == "text"), default=0.0)
    left = min((r.x0 for rows in body_pages for r in rows if r.kind == "text"), default=0.0)
    for k, rows in enumerate(body_pages):
        lines = _page_lines(rows, left, right)
        pages.append(Page(printed[k], tuple(lines)))
    return Document(
        source=name,
        format="pdf",
        pages=tuple(pages),
        removed=tuple(text for text, _ in removed.most_common()),
        removed_count=sum(removed.values()),
    )


# ---------------------------------------------------------------- reading the pages


def _read_pages(data: bytes, name: str) -> tuple[list[list[_Row]], list[float]]:
    import io
    import logging

    try:
        import pdfplumber
    except ImportError:  # pragma: no cover - declared dependency
        raise TextkitError(".pdf-tiedostojen lukeminen tarvitsee pdfplumber-paketin: pip install pdfplumber") from None

    logging.getLogger("pdfminer").setLevel(logging.ERROR)
    _check_limits(data, name)
    pages: list[list[_Row]] = []
    chars = 0
    heights: list[float] = []
    try:
        with pdfplumber.open(io.BytesIO(data)) as pdf:
            if not pdf.pages:
                raise TextkitError(f"{name}: PDF:ssä ei ole sivuja.")
            for page in pdf.pages:
                pages.append(_page_rows(page))
                heights.append(float(page.height))
                chars += sum(len(row.text) for row in pages[-1])
                limits.check_text_chars(chars, name)
    except TextkitError:
        raise
    except Exception as exc:  # pdfminer raises many types for broken or encrypted files
        text = " ".join(f"{type(e).__name__} {e!r}" for e in _causes(exc)).lower()
        if "password" in text or "encrypt" in text:
            raise TextkitError(f"{name}: PDF on suojattu salasanalla.") from None
        raise TextkitError(f"{name}: PDF:ää ei voi lukea ({type(exc).__name__}).") from None
    if not any(rows for rows in pages):
        raise TextkitError(
            f"{name}: PDF:ssä ei ole tekstikerrosta (se on luultavasti skannattuja kuvia); "
            "tunnista teksti OCR:llä tai vie teksti alkuperäisestä asiakirjasta."
        )
    return pages, heights


def _check_limits(data: bytes, name: str) -> None:
    """Pages and inflated content within textkit.limits, checked with pypdf before pdfplumber
    reads anything (also gives the password message for an encrypted file)."""
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
                reader.pages[0].get_contents()
            except Exception:
                raise TextkitError(f"{name}: PDF on suojattu salasanalla.") from None
        limits.pdf_page_texts(reader, len(data), name, with_text=False)
    except TextkitError:
        raise
    except (PdfReadError, ValueError, KeyError, TypeError, OSError, IndexError) as exc:
        raise TextkitError(f"{name}: PDF:ää ei voi lukea ({exc}).") from None


def _causes(exc: BaseException) -> list[BaseException]:
    """The exception with what it wraps (pdfplumber wraps pdfminer's errors, in args or as cause)."""
    found = [exc]
    for inner in [*exc.args, exc.__cause__, exc.__context__]:
        if isinstance(inner, BaseException) and inner not in found:
            found.append(inner)
    return found


def _page_rows(page) -> list[_Row]:
    """Text lines and table rows of one page, top to bottom."""
    rows: list[_Row] = []
    tables = page.find_tables()
    for table in tables:
        for cells_row in table.rows:
            cells = []
            for bbox in cells_row.cells:
                if bbox is None:
                    continue
                text = page.filter(lambda obj, box=bbox: _centred_in(obj, box)).extract_text() or ""
                cells.append(unwrap_lines(join_hyphenated(text)))
            if any(cells):
                x0, top, x1, bottom = cells_row.bbox
                rows.append(_Row(" ".join(c for c in cells if c), top, bottom, x0, x1, "row", tuple(cells)))
    boxes = [table.bbox for table in tables]
    rest = page.filter(lambda obj: not any(_centred_in(obj, box) for box in boxes)) if boxes else page
    for line in rest.extract_text_lines(return_chars=True, strip=True):
        row = _text_row(line)
        if row is not None:
            rows.append(row)
    rows.sort(key=lambda r: (round(r.top, 1), r.x0))
    _attach_links(page, rows)
    return rows


def _centred_in(obj: dict, box) -> bool:
    """True if the object's centre lies in the box (glyphs overhang ruling lines a little)."""
    if "x0" not in obj or "top" not in obj:
        return False
    x = (obj["x0"] + obj["x1"]) / 2
    y = (obj["top"] + obj["bottom"]) / 2
    return box[0] <= x <= box[2] and box[1] <= y <= box[3]


def _inside(bbox, page) -> tuple[float, float, float, float]:
    x0, top, x1, bottom = bbox
    return (max(x0, page.bbox[0]), max(top, page.bbox[1]), min(x1, page.bbox[2]), min(bottom, page.bbox[3]))


def _text_row(line: dict) -> _Row | None:
    chars = [c for c in line["chars"] if c["text"].strip()]
    if not chars:
        return None
    first = chars[0]
    glyph = first["text"]
    item_x = None
    text = line["text"]
    if len(chars) > 1 and (
        glyph in BULLET_GLYPHS or (glyph in DASH_BULLETS and chars[1]["x0"] - first["x1"] >= BULLET_GAP_PT)
    ):
        item_x = chars[1]["x0"]
        text = text.lstrip()[1:].lstrip()
    return _Row(
        text=text,
        top=float(line["top"]),
        bottom=float(line["bottom"]),
        x0=float(line["x0"]),
        x1=float(line["x1"]),
        kind="item" if item_x is not None else "text",
        item_x=item_x,
    )


def _attach_links(page, rows: list[_Row]) -> None:
    for link in page.hyperlinks or []:
        uri = link.get("uri")
        if not uri:
            continue
        middle = (float(link["top"]) + float(link["bottom"])) / 2
        row = next((r for r in rows if r.top - 1 <= middle <= r.bottom + 1), None)
        if row is None:
            continue
        shown = (page.within_bbox(_inside((link["x0"], link["top"], link["x1"], link["bottom"]), page)).extract_text() or "").strip()
        row.links = row.links + (Link(unwrap_lines(shown) or uri, uri),)


# ---------------------------------------------------------------- running header and footer


def _running_lines(pages: list[list[_Row]], heights: list[float]) -> tuple[dict[tuple[int, int], str], dict[int, int]]:
    """{(page index, id(row)): shown text} of the running lines, and {page index: printed number}.

    A line is running when it stands in the top or bottom band and its text,
    digits folded, recurs within SAME_HEIGHT_PT of the same height on at least
    RUNNING_MIN_SHARE of the pages that have text.
    """
    with_text = sum(1 for rows in pages if rows)
    need = max(2, int(RUNNING_MIN_SHARE * with_text + 0.999))
    by_key: dict[str, list[tuple[int, _Row]]] = defaultdict(list)
    for k, rows in enumerate(pages):
        band = BAND_SHARE * heights[k]
        for row in rows:
            if row.top <= band or row.bottom >= heights[k] - band:
                by_key[_fold(row.text)].append((k, row))
    running: dict[tuple[int, int], str] = {}
    numbers: dict[int, int] = {}
    for key, found in by_key.items():
        tops = [row.top for _, row in found]
        typical = statistics.median(tops)
        at_height = [(k, row) for k, row in found if abs(row.top - typical) <= SAME_HEIGHT_PT]
        if len({k for k, _ in at_height}) < need:
            continue
        shown = "(sivunumero)" if LONE_NUMBER_RE.match(at_height[0][1].text) else at_height[0][1].text
        for k, row in at_height:
            running[(k, id(row))] = shown
            number = LONE_NUMBER_RE.match(row.text)
            if number:
                numbers[k] = int(number.group(1))
    return running, numbers


def _fold(text: str) -> str:
    return DIGITS_RE.sub("#", " ".join(text.split()))


def _printed_numbers(numbers: dict[int, int], count: int) -> list[int]:
    """Each page's number: its place in the file shifted by the offset most printed numbers show."""
    offsets = Counter(number - (k + 1) for k, number in numbers.items())
    offset = offsets.most_common(1)[0][0] if offsets else 0
    return [k + 1 + offset for k in range(count)]


# ---------------------------------------------------------------- lines and paragraphs


def _page_lines(rows: list[_Row], left: float, right: float) -> list[Line]:
    """The body rows of a page as model lines, a blank line between paragraphs.

    A blank line also ends the page unless its last line is full width (the
    paragraph goes on on the next page).
    """
    if not rows:
        return []
    steps = [b.top - a.top for a, b in zip(rows, rows[1:]) if a.kind == b.kind == "text" and b.top > a.top]
    # The line pitch is the usual step inside a paragraph: the low end of the steps, since on a
    # page of one-line entries most steps are paragraph gaps.
    pitch = sorted(steps)[len(steps) // 5] if steps else 0.0
    lines: list[Line] = []
    item_x: float | None = None
    for k, row in enumerate(rows):
        if k:
            prev = rows[k - 1]
            gap = row.top - prev.top
            if row.kind == "row" or prev.kind == "row" or (pitch and gap > PARAGRAPH_GAP_PITCHES * pitch):
                lines.append(BLANK)
                item_x = None
        kind = row.kind
        if kind == "item":
            item_x = row.item_x
        elif kind == "text" and item_x is not None and abs(row.x0 - item_x) > 2:
            item_x = None  # back at the margin: the list has ended
            if lines and lines[-1].text:
                lines.append(BLANK)
        lines.append(Line(row.text, kind, row.cells, row.links, round(row.top, 1), round(row.bottom, 1)))
    last = rows[-1]
    full = right > left and (last.x1 - left) >= FULL_LINE_SHARE * (right - left)
    if not full or last.kind == "row":
        lines.append(BLANK)
    return lines
