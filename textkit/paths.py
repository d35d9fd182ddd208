"""Where textkit's data lives. Environment variables override the defaults (tests use them)."""

from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def corpus_dir() -> Path:
    """Folder of report editions and the manifest (`TEXTKIT_CORPUS` overrides)."""
    return Path(os.environ.get("TEXTKIT_CORPUS", ROOT / "corpus"))


def models_dir(folder: str | Path | None = None) -> Path:
    """Folder of built artefacts: index, topic model, excerpt database (`TEXTKIT_MODELS` overrides).

    `folder`, when given, wins (functions that take a `models_dir=` argument pass it on).
    """
    if folder is not None:
        return Path(folder)
    return Path(os.environ.get("TEXTKIT_MODELS", ROOT / "models"))
