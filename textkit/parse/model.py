"""The page model every reader produces and the structure parser reads.

A `Document` is pages of lines. A line is one line of text as the reader saw
it, or one structural unit the format itself marks: a table row (its cells
kept), a list item, a paragraph of a Word file. An empty line separates blocks
(paragraphs), as a blank line does in a text file. Positions are kept where
the format has them (PDF: the line's top and bottom on its page, in points).
A page's number is the number printed/saved for it, or None where the format
cannot tell (a Word file without saved page breaks).
"""

from __future__ import annotations

from dataclasses import dataclass

from textkit.types import Link

__all__ = ["Link", "Line", "Page", "Document", "LINE_KINDS"]

# "text": a line of running text; "item": a list item (marker removed);
# "row": a table row (cells in `cells`, `text` their joined text).
LINE_KINDS = ("text", "item", "row")


@dataclass(frozen=True)
class Line:
    text: str                           # "" separates blocks
    kind: str = "text"                  # one of LINE_KINDS
    cells: tuple[str, ...] = ()         # for kind "row": the cell texts, left to right
    links: tuple[Link, ...] = ()        # hyperlinks on this line, in order
    top: float | None = None            # position on the page where the format has one (PDF, points)
    bottom: float | None = None


BLANK = Line("")


@dataclass(frozen=True)
class Page:
    number: int | None                  # printed/saved page number; None = unknown
    lines: tuple[Line, ...]


@dataclass(frozen=True)
class Document:
    """What a reader made of one file."""

    source: str                         # file name, for messages
    format: str                         # "txt", "pdf" or "docx"
    pages: tuple[Page, ...]
    title: str | None = None            # the title on the cover, where the reader found one
    removed: tuple[str, ...] = ()       # running header/footer lines removed (one entry per distinct line)
    removed_count: int = 0              # how many lines were removed as running header/footer in all
