"""DOCX reader: the page model from the Word file's own structure.

* Body paragraphs and tables in document order; the headers and footers of
  the document's sections are never read (they hold the running title, the
  page number and the address block).
* A table row is one line of kind "row" with its cells (each cell's text on
  one line), a paragraph with list numbering (``w:numPr``, also through its
  style) or a list style is a list item, every other paragraph a text block.
* Hyperlinks keep their shown text and their target (``w:hyperlink`` with a
  relationship or an anchor, and ``HYPERLINK`` fields).
* Pages come only from what Word saved: ``w:lastRenderedPageBreak`` (where a
  page began when the file was last laid out), page breaks (``w:br
  w:type="page"``) and ``pageBreakBefore``; several such marks with no text
  between them are one page break. A file without any saved layout
  (``w:lastRenderedPageBreak`` nowhere) has unknown pages: every page number
  is None. No page is ever guessed from the text.
"""

from __future__ import annotations

import re

from textkit.errors import TextkitError
from textkit.limits import check_zip
from textkit.parse.model import BLANK, Document, Line, Page
from textkit.parse.text import unwrap_lines
from textkit.types import Link

__all__ = ["read_docx"]

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
R_ID = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"
HYPERLINK_FIELD_RE = re.compile(r'HYPERLINK\s+"([^"]+)"(?:\s+\\l\s+"([^"]+)")?')
LIST_STYLE_RE = re.compile(r"list|luettelo|bullet", re.I)


def read_docx(data: bytes, name: str) -> Document:
    """The page model of a Word document (see the module docstring)."""
    import io
    import zipfile

    try:
        import docx
    except ImportError:  # pragma: no cover - declared dependency
        raise TextkitError(".docx-tiedostojen lukeminen tarvitsee python-docx-paketin: pip install python-docx") from None
    check_zip(data, name)  # a decompression bomb is refused before python-docx inflates it
    try:
        document = docx.Document(io.BytesIO(data))
    except (zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise TextkitError(f"{name}: tiedosto ei ole luettava Word (.docx) -tiedosto ({exc}).") from None
    except Exception as exc:  # python-docx raises its own types for broken packages
        raise TextkitError(f"{name}: tiedosto ei ole luettava Word (.docx) -tiedosto ({type(exc).__name__}).") from None
    body = document.element.body
    reader = _BodyReader(document, saved_layout=body.find(f".//{W}lastRenderedPageBreak") is not None)
    reader.read(body)
    pages = reader.pages()
    if not any(line.text for page in pages for line in page.lines):
        raise TextkitError(f"{name}: Word-asiakirjassa ei ole tekstiä.")
    return Document(source=name, format="docx", pages=tuple(pages))


class _BodyReader:
    """Walks the body once, cutting lines into pages at the saved page breaks."""

    def __init__(self, document, saved_layout: bool) -> None:
        self._rels = {rid: rel for rid, rel in document.part.rels.items()}
        self._list_styles = _list_style_ids(document)
        self.saved_layout = saved_layout
        self._page: int | None = 1 if saved_layout else None
        self._pending_break = False
        self._done: list[Page] = []
        self._lines: list[Line] = []

    # -- pages

    def _signal_break(self) -> None:
        self._pending_break = True

    def _text_starts(self) -> None:
        """Text is about to be emitted: a pending break opens the next page first."""
        if self._pending_break and self.saved_layout:
            self._close_page()
            self._page = (self._page or 0) + 1
        self._pending_break = False

    def _close_page(self) -> None:
        self._done.append(Page(self._page, tuple(self._lines)))
        self._lines = []

    def pages(self) -> list[Page]:
        self._close_page()
        return [page for page in self._done if page.lines or page is self._done[0]]

    # -- blocks

    def read(self, body) -> None:
        for child in body:
            tag = child.tag
            if tag == f"{W}p":
                self._paragraph(child)
            elif tag == f"{W}tbl":
                self._table(child)
            elif tag == f"{W}sdt":
                content = child.find(f"{W}sdtContent")
                if content is not None:
                    self.read(content)

    def _paragraph(self, p) -> None:
        props = p.find(f"{W}pPr")
        if props is not None:
            before = props.find(f"{W}pageBreakBefore")
            if before is not None and before.get(f"{W}val") not in ("0", "false", "off"):
                self._signal_break()
        kind = "item" if _is_list_item(props, self._list_styles) else "text"
        pieces: list[tuple[str, tuple[Link, ...]]] = []  # the paragraph's lines (soft breaks split it)
        text: list[str] = []
        links: list[Link] = []

        def flush() -> None:
            line = unwrap_lines("".join(text))
            if line:
                pieces.append((line, tuple(links)))
            text.clear()
            links.clear()

        for event, value in self._runs(p):
            if event == "text":
                if value.strip() and self._pending_break and not "".join(text).strip():
                    # The first text after a saved break: what came before stays on the old page.
                    if pieces:
                        self._emit(pieces, kind)
                        pieces, kind = [], "text"  # the rest continues the same paragraph or item
                    self._text_starts()
                text.append(value)
            elif event == "link":
                links.append(value)
            elif event == "line":
                flush()
            elif event == "page":
                flush()
                self._signal_break()
        flush()
        self._emit(pieces, kind)
        if self._lines and self._lines[-1].text:
            self._lines.append(BLANK)

    def _emit(self, pieces: list[tuple[str, tuple[Link, ...]]], kind: str) -> None:
        for k, (line, links) in enumerate(pieces):
            self._lines.append(Line(line, kind if k == 0 else "text", (), links))

    def _table(self, tbl) -> None:
        for tr in tbl.iter(f"{W}tr"):
            if tr.getparent() is not tbl:
                continue  # rows of nested tables are read as text of their cell
            cells: list[str] = []
            links: list[Link] = []
            for tc in tr.findall(f"{W}tc"):
                parts: list[str] = []
                for p in tc.iter(f"{W}p"):
                    for kind_of, value in self._runs(p):
                        if kind_of == "text":
                            if value.strip():
                                self._text_starts()
                            parts.append(value)
                        elif kind_of == "link":
                            links.append(value)
                        elif kind_of == "page":
                            self._signal_break()
                        else:
                            parts.append(" ")
                    parts.append("\n")
                cells.append(unwrap_lines("".join(parts)))
            if any(cells):
                self._lines.append(Line(" ".join(c for c in cells if c), "row", tuple(cells), tuple(links)))
                self._lines.append(BLANK)

    # -- runs

    def _runs(self, p):
        """("text", str) / ("link", Link) / ("line", None) / ("page", None) in document order.

        Deleted text (``w:del``) is skipped; inserted text (``w:ins``) and
        hyperlink runs are read where they stand.
        """
        field_target: str | None = None
        in_field_result = False
        field_text: list[str] = []
        for el in p.iter():
            tag = el.tag
            if tag == f"{W}del" or _inside(el, f"{W}del", p):
                continue
            if tag == f"{W}t":
                text = el.text or ""
                if in_field_result:
                    field_text.append(text)
                yield "text", text
            elif tag == f"{W}tab":
                yield "text", " "
            elif tag == f"{W}br":
                yield ("page", None) if el.get(f"{W}type") == "page" else ("line", None)
            elif tag == f"{W}lastRenderedPageBreak":
                yield "page", None
            elif tag == f"{W}hyperlink":
                target = self._link_target(el)
                shown = "".join(t.text or "" for t in el.iter(f"{W}t"))
                if target:
                    yield "link", Link(unwrap_lines(shown) or target, target)
            elif tag == f"{W}instrText":
                match = HYPERLINK_FIELD_RE.search(el.text or "")
                if match:
                    field_target = match.group(1) + (f"#{match.group(2)}" if match.group(2) else "")
            elif tag == f"{W}fldChar":
                kind = el.get(f"{W}fldCharType")
                if kind == "separate" and field_target:
                    in_field_result, field_text = True, []
                elif kind == "end":
                    if in_field_result and field_target:
                        yield "link", Link(unwrap_lines("".join(field_text)) or field_target, field_target)
                    field_target, in_field_result = None, False

    def _link_target(self, el) -> str | None:
        rid = el.get(R_ID)
        if rid and rid in self._rels:
            rel = self._rels[rid]
            target = rel.target_ref if rel.is_external else None
            if target:
                anchor = el.get(f"{W}anchor")
                return f"{target}#{anchor}" if anchor else target
        anchor = el.get(f"{W}anchor")
        return f"#{anchor}" if anchor else None


def _inside(el, tag: str, stop) -> bool:
    parent = el.getparent()
    while parent is not None and parent is not stop:
        if parent.tag == tag:
            return True
        parent = parent.getparent()
    return False


def _is_list_item(props, list_styles: set[str]) -> bool:
    if props is None:
        return False
    if props.find(f"{W}numPr") is not None:
        return True
    style = props.find(f"{W}pStyle")
    return style is not None and style.get(f"{W}val") in list_styles


def _list_style_ids(document) -> set[str]:
    """Paragraph styles that number their paragraphs or are named as lists."""
    found = set()
    for style in document.styles.element.iter(f"{W}style"):
        sid = style.get(f"{W}styleId") or ""
        name_el = style.find(f"{W}name")
        name = name_el.get(f"{W}val") if name_el is not None else ""
        props = style.find(f"{W}pPr")
        if (props is not None and props.find(f"{W}numPr") is not None) or LIST_STYLE_RE.search(name or sid):
            found.add(sid)
    return found
