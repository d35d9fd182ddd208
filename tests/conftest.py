"""Shared test fixtures and helpers (the expensive fixtures are session-scoped)."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "corpus"                      # the real corpus folder (read-only for tests)
EDITION_2024_FILE = CORPUS / "toteutuskatsaus-2024.txt"


def load_script(relative: str):
    """A script of the repository that is not part of the package (bench/, scripts/), imported
    from its path, e.g. `load_script("bench/run.py")`; registered in sys.modules under a name
    made from the path, so dataclasses and pickling in it work."""
    import importlib.util
    import sys

    name = relative.removesuffix(".py").replace("/", "_")
    spec = importlib.util.spec_from_file_location(name, ROOT / relative)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def first_themes_2024(count: int) -> str:
    """SYNTHETIC edition text: the real 2024 title lines and its first `count` themes, unchanged."""
    lines = EDITION_2024_FILE.read_text(encoding="utf-8").split("\n")
    starts = [i for i, line in enumerate(lines) if line.strip() == "Valtakunnallinen teema"]
    return "\n".join(lines[: starts[count]])


def shifted_themes_2024(count: int, year: int) -> str:
    """SYNTHETIC later (or earlier) edition: `first_themes_2024(count)` with every year 2010–2029
    in it moved by `year - 2024`, so its reporting line reads "Katsaus 31.10.<year>"."""
    import re

    shift = year - 2024
    return re.sub(r"(?<!\d)(20[12]\d)(?!\d)", lambda m: str(int(m.group(1)) + shift), first_themes_2024(count))


@pytest.fixture(scope="session")
def edition_2024():
    """The real 2024 edition, parsed once per test session (read-only: Edition is frozen)."""
    from textkit.parse import parse_file

    return parse_file(EDITION_2024_FILE, year=2024)


@pytest.fixture(scope="session")
def index_2024(tmp_path_factory, edition_2024):
    """A models folder holding only the search index of the real 2024 edition, built once per
    session (pass it as `models_dir=`, or point TEXTKIT_MODELS at it)."""
    from textkit.index import build_index

    folder = tmp_path_factory.mktemp("models-2024")
    build_index([edition_2024], folder)
    return folder


@pytest.fixture(scope="session")
def built_models(tmp_path_factory):
    """A models folder built by `textkit.build.build_models` (search index + topic model) from the
    real corpus/, once per session. Read-only for tests: copy it (or use `app_models` in
    tests/test_app.py) before writing, e.g. the excerpt basket. Does not set TEXTKIT_MODELS
    itself, so tests that want it use monkeypatch.setenv."""
    from textkit.build import build_models

    folder = tmp_path_factory.mktemp("built-models")
    with pytest.MonkeyPatch.context() as patch:
        # The build reads both folders from the environment in places; pin them for its duration.
        patch.setenv("TEXTKIT_MODELS", str(folder))
        patch.setenv("TEXTKIT_CORPUS", str(CORPUS))
        build_models(models_dir=folder, corpus_dir=CORPUS)
    return folder


@pytest.fixture()
def corpus_copy(tmp_path, monkeypatch):
    """A writable copy of the real corpus (manifest and 2024 file) in tmp_path/corpus, with
    TEXTKIT_CORPUS pointing at it, for tests that add editions."""
    folder = tmp_path / "corpus"
    folder.mkdir()
    shutil.copy(CORPUS / "editions.toml", folder / "editions.toml")
    shutil.copy(EDITION_2024_FILE, folder / EDITION_2024_FILE.name)
    monkeypatch.setenv("TEXTKIT_CORPUS", str(folder))
    return folder


FORM_FIXTURES = ROOT / "tests" / "fixtures" / "form"   # SYNTHETIC: see tests/fixtures/make_form_fixtures.py
URL_RE = re.compile(r"(?:https?://|www\.)[^\s|]+")      # a printed web address


def bare(text: str) -> str:
    """Text without any whitespace, to find words across line breaks."""
    return "".join(text.split())


def section_similarity(a: str, b: str) -> float:
    """difflib ratio of two section texts, over their words (whitespace normalised)."""
    import difflib

    return difflib.SequenceMatcher(None, a.split(), b.split(), autojunk=False).ratio()


@pytest.fixture(scope="session")
def printed_form_pages():
    """The text of each page of the SYNTHETIC form PDF as pypdf reads it, whitespace removed:
    an independent reference for the page each passage's first words are printed on."""
    from pypdf import PdfReader

    return ["".join((page.extract_text() or "").split()) for page in PdfReader(FORM_FIXTURES / "toteutuskatsaus-2024-form.pdf").pages]
