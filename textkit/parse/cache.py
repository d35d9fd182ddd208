"""Parsed editions cached on disk, so that each process need not parse every edition again.

A 50-page PDF takes seconds to read; `textkit build`, the app and every CLI process that loads
the corpus would pay that each time. The cache keeps each parsed `Edition` as JSON in
`models/parse-cache/`, under a key made of:

* the file's content (SHA-256: a copied or touched file with the same bytes is a hit, an
  edited one a miss);
* the year, title and reporting date it is parsed with (they come from the manifest);
* the parser's version: a digest of the source of `textkit/parse/` and `textkit/types.py`,
  and of the organisation words in use (`corpus/organisations.toml`), so a changed parser
  or word list parses again without anyone remembering to bump a number.

Entries are written atomically (temporary file, then rename). An entry that cannot be read
back (truncated, edited, from another version) is ignored and replaced by a fresh parse. A
models folder that cannot be written to only means no caching. Older entries of the same
file are removed when a new one is written.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import json
import os
import re
import tempfile
from pathlib import Path

from textkit import types as _types
from textkit.types import Edition

__all__ = ["CACHE_DIR", "cached_parse", "parser_version", "cache_path"]

CACHE_DIR = "parse-cache"
FORMAT = 1
_RECORDS = {cls.__name__: cls for cls in (_types.Edition, _types.Theme, _types.Section, _types.Passage,
                                          _types.Funding, _types.Link, _types.Project, _types.Implementer)}
_UNSAFE_NAME_RE = re.compile(r"[^A-Za-z0-9._-]+")


def cached_parse(path: str | Path, year: int, *, title: str | None = None, reporting_date: str | None = None,
                 models_dir: str | Path | None = None) -> Edition:
    """`parse_file(path, year, title=…, reporting_date=…)`, from the cache where it holds this
    file's bytes parsed the same way by this parser version; else parsed and stored."""
    from textkit.parse import parse_file

    path = Path(path)
    entry = cache_path(path, year, title=title, reporting_date=reporting_date, models_dir=models_dir)
    if entry is not None:
        edition = _read(entry)
        if edition is not None:
            return edition
    edition = parse_file(path, year=year, title=title, reporting_date=reporting_date)
    if entry is not None:
        _write(entry, edition)
    return edition


def cache_path(path: Path, year: int, *, title: str | None, reporting_date: str | None,
               models_dir: str | Path | None = None) -> Path | None:
    """The cache entry for this file parsed this way (None where the file cannot be read)."""
    from textkit.paths import models_dir as _models_dir

    try:
        content = hashlib.sha256(Path(path).read_bytes()).hexdigest()
    except OSError:
        return None
    key = hashlib.sha256(json.dumps([FORMAT, content, year, title, reporting_date, parser_version()],
                                    ensure_ascii=False).encode("utf-8")).hexdigest()[:32]
    return _models_dir(models_dir) / CACHE_DIR / f"{_stem(Path(path))}.{key}.json"


def parser_version() -> str:
    """Changes whenever the parser's code or the organisation words change."""
    from textkit.parse.projects import organisation_words_digest

    return f"{_code_digest()}-{organisation_words_digest()}"


@functools.lru_cache(maxsize=1)
def _code_digest() -> str:
    digest = hashlib.sha256()
    here = Path(__file__).resolve().parent
    for source in sorted(here.glob("*.py")) + [Path(_types.__file__).resolve()]:
        digest.update(source.name.encode("utf-8") + b"\0" + source.read_bytes())
    return digest.hexdigest()[:16]


def _stem(path: Path) -> str:
    return _UNSAFE_NAME_RE.sub("_", path.name)[:80] or "edition"


# ---------------------------------------------------------------- reading and writing


def _read(entry: Path) -> Edition | None:
    try:
        data = json.loads(entry.read_text(encoding="utf-8"))
        edition = _decode(data)
    except (OSError, ValueError, TypeError, KeyError):
        return None  # missing, truncated or not ours: parse again
    return edition if isinstance(edition, Edition) else None


def _write(entry: Path, edition: Edition) -> None:
    try:
        entry.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=".json", dir=entry.parent)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                json.dump(_encode(edition), handle, ensure_ascii=False)
            os.replace(tmp, entry)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        prefix = entry.name.rsplit(".", 2)[0] + "."
        for old in entry.parent.glob(f"{prefix}*.json"):
            if old != entry and old.name.startswith(prefix) and old.name.count(".") == entry.name.count("."):
                old.unlink(missing_ok=True)
    except OSError:
        return  # no writable models folder: no cache, the parse itself stands


def _encode(value):
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        # Every field, the private ones too (contacts): the cache stands in for the file.
        return {"__record": type(value).__name__,
                **{f.name: _encode(getattr(value, f.name)) for f in dataclasses.fields(value)}}
    if isinstance(value, (list, tuple)):
        return [_encode(v) for v in value]
    return value


def _decode(value):
    if isinstance(value, dict):
        cls = _RECORDS[value["__record"]]
        return cls(**{k: _decode(v) for k, v in value.items() if k != "__record"})
    if isinstance(value, list):
        return tuple(_decode(v) for v in value)
    return value
