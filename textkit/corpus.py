"""The corpus folder: report edition files and their manifest `editions.toml`.

The manifest has one ``[[edition]]`` table per file (year, title,
reporting_date, file). `load_editions` parses every listed file (cached in
process by file size and modification time), `corpus_fingerprint` changes when
any edition file, the manifest or a list the built models read (`MODEL_INPUT_FILES`)
changes, and `add_edition` stores a new
edition safely (validated, parsed first, written atomically).
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import os
import re
import tempfile
import threading
import tomllib
from pathlib import Path

from textkit.errors import TextkitError
from textkit.parse import MAX_FILE_BYTES, strip_accents
from textkit.paths import corpus_dir
from textkit.types import Edition

__all__ = [
    "MANIFEST_NAME",
    "ALLOWED_SUFFIXES",
    "MAX_UPLOAD_BYTES",
    "load_manifest",
    "load_editions",
    "corpus_fingerprint",
    "add_edition",
    "remove_edition",
    "year_mismatch",
    "safe_filename",
    "resolve_dir",
    "parse_path",
]

MANIFEST_NAME = "editions.toml"
ALLOWED_SUFFIXES = (".txt", ".pdf", ".docx")
MAX_UPLOAD_BYTES = MAX_FILE_BYTES   # one size limit for every edition file
MANIFEST_HEADER = """\
# Report editions in use. One [[edition]] table per file in this folder.
# Add a later edition by dropping its PDF, DOCX or TXT file here and adding an
# entry (or upload it on the app's "Aineisto" page, which writes the entry).
"""

REMOVED_DIR = ".poistetut"   # files of removed editions are moved here, not deleted (undo by hand)

SAFE_NAME_DROP_RE = re.compile(r"[^A-Za-z0-9._-]+")
ISO_DATE_RE = re.compile(r"\d{4}-\d{2}-\d{2}")
YEAR_MIN, YEAR_MAX = 2000, 2100

_cache: dict[tuple[str, int, int, int, str, str], Edition] = {}
_cache_lock = threading.Lock()
# Serialises add_edition's read-modify-write of the manifest (app sessions are threads).
_write_lock = threading.Lock()


def resolve_dir(folder: str | Path | None) -> Path:
    """The corpus folder: `folder` if given, else `paths.corpus_dir()` (env TEXTKIT_CORPUS)."""
    return Path(folder).resolve() if folder is not None else corpus_dir().resolve()


def load_manifest(corpus_dir: str | Path | None = None) -> list[dict]:
    """The manifest entries sorted by year: dicts with year, title, reporting_date (ISO str), file."""
    folder = resolve_dir(corpus_dir)
    path = folder / MANIFEST_NAME
    if not path.exists():
        raise TextkitError(f"{path}: aineiston luettelo puuttuu (kansiossa {folder} pitäisi olla {MANIFEST_NAME}).")
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise TextkitError(f"{path}: aineiston luettelo ei ole kelvollista TOMLia ({exc}).") from None
    raw = data.get("edition", [])
    if not isinstance(raw, list):
        raise TextkitError(f"{path}: 'edition' pitää olla luettelo [[edition]]-tauluja.")
    entries: list[dict] = []
    seen: set[int] = set()
    for k, item in enumerate(raw, start=1):
        if not isinstance(item, dict):
            raise TextkitError(f"{path}: vuosikatsauksen rivi {k} ei ole taulu.")
        year = item.get("year")
        file = item.get("file")
        if not isinstance(year, int) or not (YEAR_MIN <= year <= YEAR_MAX):
            raise TextkitError(f"{path}: vuosikatsauksen riviltä {k} puuttuu vuosi väliltä {YEAR_MIN}–{YEAR_MAX}.")
        if not isinstance(file, str) or not file or Path(file).name != file:
            raise TextkitError(f"{path}: vuosikatsaukselta {year} puuttuu 'file', aineistokansiossa olevan tiedoston nimi.")
        if year in seen:
            raise TextkitError(f"{path}: vuosi {year} on luettelossa kahdesti.")
        seen.add(year)
        date = item.get("reporting_date", "")
        if isinstance(date, (_dt.date, _dt.datetime)):
            date = date.isoformat()[:10]
        entries.append(
            {
                "year": year,
                "title": str(item.get("title", "")),
                "reporting_date": str(date or ""),
                "file": file,
            }
        )
    return sorted(entries, key=lambda e: e["year"])


def load_editions(corpus_dir: str | Path | None = None) -> list[Edition]:
    """Every edition in the manifest, parsed, sorted by year (cached in process per file size and
    mtime, and on disk by file content and parser version: `textkit.parse.cache`)."""
    from textkit.parse.cache import cached_parse

    folder = resolve_dir(corpus_dir)
    editions = []
    for entry in load_manifest(folder):
        path = folder / entry["file"]
        if not path.exists():
            raise TextkitError(f"{folder / MANIFEST_NAME}: vuosikatsauksen {entry['year']} tiedostoa {entry['file']} ei ole kansiossa {folder}.")
        stat = path.stat()
        key = (str(path), stat.st_size, stat.st_mtime_ns, entry["year"], entry["title"], entry["reporting_date"])
        with _cache_lock:
            edition = _cache.get(key)
        if edition is None:
            edition = cached_parse(path, entry["year"], **_entry_names(entry))
            with _cache_lock:
                _cache[key] = edition
        editions.append(edition)
    return editions


def parse_path(path: str | Path, year: int | None = None) -> Edition:
    """Parse any edition file; where it sits in a corpus folder with a manifest, the manifest's
    year, title and reporting date for it are used (`year` still wins)."""
    from textkit.parse import parse_file

    path = Path(path)
    entry = _manifest_entry(path)
    if entry is None:
        return parse_file(path, year=year)
    return parse_file(path, year=year if year is not None else entry["year"], **_entry_names(entry))


# Lists users edit in corpus/ that the built artefacts depend on: the topic features leave out the
# heads and modifiers of the lexicalised compounds (textkit.topics), and the section 7 records
# are parsed with the organisation words (textkit.parse.projects), so an edit must rebuild.
# (synonyms.toml is read at query time only and needs no rebuild.)
MODEL_INPUT_FILES = ("lexicalised.toml", "organisations.toml")


def corpus_fingerprint(corpus_dir: str | Path | None = None) -> str:
    """A short hash that changes when the manifest, any edition file or any of
    `MODEL_INPUT_FILES` changes (content-based)."""
    folder = resolve_dir(corpus_dir)
    digest = hashlib.sha256()
    manifest = folder / MANIFEST_NAME
    digest.update(manifest.read_bytes() if manifest.exists() else b"<no manifest>")
    try:
        entries = load_manifest(folder)
    except TextkitError:
        entries = []
    for entry in entries:
        path = folder / entry["file"]
        digest.update(entry["file"].encode("utf-8") + b"\0")
        if path.exists():
            digest.update(hashlib.sha256(path.read_bytes()).digest())
        else:
            digest.update(b"<missing>")
    for name in MODEL_INPUT_FILES:
        path = folder / name
        digest.update(b"\0" + name.encode("utf-8") + b"\0")
        digest.update(path.read_bytes() if path.is_file() else b"<none>")
    return digest.hexdigest()[:16]


def add_edition(
    data: bytes,
    filename: str,
    year: int,
    corpus_dir: str | Path | None = None,
    *,
    title: str | None = None,
    reporting_date: str | None = None,
    replace: bool = False,
    accept_year_mismatch: bool = False,
) -> Edition:
    """Store a new edition file in the corpus folder and add it to the manifest.

    Checks the type and size, makes the file name safe (it cannot leave the
    folder), refuses a year that is already there unless `replace`, parses the
    file first and refuses it if it is not a report or if its reporting date
    names another year (unless `accept_year_mismatch`), then writes the file and
    the manifest atomically. Returns the parsed edition.
    """
    with _write_lock:
        return _add_edition(data, filename, year, resolve_dir(corpus_dir), title, reporting_date, replace,
                            accept_year_mismatch)


def year_mismatch(edition: Edition, year: int | None = None) -> str | None:
    """A Finnish warning when the year given to an edition is not the year of the reporting date
    printed in it ("Katsaus 31.10.2025" given as 2023), else None (also when the file has no date)."""
    year = edition.year if year is None else int(year)
    match = ISO_DATE_RE.fullmatch(str(edition.reporting_date or ""))
    if not match:
        return None
    reported = int(edition.reporting_date[:4])
    if reported == year:
        return None
    y, m, d = (int(part) for part in edition.reporting_date.split("-"))
    return (f"Tiedoston raportointipäivä on {d}.{m}.{y}, mutta vuosikatsauksen vuodeksi on annettu {year}. "
            f"Tarkista vuosi: katsauksen vuosi on yleensä raportointipäivän vuosi ({reported}).")


def remove_edition(year: int, corpus_dir: str | Path | None = None) -> dict:
    """Take the edition of `year` out of the corpus: its manifest entry goes (atomic rewrite) and its
    file moves to `corpus/.poistetut/` (not deleted, so it can be put back by hand). Refuses the
    last edition. Returns the removed manifest entry. The models are rebuilt by the caller
    (`build_models` swaps the new index in only when it is complete); basket excerpts keep
    their own copies of the text and citation and are not touched."""
    with _write_lock:
        folder = resolve_dir(corpus_dir)
        entries = load_manifest(folder)
        entry = next((e for e in entries if e["year"] == int(year)), None)
        if entry is None:
            years = ", ".join(str(e["year"]) for e in entries) or "–"
            raise TextkitError(f"Aineistossa ei ole vuosikatsausta {year} (on: {years}).")
        others = [e for e in entries if e["year"] != int(year)]
        if not others:
            raise TextkitError(
                f"Vuosikatsaus {year} on aineiston ainoa, eikä sitä voi poistaa: lisää ensin toinen vuosikatsaus "
                "(tai korvaa tämä uudella tiedostolla)."
            )
        _write_atomic(folder / MANIFEST_NAME, _manifest_text(others).encode("utf-8"))
        path = folder / entry["file"]
        if path.is_file() and all(e["file"] != entry["file"] for e in others):
            removed = folder / REMOVED_DIR
            removed.mkdir(exist_ok=True)
            stamp = _dt.datetime.now(_dt.timezone.utc).strftime("%Y%m%dT%H%M%S")
            os.replace(path, removed / f"{stamp}-{entry['file']}")
        with _cache_lock:
            _cache.clear()
        return entry


def safe_filename(filename: str, year: int) -> str:
    """A plain ASCII file name inside the corpus folder (no path parts, no leading dot)."""
    base = Path(filename.replace("\\", "/")).name
    stem, _, suffix = base.rpartition(".")
    suffix = "." + suffix.lower() if stem or base.startswith(".") else ""
    stem = stem if suffix else base
    stem = SAFE_NAME_DROP_RE.sub("-", strip_accents(stem)).strip(".-_")[:80]
    if not stem:
        stem = f"toteutuskatsaus-{year}"
    if suffix not in ALLOWED_SUFFIXES:
        raise TextkitError(f"{filename}: tiedostotyyppi '{suffix or '–'}' ei käy; käytä .pdf-, .docx- tai .txt-tiedostoa.")
    if stem.lower() == Path(MANIFEST_NAME).stem:
        stem = f"{stem}-{year}"
    return stem + suffix


# ---------------------------------------------------------------- helpers


def _add_edition(
    data: bytes,
    filename: str,
    year: int,
    folder: Path,
    title: str | None,
    reporting_date: str | None,
    replace: bool,
    accept_year_mismatch: bool = False,
) -> Edition:
    from textkit.parse import parse_file

    if not isinstance(year, int) or not (YEAR_MIN <= year <= YEAR_MAX):
        raise TextkitError(f"{filename}: vuoden pitää olla väliltä {YEAR_MIN}–{YEAR_MAX}, ei {year!r}.")
    if not data:
        raise TextkitError(f"{filename}: tiedosto on tyhjä.")
    if len(data) > MAX_UPLOAD_BYTES:
        raise TextkitError(f"{filename}: tiedosto on liian suuri ({len(data) // 1_000_000} Mt, enintään {MAX_UPLOAD_BYTES // 1_000_000} Mt).")
    name = safe_filename(filename, year)  # refuses other file types
    suffix = Path(name).suffix
    folder.mkdir(parents=True, exist_ok=True)
    entries = load_manifest(folder) if (folder / MANIFEST_NAME).exists() else []
    existing = next((e for e in entries if e["year"] == year), None)
    if existing and not replace:
        raise TextkitError(f"{filename}: aineistossa on jo vuosikatsaus {year} ({existing['file']}); valitse korvaus, jos haluat korvata sen.")
    others = [e for e in entries if e["year"] != year]
    # Never overwrite another edition's file or a stray file that is not this year's.
    if any(e["file"] == name for e in others) or ((folder / name).exists() and not (existing and existing["file"] == name)):
        name = safe_filename(f"{Path(name).stem}-{year}{suffix}", year)
        if (folder / name).exists() and not (existing and existing["file"] == name):
            raise TextkitError(f"{filename}: kansiossa {folder} on jo tiedosto {name}; nimeä tiedosto uudelleen ja yritä uudelleen.")

    # Parse before storing anything: a file that is not a report never enters the corpus.
    with tempfile.TemporaryDirectory(prefix="textkit-upload-") as tmp:
        probe = Path(tmp) / name
        probe.write_bytes(data)
        edition = parse_file(probe, year=year)
    if not accept_year_mismatch and (problem := year_mismatch(edition, year)):
        raise TextkitError(f"{filename}: {problem}")

    target = folder / name
    _write_atomic(target, data)
    entry = {
        "year": year,
        "title": title or edition.title,
        "reporting_date": reporting_date or edition.reporting_date,
        "file": name,
    }
    _write_atomic(folder / MANIFEST_NAME, _manifest_text(others + [entry]).encode("utf-8"))
    if existing and existing["file"] != name:
        old = folder / existing["file"]
        if old.exists() and old.parent == folder:
            old.unlink()
    with _cache_lock:
        _cache.clear()
    # Re-read with the manifest's title/date so the caller sees what load_editions will give.
    return parse_file(target, year=year, **_entry_names(entry))


def _entry_names(entry: dict) -> dict:
    """The title and reporting date a manifest entry gives the parser (None where empty)."""
    return {"title": entry.get("title") or None, "reporting_date": str(entry.get("reporting_date") or "") or None}


def _manifest_entry(path: Path) -> dict | None:
    """The manifest entry for this file when it sits in a folder with a manifest."""
    try:
        folder = path.resolve().parent
        if folder != resolve_dir(None) and not (folder / MANIFEST_NAME).exists():
            return None
        entries = load_manifest(folder)
    except TextkitError:
        return None
    return next((e for e in entries if e.get("file") == path.name), None)


def _manifest_text(entries: list[dict]) -> str:
    parts = [MANIFEST_HEADER]
    for entry in sorted(entries, key=lambda e: e["year"]):
        parts.append("\n[[edition]]\n")
        parts.append(f"year = {int(entry['year'])}\n")
        parts.append(f"title = {_toml_string(entry.get('title', ''))}\n")
        date = str(entry.get("reporting_date") or "")
        if ISO_DATE_RE.fullmatch(date):
            parts.append(f"reporting_date = {date}\n")
        elif date:
            parts.append(f"reporting_date = {_toml_string(date)}\n")
        parts.append(f"file = {_toml_string(entry['file'])}\n")
    return "".join(parts)


def _toml_string(value: str) -> str:
    escaped = value.replace("\\", "\\\\").replace('"', '\\"')
    escaped = "".join(ch if ch >= " " or ch == "\t" else f"\\u{ord(ch):04x}" for ch in escaped)
    return f'"{escaped}"'


def _write_atomic(path: Path, data: bytes) -> None:
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, 0o644)  # mkstemp makes it private; an edition and the manifest are shared documents
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
