"""Parsing the ministry's PDF and DOCX files: time per page, leaked running lines, wrong pages.

Fixtures: the SYNTHETIC form files in tests/fixtures/form/ (the real 2024 text laid out as
the ministry's Word form and printed by LibreOffice; see tests/fixtures/make_form_fixtures.py)
and the real 2024 text file. For each file:

* **time**: `textkit parse FILE --json` in a fresh process (what a user runs), wall seconds,
  and per page;
* **leaked running lines**: how many times a running header/footer line (the lines the layout
  reader removed from the form PDF: title + date header, the address block) or a page number
  glued into text ("… 168 2 ESR+ …") appears inside a passage, a theme name or the title;
* **wrong pages**: passages of sections 2–5 whose first words are not printed on the page
  they carry (reference: pypdf's text of each page of the form PDF); a DOCX without saved
  pages counts `null` pages apart (unknown, not wrong);
* funding a–d differing from the text edition, and the lowest section 2–5 similarity;
* **section 7 records fully right** (also on the SYNTHETIC form-projects-table DOCX/PDF, whose
  section 7 is a ruled table): projects whose code, name, implementers (each with its
  code and lead mark, in order) and period all equal the 80 records read by hand off the real
  2024 text (bench/projects_judged/); and, for the rule that splits a name from its
  organisation where nothing separates them, the share of SYNTHETIC recombined rows (every
  judged project name × every judged organisation, as "CODE NAME ORG" and "CODE NAME ORG /
  päätoteuttaja") split right.

Baselines in the same run: the same PDFs through plain `pypdf` `extract_text` per page, cleaned
by the text reader's rules (what textkit did before the layout reader), and the DOCX read
paragraph by paragraph with the text rules applied on top of its page breaks (the previous
DOCX reader).
"""

from __future__ import annotations

import argparse
import dataclasses
import difflib
import json
import re
import subprocess
import sys
import time
from pathlib import Path

from output import emit  # bench/output.py: this script's folder is first on sys.path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
FORM = ROOT / "tests" / "fixtures" / "form"
TXT = ROOT / "corpus" / "toteutuskatsaus-2024.txt"
FILES = (
    ("PDF (form)", FORM / "toteutuskatsaus-2024-form.pdf"),
    ("PDF (2-line header, no page numbers)", FORM / "form-small-2line-header.pdf"),
    ("DOCX (saved pages)", FORM / "toteutuskatsaus-2024-form.docx"),
    ("DOCX (no saved pages)", FORM / "toteutuskatsaus-2024-form-nopages.docx"),
    ("TXT (2024)", TXT),
)
GLUED_NUMBER_RE = re.compile(r"\d \d{1,3} (?:ESR\+|PL \d)")
URL_RE = re.compile(r"(?:https?://|www\.)[^\s|]+")
JUDGED_PROJECTS = ROOT / "bench" / "projects_judged" / "toteutuskatsaus-2024.json"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--json", help="write the result object here")
    args = ap.parse_args(argv)

    from textkit.parse import parse_file, read_document

    reference = parse_file(TXT, year=2024)
    form_pdf = read_document(FORM / "toteutuskatsaus-2024-form.pdf")
    running = [line for line in form_pdf.removed if line != "(sivunumero)"]
    printed = _printed_pages(FORM / "toteutuskatsaus-2024-form.pdf")
    small_printed = _printed_pages(FORM / "form-small-2line-header.pdf")

    rows, targets, project_rates = [], [], []
    totals = {"textkit": [0, 0], "baseline": [0, 0]}
    for label, path in FILES:
        print(f"parse_formats: {label}", file=sys.stderr)
        seconds, edition = _timed_cli_parse(path)
        pages = _page_count(path, edition)
        pages_ref = small_printed if "small" in path.name else printed
        leaks = _leaks(edition, running)
        wrong, unknown = _wrong_pages(edition, pages_ref) if path.suffix != ".txt" else (None, 0)
        funding = _funding_diff(edition, reference)
        similarity = _min_similarity(edition, reference)
        records = _projects_right(edition, path)
        rows.append([label, "textkit", pages, round(seconds, 2), round(1000 * seconds / pages, 1), leaks,
                     _show(wrong, unknown), funding, similarity, records, _missing_addresses(edition, reference)])
        if "small" not in path.name:
            project_rates.append((label, records))
        if path.suffix != ".txt":
            totals["textkit"][0] += leaks
            totals["textkit"][1] += wrong or 0
        baseline = _baseline(path)
        if baseline is not None:
            b_seconds, b_edition, b_name, b_text = baseline
            if b_edition is None:  # the structure is not found at all: count the leaks in its text
                b_leaks = sum(b_text.count(line) for line in running)
                b_wrong, b_unknown, b_funding, b_similarity, b_records, b_missing = None, 0, "–", 0.0, "–", "–"
            else:
                b_leaks = _leaks(b_edition, running)
                b_wrong, b_unknown = _wrong_pages(b_edition, pages_ref)
                b_funding, b_similarity = _funding_diff(b_edition, reference), _min_similarity(b_edition, reference)
                b_records = _projects_right(b_edition, path)
                b_missing = _missing_addresses(b_edition, reference)
            rows.append([label, b_name, pages, round(b_seconds, 2), round(1000 * b_seconds / pages, 1), b_leaks,
                         _show(b_wrong, b_unknown), b_funding, b_similarity, b_records, b_missing])
            totals["baseline"][0] += b_leaks
            totals["baseline"][1] += b_wrong or 0

    targets.append({"name": "leaked running header/footer lines (all PDF/DOCX fixtures)",
                    "textkit": totals["textkit"][0], "baseline": totals["baseline"][0], "unit": "",
                    "target": "textkit 0", "pass": totals["textkit"][0] == 0})
    targets.append({"name": "passages of sections 2–5 on a wrong page (all PDF/DOCX fixtures)",
                    "textkit": totals["textkit"][1], "baseline": totals["baseline"][1], "unit": "",
                    "target": "textkit 0", "pass": totals["textkit"][1] == 0})
    from textkit.parse import parse_file as _parse

    for suffix in ("docx", "pdf"):
        table = _parse(FORM / f"form-projects-table.{suffix}", year=2024)
        names = {t.name: t.number for t in reference.themes}
        table = dataclasses.replace(table, themes=tuple(dataclasses.replace(t, number=names[t.name])
                                                        for t in table.themes))
        project_rates.append((f"{suffix.upper()} (section 7 as a ruled table, themes 3 and 11)",
                              _projects_right(table, FORM / f"form-projects-table.{suffix}")))
    worst = min(project_rates, key=lambda r: _fraction(r[1]))
    targets.append({"name": "section 7 records fully right (code, name, implementers with lead, period), "
                            "worst of TXT/PDF/DOCX", "textkit": worst[1], "baseline": "–", "unit": "",
                    "target": "all (80/80) in every format", "pass": _fraction(worst[1]) == 1.0,
                    "note": "; ".join(f"{label}: {value}" for label, value in project_rates)})
    split, total = _recombined_split_rate()
    targets.append({"name": "name | organisation split of SYNTHETIC recombined rows (judged names × judged "
                            "organisations, no separator)", "textkit": f"{split}/{total} ({100 * split / total:.1f} %)",
                    "baseline": "0 % (whole line kept as the name before)", "unit": "",
                    "target": "reported (no target set)", "pass": None})
    cold, warm = _cached_load_seconds()
    targets.append({"name": "loading a corpus with the 52-page form PDF in a fresh process (what each build "
                            "and app start does): parsed vs from the parse cache (models/parse-cache/)",
                    "textkit": round(warm, 2), "baseline": round(cold, 2), "unit": "s",
                    "target": "reported (no target set)", "pass": None})
    result = {
        "name": "parse_formats",
        "title": "Parsing PDF and DOCX editions (SYNTHETIC form fixtures from the real 2024 text)",
        "targets": targets,
        "tables": [{
            "title": "Per file (time: `textkit parse --json` in a fresh process; baseline: in process)",
            "columns": ["file", "reader", "pages", "seconds", "ms/page", "leaked lines", "wrong pages",
                        "funding a–d ≠ text", "min. similarity 2–5", "section 7 records right",
                        "section 6 addresses lost"],
            "rows": rows,
        }],
        "notes": [
            "Running lines counted: " + "; ".join(running) + "; and page numbers glued into text.",
            "Wrong pages: first 40 characters (whitespace removed) of each section 2–5 passage not in "
            "pypdf's text of the page it carries; 'unknown' = page null (a DOCX without saved pages).",
            "Baseline times are in-process (no interpreter start); textkit's include starting Python.",
        ],
    }
    emit(result, args.json)
    return 0


# ---------------------------------------------------------------- measuring


def _missing_addresses(edition, reference) -> int:
    """Web addresses printed in the text's sections 6 that the edition's sections 6 lack (the
    themes it has)."""
    by_name = {t.name: t for t in edition.themes}
    missing = 0
    for theme in reference.themes:
        other = by_name.get(theme.name)
        if other is None:
            continue
        kept = other.section(6).text if other.section(6) else ""
        missing += sum(1 for url in URL_RE.findall(theme.section(6).text if theme.section(6) else "")
                       if url.rstrip(".,;") not in kept)
    return missing


def _cached_load_seconds() -> tuple[float, float]:
    """Wall seconds of `load_editions()` in a fresh process on a corpus of the form PDF: first
    with an empty parse cache, then again with the entry the first run wrote."""
    import shutil
    import tempfile

    with tempfile.TemporaryDirectory(prefix="textkit-parse-cache-") as tmp:
        corpus, models = Path(tmp) / "corpus", Path(tmp) / "models"
        corpus.mkdir()
        shutil.copy(FORM / "toteutuskatsaus-2024-form.pdf", corpus / "toteutuskatsaus-2024-form.pdf")
        (corpus / "editions.toml").write_text('[[edition]]\nyear = 2024\nfile = "toteutuskatsaus-2024-form.pdf"\n',
                                              encoding="utf-8")
        env = {**__import__("os").environ, "TEXTKIT_CORPUS": str(corpus), "TEXTKIT_MODELS": str(models)}
        seconds = []
        for _ in range(2):
            started = time.perf_counter()
            subprocess.run([sys.executable, "-c", "from textkit.corpus import load_editions; load_editions()"],
                           check=True, cwd=ROOT, env=env)
            seconds.append(time.perf_counter() - started)
        return seconds[0], seconds[1]


def _projects_right(edition, path: Path) -> str:
    """"78/80": records equal to the judged ones (the small fixture: those of its themes)."""
    from collections import Counter

    judged = [_record_key(r["theme"], r["code"], r["name"], r["period"], r["implementers"])
              for r in json.loads(JUDGED_PROJECTS.read_text(encoding="utf-8"))]
    numbers = {t.number for t in edition.themes}
    judged = [r for r in judged if r[0] in numbers]
    got = [_record_key(t.number, p.code, p.name, p.period, [[i.name, i.code, i.lead] for i in p.implementers])
           for t in edition.themes for p in t.projects]
    return f"{sum((Counter(got) & Counter(judged)).values())}/{len(judged)}"


def _record_key(theme, code, name, period, implementers):
    return (theme, code, name, period, tuple(tuple(i) for i in implementers))


def _fraction(text: str) -> float:
    right, total = text.split("/")
    return int(right) / int(total)


def _recombined_split_rate() -> tuple[int, int]:
    from textkit.parse.projects import _entry, load_organisation_words

    words = load_organisation_words()
    judged = json.loads(JUDGED_PROJECTS.read_text(encoding="utf-8"))
    names = sorted({r["name"] for r in judged})
    orgs = sorted({i[0] for r in judged for i in r["implementers"]})
    right = total = 0
    for marker in ("", " / päätoteuttaja"):
        for name in names:
            for org in orgs:
                entry = _entry(f"S30001 {name} {org}{marker}", "t", "p", words)
                total += 1
                right += entry.name == name and [i.name for i in entry.implementers] == [org]
    return right, total


def _timed_cli_parse(path: Path):
    from textkit.parse import parse_document  # noqa: F401  (import check before timing)
    from textkit.types import Edition, Funding, Implementer, Passage, Project, Section, Theme

    started = time.perf_counter()
    out = subprocess.run([sys.executable, "-m", "textkit", "parse", str(path), "--year", "2024", "--json"],
                         capture_output=True, text=True, check=True, cwd=ROOT).stdout
    seconds = time.perf_counter() - started
    data = json.loads(out)
    themes = tuple(
        Theme(id=t["id"], number=t["number"], name=t["name"], ministry=t["ministry"], period=t["period"],
              funding=tuple(Funding(**f) for f in t["funding"]),
              sections=tuple(Section(number=s["number"], title=s["title"], text=s["text"],
                                     passages=tuple(Passage(**p) for p in s["passages"]))
                             for s in t["sections"]),
              projects=tuple(Project(**{**p, "implementers": tuple(Implementer(**i) for i in p["implementers"])})
                             for p in t.get("projects", [])))
        for t in data["themes"]
    )
    return seconds, Edition(year=data["year"], title=data["title"], reporting_date=data["reporting_date"],
                            source=data["source"], themes=themes)


def _baseline(path: Path):
    """The previous readers: plain pypdf text per page / python-docx paragraphs, then the text rules."""
    from textkit.errors import TextkitError
    from textkit.parse import PAGE_MARK, parse_text

    started = time.perf_counter()
    if path.suffix == ".pdf":
        from pypdf import PdfReader

        parts = []
        for number, page in enumerate(PdfReader(path).pages, start=1):
            parts += [f"{PAGE_MARK}@{number}", page.extract_text() or ""]
        name = "pypdf extract_text + text rules"
    elif path.suffix == ".docx":
        import docx
        from docx.table import Table

        parts = []
        for block in docx.Document(str(path)).iter_inner_content():
            if isinstance(block, Table):
                for row in block.rows:
                    for cell in row.cells:
                        parts += [cell.text, ""]
                continue
            xml = block._p.xml
            if 'w:type="page"' in xml or "lastRenderedPageBreak" in xml:
                parts.append(PAGE_MARK)
            parts += [block.text, ""]
        name = "python-docx paragraphs + text rules"
    else:
        return None
    text = "\n".join(parts)
    try:
        edition = parse_text(text, year=2024, source=path.name)
    except TextkitError as exc:
        reason = "no theme found" if "Valtakunnallinen teema" in str(exc) else str(exc).split(": ", 1)[-1][:40]
        return time.perf_counter() - started, None, f"{name} (parse fails: {reason})", text
    return time.perf_counter() - started, edition, name, text


def _printed_pages(pdf: Path) -> list[str]:
    from pypdf import PdfReader

    return ["".join((page.extract_text() or "").split()) for page in PdfReader(pdf).pages]


def _page_count(path: Path, edition) -> int:
    if path.suffix == ".pdf":
        from pypdf import PdfReader

        return len(PdfReader(path).pages)
    if path.suffix == ".docx":
        return len(_printed_pages(FORM / "toteutuskatsaus-2024-form.pdf"))  # the same layout
    return max((p.page or 0) for p in edition.passages())


def _leaks(edition, running: list[str]) -> int:
    texts = [p.text for p in edition.passages()] + [t.name for t in edition.themes] + [edition.title]
    return sum(text.count(line) for text in texts for line in running) + sum(
        len(GLUED_NUMBER_RE.findall(text)) for text in texts)


def _wrong_pages(edition, printed: list[str]) -> tuple[int, int]:
    wrong = unknown = 0
    for passage in edition.passages((2, 3, 4, 5)):
        if passage.page is None:
            unknown += 1
            continue
        probe = "".join(passage.text.split())[:40]
        if not (1 <= passage.page <= len(printed)) or probe not in printed[passage.page - 1]:
            wrong += 1
    return wrong, unknown


def _show(wrong: int | None, unknown: int) -> str:
    if wrong is None:
        return "–"
    return f"{wrong}" + (f" ({unknown} unknown)" if unknown else "")


def _funding_diff(edition, reference) -> int:
    ref = {t.name: [f.text for f in t.funding] for t in reference.themes}
    return sum(1 for t in edition.themes if t.name in ref
               for a, b in zip([f.text for f in t.funding], ref[t.name]) if a != b) + \
        4 * sum(1 for name in ref if name not in {t.name for t in edition.themes} and len(edition.themes) >= 12)


def _min_similarity(edition, reference) -> float:
    by_name = {t.name: t for t in edition.themes}
    ratios = []
    for theme in reference.themes:
        other = by_name.get(theme.name)
        if other is None:
            continue
        for number in (2, 3, 4, 5):
            a, b = theme.section(number), other.section(number)
            ratios.append(difflib.SequenceMatcher(None, a.text.split(), b.text.split() if b else [],
                                                  autojunk=False).ratio())
    return round(min(ratios), 3) if ratios else 0.0


if __name__ == "__main__":
    sys.exit(main())
