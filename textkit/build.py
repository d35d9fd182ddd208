"""Build every artefact (search index, topic model) from corpus/ into models/, atomically.

Everything is built into a temporary folder beside the artefacts (`models/.build-tmp-…`) and
only then renamed into place, one artefact at a time, the build record (`build.json`) last.
A failed or interrupted build leaves the previous artefacts in use. The build record holds
the corpus fingerprint and the code version; when neither changed, `build_models` returns at
once. The excerpt database in models/ is user data and is never touched.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

from textkit import paths
from textkit.errors import TextkitError
from textkit.progress import ProgressFn, report_progress, scaled_progress, stage_times

BUILD_FILE = "build.json"
LOCK_FILE = ".build.lock"
TMP_PREFIX = ".build-tmp-"
OLD_PREFIX = ".old-"
# Modules (and packages) whose code decides what goes into the artefacts: a change in them means a rebuild.
_BUILD_MODULES = ("parse", "corpus.py", "analysis.py", "index.py", "topics.py")


@dataclass(frozen=True)
class BuildReport:
    built: bool                  # False: nothing had changed, the existing artefacts were kept
    path: str                    # the models folder
    fingerprint: str             # corpus fingerprint the artefacts were built from
    editions: tuple[int, ...]
    passages: int
    topics: bool                 # whether a topic model was built
    seconds: float


def build_models(force: bool = False, progress: ProgressFn | None = None, *,
                 models_dir: Path | None = None, corpus_dir: Path | None = None) -> BuildReport:
    """Build the search index and the topic model into models_dir(). Idempotent and fast when
    the corpus and the code are unchanged (unless `force`)."""
    t0 = time.perf_counter()
    models = paths.models_dir(models_dir)
    models.mkdir(parents=True, exist_ok=True)
    with _build_lock(models):
        fingerprint = _fingerprint(corpus_dir)
        record = read_build_record(models)
        if not force and _is_current(record, fingerprint, models):
            report_progress(progress, 1.0, "Hakuindeksi ja aihemalli ovat ajan tasalla")
            return BuildReport(False, str(models), fingerprint, tuple(record.get("editions", ())),
                               int(record.get("passages", 0)), bool(record.get("topics")),
                               time.perf_counter() - t0)
        _remove_leftovers(models)
        tmp = models / f"{TMP_PREFIX}{os.getpid()}-{uuid.uuid4().hex[:8]}"
        tmp.mkdir()
        try:
            report = _build_into(tmp, fingerprint, corpus_dir, progress)
            report_progress(progress, 0.98, "Otetaan uusi hakuindeksi käyttöön")
            _swap_in(tmp, models)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
    report_progress(progress, 1.0, f"Valmis: {report['passages']} kappaletta, katsaukset {', '.join(map(str, report['editions']))}")
    return BuildReport(True, str(models), fingerprint, tuple(report["editions"]), report["passages"],
                       report["topics"], time.perf_counter() - t0)


def build_status(models_dir: Path | None = None, corpus_dir: Path | None = None) -> str:
    """"missing" (never built), "stale" (corpus or code changed since) or "current"."""
    models = paths.models_dir(models_dir)
    if not (models / "index").is_dir():
        return "missing"
    record = read_build_record(models)
    if not record:
        return "current"  # an index written by build_index() alone (benchmarks): use as is
    return "current" if _is_current(record, _fingerprint(corpus_dir), models) else "stale"


def ensure_models(models_dir: Path | None = None, progress: ProgressFn | None = None) -> Path:
    """The models folder, after building it if it is missing or stale. If a rebuild of a
    stale index fails, the previous index stays in use and the problem is reported on stderr."""
    models = paths.models_dir(models_dir)
    status = build_status(models)
    if status == "current":
        return models
    if status == "missing":
        report_progress(progress, 0.0, f"Hakuindeksiä ei ole vielä ({models}); rakennetaan se")
        build_models(progress=progress, models_dir=models)
        return models
    if build_running(models):
        # Another process (an app session, the CLI) is building the new index: keep answering
        # from the previous one instead of queueing behind the build lock.
        report_progress(progress, 1.0, "Uutta hakuindeksiä rakennetaan parhaillaan; käytetään edellistä")
        return models
    report_progress(progress, 0.0, "Aineisto tai ohjelma on muuttunut; rakennetaan hakuindeksi uudelleen")
    try:
        build_models(progress=progress, models_dir=models)
    except TextkitError as exc:
        import sys

        print(f"textkit: hakuindeksin uudelleenrakennus epäonnistui, käytetään edellistä: {exc}", file=sys.stderr)
    return models


def build_running(models_dir: Path | None = None) -> bool:
    """Whether a build holds the build lock of `models_dir` right now."""
    models = paths.models_dir(models_dir)
    try:
        import fcntl
    except ImportError:
        return False
    try:
        handle = open(models / LOCK_FILE, "a+")
    except OSError:
        return False
    with handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            return True
        fcntl.flock(handle, fcntl.LOCK_UN)
        return False


def read_build_record(models_dir: Path | None = None) -> dict[str, Any]:
    path = paths.models_dir(models_dir) / BUILD_FILE
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, ValueError):
        return {"broken": True}


def code_version() -> str:
    """A hash of the code that shapes the artefacts (parser, analysis, index, topics)."""
    import whoosh

    from textkit import __version__

    digest = hashlib.sha256(f"{__version__}|whoosh {whoosh.versionstring()}".encode())
    here = Path(__file__).resolve().parent
    for name in _BUILD_MODULES:
        path = here / name
        # A package (parse/) counts with every module in it.
        for file in sorted(path.glob("*.py")) if path.is_dir() else [path]:
            if file.exists():
                digest.update(file.relative_to(here).as_posix().encode() + b"\0" + file.read_bytes())
    return digest.hexdigest()[:16]


# ---------------------------------------------------------------- private helpers


def _fingerprint(corpus_dir: Path | None) -> str:
    from textkit.corpus import corpus_fingerprint

    return corpus_fingerprint(corpus_dir)


def _is_current(record: dict[str, Any], fingerprint: str, models: Path) -> bool:
    return (
        bool(record)
        and record.get("fingerprint") == fingerprint
        and record.get("code") == code_version()
        and record.get("topics") == _topics_available()
        and (models / "index").is_dir()
    )


def _topics_available() -> bool:
    return _build_topics_fn() is not None


def _build_topics_fn():
    """The topic model's build step (tests replace it by None to build the index alone)."""
    from textkit.topics import build_topics

    return build_topics


def _build_into(tmp: Path, fingerprint: str, corpus_dir: Path | None, progress: ProgressFn | None) -> dict[str, Any]:
    from textkit.corpus import load_editions
    from textkit.index import build_index

    report_progress(progress, 0.0, "Luetaan katsaukset")
    editions = load_editions(corpus_dir)
    if not editions:
        raise TextkitError("Aineistossa ei ole yhtään katsausta (corpus/editions.toml on tyhjä).")
    build_topics = _build_topics_fn()
    index_share = 0.6 if build_topics else 0.95
    report_progress(progress, 0.03, "Analysoidaan ja indeksoidaan kappaleet")
    with stage_times() as stages:
        passages = build_index(editions, tmp, progress=scaled_progress(progress, 0.03, index_share))
        if build_topics:
            report_progress(progress, index_share, "Rakennetaan aihemalli")
            build_topics(editions, tmp, progress=scaled_progress(progress, index_share, 0.97))
    record = {
        "fingerprint": fingerprint,
        "code": code_version(),
        "topics": build_topics is not None,
        "editions": [e.year for e in editions],
        "passages": passages,
        "built_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        # CPU seconds of the build's stages (analysis, index write, topic features, topic fit)
        "stage_cpu_s": {name: round(seconds, 3) for name, seconds in stages.items()},
    }
    (tmp / BUILD_FILE).write_text(json.dumps(record, indent=2), encoding="utf-8")
    return record


def _swap_in(tmp: Path, models: Path) -> None:
    """Rename every artefact of `tmp` into `models`; the build record goes last, so a crash
    half-way leaves a record that no longer matches and the next run rebuilds."""
    entries = sorted((p for p in tmp.iterdir() if p.name != BUILD_FILE), key=lambda p: p.name)
    # Mark the artefacts as mixed until the new record is in: a crash now means "stale".
    marker = tmp / ".incomplete.json"
    marker.write_text(json.dumps({"incomplete": True}), encoding="utf-8")
    os.replace(marker, models / BUILD_FILE)
    for src in entries:
        dest = models / src.name
        if src.is_dir():
            old = models / f"{OLD_PREFIX}{src.name}-{uuid.uuid4().hex[:8]}"
            if dest.exists():
                os.rename(dest, old)
            os.rename(src, dest)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(src, dest)
    os.replace(tmp / BUILD_FILE, models / BUILD_FILE)


def _remove_leftovers(models: Path) -> None:
    """Temporary folders of interrupted builds (we hold the build lock, so none is running)."""
    for p in models.iterdir():
        if p.name.startswith((TMP_PREFIX, OLD_PREFIX)) and p.is_dir():
            shutil.rmtree(p, ignore_errors=True)


@contextlib.contextmanager
def _build_lock(models: Path) -> Iterator[None]:
    """One build at a time per models folder (the app and the CLI may both start one)."""
    try:
        import fcntl
    except ImportError:  # not on POSIX: builds still write to their own temporary folders
        yield
        return
    with open(models / LOCK_FILE, "a+") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)

