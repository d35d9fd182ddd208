"""Pick the sentences of the judged topic set (bench/topics_judged/sentences.tsv).

    .venv/bin/python bench/topics_judged/select.py [--out FILE] [--per-theme N] [--seed 2024]

Deterministic: the same corpus file, sentencizer and settings give the same rows in the
same order. Sentences come from sections 2–5 of the real 2024 edition
(corpus/toteutuskatsaus-2024.txt), parsed with textkit.parse.parse_file and split with
textkit's own sentencizer (textkit.analysis.get_analyzer().sentences).

Candidates are the sentences of sections 2–5 that are not fragments (see `is_fragment`).
By default every candidate is written (the whole population, 638 sentences in the 2024
edition): that is the committed set. With --per-theme N, a stratified sample instead:
- each theme gets N sentences, or all its candidates if it has fewer; the shortfall of
  small themes is shared out among the themes that still have candidates;
- within a theme, every section with candidates gets at least two sentences (or all it has),
  the rest in proportion to the section's candidates;
- within a section the sentences are drawn with random.Random("<seed>/<theme>/<section>"),
  then written in reading order.
(`--per-theme 27` gives the 324-sentence sample the set started from; it is a subset of the
full set.)

The label column is written empty, or kept from an existing --out file, matched on
theme + section + text, so that re-running the script never loses hand labels.
"""

from __future__ import annotations

import argparse
import csv
import random
import re
import sys
import unicodedata
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

SECTIONS = (2, 3, 4, 5)
MIN_WORDS = 4  # Finnish words are long: four words already make a sentence with a subject
FIELDS = ("passage_id", "theme_id", "section", "sentence_no", "label", "text")

_WORD = re.compile(r"[^\W\d_][\w-]*", re.UNICODE)
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_SPACE = re.compile(r"\s+")


def sentence_text(passage_text: str, start: int, end: int) -> str:
    """The sentence as the sentencizer gives it, whitespace normalised to single spaces.
    (The sentencizer's spans are offsets into the NFC, control-free text.)"""
    clean = _CONTROL.sub(" ", unicodedata.normalize("NFC", passage_text))
    return _SPACE.sub(" ", clean[start:end]).strip()


def is_fragment(text: str) -> bool:
    """Too short to carry a subject, or a list of names / codes rather than a sentence:
    fewer than MIN_WORDS words, or at least 60 % of the words capitalised (lists of
    project names, organisations, codes)."""
    words = _WORD.findall(text)
    if len(words) < MIN_WORDS:
        return True
    capitalised = sum(1 for w in words if w[0].isupper())
    return capitalised / len(words) >= 0.6


def candidates(edition, analyzer) -> dict[tuple[str, int], list[dict]]:
    """Non-fragment sentences of sections 2–5, per (theme id, section), in reading order."""
    out: dict[tuple[str, int], list[dict]] = {}
    for theme in edition.themes:
        for section in theme.sections:
            if section.number not in SECTIONS:
                continue
            rows = out.setdefault((theme.id, section.number), [])
            for passage in section.passages:
                for no, (start, end) in enumerate(analyzer.sentences(passage.text)):
                    text = sentence_text(passage.text, start, end)
                    if is_fragment(text):
                        continue
                    rows.append({"passage_id": passage.id, "theme_id": theme.id,
                                 "section": section.number, "sentence_no": no, "text": text})
    return out


def theme_quotas(sizes: dict[str, int], per_theme: int) -> dict[str, int]:
    """per_theme each, capped by what a theme has; the shortfall goes round the others."""
    total = per_theme * len(sizes)
    quota = {t: 0 for t in sizes}
    while sum(quota.values()) < total:
        open_ = [t for t in sizes if quota[t] < sizes[t]]
        if not open_:
            break
        for t in open_:
            if sum(quota.values()) >= total:
                break
            quota[t] += 1
    return quota


def section_quotas(sizes: dict[int, int], quota: int) -> dict[int, int]:
    """At least two per section (or all it has), the rest in proportion to its size."""
    out = {s: min(2, n) for s, n in sizes.items()}
    left = quota - sum(out.values())
    while left > 0:
        open_ = [s for s in sizes if out[s] < sizes[s]]
        if not open_:
            break
        # give the next sentence to the section furthest below its proportional share
        total = sum(sizes[s] for s in open_)
        s = max(open_, key=lambda s: (sizes[s] / total - out[s] / max(1, quota), -s))
        out[s] += 1
        left -= 1
    return out


def select(per_theme: int | None, seed: int) -> list[dict]:
    from textkit.analysis import get_analyzer
    from textkit.parse import parse_file

    edition = parse_file(ROOT / "corpus" / "toteutuskatsaus-2024.txt")
    cands = candidates(edition, get_analyzer())
    theme_ids = [t.id for t in edition.themes]
    if per_theme is None:
        return [row for t in theme_ids for s in SECTIONS for row in cands.get((t, s), [])]
    sizes = {t: sum(len(cands.get((t, s), [])) for s in SECTIONS) for t in theme_ids}
    chosen: list[dict] = []
    for theme_id, quota in theme_quotas(sizes, per_theme).items():
        per_section = {s: len(cands.get((theme_id, s), [])) for s in SECTIONS}
        for s, n in section_quotas(per_section, quota).items():
            pool = cands.get((theme_id, s), [])
            rng = random.Random(f"{seed}/{theme_id}/{s}")
            picked = sorted(rng.sample(range(len(pool)), n))
            chosen.extend(pool[i] for i in picked)
    return chosen


def read_labels(path: Path) -> dict[tuple[str, str, str], str]:
    if not path.exists():
        return {}
    with path.open(encoding="utf-8", newline="") as f:
        return {(r["theme_id"], r["section"], r["text"]): r["label"]
                for r in csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE)}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=Path(__file__).with_name("sentences.tsv"))
    ap.add_argument("--per-theme", type=int, default=None,
                    help="stratified sample of N sentences per theme (default: every candidate)")
    ap.add_argument("--seed", type=int, default=2024)
    args = ap.parse_args(argv)
    labels = read_labels(args.out)
    rows = select(args.per_theme, args.seed)
    tmp = args.out.with_suffix(".tmp")
    with tmp.open("w", encoding="utf-8", newline="") as f:
        # Plain TSV, no quoting: no field holds a tab or a newline (sentence_text).
        f.write("\t".join(FIELDS) + "\n")
        for r in rows:
            label = labels.get((r["theme_id"], str(r["section"]), r["text"]), "")
            cells = (r["passage_id"], r["theme_id"], r["section"], r["sentence_no"], label,
                     r["text"])
            f.write("\t".join(str(c) for c in cells) + "\n")
    tmp.replace(args.out)
    print(f"{len(rows)} sentences -> {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
