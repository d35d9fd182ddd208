"""The progress callback every long-running stage takes: `progress(fraction: float, message: str)`.

`fraction` runs from 0 to 1; a stage that calls another one hands it a `scaled_progress`
callback, so the inner stage's 0–1 fills its own part of the outer bar.
"""

from __future__ import annotations

from typing import Callable

ProgressFn = Callable[[float, str], None]


def report_progress(progress: ProgressFn | None, fraction: float, message: str) -> None:
    """Call `progress` (if any) with `fraction` kept within 0–1."""
    if progress:
        progress(min(1.0, max(0.0, fraction)), message)


def scaled_progress(progress: ProgressFn | None, lo: float, hi: float) -> ProgressFn | None:
    """A callback that maps an inner stage's 0–1 onto `lo`–`hi` of `progress` (None stays None)."""
    if progress is None:
        return None
    return lambda fraction, message: progress(lo + (hi - lo) * min(1.0, max(0.0, fraction)), message)
