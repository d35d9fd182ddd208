"""The progress callback every long-running stage takes: `progress(fraction: float, message: str)`.

`fraction` runs from 0 to 1; a stage that calls another one hands it a `scaled_progress`
callback, so the inner stage's 0–1 fills its own part of the outer bar.
"""

from __future__ import annotations

import contextlib
import threading
import time
from typing import Callable, Iterator

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


# ---------------------------------------------------------------- stage times

# CPU seconds per named stage of the build running in this thread ("analysis", "index
# write", "topic features", "topic fit"); `textkit.build` keeps them in the build record, so
# `bench/speed.py` and anyone curious can see where a build's time goes.
_STAGES = threading.local()


@contextlib.contextmanager
def stage_times() -> Iterator[dict[str, float]]:
    """Collect `add_stage_time` calls made in this thread while the block runs."""
    previous = getattr(_STAGES, "times", None)
    times: dict[str, float] = {}
    _STAGES.times = times
    try:
        yield times
    finally:
        _STAGES.times = previous


def add_stage_time(name: str, since: float) -> float:
    """Count the CPU time from `since` (a `time.process_time()` value) to now towards stage
    `name`; returns now, the start of whatever comes next. Free when no build is timing."""
    now = time.process_time()
    times = getattr(_STAGES, "times", None)
    if times is not None:
        times[name] = times.get(name, 0.0) + now - since
    return now
