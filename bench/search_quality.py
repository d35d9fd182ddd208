"""Search quality on the judged queries (bench/queries.toml): textkit against plain Whoosh,
Whoosh with the Finnish Snowball stemmer, and Whoosh with simplemma lemmas.

All four index the same passages (every section of the 2024 edition) and search sections 2–5.
For each query a judged form counts as found when the system marks a match inside one of its
occurrences in a hit passage (textkit: `Hit.matches`; the baselines: the tokens of the hit
that carry a query term, as Whoosh's highlighter marks them). A look-alike marked the same
way is a wrong match. Also timed: index build and p95 query latency, textkit against Snowball.

Precision per query: of the judged forms a system marks, the share that are wanted
(found / (found + look-alikes)). Ranking: for common words (ORDER_WORDS), the share of pairs
(a hit where the word stands as a whole word, a hit where it is only a compound part) in
which the whole-word hit comes first, textkit against its own plain BM25 order without the
lexicalised list (the ranking before issue 13) in the same run. A hit's kind is judged from
its matched strings: whole when one of them has the query's lemma among its own lemmas.

    .venv/bin/python bench/search_quality.py [--json OUT] [--repeats N]
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import statistics
import sys
import tempfile
import time
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

QUERIES_FILE = Path(__file__).with_name("queries.toml")
SECTIONS = (2, 3, 4, 5)
RESULT_LIMIT = 20
BASELINES = ("whoosh", "snowball", "simplemma")
SYSTEMS = ("textkit", *BASELINES)
# Common words whose hit lists mix whole words and compound parts (issue 13).
ORDER_WORDS = ("kunta", "tieto", "verkosto", "kausi", "puoli")
ORDER_TARGET = 0.95
ORIGINAL_FORMS = 160   # judged forms of the original 19 queries, before `set = "precision"`


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--json", help="write the result object here")
    parser.add_argument("--repeats", type=int, default=10, help="timed runs of each query (default 10)")
    args = parser.parse_args(argv)

    from textkit.corpus import load_editions

    editions = [e for e in load_editions() if e.year == 2024]
    passages = [p for e in editions for p in e.passages()]
    judged = _load_judged(passages)
    work = Path(tempfile.mkdtemp(prefix="search-quality-"))
    try:
        systems, build_s = _build_all(editions, passages, work)
        scores = {name: [_score(q, systems[name](q["query"])) for q in judged] for name in SYSTEMS}
        readings = _reading_policies(judged, systems["textkit"])
        order = _whole_word_order(work / "textkit")
        with _plain_textkit():
            plain = [_score(q, systems["textkit"](q["query"])) for q in judged]
        latency = _latency({name: systems[name] for name in ("textkit", "snowball")}, judged, args.repeats)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    result = _result(judged, scores, build_s, latency, len(passages), order, plain)
    result["reading_policies"] = readings
    result["notes"].append("Readings of a query word (textkit.query.READINGS): " + "; ".join(
        f"{name}: {r['found']}/{r['forms']} found, {r['wrong']} wrong" for name, r in readings.items()))
    _print_summary(result)
    if args.json:
        Path(args.json).write_text(json.dumps(result, ensure_ascii=False, indent=2), encoding="utf-8")
    return 0


# ---------------------------------------------------------------- judged set


def _load_judged(passages) -> list[dict]:
    data = tomllib.loads(QUERIES_FILE.read_text(encoding="utf-8"))
    scope = [p.text for p in passages if p.section in SECTIONS]
    judged = []
    for q in data["query"]:
        for form in (*q["find"], *q["avoid"]):
            if not any(_occurrences(text, form) for text in scope):
                raise SystemExit(f"queries.toml: '{form}' (query {q['query']}) does not occur in sections 2–5")
        judged.append(q)
    return judged


def _occurrences(text: str, form: str) -> list[tuple[int, int]]:
    pattern = r"(?<![\w-])" + r"\s+".join(re.escape(w) for w in form.split()) + r"(?![\w])"
    if form.startswith("-"):
        pattern = pattern.replace(r"(?<![\w-])", r"(?<![\w])", 1)
    return [m.span() for m in re.finditer(pattern, text)]


def _score(query: dict, hits: list[tuple[str, list[tuple[int, int]]]]) -> dict:
    """hits: (passage text, marked spans) for every hit in sections 2–5."""

    def marked(form: str) -> bool:
        return any(
            s < e2 and s2 < e
            for text, spans in hits
            for s2, e2 in _occurrences(text, form)
            for s, e in spans
        )

    found = [f for f in query["find"] if marked(f)]
    wrong = [f for f in query["avoid"] if marked(f)]
    return {"found": len(found), "of": len(query["find"]), "wrong": len(wrong),
            "missed": [f for f in query["find"] if f not in found], "wrong_forms": wrong}


# ---------------------------------------------------------------- the systems


def _build_all(editions, passages, work: Path):
    builds = {}
    systems = {}

    from textkit.analysis import get_analyzer
    from textkit.index import build_index, indexed_words, search

    analyzer = get_analyzer()  # native Voikko set-up is not build cost…
    analyzer._cache.clear()    # …but its word cache starts cold, as in a fresh process
    indexed_words.cache_clear()
    t0 = time.perf_counter()
    build_index(editions, work / "textkit")
    builds["textkit"] = time.perf_counter() - t0

    def textkit_search(q: str, limit: int = 0):
        result = search(q, sections=SECTIONS, limit=limit, models_dir=work / "textkit")
        out = []
        for hit in result.hits:
            spans, cursor = [], 0
            for m in hit.matches:
                start = hit.text.find(m, cursor)
                spans.append((start, start + len(m)))
                cursor = start + len(m)
            out.append((hit.text, spans))
        return out

    systems["textkit"] = textkit_search
    for name in BASELINES:
        t0 = time.perf_counter()
        ix = _whoosh_build(passages, work / name, _baseline_analyzer(name))
        builds[name] = time.perf_counter() - t0
        systems[name] = _whoosh_searcher(ix)
    return systems, builds


def _baseline_analyzer(name: str):
    from whoosh.analysis import LanguageAnalyzer, StandardAnalyzer

    if name == "whoosh":
        return StandardAnalyzer(stoplist=None)
    if name == "snowball":
        return LanguageAnalyzer("fi")
    return _simplemma_analyzer()


def _simplemma_analyzer():
    from whoosh.analysis import LowercaseFilter, RegexTokenizer

    return RegexTokenizer() | LowercaseFilter() | SimplemmaFilter()


from whoosh.analysis import Filter as _WhooshFilter  # noqa: E402  (needed at module level for pickling)


class SimplemmaFilter(_WhooshFilter):
    """Replaces each token by its simplemma lemma (Finnish)."""

    def __call__(self, tokens):
        import simplemma

        for t in tokens:
            t.text = simplemma.lemmatize(t.text, lang="fi").lower()
            yield t


def _whoosh_build(passages, folder: Path, analyzer):
    from whoosh import index
    from whoosh.fields import ID, STORED, TEXT, Schema

    folder.mkdir(parents=True)
    schema = Schema(passage_id=ID(stored=True), section=ID(stored=True),
                    text=TEXT(analyzer=analyzer, stored=True, phrase=True))
    ix = index.create_in(str(folder), schema)
    writer = ix.writer()
    for p in passages:
        writer.add_document(passage_id=p.id, section=str(p.section), text=p.text)
    writer.commit()
    return ix


def _whoosh_searcher(ix):
    from whoosh import query
    from whoosh.qparser import QueryParser

    searcher = ix.searcher()
    parser = QueryParser("text", ix.schema)
    scope = query.Or([query.Term("section", str(s)) for s in SECTIONS])
    analyzer = ix.schema["text"].analyzer

    def run(q: str, limit: int = 0):
        parsed = parser.parse(q)
        terms = {text for field, text in parsed.iter_all_terms() if field == "text"}
        terms = {t.decode("utf-8") if isinstance(t, bytes) else t for t in terms}
        results = searcher.search(parsed, filter=scope, limit=limit or None)
        out = []
        for hit in results:
            text = hit["text"]
            if limit:  # a results page as a Whoosh app renders it: fields and highlights
                hit.highlights("text")
                out.append((text, []))
                continue
            spans = [(t.startchar, t.endchar) for t in analyzer(text, chars=True, mode="index") if t.text in terms]
            out.append((text, spans))
        return out

    return run


def _reading_policies(judged, run) -> dict:
    """textkit with each policy for query words with several readings (same index)."""
    from textkit import query

    chosen = query.READINGS
    out = {}
    try:
        for policy in ("typed-or-best", "best", "all"):
            query.READINGS = policy
            scored = [_score(q, run(q["query"])) for q in judged]
            out[policy] = {"found": sum(s["found"] for s in scored), "forms": sum(s["of"] for s in scored),
                           "wrong": sum(s["wrong"] for s in scored)}
    finally:
        query.READINGS = chosen
    return out


class _plain_textkit:
    """textkit as before issue 13: plain BM25 order and no lexicalised list (same index)."""

    def __enter__(self):
        from textkit import index, query

        self._saved = (index.WHOLE_WORDS_FIRST, query.load_lexicalised)
        index.WHOLE_WORDS_FIRST = False
        query.load_lexicalised = lambda *a, **k: query.Lexicalised()
        return self

    def __exit__(self, *exc):
        from textkit import index, query

        index.WHOLE_WORDS_FIRST, query.load_lexicalised = self._saved


def _whole_word_order(models_dir: Path) -> dict:
    """Per common word: whole-word / compound-only hits and the share of such pairs in
    whole-word-first order, textkit and its plain BM25 order (the baseline)."""
    from textkit.analysis import get_analyzer
    from textkit.index import search

    analyze = get_analyzer().analyze_word

    def kinds(q: str) -> list[bool]:
        lemma = analyze(q).lemma
        hits = search(q, sections=SECTIONS, limit=0, models_dir=models_dir).hits
        return [any(lemma in analyze(m).lemmas for m in h.matches) for h in hits]

    def pairs(whole: list[bool]) -> tuple[int, int]:
        in_order = total = 0
        wholes_before = 0
        parts_before = 0
        for w in whole:
            if w:
                total += parts_before       # every earlier compound-only hit is a pair out of order
                wholes_before += 1
            else:
                total += wholes_before
                in_order += wholes_before
                parts_before += 1
        return in_order, total

    out = {"words": {}, "textkit": [0, 0], "baseline": [0, 0]}
    for word in ORDER_WORDS:
        now = kinds(word)
        with _plain_textkit():
            before = kinds(word)
        row = {}
        for name, whole in (("textkit", now), ("baseline", before)):
            ok, total = pairs(whole)
            out[name][0] += ok
            out[name][1] += total
            row[name] = {"whole": sum(whole), "compound_only": len(whole) - sum(whole), "pairs": total,
                         "in_order": ok, "share": ok / total if total else 1.0}
        out["words"][word] = row
    for name in ("textkit", "baseline"):
        ok, total = out[name]
        out[name] = {"in_order": ok, "pairs": total, "share": ok / total if total else 1.0}
    return out


def _latency(runs: dict, judged, repeats: int) -> dict:
    """p50/p95 per system. The systems take turns query by query, so both see the same load
    on a shared machine."""
    times: dict[str, list[float]] = {name: [] for name in runs}
    for q in judged:  # warm-up: first-use costs (caches, lazy imports) are not query latency
        for run in runs.values():
            run(q["query"], limit=RESULT_LIMIT)
    for _ in range(repeats):
        for q in judged:
            for name, run in runs.items():
                t0 = time.perf_counter()
                run(q["query"], limit=RESULT_LIMIT)
                times[name].append(time.perf_counter() - t0)
    out = {}
    for name, ts in times.items():
        ts.sort()
        out[name] = {"p50_ms": 1000 * statistics.median(ts), "p95_ms": 1000 * ts[int(0.95 * (len(ts) - 1))],
                     "runs": len(ts)}
    return out


# ---------------------------------------------------------------- report


def _precision(found: int, wrong: int) -> float:
    return found / (found + wrong) if found + wrong else 1.0


def _result(judged, scores, build_s, latency, n_passages, order, plain) -> dict:
    scores = {**scores, "textkit_plain": plain}
    names = (*SYSTEMS, "textkit_plain")
    original = [i for i, q in enumerate(judged) if q.get("set") != "precision"]
    totals = {}
    for name in names:
        found = sum(s["found"] for s in scores[name])
        forms = sum(s["of"] for s in scores[name])
        wrong = sum(s["wrong"] for s in scores[name])
        found_original = sum(scores[name][i]["found"] for i in original)
        forms_original = sum(scores[name][i]["of"] for i in original)
        totals[name] = {"recall": found / forms, "found": found, "forms": forms, "wrong": wrong,
                        "precision": _precision(found, wrong),
                        "found_original": found_original, "forms_original": forms_original,
                        "queries_complete": sum(s["found"] == s["of"] for s in scores[name])}
    tk = totals["textkit"]
    best_baseline = max(totals[b]["recall"] for b in BASELINES)
    rows = []
    for i, q in enumerate(judged):
        rows.append([q["query"]] + [f"{scores[n][i]['found']}/{scores[n][i]['of']}, {scores[n][i]['wrong']} wrong, "
                                    f"P {_precision(scores[n][i]['found'], scores[n][i]['wrong']):.0%}"
                                    for n in names])
    rows.append(["all"] + [f"{totals[n]['found']}/{totals[n]['forms']} ({totals[n]['recall']:.0%}), "
                           f"{totals[n]['wrong']} wrong, P {totals[n]['precision']:.1%}" for n in names])
    order_rows = [[w, f"{r['textkit']['in_order']}/{r['textkit']['pairs']} ({r['textkit']['share']:.0%})",
                   f"{r['baseline']['in_order']}/{r['baseline']['pairs']} ({r['baseline']['share']:.0%})",
                   f"{r['textkit']['whole']} / {r['textkit']['compound_only']}",
                   f"{r['baseline']['whole']} / {r['baseline']['compound_only']}"]
                  for w, r in order["words"].items()]
    order_rows.append(["all", f"{order['textkit']['in_order']}/{order['textkit']['pairs']} ({order['textkit']['share']:.1%})",
                       f"{order['baseline']['in_order']}/{order['baseline']['pairs']} ({order['baseline']['share']:.1%})", "", ""])
    build_ratio = build_s["textkit"] / build_s["snowball"]
    p95_ratio = latency["textkit"]["p95_ms"] / latency["snowball"]["p95_ms"]
    misses = {n: {q["query"]: scores[n][i]["missed"] for i, q in enumerate(judged) if scores[n][i]["missed"]}
              for n in names}
    wrongs = {n: {q["query"]: scores[n][i]["wrong_forms"] for i, q in enumerate(judged) if scores[n][i]["wrong_forms"]}
              for n in names}
    return {
        "name": "search_quality",
        "title": "Search quality on the judged queries (2024 edition, sections 2–5)",
        "targets": [
            {"name": "recall of judged forms", "textkit": round(tk["recall"], 3),
             "baseline": {b: round(totals[b]["recall"], 3) for b in BASELINES}, "unit": "",
             "ratio": round(tk["recall"] / best_baseline, 2) if best_baseline else None,
             "target": "textkit = 1.0 and every baseline < 2/3",
             "pass": tk["recall"] == 1.0 and best_baseline < 2 / 3},
            {"name": f"recall of the original {ORIGINAL_FORMS} judged forms", "textkit": f"{tk['found_original']}/{tk['forms_original']}",
             "baseline": {b: f"{totals[b]['found_original']}/{totals[b]['forms_original']}" for b in BASELINES}, "unit": "",
             "target": f"textkit {ORIGINAL_FORMS}/{ORIGINAL_FORMS}",
             "pass": tk["found_original"] == tk["forms_original"] == ORIGINAL_FORMS},
            {"name": "wrong matches (look-alikes marked)", "textkit": tk["wrong"],
             "baseline": {b: totals[b]["wrong"] for b in (*BASELINES, "textkit_plain")}, "unit": "forms",
             "target": "textkit = 0", "pass": tk["wrong"] == 0},
            {"name": "precision of judged forms marked (found / (found + look-alikes))",
             "textkit": round(tk["precision"], 3),
             "baseline": {b: round(totals[b]["precision"], 3) for b in (*BASELINES, "textkit_plain")}, "unit": "",
             "target": "reported (per query in the table)", "pass": True},
            {"name": f"whole-word-first order: (whole-word, compound-only) hit pairs in order, {', '.join(ORDER_WORDS)}",
             "textkit": round(order["textkit"]["share"], 3), "baseline": round(order["baseline"]["share"], 3),
             "unit": "", "target": f"textkit >= {ORDER_TARGET:.0%} (baseline: textkit's plain BM25 order)",
             "pass": order["textkit"]["share"] >= ORDER_TARGET},
            {"name": "index build time", "textkit": round(build_s["textkit"], 2),
             "baseline": round(build_s["snowball"], 2), "unit": "s", "ratio": round(build_ratio, 1),
             "target": "reported (textkit / Snowball)", "pass": True},
            {"name": "p95 query latency (search + hit fields + snippets, top 20)",
             "textkit": round(latency["textkit"]["p95_ms"], 1), "baseline": round(latency["snowball"]["p95_ms"], 1),
             "unit": "ms", "ratio": round(p95_ratio, 1), "target": "reported (textkit / Snowball)", "pass": True},
        ],
        "tables": [{"title": "Judged forms found per query, look-alikes wrongly matched, precision",
                    "columns": ["query", *names], "rows": rows},
                   {"title": "Whole-word-first order over all hits (sections 2–5): pairs in order; "
                             "hits whole / compound-only",
                    "columns": ["word", "textkit", "plain BM25 (before)", "textkit hits", "before hits"],
                    "rows": order_rows}],
        "notes": [
            f"{len(judged)} queries, {tk['forms']} judged forms, "
            f"{sum(len(q['avoid']) for q in judged)} look-alikes; {n_passages} passages indexed, sections 2–5 searched.",
            "textkit_plain = textkit on the same index without the lexicalised list and with plain BM25 "
            "order (the behaviour before issue 13), measured in the same run.",
            "Baselines: whoosh = StandardAnalyzer without stop words or stemming; snowball = "
            "LanguageAnalyzer('fi'); simplemma = RegexTokenizer | lowercase | simplemma.lemmatize(lang='fi'). "
            "Queries go through Whoosh's QueryParser with the same analyzer.",
            f"Latency: {latency['textkit']['runs']} timed runs per system after one warm-up pass; "
            f"p50 textkit {latency['textkit']['p50_ms']:.1f} ms, Snowball {latency['snowball']['p50_ms']:.1f} ms.",
        ],
        "totals": totals,
        "whole_word_order": order,
        "build_seconds": build_s,
        "latency": latency,
        "missed": misses,
        "wrong": wrongs,
    }


def _print_summary(result: dict) -> None:
    for table in result["tables"]:
        print(table["title"])
        widths = [max(len(str(r[i])) for r in [table["columns"], *table["rows"]]) for i in range(len(table["columns"]))]
        for row in [table["columns"], *table["rows"]]:
            print("  ".join(str(c).ljust(w) for c, w in zip(row, widths)))
        print()
    for t in result["targets"]:
        print(f"{t['name']}: textkit {t['textkit']} vs {t['baseline']} {t['unit']}"
              f"{'  ratio ' + str(t['ratio']) if t.get('ratio') is not None else ''}  "
              f"[{'PASS' if t['pass'] else 'FAIL'}: {t['target']}]")
    for name, misses in result["missed"].items():
        if name == "textkit" and misses:
            print(f"textkit missed: {misses}")
    if result["wrong"]["textkit"]:
        print(f"textkit wrong: {result['wrong']['textkit']}")


if __name__ == "__main__":
    sys.exit(main())
