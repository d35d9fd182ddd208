"""`make bench`: run every benchmark part, each next to its baseline, and write the results.

Each part is a script in bench/ that writes one JSON object with `--json OUT` (the contract is
in bench/README.md). They run one after another in their own processes, each with a time
budget, so one slow or broken part cannot take the others down; a part that fails is reported
as such in the results instead of being left out. Output: bench/results.json (everything) and
bench/RESULTS.md (readable: machine, versions, date, commit, every figure next to its baseline
and target, PASS/FAIL).

Usage: ``python bench/run.py [--only speed,app] [--quick] [--out-dir bench]``.

With ``--only``, the parts run are replaced in the existing results.json and the other parts are
kept as they were measured; every part records the commit and time it was measured at, and
RESULTS.md marks the parts that come from an earlier run than its header's commit.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"


@dataclass(frozen=True)
class Part:
    name: str
    script: str
    title: str
    budget_s: int           # hard timeout; the whole run must stay under ten minutes
    args: tuple[str, ...] = ()
    quick_args: tuple[str, ...] = ()


# Order: cheap and independent first, the expensive scale run last but one, the app last
# because it needs a models build of its own.
PARTS = (
    Part("lemmatize_ud", "lemmatize_ud.py", "Lemmatisation: UD Finnish-TDT test set", 90),
    Part("search_quality", "search_quality.py", "Search quality: judged queries", 120),
    Part("topics_quality", "topics_quality.py", "Topics: agreement with judged sentences, coherence, stability", 180),
    Part("topic_identity", "topic_identity.py", "Topics: identity kept across refits", 120),
    Part("speed", "speed.py", "Speed at 1×, 10×, 100× (SYNTHETIC scale-up of 2024)", 450,
         quick_args=("--sizes", "1,10")),
    Part("app", "app_start.py", "App: cold start to first result, rerun", 120),
    Part("parse_formats", "parse_formats.py", "Parsing PDF and DOCX editions (SYNTHETIC form fixtures)", 150),
)

PACKAGES = ("whoosh-reloaded", "libvoikko", "spacy", "scikit-learn", "numpy", "scipy", "simplemma",
            "marisa-trie", "streamlit", "selenium", "tantivy")
DEBIAN_PACKAGES = ("libvoikko1", "voikko-fi", "chromium")


def main(argv: list[str] | None = None) -> int:
    args = _parse_args(argv)
    parts = [p for p in PARTS if not args.only or p.name in args.only]
    started = time.time()
    results = {}
    out_dir = Path(args.out_dir)
    stamp = {"commit": _git("rev-parse", "--short", "HEAD"),
             "uncommitted_changes": bool(_git("status", "--porcelain", "--", "textkit", "bench", "app.py"))}
    with tempfile.TemporaryDirectory(prefix="textkit-bench-") as tmp:
        for part in parts:
            measured = _utc_now()
            results[part.name] = {**_run_part(part, Path(tmp), quick=args.quick), **stamp, "measured_utc": measured}
    if args.only:
        results = _merged_parts(_earlier_parts(out_dir / "results.json"), results)
    report = {
        "generated_utc": _utc_now(),
        "commit": stamp["commit"],
        "commit_subject": _git("log", "-1", "--format=%s"),
        "uncommitted_changes": stamp["uncommitted_changes"],
        "machine": _machine(),
        "versions": _versions(),
        "total_s": round(time.time() - started, 1),
        "quick": args.quick,
        "parts": results,
    }
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "results.json").write_text(
        json.dumps(report, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    (out_dir / "RESULTS.md").write_text(render_markdown(report), encoding="utf-8")
    print(f"bench: done in {report['total_s']:.0f} s → {out_dir / 'RESULTS.md'}", file=sys.stderr)
    return 0


def _utc_now() -> str:
    return dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")


def _earlier_parts(path: Path) -> dict:
    """The parts of an earlier results.json, each stamped with the run it came from (a part of
    an older file without its own stamp gets that file's commit and date); {} without a file."""
    try:
        earlier = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError):
        return {}
    return {name: {"commit": earlier.get("commit", "?"), "measured_utc": earlier.get("generated_utc", "?"),
                   "uncommitted_changes": earlier.get("uncommitted_changes", False), **part}
            for name, part in earlier.get("parts", {}).items()}


def _merged_parts(earlier: dict, new: dict) -> dict:
    """`new` in place of the same parts of `earlier`, in the order of PARTS (unknown parts last)."""
    merged = {**earlier, **new}
    order = [p.name for p in PARTS]
    return dict(sorted(merged.items(), key=lambda kv: order.index(kv[0]) if kv[0] in order else len(order)))


# --- running the parts --------------------------------------------------------------------

def _run_part(part: Part, tmp: Path, quick: bool) -> dict:
    script = BENCH / part.script
    base = {"title": part.title, "script": f"bench/{part.script}", "budget_s": part.budget_s}
    if not script.exists():
        return {**base, "status": "missing", "error": f"bench/{part.script} does not exist"}
    out = tmp / f"{part.name}.json"
    cmd = [sys.executable, str(script), "--json", str(out), *part.args,
           *(part.quick_args if quick else ())]
    print(f"bench: {part.name} (budget {part.budget_s} s) …", file=sys.stderr, flush=True)
    t0 = time.time()
    # Own process group, so that a part stopped by its budget takes its children with it.
    proc = subprocess.Popen(cmd, cwd=ROOT, text=True, stdout=subprocess.PIPE, stderr=None,
                            env={**os.environ, "PYTHONPATH": str(ROOT)}, start_new_session=True)
    try:
        stdout, _ = proc.communicate(timeout=part.budget_s)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        timeout = {**base, "status": "timeout", "duration_s": round(time.time() - t0, 1),
                   "error": f"did not finish within its budget of {part.budget_s} s"}
        if out.exists():  # a part may write what it measured so far (speed does, per size)
            try:
                return {**timeout, "data": json.loads(out.read_text(encoding="utf-8"))}
            except json.JSONDecodeError:
                pass
        return timeout
    duration = round(time.time() - t0, 1)
    if proc.returncode != 0 or not out.exists():
        return {**base, "status": "failed", "duration_s": duration,
                "error": f"exit status {proc.returncode}; see the run's stderr",
                "stdout_tail": (stdout or "")[-2000:]}
    try:
        data = json.loads(out.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        return {**base, "status": "failed", "duration_s": duration,
                "error": f"wrote invalid JSON: {exc}"}
    print(f"bench: {part.name} done in {duration:.0f} s", file=sys.stderr, flush=True)
    return {**base, "status": "ok", "duration_s": duration, "data": data}


# --- RESULTS.md ---------------------------------------------------------------------------

def render_markdown(report: dict) -> str:
    m, v = report["machine"], report["versions"]
    lines = [
        "# textkit benchmark results",
        "",
        "Generated by `make bench` (`bench/run.py`); do not edit by hand. Every figure stands next",
        "to its baseline from the same run. Targets are ratios because absolute times vary",
        "between machines; absolute numbers are given for the record.",
        "",
        f"- **Date:** {report['generated_utc']}",
        f"- **Commit:** `{report['commit']}` {report['commit_subject']}"
        + (" (with uncommitted changes in textkit/, bench/ or app.py)"
           if report["uncommitted_changes"] else ""),
        f"- **Machine:** {m['cpu']}, {m['cores']} cores, {m['memory_gb']} GB RAM, {m['os']}",
        f"- **Python:** {m['python']}",
        "- **Versions:** " + ", ".join(f"{k} {val}" for k, val in v.items()),
        f"- **Total run time:** {report['total_s']:.0f} s"
        + (" (quick mode: smaller sizes)" if report.get("quick") else ""),
        "",
        "## Summary of targets",
        "",
        _tally(report["parts"]),
        "",
        "| part | target | textkit | baseline | ratio | goal | result |",
        "|---|---|---|---|---|---|---|",
    ]
    for name, part in report["parts"].items():
        if "data" not in part:
            lines.append(f"| {name} | – | – | – | – | – | **NOT RUN** ({part['status']}: "
                         f"{_cell(part.get('error', ''))}) |")
            continue
        shown = name if part.get("commit", report["commit"]) == report["commit"] else f"{name} (earlier run, `{part['commit']}`)"
        for t in part["data"].get("targets", []):
            lines.append(_target_row(shown, t))
    for name, part in report["parts"].items():
        lines += ["", f"## {part['title']}", ""]
        if "data" not in part:
            lines.append(f"Not run: **{part['status']}**: {part.get('error', '')}")
            continue
        data = part["data"]
        if part.get("commit", report["commit"]) != report["commit"]:
            lines += [f"*From an earlier run: measured at commit `{part['commit']}` on {part.get('measured_utc', '?')}"
                      + (" (with uncommitted changes)" if part.get("uncommitted_changes") else "") + ".*", ""]
        lines.append(f"`{part['script']}`, {part['duration_s']:.0f} s."
                     + (f" **Incomplete: {part['error']}; what it measured until then:**"
                        if part["status"] != "ok" else ""))
        renderer = _RENDERERS.get(name, _render_generic)
        lines += renderer(data)
    return "\n".join(lines) + "\n"


def _tally(parts: dict) -> str:
    verdicts = [_verdict(t.get("pass"), str(t.get("target", "")))
                for p in parts.values() if "data" in p for t in p["data"].get("targets", [])]
    not_run = [name for name, p in parts.items() if "data" not in p]
    text = (f"{verdicts.count('**PASS**')} targets pass, {verdicts.count('**FAIL**')} fail, "
            f"{verdicts.count('info')} figures are for information.")
    return text + (f" Not run: {', '.join(not_run)}." if not_run else "")


def _target_row(part: str, t: dict) -> str:
    return (f"| {part} | {_cell(t.get('name', ''))} | {_fmt(t.get('textkit'), t.get('unit'))} | "
            f"{_fmt_baseline(t.get('baseline'), t.get('unit'))} | {_fmt(t.get('ratio'))} | "
            f"{_cell(t.get('target', ''))} | {_verdict(t.get('pass'), str(t.get('target', '')))} |")


def _render_generic(data: dict) -> list[str]:
    lines: list[str] = []
    if data.get("title"):
        lines += ["", f"**{data['title']}**"]
    if data.get("baseline") and isinstance(data["baseline"], str):
        lines += ["", f"Baseline: {data['baseline']}"]
    if data.get("targets"):
        lines += ["", "| target | textkit | baseline | ratio | goal | result |",
                  "|---|---|---|---|---|---|"]
        for t in data["targets"]:
            lines.append(_target_row("", t).removeprefix("|  "))
    for table in data.get("tables", []):
        lines += _table(table)
    for note in data.get("notes", []):
        lines += ["", note]
    return lines


def _render_speed(data: dict) -> list[str]:
    names = data.get("system_names", {})
    lines = ["", f"**{data['synthetic_note']}**", "", f"Baseline (the targets): {data['baseline']}.", ""]
    for system, text in data.get("references", {}).items():
        lines.append(f"Reference row, {names.get(system, system)}: {text}.")
    lines += ["", data.get("timing_note", ""), "",
              f"Load average (1, 5, 15 min) at the start {data['load_average']['start']}, "
              f"at the end {data['load_average']['end']} (2 cores).", "",
              "Query mix (each query: one untimed warm-up, then "
              f"{data.get('query_repeats')} timed runs; total, counts per theme, section and "
              "edition, top 20 hits with snippets, sections 2–5): "
              + "; ".join(f"{kind}: " + ", ".join(f"`{q}`" for q in qs)
                          for kind, qs in data["queries"].items()),
              "", "| size | system | passages | words (narrative) | build CPU s (process) | "
              "build wall s (process) | build CPU s (build only) | peak MB | index MB | "
              "query p50 / p95 CPU ms | query p95 wall ms | hits |",
              "|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for r in data["rows"]:
        label = f"{r['size']}×" + (" SYNTHETIC" if r.get("synthetic") else " (real 2024)")
        lines.append(
            f"| {label} | {names.get(r['system'], r['system'])} | {r['passages']:,} | {r['words']:,} "
            f"({r['narrative_words']:,}) | {r['process_cpu_s']:.2f} | {r['process_wall_s']:.2f} | "
            f"{r['build_cpu_s']:.2f} | {r['peak_rss_mb']:.0f} | {r['index_bytes'] / 1e6:.1f} | "
            f"{r['cpu_p50_ms']:.1f} / {r['cpu_p95_ms']:.1f} | {r['p95_ms']:.1f} | "
            f"{sum(r['hits'].values()):,} |")
    staged = [r for r in data["rows"] if r.get("stage_cpu_s")]
    if staged:
        stages = list(dict.fromkeys(name for r in staged for name in r["stage_cpu_s"]))
        lines += ["", "textkit's full build by stage, CPU s (from the build record; the rest is "
                  "imports, reading the edition, the topic tables and writing):", "",
                  "| size | " + " | ".join(stages) + " | rest | whole process |",
                  "|---|" + "---|" * (len(stages) + 2)]
        for r in staged:
            rest = r["process_cpu_s"] - sum(r["stage_cpu_s"].values())
            lines.append(f"| {r['size']}× | " + " | ".join(
                f"{r['stage_cpu_s'].get(name, 0.0):.2f}" for name in stages)
                + f" | {rest:.2f} | {r['process_cpu_s']:.2f} |")
    lines += ["", "textkit / other system ratios:", "",
              "| size | versus | build CPU (process) | build CPU (build only) | peak memory | "
              "index size | query p95 wall | query p50 CPU | query p95 CPU |",
              "|---|---|---|---|---|---|---|---|---|"]
    for r in data["ratios"]:
        lines.append(f"| {r['size']}× | {names.get(r.get('versus'), r.get('versus'))} | "
                     f"{_fmt(r['process_cpu_s'])} | {_fmt(r['build_cpu_s'])} | "
                     f"{_fmt(r['peak_rss_mb'])} | {_fmt(r['index_bytes'])} | {_fmt(r['p95_ms'])} | "
                     f"{_fmt(r['cpu_p50_ms'])} | {_fmt(r['cpu_p95_ms'])} |")
    systems = list(dict.fromkeys(r["system"] for r in data["rows"]))
    lines += ["", "Query p95 CPU ms by kind (" + " / ".join(names.get(s, s) for s in systems) + "):", "",
              "| size | " + " | ".join(data["queries"]) + " |",
              "|---|" + "---|" * len(data["queries"])]
    by = {(r["system"], r["size"]): r for r in data["rows"]}
    for size in sorted({r["size"] for r in data["rows"]}):
        if all((s, size) in by for s in systems):
            lines.append(f"| {size}× | " + " | ".join(
                " / ".join(f"{by[(s, size)]['by_kind'][k]['cpu_p95_ms']:.1f}" for s in systems)
                for k in data["queries"]) + " |")
    cold = data.get("cold_start")
    if cold:
        lines += ["", f"CLI cold start at 1× (fresh processes, {cold['rounds']} runs of each, "
                  "interleaved, models built):", "",
                  "| command | wall median s | wall min s | CPU median s | peak MB |",
                  "|---|---|---|---|---|"]
        for c in cold["commands"].values():
            lines.append(f"| `{c['command']}` | {c['wall_median_s']:.3f} | {c['wall_min_s']:.3f} | "
                         f"{c['cpu_median_s']:.3f} | {c['peak_rss_mb']:.0f} |")
    lines += ["", "Growth with size (each step: how many times the cost grew for a 10× larger "
              "corpus; linear = ×10; the first step carries each process's fixed costs):", "",
              "| system | metric | steps | largest step grows |", "|---|---|---|---|"]
    for system, metrics in data["growth"].items():
        for metric, g in metrics.items():
            steps = ", ".join(f"{s['from']}→{s['to']}×: ×{s['cost_ratio']}" for s in g["steps"])
            lines.append(f"| {names.get(system, system)} | {_METRIC_NAMES.get(metric, metric)} | "
                         f"{steps} | {g.get('largest_step', g.get('verdict', ''))} |")
    for note in data.get("notes", []):
        lines += ["", note]
    return lines


def _render_app(data: dict) -> list[str]:
    return _render_generic(data)


_METRIC_NAMES = {"process_cpu_s": "build CPU (process)", "build_cpu_s": "build CPU (build only)", "build_s": "build wall", "peak_rss_mb": "peak memory",
                 "index_bytes": "index size", "cpu_p50_ms": "query p50 CPU",
                 "cpu_p95_ms": "query p95 CPU", "p95_ms": "query p95 wall"}

_RENDERERS = {"speed": _render_speed, "app": _render_app}


def _fmt(value, unit: str | None = None) -> str:
    if value is None:
        return "–"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        text = f"{value:.3g}" if abs(value) < 1000 else f"{value:,.0f}"
    else:
        text = str(value)
    return f"{text} {unit}".strip() if unit else text


def _fmt_baseline(value, unit: str | None) -> str:
    if isinstance(value, dict):
        return "; ".join(f"{k}: {_fmt(v, unit)}" for k, v in value.items())
    return _fmt(value, unit)


def _verdict(passed, goal: str = "") -> str:
    # Figures a part reports for the record are not targets, whatever their "pass" says.
    if goal.lower().startswith(("reported", "informative")):
        return "info"
    return {True: "**PASS**", False: "**FAIL**"}.get(passed, "–")


def _cell(text) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def _table(table: dict) -> list[str]:
    lines = [""]
    if table.get("title"):
        lines += [f"{table['title']}:", ""]
    cols = table["columns"]
    lines += ["| " + " | ".join(_cell(c) for c in cols) + " |", "|" + "---|" * len(cols)]
    lines += ["| " + " | ".join(_cell(_fmt(c)) for c in row) + " |" for row in table["rows"]]
    return lines


# --- machine and versions -----------------------------------------------------------------

def _machine() -> dict:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        mem_kb = int(next(line.split()[1] for line in Path("/proc/meminfo").read_text().splitlines()
                          if line.startswith("MemTotal")))
        memory_gb = round(mem_kb / 1024 / 1024, 1)
    except (OSError, StopIteration):
        memory_gb = None
    return {"cpu": cpu, "cores": os.cpu_count(), "memory_gb": memory_gb,
            "os": platform.platform(), "python": platform.python_version()}


def _versions() -> dict:
    from importlib import metadata

    out = {}
    for name in PACKAGES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = "not installed"
    for deb in DEBIAN_PACKAGES:
        try:
            proc = subprocess.run(["dpkg-query", "-W", "-f=${Version}", deb],
                                  capture_output=True, text=True, timeout=10)
            if proc.returncode == 0 and proc.stdout:
                out[f"{deb} (deb)"] = proc.stdout
        except (OSError, subprocess.TimeoutExpired):
            pass
    return out


def _git(*args: str) -> str:
    try:
        return subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True,
                              timeout=10).stdout.strip()
    except (OSError, subprocess.TimeoutExpired):
        return ""


def _parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--only", type=lambda s: set(s.split(",")),
                   help="comma-separated part names: " + ", ".join(p.name for p in PARTS))
    p.add_argument("--quick", action="store_true", help="smaller sizes, for trying things out")
    p.add_argument("--out-dir", default=str(BENCH),
                   help="where results.json and RESULTS.md go (default bench/)")
    return p.parse_args(argv)


if __name__ == "__main__":
    sys.exit(main())
