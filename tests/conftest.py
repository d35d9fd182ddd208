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
