"""Search: a Whoosh index over Voikko lemmas and compound parts, and the search function.

One analysed field, `content`: per word of a passage, at the word's position, its lemma and
every other candidate lemma, the lemmas of its compound parts and runs of parts (marked as
parts, so a query can tell a whole word from a compound part), and its lowercased surface
form (marked, for prefix search), so phrase queries over lemmas work. `word_terms` computes
them from the shared textkit Analyzer and `WordsField` writes them.

A query word matches whole words and compound parts, except text words it excludes
(lexicalised compounds, fixed forms, the user's `EI muoto:`), decided per word position.
Hits where a query word stands as a whole word rank before hits where it is only a compound
part; `SearchResult.forms` lists every matched surface form with its count and how it matched.

The positions and offsets of each passage's indexed words are stored with the document, so
the exact words that matched (`Hit.matches`) and the snippet highlights come from the same
analysis as the index, without tokenising the passage again at query time.
"""

from __future__ import annotations

import contextlib
import functools
import heapq
from bisect import bisect_left
import html
import itertools
import operator
import pickle
import struct
import zlib
from array import array
import re
import threading
import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Iterable, Iterator, Sequence

from whoosh import query as wq
from whoosh import scoring
from whoosh.analysis import Token, Tokenizer
from whoosh.codec.whoosh3 import WHOOSH3_HEADER_MAGIC, W3Codec, W3FieldWriter, W3PerDocWriter, W3TermInfo
from whoosh.columns import CompressedBytesColumn, PickleColumn
from whoosh.fields import ID, STORED, TEXT, Schema
from whoosh.formats import Positions
from whoosh.index import IndexError as WhooshIndexError
from whoosh.reading import TermNotFound
from whoosh.matching import IntersectionMatcher, NullMatcher, UnionMatcher, WrappingMatcher
from whoosh.query.spans import Span, SpanWrappingMatcher
from whoosh.system import pack_int, pack_long, pack_ushort
from whoosh.util.numeric import length_to_byte
from whoosh.util import make_binary_tree
from whoosh.writing import SegmentWriter

from textkit.errors import TextkitError
from textkit.parse import NARRATIVE_SECTIONS
from textkit.progress import ProgressFn, add_stage_time
from textkit.query import (
    PART, PHRASE, PREFIX, WHOLE, And, Filter as QueryFilter, Not, Or, ParsedQuery, Phrase, Prefix, Word,
    matching_spans_kinds, parse_query, positive_leaves, prefix_match, walk, word_match,
)

INDEX_DIRNAME = "index"
# What Whoosh raises on index files that are truncated, overwritten or swapped away while read
# ("created on different architecture", UnpicklingError, struct errors, a stored-fields column
# that is not there any more).
_READ_ERRORS = (WhooshIndexError, EOFError, OSError, IndexError, KeyError, TypeError, ValueError, AttributeError,
                ImportError, OverflowError, MemoryError, pickle.UnpicklingError, struct.error, zlib.error)
# Analyses of every word form of the corpus, saved beside the index: a new process (a CLI
# search) then analyses its query without loading simplemma's large dictionary.
WORDFORMS_FILE = "wordforms.json"
# The rules of the tokenizer the index was built with: a search tokenises its query with them
# instead of importing spaCy (textkit/tokenize.py).
TOKENIZER_FILE = "tokenizer.json"
DEFAULT_SECTIONS = NARRATIVE_SECTIONS   # the search scope unless the user picks sections
SNIPPET_CHARS = 240
# The analysed words of the last passages: a document's stored words and its content field
# are analysed one after the other, so the second one is a cache hit.
_WORDS_CACHE_SIZE = 64


# ---------------------------------------------------------------- records


@dataclass(frozen=True)
class Hit:
    edition: int
    theme_id: str
    theme: str
    section: int
    section_title: str
    page: int | None        # None: the edition's file does not tell the page
    passage_id: str
    score: float
    text: str               # the whole passage
    snippet: str            # HTML-escaped excerpt with <mark> around the matches
    matches: tuple[str, ...]  # exact surface strings of `text` that matched, in order
    spans: tuple[tuple[int, int], ...] = ()  # character offsets of `matches` in `text`
    # how each of `matches` matched: "whole" word, compound "part", "synonym", "prefix", "phrase"
    match_kinds: tuple[str, ...] = ()


@dataclass(frozen=True)
class MatchedForm:
    """A word form of the text that matched, over all hits (not only those returned)."""

    form: str               # lowercased surface form ("kuntien"; a phrase: "jatkuvan oppimisen")
    count: int              # occurrences in the hits
    passages: int           # hits it occurs in
    match: str              # "whole", "part", "synonym", "prefix" or "phrase" (as Hit.match_kinds)
    word: str               # the query word or phrase it matched, as `parsed` shows it


@dataclass(frozen=True)
class SearchResult:
    query: str
    parsed: str             # the query as understood, with synonyms
    total: int
    hits: tuple[Hit, ...]
    facets: dict[str, dict[Any, int]] = field(default_factory=dict)  # theme/section/edition → counts
    suggestion: str | None = None
    # Hits the section scope left out, per section ({6: 3, 7: 1}); empty when the query names
    # its own sections (osio:) or the scope hides nothing. Never hidden without a word.
    hidden_by_scope: dict[int, int] = field(default_factory=dict)
    forms: tuple[MatchedForm, ...] = ()   # every matched form, most frequent first
    # Forms the query word would match but that do not count: lexicalised compounds and fixed
    # forms (corpus/lexicalised.toml: match "lexicalised") and EI muoto: ("excluded"), with
    # their occurrences in the search scope.
    excluded_forms: tuple[MatchedForm, ...] = ()


# ---------------------------------------------------------------- analysis composition


# Content terms that are a word's lowercased surface form carry this mark ("\x1fkunnissa"), so
# prefix search (`kunn*`) runs over surface forms only while lemmas, parts and surface forms
# share one field. Control characters never occur in analysed text (analysis._clean_input).
SURFACE_MARK = "\x1f"
# Compound parts and runs of parts carry this mark ("\x1ekunta" for kuntakokeilujen), so a query
# asks for whole-word and part matches separately, and a whole-word-only query drops the parts.
PART_MARK = "\x1e"
# Whole-word lemma matches count this much more than compound-part matches in BM25.
_WHOLE_WORD_BOOST = 2.0
# Hits where a query word is a whole word come first, BM25 order inside each group (the
# bench's baseline switches it off to measure the order without it).
WHOLE_WORDS_FIRST = True
# Queries are evaluated over the postings directly (textkit.postings), with the same scores as
# Whoosh's matchers; False: Whoosh's matchers (the reference the tests compare with).
DIRECT_EVALUATION = True


def word_terms(text: str) -> Iterator[tuple[int, str, float]]:
    """(position, term, boost) for every index term of `text`: per word its lemmas and other
    readings, compound parts and runs of parts, and its marked surface form, all at the
    word's position so that phrases over lemmas work.

    The word's own terms (lemmas, surface) carry a boost; parts are marked (PART_MARK) and do
    not: Whoosh adds boosts into the posting weight, so within a group of hits passages with
    the word itself several times score higher.
    """
    for pos, _start, _end, terms, surface, lemmas in indexed_words(text):
        for term in _word_index_terms(terms, surface, lemmas):
            yield pos, term, term_boost(term)


def term_boost(term: str) -> float:
    """The boost of one occurrence of an index term, which its mark decides: a compound part
    1, a word's own lemma or surface form _WHOLE_WORD_BOOST."""
    return 1.0 if term.startswith(PART_MARK) else _WHOLE_WORD_BOOST


def word_postings(text: str) -> dict[str, list[int]]:
    """The terms of `word_terms(text)` grouped: term → its positions, in first-occurrence
    order. A term's posting weight in the passage is term_boost(term) × its positions."""
    positions: dict[str, list[int]] = {}
    get = positions.get
    for pos, _start, _end, terms, surface, lemmas in indexed_words(text):
        for term in _word_index_terms(terms, surface, lemmas):
            found = get(term)
            if found is None:
                positions[term] = [pos]
            else:
                found.append(pos)
    return positions


def _word_index_terms(terms: tuple[str, ...], surface: str, lemmas: tuple[str, ...]) -> tuple[str, ...]:
    """One word's index terms for `word_terms` (marked), made once per distinct analysis."""
    key = (terms, surface, lemmas)
    found = _INDEX_TERMS.get(key)
    if found is None:
        marked = [term if term in lemmas else PART_MARK + term for term in terms if term in lemmas or term != surface]
        marked.append(SURFACE_MARK + surface)
        found = _INDEX_TERMS[key] = tuple(marked)
        if len(_INDEX_TERMS) > 500_000:   # a bound like the analyzer's cache
            _INDEX_TERMS.clear()
    return found


_INDEX_TERMS: dict[tuple, tuple[str, ...]] = {}


class PassageTokenizer(Tokenizer):
    """The content field's analyzer as a Whoosh tokenizer: the tokens of `word_terms`.

    The index itself is written by `WordsField.index` straight from `word_terms`; this is
    what anything else in Whoosh that runs a field's analyzer gets.
    """

    def __init__(self) -> None:
        self._analyzer = None

    # Whoosh pickles the schema with the index: never carry the native Voikko handle along.
    def __getstate__(self) -> dict[str, Any]:
        return {}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self._analyzer = None

    def __eq__(self, other: object) -> bool:
        return isinstance(other, PassageTokenizer)

    def __call__(self, value, positions=False, chars=False, keeporiginal=False, removestops=True,
                 start_pos=0, start_char=0, tokenize=True, mode="", **kwargs):
        token = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        for pos, term, boost in word_terms(value):
            token.text = term
            token.boost = boost
            token.stopped = False
            if positions:
                token.pos = start_pos + pos
            yield token


class WordsField(TEXT):
    """The analysed passage: one Whoosh field with positions, written straight from
    `word_terms` (no token objects, and each position list encoded once per distinct list)."""

    def __init__(self) -> None:
        super().__init__(analyzer=PassageTokenizer(), phrase=True)

    def index(self, value, **kwargs):
        field_boost = self.format.field_boost
        for term, poslist in word_postings(value).items():
            yield (term.encode("utf-8"), len(poslist), term_boost(term) * len(poslist) * field_boost,
                   _encode_positions(poslist))


def _encode_positions(poslist: list[int]) -> bytes:
    """Whoosh's Positions encoding (formats.Positions.encode); a single position, the usual
    case, comes from a cache."""
    if len(poslist) == 1:
        cached = _ONE_POSITION.get(poslist[0])
        if cached is None:
            cached = _ONE_POSITION[poslist[0]] = _POSITIONS_FORMAT.encode(poslist)
        return cached
    return _POSITIONS_FORMAT.encode(poslist)


_POSITIONS_FORMAT = Positions()
_ONE_POSITION: dict[int, bytes] = {}


class _TermPool:
    """Whoosh's posting pool, grouped by term instead of sorted at commit.

    Whoosh's pool makes a 5-tuple (field, term, document, weight, positions) of every posting
    and sorts them all when the writer commits (3.4 M tuples at 100×). Documents arrive in
    number order, so the postings of one term are already in order: this pool keeps per field
    and term the document numbers and weights in arrays (positions as given; most are one
    shared cached value) and sorts only the distinct terms. `_SegmentWriter` hands it a document's
    postings of a field at once, and `_FieldWriter` writes each term's postings as whole
    blocks. The segment gets exactly the same bytes (tests/test_index.py builds the index
    both ways and compares the files). Like the 768 MB limit textkit gave Whoosh's pool, it
    holds everything in memory until commit."""

    def __init__(self) -> None:
        self._fields: dict[str, dict[bytes, tuple[array, array, list]]] = {}

    @property
    def fieldnames(self) -> set[str]:
        return set(self._fields)

    def add(self, item) -> None:
        """One posting, as Whoosh's writer gives it: (field, term, document, weight, value)."""
        fieldname, tbytes, docnum, weight, vbytes = item
        self.add_field_postings(fieldname, docnum, ((tbytes, 1, weight, vbytes),))

    def add_field_postings(self, fieldname: str, docnum: int, items) -> int:
        """A document's postings of one field: (term, frequency, weight, value) each, as
        Whoosh's `FieldType.index` yields them. Returns the field's length (the frequencies'
        sum)."""
        terms = self._fields.get(fieldname)
        if terms is None:
            terms = self._fields[fieldname] = {}
        length = 0
        get = terms.get
        for tbytes, freq, weight, vbytes in items:
            length += freq
            entry = get(tbytes)
            if entry is None:
                entry = terms[tbytes] = (array("I"), array("d"), [])
            entry[0].append(docnum)
            entry[1].append(weight)
            entry[2].append(vbytes)
        return length

    def add_words(self, fieldname: str, docnum: int, text: str, field_boost: float) -> int:
        """A document's postings of a WordsField, the terms of `word_postings(text)` (kept
        as str until written: UTF-8 sorts like the code points). Returns the field length."""
        terms = self._fields.get(fieldname)
        if terms is None:
            terms = self._fields[fieldname] = {}
        get = terms.get
        one_position, encode = _ONE_POSITION, _encode_positions
        part_weight, word_weight = field_boost, _WHOLE_WORD_BOOST * field_boost   # term_boost × field boost
        length = 0
        for term, poslist in word_postings(text).items():
            n = len(poslist)
            length += n
            entry = get(term)
            if entry is None:
                entry = terms[term] = (array("I"), array("d"), [])
            entry[0].append(docnum)
            entry[1].append(n * (part_weight if term[0] == PART_MARK else word_weight))
            entry[2].append((one_position.get(poslist[0]) or encode(poslist)) if n == 1 else encode(poslist))
        return length

    def iter_postings(self) -> "_TermGroups":
        return _TermGroups(self._fields)

    def cleanup(self) -> None:
        self._fields.clear()


class _TermGroups:
    """The pool's postings in Whoosh's order (field, then term), one term at a time:
    (field, term, document numbers, weights, values); the arrays are released as they go.
    Iterating one posting at a time (Whoosh's FieldWriter interface) also works."""

    def __init__(self, fields: dict[str, dict[bytes, tuple[array, array, list]]]) -> None:
        self._fields = fields

    def terms(self) -> Iterator[tuple[str, bytes, array, array, list]]:
        for fieldname in sorted(self._fields):
            terms = self._fields[fieldname]
            for term in sorted(terms):
                docnums, weights, values = terms.pop(term)
                yield fieldname, term.encode("utf-8") if isinstance(term, str) else term, docnums, weights, values

    def __iter__(self):
        for fieldname, tbytes, docnums, weights, values in self.terms():
            for i, docnum in enumerate(docnums):
                yield fieldname, tbytes, docnum, weights[i], values[i]


_FAST_WRITER = True   # False: Whoosh's own writer, pool and postings writer (tests compare)


class _SegmentWriter(SegmentWriter):
    """Whoosh's segment writer with textkit's pool and a leaner `add_document`: Whoosh's, for
    textkit's schema (no document or field boosts, no vectors, columns or spelling: checked
    here), minus its per-posting work. Each field's postings go to the pool in one call, and
    ID fields, whose values repeat (edition, theme, section), are analysed once per value. The
    same postings, lengths and stored values reach the segment (tests/test_index.py)."""

    def __init__(self, ix) -> None:
        super().__init__(ix, limitmb=768, compound=False, codec=_Codec())
        for name, field in ix.schema.items():
            if field.vector or field.column_type or field.separate_spelling():
                raise ValueError(f"field {name}: vectors, columns and spelling need Whoosh's add_document")
        self.pool = _TermPool()
        self._id_postings: dict[tuple[str, Any], tuple] = {}

    def add_document(self, **fields) -> None:
        self._check_state()
        perdoc = self.perdocwriter
        schema = self.schema
        docnum = self.docnum
        add_postings, add_words = self.pool.add_field_postings, self.pool.add_words
        cache = self._id_postings
        perdoc.start_doc(docnum)
        try:
            for fieldname in sorted(fields):
                value = fields[fieldname]
                if value is None:
                    continue
                field = schema[fieldname]
                length = 0
                if isinstance(field, WordsField):
                    length = add_words(fieldname, docnum, value, field.format.field_boost)
                elif field.indexed:
                    key = (fieldname, value)
                    items = cache.get(key)
                    if items is None:
                        items = cache[key] = tuple(field.index(value))
                    length = add_postings(fieldname, docnum, items)
                    if not field.scorable:
                        length = 0
                perdoc.add_field(fieldname, field, value if field.stored else None, length)
        except Exception:
            perdoc.cancel_doc()
            raise
        perdoc.finish_doc()
        self._added = True
        self.docnum += 1


class _FieldWriter(W3FieldWriter):
    """Whoosh's W3FieldWriter, writing each term of textkit's pool (`_TermGroups`) as whole
    blocks instead of one `add_posting` call per posting: the bytes W3PostingsWriter writes
    (same blocks, block info, term info), with the codec's settings (no length statistics,
    no compression, never inlined). Anything else goes through Whoosh's own code."""

    def add_postings(self, schema, lengths, items):
        codec = self._codec
        if not isinstance(items, _TermGroups) or lengths is not None or codec._compression \
                or codec._inlinelimit > 1:
            return super().add_postings(schema, lengths, items)
        last_field = None
        offset = self._postfile.tell()   # then counted here (tell() is slow on Whoosh's files)
        for fieldname, tbytes, docnums, weights, values in items.terms():
            if fieldname != last_field:
                if last_field is not None:
                    self.finish_field()
                self.start_field(fieldname, schema[fieldname])
                last_field = fieldname
                fixed = self._format.fixed_value_size()
            self._btext = tbytes
            written, info = _write_term_postings(self._postfile, offset, codec._blocklimit, fixed, docnums, weights,
                                                 values)
            offset += written
            self._tindex.add(pack_ushort(self._fieldid) + tbytes, info)
        if last_field is not None:
            self.finish_field()


def _write_term_postings(postfile, start: int, blocklimit: int, fixed: int | None, docnums: array,
                         weights: array, values: list) -> tuple[int, bytes]:
    """One term's posting list as W3PostingsWriter writes it (uncompressed blocks of
    `blocklimit` postings, block stats without field lengths) at offset `start` of
    `postfile`: the bytes written and the term info (W3TermInfo.to_bytes of its statistics)."""
    out = [WHOOSH3_HEADER_MAGIC]
    n = len(docnums)
    total_weight = 0.0
    max_weight = 0
    lo = 0
    while lo < n:
        hi = min(n, lo + blocklimit)
        if lo == 0 and hi == n:                   # one block: most terms
            ids, raw, vals = docnums, weights, values
        else:
            ids, raw, vals = docnums[lo:hi], weights[lo:hi], values[lo:hi]
        w32 = array("f", raw)                     # W3PostingsWriter keeps weights as floats
        block_max = max(0, max(raw))
        total_weight += sum(w32)
        if block_max > max_weight:
            max_weight = block_max
        count = hi - lo
        if w32.count(1.0) == count:
            mini_weights = None
        elif w32.count(w32[0]) == count:
            mini_weights = w32[0]
        else:
            mini_weights = tuple(w32)
        if fixed is None or fixed < 0:            # (W3PostingsWriter keeps only non-empty values)
            mini_values = tuple(vals) if b"" not in vals else tuple(v for v in vals if v)
        elif fixed == 0:
            mini_values = None
        else:
            mini_values = b"".join(v for v in vals if v)
        deltas = tuple(map(operator.sub, ids, itertools.chain((0,), ids)))
        databytes = pickle.dumps((deltas, mini_weights, mini_values), 2)
        infobytes = pickle.dumps((count, ids[-1], block_max, 0, 0, 0), 2)
        out.append(pack_int(-(len(infobytes) + len(databytes)) if hi == n else len(infobytes) + len(databytes)))
        out.append(infobytes)
        out.append(databytes)
        lo = hi
    data = b"".join(out)
    postfile.write(data)
    # W3TermInfo.to_bytes: not inlined, no length statistics, the extent in the postings file
    info = _TERM_INFO.pack(False, total_weight, n, 0, _NO_LENGTH, max_weight, docnums[0], docnums[-1]) \
        + pack_long(start) + pack_int(len(data))
    return len(data), info


_TERM_INFO = W3TermInfo._struct
_NO_LENGTH = length_to_byte(0)


class _PerDocWriter(W3PerDocWriter):
    """Whoosh's per-document writer, storing the stored fields with zlib level 0 (see _Codec)."""

    def _create_column(self, fieldname, column):
        super()._create_column(fieldname, _STORED_COLUMN if fieldname == "_stored" else column)


# Whoosh's stored-fields column (a pickle per document in a zlib stream) at level 0: still a
# zlib stream, so any Whoosh reads it, but not compressed.
_STORED_COLUMN = PickleColumn(CompressedBytesColumn(level=0))


class _Codec(W3Codec):
    """Whoosh's default codec without per-block field-length statistics.

    For every posting it writes, Whoosh reads the document's field length back from disk
    only to note the shortest and longest document of each block, which lets a top-N search
    skip blocks. textkit collects every hit (the facets count them all), so nothing reads
    those statistics; the field lengths themselves are still stored, for BM25F.

    Posting blocks are written without zlib compression: it only made the index smaller on
    disk (2024 at 10×: 10.3 → 7.0 MB) and cost 7 % of the index build (and a decompression
    per block read at search time). Blocks say whether they are compressed, so older indexes
    still read. The stored fields (a passage's text, fields and word offsets) are written as
    zlib streams at level 0, i.e. not compressed: compressing them cost 1.2 s of the build
    at 100× (stored column 28 → 47 MB); Whoosh's reader reads either.
    """

    length_stats = False

    def __init__(self, blocklimit: int = 128, compression: int = 0, inlinelimit: int = 1) -> None:
        super().__init__(blocklimit=blocklimit, compression=compression, inlinelimit=inlinelimit)

    def per_document_writer(self, storage, segment):
        return _PerDocWriter(self, storage, segment)

    def field_writer(self, storage, segment):
        return _FieldWriter(self, storage, segment)


SCHEMA = Schema(
    passage_id=ID(stored=True, unique=True),
    edition=ID(stored=True),
    theme_id=ID(stored=True),
    theme=STORED(),
    section=ID(stored=True),
    section_title=STORED(),
    page=STORED(),
    text=STORED(),
    spans=STORED(),           # positions and offsets of the indexed words, see pack_words()
    content=WordsField(),
)


@functools.lru_cache(maxsize=_WORDS_CACHE_SIZE)
def indexed_words(text: str) -> tuple[tuple[int, int, int, tuple[str, ...], str, tuple[str, ...]], ...]:
    """The words of `text` as the index sees them:
    (position, start, end, terms, surface_lower, lemmas)."""
    from textkit.analysis import get_analyzer

    words = []
    pos = -1
    last_sent = None
    for start, end, sent, (_lemma, lemmas, _parts, terms, is_word, _stop, _known, lower) in \
            get_analyzer().token_fields(text):
        if not is_word or not terms:
            continue
        pos += 1 if sent == last_sent or last_sent is None else 2
        last_sent = sent
        words.append((pos, start, end, terms, lower, lemmas))
    return tuple(words)


def pack_words(words: Sequence[tuple]) -> bytes:
    """The position, start and end of each indexed word, as stored with its passage: what
    `stored_words` needs to give the words back at query time. (Storing the words' terms too
    made the stored field the largest cost of the build after the postings.)"""
    return array("I", [v for word in words for v in word[:3]]).tobytes()


def stored_words(text: str, packed: bytes) -> list[tuple]:
    """A passage's indexed words, as `indexed_words` gives them, from its stored positions and
    offsets and the analyzer's cache (which holds every word form of the corpus: search loads
    it from the index folder), without tokenising the passage again."""
    from textkit.analysis import get_analyzer

    analyzer = get_analyzer()
    analyze, known = analyzer.analyze_word, analyzer._cache
    flat = array("I")
    flat.frombytes(packed)
    words = []
    for i in range(0, len(flat), 3):
        pos, start, end = flat[i], flat[i + 1], flat[i + 2]
        surface = text[start:end]
        # The cache's keys are clean word forms: a surface found there is analysed as is.
        info = known.get(surface) or analyze(surface)
        words.append((pos, start, end, info.terms, surface.lower(), info.lemmas))
    return words


# ---------------------------------------------------------------- build


def build_index(editions: Sequence[Any], models_dir: Path, progress: ProgressFn | None = None) -> int:
    """Write a fresh Whoosh index of every passage (sections 1–7) into `models_dir`/index.

    `models_dir` should be a new or scratch folder: `textkit.build.build_models` passes a
    temporary folder and renames it into place. Returns the number of passages indexed.
    """
    from whoosh import index as whoosh_index

    from textkit.analysis import get_analyzer

    target = Path(models_dir) / INDEX_DIRNAME
    target.mkdir(parents=True, exist_ok=True)
    ix = whoosh_index.create_in(str(target), SCHEMA)
    # Unknown compounds whose modifier the corpus attests are split before any passage is
    # analysed for the index ("hankkeistustyöpajojen" → hankkeistus + työpaja).
    clock = time.process_time()
    if get_analyzer().learn_from_corpus(p.text for p in _passages(editions)):
        indexed_words.cache_clear()
    # Rows are made one at a time: each passage is analysed once for its stored spans, and the
    # content field then hits indexed_words' small cache (a list of all rows first would evict
    # it and analyse every passage twice).
    total = sum(1 for _ in _passages(editions))
    # Not one compound file: Whoosh copies a compound segment's stored fields and length
    # columns into memory on every new searcher, which made each search cost grow with the
    # corpus (bench/speed.py at 100×: 82 → 36 ms CPU per query).
    # Whoosh's pool spilled to sorted runs on disk beyond limitmb; 768 MB kept a 100-edition
    # corpus in memory (bench at 100×: build 70 → 50 s CPU). _TermPool replaces it: grouped
    # by term, in memory, nothing sorted but the distinct terms.
    if _FAST_WRITER:
        writer = _SegmentWriter(ix)
    else:
        writer = ix.writer(limitmb=768, compound=False, codec=_Codec())
    try:
        step = max(1, total // 100)
        clock = add_stage_time("analysis", clock)
        for i, row in enumerate(_passage_rows(editions)):   # each row: one passage analysed
            clock = add_stage_time("analysis", clock)
            writer.add_document(**row)
            clock = add_stage_time("index write", clock)
            if progress and i % step == 0:
                progress(i / max(1, total), f"Indeksoidaan kappaleita {i}/{total}")
        if progress:
            progress(0.99, "Tallennetaan indeksi")
        writer.commit()
    except BaseException:
        writer.cancel()
        raise
    get_analyzer().save_wordforms(Path(models_dir) / WORDFORMS_FILE)
    get_analyzer().save_tokenizer(Path(models_dir) / TOKENIZER_FILE)
    add_stage_time("index write", clock)
    if progress:
        progress(1.0, f"Indeksoitu {total} kappaletta")
    return total


# ---------------------------------------------------------------- search


def _repaired_on_read_error(search_fn):
    """Run a search; on a Whoosh read error, rebuild if the index files differ from their
    checksums (saying what was wrong) and run it once more on the new index."""

    @functools.wraps(search_fn)
    def wrapper(query: str, **kwargs):
        try:
            return search_fn(query, **kwargs)
        except _READ_ERRORS as exc:
            _repair_after(exc, kwargs.get("models_dir"), kwargs.get("progress"))
        return search_fn(query, **kwargs)

    return wrapper


@_repaired_on_read_error
def search(
    query: str,
    *,
    sections: Iterable[int] | None = DEFAULT_SECTIONS,
    theme: str | None = None,
    edition: int | None = None,
    limit: int | None = 20,
    models_dir: Path | None = None,
    progress: ProgressFn | None = None,
    whole_words: bool = False,
) -> SearchResult:
    """Search the passages. `osio:` in the query replaces `sections`; `teema:`/`vuosi:` in the
    query narrow further. `limit` 0 or None returns all hits. `whole_words`: every query word
    as a whole word only (as `sana:`). A missing or stale index is built first (progress
    reported through `progress`)."""
    if limit is not None and limit < 0:
        raise TextkitError(f"--limit {limit} ei käy: anna 0 (kaikki osumat) tai positiivinen luku.")
    with _pinned_searcher(models_dir, progress) as searcher:  # loads the build's word forms and tokenizer
        parsed = parse_query(query, whole_words=whole_words)
        reader = searcher.reader()
        whoosh_query = _to_whoosh(parsed.tree, reader)
        scope = _scope(parsed, reader, sections=sections, theme=theme, edition=edition)
        per_index = _per_index(reader)
        columns = _facet_columns(per_index, reader)
        # One search over the wider scope (theme and edition only), split by section after:
        # the hits the section scope hides are counted, not lost, at no second search.
        in_sections = None if sections is None or parsed.filters("section") else {str(int(n)) for n in sections}
        wide = _scope(parsed, reader, sections=None, theme=theme, edition=edition) if in_sections else scope
        direct = _evaluation(searcher, per_index)   # None: Whoosh's matchers evaluate the query
        ranked = _ranked(parsed.tree, whoosh_query, searcher, _scope_docs(per_index, searcher, wide), direct)
        hidden: dict[int, int] = {}
        if in_sections:
            section_of = columns["section"]
            for _score, docnum in ranked:
                if section_of[docnum] not in in_sections:
                    hidden[int(section_of[docnum])] = hidden.get(int(section_of[docnum]), 0) + 1
            if hidden:
                ranked = [hit for hit in ranked if section_of[hit[1]] in in_sections]
        total = len(ranked)
        order = _whole_words_first(ranked, parsed, searcher, direct) if WHOLE_WORDS_FIRST and total > 1 else _BM25_ORDER
        wanted = total if not limit else min(limit, total)
        # Only the hits shown need their places: the best `wanted` of all, in order.
        shown = heapq.nsmallest(wanted, ranked, key=order) if wanted < total else sorted(ranked, key=order)
        facets = _facets((docnum for _score, docnum in ranked), columns)
        forms = matched_forms(parsed, {docnum for _score, docnum in ranked}, searcher, direct) if total else ()
        left_out = _excluded_forms(parsed, reader, _in_scope(per_index, searcher, wide, in_sections, columns))
        hits = tuple(_hit(searcher.stored_fields(docnum), score, parsed) for score, docnum in shown)
        suggestion = None
        if total == 0:
            # Every hit hidden by the sections: the wider search is the suggestion (the same
            # as the hidden count says), before any spelling correction.
            suggestion = (f"{parsed.text.strip()} osio:1-7" if hidden
                          else _suggestion(parsed, searcher, whoosh_scope=scope))
    return SearchResult(query=query, parsed=parsed.parsed, total=total, hits=hits, facets=facets, suggestion=suggestion,
                        hidden_by_scope=dict(sorted(hidden.items())), forms=forms, excluded_forms=left_out)


def open_index(models_dir: Path | None = None, progress: ProgressFn | None = None):
    """The Whoosh index in `models_dir` (default models_dir()), built first if missing, stale or
    damaged. Its searchers read the index's files as they are when opened: search() opens
    them through `_pinned_searcher`, which waits for a swap in progress."""
    from textkit import build

    folder = build.ensure_models(models_dir=models_dir, progress=progress)
    with build.reading(folder):
        return _open(Path(folder) / INDEX_DIRNAME)


@contextlib.contextmanager
def _pinned_searcher(models_dir: Path | None, progress: ProgressFn | None):
    """A searcher whose every file is open before a rebuild can swap another index in: the
    table of contents, the terms and postings, and the stored fields and field lengths that
    Whoosh would otherwise open lazily, on first use, possibly from the next index."""
    from textkit import build

    folder = build.ensure_models(models_dir=models_dir, progress=progress)
    target = Path(folder) / INDEX_DIRNAME
    with build.reading(folder):
        ix = _open(target)
        searcher = ix.searcher(weighting=_WEIGHTING)
        try:
            for leaf, _offset in searcher.reader().leaf_readers():
                if leaf.doc_count_all():
                    leaf.stored_fields(0)
                    leaf.doc_field_length(0, "content")
            _load_wordforms(Path(folder) / WORDFORMS_FILE)
        except BaseException:
            searcher.close()
            raise
    with searcher:
        yield searcher


def _open(target: Path):
    return _open_cached(str(target), _toc_stamp(target))


def _repair_after(exc: BaseException, models_dir: Path | None, progress: ProgressFn | None) -> str:
    """A Whoosh read error: rebuild if the files differ from their checksums, else report."""
    from textkit import build, paths

    problem = build.repair_models(paths.models_dir(models_dir), progress=progress)
    if problem is None:
        raise TextkitError(
            f"Hakuindeksiä {paths.models_dir(models_dir) / INDEX_DIRNAME} ei voitu lukea "
            f"({type(exc).__name__}: {exc}). Aja `textkit build --force`."
        ) from exc
    return problem


def theme_ids(reader) -> list[str]:
    return sorted(t if isinstance(t, str) else t.decode("utf-8") for t in reader.field_terms("theme_id"))


def format_result(result: SearchResult, *, color: bool = False) -> str:
    """The result as text for a terminal: hits grouped by theme (most hits first), with counts."""
    from textkit.ui import collapse_editions, count, hidden_note

    lines = [f"Haku: {result.query}  →  {result.parsed}"]
    hidden = hidden_note(result.hidden_by_scope)
    if hidden:
        hidden += " (--sections all näyttää ne)"
    if result.total == 0:
        lines.append("Ei osumia valituissa osioissa." if hidden else "Ei osumia.")
        if hidden:
            lines.append(hidden)
        if result.suggestion:
            lines.append(f"Tarkoititko: {result.suggestion}")
        return "\n".join(lines)
    sections = ", ".join(f"{n}: {c}" for n, c in result.facets.get("section", {}).items())
    editions = ", ".join(f"{y}: {c}" for y, c in result.facets.get("edition", {}).items())
    lines.append(f"{count(result.total, 'hit')}, {len(result.facets.get('theme', {}))} teemassa "
                 f"(osiot {sections}; katsaukset {editions})")
    if hidden:
        lines.append(hidden)
    if result.forms:
        lines.append(format_forms(result.forms))
    if result.excluded_forms:
        lines.append(format_forms(result.excluded_forms))
    by_theme: dict[str, list[Hit]] = {}
    for hit in result.hits:
        by_theme.setdefault(hit.theme_id, []).append(hit)
    for theme_id, n in result.facets.get("theme", {}).items():
        hits = by_theme.get(theme_id)
        if not hits:
            continue
        shown = f", näytetään {len(hits)}" if len(hits) < n else ""
        lines.append("")
        lines.append(f"{hits[0].theme} [{theme_id}]: {count(n, 'hit')}{shown}")
        # The same passage in several editions is listed once, with the editions it appears in.
        for hit, in_editions in collapse_editions(hits):
            page = f", s. {hit.page}" if hit.page else ""
            also = f"  [katsauksissa {', '.join(map(str, in_editions))}]" if len(in_editions) > 1 else ""
            lines.append(f"  {hit.passage_id}  osio {hit.section}{page}  ({hit.score:.2f}){also}")
            lines.append(f"    {_plain_snippet(hit.snippet, color)}")
    if len(result.hits) < result.total:
        lines.append("")
        lines.append(f"Näytetään {len(result.hits)}/{count(result.total, 'hit')}; --limit 0 näyttää kaikki.")
    return "\n".join(lines)


# How a form matched, as the terminal output says it (the app has its own label table).
MATCH_LABELS_FI = {"whole": "sana", "part": "yhdyssanan osa", "synonym": "synonyymi",
                   "prefix": "katkaisu", "phrase": "fraasi",
                   "lexicalised": "ei osumia: kiinteä yhdyssana tai muoto", "excluded": "ei osumia: EI muoto"}
_FORMS_SHOWN = 30


def format_forms(forms: Sequence[MatchedForm], limit: int = _FORMS_SHOWN) -> str:
    """The matched-forms facet on one line per kind: "Sanamuodot (sana): kuntien 12, kunnat 3"."""
    lines = []
    for kind, label in MATCH_LABELS_FI.items():
        of_kind = [f for f in forms if f.match == kind]
        if not of_kind:
            continue
        shown = ", ".join(f"{f.form} {f.count}" for f in of_kind[:limit])
        more = f" … (+{len(of_kind) - limit})" if len(of_kind) > limit else ""
        lines.append(f"Sanamuodot ({label}): {shown}{more}")
    return "\n".join(lines)


# ---------------------------------------------------------------- private helpers


_MARK = re.compile(r"<mark>(.*?)</mark>")


def _plain_snippet(snippet_html: str, color: bool) -> str:
    marked = _MARK.sub(lambda m: f"\x1b[1;33m{m.group(1)}\x1b[0m" if color else f"[{m.group(1)}]", snippet_html)
    return html.unescape(marked)


def _passages(editions: Sequence[Any]) -> Iterable[Any]:
    for ed in editions:
        for theme in ed.themes:
            for section in theme.sections:
                yield from section.passages


def _passage_rows(editions: Sequence[Any]) -> Iterable[dict[str, Any]]:
    for ed in editions:
        for theme in ed.themes:
            for section in theme.sections:
                for p in section.passages:
                    yield {
                        "passage_id": p.id,
                        "edition": str(p.edition),
                        "theme_id": p.theme_id,
                        "theme": theme.name,
                        "section": str(p.section),
                        "section_title": section.title,
                        "page": p.page,
                        "text": p.text,
                        "spans": pack_words(indexed_words(p.text)),
                        "content": p.text,
                    }


@functools.lru_cache(maxsize=8)
def _open_cached(path: str, stamp: tuple):
    from whoosh import index as whoosh_index

    return whoosh_index.open_dir(path)


def _load_wordforms(path: Path) -> None:
    """Give the shared analyzer the word forms saved with the index (once per file version).
    Called only after open_index, which rebuilt the index first if the analysis code changed."""
    try:
        stamp = path.stat().st_mtime_ns
    except OSError:
        return
    _load_wordforms_once(str(path), stamp)


@functools.lru_cache(maxsize=4)
def _load_wordforms_once(path: str, stamp: int) -> None:
    from textkit.analysis import get_analyzer

    analyzer = get_analyzer()
    analyzer.load_wordforms(Path(path))
    analyzer.load_tokenizer(Path(path).with_name(TOKENIZER_FILE))
    _FORM_MAPS["size"] = -1   # analyses may have changed in place: the form maps are rebuilt


def _toc_stamp(target: Path) -> tuple:
    # Re-open the index after a rebuild swapped new files in.
    try:
        return tuple(sorted((p.name, p.stat().st_mtime_ns) for p in target.glob("*.toc")))
    except OSError:
        return ()


def _to_whoosh(node, reader):
    from whoosh import query as wq

    if isinstance(node, Word):
        return _word_query(node)
    if isinstance(node, Phrase):
        return _Phrase([_word_query(w) for w in node.words], slop=1, ordered=True)
    if isinstance(node, Prefix):
        prefix = wq.Prefix("content", SURFACE_MARK + node.prefix)
        excluded = _form_exclusions(node.exclude_forms, node.exclude_prefixes)
        return _Except(prefix, _any(excluded)) if excluded else prefix
    if isinstance(node, QueryFilter):
        return _filter_query(node, reader)
    if isinstance(node, And):
        return wq.And([_to_whoosh(c, reader) for c in node.children])
    if isinstance(node, Or):
        return wq.Or([_to_whoosh(c, reader) for c in node.children])
    if isinstance(node, Not):
        return wq.Not(_to_whoosh(node.child, reader))
    raise TypeError(node)


class _Weighting(scoring.BM25F):
    """Whoosh's default BM25F, with each document's field length taken from a list read once
    per index segment instead of from the segment's length file for every scored posting
    (the same values, so the same scores; a search scores every match)."""

    _MAX_SEGMENTS = 8

    def __init__(self) -> None:
        super().__init__()
        self._lengths: dict[tuple[str, str], list[int]] = {}
        self._lock = threading.Lock()

    def scorer(self, searcher, fieldname, text, qf=1):
        scorer = super().scorer(searcher, fieldname, text, qf=qf)
        reader = searcher.reader()
        # Only where document numbers are the segment's own: a one-segment index (textkit
        # writes one) or a sub-searcher of a larger one.
        if isinstance(scorer, scoring.BM25FScorer) and reader.is_atomic():
            scorer.dfl = self._field_lengths(reader, fieldname).__getitem__
        return scorer

    def _field_lengths(self, reader, fieldname: str) -> list[int]:
        key = (reader.segment().segment_id(), fieldname)
        lengths = self._lengths.get(key)
        if lengths is None:
            lengths = _all_field_lengths(reader, fieldname)
            with self._lock:
                if len(self._lengths) >= self._MAX_SEGMENTS:
                    self._lengths.clear()
                self._lengths[key] = lengths
        return lengths


_WEIGHTING = _Weighting()


def _all_field_lengths(reader, fieldname: str) -> list:
    """`reader.doc_field_length(doc, fieldname, 1)` for every document, read as one slice of
    the segment's length column (one byte per document) instead of one read per document
    (38,000 reads at 100×); other readers document by document."""
    count = reader.doc_count_all()
    try:
        from whoosh.codec.whoosh3 import LENGTHS_COLUMN, _lenfield
        from whoosh.util.numeric import byte_to_length

        column = reader._perdoc._cached_reader(_lenfield(fieldname), LENGTHS_COLUMN)
        if column is None or column._fixedlen != 1 or reader._perdoc._doccount != count:
            raise TypeError(column)
        stored = column._dbfile.get(column._basepos, min(column._count, count))
    except (AttributeError, TypeError):
        return [reader.doc_field_length(i, fieldname, 1) for i in range(count)]
    # As W3PerDocReader.doc_field_length: a zero byte (no length stored) gives None.
    table = [byte_to_length(b) if b else None for b in range(256)]
    lengths = [table[b] for b in stored]
    lengths += [None] * (count - len(lengths))   # beyond the column: its default, 0
    return lengths


class _Phrase(wq.Sequence):
    """Words at consecutive positions (Whoosh's Sequence with slop 1, ordered: the only kind
    textkit makes), matched by comparing each word's positions as sets. Whoosh's own Sequence builds a tree of span matchers that
    makes an object for every position of every word and compares them pair by pair, which
    made phrases of common lemmas the slowest queries (bench/speed.py)."""

    def _matcher(self, subs, searcher, context):
        context = context.set(needs_current=True)
        return _AdjacentMatcher([q.matcher(searcher, context) for q in subs])


class _AdjacentMatcher(SpanWrappingMatcher):
    """Matches the documents where word i of the phrase is at position p + i for some p."""

    def __init__(self, words: list) -> None:
        self._words = words
        super().__init__(make_binary_tree(IntersectionMatcher, words))

    def copy(self):
        return _AdjacentMatcher([w.copy() for w in self._words])

    def replace(self, minquality=0):
        # The word matchers are shared with the intersection: never swap them out.
        return self if self.is_active() else NullMatcher()

    def _get_spans(self):
        if not self.child.is_active():
            return []
        starts = None
        for i, word in enumerate(self._words):
            shifted = {p - i for p in _positions(word)}
            starts = shifted if starts is None else starts & shifted
            if not starts:
                return []
        last = len(self._words) - 1
        return [Span(p, p + last) for p in sorted(starts)]


def _positions(matcher) -> Iterable[int]:
    """Positions of the current document in a term matcher or a union of them (an Or of a
    word's terms); any other matcher through its spans."""
    if isinstance(matcher, _ExceptMatcher):
        return matcher.value_as("positions")
    if isinstance(matcher, UnionMatcher):
        current = matcher.id()
        found: set[int] = set()
        for child in (matcher.a, matcher.b):
            if child.is_active() and child.id() == current:
                found.update(_positions(child))
        return found
    if matcher.supports("positions"):
        return matcher.value_as("positions")
    return [span.start for span in matcher.spans()]


def _word_query(word: Word, whole_only: bool = False):
    """Any of the word's terms at one position, minus the text words it excludes (the same
    rule as `textkit.query.word_match`).

    Lemmas match lemmas (whole words) and, unless the word is whole-only, parts. A typed form
    that is not a lemma ("kunnissa") also matches surface forms: a text word spelled like a
    query lemma was analysed like it, so the lemma already finds it, and its surface need not
    be asked for."""
    from whoosh import query as wq

    positive, excluded_terms, excluded_prefixes = word_query_terms(word, whole_only)
    positive = _any([wq.Term("content", t) for t in positive])
    excluded = [wq.Term("content", t) for t in excluded_terms]
    excluded += [wq.Prefix("content", p) for p in excluded_prefixes]
    return _Except(positive, _any(excluded)) if excluded else positive


def word_query_terms(word: Word, whole_only: bool = False) -> tuple[list[str], list[str], list[str]]:
    """The content terms a query word matches, the terms it excludes, and the prefixes of
    the terms it excludes (see `_word_query`), in the order the Whoosh query asks for them."""
    match = list(word.terms)
    match += [SURFACE_MARK + t for t in word.terms if t not in word.lemmas]
    if not (word.whole or whole_only):
        match += [PART_MARK + t for t in (word.lemmas or word.terms)]
    excluded = list(word.exclude) + [PART_MARK + t for t in word.exclude]
    excluded += [SURFACE_MARK + f for f in word.exclude_forms]
    return match, excluded, [SURFACE_MARK + p for p in word.exclude_prefixes]


def _form_exclusions(forms: Sequence[str], prefixes: Sequence[str]) -> list:
    from whoosh import query as wq

    return [wq.Term("content", SURFACE_MARK + f) for f in forms] + \
        [wq.Prefix("content", SURFACE_MARK + p) for p in prefixes]


def _any(queries: list):
    from whoosh import query as wq

    return queries[0] if len(queries) == 1 else wq.Or(queries)


class _Except(wq.Query):
    """The positions of `child` except those where `exclude` also matches, i.e. the query
    word's matches minus the text words it excludes (*maakunnissa* for `kunta`). A passage
    whose every match is excluded is no hit; one with other matches stays, scored by the
    share of its matches that remain."""

    def __init__(self, child, exclude) -> None:
        self.child = child
        self.exclude = exclude

    def __eq__(self, other) -> bool:
        return type(other) is _Except and self.child == other.child and self.exclude == other.exclude

    def __hash__(self) -> int:
        return hash((_Except, self.child, self.exclude))

    def __repr__(self) -> str:
        return f"_Except({self.child!r}, {self.exclude!r})"

    def is_leaf(self) -> bool:
        return False

    def children(self):
        return [self.child]   # the excluded terms are not terms of the query

    def apply(self, fn):
        return _Except(fn(self.child), self.exclude)

    def field(self):
        return self.child.field()

    def estimate_size(self, ixreader) -> int:
        return self.child.estimate_size(ixreader)

    def estimate_min_size(self, ixreader) -> int:
        return 0

    def matcher(self, searcher, context=None):
        if context is None:
            context = searcher.boolean_context()
        child = self.child.matcher(searcher, context.set(needs_current=True))
        if not child.is_active():
            return child
        exclude = self.exclude.matcher(searcher, searcher.boolean_context().set(needs_current=True))
        if not exclude.is_active():
            return child
        return _ExceptMatcher(child, exclude)


class _ExceptMatcher(WrappingMatcher):
    def __init__(self, child, exclude) -> None:
        super().__init__(child)
        self._exclude = exclude
        self._kept: list[int] = []
        self._share = 1.0
        self._find_next()

    def copy(self):
        return _ExceptMatcher(self.child.copy(), self._exclude.copy())

    def replace(self, minquality=0):
        return self if self.is_active() else NullMatcher()

    def _find_next(self) -> None:
        child, exclude = self.child, self._exclude
        while child.is_active():
            doc = child.id()
            positions = list(_positions(child))
            if exclude.is_active() and exclude.id() < doc:
                exclude.skip_to(doc)
            if exclude.is_active() and exclude.id() == doc:
                gone = set(_positions(exclude))
                kept = [p for p in positions if p not in gone]
            else:
                kept = positions
            if kept:
                self._kept = kept
                self._share = len(kept) / len(positions)
                return
            child.next()
        self._kept = []

    def next(self):
        self.child.next()
        self._find_next()

    def skip_to(self, id):
        if self.is_active() and id > self.child.id():
            self.child.skip_to(id)
            self._find_next()

    def all_ids(self):
        while self.is_active():
            yield self.id()
            self.next()

    def supports(self, astype) -> bool:
        return astype == "positions"

    def value_as(self, astype):
        if astype != "positions":
            raise ValueError(astype)
        return self._kept

    def spans(self):
        return [Span(p) for p in self._kept]

    def supports_block_quality(self) -> bool:
        return False

    def weight(self):
        return self.child.weight() * self._share

    def score(self):
        return self.child.score() * self._share


def _ranked(tree, whoosh_query, searcher, allowed, direct) -> list[tuple[float, int]]:
    """(score, document) of every hit in `allowed` (None: all), in no particular order
    (`_BM25_ORDER` is Whoosh's collector's)."""
    if direct is None:
        return searcher.search(whoosh_query, filter=allowed, limit=None).top_n
    from textkit.postings import Docs, evaluate

    reader = searcher.reader()
    within = None if allowed is None else Docs(allowed)
    scores = evaluate(tree, direct, lambda node: _to_whoosh(node, reader), within)
    return [(s, d) for d, s in scores.items()]


def _BM25_ORDER(hit: tuple[float, int]) -> tuple:
    """Best score first, documents in number order among equal scores (Whoosh's order)."""
    return (-hit[0], hit[1])


def _evaluation(searcher, per_index):
    """This search's reader of the postings for the direct evaluation (textkit.postings), or
    None where Whoosh's matchers evaluate: when switched off, or on an index of several
    segments or with deleted documents (textkit writes neither)."""
    reader = searcher.reader()
    if not (DIRECT_EVALUATION and reader.is_atomic() and not reader.has_deletions()):
        return None
    from textkit.postings import Evaluation, per_index_state

    return Evaluation(searcher, _WEIGHTING._field_lengths(reader, "content"), per_index_state(per_index))


def _whole_words_first(ranked: list, parsed: ParsedQuery, searcher, direct=None):
    """The sort key of the hits (score, docnum): those where more query words stand as whole
    words first, BM25 order inside each group. A hit's group counts the query's positive
    words that match it as whole words."""
    leaves = [leaf for leaf in positive_leaves(parsed.tree) if isinstance(leaf, Word)]
    if not leaves:
        return _BM25_ORDER   # phrases and prefixes (a phrase over compound parts is rare)
    if direct is not None:
        # The whole-word matches among the hits, from the postings this search has read.
        from textkit.postings import Docs, WordMatch

        hits = Docs(docnum for _score, docnum in ranked)
        whole_docs = [WordMatch(leaf, direct, whole_only=True, within=hits, scored=False).scores.keys()
                      for leaf in leaves]
    else:
        cache = _per_index(searcher.reader()).setdefault("whole_docs", {})
        if len(cache) >= _MAX_CACHED_PHRASES:
            cache.clear()
        whole_docs = []
        for leaf in leaves:
            docs = cache.get(leaf)
            if docs is None:
                docs = cache[leaf] = frozenset(_word_query(leaf, whole_only=True).docs(searcher))
            whole_docs.append(docs)
    from collections import Counter
    from itertools import chain

    whole_count = Counter(chain.from_iterable(whole_docs))   # query words whole in each hit
    return lambda item: (-whole_count.get(item[1], 0), -item[0], item[1])


def matched_forms(parsed: ParsedQuery, hit_docs: set[int], searcher, direct=None) -> tuple[MatchedForm, ...]:
    """Every surface form that matched the query's positive words, prefixes and phrases in the
    hits (document numbers), with occurrences, passages and how it matched; whole words first,
    then most frequent first.

    Word and prefix forms come from the index (the postings of each candidate surface form
    within the hits), phrase forms from the phrase's positions and the hits' stored offsets."""
    reader = searcher.reader()
    found: dict[str, list] = {}   # form → [count, passages, kind, word]
    rank = (WHOLE, PART, "synonym", PREFIX, PHRASE).index

    def add(form: str, count: int, passages: int, kind: str, word: str) -> None:
        entry = found.get(form)
        if entry is None or rank(kind) < rank(entry[2]):
            found[form] = [count, passages, kind, word]

    forms_of = _forms_by_term()
    for leaf in positive_leaves(parsed.tree):
        if isinstance(leaf, Word):
            query_terms = set(leaf.terms) | set(leaf.lemmas)
            candidates = {f for t in query_terms for f in forms_of.get(t, ())}
            for form in sorted(candidates):
                kind = _form_kind(leaf, form)
                if kind:
                    count, passages = _form_counts(reader, form, hit_docs)
                    if count:
                        add(form, count, passages, kind, leaf.label)
        elif isinstance(leaf, Prefix):
            for btext in reader.expand_prefix("content", SURFACE_MARK + leaf.prefix):
                form = (btext.decode("utf-8") if isinstance(btext, bytes) else btext)[1:]
                if prefix_match(leaf, form):
                    count, passages = _form_counts(reader, form, hit_docs)
                    if count:
                        add(form, count, passages, PREFIX, f"{leaf.prefix}*")
    for leaf in positive_leaves(parsed.tree):
        if isinstance(leaf, Phrase):
            for form, (count, passages) in _phrase_forms(leaf, hit_docs, searcher, direct).items():
                add(form, count, passages, PHRASE, f'"{leaf.label}"')
    ordered = sorted(found.items(), key=lambda kv: (rank(kv[1][2]) > 1, -kv[1][0], kv[0]))
    return tuple(MatchedForm(form, c, n, kind, word) for form, (c, n, kind, word) in ordered)


LEXICALISED, EXCLUDED = "lexicalised", "excluded"


def _excluded_forms(parsed: ParsedQuery, reader, in_scope) -> tuple[MatchedForm, ...]:
    """The forms each positive query word leaves out (see SearchResult.excluded_forms)."""
    forms_of = _forms_by_term()
    user = set(parsed.excluded_forms)
    found: dict[str, MatchedForm] = {}
    for leaf in positive_leaves(parsed.tree):
        words = leaf.words if isinstance(leaf, Phrase) else (leaf,) if isinstance(leaf, Word) else ()
        for word in words:
            if not (word.exclude or word.exclude_forms or word.exclude_prefixes):
                continue
            free = replace(word, exclude=(), exclude_forms=(), exclude_prefixes=())
            candidates = {f for t in set(word.terms) | set(word.lemmas) for f in forms_of.get(t, ())}
            for form in sorted(candidates - set(found)):
                if _form_kind(word, form) or not _form_kind(free, form):
                    continue
                by_user = form in user or any(form.startswith(p.rstrip("*")) for p in user if p.endswith("*"))
                count, passages = _form_counts(reader, form, in_scope)
                if count:
                    found[form] = MatchedForm(form, count, passages, EXCLUDED if by_user else LEXICALISED, word.label)
    return tuple(sorted(found.values(), key=lambda f: (f.match, -f.count, f.form)))


class _in_scope:
    """Membership test for the documents of the search scope (filters and sections)."""

    def __init__(self, per_index, searcher, scope, in_sections, columns) -> None:
        self._docs = _scope_docs(per_index, searcher, scope)
        self._sections = in_sections
        self._section_of = columns["section"]

    def __contains__(self, docnum: int) -> bool:
        return ((self._docs is None or docnum in self._docs)
                and (self._sections is None or self._section_of[docnum] in self._sections))


def _phrase_forms(leaf: Phrase, hit_docs: set[int], searcher, direct=None) -> dict[str, list[int]]:
    """The phrase's matched strings in the hits (lowercased, spaces normalised): [count,
    passages] each."""
    counts: dict[str, list[int]] = {}
    for docnum, forms in _phrase_doc_forms(leaf, searcher, direct).items():
        if docnum not in hit_docs:
            continue
        for form in forms:
            entry = counts.setdefault(form, [0, 0])
            entry[0] += 1
        for form in set(forms):
            counts[form][1] += 1
    return counts


_MAX_CACHED_PHRASES = 256


def _phrase_doc_forms(leaf: Phrase, searcher, direct=None) -> dict[int, tuple[str, ...]]:
    """Per document, the strings the phrase matches there, found once per index and phrase:
    positions from the phrase's evaluation, offsets from the stored spans (no passage is
    analysed again)."""
    cache = _per_index(searcher.reader()).setdefault("phrase_forms", {})
    found = cache.get(leaf)
    if found is not None:
        return found
    reader = searcher.reader()
    found = {}
    for docnum, spans in _phrase_spans(leaf, searcher, direct):
        fields = reader.stored_fields(docnum)
        flat = array("I")
        flat.frombytes(fields["spans"])
        positions = flat[0::3]   # increasing: a word's offsets are found by bisection
        text = fields["text"]
        found[docnum] = tuple(
            _SPACE_RUN.sub(" ", text[flat[3 * bisect_left(positions, start) + 1]:
                                     flat[3 * bisect_left(positions, end) + 2]]).lower()
            for start, end in spans)
    if len(cache) >= _MAX_CACHED_PHRASES:
        cache.clear()
    cache[leaf] = found
    return found


def _phrase_spans(leaf: Phrase, searcher, direct) -> Iterator[tuple[int, list[tuple[int, int]]]]:
    """(document, [(first position, last position)]) of every match of the phrase, in
    document order: from the postings (textkit.postings), or from Whoosh's matcher."""
    if direct is not None:
        from textkit.postings import phrase_matches, phrase_words

        last = len(leaf.words) - 1
        known = direct.phrase_starts.get(leaf)   # this search's evaluation found them
        if known is None:
            known = phrase_matches(phrase_words(leaf, direct))
        for docnum in sorted(known):
            yield docnum, [(p, p + last) for p in known[docnum]]
        return
    matcher = _Phrase([_word_query(w) for w in leaf.words], slop=1, ordered=True).matcher(
        searcher, searcher.boolean_context().set(needs_current=True))
    while matcher.is_active():
        yield matcher.id(), [(sp.start, sp.end) for sp in matcher.spans()]
        matcher.next()


def _form_kind(word: Word, form: str) -> str | None:
    """How the text form (any of its spellings in the corpus) matches `word`; the best wins."""
    from textkit.analysis import get_analyzer

    analyze = get_analyzer().analyze_word
    kinds = [word_match(word, info.terms, form, info.lemmas)
             for info in (analyze(spelling) for spelling in _spellings().get(form, (form,)))]
    kinds = [k for k in kinds if k]
    return min(kinds, key=(WHOLE, PART, "synonym").index) if kinds else None


def _form_counts(reader, form: str, docs) -> tuple[int, int]:
    """Occurrences of a surface form in `docs`, and how many of them it occurs in."""
    count = passages = 0
    for docnum, frequency in _form_postings(reader, form):
        if docnum in docs:
            count += frequency
            passages += 1
    return count, passages


_MAX_CACHED_FORMS = 50_000


def _form_postings(reader, form: str) -> tuple[tuple[int, int], ...]:
    """(document, occurrences) of a surface form, read once per index: opening a term's
    postings costs more than reading them, and a query's forms recur (the app runs the same
    query on every click; kunta and "kunta AND TE24" share theirs)."""
    per_index = _per_index(reader)
    cache = per_index.setdefault("form_postings", {})
    postings = cache.get(form)
    if postings is None:
        from textkit.postings import read_postings

        found = read_postings(reader, "content", SURFACE_MARK + form)
        if found is None:
            postings = ()
        else:
            # The stored count of each posting (no positions decoded); encoded values recur.
            counts = per_index.setdefault("frequencies", {})
            if len(counts) > _MAX_CACHED_FORMS:
                counts.clear()
            frequency = reader.schema["content"].format.decode_frequency
            ids, _weights, values = found
            postings = tuple((d, counts[v] if v in counts else counts.setdefault(v, frequency(v)))
                             for d, v in zip(ids, values))
        if len(cache) < _MAX_CACHED_FORMS:
            cache[form] = postings
    return postings


_FORM_MAPS: dict[str, Any] = {"size": -1}
_FORM_MAPS_LOCK = threading.Lock()


def _forms_by_term() -> dict[str, tuple[str, ...]]:
    """Index term (lemma, part, run) → the lowercased surface forms of the corpus that carry
    it, from the analyzer's word forms (which hold every word of the index once the index's
    word forms are loaded). Rebuilt when the analyzer has learned new word forms."""
    _refresh_form_maps()
    return _FORM_MAPS["by_term"]


def _spellings() -> dict[str, tuple[str, ...]]:
    """Lowercased surface form → its spellings as analysed ("tekoäly" → Tekoäly, tekoäly)."""
    _refresh_form_maps()
    return _FORM_MAPS["spellings"]


def _refresh_form_maps() -> None:
    """Bring the maps up to date with the analyzer's word forms. A search that analyses a new
    query word only adds word forms at the end of the analyzer's cache: those are added to the
    maps (at 100× a whole rebuild cost 30 ms, on every query with a word not seen before).
    Anything else (another cache, fewer forms, the index's word forms loaded) rebuilds them."""
    from textkit.analysis import get_analyzer

    cache = get_analyzer()._cache
    size = len(cache)
    if _FORM_MAPS["size"] == size and _FORM_MAPS.get("cache") is cache:
        return
    with _FORM_MAPS_LOCK:
        if _FORM_MAPS.get("cache") is cache and 0 <= _FORM_MAPS["size"] < size:
            by_term, spellings = _FORM_MAPS["by_term"], _FORM_MAPS["spellings"]
            for spelling, info in list(cache.items())[_FORM_MAPS["size"]:]:
                if not info.is_word:
                    continue
                lower = spelling.lower()
                spellings[lower] = tuple(dict.fromkeys(spellings.get(lower, ()) + (spelling,)))
                for term in info.terms:
                    by_term[term] = tuple(sorted(set(by_term.get(term, ())) | {lower}))
            _FORM_MAPS["size"] = size
            return
        by_term_sets: dict[str, set[str]] = {}
        spelling_lists: dict[str, list[str]] = {}
        for spelling, info in list(cache.items()):
            if not info.is_word:
                continue
            lower = spelling.lower()
            spelling_lists.setdefault(lower, []).append(spelling)
            for term in info.terms:
                by_term_sets.setdefault(term, set()).add(lower)
        _FORM_MAPS["by_term"] = {t: tuple(sorted(f)) for t, f in by_term_sets.items()}
        _FORM_MAPS["spellings"] = {f: tuple(s) for f, s in spelling_lists.items()}
        _FORM_MAPS["size"] = size
        _FORM_MAPS["cache"] = cache


def _filter_query(node: QueryFilter, reader):
    from whoosh import query as wq

    if node.field == "section":
        values = list(node.values)
    elif node.field == "edition":
        values = _check_editions(node.values, reader)
    else:
        values = [_resolve_theme(v, reader) for v in node.values]
    terms = [wq.Term(node.field if node.field != "theme" else "theme_id", v) for v in values]
    return terms[0] if len(terms) == 1 else wq.Or(terms)


def _scope(parsed: ParsedQuery, reader, *, sections, theme, edition):
    from whoosh import query as wq

    parts = []
    if sections is not None and not parsed.filters("section"):
        numbers = sorted({int(s) for s in sections})
        bad = [n for n in numbers if not 1 <= n <= 7]
        if bad or not numbers:
            raise TextkitError(f"Osiot {bad or '(tyhjä)'} eivät käy: osiot ovat 1–7, esim. --sections 2,3,4,5.")
        parts.append(wq.Or([wq.Term("section", str(n)) for n in numbers]))
    if theme:
        parts.append(wq.Term("theme_id", _resolve_theme(theme, reader)))
    if edition is not None:
        parts.append(wq.Term("edition", _check_editions((str(edition),), reader)[0]))
    if not parts:
        return None
    return parts[0] if len(parts) == 1 else wq.And(parts)


# Per index version: what is computed once from all documents, not on every search (the bench
# showed the section filter and the facet counts growing with the corpus on every query).
# Keyed by the segments' ids, which are new in every build: a generation number is not (a
# fresh index always has generation 1), so after a swap the old values would be used.
_PER_INDEX: dict[tuple, dict[str, Any]] = {}
_PER_INDEX_LOCK = threading.Lock()
_FACET_FIELDS = ("theme_id", "section", "edition")
_MAX_CACHED_SCOPES = 64
_MAX_CACHED_VERSIONS = 4


def _per_index(reader) -> dict[str, Any]:
    version = tuple(leaf.segment().segment_id() for leaf, _ in reader.leaf_readers())
    with _PER_INDEX_LOCK:
        entry = _PER_INDEX.get(version)
        if entry is None:
            if len(_PER_INDEX) >= _MAX_CACHED_VERSIONS:
                _PER_INDEX.clear()
            entry = _PER_INDEX[version] = {"scopes": {}, "facets": None}
        return entry


def _scope_docs(per_index: dict[str, Any], searcher, scope):
    """The scope query as a set of document numbers, computed once per index: passed as a
    query, Whoosh would re-read every posting of the section terms on every search."""
    if scope is None:
        return None
    from whoosh.idsets import BitSet

    scopes = per_index["scopes"]
    docs = scopes.get(scope)
    if docs is None:
        docs = BitSet(searcher.docs_for_query(scope), size=searcher.doc_count_all())
        if len(scopes) >= _MAX_CACHED_SCOPES:
            scopes.clear()
        scopes[scope] = docs
    return docs


def _facet_columns(per_index: dict[str, Any], reader) -> dict[str, list]:
    """theme_id, section and edition of every document, by document number (built once per
    index from the postings), so facet counts need no stored fields."""
    if per_index["facets"] is None:
        columns = {}
        for name in _FACET_FIELDS:
            from textkit.postings import read_postings

            values: list[Any] = [None] * reader.doc_count_all()
            for btext in reader.lexicon(name):
                value = btext.decode("utf-8") if isinstance(btext, bytes) else btext
                for docnum in (read_postings(reader, name, value) or ((),))[0]:
                    values[docnum] = value
            columns[name] = values
        per_index["facets"] = columns
    return per_index["facets"]


def _resolve_theme(value: str, reader) -> str:
    """A theme id as typed, its number in the edition ("1"), or an unambiguous part of an id
    ("kohtaanto")."""
    ids = theme_ids(reader)
    key = value.strip().lower()
    if key in ids:
        return key
    if key.isdigit():
        candidates = _themes_numbered(int(key), reader)
    else:
        candidates = [i for i in ids if len(key) >= 3 and key in i]
    if len(candidates) == 1:
        return candidates[0]
    listing = ", ".join(ids)
    if candidates:
        raise TextkitError(f"Teema '{value}' sopii usealle teemalle: {', '.join(candidates)}. Tarkenna.")
    raise TextkitError(f"Teemaa '{value}' ei ole. Teemat: {listing}.")


def _themes_numbered(number: int, reader) -> list[str]:
    # Passage ids carry the theme's number in its edition: "2024-01-2-003". One passage per
    # edition is enough to learn the theme id.
    found: dict[str, str] = {}
    for btext in reader.lexicon("passage_id"):
        pid = btext.decode("utf-8") if isinstance(btext, bytes) else btext
        year, theme_no = (pid.split("-") + ["", ""])[:2]
        if year in found or not theme_no.isdigit() or int(theme_no) != number:
            continue
        docnum = next(iter(reader.postings("passage_id", btext).all_ids()))
        found[year] = reader.stored_fields(docnum)["theme_id"]
    return sorted(set(found.values()))


def _check_editions(values: Iterable[str], reader) -> list[str]:
    years = sorted(t if isinstance(t, str) else t.decode("utf-8") for t in reader.field_terms("edition"))
    for v in values:
        if v not in years:
            raise TextkitError(f"Vuoden {v} katsausta ei ole hakuindeksissä. Katsaukset: {', '.join(years)}.")
    return list(values)


def _facets(docnums: Iterable[int], columns: dict[str, list]) -> dict[str, dict[Any, int]]:
    from collections import Counter

    docnums = list(docnums)
    themes = Counter(map(columns["theme_id"].__getitem__, docnums))
    sections: dict[int, int] = {}
    for value, n in Counter(map(columns["section"].__getitem__, docnums)).items():
        sections[int(value)] = sections.get(int(value), 0) + n
    editions: dict[int, int] = {}
    for value, n in Counter(map(columns["edition"].__getitem__, docnums)).items():
        editions[int(value)] = editions.get(int(value), 0) + n
    return {
        "theme": dict(sorted(themes.items(), key=lambda kv: (-kv[1], kv[0]))),
        "section": dict(sorted(sections.items())),
        "edition": dict(sorted(editions.items())),
    }


def _hit(fields: dict[str, Any], score: float | None, parsed: ParsedQuery) -> Hit:
    text = fields["text"]
    spans = matching_spans_kinds(parsed.tree, stored_words(text, fields["spans"]))
    return Hit(
        edition=int(fields["edition"]),
        theme_id=fields["theme_id"],
        theme=fields["theme"],
        section=int(fields["section"]),
        section_title=fields["section_title"],
        page=fields["page"],
        passage_id=fields["passage_id"],
        score=round(float(score or 0.0), 4),
        text=text,
        snippet=snippet(text, [(s, e) for s, e, _kind in spans]),
        matches=tuple(text[s:e] for s, e, _kind in spans),
        spans=tuple((s, e) for s, e, _kind in spans),
        match_kinds=tuple(kind for _s, _e, kind in spans),
    )


_SPACE_RUN = re.compile(r"\s+")


def snippet(text: str, spans: Sequence[tuple[int, int]], width: int = SNIPPET_CHARS) -> str:
    """A short excerpt around the first matches: each piece of text HTML-escaped first, then
    the matches wrapped in <mark> (so nothing in the text can inject markup)."""
    if spans:
        start = max(0, spans[0][0] - width // 3)
    else:
        start = 0
    end = min(len(text), start + width)
    if spans and spans[0][1] > end:
        end = spans[0][1]
    start = _word_boundary_left(text, start)
    end = _word_boundary_right(text, end)
    inside = [(s, e) for s, e in spans if s >= start and s < end]
    if inside and inside[-1][1] > end:
        end = inside[-1][1]
    out = ["…" if start > 0 else ""]
    cursor = start
    for s, e in inside:
        out.append(_escape_piece(text[cursor:s]))
        out.append("<mark>" + _escape_piece(text[s:e]) + "</mark>")
        cursor = e
    out.append(_escape_piece(text[cursor:end]))
    if end < len(text):
        out.append("…")
    return "".join(out).strip()


def _escape_piece(piece: str) -> str:
    return html.escape(_SPACE_RUN.sub(" ", piece), quote=True)


def _word_boundary_left(text: str, i: int) -> int:
    if i <= 0:
        return 0
    j = text.rfind(" ", max(0, i - 30), i)
    return j + 1 if j >= 0 else i


def _word_boundary_right(text: str, i: int) -> int:
    if i >= len(text):
        return len(text)
    j = text.find(" ", i, min(len(text), i + 30))
    return j if j >= 0 else i


def _doc_frequency(reader, term: str) -> int:
    """Passages with `term` as a lemma or part or as a surface form."""
    return max(reader.doc_frequency("content", term), reader.doc_frequency("content", SURFACE_MARK + term))


def _suggestion(parsed: ParsedQuery, searcher, whoosh_scope) -> str | None:
    """'Did you mean': replace each query word that is not in the index by the closest
    indexed word form; offer the new query only if it finds something. (Hits hidden by the
    section scope are offered by `search` itself, as `hidden_by_scope`.)"""
    from whoosh.support.levenshtein import distance

    from textkit.query import plain_words

    reader = searcher.reader()
    words = plain_words(parsed.text)
    replacements: dict[str, str] = {}
    for word in words:
        lower = word.lower()
        if _doc_frequency(reader, lower):
            continue
        maxdist = 1 if len(lower) <= 4 else 2
        candidates = {t[1:] for t in reader.terms_within("content", SURFACE_MARK + lower, maxdist, prefix=2)}
        candidates |= set(reader.terms_within("content", lower, maxdist, prefix=1))
        candidates.discard(lower)
        if not candidates:
            continue
        best = min(candidates, key=lambda c: (distance(lower, c), -_doc_frequency(reader, c), c))
        replacements[word] = best
    if not replacements:
        return None
    suggested = parsed.text
    for word, best in replacements.items():
        suggested = re.sub(rf"(?<![\w*:]){re.escape(word)}(?![\w*:])", best, suggested)
    try:
        again = parse_query(suggested)
        if searcher.search(_to_whoosh(again.tree, reader), filter=whoosh_scope, limit=1).is_empty():
            return None
    except TextkitError:
        return None
    return suggested
