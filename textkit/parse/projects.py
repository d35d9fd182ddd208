"""Section 7 as records: the funded projects of a theme (code, name, implementers, lead, period).

Read from the passages of section 7, so every format gives the same records. The
lists are printed in several ways, and each entry is read by its parts' shape:

* an entry starts with a project code (``S30977``, ``R-01402``, a six-digit
  application number) or an ordinal ("4. R-00784 …"), or is a line of its own;
* a period is two dates joined by a dash ("1.9.2024 – 31.8.2026");
* implementers follow "Toteuttaja(t)", "Hakija", "Päähankkeen toteuttaja" (then
  "Osahankkeen toteuttajat"), or the last ": " of the entry ("Nimi: Oy");
  "(päätoteuttaja)", "/ päätoteuttaja" and "Päähankkeen toteuttaja" mark the lead;
* a group project ("R-01402 MERIT 1.9.2024 – 31.8.2026") takes the code lines
  under it that name only an organisation ("S30977 Lab-ammattikorkeakoulu Oy
  (päätoteuttaja)") as its implementers; a line that starts with
  "Hakija"/"Toteuttaja" belongs to the entry before it;
* a line with neither a code nor an implementer (a sub-heading, a table
  heading) is no project.
"""

from __future__ import annotations

import re

from textkit.types import Implementer, Project, Section

__all__ = ["projects_of"]

CODE = r"(?:S\d{5}|R-\d{5}|\d{6})"
ENTRY_RE = re.compile(rf"^(?:\d{{1,2}}\.\s+)?(?P<codes>(?:{CODE}\s+)*)(?P<rest>.*)$", re.S)
EMBEDDED_CODE_RE = re.compile(rf"\s(?={CODE}\s+[A-ZÅÄÖ])")
PERIOD_RE = re.compile(r"\(?\b(\d{1,2}\.\d{1,2}\.\d{4})\s*[–—-]\s*(\d{1,2}\.\d{1,2}\.\d{4})\)?")
IMPLEMENTER_RE = re.compile(
    r"(?:[,.]\s*|\s+|^)(?P<lead>Päähankkeen toteuttaja|Toteuttajat?|toteuttajat?|Hakija)\s*:?\s+"
)
PART_RE = re.compile(r"\s*Osahankkeen toteuttajat?\s*:?\s*")
COST_RE = re.compile(r"[.,]?\s*Kustannusarvio\b.*$", re.S)
URL_RE = re.compile(r"\s*(?:https?://|www\.)\S+")
LEAD_MARK_RE = re.compile(r"\s*(?:\(päätoteuttaja\)|/\s*päätoteuttaja)\s*", re.I)
PART_MARK_RE = re.compile(r"\s*(?:\(osatoteuttaja\)|/\s*osatoteuttaja)\s*", re.I)
AND_SPLIT_RE = re.compile(r"\s+ja\s+(?=[A-ZÅÄÖ])")
NOTE_RE = re.compile(r"\((?:Teeman koordinaatiohanke|koordinaatiohanke)\)", re.I)


def projects_of(section: Section | None, theme_id: str) -> tuple[Project, ...]:
    """The project records of a theme's section 7 (empty where there is no section 7)."""
    if section is None:
        return ()
    projects: list[Project] = []
    group: Project | None = None  # an open group project collecting its implementers
    for passage in section.passages:
        for piece in EMBEDDED_CODE_RE.split(passage.text):
            piece = piece.strip()
            if not piece:
                continue
            entry = _entry(piece, theme_id, passage.id)
            if entry is None:
                continue
            if entry.name == "" and entry.implementers and projects and not entry.code:
                # "Hakija Taiteen edistämiskeskus" under "S30006 Luova verkko".
                last = projects.pop()
                projects.append(_with(last, last.implementers + entry.implementers))
                continue
            if group is not None and entry.code and not entry.period and not entry.implementers \
                    and not entry.code.startswith("R-"):
                # "S30977 Lab-ammattikorkeakoulu Oy (päätoteuttaja)" under a group project.
                lead = bool(LEAD_MARK_RE.search(piece))
                name = _clean_org(LEAD_MARK_RE.sub(" ", entry.name))
                projects[-1] = _with(projects[-1], projects[-1].implementers + (Implementer(name, entry.code, lead),))
                group = projects[-1]
                continue
            if (not entry.code and not entry.implementers) or piece.endswith(":"):
                continue  # a sub-heading, a table heading or a lead-in
            projects.append(entry)
            group = entry if entry.code.startswith("R-") and entry.period and not entry.implementers else None
    return tuple(projects)


def _entry(text: str, theme_id: str, passage_id: str) -> Project | None:
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
    rest = NOTE_RE.sub("", rest).strip()
    name, implementers = _split_implementers(rest)
    # An R code with an S code ("S30298 R-00493 …"): the group's code names the project.
    code = next((c for c in codes if c.startswith("R-")), codes[0] if codes else "")
    return Project(theme_id=theme_id, code=code, name=name.strip(" ,.:"), implementers=implementers,
                   period=period, passage_id=passage_id)


def _split_implementers(rest: str) -> tuple[str, tuple[Implementer, ...]]:
    match = IMPLEMENTER_RE.search(rest)
    if match:
        name, listed = rest[: match.start()], rest[match.end():]
        lead_given = match.group("lead") == "Päähankkeen toteuttaja"
    elif ": " in rest:
        name, _, listed = rest.rpartition(": ")
        lead_given = False
    elif LEAD_MARK_RE.search(rest) or PART_MARK_RE.search(rest):
        # "Kotoa kohti työelämää … Espoon kaupunki / päätoteuttaja": the name cannot be told
        # from the organisation without a separator, so the whole text is kept as the name.
        return LEAD_MARK_RE.sub(" ", PART_MARK_RE.sub(" ", rest)).strip(), ()
    else:
        return rest, ()
    if PART_RE.search(listed):
        lead_part, part_part = PART_RE.split(listed, maxsplit=1)
    else:
        lead_part, part_part = listed, ""
    people: list[Implementer] = []
    for k, org in enumerate(_orgs(lead_part)):
        lead = bool(LEAD_MARK_RE.search(org)) or (lead_given and k == 0)
        people.append(Implementer(_clean_org(LEAD_MARK_RE.sub(" ", org)), "", lead))
    for org in _orgs(part_part):
        people.append(Implementer(_clean_org(org), "", False))
    return name, tuple(p for p in people if p.name)


def _orgs(text: str) -> list[str]:
    parts: list[str] = []
    for piece in re.split(r",\s*", text.strip(" .")):
        parts.extend(AND_SPLIT_RE.split(piece))
    return [p.strip() for p in parts if p.strip()]


def _clean_org(text: str) -> str:
    return " ".join(PART_MARK_RE.sub(" ", text).split()).strip(" ,.;/")


def _with(project: Project, implementers: tuple[Implementer, ...]) -> Project:
    import dataclasses

    return dataclasses.replace(project, implementers=implementers)
