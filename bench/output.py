"""How a bench script hands over its result: the JSON object `bench/run.py` collects."""

from __future__ import annotations

import json
from pathlib import Path


def emit(result: dict, json_path: str | Path | None) -> None:
    """Write `result` as JSON to `json_path` (the `--json OUT` of every part), or print it."""
    text = json.dumps(result, ensure_ascii=False, indent=2)
    if json_path:
        Path(json_path).write_text(text + "\n", encoding="utf-8")
    else:
        print(text)
