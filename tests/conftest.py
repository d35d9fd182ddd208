"""Shared, expensive test fixtures (session-scoped)."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
EDITION_2024_FILE = ROOT / "corpus" / "toteutuskatsaus-2024.txt"


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
