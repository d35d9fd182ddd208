"""`make bench`'s runner: `--only` refreshes some parts and keeps the others, marked as earlier."""

from __future__ import annotations

import json

from conftest import load_script

PART_SCRIPT = '''
import json, sys
out = sys.argv[sys.argv.index("--json") + 1]
json.dump({"targets": [{"name": "speed", "textkit": 1.0, "baseline": 2.0, "ratio": 0.5,
                        "target": "<= 1", "pass": True}]}, open(out, "w"))
'''


def _runner():
    return load_script("bench/run.py")


def test_only_replaces_its_parts_and_keeps_the_others_marked_as_an_earlier_run(tmp_path, monkeypatch):
    run = _runner()
    scripts = tmp_path / "scripts"
    scripts.mkdir()
    (scripts / "fast.py").write_text(PART_SCRIPT, encoding="utf-8")
    monkeypatch.setattr(run, "BENCH", scripts)
    monkeypatch.setattr(run, "PARTS", (run.Part("slow", "slow.py", "Slow part", 10),
                                       run.Part("fast", "fast.py", "Fast part", 60)))
    out = tmp_path / "out"
    out.mkdir()
    earlier_targets = [{"name": "quality", "textkit": 0.3, "baseline": 0.2, "ratio": 1.5,
                        "target": ">= 1.8", "pass": False}]
    (out / "results.json").write_text(json.dumps({
        "generated_utc": "2026-01-01 00:00:00 UTC", "commit": "abc1234",
        "parts": {"slow": {"title": "Slow part", "script": "bench/slow.py", "status": "ok",
                           "duration_s": 99.0, "data": {"targets": earlier_targets}},
                  "fast": {"title": "Fast part", "script": "bench/fast.py", "status": "ok",
                           "duration_s": 1.0, "data": {"targets": []}}}}), encoding="utf-8")

    assert run.main(["--only", "fast", "--out-dir", str(out)]) == 0

    report = json.loads((out / "results.json").read_text(encoding="utf-8"))
    assert list(report["parts"]) == ["slow", "fast"]
    slow, fast = report["parts"]["slow"], report["parts"]["fast"]
    assert slow["data"]["targets"] == earlier_targets and slow["commit"] == "abc1234"
    assert fast["data"]["targets"][0]["name"] == "speed" and fast["commit"] == report["commit"]
    markdown = (out / "RESULTS.md").read_text(encoding="utf-8")
    assert "| slow (earlier run, `abc1234`) | quality |" in markdown
    assert "measured at commit `abc1234` on 2026-01-01 00:00:00 UTC" in markdown
    assert "| fast | speed |" in markdown

    # Without --only the run is whole: nothing of the earlier file is kept.
    (scripts / "slow.py").write_text(PART_SCRIPT, encoding="utf-8")
    assert run.main(["--out-dir", str(out)]) == 0
    markdown = (out / "RESULTS.md").read_text(encoding="utf-8")
    assert "(earlier run," not in markdown and "From an earlier run" not in markdown
    assert "| slow | speed |" in markdown
