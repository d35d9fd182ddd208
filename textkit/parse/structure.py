"""The structure parser: themes, headers, funding, sections and passages from the page model.

It knows nothing of file formats: every reader (TXT, PDF, DOCX) hands it a
`Document` of pages and lines (see `model.py`), and it reads the report form
from that alone. Pages are taken as the reader gives them; no page is inferred
here.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass, field

from textkit.errors import TextkitError
from textkit.parse.model import Document, Line
from textkit.parse.text import (
    FUNDING_LABELS,
    NARRATIVE_SECTIONS,
    PAGE_MARK,
    SECTION_HEADING_RE,
    SECTION_NUMBERS,
    SENTENCE_END_RE,
    THEME_START_RE,
    is_gap as _is_gap,
    join_hyphenated,
    parse_euros,
    slugify,
    unwrap_lines,
)
from textkit.types import Edition, Funding, Passage, Section, Theme

__all__ = ["parse_document", "format_summary", "MAX_PASSAGE_CHARS", "TARGET_PASSAGE_CHARS"]

# Passages are paragraphs; a longer paragraph is cut at sentence ends into ~TARGET-sized pieces.
MAX_PASSAGE_CHARS = 1200
TARGET_PASSAGE_CHARS = 800

# A passage that ends in ":" leads in the list after it; the two make one passage.
LEAD_IN_RE = re.compile(r":\s*$")
JOIN_LISTS = True
# Lists are joined to their lead-in in sections 1–6; section 7 is the project list (one record each).
LIST_JOIN_SECTIONS = (1, 2, 3, 4, 5, 6)
# An unmarked list item is a short line (longer ones are paragraphs of their own).
SHORT_ITEM_CHARS = 250
# A list marker at a passage start, whatever case follows: "- viranomaiset", "-Vammaisten", "2) ", "1. ".
ITEM_MARKER_RE = re.compile(r"^\s*(?:[-•–▪]\s?\S|\d{1,2}[.)]\s)")
PARAGRAPH_END_RE = re.compile(r"[.!?:;)”\"]\s*$")
LOWERCASE_START_RE = re.compile(r"^[a-zåäö]")
# A list item at a line start: "- Sana", "1) Sana", "2. Sana", or a project code "S30165 …"/"R-01402 …".
LIST_ITEM_LINE_RE = re.compile(r"^\s*(?:(?:[-•–▪]\s?|\d{1,2}[.)]\s+)[A-ZÅÄÖ]|(?:S\d{5}|R-\d{5})\s)")
SENTENCE_BOUNDARY_RE = re.compile(r"(?<=[.!?])\s+(?=[A-ZÅÄÖ0-9”\"])")
# "mm. Valtioneuvoston", "esim. Kela": a short lower-case abbreviation is no sentence end.
ABBREVIATION_END_RE = re.compile(r"(?:^|\s)(?:mm|esim|ns|n|ml|ko|yms|tms|vrt|ks|eli|mrd|milj|os|puh|p|s|v|ym)\.$")
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
WEB_TARGET_RE = re.compile(r"^(?:https?://|mailto:|www\.)", re.I)
MAILTO_RE = re.compile(r"^mailto:", re.I)
SCHEME_RE = re.compile(r"(?i)\b(?:https?://|mailto:)(?:www\.)?|\bwww\.")
REPORT_DATE_RE = re.compile(r"Katsaus\s+(\d{1,2})\.(\d{1,2})\.(\d{4})")
# The parse report warns of a line of at least REPEAT_MIN_CHARS that stands on REPEAT_SHARE of
# the pages (and on at least REPEAT_MIN_PAGES) and is inside passages.
REPEAT_MIN_CHARS = 12
REPEAT_MIN_PAGES = 3
REPEAT_SHARE = 0.3
TITLE_LINE_RE = re.compile(r"toteutuskatsaus", re.I)


def parse_document(
    document: Document,
    *,
    year: int,
    title: str | None = None,
    reporting_date: str | None = None,
) -> Edition:
    """Themes → sections → passages of one edition, read from its page model."""
    source = document.source
    lines, pages, meta = _flatten(document)
    if not any(line.strip() for line in lines):
        raise TextkitError(f"{source}: tiedosto on tyhjä (ei jäsennettävää tekstiä).")
    theme_starts = [i for i, line in enumerate(lines) if THEME_START_RE.match(line)]
    if not theme_starts:
        require_themes("", source)
    warnings: list[str] = []
    themes: list[Theme] = []
    bounds = theme_starts + [len(lines)]
    for number, (start, end) in enumerate(zip(bounds, bounds[1:]), start=1):
        themes.append(
            _parse_theme(lines[start:end], pages[start:end], meta[start:end], number, year, source, warnings)
        )
    _dedupe_theme_ids(themes)
    warnings.extend(_report_warnings(document, themes, source))
    front = "\n".join(line for line in lines[: theme_starts[0]] if not line.startswith(PAGE_MARK))
    return Edition(
        year=year,
        title=title or document.title or _edition_title(front) or f"ESR+ Valtakunnallisten teemojen toteutuskatsaus {year}",
        reporting_date=reporting_date or _reporting_date(front) or "",
        source=source,
        themes=tuple(themes),
        warnings=tuple(warnings),
        pages=_page_count(document),
        removed=document.removed,
        removed_count=document.removed_count,
    )


def format_summary(edition: Edition) -> str:
    """The parse report in Finnish (the CLI's output without --json): themes, sections and
    passages found, the pages, what was removed as running header/footer, and the warnings."""
    passages = edition.passages()
    sections = sum(len(t.sections) for t in edition.themes)
    lines = [
        f"{edition.title} ({edition.year}, katsaus {edition.reporting_date or '?'}) — {edition.source}",
        f"{_count(len(edition.themes), 'teema', 'teemaa')}, {_count(sections, 'osio', 'osiota')}, "
        f"{_count(len(passages), 'kappale', 'kappaletta')}, {_count(len(edition.warnings), 'varoitus', 'varoitusta')}",
        f"{_count(edition.pages, 'sivu', 'sivua')}" if edition.pages
        else "sivuja ei tiedetä (tiedostoon ei ole tallennettu sivunvaihtoja)",
    ]
    if edition.removed:
        lines.append(f"poistettu ylä- ja alatunnisteina: {_count(edition.removed_count, 'rivi', 'riviä')} sivuilta, "
                     "eli " + "; ".join(f"'{line}'" for line in edition.removed))
    lines.append("")
    for theme in edition.themes:
        counts = " ".join(f"{s.number}:{len(s.passages)}" for s in theme.sections)
        lines.append(f"{theme.number:2d}. {theme.name}")
        lines.append(f"    tunniste {theme.id} | {theme.ministry or '-'} | {theme.period or '-'} | "
                     f"kappaleita osioittain {counts}")
    for warning in edition.warnings:
        lines.append(f"varoitus: {warning}")
    return "\n".join(lines)


def _count(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


def _page_count(document: Document) -> int | None:
    numbers = [page.number for page in document.pages if page.number is not None]
    return max(numbers) if numbers else None


def _report_warnings(document: Document, themes: list[Theme], source: str) -> list[str]:
    """What looks wrong after parsing: a line repeating on many pages inside passages (a
    running header or footer the reader did not recognise), a funding row without any amount,
    a theme with none of the narrative sections 2–5."""
    warnings: list[str] = []
    pages_with: dict[str, set[int]] = {}
    for k, page in enumerate(document.pages):
        for line in page.lines:
            text = " ".join(line.text.split())
            if len(text) >= REPEAT_MIN_CHARS and line.kind != "row":
                pages_with.setdefault(text, set()).add(k)
    counted = sum(1 for page in document.pages if page.lines)
    need = max(REPEAT_MIN_PAGES, int(REPEAT_SHARE * counted))
    passages = [p.text for t in themes for s in t.sections for p in s.passages]
    for text, on in pages_with.items():
        if len(on) >= need and any(text in p for p in passages):
            warnings.append(f"{source}: rivi '{text[:80]}' toistuu {len(on)} sivulla kappaleiden sisällä "
                            "(ylä- tai alatunniste?).")
    for theme in themes:
        for f in theme.funding:
            if not f.text.strip():
                warnings.append(f"{source}: teema {theme.number} ({theme.name}): rahoituksen {f.key}) {f.label} summa puuttuu.")
        if not any(s.passages for s in theme.sections if s.number in NARRATIVE_SECTIONS):
            warnings.append(f"{source}: teema {theme.number} ({theme.name}): yhdessäkään kertovista osioista 2–5 ei ole tekstiä.")
    return warnings


def reporting_date_in(text: str) -> str | None:
    """The ISO reporting date of a "Katsaus dd.mm.yyyy" line near the start of a text, else None."""
    return _reporting_date(text)


def require_themes(text: str, source: str) -> None:
    """Refuse a text that has no theme start at all (it is not a theme review)."""
    if any(THEME_START_RE.match(line) for line in text.split("\n")):
        return
    raise TextkitError(
        f"{source}: tämä ei näytä ESR+-teemakatsaukselta: yhtään teemaa "
        "('Valtakunnallinen teema') ei löytynyt."
    )


# ---------------------------------------------------------------- the page model as a line stream


def _flatten(document: Document) -> tuple[list[str], list[int | None], list[Line]]:
    """The pages as one line stream: a page mark line between pages, each line with its page.

    A table row whose first cell starts a theme ("Valtakunnallinen teema" |
    name) becomes two lines, as the form prints it.
    """
    lines: list[str] = []
    pages: list[int | None] = []
    meta: list[Line] = []
    for k, page in enumerate(document.pages):
        if k:
            lines.append(PAGE_MARK)
            pages.append(page.number)
            meta.append(Line(PAGE_MARK))
        for line in page.lines:
            if line.kind == "row" and len(line.cells) > 1 and THEME_START_RE.match(line.cells[0]):
                rest = " ".join(c for c in line.cells[1:] if c)
                for part in (Line(line.cells[0].strip()), Line(rest)):
                    lines.append(part.text)
                    pages.append(page.number)
                    meta.append(part)
                continue
            lines.append(_with_link_targets(line))
            pages.append(page.number)
            meta.append(line)
    return lines, pages, meta


def _with_link_targets(line: Line) -> str:
    """The line's text, followed by the address of each of its web links that the text does not show.

    A hyperlink shown as "Teemakuvaus Rakennerahastot.fi -sivustolla" keeps its
    address in the passage, so it is searchable and cited like a printed one.
    """
    text = line.text
    for link in line.links:
        target = link.target
        if not WEB_TARGET_RE.match(target):
            continue
        shown = MAILTO_RE.sub("", target)
        if _bare_address(shown) not in _bare_address(text):
            text = f"{text} ({shown})"
    return text


def _bare_address(text: str) -> str:
    return SCHEME_RE.sub("", text).rstrip("/").lower()




@dataclass
class _SectionDraft:
    number: int
    title_lines: list[str]
    body: list[int] = field(default_factory=list)  # line indices into the theme's lines


def _parse_theme(
    lines: list[str],
    pages: list[int | None],
    meta: list[Line],
    number: int,
    year: int,
    source: str,
    warnings: list[str],
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
    label = f"teema {number} ({header['name']})"
    found_numbers = [d.number for d in drafts]
    for missing in SECTION_NUMBERS:
        if missing not in found_numbers:
            warnings.append(f"{source}: {label}: osio {missing} puuttuu.")

    sections: list[Section] = []
    for draft in drafts:
        paragraphs = _paragraphs(
            [lines[k] for k in draft.body], [pages[k] for k in draft.body], [meta[k].kind for k in draft.body]
        )
        if draft.number in LIST_JOIN_SECTIONS:
            numbered = _join_lists(paragraphs)
        else:
            numbered = [(k, text, page, ()) for k, (text, page, _) in enumerate(paragraphs, start=1)]
        passages = tuple(
            Passage(
                id=f"{year}-{number:02d}-{draft.number}-{ordinal:03d}",
                edition=year,
                theme_id=theme_id,
                section=draft.number,
                page=page,
                text=text,
            )
            for ordinal, text, page, _ in numbered
        )
        absorbed = tuple(
            (f"{year}-{number:02d}-{draft.number}-{gone:03d}", f"{year}-{number:02d}-{draft.number}-{ordinal:03d}")
            for ordinal, _, _, gones in numbered
            for gone in gones
        )
        if draft.number in NARRATIVE_SECTIONS and not passages:
            warnings.append(f"{source}: {label}: osio {draft.number} on tyhjä.")
        sections.append(
            Section(
                number=draft.number,
                title=unwrap_lines(join_hyphenated("\n".join(draft.title_lines))),
                text="\n\n".join(p.text for p in passages),
                passages=passages,
                links=tuple(link for k in draft.body for link in meta[k].links),
                absorbed_ids=absorbed,
            )
        )
    from textkit.parse.projects import projects_of

    seven = next((s for s in sections if s.number == 7), None)
    seven_rows = tuple(meta[k].cells for d in drafts if d.number == 7 for k in d.body if meta[k].kind == "row")
    return Theme(
        projects=projects_of(seven, theme_id, seven_rows),
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
        warnings.append(f"{source}: teema {number} ({name}): otsaketietoja (yhteystiedot, ministeriö, kausi, rahoitus) ei tunnistettu.")
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


def _paragraphs(lines: list[str], pages: list[int | None], kinds: list[str]) -> list[tuple[str, int | None, bool]]:
    """(text, page, marked as a list item by the reader) per paragraph of a section body.

    Paragraphs are blank-line separated; page marks are transparent; a list item
    (marked so by the reader, or by its marker at a line start) begins a new paragraph; a paragraph that stops mid-sentence
    and is followed by one starting in lower case is the same paragraph (the
    extraction put a blank line inside it). Paragraphs longer than
    MAX_PASSAGE_CHARS are cut at sentence ends into passages of similar size.
    """
    groups: list[list[tuple[str, int | None]]] = []
    items: set[int] = set()  # groups that the reader marked as list items
    current: list[tuple[str, int | None]] = []
    for line, page, kind in zip(lines, pages, kinds):
        if line.startswith(PAGE_MARK):
            continue
        if line == "" or (current and (kind == "item" or LIST_ITEM_LINE_RE.match(line))):
            if current:
                groups.append(current)
            current = [] if line == "" else [(line, page)]
            if kind == "item" and line:
                items.add(len(groups))
            continue
        if not current and kind == "item":
            items.add(len(groups))
        current.append((line, page))
    if current:
        groups.append(current)

    merged: list[list[tuple[str, int | None]]] = []
    item_groups: set[int] = set()  # id() of the merged groups that start with a reader-marked item
    for k, group in enumerate(groups):
        if (
            merged
            and k not in items
            and not PARAGRAPH_END_RE.search(merged[-1][-1][0])
            and LOWERCASE_START_RE.match(group[0][0].lstrip())
        ):
            merged[-1].extend(group)
        else:
            merged.append(list(group))
            if k in items:
                item_groups.add(id(merged[-1]))

    out: list[tuple[str, int | None, bool]] = []
    for group in merged:
        is_item = id(group) in item_groups
        text = ""
        starts: list[tuple[int, int | None]] = []
        for line, page in group:
            starts.append((len(text) + 1 if text else 0, page))
            text = unwrap_lines(join_hyphenated(text + "\n" + line)) if text else unwrap_lines(line)
        if not text:
            continue
        for k, (chunk_start, chunk) in enumerate(_split_long(text)):
            page = next((pg for offset, pg in reversed(starts) if offset <= chunk_start), starts[0][1])
            out.append((chunk, page, is_item and k == 0))
    return out


def _join_lists(paragraphs: list[tuple[str, int | None, bool]]) -> list[tuple[int, str, int | None, tuple[int, ...]]]:
    """(ordinal, text, page, ordinals absorbed) of the passages, a lead-in ending in ":" joined with its list.

    A lead-in ("…kohderyhmiä, joita ovat:") takes the passage after it, and then
    every following list item: a marked item (by the reader, or "- ", "1) ") when
    the list is marked, a short unmarked line when it is not, and whatever
    follows an item that is itself a lead-in. Over MAX_PASSAGE_CHARS the group
    is cut at item boundaries, nothing repeated. Each passage keeps the ordinal
    of its first paragraph, so the id of a passage whose text did not change
    stays the same (the absorbed items' ids are gone, not reused).
    """
    out: list[tuple[int, str, int | None, tuple[int, ...]]] = []
    k = 0
    while k < len(paragraphs):
        text, page, _ = paragraphs[k]
        if not (JOIN_LISTS and LEAD_IN_RE.search(text) and k + 1 < len(paragraphs)):
            out.append((k + 1, text, page, ()))
            k += 1
            continue
        group = [k, k + 1]
        marked = _marked(paragraphs[k + 1])
        short_list = not marked and _short_item(paragraphs[k + 1])  # else a paragraph under a sub-heading
        j = k + 2
        while j < len(paragraphs):
            previous, candidate = paragraphs[j - 1], paragraphs[j]
            if (
                LEAD_IN_RE.search(previous[0])
                or (marked and _marked(candidate))
                or (short_list and _short_item(candidate) and not LEAD_IN_RE.search(candidate[0]))
            ):
                group.append(j)
                j += 1
            else:
                break
        out.extend(_pack(group, paragraphs))
        k = j
    return out


def _marked(paragraph: tuple[str, int | None, bool]) -> bool:
    return paragraph[2] or ITEM_MARKER_RE.match(paragraph[0]) is not None


def _short_item(paragraph: tuple[str, int | None, bool]) -> bool:
    return len(paragraph[0]) <= SHORT_ITEM_CHARS and not ITEM_MARKER_RE.match(paragraph[0])


def _pack(group: list[int], paragraphs) -> list[tuple[int, str, int | None, tuple[int, ...]]]:
    """The paragraphs of one lead-in group as passages of at most MAX_PASSAGE_CHARS, cut between items."""
    out: list[tuple[int, str, int | None, tuple[int, ...]]] = []
    current: list[int] = []
    for index in group:
        joined = " ".join(paragraphs[i][0] for i in current + [index])
        if current and len(joined) > MAX_PASSAGE_CHARS:
            # A lead-in inside the group goes with what it leads in, not at the end of a piece.
            carry = [current.pop()] if len(current) > 1 and LEAD_IN_RE.search(paragraphs[current[-1]][0]) else []
            out.append(_passage_of(current, paragraphs))
            current = carry
        current.append(index)
    out.append(_passage_of(current, paragraphs))
    return out


def _passage_of(indices: list[int], paragraphs) -> tuple[int, str, int | None, tuple[int, ...]]:
    # An item the reader marked (a bullet the format drew) is shown with a dash where it joins others.
    parts = [("- " if paragraphs[i][2] and k else "") + paragraphs[i][0] for k, i in enumerate(indices)]
    return indices[0] + 1, " ".join(parts), paragraphs[indices[0]][1], tuple(i + 1 for i in indices[1:])


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


