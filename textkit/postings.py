"""Query evaluation straight over the index's postings.

`evaluate` scores the query tree of `textkit.query` the way Whoosh's matchers score the query
`textkit.index` makes of it (BM25F per term; a word's terms and the query's words summed; a
word's score scaled by the share of its positions that its exclusions leave; NOT adds Whoosh's
1.0; a prefix of many forms scores 1.0), but a whole posting list at a time, with dicts and
sets, instead of a tree of matcher objects stepping through every document. A textkit word is
a union of two to six terms with exclusions decided per word position, and a search scores
every hit (the facets count them all): at 100× the matcher trees were most of a query's time.

The result is the same hits with the same scores (up to the order in which floating-point
scores are added); `textkit.index.DIRECT_EVALUATION = False` switches back to Whoosh's
matchers, and tests/test_index.py and bench/query_equivalence.py compare the two.
Prefix queries, which Whoosh scores differently in different contexts, are evaluated by
Whoosh's own matcher (they are cheap: constant scores, no positions).
"""

from __future__ import annotations

from typing import Any, Iterable

from whoosh.codec.whoosh3 import W3LeafMatcher
from whoosh.reading import TermNotFound

from textkit.query import And, Filter, Not, Or, Phrase, Prefix, Word

# Encoded position lists are shared between postings (most words occur once in a passage, at
# one of a few hundred positions): decoded once each.
_MAX_DECODED = 200_000


class Postings:
    """One term's postings: document numbers, weights and encoded positions, read a block
    at a time (positions are decoded only for the documents that need them)."""

    __slots__ = ("ids", "weights", "values", "_decode", "_where")

    def __init__(self, ids, weights, values, decode) -> None:
        self.ids = ids
        self.weights = weights
        self.values = values
        self._decode = decode
        self._where: dict[int, int] | None = None

    def positions(self, doc: int) -> list[int] | None:
        if self._where is None:
            self._where = {d: i for i, d in enumerate(self.ids)}
        i = self._where.get(doc)
        return None if i is None else self._decode(self.values[i])


class Evaluation:
    """What one search reads from the index, each term once."""

    def __init__(self, searcher, field_lengths: list[int], decoded: dict[bytes, list[int]]) -> None:
        self.searcher = searcher
        self.reader = searcher.reader()
        self._lengths = field_lengths
        self._decoded = decoded
        self._postings: dict[tuple[str, str], Postings | None] = {}
        self._scores: dict[tuple[str, str], list[float]] = {}
        self._format = self.reader.schema["content"].format

    # ------------------------------------------------------------ terms

    def postings(self, fieldname: str, text: str) -> Postings | None:
        key = (fieldname, text)
        if key in self._postings:
            return self._postings[key]
        found = self._postings[key] = self._read(fieldname, text)
        return found

    def term_scores(self, fieldname: str, text: str, p: Postings) -> list[float]:
        """Each posting's score, as Whoosh's scorer for the term computes it."""
        key = (fieldname, text)
        scores = self._scores.get(key)
        if scores is not None:
            return scores
        tbytes = self.reader.schema[fieldname].to_bytes(text)
        scorer = self.searcher.weighting.scorer(self.searcher, fieldname, tbytes)
        if hasattr(scorer, "idf") and hasattr(scorer, "avgfl") and hasattr(scorer, "K1"):
            # BM25FScorer._score → scoring.bm25, written out (the same operations in the same
            # order, so the same floats) to save two calls per posting.
            idf, avgfl, B, K1 = scorer.idf, scorer.avgfl, scorer.B, scorer.K1
            lengths = self._lengths if fieldname == "content" else None
            if lengths is not None:
                scores = [idf * ((tf * (K1 + 1)) / (tf + K1 * ((1 - B) + B * lengths[d] / avgfl)))
                          for d, tf in zip(p.ids, p.weights)]
            else:
                dfl = scorer.dfl
                scores = [scorer._score(tf, dfl(d)) for d, tf in zip(p.ids, p.weights)]
        else:
            # Not scorable (ID fields): Whoosh's WeightScorer scores the posting's weight.
            scores = [float(w) for w in p.weights]
        self._scores[key] = scores
        return scores

    def _read(self, fieldname: str, text: str) -> Postings | None:
        field = self.reader.schema[fieldname]
        try:
            tbytes = field.to_bytes(text)
            m = self.reader.postings(fieldname, tbytes)
        except (TermNotFound, ValueError):
            return None
        ids: list[int] = []
        weights: list[float] = []
        values: list = []
        if type(m) is W3LeafMatcher:
            # A block at a time: the block's ids, weights and values come from one unpickle.
            while m.is_active():
                m._read_ids()
                m._read_weights()
                m._read_values()
                ids.extend(m._ids)
                weights.extend(m._weights)
                values.extend(m._values)
                m._next_block()
        else:
            while m.is_active():
                ids.append(m.id())
                weights.append(m.weight())
                values.append(m.value())
                m.next()
        if not ids:
            return None
        return Postings(ids, weights, values, self._decode_positions)

    def _decode_positions(self, value: bytes) -> list[int]:
        found = self._decoded.get(value)
        if found is None:
            found = self._format.decode_positions(value)
            if len(self._decoded) >= _MAX_DECODED:
                self._decoded.clear()
            self._decoded[value] = found
        return found

    def prefix_terms(self, fieldname: str, prefix: str) -> list[str]:
        return [b.decode("utf-8") if isinstance(b, bytes) else b
                for b in self.reader.expand_prefix(fieldname, prefix)]


def evaluate(node, ev: Evaluation, to_whoosh) -> dict[int, float]:
    """Document number → score of every document the query tree matches. `to_whoosh(node)`
    gives the Whoosh query of a node that is evaluated by Whoosh's matcher (prefixes)."""
    if isinstance(node, Word):
        return WordMatch(node, ev).scores
    if isinstance(node, Phrase):
        return phrase_scores([WordMatch(w, ev) for w in node.words])
    if isinstance(node, Prefix):
        return _whoosh_scores(to_whoosh(node), ev)
    if isinstance(node, Filter):
        return _filter_scores(to_whoosh(node), ev)
    if isinstance(node, Or):
        out: dict[int, float] = {}
        for child in node.children:
            for doc, s in evaluate(child, ev, to_whoosh).items():
                out[doc] = out[doc] + s if doc in out else s
        return out
    if isinstance(node, And):
        positive = [c for c in node.children if not isinstance(c, Not)]
        negative = [c.child for c in node.children if isinstance(c, Not)]
        if positive:
            parts = sorted((evaluate(c, ev, to_whoosh) for c in positive), key=len)
            out = dict(parts[0])
            for part in parts[1:]:
                out = {doc: s + part[doc] for doc, s in out.items() if doc in part}
                if not out:
                    return out
        else:
            out = {doc: 0.0 for doc in range(ev.reader.doc_count_all())}
        for child in negative:
            gone = evaluate(child, ev, to_whoosh)
            # Whoosh's InverseMatcher scores each document it lets through 1.0.
            out = {doc: s + 1.0 for doc, s in out.items() if doc not in gone}
        return out
    if isinstance(node, Not):
        gone = evaluate(node.child, ev, to_whoosh)
        return {doc: 1.0 for doc in range(ev.reader.doc_count_all()) if doc not in gone}
    raise TypeError(node)


class WordMatch:
    """A query word over the postings: its terms' scores summed per document, and per
    document the positions where it matches (its terms' positions minus those of the words
    it excludes). Documents whose every position is excluded are no match."""

    def __init__(self, word: Word, ev: Evaluation, whole_only: bool = False) -> None:
        from textkit.index import word_query_terms

        positive, excluded, prefixes = word_query_terms(word, whole_only)
        self._ev = ev
        self._terms = [(t, p) for t, p in ((t, ev.postings("content", t)) for t in positive) if p]
        for prefix in prefixes:
            excluded = excluded + ev.prefix_terms("content", prefix)
        self._excluded = [p for p in (ev.postings("content", t) for t in excluded) if p]
        self._kept: dict[int, list[int]] = {}
        self.scores = self._score()

    def docs(self) -> Iterable[int]:
        return self.scores.keys()

    def positions(self, doc: int) -> Iterable[int]:
        kept = self._kept.get(doc)
        return kept if kept is not None else self._all_positions(doc)

    def _all_positions(self, doc: int):
        if len(self._terms) == 1:
            return self._terms[0][1].positions(doc) or ()
        found: set[int] = set()
        for _t, p in self._terms:
            pos = p.positions(doc)
            if pos:
                found.update(pos)
        return found

    def _score(self) -> dict[int, float]:
        ev = self._ev
        scores: dict[int, float] = {}
        for term, p in self._terms:
            for doc, s in zip(p.ids, ev.term_scores("content", term, p)):
                scores[doc] = scores[doc] + s if doc in scores else s
        if not self._excluded or not scores:
            return scores
        touched = set()
        for p in self._excluded:
            touched.update(p.ids)
        for doc in touched.intersection(scores):
            gone = set()
            for p in self._excluded:
                pos = p.positions(doc)
                if pos:
                    gone.update(pos)
            positions = list(self._all_positions(doc))
            kept = [pos for pos in positions if pos not in gone]
            if not kept:
                del scores[doc]
                continue
            self._kept[doc] = kept
            scores[doc] = scores[doc] * (len(kept) / len(positions))
        return scores


def phrase_starts(words: list[WordMatch], doc: int) -> list[int]:
    """The positions where the phrase's first word stands in `doc`, sorted."""
    starts = None
    for i, word in enumerate(words):
        shifted = {p - i for p in word.positions(doc)}
        starts = shifted if starts is None else starts & shifted
        if not starts:
            return []
    return sorted(starts)


def phrase_docs(words: list[WordMatch]) -> Iterable[int]:
    """Documents where every word of the phrase occurs (a superset of the phrase's)."""
    ordered = sorted((w.scores for w in words), key=len)
    docs = set(ordered[0])
    for other in ordered[1:]:
        docs.intersection_update(other)
    return sorted(docs)


def phrase_scores(words: list[WordMatch]) -> dict[int, float]:
    out: dict[int, float] = {}
    for doc in phrase_docs(words):
        if phrase_starts(words, doc):
            out[doc] = _tree_sum([w.scores[doc] for w in words])
    return out


def _tree_sum(values: list[float]) -> float:
    """The sum in the order of Whoosh's binary tree of intersection matchers (a + (b + c))."""
    if len(values) == 1:
        return values[0]
    half = len(values) // 2
    return _tree_sum(values[:half]) + _tree_sum(values[half:])


def _whoosh_scores(query, ev: Evaluation) -> dict[int, float]:
    """Document → score from Whoosh's own matcher for `query`, in the context a search gives."""
    searcher = ev.searcher
    m = query.matcher(searcher, searcher.context())
    out: dict[int, float] = {}
    while m.is_active():
        out[m.id()] = m.score()
        m.next()
    return out


def _filter_scores(query, ev: Evaluation) -> dict[int, float]:
    """A field filter (one term or an Or of terms of an ID field): each document's posting
    weights, as Whoosh's WeightScorer scores them."""
    terms = query.subqueries if hasattr(query, "subqueries") else [query]
    out: dict[int, float] = {}
    for term in terms:
        p = ev.postings(term.fieldname, term.text)
        if p is None:
            continue
        for doc, s in zip(p.ids, ev.term_scores(term.fieldname, term.text, p)):
            out[doc] = out[doc] + s if doc in out else s
    return out


def per_index_state(per_index: dict[str, Any]) -> dict[bytes, list[int]]:
    """The decoded-positions table kept with the index's other per-index values."""
    return per_index.setdefault("decoded_positions", {})
