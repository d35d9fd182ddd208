"""The build's reliability: swaps that cannot lose the index (a kill before every rename),
integrity checks (sizes on open, checksums in `textkit build` and `--check`), searches that
never see half of a swap, leftovers of killed builds, and models folders that are not what
they should be. Corpora here are SYNTHETIC: the real 2024 title lines and its first themes."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from textkit import build
from textkit.cli import main
from textkit.errors import TextkitError
from textkit.index import INDEX_DIRNAME, search

from conftest import ROOT, first_themes_2024

EDITION_FILE = "toteutuskatsaus-2024.txt"


@pytest.fixture()
def corpus(tmp_path, monkeypatch):
    """SYNTHETIC corpus of the 2024 edition's first theme, in a temporary TEXTKIT_CORPUS, with
    TEXTKIT_MODELS in tmp_path/models (index only: the topic model has its own tests)."""
    folder = tmp_path / "corpus"
    folder.mkdir()
    (folder / EDITION_FILE).write_text(first_themes_2024(1), encoding="utf-8")
    shutil.copy(ROOT / "corpus" / "editions.toml", folder / "editions.toml")
    models = tmp_path / "models"
    monkeypatch.setenv("TEXTKIT_CORPUS", str(folder))
    monkeypatch.setenv("TEXTKIT_MODELS", str(models))
    monkeypatch.setattr(build, "_build_topics_fn", lambda: None)
    return folder, models


def _grow(corpus_folder: Path, themes: int) -> None:
    # Written atomically: builds in other threads may read the corpus meanwhile.
    tmp = corpus_folder / f".{EDITION_FILE}.tmp"
    tmp.write_text(first_themes_2024(themes), encoding="utf-8")
    os.replace(tmp, corpus_folder / EDITION_FILE)


def _list_a_missing_edition(corpus_folder: Path) -> None:
    """Break the corpus so that no build can run: the manifest lists a file that is not there."""
    manifest = corpus_folder / "editions.toml"
    manifest.write_text(manifest.read_text(encoding="utf-8") + '\n[[edition]]\nyear = 2031\nfile = "puuttuu-2031.txt"\n',
                        encoding="utf-8")


def _leftovers(models: Path) -> list[str]:
    return sorted(p.name for p in models.iterdir()
                  if p.name.startswith((build.TMP_PREFIX, build.OLD_PREFIX)) or p.name == build.JOURNAL_FILE)


class _Killed(BaseException):
    """Stands for SIGKILL: nothing of the build's own runs after it (no clean-up)."""


def _count_renames_in_swap(monkeypatch, kill_at: int | None = None) -> list[str]:
    """Make the k-th rename of the next swap 'kill' the build; returns the renames seen."""
    seen: list[str] = []
    real = {"rename": os.rename, "replace": os.replace}
    active = {"on": False}

    def wrap(name):
        def renamed(src, dst):
            if active["on"]:
                seen.append(f"{name} {Path(src).name} -> {Path(dst).name}")
                if kill_at is not None and len(seen) == kill_at:
                    raise _Killed()
            return real[name](src, dst)
        return renamed

    real_swap = build._swap_in

    def swap(tmp, models):
        active["on"] = True
        try:
            real_swap(tmp, models)
        finally:
            active["on"] = False

    monkeypatch.setattr(build.os, "rename", wrap("rename"))
    monkeypatch.setattr(build.os, "replace", wrap("replace"))
    monkeypatch.setattr(build, "_swap_in", swap)
    return seen


def _swap_renames(corpus, monkeypatch) -> list[str]:
    """The renames of one swap (a build of the grown corpus over a built one)."""
    with monkeypatch.context() as patch:
        seen = _count_renames_in_swap(patch)
        build.build_models()
    return seen


def test_the_swap_renames_are_the_ones_the_kill_test_covers(corpus, monkeypatch):
    _, models = corpus
    build.build_models()
    _grow(corpus[0], 2)
    seen = _swap_renames(corpus, monkeypatch)
    artefacts = sorted({name.split("/")[0] for name in build.read_build_record(models)["files"]})
    assert "index" in artefacts and "wordforms.json" in artefacts
    # journal in; per artefact: the old one aside, the new one in; the build record last
    assert seen[0].startswith("replace .swap-journal.json") and seen[-1] == "replace build.json -> build.json"
    assert seen[1:-1] == [f"rename {name} -> {name}" for name in artefacts for _ in (0, 1)]


def test_a_build_killed_before_any_rename_leaves_a_complete_index_in_use(corpus, monkeypatch, tmp_path):
    """For every rename of the swap in turn: a build killed just before it, then a search."""
    folder, models = corpus
    build.build_models()
    old_total = search("hanke", limit=0).total
    new_total = _total_after_clean_build(folder, tmp_path / "reference", themes=2)
    assert new_total > old_total
    pristine_models, pristine_corpus = tmp_path / "pristine-models", tmp_path / "pristine-corpus"
    shutil.copytree(models, pristine_models)
    shutil.copytree(folder, pristine_corpus)
    _grow(folder, 2)
    renames = len(_swap_renames(corpus, monkeypatch))
    for kill_at in range(1, renames + 1):
        models_k, corpus_k = tmp_path / f"models-{kill_at}", tmp_path / f"corpus-{kill_at}"
        shutil.copytree(pristine_models, models_k)
        shutil.copytree(pristine_corpus, corpus_k)
        _grow(corpus_k, 2)
        monkeypatch.setenv("TEXTKIT_CORPUS", str(corpus_k))
        monkeypatch.setenv("TEXTKIT_MODELS", str(models_k))
        with monkeypatch.context() as patch:
            _count_renames_in_swap(patch, kill_at)
            with pytest.raises(_Killed):
                build.build_models()
        messages = []
        total = search("hanke", limit=0, progress=lambda f, m: messages.append(m)).total
        rebuilt = [m for m in messages if "rakennetaan" in m.lower()]
        if kill_at == 1:
            # Killed before the journal was in: the old index was complete and in use all
            # along; the corpus has changed since, so this search rebuilds, as after any failed build.
            assert rebuilt and "muuttunut" in rebuilt[0]
        else:
            # The swap was finished from the journal: the new index answers, without a rebuild.
            assert not rebuilt, (kill_at, messages)
        assert total == new_total, kill_at
        assert build.check_models() is None, kill_at
        assert _leftovers(models_k) == [], kill_at


def _total_after_clean_build(corpus_folder: Path, models: Path, themes: int) -> int:
    reference = models.parent / "reference-corpus"
    shutil.copytree(corpus_folder, reference)
    _grow(reference, themes)
    build.build_models(models_dir=models, corpus_dir=reference)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("TEXTKIT_CORPUS", str(reference))
        return search("hanke", limit=0, models_dir=models).total


def test_a_later_failed_build_never_deletes_the_only_complete_index(corpus, monkeypatch, capsys):
    folder, models = corpus
    build.build_models()
    _grow(folder, 2)
    _count_renames_in_swap(monkeypatch, kill_at=3)  # the old index is aside, the new not yet in
    with pytest.raises(_Killed):
        build.build_models()
    monkeypatch.undo()
    monkeypatch.setenv("TEXTKIT_CORPUS", str(folder))
    monkeypatch.setenv("TEXTKIT_MODELS", str(models))
    monkeypatch.setattr(build, "_build_topics_fn", lambda: None)
    assert not (models / INDEX_DIRNAME).exists()  # what the probe found after a kill here
    # The next build cannot run: the manifest lists a file that is not there.
    _list_a_missing_edition(folder)
    with pytest.raises(TextkitError):
        build.build_models()
    assert (models / INDEX_DIRNAME).is_dir() and _leftovers(models) == []
    # Searching still works: the stale index is used and the failed rebuild reported.
    assert search("hanke", limit=0).total > 0
    assert "käytetään edellistä" in capsys.readouterr().err


def test_an_index_moved_aside_by_an_older_swap_is_put_back_not_deleted(corpus, capsys):
    """The state the probe found after a kill in the swap of textkit before the journal:
    models/index missing, the complete index in .old-index-…, a build record marked
    incomplete. A build that cannot run then deleted it; now it is put back."""
    folder, models = corpus
    build.build_models()
    total = search("hanke", limit=0).total
    os.rename(models / INDEX_DIRNAME, models / f"{build.OLD_PREFIX}index-1a2b3c4d")
    (models / build.BUILD_FILE).write_text('{"incomplete": true}', encoding="utf-8")
    _list_a_missing_edition(folder)
    with pytest.raises(TextkitError):
        build.build_models()
    assert (models / INDEX_DIRNAME).is_dir() and _leftovers(models) == []
    assert search("hanke", limit=0).total == total  # the rebuild fails; the previous index answers
    assert "käytetään edellistä" in capsys.readouterr().err


def test_a_real_kill_at_the_rename_of_the_index_loses_nothing(corpus, tmp_path):
    """SIGKILL in a child process just before the new index is renamed into place."""
    folder, models = corpus
    script = f"""
import os, signal, sys
sys.path.insert(0, {str(ROOT)!r})
from textkit import build
build._build_topics_fn = lambda: None
build.build_models()
open({str(folder / EDITION_FILE)!r}, "w", encoding="utf-8").write(sys.stdin.read())
real_rename = os.rename
def rename(src, dst):
    if os.path.basename(src) == "index" and ".build-tmp-" in str(src):
        os.kill(os.getpid(), signal.SIGKILL)
    return real_rename(src, dst)
os.rename = rename
build.build_models()
"""
    env = {**os.environ, "TEXTKIT_CORPUS": str(folder), "TEXTKIT_MODELS": str(models)}
    done = subprocess.run([sys.executable, "-c", script], input=first_themes_2024(2), text=True, env=env,
                          capture_output=True, timeout=300)
    assert done.returncode == -signal.SIGKILL, done.stderr
    assert not (models / INDEX_DIRNAME).exists() and (models / build.JOURNAL_FILE).exists()
    # The CLI finishes the swap and answers from the complete new index.
    assert main(["search", "hanke", "--limit", "0"]) == 0
    assert (models / INDEX_DIRNAME).is_dir() and build.check_models() is None and _leftovers(models) == []


def test_leftovers_of_a_killed_build_go_at_the_next_search_but_not_a_running_builds(corpus):
    import fcntl

    _, models = corpus
    build.build_models()
    dead = models / f"{build.TMP_PREFIX}99999-deadbeef"
    (dead / INDEX_DIRNAME).mkdir(parents=True)
    (dead / INDEX_DIRNAME / "_MAIN_1.toc").write_bytes(b"half")
    with open(models / build.LOCK_FILE, "a+") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # another process is building: its folder stays
        assert search("hanke").total > 0
        assert dead.exists()
        fcntl.flock(lock, fcntl.LOCK_UN)
    assert search("hanke").total > 0
    assert not dead.exists()


# ---------------------------------------------------------------- integrity


def _index_file(models: Path, suffix: str) -> Path:
    return next(p for p in sorted((models / INDEX_DIRNAME).iterdir()) if p.name.endswith(suffix))


def test_build_record_holds_size_and_checksum_of_every_artefact(corpus):
    _, models = corpus
    build.build_models()
    files = build.read_build_record(models)["files"]
    on_disk = sorted(p.relative_to(models).as_posix() for p in (models / INDEX_DIRNAME).iterdir())
    assert sorted(n for n in files if n.startswith("index/")) == on_disk
    assert "wordforms.json" in files
    assert all(size == (models / name).stat().st_size and len(digest) == 64 for name, (size, digest) in files.items())


@pytest.mark.parametrize("damage", ["random bytes", "truncated .pst", "truncated .trm", "garbage, same size"])
def test_a_damaged_index_is_named_and_rebuilt_never_up_to_date(corpus, damage, capsys):
    _, models = corpus
    build.build_models()
    expected = search("hanke", limit=0).total
    if damage == "random bytes":
        for path in (models / INDEX_DIRNAME).iterdir():
            path.write_bytes(os.urandom(path.stat().st_size + 100))
    elif damage.startswith("truncated"):
        path = _index_file(models, damage.split()[-1])
        path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    else:
        path = _index_file(models, ".pst")
        data = bytearray(path.read_bytes())
        data[len(data) // 2: len(data) // 2 + 16] = b"\x00" * 16
        path.write_bytes(bytes(data))
    assert main(["build", "--check"]) == 2
    err = capsys.readouterr().err
    assert "vaurioitunut" in err and "Traceback" not in err
    assert main(["build"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("Korjattu: Hakuindeksin tiedosto") and "Rakennettu:" in out and "Ajan tasalla" not in out
    assert main(["build", "--check"]) == 0
    assert search("hanke", limit=0).total == expected


@pytest.mark.parametrize("damage", ["random bytes", "truncated .trm"])
def test_search_over_a_damaged_index_says_so_and_rebuilds(corpus, damage, capsys):
    _, models = corpus
    build.build_models()
    expected = search("hanke", limit=0).total
    if damage == "random bytes":
        for path in (models / INDEX_DIRNAME).iterdir():
            path.write_bytes(os.urandom(path.stat().st_size))   # same sizes: only a read error shows it
    else:
        path = _index_file(models, ".trm")
        path.write_bytes(path.read_bytes()[:100])
    assert main(["search", "hanke", "--limit", "0", "--json"]) == 0
    captured = capsys.readouterr()
    assert "vaurioitunut" in captured.err and "Traceback" not in captured.err
    assert f'"total": {expected}' in captured.out


# ---------------------------------------------------------------- searches during rebuilds


def test_a_searcher_opened_before_a_swap_reads_its_own_index_to_the_end(corpus):
    from textkit.index import _pinned_searcher

    folder, models = corpus
    build.build_models()
    with _pinned_searcher(None, None) as searcher:
        count = searcher.doc_count_all()
        _grow(folder, 2)
        build.build_models()  # swaps a larger index in and deletes the old files
        assert all(searcher.stored_fields(i)["passage_id"].startswith("2024-01-") for i in range(count))
    assert search("hanke", limit=0).facets["theme"] and len(search("hanke", limit=0).facets["theme"]) == 2


def test_searches_in_threads_during_repeated_rebuilds_in_one_process(corpus):
    folder, models = corpus
    build.build_models()
    small = search("hanke", limit=0).total
    _grow(folder, 2)
    build.build_models()
    large = search("hanke", limit=0).total
    assert large > small
    errors: list[BaseException] = []
    totals: set[int] = set()
    stop = threading.Event()

    def searching():
        while not stop.is_set():
            try:
                result = search("hanke", limit=0)
                assert sum(result.facets["theme"].values()) == result.total == len(result.hits)
                totals.add(result.total)
            except BaseException as exc:  # noqa: BLE001 - collected and asserted below
                errors.append(exc)
                return

    threads = [threading.Thread(target=searching) for _ in range(3)]
    for thread in threads:
        thread.start()
    try:
        for round_ in range(6):
            _grow(folder, 1 + round_ % 2)
            build.build_models()
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=60)
    assert not errors, repr(errors[0])
    assert totals <= {small, large} and totals


# ---------------------------------------------------------------- models folders


def test_models_folder_that_is_a_regular_file(corpus, monkeypatch, tmp_path, capsys):
    not_a_folder = tmp_path / "models.txt"
    not_a_folder.write_text("muistiinpanoja", encoding="utf-8")
    monkeypatch.setenv("TEXTKIT_MODELS", str(not_a_folder))
    for argv in (["build"], ["search", "hanke"], ["build", "--check"]):
        assert main(argv) == 2
        err = capsys.readouterr().err
        assert f"Mallikansio {not_a_folder} on tiedosto, ei kansio" in err and "Traceback" not in err
    assert not_a_folder.read_text(encoding="utf-8") == "muistiinpanoja"


def test_models_folder_that_cannot_be_created(corpus, monkeypatch, tmp_path, capsys):
    parent = tmp_path / "tiedosto"
    parent.write_text("x", encoding="utf-8")
    monkeypatch.setenv("TEXTKIT_MODELS", str(parent / "models"))
    for argv in (["build"], ["search", "hanke"]):
        assert main(argv) == 2
        err = capsys.readouterr().err
        assert "Mallikansiota" in err and "Traceback" not in err


def test_read_only_models_folder(corpus, monkeypatch, capsys):
    """A read-only folder (EROFS from a read-only mount; as root a chmod would not stop the
    writes, so the refusals are simulated where they happen)."""
    import errno

    _, models = corpus
    models.mkdir()
    real_open = open
    real_access = os.access

    def read_only_open(path, mode="r", *args, **kwargs):
        if str(path).startswith(str(models)) and any(ch in mode for ch in "wa+x"):
            raise OSError(errno.EROFS, "Read-only file system", str(path))
        return real_open(path, mode, *args, **kwargs)

    monkeypatch.setattr("builtins.open", read_only_open)
    monkeypatch.setattr(build.os, "access", lambda p, m: False if str(p) == str(models) else real_access(p, m))
    for argv in (["build"], ["search", "hanke"]):
        assert main(argv) == 2
        err = capsys.readouterr().err
        assert f"Mallikansioon {models} ei voi kirjoittaa" in err and "Traceback" not in err
    assert list(models.iterdir()) == []
    # Only the lock file's refusal, without os.access knowing: the same message.
    monkeypatch.setattr(build.os, "access", real_access)
    assert main(["build"]) == 2
    assert f"Mallikansioon {models} ei voi kirjoittaa (Read-only file system)" in capsys.readouterr().err
