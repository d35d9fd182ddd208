"""Build every artefact (search index, topic model) from corpus/ into models/, atomically.

Everything is built into a temporary folder beside the artefacts (`models/.build-tmp-…`) and
only then renamed into place, the build record (`build.json`) last. The swap is journalled
(`models/.swap-journal.json`): a build that dies at any step of the swap leaves the journal,
and the next start (a build, a search, the app) finishes the swap from the temporary folder,
so the old or the new artefacts are complete and in use at every moment, never a mix and
never nothing. Searches open their files under a shared lock that the swap holds exclusively
(`models/.swap.lock`), so no search opens half of one index and half of another.

The build record holds the corpus fingerprint, the code version and the size and SHA-256 of
every artefact file: opening the index compares the sizes (cheap), `textkit build` and
`textkit build --check` the checksums; a damaged index is rebuilt, never called up to date.
The excerpt database in models/ is user data and is never touched.
"""

from __future__ import annotations

import contextlib
import functools
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
SWAP_LOCK_FILE = ".swap.lock"
JOURNAL_FILE = ".swap-journal.json"
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
    repaired: str = ""           # what was wrong with the previous artefacts, when that caused the build


def build_models(force: bool = False, progress: ProgressFn | None = None, *,
                 models_dir: Path | None = None, corpus_dir: Path | None = None) -> BuildReport:
    """Build the search index and the topic model into models_dir(). Idempotent and fast when
    the corpus and the code are unchanged and the artefacts match their checksums (unless
    `force`); a damaged index is rebuilt and `BuildReport.repaired` says what was wrong."""
    t0 = time.perf_counter()
    models = _usable_models_dir(models_dir, create=True)
    with _build_lock(models):
        recover_swap(models)
        _remove_leftovers(models)
        fingerprint = _fingerprint(corpus_dir)
        record = read_build_record(models)
        problem = ""
        if not force and _is_current(record, fingerprint, models):
            problem = verify_models(models, record, checksums=True) or ""
            if not problem:
                report_progress(progress, 1.0, "Hakuindeksi ja aihemalli ovat ajan tasalla")
                return BuildReport(False, str(models), fingerprint, tuple(record.get("editions", ())),
                                   int(record.get("passages", 0)), bool(record.get("topics")),
                                   time.perf_counter() - t0)
            report_progress(progress, 0.0, f"{problem} Rakennetaan uudelleen.")
        tmp = models / f"{TMP_PREFIX}{os.getpid()}-{uuid.uuid4().hex[:8]}"
        tmp.mkdir()
        try:
            report = _build_into(tmp, fingerprint, corpus_dir, progress)
            report_progress(progress, 0.98, "Otetaan uusi hakuindeksi käyttöön")
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        # From here on no clean-up on failure: an interrupted swap is finished by
        # recover_swap() from the journal and the temporary folder.
        _swap_in(tmp, models)
    report_progress(progress, 1.0, f"Valmis: {report['passages']} kappaletta, katsaukset {', '.join(map(str, report['editions']))}")
    return BuildReport(True, str(models), fingerprint, tuple(report["editions"]), report["passages"],
                       report["topics"], time.perf_counter() - t0, repaired=problem)


def check_models(models_dir: Path | None = None, corpus_dir: Path | None = None) -> str | None:
    """`textkit build --check`: what is wrong with the built artefacts (missing, out of date,
    a file whose size or checksum differs from the build record), or None when all is well.
    Reads only; `build_models` repairs."""
    models = _usable_models_dir(models_dir, create=False)
    if _journal(models).exists():
        return f"Edellinen hakuindeksin vaihto kansiossa {models} jäi kesken; `textkit build` viimeistelee sen."
    record = read_build_record(models)
    if not (models / "index").is_dir():
        return f"Hakuindeksiä ei ole kansiossa {models}; `textkit build` rakentaa sen."
    if not record or record.get("broken"):
        return f"Rakennustietoa {models / BUILD_FILE} ei ole tai se on rikki; `textkit build` rakentaa indeksin uudelleen."
    if not _is_current(record, _fingerprint(corpus_dir), models):
        return "Aineisto tai ohjelma on muuttunut rakentamisen jälkeen; `textkit build` rakentaa indeksin uudelleen."
    problem = verify_models(models, record, checksums=True)
    return f"{problem} `textkit build` rakentaa sen uudelleen." if problem else None


def verify_models(models_dir: Path | None = None, record: dict[str, Any] | None = None, *,
                  checksums: bool = False) -> str | None:
    """Compare the artefact files with the sizes (and, with `checksums`, the SHA-256) in the
    build record. A message naming the first bad file, or None. A record without file list
    (an index written by build_index() alone, as the benchmarks do) is not checked."""
    models = paths.models_dir(models_dir)
    if record is None:
        record = read_build_record(models)
    files = record.get("files")
    if not isinstance(files, dict):
        return None
    for name, expected in sorted(files.items()):
        path = models / name
        try:
            size = path.stat().st_size
        except OSError:
            return f"Hakuindeksin tiedosto {path} puuttuu."
        if size != expected[0]:
            return (f"Hakuindeksin tiedosto {path} on vaurioitunut: koko {size} tavua, "
                    f"rakennettaessa {expected[0]} tavua.")
        if checksums and _sha256(path) != expected[1]:
            return f"Hakuindeksin tiedosto {path} on vaurioitunut: sen tarkistussumma ei täsmää rakennustietoon."
    return None


def build_status(models_dir: Path | None = None, corpus_dir: Path | None = None) -> str:
    """"missing" (never built), "stale" (corpus or code changed since), "damaged" (a file's size
    differs from the build record) or "current"."""
    models = paths.models_dir(models_dir)
    if not (models / "index").is_dir():
        return "missing"
    record = read_build_record(models)
    if not record:
        return "current"  # an index written by build_index() alone (benchmarks): use as is
    if not _is_current(record, _fingerprint(corpus_dir), models):
        return "stale"
    with reading(models):  # not in the middle of a swap, when the files are half new
        return "damaged" if verify_models(models, read_build_record(models)) else "current"


def ensure_models(models_dir: Path | None = None, progress: ProgressFn | None = None) -> Path:
    """The models folder, after building it if it is missing, stale or damaged. If a rebuild
    of a stale index fails, the previous index stays in use and the problem is reported on
    stderr. An interrupted swap is finished and leftovers of killed builds removed first."""
    models = _usable_models_dir(models_dir, create=False)
    tidy_up(models)
    status = build_status(models)
    if status == "current":
        return models
    if status in ("missing", "damaged"):
        if status == "missing":
            report_progress(progress, 0.0, f"Hakuindeksiä ei ole vielä ({models}); rakennetaan se")
        # (a damaged index: build_models names the bad file as it starts the rebuild)
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


def repair_models(models_dir: Path | None = None, progress: ProgressFn | None = None) -> str | None:
    """After a read error from the index: rebuild if a file differs from its checksum (what
    was wrong, for the message), else None (the error was not damage to the files)."""
    models = paths.models_dir(models_dir)
    with _build_lock(models):
        problem = verify_models(models, checksums=True)
    if problem is None:
        return None
    report_progress(progress, 0.0, f"{problem} Rakennetaan hakuindeksi uudelleen.")
    build_models(force=True, progress=progress, models_dir=models)
    return problem


def tidy_up(models: Path) -> None:
    """Finish a swap that a killed build left half-done, and remove the temporary folders of
    killed builds, unless a build is running (whose folders they may be)."""
    if not models.is_dir() or not os.access(models, os.W_OK):
        return
    if not any(p.name.startswith((TMP_PREFIX, OLD_PREFIX, JOURNAL_FILE)) for p in models.iterdir()):
        return
    with _build_lock(models, wait=False) as locked:
        if locked:
            recover_swap(models)
            _remove_leftovers(models)


@contextlib.contextmanager
def reading(models_dir: Path | None = None) -> Iterator[None]:
    """Hold while opening index files: a swap in progress (which holds this lock exclusively)
    is waited for, so what is opened is all one index version. Open files stay valid after a
    later swap. Without the lock file (a read-only folder) there is nothing to wait for."""
    models = paths.models_dir(models_dir)
    try:
        import fcntl

        handle = open(models / SWAP_LOCK_FILE, "a+")
    except (ImportError, OSError):
        yield
        return
    with handle:
        fcntl.flock(handle, fcntl.LOCK_SH)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def recover_swap(models: Path) -> bool:
    """Finish the swap a journal describes (the build that wrote it died): move the rest of the
    new artefacts in, then the build record. Idempotent; True if there was one to finish."""
    journal = _journal(models)
    with _swap_lock(models):
        try:
            plan = json.loads(journal.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return False
        except (OSError, ValueError):
            journal.unlink(missing_ok=True)  # written atomically, so never half: unreadable = not ours
            return False
        _roll_forward(models, models / plan["tmp"], models / plan["backup"], plan["entries"])
        return True


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


@functools.lru_cache(maxsize=1)
def code_version() -> str:
    """A hash of the code that shapes the artefacts (parser, analysis, index, topics), once
    per process: the code that runs is the code imported (hashing the files on every search
    cost 0.7 ms; a file edited under a running app is not what it runs)."""
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
    from textkit.analysis import get_analyzer
    from textkit.corpus import load_editions
    from textkit.index import build_index
    from textkit.parse import NARRATIVE_SECTIONS

    report_progress(progress, 0.0, "Luetaan katsaukset")
    editions = load_editions(corpus_dir)
    if not editions:
        raise TextkitError("Aineistossa ei ole yhtään katsausta (corpus/editions.toml on tyhjä).")
    build_topics = _build_topics_fn()
    index_share = 0.6 if build_topics else 0.95
    report_progress(progress, 0.03, "Analysoidaan ja indeksoidaan kappaleet")
    # Each passage of sections 2–5 is analysed once: the topic model reuses the index pass's.
    narrative = [p.text for e in editions for p in e.passages(NARRATIVE_SECTIONS)] if build_topics else []
    with stage_times() as stages, get_analyzer().keeping_analyses(narrative):
        passages = build_index(editions, tmp, progress=scaled_progress(progress, 0.03, index_share))
        if build_topics:
            report_progress(progress, index_share, "Rakennetaan aihemalli")
            # The model in use (models/, beside tmp) gives the refit its topic identities.
            build_topics(editions, tmp, progress=scaled_progress(progress, index_share, 0.97), previous_dir=tmp.parent)
    record = {
        "fingerprint": fingerprint,
        "code": code_version(),
        "topics": build_topics is not None,
        "editions": [e.year for e in editions],
        "passages": passages,
        "built_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        # CPU seconds of the build's stages (analysis, index write, topic features, topic fit)
        "stage_cpu_s": {name: round(seconds, 3) for name, seconds in stages.items()},
        "files": _file_table(tmp),
    }
    (tmp / BUILD_FILE).write_text(json.dumps(record, indent=2), encoding="utf-8")
    return record


def _swap_in(tmp: Path, models: Path) -> None:
    """Rename every artefact of `tmp` into `models`, the build record last, following a
    journal written first: a build that dies at any rename leaves the journal, and
    recover_swap() (the next build or search) moves the rest in. The previous artefacts wait
    in a backup folder until the new record is in."""
    entries = sorted(p.name for p in tmp.iterdir() if p.name != BUILD_FILE)
    backup = models / f"{OLD_PREFIX}{tmp.name[len(TMP_PREFIX):]}"
    with _swap_lock(models):
        _write_atomic(_journal(models), json.dumps({"tmp": tmp.name, "backup": backup.name, "entries": entries}))
        _roll_forward(models, tmp, backup, entries)


def _roll_forward(models: Path, tmp: Path, backup: Path, entries: list[str]) -> None:
    """The swap's steps, each one safe to repeat after a crash at any point."""
    backup.mkdir(exist_ok=True)
    for name in entries:
        src, dest = tmp / name, models / name
        if not src.exists() and not src.is_symlink():
            continue  # moved in before the crash
        if dest.exists() or dest.is_symlink():
            os.rename(dest, _free_name(backup / name))
        os.rename(src, dest)
    if (tmp / BUILD_FILE).exists():
        os.replace(tmp / BUILD_FILE, models / BUILD_FILE)
    # The new artefacts and their record are complete: only now the journal and the old ones go.
    _journal(models).unlink(missing_ok=True)
    shutil.rmtree(backup, ignore_errors=True)
    shutil.rmtree(tmp, ignore_errors=True)


def _free_name(path: Path) -> Path:
    candidate, n = path, 0
    while candidate.exists() or candidate.is_symlink():
        n += 1
        candidate = path.with_name(f"{path.name}.{n}")
    return candidate


def _journal(models: Path) -> Path:
    return models / JOURNAL_FILE


def _write_atomic(path: Path, text: str) -> None:
    tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    with open(tmp, "w", encoding="utf-8") as handle:
        handle.write(text)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, path)


def _file_table(folder: Path) -> dict[str, list[Any]]:
    """Size and SHA-256 of every artefact file, by path relative to the models folder."""
    table = {}
    for path in sorted(folder.rglob("*")):
        if path.is_file() and path.name != BUILD_FILE:
            table[path.relative_to(folder).as_posix()] = [path.stat().st_size, _sha256(path)]
    return table


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _usable_models_dir(models_dir: Path | None, *, create: bool) -> Path:
    """The models folder, or a TextkitError that says what is wrong with it (a file, not
    creatable, read-only) instead of an OSError from deep inside the build."""
    models = paths.models_dir(models_dir)
    if models.exists() and not models.is_dir():
        raise TextkitError(
            f"Mallikansio {models} on tiedosto, ei kansio. Siirrä tiedosto pois tai anna "
            "TEXTKIT_MODELS-muuttujalla toinen kansio."
        )
    if not models.exists():
        if not create:
            parent = next((p for p in models.parents if p.exists()), models.parent)
            if not parent.is_dir() or not os.access(parent, os.W_OK | os.X_OK):
                raise TextkitError(
                    f"Mallikansiota {models} ei ole, eikä sitä voi luoda ({parent} ei ole kirjoitettava kansio). "
                    "Anna TEXTKIT_MODELS-muuttujalla kansio, johon voi kirjoittaa."
                )
            return models
        try:
            models.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise TextkitError(
                f"Mallikansiota {models} ei voi luoda ({exc.strerror}). Anna TEXTKIT_MODELS-muuttujalla "
                "kansio, johon voi kirjoittaa."
            ) from None
    if create and not os.access(models, os.W_OK | os.X_OK):
        raise TextkitError(
            f"Mallikansioon {models} ei voi kirjoittaa (vain luku). Hakuindeksiä ei voi rakentaa sinne; "
            "anna kirjoitusoikeus tai toinen kansio TEXTKIT_MODELS-muuttujalla."
        )
    return models


def _remove_leftovers(models: Path) -> None:
    """Temporary and backup folders of killed builds (we hold the build lock, so no build is
    running, and recover_swap() has finished any swap that needed them)."""
    if _journal(models).exists():
        return
    _restore_lost_index(models)
    for p in models.iterdir():
        if p.name.startswith((TMP_PREFIX, OLD_PREFIX)) and p.is_dir():
            shutil.rmtree(p, ignore_errors=True)
        elif p.name.startswith(f"{JOURNAL_FILE}.") and p.name.endswith(".tmp"):
            p.unlink(missing_ok=True)  # a journal a killed build did not finish writing


def _restore_lost_index(models: Path) -> None:
    """Never delete the only index: with models/index missing and no journal (a swap of an
    older textkit killed after moving the index aside), its backup is put back, the newest
    first. The build record does not match it, so it counts as stale until rebuilt."""
    if (models / "index").exists():
        return
    backups = [p for p in models.glob(f"{OLD_PREFIX}index-*") if p.is_dir()]
    backups += [p for p in models.glob(f"{OLD_PREFIX}*/index") if p.is_dir()]
    if backups:
        os.rename(max(backups, key=lambda p: p.stat().st_mtime_ns), models / "index")


@contextlib.contextmanager
def _swap_lock(models: Path) -> Iterator[None]:
    """Exclusive while artefacts are renamed: searches opening index files wait (see reading)."""
    try:
        import fcntl
    except ImportError:
        yield
        return
    with open(models / SWAP_LOCK_FILE, "a+") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


@contextlib.contextmanager
def _build_lock(models: Path, *, wait: bool = True) -> Iterator[bool]:
    """One build at a time per models folder (the app and the CLI may both start one).
    Yields whether the lock is held (always True when waiting)."""
    try:
        import fcntl
    except ImportError:  # not on POSIX: builds still write to their own temporary folders
        yield True
        return
    try:
        handle = open(models / LOCK_FILE, "a+")
    except OSError as exc:
        raise TextkitError(
            f"Mallikansioon {models} ei voi kirjoittaa ({exc.strerror}). Hakuindeksiä ei voi rakentaa sinne; "
            "anna kirjoitusoikeus tai toinen kansio TEXTKIT_MODELS-muuttujalla."
        ) from None
    with handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX if wait else fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
