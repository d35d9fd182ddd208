"""Immutable records that flow through the pipeline and serialise to the CLI's JSON.

Each stage adds its own records here (parse: Edition … Passage; index: Hit;
topics: Topic; excerpts: Excerpt). Records are frozen dataclasses; `to_dict`
gives the JSON shape.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any


def to_dict(record: Any) -> Any:
    """JSON-ready form of a record (tuples become lists, nested records dicts)."""
    if dataclasses.is_dataclass(record) and not isinstance(record, type):
        return {
            f.name: to_dict(getattr(record, f.name))
            for f in dataclasses.fields(record)
            if not f.metadata.get("private")  # e.g. contact details: personal data stays out of JSON
        }
    if isinstance(record, (list, tuple)):
        return [to_dict(item) for item in record]
    if isinstance(record, dict):
        return {str(k): to_dict(v) for k, v in record.items()}
    return record


@dataclass(frozen=True)
class Funding:
    """One of the four funding figures a–d of a theme header."""

    key: str            # "a", "b", "c" or "d"
    label: str          # e.g. "julkinen rahoituskehys"
    text: str           # as printed, e.g. "14 000 000 e", "13 M€+10 M€", "ei vielä"
    euros: float | None  # the amount in euros, None where the report gives none


@dataclass(frozen=True)
class Link:
    """A hyperlink: the text shown and the address it points to."""

    text: str
    target: str


@dataclass(frozen=True)
class Implementer:
    """An organisation carrying out a funded project (section 7)."""

    name: str
    code: str = ""       # its own project code in a group project ("S30977"), where printed
    lead: bool = False   # the lead implementer (päätoteuttaja, päähankkeen toteuttaja)


@dataclass(frozen=True)
class Project:
    """A funded project listed in a theme's section 7."""

    theme_id: str
    code: str            # "S30977", "R-01402" (a group project), "" where none is printed
    name: str
    implementers: tuple[Implementer, ...]
    period: str          # "1.9.2024 – 31.8.2026", "" where none is printed
    passage_id: str      # the section 7 passage it is printed in (search and citations use it)


@dataclass(frozen=True)
class Passage:
    """A paragraph-sized piece of a section: the unit of search, topics and excerpts."""

    id: str             # stable: "<year>-<theme number>-<section>-<ordinal>", e.g. "2024-01-2-003"
    edition: int
    theme_id: str
    section: int
    # Page its first words are printed on (1-based): from the PDF's pages, the pages Word saved
    # in a DOCX, or counted from a text file's page artefacts; None where the file cannot tell
    # (a DOCX without saved page breaks). Never guessed.
    page: int | None
    text: str


@dataclass(frozen=True)
class Section:
    number: int         # 1–7
    title: str          # heading as printed, joined onto one line
    text: str           # cleaned text: passages joined by blank lines
    passages: tuple[Passage, ...]
    links: tuple[Link, ...] = ()  # hyperlinks of the section in order (shown text, target), where the file has them
    # (old id, id of the passage that now holds it): list items that were passages of their own
    # before they joined their lead-in, so ids saved earlier still find their text.
    absorbed_ids: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Theme:
    id: str             # stable slug of the name
    number: int         # order in the edition, 1-based
    name: str
    ministry: str
    period: str
    funding: tuple[Funding, ...]
    sections: tuple[Section, ...]
    # Contact persons as printed in the header: personal data, kept out of
    # passages and of the JSON output (`to_dict` skips private fields).
    contacts: str = dataclasses.field(default="", repr=False, compare=False, metadata={"private": True})
    projects: tuple[Project, ...] = ()  # section 7 as records

    def section(self, number: int) -> Section | None:
        return next((s for s in self.sections if s.number == number), None)


@dataclass(frozen=True)
class Edition:
    year: int
    title: str
    reporting_date: str  # ISO date, e.g. "2024-10-31"
    source: str          # file name
    themes: tuple[Theme, ...]
    warnings: tuple[str, ...] = ()
    # The parse report: how many pages the file has (None: it does not tell, a DOCX without
    # saved pages) and what was removed as running header/footer (each distinct line once).
    pages: int | None = None
    removed: tuple[str, ...] = ()
    removed_count: int = 0

    def passages(self, sections: tuple[int, ...] | None = None) -> list[Passage]:
        return [
            p
            for t in self.themes
            for s in t.sections
            if sections is None or s.number in sections
            for p in s.passages
        ]
