"""Referenced years: which calendar years a Finnish sentence speaks of.

"vuonna 2023", "keväällä 2025", "1.11.2024", "vuoden 2025 alussa", "2023–2024",
"talvella 2023-2024" all name years explicitly. Relative phrases ("tulevana
vuonna", "ensi syksynä", "viime vuonna", "tänä vuonna") are resolved against
the edition's year, because with a single edition they carry most of the
"planned for next year" signal of section 4.

Not years: web addresses (".../2024/10/09/..."), names glued to a number
("eura2021", "TE2024", "EURA 2021"), decades ("2020-luvulla"), amounts
("2000 merkkiä", "n. 2000 ihmistä") and programme periods longer than
`MAX_RANGE_YEARS` ("2021–2027" is the programme, not a year the text is about).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

MIN_YEAR = 1990
MAX_YEAR = 2049
MAX_RANGE_YEARS = 4   # "2023–2024" expands to both; "2021–2027" (the programme period) is skipped


@dataclass(frozen=True)
class YearMention:
    """One place in a text that refers to one or more calendar years."""

    start: int
    end: int
    text: str
    years: tuple[int, ...]
    relative: bool = False   # resolved from "tulevana vuonna" etc. against the edition year


def year_mentions(text: str, edition_year: int | None = None) -> list[YearMention]:
    """Every year reference in `text`, in text order.

    `edition_year` resolves relative phrases; without it they are ignored.
    """
    masked = _mask_urls(text)
    mentions: list[YearMention] = []
    taken: list[tuple[int, int]] = []
    # Every range and year starts "19" or "20": without them the two scans find nothing.
    numbers = "19" in masked or "20" in masked
    for m in _RANGE_RE.finditer(masked) if numbers else ():
        first = int(m.group("first"))
        last = _expand_two_digit(first, m.group("last"))
        taken.append(m.span())
        if last is None or not first < last <= first + MAX_RANGE_YEARS - 1:
            continue   # a programme period or nonsense: not a year the text is about
        mentions.append(YearMention(m.start(), m.end(), text[m.start():m.end()], tuple(range(first, last + 1))))
    for m in _YEAR_RE.finditer(masked) if numbers else ():
        if any(a <= m.start() < b for a, b in taken):
            continue
        year = int(m.group("year"))
        if year % 100 == 0 and not _YEAR_CUE_RE.search(masked[max(0, m.start() - 25):m.start()]):
            continue   # "2000 merkkiä", "n. 2000 ihmistä": a round amount, not a year
        mentions.append(YearMention(m.start(), m.end(), text[m.start():m.end()], (year,)))
    if edition_year is not None:
        for m in _RELATIVE_RE.finditer(masked):
            offset = _RELATIVE_OFFSETS[m.group("when").lower()]
            mentions.append(YearMention(m.start(), m.end(), text[m.start():m.end()],
                                        (edition_year + offset,), relative=True))
    mentions.sort(key=lambda mention: (mention.start, mention.end))
    return mentions


def referenced_years(text: str, edition_year: int | None = None) -> tuple[int, ...]:
    """The distinct years `text` speaks of, ascending."""
    return tuple(sorted({y for m in year_mentions(text, edition_year) for y in m.years}))


def sentence_years(text: str, spans: list[tuple[int, int]],
                   edition_year: int | None = None) -> list[tuple[int, ...]]:
    """Referenced years of each sentence, given the sentence character spans of `text`."""
    mentions = year_mentions(text, edition_year)
    result: list[tuple[int, ...]] = []
    for start, end in spans:
        years = {y for m in mentions if start <= m.start < end for y in m.years}
        result.append(tuple(sorted(years)))
    return result


# ---------------------------------------------------------------- patterns

_YEAR = r"(?:19[9]\d|20[0-4]\d)"
_NOT_AFTER = r"(?<![\w/€$£])(?<!\beura )(?<!\besr )(?<!\bte )"   # "eura2021", "EURA 2021", "TE 2024"
_NOT_BEFORE = r"(?![\d]|[.,]\d|\s*-?\s*luv|\s*-?\s*luku|\s*%|\s*€|\s*e\b|\s*euro)"

_RANGE_RE = re.compile(
    _NOT_AFTER + rf"(?P<first>{_YEAR})\s*[-–—]\s*(?:\d{{1,2}}\.\d{{1,2}}\.)?(?P<last>{_YEAR}|\d{{2}})" + _NOT_BEFORE,
    re.IGNORECASE,
)
_YEAR_RE = re.compile(_NOT_AFTER + rf"(?P<year>{_YEAR})" + _NOT_BEFORE, re.IGNORECASE)

# Words right before a round number that make it a year ("vuonna 2000", "1.1.2000", "keväällä 2000").
_YEAR_CUE_RE = re.compile(
    r"(?:vuo(?:n|s|d)\w*|\d{1,2}\.\d{1,2}\.|\w+kuu(?:ssa|sta|hun|n)|kevä\w*|kesä\w*|syks\w*|syksy\w*|talv\w*)\s*$",
    re.IGNORECASE,
)

_URL_RE = re.compile(r"(?:https?://|www\.)\S+|\S+\.(?:fi|com|org|eu|net)/\S*", re.IGNORECASE)

# Relative references, resolved against the edition year (the review is written in the autumn,
# so "ensi keväänä" and "tulevana vuonna" both point to the following year).
_RELATIVE_OFFSETS = {
    "tänä": 0, "tämän": 0, "kuluvana": 0, "kuluvan": 0,
    "ensi": 1, "tulevana": 1, "tulevan": 1, "seuraavana": 1, "seuraavan": 1,
    "viime": -1, "edellisenä": -1, "edellisen": -1,
}
_RELATIVE_RE = re.compile(
    r"(?<!\w)(?P<when>tänä|tämän|kuluvana|kuluvan|ensi|tulevana|tulevan|seuraavana|seuraavan|viime|edellisenä|edellisen)"
    r"\s+(?:vuon(?:na|en)|vuoden|vuotena|vuodelle|vuodeksi|kevää(?:nä|n|lle)|kesä(?:nä|n|lle)|syksy(?:nä|n|lle)|talve(?:na|n|lle))(?!\w)",
    re.IGNORECASE,
)


def _mask_urls(text: str) -> str:
    """Blank out web addresses (same length, so offsets stay valid): their digits are not years."""
    if "/" not in text and "www." not in text.lower():
        return text   # every address _URL_RE matches has one of them (the quick test saves the scan)
    return _URL_RE.sub(lambda m: " " * (m.end() - m.start()), text)


def _expand_two_digit(first: int, last: str) -> int | None:
    if len(last) == 4:
        return int(last)
    candidate = first // 100 * 100 + int(last)
    return candidate if candidate > first else None
