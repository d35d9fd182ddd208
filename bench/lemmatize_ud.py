"""Lemmatisation accuracy on the UD Finnish-TDT test set, textkit against Voikko's first reading.

Protocol (shared/data/ud-fi-tdt/README.md): lowercase gold and predicted lemmas, remove the
'#' compound boundaries from gold lemmas, skip multiword-token range lines, score every
syntactic word. textkit is scored through the code path of `textkit lemmatize` (one word
form at a time, no context: `Analyzer.lemma`); Voikko's first reading is measured in the
same run (its BASEFORM, or the word itself when Voikko has no reading).

Nothing is learned from this file: it is only read to score.

    .venv/bin/python bench/lemmatize_ud.py [--conllu PATH] [--json OUT] [--errors N]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DEFAULT_CONLLU = ROOT.parent / "shared" / "data" / "ud-fi-tdt" / "fi_tdt-ud-test.conllu"
CONTENT_POS = frozenset({"NOUN", "VERB", "ADJ", "PROPN"})
TARGET = 0.90


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--conllu", type=Path, default=DEFAULT_CONLLU)
    ap.add_argument("--json", type=Path, help="write the result object here")
    ap.add_argument("--errors", type=int, default=0, help="print the N most frequent textkit errors")
    args = ap.parse_args(argv)

    if not args.conllu.is_file():
        print(f"lemmatize_ud: test file not found: {args.conllu}", file=sys.stderr)
        return 1
    words = read_conllu(args.conllu)
    result, errors = score(words)
    if args.errors:
        for (form, gold, pred, upos), n in errors.most_common(args.errors):
            print(f"{n:4d}  {upos:6s} {form:24s} gold={gold:20s} textkit={pred}")
    if args.json:
        args.json.write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(summary(result))
    return 0


def read_conllu(path: Path) -> list[tuple[str, str, str]]:
    """(form, gold lemma, UPOS) of every syntactic word."""
    words = []
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            if not line.strip() or line.startswith("#"):
                continue
            cols = line.rstrip("\n").split("\t")
            if len(cols) < 4 or "-" in cols[0] or "." in cols[0]:
                continue  # multiword-token ranges and empty nodes
            words.append((cols[1], cols[2], cols[3]))
    return words


def score(words: list[tuple[str, str, str]]) -> tuple[dict, Counter]:
    from textkit.analysis import _voikko, get_analyzer

    analyzer = get_analyzer()
    voikko = _voikko()
    t0 = time.perf_counter()
    textkit_pred = [analyzer.lemma(form) for form, _, _ in words]
    elapsed = time.perf_counter() - t0
    voikko_pred = []
    for form, _, _ in words:
        readings = voikko.analyze(form)
        voikko_pred.append(readings[0].get("BASEFORM", form) if readings else form)

    import simplemma

    simplemma_pred = [simplemma.lemmatize(form, lang="fi") for form, _, _ in words]

    counts = Counter()
    errors: Counter = Counter()
    for (form, gold, upos), ours, theirs, simple in zip(words, textkit_pred, voikko_pred, simplemma_pred):
        gold_norm = gold.replace("#", "").lower()
        content = upos in CONTENT_POS
        ok_ours = ours.lower() == gold_norm
        ok_theirs = theirs.lower() == gold_norm
        counts["all"] += 1
        counts["textkit"] += ok_ours
        counts["voikko"] += ok_theirs
        counts["simplemma"] += simple.lower() == gold_norm
        if content:
            counts["content"] += 1
            counts["textkit_content"] += ok_ours
            counts["voikko_content"] += ok_theirs
        if not ok_ours:
            errors[(form, gold_norm, ours, upos)] += 1

    overall = counts["textkit"] / counts["all"]
    content_acc = counts["textkit_content"] / counts["content"]
    voikko_overall = counts["voikko"] / counts["all"]
    voikko_content = counts["voikko_content"] / counts["content"]
    simplemma_overall = counts["simplemma"] / counts["all"]
    result = {
        "name": "lemmatize_ud",
        "title": "Lemmatisation accuracy, UD Finnish-TDT test set",
        "words": counts["all"],
        "content_words": counts["content"],
        "textkit_overall": round(overall, 4),
        "textkit_content": round(content_acc, 4),
        "voikko_first_overall": round(voikko_overall, 4),
        "voikko_first_content": round(voikko_content, 4),
        "simplemma_overall": round(simplemma_overall, 4),
        "seconds": round(elapsed, 2),
        "targets": [
            {
                "name": "lemma accuracy, all words",
                "textkit": round(overall, 4),
                "baseline": {"voikko_first": round(voikko_overall, 4), "simplemma": round(simplemma_overall, 4)},
                "unit": "",
                "ratio": round(overall / voikko_overall, 3),
                "target": f"textkit ≥ {TARGET:.2f}",
                "pass": overall >= TARGET,
            },
            {
                "name": "lemma accuracy, content words (NOUN VERB ADJ PROPN)",
                "textkit": round(content_acc, 4),
                "baseline": round(voikko_content, 4),
                "unit": "",
                "ratio": round(content_acc / voikko_content, 3),
                "target": "textkit > Voikko first reading",
                "pass": content_acc > voikko_content,
            },
        ],
        "notes": [
            "Scored one word form at a time through Analyzer.lemma (the `textkit lemmatize` path), "
            "no POS tags, no context; baseline = Voikko's first reading in the same run.",
            "Protocol: lowercase, '#' removed from gold, multiword-token ranges skipped.",
            "simplemma alone is shown for honesty: textkit uses it to break ties between Voikko's "
            "readings, and its Finnish data was built with the treebank's train split (not this test split).",
        ],
    }
    return result, errors


def summary(result: dict) -> str:
    return (
        f"UD Finnish-TDT test, {result['words']} words ({result['content_words']} content words)\n"
        f"  textkit            overall {result['textkit_overall']:.1%}   content {result['textkit_content']:.1%}\n"
        f"  Voikko 1st reading overall {result['voikko_first_overall']:.1%}   content {result['voikko_first_content']:.1%}\n"
        f"  simplemma alone    overall {result['simplemma_overall']:.1%}\n"
        f"  target ≥ {TARGET:.0%} overall: {'PASS' if result['textkit_overall'] >= TARGET else 'FAIL'}"
    )


if __name__ == "__main__":
    raise SystemExit(main())
