"""Section 7 as records: the funded projects of a theme (code, name, implementers, lead, period).

Read from the passages of section 7, so every format gives the same records. The
lists are printed in several ways, and each entry is read by its parts' shape:

* an entry starts with a project code (``S30977``, ``R-01402``, a six-digit
  application number) or an ordinal ("4. R-00784 …"), or is a line of its own; it
  ends at its cost ("Kustannusarvio 1 486 003 €.") or its web address when another
  entry follows in the same paragraph;
* a line without a code continues the entry before it where it cannot stand alone:
  it starts with "/", a lead marker, a legal form ("Oy") or a lower-case word, it
  names the implementers ("Toteuttaja: …") of an entry that has none, or the entry
  before it has a code and no implementer yet (a table cell wrapped over lines);
* a period is two dates joined by a dash ("1.9.2024 – 31.8.2026"), or two years in
  brackets after the name ("(2024–2027)");
* the implementers follow, in this order of preference: "Toteuttaja(t)", "Hakija",
  "Päähankkeen toteuttaja" (then "Osahankkeen toteuttajat"); the last ": " ("Nimi:
  Oy"); a spaced " / " ("Syrjimättä / Silta-Valmennusyhdistys ry"); the first ", "
  before a list of capitalised names whose last one looks like an organisation
  ("…koordinaatio, THL"); else an organisation at the end of the line, found by the
  words organisations' names end in (`corpus/organisations.toml`: legal forms such
  as "Oy", head words such as "kaupunki", "ammattikorkeakoulu", "säätiö");
* "(päätoteuttaja)", "/ päätoteuttaja" and "Päähankkeen toteuttaja" mark the lead,
  "/ osatoteuttaja" a partner;
* a group project ("R-01402 MERIT 1.9.2024 – 31.8.2026") takes the code lines
  under it that name only an organisation ("S30977 Lab-ammattikorkeakoulu Oy
  (päätoteuttaja)") as its implementers; rows that repeat a group's code with an
  application code ("S30298 R-00493 … Espoon kaupunki / päätoteuttaja") are one
  group project, each row an implementer with its application code;
* a line with neither a code nor an implementer (a sub-heading, a table
  heading) is no project.
"""

from __future__ import annotations

import dataclasses
import functools
import re
import tomllib
from pathlib import Path

from textkit.errors import TextkitError
from textkit.types import Implementer, Project, Section

__all__ = ["projects_of", "load_organisation_words", "split_trailing_organisation", "ORGANISATIONS_FILE"]

ORGANISATIONS_FILE = "organisations.toml"

CODE = r"(?:S\d{5}|R-\d{5}|\d{6})"
ENTRY_RE = re.compile(rf"^(?:\d{{1,2}}\.\s+)?(?P<codes>(?:{CODE}\s+)*)(?P<rest>.*)$", re.S)
CODE_START_RE = re.compile(rf"^(?:\d{{1,2}}\.\s+)?{CODE}(?:\s|$)")
EMBEDDED_CODE_RE = re.compile(rf"\s(?={CODE}\s+[A-ZÅÄÖ])")
BARE_CODES_RE = re.compile(rf"^\s*(?:\d{{1,2}}\.\s+)?(?:{CODE}\s*)+$")
# An entry ends at its cost or its web address when the next entry follows in the same paragraph.
# A web address may be wrapped after a "/" ("…/yhteistyokumppanit/ neuvokas-perhe-…/").
WEB = r"(?:https?://|www\.)\S+(?:\s+[a-z0-9][^\s/]*/\S*)*"
ENTRY_END_RE = re.compile(
    rf"(?:Kustannusarvio:?\s*\d[\d\s]*\d\s*€\.?|{WEB}|\(?/?\s*(?:pää|osa)toteuttaja\)?)(?=\s+[A-ZÅÄÖ])"
)
PERIOD_RE = re.compile(r"\(?\b(\d{1,2}\.\d{1,2}\.\d{4})\s*[–—-]\s*(\d{1,2}\.\d{1,2}\.\d{4})\)?")
YEAR_PERIOD_RE = re.compile(r"\s*\((\d{4})\s*[–—-]\s*(\d{4})\)\s*$")
IMPLEMENTER_RE = re.compile(
    r"(?:[,.:]\s*|\s+|^)(?P<lead>Päähankkeen toteuttaja|Toteuttajat?|toteuttajat?|Hakija)\s*:?\s+"
)
IMPLEMENTER_START_RE = re.compile(r"^(?:Päähankkeen toteuttaja|Toteuttajat?|Hakija)\b")
PART_RE = re.compile(r"\s*Osahankkeen toteuttajat?\s*:?\s*")
COST_RE = re.compile(r"[.,]?\s*Kustannusarvio\b.*$", re.S)
URL_RE = re.compile(rf"\s*{WEB}")
LEAD_MARK_RE = re.compile(r"\s*(?:\(päätoteuttaja\)|/\s*päätoteuttaja)\s*", re.I)
PART_MARK_RE = re.compile(r"\s*(?:\(osatoteuttaja\)|/\s*osatoteuttaja)\s*", re.I)
ROLE_MARK_START_RE = re.compile(r"^(?:/|\(?(?:pää|osa)toteuttaja\b)", re.I)
SLASH_SEPARATOR_RE = re.compile(r"\s+/\s+(?!\(?(?:pää|osa)toteuttaja)", re.I)
FIRST_NAME_COMMA_RE = re.compile(r",\s+(?=[A-ZÅÄÖ])")
AND_SPLIT_RE = re.compile(r"\s+ja\s+(?=[A-ZÅÄÖ])")
NOTE_RE = re.compile(r"\((?:Teeman koordinaatiohanke|koordinaatiohanke)\)", re.I)
ROLE_LABEL_RE = re.compile(r"^Koordinaatiohanke:?\s+(?=[A-ZÅÄÖ])")
BROKEN_COMPOUND_RE = re.compile(r"(?<=\w)-\s+(?!(?:ja|tai|sekä|och|eller)\b)(?=[a-zåäö])")
LOWER_START_RE = re.compile(r"^[a-zåäö]")
ACRONYM_RE = re.compile(r"^[A-ZÅÄÖ0-9][A-ZÅÄÖ0-9-]+$")
WORD_EDGE_PUNCT = " ,.;:()"


def projects_of(section: Section | None, theme_id: str,
                rows: tuple[tuple[str, ...], ...] = ()) -> tuple[Project, ...]:
    """The project records of a theme's section 7 (empty where there is no section 7).

    `rows` are the cells of the table rows the reader found in the section (PDF, DOCX): an entry
    printed as a table row with a code cell takes its name and implementers from its cells (the
    last filled cell is the implementer's), whatever the words are; the text rules decide only
    where the layout does not."""
    if section is None:
        return ()
    words = load_organisation_words()
    projects: list[Project] = []
    group: Project | None = None  # an open group project collecting its implementers
    for text, passage_id in _entries(section, words):
        cells = _row_of(text, rows)
        entry = _entry_from_cells(cells, theme_id, passage_id, words) if cells else None
        if entry is None:
            entry = _entry(text, theme_id, passage_id, words)
        if entry is None:
            continue
        if group is not None and entry.code and not entry.period and not entry.code.startswith("R-") \
                and not IMPLEMENTER_RE.search(_rest(text)):
            # "S30977 Lab-ammattikorkeakoulu Oy (päätoteuttaja)" under a group project.
            lead = bool(LEAD_MARK_RE.search(text))
            name = _clean_org(LEAD_MARK_RE.sub(" ", URL_RE.sub("", _rest(text))))
            projects[-1] = _with(projects[-1], projects[-1].implementers + (Implementer(name, entry.code, lead),))
            group = projects[-1]
            continue
        if not entry.code and not entry.implementers:
            continue  # a sub-heading, a table heading or a lead-in
        if projects and entry.code.startswith("R-") and projects[-1].code == entry.code:
            # The next row of the same group ("S30297 R-00493 …"): one more implementer.
            last = projects[-1]
            projects[-1] = dataclasses.replace(last, implementers=last.implementers + entry.implementers,
                                               period=last.period or entry.period)
            continue
        projects.append(entry)
        group = entry if entry.code.startswith("R-") and entry.period and not entry.implementers else None
    return tuple(projects)


def load_organisation_words(path: Path | None = None) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(legal forms, type words) from organisations.toml: the corpus folder's own file, else the
    one shipped with textkit. A broken file is an error."""
    if path is None:
        from textkit.paths import ROOT, corpus_dir

        path = corpus_dir() / ORGANISATIONS_FILE
        if not path.is_file():
            path = ROOT / "corpus" / ORGANISATIONS_FILE
    path = Path(path)
    try:
        stamp = path.stat().st_mtime_ns
    except OSError:
        return (), ()
    return _load_words(str(path), stamp)


def organisation_words_digest() -> str:
    """A digest of the organisation words in use (the parse cache is keyed by it)."""
    import hashlib

    return hashlib.sha256(repr(load_organisation_words()).encode("utf-8")).hexdigest()[:16]


def split_trailing_organisation(text: str, words=None) -> tuple[str, str] | None:
    """("JOKO Työelämään", "Keuruun kaupunki") for "JOKO Työelämään Keuruun kaupunki": the
    organisation that ends a line, told by how organisations' names end; None where none is.

    The head is the last word that is a legal form ("Oy", "ry") or ends in a type word
    ("kaupunki", "ammattikorkeakoulu"), followed only by capitalised words, acronyms and legal
    forms. Going left from it, the organisation takes:

    * before a lower-case type word ("Espoon seudun koulutuskuntayhtymä"): lower-case
      genitives ("seudun"), hyphen pairs ("ensi- ja"), then one capitalised word ("Espoon"),
      or two joined by "ja" ("Vantaan ja Keravan");
    * before a capitalised type word ("Suomen Humanistinen Ammattikorkeakoulu Oy"): the
      capitalised words ending in -n just before it, or one other capitalised word ("Haaga-Helia");
    * before a legal form alone ("Lentävä liitutaulu Oy", "Business Joensuu Oy"): up to three
      lower-case words back to a capitalised one, and the capitalised words just before that.

    The name keeps at least one word; where it would not, the line is all organisation.
    """
    legal, types = words if words is not None else load_organisation_words()
    tokens = text.split()
    for head in range(len(tokens) - 1, 0, -1):
        is_legal = _is_legal(tokens[head], legal)
        if not (is_legal or _is_type_word(tokens[head], types)):
            continue
        if not all(_may_follow_head(t, legal) for t in tokens[head + 1:]):
            continue
        start = head
        while is_legal and start - 1 >= 1 and _is_legal(tokens[start - 1], legal):
            start -= 1  # "Oy Ab"
        if is_legal and start - 1 >= 1 and _is_type_word(tokens[start - 1], types):
            start, is_legal = start - 1, False  # "… urheiluopisto oy": the type word is the head
        if is_legal:
            start = _start_before_legal_form(tokens, start)
            if start is not None and start - 1 >= 1 and _is_type_word(tokens[start - 1], types) \
                    and tokens[start - 1][0].islower():
                start = _start_before_lower_head(tokens, start - 1)  # "… liitto Arvo ry"
        elif tokens[start][0].isupper():
            if start - 1 >= 1 and not _capitalised_genitive(tokens[start - 1]) and _capitalised(tokens[start - 1]):
                start -= 1
            while start - 1 >= 1 and _capitalised_genitive(tokens[start - 1]):
                start -= 1
        else:
            start = _start_before_lower_head(tokens, start)
        if start is None:
            continue
        name = " ".join(tokens[:start]).strip(" ,–-")
        if not name:
            return None  # the whole line is the organisation ("Tampereen ammattikorkeakoulu Oy")
        return name, " ".join(tokens[start:])
    return None


def _start_before_lower_head(tokens: list[str], start: int) -> int:
    while start - 1 >= 0:
        if _lower_genitive(tokens[start - 1]):
            start -= 1
        elif start - 2 >= 0 and tokens[start - 1] == "ja" and tokens[start - 2].endswith("-"):
            start -= 2  # "ensi- ja turvakotiyhdistys"
        else:
            break
    if start - 2 >= 0 and tokens[start - 1] == "ja" and _capitalised_genitive(tokens[start - 2]) \
            and start < len(tokens) and _lower_genitive(tokens[start]):
        return start - 2  # "Terveyden ja hyvinvoinnin laitos"
    if start - 1 >= 0 and _capitalised(tokens[start - 1]):
        start -= 1
        if start - 2 >= 0 and tokens[start - 1] == "ja" and _capitalised_genitive(tokens[start - 2]):
            start -= 2
    return start


def _start_before_legal_form(tokens: list[str], start: int) -> int | None:
    k = start - 1
    lower = 0
    while k >= 1 and not _capitalised(tokens[k]):
        lower += 1
        if lower > 3 or not tokens[k].isalpha():
            return None
        k -= 1
    if k < 0 or not _capitalised(tokens[k]):
        return None
    while k - 1 >= 1:
        if _capitalised(tokens[k - 1]):
            k -= 1
        elif k - 2 >= 1 and tokens[k - 1] == "ja" and tokens[k - 2].endswith("-"):
            k -= 2  # "Turun Ensi- ja Turvakoti ry"
        else:
            break
    return k


# ---------------------------------------------------------------- entries


def _entries(section: Section, words) -> list[tuple[str, str]]:
    """The section's passages cut into entry texts, each with the passage it starts in."""
    entries: list[list[str]] = []  # [text, passage id]
    for passage in section.passages:
        for piece in _pieces(passage.text):
            if CODE_START_RE.match(piece):
                entries.append([piece, passage.id])
            elif entries and _continues(entries[-1][0], piece, words):
                entries[-1][0] = f"{entries[-1][0]} {piece}"
            elif piece.endswith(":"):
                entries.append(["", passage.id])  # a heading: nothing continues across it
            else:
                entries.append([piece, passage.id])
    return [(text, pid) for text, pid in entries if text]


def _pieces(text: str) -> list[str]:
    pieces: list[str] = []
    parts: list[str] = []
    for part in EMBEDDED_CODE_RE.split(text):
        if parts and BARE_CODES_RE.match(parts[-1]):
            parts[-1] = f"{parts[-1]} {part}"  # "S30298 R-00493 Kotoa …": both codes of one row
        else:
            parts.append(part)
    for part in parts:
        start = 0
        for end in ENTRY_END_RE.finditer(part):
            pieces.append(part[start:end.end()])
            start = end.end()
        pieces.append(part[start:])
    return [p.strip() for p in pieces if p.strip()]


def _continues(before: str, piece: str, words) -> bool:
    """Whether a line without a code belongs to the entry before it (see the module doc)."""
    legal, _ = words
    if not before or before.endswith(":"):
        return False
    if ROLE_MARK_START_RE.match(piece) or LOWER_START_RE.match(piece) or piece.strip(" .") in legal:
        return True
    if _broken_org(before, piece, words):
        return True
    rest = _rest(before)
    if (LEAD_MARK_RE.search(piece) or PART_MARK_RE.search(piece)) and CODE_START_RE.match(before) \
            and not (LEAD_MARK_RE.search(rest) or PART_MARK_RE.search(rest)):
        return True  # "Omnia / osatoteuttaja": the rest of the implementer cell
    if IMPLEMENTER_START_RE.match(piece):
        return not IMPLEMENTER_RE.search(rest)
    if not CODE_START_RE.match(before):
        return False
    # A code entry with no implementer yet: its cells wrapped onto the next lines.
    return not (IMPLEMENTER_RE.search(rest) or LEAD_MARK_RE.search(rest) or PART_MARK_RE.search(rest)
                or ": " in rest or SLASH_SEPARATOR_RE.search(rest) or split_trailing_organisation(rest, words))


def _broken_org(before: str, piece: str, words) -> bool:
    """"…, Oulun" + "Ammattikorkeakoulu Oy, …": a name cut where its head word opens the next line."""
    last = before.split()[-1] if before.split() else ""
    first = piece.split()[0] if piece.split() else ""
    return _capitalised_genitive(last) and _is_type_word(first, words[1])


def _rest(text: str) -> str:
    match = ENTRY_RE.match(text)
    return match.group("rest").strip() if match else text


def _row_of(text: str, rows: tuple[tuple[str, ...], ...]) -> tuple[str, ...] | None:
    """The table row an entry was printed as. An entry that goes on past its row ("… tuki ja" +
    "kielitietoinen ohjaus" on the next page: the row split at a page break) takes the rest into
    the row's name cell (the one before its last filled cell), where a wrapped row's text runs on."""
    entry = _normal(text)
    for cells in rows:
        joined = _normal(" ".join(c for c in cells if c))
        if not joined or not entry.startswith(joined) or (len(entry) > len(joined) and entry[len(joined)] != " "):
            continue
        rest = entry[len(joined):].strip()
        if not rest:
            return cells
        filled = [k for k, c in enumerate(cells) if c and c.strip()]
        if len(filled) < 2 or not LOWER_START_RE.match(rest):
            return None
        name = filled[-2]
        return tuple(f"{c} {rest}" if k == name else c for k, c in enumerate(cells))
    return None


def _normal(text: str) -> str:
    return " ".join(text.split())


def _entry_from_cells(cells: tuple[str, ...], theme_id: str, passage_id: str, words) -> Project | None:
    """A table row "S30298 | R-00493 | name | Espoon kaupunki / päätoteuttaja": the code cells,
    then the name's cells, the last filled cell the implementer(s). None where the row has no
    code cell or fewer than two other cells (the text rules read it then)."""
    filled = [_normal(c) for c in cells if c and c.strip()]
    codes = [c for c in filled if BARE_CODES_RE.match(c)]
    other = [c for c in filled if not BARE_CODES_RE.match(c)]
    if not codes or len(other) < 2 or IMPLEMENTER_RE.search(" ".join(other[:-1])):
        return None
    name = " ".join(other[:-1])
    listed = other[-1]
    lead = bool(LEAD_MARK_RE.search(listed))
    orgs = _orgs(LEAD_MARK_RE.sub(" ", PART_MARK_RE.sub(" ", listed)), words)
    head = _entry(f"{' '.join(codes)} {name}", theme_id, passage_id, words)
    implementers = tuple(Implementer(_clean_org(org), "", lead and k == 0) for k, org in enumerate(orgs))
    if head is None:
        return None
    own = " ".join(codes).split()
    own_code = next((c for c in own if c != head.code), "") if head.code.startswith("R-") else ""
    implementers = tuple(dataclasses.replace(i, code=own_code) for i in implementers if i.name)
    return dataclasses.replace(head, implementers=implementers)


def _entry(text: str, theme_id: str, passage_id: str, words) -> Project | None:
    match = ENTRY_RE.match(text)
    if match is None:
        return None
    codes = match.group("codes").split()
    rest = URL_RE.sub("", COST_RE.sub("", match.group("rest"))).strip()
    period = ""
    found = PERIOD_RE.search(rest)
    if found:
        period = f"{found.group(1)} – {found.group(2)}"
        rest = (rest[: found.start()] + " " + rest[found.end():]).strip()
    rest = ROLE_LABEL_RE.sub("", NOTE_RE.sub("", rest).strip())
    name, implementers = _split_implementers(rest, words)
    years = YEAR_PERIOD_RE.search(name)
    if years and not period:
        period = f"{years.group(1)} – {years.group(2)}"
        name = name[: years.start()]
    # An R code with an S code ("S30298 R-00493 …"): the group's code names the project, the
    # application code its implementer.
    code = next((c for c in codes if c.startswith("R-")), codes[0] if codes else "")
    own = next((c for c in codes if c != code), "")
    if own and code.startswith("R-"):
        implementers = tuple(dataclasses.replace(i, code=i.code or own) for i in implementers)
    return Project(theme_id=theme_id, code=code, name=name.strip(" ,.:"), implementers=implementers,
                   period=period, passage_id=passage_id)


def _split_implementers(rest: str, words) -> tuple[str, tuple[Implementer, ...]]:
    match = IMPLEMENTER_RE.search(rest)
    if match:
        name, listed = rest[: match.start()], rest[match.end():]
        lead_given = match.group("lead") == "Päähankkeen toteuttaja"
    elif ": " in rest:
        name, _, listed = rest.rpartition(": ")
        lead_given = False
    elif LEAD_MARK_RE.search(rest) or PART_MARK_RE.search(rest):
        # "… maahanmuuttajavanhemmille Espoon kaupunki / päätoteuttaja": a table row whose
        # cells lost their border; the organisation is told by how its name ends.
        lead = bool(LEAD_MARK_RE.search(rest))
        bare = " ".join(LEAD_MARK_RE.sub(" ", PART_MARK_RE.sub(" ", rest)).split())
        found = split_trailing_organisation(bare, words)
        if found is None:
            return bare, ()
        return found[0], (Implementer(_clean_org(found[1]), "", lead),)
    elif SLASH_SEPARATOR_RE.search(rest):
        name, listed = SLASH_SEPARATOR_RE.split(rest, maxsplit=1)
        lead_given = False
    else:
        listed = _listed_after_comma(rest, words)
        if listed is not None:
            name, listed = rest[: -len(listed)].rstrip(" ,"), listed
            lead_given = False
        else:
            found = split_trailing_organisation(rest, words)
            if found is None:
                return rest, ()
            return found[0], (Implementer(_clean_org(found[1]), "", False),)
    if PART_RE.search(listed):
        lead_part, part_part = PART_RE.split(listed, maxsplit=1)
    else:
        lead_part, part_part = listed, ""
    people: list[Implementer] = []
    for k, org in enumerate(_orgs(lead_part, words)):
        lead = bool(LEAD_MARK_RE.search(org)) or (lead_given and k == 0)
        people.append(Implementer(_clean_org(LEAD_MARK_RE.sub(" ", org)), "", lead))
    for org in _orgs(part_part, words):
        people.append(Implementer(_clean_org(org), "", False))
    return name, tuple(p for p in people if p.name)


def _listed_after_comma(rest: str, words) -> str | None:
    """"SOS-Lapsikylä, Nuorten Akatemia ja Opetushallitus" in "…koordinaatio, SOS-Lapsikylä, …":
    the tail after the first ", " + capital, where every listed name is capitalised and the
    last looks like an organisation (an acronym, a legal form or a type word at its end)."""
    for comma in FIRST_NAME_COMMA_RE.finditer(rest):
        tail = rest[comma.end():]
        names = _orgs(tail, words)
        if names and all(n[:1].isupper() for n in names) and _looks_like_org(names[-1], words):
            return tail
        return None
    return None


def _looks_like_org(name: str, words) -> bool:
    legal, types = words
    tokens = name.split()
    last = tokens[-1].strip(WORD_EDGE_PUNCT)
    return bool(ACRONYM_RE.match(last)) or _is_legal(last, legal) or any(_is_type_word(t, types) for t in tokens)


def _orgs(text: str, words) -> list[str]:
    parts: list[str] = []
    for piece in re.split(r",\s*", text.strip(" .")):
        parts.extend(_split_and(piece, words))
    return [p.strip() for p in parts if p.strip()]


def _split_and(piece: str, words) -> list[str]:
    """"Kiipulasäätiö ja Ammattiopisto Spesia" → two; "Vantaan ja Keravan hyvinvointialue" and
    "Turun Ensi- ja Turvakoti ry" stay one (the left side is no organisation of its own)."""
    out: list[str] = []
    rest = piece
    while True:
        match = next((m for m in AND_SPLIT_RE.finditer(rest) if _stands_alone(rest[: m.start()], words)), None)
        if match is None:
            out.append(rest)
            return out
        out.append(rest[: match.start()])
        rest = rest[match.end():]


def _stands_alone(left: str, words) -> bool:
    left = left.strip()
    if not left or left.endswith("-"):
        return False
    return len(left.split()) > 1 or _looks_like_org(left, words)


def _is_type_word(token: str, types) -> bool:
    word = token.strip(WORD_EDGE_PUNCT).lower()
    return bool(word) and any(word.endswith(t) for t in types)


def _is_legal(token: str, legal) -> bool:
    lowered = {f.lower() for f in legal}
    return token.strip(" ,;").lower() in lowered or token.strip(WORD_EDGE_PUNCT).lower() in lowered


def _may_follow_head(token: str, legal) -> bool:
    bare = token.strip(WORD_EDGE_PUNCT)
    return bool(bare) and (_is_legal(token, legal) or bare[0].isupper())


def _capitalised_genitive(token: str) -> bool:
    # "Espoon", "Suomen", "Keski-Uudenmaan", and -nen adjectives ("Humanistinen").
    return token[:1].isupper() and token.endswith("n") and not token.endswith((",", ":"))


def _capitalised(token: str) -> bool:
    return token[:1].isupper() and not token.endswith((",", ":", "!", "?", ")", "."))


def _lower_genitive(token: str) -> bool:
    return token[:1].islower() and token.endswith("n") and token.isalpha()


def _clean_org(text: str) -> str:
    text = BROKEN_COMPOUND_RE.sub("-", text)  # "Laurea- ammattikorkeakoulu" (not "Ensi- ja")
    return " ".join(PART_MARK_RE.sub(" ", text).split()).strip(" ,.;/")


def _with(project: Project, implementers: tuple[Implementer, ...]) -> Project:
    return dataclasses.replace(project, implementers=implementers)


@functools.lru_cache(maxsize=4)
def _load_words(path: str, stamp: int) -> tuple[tuple[str, ...], tuple[str, ...]]:
    try:
        data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise TextkitError(f"Tiedosto {path} on virheellinen: {exc}") from exc
    lists = []
    for key in ("legal_forms", "type_words"):
        items = data.get(key, [])
        if not isinstance(items, list) or not all(isinstance(w, str) and w.strip() for w in items):
            raise TextkitError(f"Tiedosto {path}: {key} on luettelo sanoja, esimerkiksi {key} = [\"Oy\", \"ry\"].")
        lists.append(tuple(dict.fromkeys(w.strip() if key == "legal_forms" else w.strip().lower() for w in items)))
    return lists[0], lists[1]
