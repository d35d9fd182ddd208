"""Agreement between the two labellers of the judged topic set.

    .venv/bin/python bench/topics_judged/agreement.py

Reads `sentences.tsv` (first labeller, column `label`) and `second.tsv` (second, blind
labeller, column `label2`), matches rows on theme_id + section + text (the key the guideline
prescribes; `passage_id` may change with the parser) and prints, for three row sets:

- (a) rows the FIRST labeller did not mark `muu` (what `bench/topics_quality.py` scores models on),
- (b) rows neither labeller marked `muu`,
- (c) all rows,

the number of rows, raw agreement, Cohen's kappa, NMI (scikit-learn
`normalized_mutual_info_score`, arithmetic normalisation, the same call as
`topics_quality.agreement`) and ARI; then a per-subject table over all rows (count by each
labeller, and how often the second labeller agreed on the first labeller's rows of that
subject) and the ten most frequent disagreements.
"""
from __future__ import annotations

import csv
import sys
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent
FIRST = HERE / "sentences.tsv"
SECOND = HERE / "second.tsv"
NO_SUBJECT = "muu"
SUBJECT_ROW = "| `"  # subject table rows in GUIDELINE.md start like "| `hankehaku` |"


def read_tsv(path: Path) -> list[dict]:
    with open(path, encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE))


def subject_ids(guideline: Path = HERE / "GUIDELINE.md") -> list[str]:
    """The subject ids of the guideline's subject table, in table order."""
    ids, in_table = [], False
    for line in guideline.read_text(encoding="utf-8").splitlines():
        if line.startswith("## Subjects"):
            in_table = True
        elif in_table and line.startswith("## "):
            break
        elif in_table and line.startswith(SUBJECT_ROW):
            ids.append(line.split("`")[1])
    return ids


def key(row: dict) -> tuple[str, str, str]:
    return row["theme_id"], row["section"], row["text"]


def pair_labels(first: list[dict], second: list[dict], *, first_col: str = "label",
                second_col: str = "label2") -> list[tuple[str, str]]:
    """(first label, second label) for every sentence, matched on theme + section + text.

    Raises ValueError if the two files do not cover the same sentences (same multiset of keys)."""
    def by_key(rows, col):
        out: dict[tuple, list[str]] = {}
        for r in rows:
            out.setdefault(key(r), []).append(r[col])
        return out

    a, b = by_key(first, first_col), by_key(second, second_col)
    if set(a) != set(b) or any(len(a[k]) != len(b[k]) for k in a):
        missing = len(set(a) ^ set(b))
        raise ValueError(f"the files do not cover the same sentences ({missing} keys differ)")
    return [(x, y) for k in a for x, y in zip(a[k], b[k])]


def scores(pairs: list[tuple[str, str]]) -> dict:
    """n, raw agreement, Cohen's kappa, NMI (arithmetic) and ARI of two label sequences."""
    from sklearn.metrics import adjusted_rand_score, cohen_kappa_score, normalized_mutual_info_score

    y1 = [p[0] for p in pairs]
    y2 = [p[1] for p in pairs]
    n = len(pairs)
    raw = sum(x == y for x, y in pairs) / n if n else float("nan")
    if len(set(y1) | set(y2)) == 1:  # one label everywhere: agreement is perfect by definition
        kappa = 1.0
    else:
        kappa = float(cohen_kappa_score(y1, y2))
    return {"n": n, "raw": raw, "kappa": kappa,
            "nmi": float(normalized_mutual_info_score(y1, y2)),
            "ari": float(adjusted_rand_score(y1, y2))}


def row_sets(pairs: list[tuple[str, str]]) -> dict[str, list[tuple[str, str]]]:
    return {
        "(a) first labeller's muu dropped (as the bench scores models)":
            [p for p in pairs if p[0] != NO_SUBJECT],
        "(b) muu of either labeller dropped": [p for p in pairs if NO_SUBJECT not in p],
        "(c) all rows": list(pairs),
    }


def per_subject(pairs: list[tuple[str, str]], ids: list[str]) -> list[dict]:
    c1 = Counter(p[0] for p in pairs)
    c2 = Counter(p[1] for p in pairs)
    both = Counter(p[0] for p in pairs if p[0] == p[1])
    out = []
    for s in ids:
        union = c1[s] + c2[s] - both[s]
        out.append({"subject": s, "first": c1[s], "second": c2[s], "both": both[s],
                    "agree_on_first": both[s] / c1[s] if c1[s] else float("nan"),
                    "jaccard": both[s] / union if union else float("nan")})
    return out


def confusions(pairs: list[tuple[str, str]], top: int = 10) -> list[tuple[tuple[str, str], int]]:
    return Counter(p for p in pairs if p[0] != p[1]).most_common(top)


def main() -> int:
    pairs = pair_labels(read_tsv(FIRST), read_tsv(SECOND))
    ids = subject_ids()
    bad = sorted({l for p in pairs for l in p} - set(ids))
    if bad:
        print(f"labels outside the guideline: {bad}", file=sys.stderr)
        return 2
    print(f"{'rows':<64} {'n':>4} {'raw':>6} {'kappa':>6} {'NMI':>6} {'ARI':>6}")
    for name, sub in row_sets(pairs).items():
        s = scores(sub)
        print(f"{name:<64} {s['n']:>4} {s['raw']:>6.3f} {s['kappa']:>6.3f} {s['nmi']:>6.3f} {s['ari']:>6.3f}")
    print()
    print("per subject, all rows (agree = share of the first labeller's rows the second gave the "
          "same label; jaccard = both / either)")
    print(f"{'subject':<16} {'first':>5} {'second':>6} {'both':>5} {'agree':>6} {'jaccard':>7}")
    for r in per_subject(pairs, ids):
        print(f"{r['subject']:<16} {r['first']:>5} {r['second']:>6} {r['both']:>5} "
              f"{r['agree_on_first']:>6.2f} {r['jaccard']:>7.2f}")
    print()
    print("top 10 disagreements (first -> second: count)")
    for (a, b), n in confusions(pairs):
        print(f"  {a} -> {b}: {n}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
