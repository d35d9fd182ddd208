"""Small pure text helpers every reader and the structure parser share (``str -> str``).

Constants of the report form (section numbers, funding labels, size limits)
live here too, so that other modules can import them without pulling in a reader.
"""

from __future__ import annotations

import re
import unicodedata

__all__ = [
    "SECTION_NUMBERS",
    "NARRATIVE_SECTIONS",
    "FUNDING_LABELS",
    "MAX_FILE_BYTES",
    "PAGE_MARK",
    "join_hyphenated",
    "unwrap_lines",
    "normalize_whitespace",
    "short_title",
    "slugify",
    "strip_accents",
    "parse_euros",
    "year_from_name",
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
# A line starting with a form feed marks a page break in a flat line stream
# (the TXT clean-up's output, and the structure parser's view of the page model).
PAGE_MARK = "\f"

# Line-end hyphen: "ESR-" / "tekoäly- " / "Suomi -".
LINE_END_HYPHEN_RE = re.compile(r"(\S)(\s?)-[ \t]*\n[ \t]*(?=\S)")
CONJUNCTION_RE = re.compile(r"(?:ja|tai|sekä|eli|ja/tai|and|or)\b")
WHITESPACE_RUN_RE = re.compile(r"[ \t\u00a0]+")
MAX_TAIL_RE = re.compile(r"\s*\(max\.?\s*[\d\s]*merkkiä\)\.?\s*$", re.I)
AMOUNT_RE = re.compile(
    r"(?P<number>\d{1,3}(?:[ \u00a0]\d{3})+(?:,\d+)?|\d+(?:[,.]\d+)?)\s*"
    r"(?P<scale>milj(?:\.|oonaa|oona)?|M(?=\s*€|\s*e\b|\s|$)|t\.?\s*€|tuhatta)?",
)
PARENTHESES_RE = re.compile(r"\([^)]*\)")
YEAR_RE = re.compile(r"(?<!\d)(20\d\d|19\d\d)(?!\d)")
SLUG_DROP_RE = re.compile(r"[^a-z0-9]+")


def normalize_whitespace(text: str) -> str:
    """Unify line ends, drop a BOM, make whitespace-only lines empty."""
    text = text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n").replace("\u00a0", " ")
    return "\n".join("" if not line.strip(" \t") else line for line in text.split("\n"))


def join_hyphenated(text: str) -> str:
    """Rejoin words split at a line-end hyphen, keeping the hyphen.

    In the reports a line-end hyphen is a real one: "ESR-" + "hankkeiden" ->
    "ESR-hankkeiden", "tasa-" + "arvo" -> "tasa-arvo". A hyphen before a
    conjunction is a suspended compound ("tekoäly- ja"), " -" + "hanke"
    is the spaced compound "Suomi -ohjelma", and " -" + a capitalised word a
    dash ("työelämään - Maahanmuuttaneiden").
    """

    def join(match: re.Match[str]) -> str:
        before, space = match.group(1), match.group(2)
        rest = text[match.end():]
        if space:
            return f"{before} - " if rest[:1].isupper() else f"{before} -"
        if CONJUNCTION_RE.match(rest):
            return f"{before}- "
        return f"{before}-"

    return LINE_END_HYPHEN_RE.sub(join, text)


def unwrap_lines(text: str) -> str:
    """Join the lines of one paragraph with single spaces."""
    return WHITESPACE_RUN_RE.sub(" ", " ".join(line.strip() for line in text.split("\n"))).strip()


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



# ---------------------------------------------------------------- patterns of the report form
# Shared by the TXT clean-up (which needs to know where a theme starts a page)
# and the structure parser.

THEME_START_RE = re.compile(r"^\s*Valtakunnallinen teema\s*$")
SENTENCE_END_RE = re.compile(r"[.!?:)]\s*$")
# In double-spaced text a blank line before any list marker is kept ("- julkiset …").
LIST_MARKER_RE = re.compile(r"^\s*(?:\d{1,2}\)|[-•–▪]\s)")
SECTION_HEADING_RE = re.compile(r"^\s*(?P<number>[1-7])\)\s+(?P<title>\S.*)$")


def is_gap(line: str) -> bool:
    """A blank line or a page mark: what separates blocks of text."""
    return line == "" or line.startswith(PAGE_MARK)
