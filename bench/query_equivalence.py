"""The search answers on a broad query set, saved and compared: what a change to the query path
must leave exactly as it was (hits, their order and scores, matches and snippets, counts per
theme / section / edition, the matched and excluded forms, "did you mean").

The query set: every judged query (bench/queries.toml), the speed bench's query mix, a sample
of the corpus's own words (every n-th distinct word form of the passages, as printed), phrases
of neighbouring words, prefixes, two-word AND / OR / NOT, and the query language's modifiers
(sana:, EI muoto:, osio:, teema:, vuosi:) on sampled words. Deterministic: the same corpus
gives the same queries.

    .venv/bin/python bench/query_equivalence.py --models DIR --save before.json
    .venv/bin/python bench/query_equivalence.py --models DIR --compare before.json

`--engines` instead runs every query through both of textkit's query evaluations in one
process (the direct one over the postings, and Whoosh's matchers, which it replaces) and
compares them; tests/test_index.py does the same on the 2024 edition.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import re
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
QUERIES_FILE = Path(__file__).with_name("queries.toml")
_WORD = re.compile(r"[^\W\d_][\w-]*[^\W_]|[^\W\d_]{2,}")
# Sample sizes of the generated kinds (the judged queries and the speed mix are all taken).
WORDS, PHRASES, PREFIXES, PAIRS, MODIFIED = 240, 60, 30, 60, 40


def broad_queries(texts: list[str], theme_ids: list[str] = (), years: list[int] = ()) -> list[str]:
    """The query set for the passages `texts` (see the module docstring)."""
    judged = [q["query"] for q in tomllib.loads(QUERIES_FILE.read_text(encoding="utf-8"))["query"]]
    sys.path.insert(0, str(Path(__file__).parent))
    from speed import QUERY_MIX

    mix = [q for qs in QUERY_MIX.values() for q in qs]
    forms = sorted({w for t in texts for w in _WORD.findall(t) if not w.isupper() or len(w) > 2})
    words = _every_nth(forms, WORDS)
    bigrams = sorted({f"{a} {b}" for t in texts for a, b in _pairs(_WORD.findall(t))})
    phrases = [f'"{b}"' for b in _every_nth(bigrams, PHRASES)]
    prefixes = [f"{w[:4].lower()}*" for w in _every_nth([f for f in forms if len(f) >= 5], PREFIXES)]
    half = words[: len(words) // 2][::-1]
    ops = ("AND", "OR", "NOT", "JA", "TAI", "EI")
    pairs = [f"{a} {ops[i % len(ops)]} {b}" for i, (a, b) in
             enumerate(zip(_every_nth(half, PAIRS), _every_nth(words[len(words) // 2:], PAIRS)))]
    pairs += [f"({a} OR {b}) AND {c}" for a, b, c in zip(words[::17], words[5::17], words[9::17])]
    modified = []
    for i, w in enumerate(_every_nth(words, MODIFIED)):
        kind = i % 6
        if kind == 0:
            modified.append(f"sana:{w}")
        elif kind == 1:
            modified.append(f"{w} osio:3,4")
        elif kind == 2 and theme_ids:
            modified.append(f"{w} teema:{theme_ids[i % len(theme_ids)]}")
        elif kind == 3 and years:
            modified.append(f"{w} vuosi:{years[i % len(years)]}")
        elif kind == 4:
            modified.append(f"{w} osio:1-7")
        else:
            modified.append(f"{w[:3].lower()}* NOT {w}")
    # The issue-13 modifiers on the judged words: whole words only, a form left out.
    modified += ["sana:kunta", "kunta EI muoto:maakunnissa", "kunta EI muoto:kunnan*",
                 "tieto EI muoto:tietoa", "verkosto sana:yhteistyö", "kunn* EI muoto:kunnat",
                 '"jatkuva oppiminen" osio:2', "TE24 OR kunta", "kunta NOT TE24", "tekoäly*"]
    # Nesting and mixing: NOT of groups and phrases, NOT NOT, filters alone, prefixes with
    # words, wide ORs, repeated words.
    modified += ["kunta (EI alue EI tie)", "kunta EI (alue OR tie)", "kunta EI EI alue",
                 '"valtakunnallinen teema" NOT kunta', 'kunta AND (hanke OR "jatkuva oppiminen")',
                 '"sosiaali- ja terveysministeriö" OR TEM', "osio:2", "teema:1,2 hanke", "kunn* kunta",
                 "kunn* OR alue*", '"hyvä käytäntö" EI muoto:hyvä', "kunta kunta", "ja kunta",
                 "hankehaku OR koulutus OR kunta OR TE24 OR alue", "alue* EI muoto:alue*"]
    return list(dict.fromkeys(judged + mix + words + phrases + prefixes + pairs + modified))


def answers(models_dir: Path, queries: list[str], limit: int | None = 20) -> dict[str, dict]:
    """Each query's answer as JSON-ready data (hits without their passage text, which the
    passage id fixes), or the error message it gets."""
    from textkit.errors import TextkitError
    from textkit.index import search

    out = {}
    for q in queries:
        try:
            result = dataclasses.asdict(search(q, limit=limit, models_dir=models_dir))
        except TextkitError as exc:
            out[q] = {"error": str(exc)}
            continue
        for hit in result["hits"]:
            hit.pop("text")
        out[q] = json.loads(json.dumps(result, ensure_ascii=False, default=str))
    return out


def differences(before: dict[str, dict], after: dict[str, dict]) -> list[str]:
    """What differs, one line per query (empty when every answer is the same)."""
    out = []
    for q in sorted(set(before) | set(after)):
        a, b = before.get(q), after.get(q)
        if a == b:
            continue
        if a is None or b is None:
            out.append(f"{q!r}: only in {'after' if a is None else 'before'}")
            continue
        keys = sorted(k for k in set(a) | set(b) if a.get(k) != b.get(k))
        detail = ""
        if "hits" in keys and "hits" in a and "hits" in b:
            for i, (x, y) in enumerate(zip(a["hits"], b["hits"])):
                if x != y:
                    fields = [k for k in x if x.get(k) != y.get(k)]
                    detail = f" (first differing hit #{i}: {fields}: {[x.get(k) for k in fields]} → {[y.get(k) for k in fields]})"
                    break
        out.append(f"{q!r}: {', '.join(keys)}{detail}")
    return out


def corpus_queries(models_dir: Path) -> list[str]:
    """The query set for the passages of the index in `models_dir`."""
    from textkit.index import open_index

    ix = open_index(models_dir)
    with ix.searcher() as s:
        fields = [f for f in s.all_stored_fields()]
    texts = sorted({f["text"] for f in fields})
    themes = sorted({f["theme_id"] for f in fields})
    years = sorted({int(f["edition"]) for f in fields})
    return broad_queries(texts, themes, years)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--models", required=True, help="a built models folder (TEXTKIT_MODELS)")
    p.add_argument("--save", help="write the answers here")
    p.add_argument("--compare", help="compare the answers with these saved ones")
    p.add_argument("--engines", action="store_true",
                   help="compare textkit's two query evaluations in this process")
    p.add_argument("--limit", type=int, default=20, help="hits per answer (0: all)")
    args = p.parse_args(argv)
    sys.path.insert(0, str(ROOT))
    models = Path(args.models)
    queries = corpus_queries(models)
    print(f"{len(queries)} queries", file=sys.stderr)
    if args.engines:
        from textkit import index

        direct = answers(models, queries, args.limit or None)
        saved, index.DIRECT_EVALUATION = index.DIRECT_EVALUATION, False
        index._PER_INDEX.clear()   # nothing the direct evaluation computed is reused
        try:
            whoosh = answers(models, queries, args.limit or None)
        finally:
            index.DIRECT_EVALUATION = saved
        diff = differences(whoosh, direct)
    else:
        now = answers(models, queries, args.limit or None)
        if args.save:
            Path(args.save).write_text(json.dumps(now, ensure_ascii=False), encoding="utf-8")
            print(f"saved {len(now)} answers to {args.save}", file=sys.stderr)
            return 0
        if not args.compare:
            p.error("give --save, --compare or --engines")
        diff = differences(json.loads(Path(args.compare).read_text(encoding="utf-8")), now)
    for line in diff:
        print(line)
    print(f"{len(queries) - len(diff)}/{len(queries)} answers the same", file=sys.stderr)
    return 1 if diff else 0


def _every_nth(items: list, count: int) -> list:
    step = max(1, len(items) // count)
    return items[::step][:count]


def _pairs(words: list[str]):
    return zip(words, words[1:])


if __name__ == "__main__":
    sys.exit(main())
