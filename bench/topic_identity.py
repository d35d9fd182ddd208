"""Topic identity across refits: do topics keep their id, label and user-given name?

The base model is textkit's default fit on the real 2024 edition. It is refitted (1) with a
SYNTHETIC near-copy edition added (the real 2024 text with every year moved on by one, parsed
as 2025: what users saw when they added an almost identical second edition), and (2) on 80 %
of the 2024 passages (three random samples). Each refit is aligned to the base model with
`textkit.topics.align_topics` (Hungarian matching of top-term vectors).

Measured, per refit, with the baseline of the same run (the refit as it comes, without
alignment, which is what happened before: topic 1 of the old model is not topic 1 of the new):

- ids kept: share of base topics whose id, in the refit, is a topic with the same content
  (top-10-term cosine ≥ the matching threshold to the base topic);
- labels kept: share of base topics whose id carries the same label after the refit;
- names kept: every base topic given a name (`topic_names.TopicName` with its terms), the share
  that `apply_names`' matching gives back to the same id after the refit;
- mean top-10 Jaccard of the kept pairs (that the matches are the same topics, not forced).

Usage: ``python bench/topic_identity.py [--json OUT]``.
"""

from __future__ import annotations

import argparse
import random
import re
import sys
import time
from pathlib import Path

from output import emit  # bench/output.py: this script's folder is first on sys.path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
REAL_2024 = ROOT / "corpus" / "toteutuskatsaus-2024.txt"
YEAR_RE = re.compile(r"(?<!\d)(20[12]\d)(?!\d)")
TARGET = 0.9
SAMPLE_SEEDS = (0, 1, 2)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--json", help="write the result object here")
    args = ap.parse_args(argv)

    from textkit.parse import parse_file, parse_text
    from textkit.topics import DEFAULT_K, fit_topics, lemmatise_passages

    t0 = time.perf_counter()
    e2024 = parse_file(REAL_2024, year=2024)
    # SYNTHETIC near-copy edition: the real text, years moved on by one.
    near_copy = parse_text(YEAR_RE.sub(lambda m: str(int(m.group(1)) + 1), REAL_2024.read_text(encoding="utf-8")),
                           year=2025, source="SYNTHETIC-near-copy-2025.txt")
    docs_2024 = lemmatise_passages([e2024])
    docs_both = lemmatise_passages([e2024, near_copy])
    base = fit_topics(docs_2024, k=DEFAULT_K)

    rows, targets = [], []
    refits = [("near-copy edition added (SYNTHETIC 2025)", fit_topics(docs_both, k=DEFAULT_K))]
    for seed in SAMPLE_SEEDS:
        sample = random.Random(seed).sample(docs_2024, round(0.8 * len(docs_2024)))
        sample.sort(key=lambda d: d.passage_id)
        refits.append((f"20 % of passages dropped (seed {seed})", fit_topics(sample, k=DEFAULT_K)))
    figures = {}
    for name, refit in refits:
        aligned, raw = _scores(base, refit, align=True), _scores(base, refit, align=False)
        figures[name] = aligned
        rows.append([name, *(_pct(aligned[m]) for m in ("ids", "labels", "names")), round(aligned["jaccard"], 2),
                     *(_pct(raw[m]) for m in ("ids", "labels", "names")), aligned["new"]])
    near = figures[refits[0][0]]
    for metric in ("ids", "labels", "names"):
        targets.append({"name": f"topic {metric} kept when a near-copy edition is added",
                        "textkit": round(near[metric], 3), "baseline": round(_scores(base, refits[0][1], align=False)[metric], 3),
                        "unit": "share", "target": f"≥ {TARGET:.0%}", "pass": near[metric] >= TARGET})
    dropped = [figures[n] for n, _ in refits[1:]]
    targets.append({"name": "topic ids kept when 20 % of passages are dropped (mean of 3 samples)",
                    "textkit": round(sum(f["ids"] for f in dropped) / len(dropped), 3),
                    "baseline": round(sum(_scores(base, r, align=False)["ids"] for _, r in refits[1:]) / len(dropped), 3),
                    "unit": "share", "target": "reported (no target set)", "pass": None})
    result = {
        "name": "topic_identity",
        "title": "Topic identity across refits (id, label, user-given name)",
        "targets": targets,
        "tables": [{
            "title": f"Base: the 2024 edition, k = {DEFAULT_K}; aligned = textkit (align_topics); raw = refit as it comes",
            "columns": ["refit", "ids kept", "labels kept", "names kept", "Jaccard of kept pairs",
                        "raw: ids", "raw: labels", "raw: names", "new topics"],
            "rows": rows,
        }],
        "notes": [
            "An id counts as kept when the refit's topic with that id has top-10-term cosine ≥ "
            "MATCH_MIN_SIMILARITY with the base topic of that id.",
            "Names: every base topic named, matched by topic_names.match_names (top-term Jaccard).",
            f"Seconds: {time.perf_counter() - t0:.1f}.",
        ],
    }
    emit(result, args.json)
    return 0


def _scores(base, refit, *, align: bool) -> dict:
    from textkit.topic_names import TopicName, match_names
    from textkit.topics import MATCH_MIN_SIMILARITY, _term_cosine, align_topics

    result = align_topics(refit, base) if align else refit
    by_id = {t.id: t for t in result.topics}
    kept = [b for b in base.topics if b.id in by_id and _term_cosine(b.terms, by_id[b.id].terms) >= MATCH_MIN_SIMILARITY]
    labels = [b for b in base.topics if b.id in by_id and by_id[b.id].label == b.label]
    named = [TopicName(f"nimi {b.id}", tuple(term for term, _ in b.terms), "") for b in base.topics]
    found = match_names(named, result.topics)
    names = [b for b in base.topics if b.id in found and found[b.id].name == f"nimi {b.id}"]
    jaccard = [_jaccard(b.terms, by_id[b.id].terms) for b in kept]
    return {"ids": len(kept) / len(base.topics), "labels": len(labels) / len(base.topics),
            "names": len(names) / len(base.topics), "jaccard": sum(jaccard) / len(jaccard) if jaccard else 0.0,
            "new": sum(1 for t in result.topics if getattr(t, "new", False))}


def _jaccard(a, b) -> float:
    x, y = {t for t, _ in a}, {t for t, _ in b}
    return len(x & y) / len(x | y) if x | y else 0.0


def _pct(x: float) -> str:
    return f"{100 * x:.0f} %"


if __name__ == "__main__":
    raise SystemExit(main())
