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
Whoosh's own matcher (they are cheap: constant scores, no positions); field filters score
their postings' weights, as Whoosh's WeightScorer does. Postings are read a block at a time
through Whoosh's W3 block reader (any other matcher posting by posting), and a word that
follows another in an AND or a phrase only from the blocks holding the documents still in
play.
"""

from __future__ import annotations

from typing import Any, Iterable

from whoosh.codec.whoosh3 import W3LeafMatcher
from whoosh.reading import TermNotFound

from textkit.query import And, Filter, Not, Or, Phrase, Prefix, Word

# Encoded position lists are shared between postings (most words occur once in a passage, at
# one of a few hundred positions): decoded once each.
_MAX_DECODED = 200_000


class Docs:
    """A set of document numbers, also in order (for skipping posting blocks)."""

    __slots__ = ("set", "ordered")

    def __init__(self, docs: Iterable[int]) -> None:
        self.set = docs if isinstance(docs, (set, frozenset)) else set(docs)
        self.ordered = sorted(self.set)

    def __len__(self) -> int:
        return len(self.set)


class Postings:
    """One term's postings: document numbers, weights and encoded positions, read a block
    at a time (positions are decoded only for the documents that need them)."""

    __slots__ = ("ids", "weights", "values", "_decode")

    def __init__(self, ids, weights, values, decode) -> None:
        self.ids = ids
        self.weights = weights
        self.values = values
        self._decode = decode

    def only(self, docs: set[int]) -> "Postings | None":
        keep = [i for i, d in enumerate(self.ids) if d in docs]
        if len(keep) == len(self.ids):
            return self
        if not keep:
            return None
        return Postings([self.ids[i] for i in keep], [self.weights[i] for i in keep],
                        [self.values[i] for i in keep], self._decode)


def read_postings(reader, fieldname: str, text: str, within: Docs | None = None):
    """(ids, weights, encoded values) of a term's postings, or None if the index lacks it;
    with `within`, only the postings of those documents."""
    field = reader.schema[fieldname]
    try:
        m = reader.postings(fieldname, field.to_bytes(text))
    except (TermNotFound, ValueError):
        return None
    ids: list[int] = []
    weights: list[float] = []
    values: list = []
    wanted = within.set if within is not None else None
    if type(m) is W3LeafMatcher:
        # A block at a time: the block's ids, weights and values come from one unpickle.
        # With `within`, a block none of whose ids can be wanted is not unpickled (blocks
        # tell their last id up front).
        ordered = within.ordered if within is not None else ()
        j, count, last_max = 0, len(ordered), -1
        while m.is_active():
            if wanted is not None:
                while j < count and ordered[j] <= last_max:
                    j += 1
                if j == count:
                    break
                last_max = m._maxid
                if ordered[j] > last_max:
                    m._next_block()
                    continue
            m._read_ids()
            m._read_weights()
            m._read_values()
            if wanted is None:
                ids.extend(m._ids)
                weights.extend(m._weights)
                values.extend(m._values)
            else:
                for d, w, v in zip(m._ids, m._weights, m._values):
                    if d in wanted:
                        ids.append(d)
                        weights.append(w)
                        values.append(v)
            m._next_block()
    else:
        while m.is_active():
            if wanted is None or m.id() in wanted:
                ids.append(m.id())
                weights.append(m.weight())
                values.append(m.value())
            m.next()
    return (ids, weights, values) if ids else None


class Evaluation:
    """What one search reads from the index, each term once."""

    def __init__(self, searcher, field_lengths: list[int], decoded: dict[bytes, list[int]]) -> None:
        self.searcher = searcher
        self.reader = searcher.reader()
        self._lengths = field_lengths
        self._decoded = decoded
        self._postings: dict[tuple[str, str], Postings | None] = {}
        self._scores: dict[tuple, tuple[Postings, list[float]]] = {}
        self._format = self.reader.schema["content"].format
        # Phrase → {document: start positions}, from evaluating the whole query (not restricted).
        self.phrase_starts: dict[Phrase, dict[int, list[int]]] = {}

    # ------------------------------------------------------------ terms

    def postings(self, fieldname: str, text: str, within: "Docs | None" = None) -> Postings | None:
        """The term's postings; with `within`, only those of these documents (read from the
        blocks that hold them, the other blocks skipped)."""
        key = (fieldname, text)
        full = self._postings.get(key, False)
        if within is None:
            if full is False:
                full = self._postings[key] = self._read(fieldname, text)
            return full
        if full is not False:
            return full and full.only(within.set)
        return self._read(fieldname, text, within)

    def size(self, fieldname: str, text: str) -> int:
        """Documents with the term (from the term's info, no postings read)."""
        return self.reader.doc_frequency(fieldname, self.reader.schema[fieldname].to_bytes(text))

    def term_scores(self, fieldname: str, text: str, p: Postings) -> list[float]:
        """Each posting's score, as Whoosh's scorer for the term computes it."""
        key = (fieldname, text, id(p))
        found = self._scores.get(key)
        if found is not None and found[0] is p:
            return found[1]
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
        self._scores[key] = (p, scores)
        return scores

    def _read(self, fieldname: str, text: str, within: "Docs | None" = None) -> Postings | None:
        found = read_postings(self.reader, fieldname, text, within)
        if found is None:
            return None
        ids, weights, values = found
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


def evaluate(node, ev: Evaluation, to_whoosh, within: Docs | None = None) -> dict[int, float]:
    """Document number → score of every document the query tree matches (with `within`: of
    those among these documents; their scores are the same). `to_whoosh(node)` gives the
    Whoosh query of a node that Whoosh's own matcher evaluates (prefixes, field filters)."""
    if isinstance(node, Word):
        return WordMatch(node, ev, within=within).scores
    if isinstance(node, Phrase):
        starts: dict[int, list[int]] = {}
        scores = phrase_scores(phrase_words(node, ev, within), starts)
        if within is None:
            ev.phrase_starts[node] = starts
        return scores
    if isinstance(node, (Prefix, Filter)):
        found = _whoosh_scores(to_whoosh(node), ev) if isinstance(node, Prefix) else _filter_scores(to_whoosh(node), ev)
        return found if within is None else {d: s for d, s in found.items() if d in within.set}
    if isinstance(node, Or):
        out: dict[int, float] = {}
        for child in node.children:
            for doc, s in evaluate(child, ev, to_whoosh, within).items():
                out[doc] = out[doc] + s if doc in out else s
        return out
    if isinstance(node, And):
        positive = sorted((c for c in node.children if not isinstance(c, Not)), key=lambda c: _size(c, ev))
        negative = [c.child for c in node.children if isinstance(c, Not)]
        if positive:
            # The rarest part first; each further part is read only for the documents left.
            out = evaluate(positive[0], ev, to_whoosh, within)
            for child in positive[1:]:
                if not out:
                    return out
                part = evaluate(child, ev, to_whoosh, Docs(out.keys()))
                out = {doc: s + part[doc] for doc, s in out.items() if doc in part}
        else:
            docs = range(ev.reader.doc_count_all()) if within is None else within.ordered
            out = {doc: 0.0 for doc in docs}
        for child in negative:
            if not out:
                return out
            gone = evaluate(child, ev, to_whoosh, Docs(out.keys()))
            # Whoosh's InverseMatcher scores each document it lets through 1.0.
            out = {doc: s + 1.0 for doc, s in out.items() if doc not in gone}
        return out
    if isinstance(node, Not):
        docs = range(ev.reader.doc_count_all()) if within is None else within.ordered
        gone = evaluate(node.child, ev, to_whoosh, within)
        return {doc: 1.0 for doc in docs if doc not in gone}
    raise TypeError(node)


def _size(node, ev: Evaluation) -> int:
    """An upper bound of the documents a node matches, from the terms' document counts."""
    if isinstance(node, Word):
        from textkit.index import word_query_terms

        return sum(ev.size("content", t) for t in word_query_terms(node)[0])
    if isinstance(node, Phrase):
        return min(_size(w, ev) for w in node.words)
    if isinstance(node, And):
        return min((_size(c, ev) for c in node.children if not isinstance(c, Not)), default=ev.reader.doc_count_all())
    if isinstance(node, Or):
        return sum(_size(c, ev) for c in node.children)
    return ev.reader.doc_count_all()   # prefixes and filters: evaluated whole anyway


def phrase_words(node: Phrase, ev: Evaluation, within: Docs | None = None) -> list[WordMatch]:
    """The phrase's words over the postings, the rarest read first and each further word only
    for the documents that still have all the words before it; in phrase order."""
    order = sorted(range(len(node.words)), key=lambda i: _size(node.words[i], ev))
    matches: dict[int, WordMatch] = {}
    for i in order:
        matches[i] = WordMatch(node.words[i], ev, within=within)
        within = Docs(matches[i].scores.keys())
        if not within:
            break
    if len(matches) < len(node.words):
        return [matches[i] for i in order[: len(matches)]] + [_NoMatch()]
    return [matches[i] for i in range(len(node.words))]


class _NoMatch:
    """A phrase word not read because the words before it left no document."""

    scores: dict[int, float] = {}

    def position_keys(self, shift: int, docs: set[int]) -> set[int]:
        return set()


class WordMatch:
    """A query word over the postings: its terms' scores summed per document, and per
    document the positions where it matches (its terms' positions minus those of the words
    it excludes). Documents whose every position is excluded are no match."""

    def __init__(self, word: Word, ev: Evaluation, whole_only: bool = False, within: Docs | None = None,
                 scored: bool = True) -> None:
        """`scored` False: only which documents match (every score 0.0, no BM25 computed)."""
        from textkit.index import word_query_terms

        positive, excluded, prefixes = word_query_terms(word, whole_only)
        self._ev = ev
        self._terms = [(t, p) for t, p in ((t, ev.postings("content", t, within)) for t in positive) if p]
        for prefix in prefixes:
            excluded = excluded + ev.prefix_terms("content", prefix)
        self._excluded = []
        if self._terms:
            # Exclusions matter only where the word's own terms are.
            mine = within if within is not None and len(within) < 4096 else None
            self._excluded = [p for p in (ev.postings("content", t, mine) for t in excluded) if p]
        self._kept: dict[int, list[int]] = {}
        self._values: dict[int, list] | None = None
        self.scores = self._score(scored)

    def position_keys(self, shift: int, docs: set[int]) -> set[int]:
        """doc * _KEY + position - shift for each position where the word matches in `docs`
        (positions before `shift` left out)."""
        decode = self._ev._decode_positions
        kept, scores = self._kept, self.scores
        out: set[int] = set()
        add = out.add
        for _t, p in self._terms:
            for d, v in zip(p.ids, p.values):
                if d in docs and d not in kept and d in scores:
                    base = d * _KEY - shift
                    for pos in decode(v):
                        if pos >= shift:
                            add(base + pos)
        for d, positions in kept.items():
            if d in docs:
                base = d * _KEY - shift
                out.update(base + pos for pos in positions if pos >= shift)
        return out

    def _all_positions(self, doc: int):
        """The positions of the word's terms in `doc` (a list when one term has them)."""
        if self._values is None:
            # Each document's encoded position lists, from all the word's terms in one pass.
            by_doc: dict[int, list] = {}
            for _t, p in self._terms:
                for d, v in zip(p.ids, p.values):
                    found = by_doc.get(d)
                    if found is None:
                        by_doc[d] = [v]
                    else:
                        found.append(v)
            self._values = by_doc
        values = self._values.get(doc)
        if not values:
            return ()
        decode = self._ev._decode_positions
        if len(values) == 1:
            return decode(values[0])
        union: set[int] = set()
        for v in values:
            union.update(decode(v))
        return union

    def _score(self, scored: bool) -> dict[int, float]:
        ev = self._ev
        scores: dict[int, float] = {}
        for term, p in self._terms:
            if not scored:
                scores.update(dict.fromkeys(p.ids, 0.0))
                continue
            for doc, s in zip(p.ids, ev.term_scores("content", term, p)):
                scores[doc] = scores[doc] + s if doc in scores else s
        if not self._excluded or not scores:
            return scores
        # Per document the encoded positions of the excluded words, in one pass over their
        # postings.
        gone_values: dict[int, list] = {}
        for p in self._excluded:
            for d, v in zip(p.ids, p.values):
                if d in scores:
                    found = gone_values.get(d)
                    if found is None:
                        gone_values[d] = [v]
                    else:
                        found.append(v)
        decode = ev._decode_positions
        for doc, values in gone_values.items():
            gone: set[int] = set()
            for v in values:
                gone.update(decode(v))
            positions = list(self._all_positions(doc))
            kept = [pos for pos in positions if pos not in gone]
            if not kept:
                del scores[doc]
                continue
            self._kept[doc] = kept
            scores[doc] = scores[doc] * (len(kept) / len(positions))
        return scores


# A (document, position) pair as one integer, so that a phrase's words are joined by set
# intersection: word i at position p of document d is the key d * _KEY + p - i.
_KEY = 1 << 32


def phrase_matches(words: list[WordMatch]) -> dict[int, list[int]]:
    """Document → the sorted positions where the phrase's first word starts a match."""
    docs = phrase_docs(words)
    keys = None
    for i, word in enumerate(words):
        mine = word.position_keys(i, docs)
        keys = mine if keys is None else keys & mine
        if not keys:
            return {}
    out: dict[int, list[int]] = {}
    for key in sorted(keys):
        doc, start = divmod(key, _KEY)
        found = out.get(doc)
        if found is None:
            out[doc] = [start]
        else:
            found.append(start)
    return out


def phrase_docs(words: list[WordMatch]) -> set[int]:
    """Documents where every word of the phrase occurs (a superset of the phrase's)."""
    ordered = sorted((w.scores for w in words), key=len)
    docs = set(ordered[0])
    for other in ordered[1:]:
        docs.intersection_update(other)
    return docs


def phrase_scores(words: list[WordMatch], starts_of: dict[int, list[int]] | None = None) -> dict[int, float]:
    """Document → score of the phrase's matches (the sum of its words' scores); the start
    positions of each document's matches go to `starts_of`."""
    matches = phrase_matches(words)
    if starts_of is not None:
        starts_of.update(matches)
    return {doc: _tree_sum([w.scores[doc] for w in words]) for doc in matches}


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
