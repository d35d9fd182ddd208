"""The funded projects of an edition (its sections 7 as records), for `textkit projects`.

The records themselves are parsed in `textkit.parse.projects`; this stage picks an edition
and a theme, filters by organisation, and formats the list for people (text), programs
(JSON) and spreadsheets (CSV/XLSX through `textkit.ui.projects_table`).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path

from textkit.types import Edition

__all__ = ["ProjectList", "list_projects", "format_projects", "projects_json"]


@dataclass(frozen=True)
class ProjectList:
    """The projects of one edition, narrowed to a theme and/or an organisation."""

    edition: Edition          # the edition with only the chosen themes, each with only the matching projects
    theme: str | None         # the chosen theme's id, None for all
    organisation: str         # the organisation filter as given, "" for none

    @property
    def count(self) -> int:
        return sum(len(t.projects) for t in self.edition.themes)


def list_projects(*, theme: str | None = None, edition: int | None = None, organisation: str = "",
                  corpus_dir: str | Path | None = None) -> ProjectList:
    """The funded projects of an edition (default: the latest), of one theme (id, number or a part
    of its id) or all, optionally only those with an implementer whose name contains
    `organisation` (case-insensitive)."""
    from textkit.compare import _edition, _find_theme
    from textkit.corpus import load_editions

    ed = _edition(load_editions(corpus_dir), edition)
    themes = (_find_theme(ed, theme),) if theme else ed.themes
    wanted = organisation.strip().casefold()
    if wanted:
        themes = tuple(dataclasses.replace(t, projects=tuple(
            p for p in t.projects if any(wanted in i.name.casefold() for i in p.implementers))) for t in themes)
    return ProjectList(edition=dataclasses.replace(ed, themes=tuple(themes)),
                       theme=themes[0].id if theme else None, organisation=organisation.strip())


def format_projects(found: ProjectList) -> str:
    """Per theme: code, name, period, then the implementers (lead marked) on the next line."""
    lines = [f"Rahoitetut hankkeet, vuosikatsaus {found.edition.year}: {found.count} hanketta"
             + (f" (toteuttaja: {found.organisation})" if found.organisation else "")]
    for theme in found.edition.themes:
        if not theme.projects and (found.organisation or found.theme is None):
            continue
        lines += ["", f"{theme.number}. {theme.name} ({len(theme.projects)})"]
        if not theme.projects:
            lines.append("  (osiossa 7 ei ole hankeluetteloa)")
        for project in theme.projects:
            head = "  " + "  ".join(x for x in (project.code or "–", project.name, project.period) if x)
            people = ", ".join(
                i.name + (f" ({i.code})" if i.code else "") + (" – päätoteuttaja" if i.lead else "")
                for i in project.implementers)
            lines.append(head)
            lines.append(f"      {people or '(toteuttajaa ei ole painettu)'}")
    return "\n".join(lines)


def projects_json(found: ProjectList) -> dict:
    """The list as JSON: the edition, and each project with its theme's number and name."""
    from textkit.types import to_dict

    return {
        "edition": found.edition.year,
        "theme": found.theme,
        "organisation": found.organisation or None,
        "count": found.count,
        "projects": [{"theme_number": t.number, "theme_name": t.name, **to_dict(p)}
                     for t in found.edition.themes for p in t.projects],
    }
