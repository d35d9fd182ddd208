"""The search query language: words, phrases, prefixes, operators, field filters, synonyms.

    kunnissa                     a word, in any inflected form (analysed like the text)
    kunta tekoäly                implicit AND
    kunta AND/JA, OR/TAI, NOT/EI operators (upper case only; NOT binds tightest, then AND, then OR)
    (kunta OR alue) NOT TE24     parentheses
    "jatkuva oppiminen"          a phrase over lemmas: the words next to each other, any inflection
    kunn*                        a prefix of the surface form (at least two characters)
    teema:ID osio:2,3 vuosi:2024 field filters (osio also takes a range: osio:2-5)
    sana:kunta                   the word on its own only, not as a part of compounds
    kunta EI muoto:maakunnissa   that word form does not count as a match (muoto:maakun* a prefix)

`parse_query` turns the text into a small tree of frozen nodes whose leaves already hold the
index terms (lemmas from the shared analyzer), so `textkit.index` only translates the tree to
Whoosh queries and `matching_spans` finds the exact words of a passage that matched.
Synonyms come from `corpus/synonyms.toml` and lexicalised compounds and fixed forms from
`corpus/lexicalised.toml`; both are applied here, at query time, so editing them needs no
rebuild.
"""

from __future__ import annotations

import functools
import re
import tomllib
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Iterable, Sequence, Union

from textkit.errors import TextkitError

SYNONYMS_FILE = "synonyms.toml"
LEXICALISED_FILE = "lexicalised.toml"
MAX_QUERY_CHARS = 1000
MAX_QUERY_WORDS = 60
# Nested parentheses and NOT/EI operators, counted together: the parser, the Whoosh query and
# the highlighter all recurse once per level.
MAX_QUERY_DEPTH = 20
MIN_PREFIX_CHARS = 2
# Readings of a query word to search: "typed-or-best", "best" or "all" (see _query_lemmas).
READINGS = "typed-or-best"

# Field names a user may type, mapped to the index's filter fields.
FIELD_NAMES = {
    "teema": "theme", "theme": "theme",
    "osio": "section", "section": "section",
    "vuosi": "edition", "edition": "edition", "year": "edition", "painos": "edition",
}
# Pseudo-fields that change how words match rather than filter passages.
_WHOLE_FIELDS = frozenset({"sana", "word"})
_FORM_FIELDS = frozenset({"muoto", "form"})
_OPERATORS = {"AND": "AND", "JA": "AND", "OR": "OR", "TAI": "OR", "NOT": "NOT", "EI": "NOT"}
_QUOTES = "\"“”„«»"
_QUERY_TOKEN = re.compile(r'\s*(?:(?P<paren>[()])|(?P<quote>["“”„«»])|(?P<word>[^\s()"“”„«»]+))')
_FIELD = re.compile(r"^(?P<name>[^\W\d_]+):(?P<value>.*)$")
# What Finnish writes after an abbreviation's colon: a case ending (TEM:n, EU:ssa, ESR:ää,
# EU:hun, TE-toimistoi:hin) with an optional clitic (TEM:kin). "foo:bar" is none of these.
_CASE_ENDING = re.compile(
    r"(?:[aä]{1,2}|n|t|t[aä]|n[aä]|ksi|s[st][aä]|l[lt][aä]|lle|h[aeiouyäö]n|[aeiouyäö]{2}n|"
    r"in|ien|j[aä]|i[sl][st][aä]|ille|in[aä]|iksi|it[aä]|ihin|ine|tt[aä]|ss?[aä])?"
    r"(?:kin|kaan|kään|ko|kö|han|hän|pa|pä)?"
)
_SECTION_VALUE = re.compile(r"^\d(?:-\d)?(?:,\d(?:-\d)?)*$")


# ---------------------------------------------------------------- the tree


@dataclass(frozen=True)
class Word:
    """One word position: matches a text word whose lemmas include any of `lemmas` (a whole
    word), whose surface is the typed form, or whose compound parts include a lemma (a part),
    unless the text word is excluded.

    Exclusions are per text word: a word whose index terms include one of `exclude` (a
    lexicalised compound such as *maakunta* for `kunta`), whose lowercased surface is in
    `exclude_forms` or begins with one of `exclude_prefixes` is no match of this query word,
    while the passage may still match through its other words."""

    label: str                  # how `parsed` shows it (the lemma, or the synonym as written)
    terms: tuple[str, ...]      # index terms that match: the lemmas and the typed form
    lemmas: tuple[str, ...] = ()
    whole: bool = False         # whole words only: compound parts do not match (sana:)
    synonym: bool = False       # a member of a synonym group other than the word typed
    exclude: tuple[str, ...] = ()
    exclude_forms: tuple[str, ...] = ()
    exclude_prefixes: tuple[str, ...] = ()


@dataclass(frozen=True)
class Phrase:
    """Consecutive word positions, each given as a Word."""

    label: str
    words: tuple[Word, ...]


@dataclass(frozen=True)
class Prefix:
    """Surface forms beginning with `prefix` (lowercased), except the excluded forms."""

    prefix: str
    exclude_forms: tuple[str, ...] = ()
    exclude_prefixes: tuple[str, ...] = ()


@dataclass(frozen=True)
class Filter:
    """A field filter: field is "theme", "section" or "edition"; values as typed."""

    field: str
    values: tuple[str, ...]


@dataclass(frozen=True)
class And:
    children: tuple["Node", ...]


@dataclass(frozen=True)
class Or:
    children: tuple["Node", ...]
    synonyms: bool = False      # an expansion from synonyms.toml (shown as such)


@dataclass(frozen=True)
class Not:
    child: "Node"


Node = Union[Word, Phrase, Prefix, Filter, And, Or, Not]


@dataclass(frozen=True)
class ParsedQuery:
    text: str                   # the query as typed
    tree: Node
    parsed: str                 # the query as understood, with synonyms
    ignored: tuple[str, ...] = ()   # stop words left out of the query
    excluded_forms: tuple[str, ...] = ()   # EI muoto:… as typed (lowercased; "maakun*" a prefix)

    def filters(self, field: str) -> list[Filter]:
        return [n for n in walk(self.tree) if isinstance(n, Filter) and n.field == field]


# ---------------------------------------------------------------- public API


def parse_query(text: str, *, analyzer=None, synonyms: "Synonyms | None" = None,
                lexicalised: "Lexicalised | None" = None, whole_words: bool = False) -> ParsedQuery:
    """Parse a query. Raises TextkitError with a message a user can act on.

    `whole_words` makes every query word match whole words only, as if typed `sana:word`."""
    if text is None or not str(text).strip():
        raise TextkitError("Tyhjä haku: kirjoita hakusana, esimerkiksi TE24, tekoäly tai \"jatkuva oppiminen\".")
    text = str(text)
    if len(text) > MAX_QUERY_CHARS:
        raise TextkitError(
            f"Haku on liian pitkä ({len(text)} merkkiä, enintään {MAX_QUERY_CHARS}). Lyhennä hakua."
        )
    if analyzer is None:
        from textkit.analysis import get_analyzer

        analyzer = get_analyzer()
    if synonyms is None:
        synonyms = load_synonyms(analyzer=analyzer)
    if lexicalised is None:
        lexicalised = load_lexicalised(analyzer=analyzer)
    tokens = _lex(text)
    words = sum(1 for kind, _ in tokens if kind in ("word", "phrase"))
    if words > MAX_QUERY_WORDS:
        raise TextkitError(f"Haussa on liian monta sanaa ({words}, enintään {MAX_QUERY_WORDS}). Lyhennä hakua.")
    depth = _nesting_depth(tokens)
    if depth > MAX_QUERY_DEPTH:
        raise TextkitError(
            f"Haussa on liian monta sisäkkäistä sulkua tai NOT/EI-operaattoria ({depth} tasoa, "
            f"enintään {MAX_QUERY_DEPTH}). Poista ylimääräiset sulut."
        )
    parser = _Parser(tokens, analyzer, synonyms)
    tree = parser.parse()
    if tree is None and parser.excluded_forms:
        raise TextkitError(
            "EI muoto:… rajaa pois sanamuodon hakusanan osumista: lisää hakusana, esimerkiksi "
            f"kunta EI muoto:{parser.excluded_forms[0]}."
        )
    if tree is None:
        if parser.ignored:
            stop = ", ".join(parser.ignored)
            raise TextkitError(
                f"Haku sisältää vain yleisiä täytesanoja ({stop}), joita on lähes joka kappaleessa. "
                "Lisää sisältösana, tai hae fraasina lainausmerkeissä."
            )
        raise TextkitError("Haussa ei ole hakusanaa. Kirjoita sana, fraasi lainausmerkeissä tai suodatin (teema:, osio:, vuosi:).")
    if any(isinstance(n, Or) and any(isinstance(c, Not) for c in n.children) for n in walk(tree)):
        raise TextkitError(
            "NOT/EI ei voi olla TAI-vaihtoehto (esim. kunta OR NOT alue). Kirjoita poissulkeva ehto "
            "JA-ehtona: kunta NOT alue, tai (kunta OR alue) NOT kuntoutus."
        )
    if _only_negative(tree):
        raise TextkitError(
            "Haku sisältää vain poissulkevia ehtoja (NOT/EI). Lisää ehto, jonka pitää löytyä, "
            "esimerkiksi: kunta NOT kuntoutus."
        )
    excluded = tuple(dict.fromkeys(parser.excluded_forms))
    tree = _refine(tree, lexicalised, excluded, whole_words)
    shown = render(tree) + "".join(f" EI muoto:{f}" for f in excluded)
    return ParsedQuery(text=text, tree=tree, parsed=shown, ignored=tuple(parser.ignored), excluded_forms=excluded)


def plain_words(text: str) -> list[str]:
    """The query's words outside quotes, without operators, fields and prefixes (as typed):
    the ones a "did you mean" may correct."""
    return [value for kind, value in _lex(text)
            if kind == "word" and not value.endswith("*") and not _FIELD.match(value)]


def parse_sections(text: str) -> tuple[int, ...]:
    """'2,3,4,5', '2-5' or 'all' (1–7) as section numbers; TextkitError otherwise."""
    value = str(text).strip().replace(" ", "")
    if value.lower() in ("all", "kaikki"):
        return (1, 2, 3, 4, 5, 6, 7)
    try:
        return tuple(int(n) for n in _filter("osio", value).values)
    except TextkitError:
        raise TextkitError(
            f"--sections {text} ei kelpaa: osiot ovat 1–7, esim. --sections 2,3,4,5, --sections 2-5 tai --sections all."
        ) from None


def render(node: Node, top: bool = True) -> str:
    """The tree as a query string a user can read (and type again)."""
    if isinstance(node, Word):
        return f"sana:{node.label}" if node.whole else node.label
    if isinstance(node, Phrase):
        return f'"{node.label}"'
    if isinstance(node, Prefix):
        return f"{node.prefix}*"
    if isinstance(node, Filter):
        name = {"theme": "teema", "section": "osio", "edition": "vuosi"}[node.field]
        return f"{name}:{','.join(node.values)}"
    if isinstance(node, Not):
        return f"EI {render(node.child, top=False)}"
    if isinstance(node, And):
        inner = " JA ".join(render(c, top=False) for c in node.children)
        return inner if top else f"({inner})"
    if isinstance(node, Or):
        inner = " TAI ".join(render(c, top=False) for c in node.children)
        return inner if top and not node.synonyms else f"({inner})"
    raise TypeError(node)


def walk(node: Node) -> Iterable[Node]:
    yield node
    if isinstance(node, (And, Or)):
        for child in node.children:
            yield from walk(child)
    elif isinstance(node, Not):
        yield from walk(node.child)


def positive_leaves(node: Node, negated: bool = False) -> Iterable[Word | Phrase | Prefix]:
    """The word, phrase and prefix leaves whose matches should be shown (not under NOT)."""
    if isinstance(node, Not):
        return
    if isinstance(node, (And, Or)):
        for child in node.children:
            yield from positive_leaves(child)
    elif isinstance(node, (Word, Phrase, Prefix)):
        yield node


# How a text word matched a query leaf, best first (a span matched several ways keeps the best).
WHOLE, PART, SYNONYM, PREFIX, PHRASE = "whole", "part", "synonym", "prefix", "phrase"
MATCH_KINDS = (WHOLE, PART, SYNONYM, PREFIX, PHRASE)


def matching_spans(node: Node, tokens: Sequence[tuple]) -> list[tuple[int, int]]:
    """Character spans of a passage's words that match the query's positive leaves.

    `tokens` are the passage's indexed words as stored in the index:
    (position, start, end, terms, surface_lower, lemmas). Overlapping spans are merged.
    """
    return [(s, e) for s, e, _kind in matching_spans_kinds(node, tokens)]


def matching_spans_kinds(node: Node, tokens: Sequence[tuple]) -> list[tuple[int, int, str]]:
    """`matching_spans` with how each span matched: one of MATCH_KINDS."""
    spans: list[tuple[int, int, str]] = []
    leaves = list(positive_leaves(node))
    if not leaves:
        return []
    by_pos = {tok[0]: i for i, tok in enumerate(tokens)}
    for leaf in leaves:
        if isinstance(leaf, Word):
            for t in tokens:
                kind = word_match(leaf, t[3], t[4], t[5])
                if kind:
                    spans.append((t[1], t[2], kind))
        elif isinstance(leaf, Prefix):
            spans.extend((t[1], t[2], PREFIX) for t in tokens if prefix_match(leaf, t[4]))
        elif isinstance(leaf, Phrase):
            spans.extend((s, e, PHRASE) for s, e in _phrase_spans(leaf, tokens, by_pos))
    return _merge(spans)


def word_match(word: Word, terms: Sequence[str], lower: str, lemmas: Sequence[str]) -> str | None:
    """How a text word (its index terms, lowercased surface and lemmas) matches query word
    `word`: WHOLE, PART, SYNONYM, or None. The same rule as the index query (textkit.index)."""
    wanted, surfaces, query_parts, anything = word_sets(word)
    if anything.isdisjoint(terms) and lower not in anything:
        return None   # the usual case: a word that shares nothing with the query word
    if _excluded_form(lower, word.exclude_forms, word.exclude_prefixes):
        return None
    if word.exclude and not set(word.exclude).isdisjoint(terms):
        return None
    if not wanted.isdisjoint(lemmas) or lower in surfaces:
        kind = WHOLE
    elif word.whole:
        return None
    else:
        if not any(t in query_parts and t not in lemmas and t != lower for t in terms):
            return None
        kind = PART
    return SYNONYM if word.synonym else kind


def word_sets(word: Word) -> tuple[frozenset, frozenset, frozenset, frozenset]:
    """(terms matching lemmas, typed forms matching surfaces, terms matching parts, all of
    them), made once per query word (kept on the frozen Word, outside its fields)."""
    sets = word.__dict__.get("_sets")
    if sets is None:
        wanted = frozenset(word.terms)
        query_parts = frozenset(word.lemmas or word.terms)
        sets = (wanted, wanted - frozenset(word.lemmas), query_parts, wanted | query_parts)
        object.__setattr__(word, "_sets", sets)
    return sets


def prefix_match(prefix: Prefix, lower: str) -> bool:
    return lower.startswith(prefix.prefix) and not _excluded_form(lower, prefix.exclude_forms, prefix.exclude_prefixes)


def _excluded_form(lower: str, forms: Sequence[str], prefixes: Sequence[str]) -> bool:
    return lower in forms or any(lower.startswith(p) for p in prefixes)


# ---------------------------------------------------------------- synonyms


@dataclass(frozen=True)
class Synonyms:
    """Groups of words or phrases that mean the same in these reports (from synonyms.toml).

    Groups are analysed lazily, only when a query word could belong to one (same first two
    letters as a member): analysing a word the dictionary lacks can be slow the first time.
    """

    texts: tuple[tuple[str, ...], ...] = ()
    analyzer: object = field(default=None, compare=False, repr=False)
    _analysed: dict = field(default_factory=dict, compare=False, repr=False)

    def expand(self, leaf: Word | Phrase) -> Node:
        keys = _leaf_keys(leaf)
        for i, texts in enumerate(self.texts):
            if not any(t.lower()[:2] in keys for t in texts):
                continue
            group = self._group(i)
            if any(_same_meaning(leaf, member) for member in group):
                return Or(tuple(_absorb(m, leaf) for m in group), synonyms=True)
        return leaf

    def _group(self, i: int) -> tuple[Word | Phrase, ...]:
        if i not in self._analysed:
            analyzer = self.analyzer
            if analyzer is None:
                from textkit.analysis import get_analyzer

                analyzer = get_analyzer()
            members = [_analyse_leaf(t, analyzer, label=t) for t in self.texts[i]]
            self._analysed[i] = tuple(m for m in members if m is not None)
        return self._analysed[i]


def load_synonyms(path: Path | None = None, *, analyzer=None) -> Synonyms:
    """Read the synonym groups; a missing file means no synonyms, a broken one is an error."""
    if path is None:
        from textkit.paths import corpus_dir

        path = corpus_dir() / SYNONYMS_FILE
    if not Path(path).exists():
        return Synonyms()
    try:
        data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise TextkitError(f"Synonyymitiedosto {path} on virheellinen: {exc}") from exc
    groups = []
    for i, group in enumerate(data.get("group", []), start=1):
        words = group.get("words") if isinstance(group, dict) else None
        if not isinstance(words, list) or len(words) < 2 or not all(isinstance(w, str) and w.strip() for w in words):
            raise TextkitError(
                f"Synonyymitiedosto {path}: ryhmä {i} tarvitsee vähintään kaksi sanaa muodossa words = [\"TE24\", \"TE2024\"]."
            )
        groups.append(tuple(w.strip() for w in words))
    return Synonyms(tuple(groups), analyzer=analyzer)


@dataclass(frozen=True)
class Lexicalised:
    """Compounds whose head does not carry its own meaning in them (*maakunta* is no kind of
    *kunta*, *tasa-arvo* no kind of *arvo*) and word forms that are adpositions or adverbs
    (*kautta* is not a form of *kausi*), from lexicalised.toml.

    A query word that is a part of a listed compound does not match that compound, nor
    compounds built on it (*maakuntaliitto*); a query word whose lemma is a lemma of a listed
    form does not match the form unless it is that form as typed. The compound itself
    (`maakunta`) and prefixes (`maakun*`) still match. Analysed lazily, once per process.
    """

    compounds: tuple[str, ...] = ()
    forms: tuple[str, ...] = ()
    analyzer: object = field(default=None, compare=False, repr=False)
    _analysed: dict = field(default_factory=dict, compare=False, repr=False)

    def exclusions(self, word: Word) -> tuple[tuple[str, ...], tuple[str, ...]]:
        """(index terms, lowercased forms) that do not count as matches of `word`."""
        if not self.compounds and not self.forms:
            return (), ()
        compounds, forms = self._data()
        lemmas = set(word.lemmas or word.terms)
        terms = tuple(c for c, parts in compounds if c not in lemmas and not lemmas.isdisjoint(parts))
        typed = set(word.terms) - set(word.lemmas)
        fixed = tuple(f for f, form_lemmas in forms if f not in typed and f not in lemmas
                      and not lemmas.isdisjoint(form_lemmas))
        return terms, fixed

    def _data(self):
        if "data" not in self._analysed:
            analyzer = self.analyzer
            if analyzer is None:
                from textkit.analysis import get_analyzer

                analyzer = get_analyzer()
            compounds = []
            for text in self.compounds:
                info = analyzer.analyze_word(text)
                # parts and runs of parts (e.g. "sukupuoli" in "sukupuolivaikutus")
                inner = set(info.terms) - set(info.lemmas) - {text.lower()}
                compounds.extend((lemma, frozenset(inner)) for lemma in info.lemmas[:1])
            forms = [(f.lower(), frozenset(analyzer.analyze_word(f).lemmas)) for f in self.forms]
            self._analysed["data"] = (tuple(compounds), tuple(forms))
        return self._analysed["data"]


def load_lexicalised(path: Path | None = None, *, analyzer=None) -> Lexicalised:
    """Read lexicalised.toml (`compounds = [...]`, `forms = [...]`); a missing file means none,
    a broken one is an error."""
    if path is None:
        from textkit.paths import corpus_dir

        path = corpus_dir() / LEXICALISED_FILE
    path = Path(path)
    try:
        stamp = path.stat().st_mtime_ns
    except OSError:
        return Lexicalised(analyzer=analyzer)
    return _load_lexicalised(str(path), stamp, analyzer)


@functools.lru_cache(maxsize=4)
def _load_lexicalised(path: str, stamp: int, analyzer) -> Lexicalised:
    try:
        data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise TextkitError(f"Tiedosto {path} on virheellinen: {exc}") from exc
    lists = {}
    for key in ("compounds", "forms"):
        items = data.get(key, [])
        if not isinstance(items, list) or not all(isinstance(w, str) and w.strip() and " " not in w.strip() for w in items):
            raise TextkitError(
                f"Tiedosto {path}: {key} on luettelo yksittäisiä sanoja, esimerkiksi {key} = [\"maakunta\", \"yhteiskunta\"]."
            )
        lists[key] = tuple(dict.fromkeys(w.strip() for w in items))
    return Lexicalised(lists["compounds"], lists["forms"], analyzer=analyzer)


def _leaf_keys(leaf: Word | Phrase) -> set[str]:
    # Finnish inflection keeps a word's first letters ("lasten" ~ lapsi, "TE24:ssä" ~ TE24).
    first = leaf if isinstance(leaf, Word) else leaf.words[0]
    return {t[:2] for t in (*first.terms, first.label.lower())}


# ---------------------------------------------------------------- lexer and parser


def _lex(text: str) -> list[tuple[str, str]]:
    """Tokens: ("(", ""), (")", ""), ("phrase", text), ("op", AND|OR|NOT), ("word", text)."""
    tokens: list[tuple[str, str]] = []
    pos = 0
    while pos < len(text):
        m = _QUERY_TOKEN.match(text, pos)
        if not m:  # only trailing whitespace left
            break
        pos = m.end()
        if m.group("paren"):
            tokens.append((m.group("paren"), ""))
        elif m.group("quote"):
            end = _find_quote(text, pos)
            if end < 0:
                raise TextkitError(
                    f"Lainausmerkki jäi sulkematta: {text[m.start('quote'):].strip()!s}. "
                    "Kirjoita fraasi kahden lainausmerkin väliin, esimerkiksi \"jatkuva oppiminen\"."
                )
            tokens.append(("phrase", text[pos:end]))
            pos = end + 1
        else:
            word = m.group("word")
            if word in _OPERATORS:
                tokens.append(("op", _OPERATORS[word]))
            else:
                tokens.append(("word", word))
    return tokens


def _nesting_depth(tokens: Sequence[tuple[str, str]]) -> int:
    """The deepest nesting of the token list: open parentheses plus the NOT operators in a row
    before an atom (a NOT applies to what follows, so "NOT NOT NOT kunta" nests three deep)."""
    depth = deepest = 0
    nots: list[int] = [0]
    for kind, value in tokens:
        if kind == "(":
            depth += 1
            nots.append(0)
        elif kind == ")":
            depth = max(0, depth - 1)
            if len(nots) > 1:
                nots.pop()
            nots[-1] = 0   # the group was the atom the NOTs before it applied to
        elif kind == "op" and value == "NOT":
            nots[-1] += 1
        else:
            nots[-1] = 0
            continue
        deepest = max(deepest, depth + sum(nots))
    return deepest


def _find_quote(text: str, pos: int) -> int:
    for i in range(pos, len(text)):
        if text[i] in _QUOTES:
            return i
    return -1


class _Parser:
    """Recursive descent: or := and (OR and)* ; and := unary (AND? unary)* ; unary := NOT unary | atom."""

    def __init__(self, tokens, analyzer, synonyms: Synonyms):
        self.tokens = tokens
        self.i = 0
        self.analyzer = analyzer
        self.synonyms = synonyms
        self.ignored: list[str] = []
        self.excluded_forms: list[str] = []

    def parse(self) -> Node | None:
        if self.tokens and self.tokens[0] in (("op", "AND"), ("op", "OR")):
            raise TextkitError(f"Haku ei voi alkaa operaattorilla {self._op_text(0)}: sen molemmin puolin tarvitaan hakusana.")
        node = self._or()
        if self.i < len(self.tokens):
            kind, _ = self.tokens[self.i]
            if kind == ")":
                raise TextkitError("Sulkeva sulku ')' ilman avaavaa sulkua. Tarkista sulut.")
            raise TextkitError("Hakua ei voitu tulkita loppuun asti. Tarkista operaattorit ja sulut.")  # pragma: no cover
        return node

    def _peek(self):
        return self.tokens[self.i] if self.i < len(self.tokens) else (None, None)

    def _op_text(self, i: int) -> str:
        return {"AND": "AND/JA", "OR": "OR/TAI", "NOT": "NOT/EI"}[self.tokens[i][1]]

    def _or(self) -> Node | None:
        children = [self._and()]
        while self._peek() == ("op", "OR"):
            op_index = self.i
            self.i += 1
            if self._peek()[0] in (None, ")") or self._peek() in (("op", "OR"), ("op", "AND")):
                raise TextkitError(f"Operaattorin {self._op_text(op_index)} jälkeen puuttuu hakusana.")
            children.append(self._and())
        children = list(dict.fromkeys(c for c in children if c is not None))
        if not children:
            return None
        return children[0] if len(children) == 1 else Or(tuple(children))

    def _and(self) -> Node | None:
        children = []
        while True:
            kind, value = self._peek()
            if kind is None or kind == ")" or (kind == "op" and value == "OR"):
                break
            if kind == "op" and value == "AND":
                op_index = self.i
                self.i += 1
                nxt = self._peek()
                if nxt[0] in (None, ")") or nxt in (("op", "OR"), ("op", "AND")):
                    raise TextkitError(f"Operaattorin {self._op_text(op_index)} jälkeen puuttuu hakusana.")
                continue
            children.append(self._unary())
        children = list(dict.fromkeys(c for c in children if c is not None))
        if not children:
            return None
        return children[0] if len(children) == 1 else And(tuple(children))

    def _unary(self) -> Node | None:
        kind, value = self._peek()
        if kind == "op" and value == "NOT":
            op_index = self.i
            self.i += 1
            nxt = self._peek()
            if nxt[0] in (None, ")") or nxt[0] == "op" and nxt[1] != "NOT":
                raise TextkitError(f"Operaattorin {self._op_text(op_index)} jälkeen puuttuu hakusana.")
            form = _form_value(nxt[1]) if nxt[0] == "word" else None
            if form is not None:
                # "EI muoto:maakunnissa": the form is not a match; no passage is excluded.
                self.i += 1
                self.excluded_forms.append(form)
                return None
            child = self._unary()
            return Not(child) if child is not None else None
        return self._atom()

    def _atom(self) -> Node | None:
        kind, value = self._peek()
        self.i += 1
        if kind == "(":
            node = self._or()
            if self._peek()[0] != ")":
                raise TextkitError("Sulku '(' jäi sulkematta. Lisää ')' tai poista '('.")
            self.i += 1
            return node
        if kind == ")":
            raise TextkitError("Sulkeva sulku ')' ilman avaavaa sulkua. Tarkista sulut.")
        if kind == "phrase":
            return self._phrase(value)
        return self._word(value)

    def _phrase(self, text: str) -> Node | None:
        if "*" in text:
            raise TextkitError(f"Katkaisumerkki * ei toimi fraasin sisällä (\"{text}\"). Käytä sitä yksittäisen sanan lopussa.")
        leaf = _analyse_leaf(text, self.analyzer)
        if leaf is None:
            return None
        return self.synonyms.expand(leaf)

    def _word(self, text: str) -> Node | None:
        field = _FIELD.match(text)
        name = field.group("name").lower() if field else ""
        if field and field.group("value") and name in _WHOLE_FIELDS:
            node = self._word(field.group("value"))
            return _whole(node)
        if field and name in _FORM_FIELDS:
            raise TextkitError(
                f"muoto: rajaa sanamuodon pois osumista, ja se kirjoitetaan EI:n kanssa: "
                f"kunta EI muoto:{field.group('value') or 'maakunnissa'}."
            )
        if field and field.group("value") and not _is_abbreviation_with_case(field.group("name"), field.group("value")):
            return _filter(field.group("name"), field.group("value"))
        if field and not field.group("value"):
            name = field.group("name")
            if name.lower() in _WHOLE_FIELDS:
                raise TextkitError(f"Suodattimelta {name}: puuttuu sana, esimerkiksi sana:kunta.")
            if name.lower() in FIELD_NAMES:
                raise TextkitError(f"Suodattimelta {name}: puuttuu arvo, esimerkiksi osio:2, vuosi:2024 tai teema:<tunnus>.")
        if text.endswith("*"):
            return self._prefix(text)
        if "*" in text:
            raise TextkitError(f"Katkaisumerkki * toimii vain sanan lopussa (kirjoitit {text}).")
        leaf = _analyse_leaf(text, self.analyzer)
        if leaf is None:
            return None
        if isinstance(leaf, Word) and _is_function_word(leaf):
            self.ignored.append(text)
            return None
        return self.synonyms.expand(leaf)

    def _prefix(self, text: str) -> Node:
        stem = text.rstrip("*").lower().strip("\"'.,;:!?")
        if "*" in stem:
            raise TextkitError(f"Katkaisumerkki * toimii vain sanan lopussa (kirjoitit {text}).")
        if len(stem) < MIN_PREFIX_CHARS:
            raise TextkitError(
                f"Katkaisuhaussa tarvitaan vähintään {MIN_PREFIX_CHARS} merkkiä ennen tähteä (kirjoitit {text})."
            )
        return Prefix(stem)


def _form_value(text: str) -> str | None:
    """The form of "muoto:maakunnissa" (lowercased; "muoto:maakun*" keeps its star), else None."""
    field = _FIELD.match(text)
    if not field or field.group("name").lower() not in _FORM_FIELDS:
        return None
    value = field.group("value").strip().lower()
    stem = value.rstrip("*")
    if not stem or "*" in stem or len(stem) < MIN_PREFIX_CHARS:
        raise TextkitError(
            f"muoto:{field.group('value')} ei kelpaa: anna sanamuoto tekstin kirjoitusasussa, esimerkiksi "
            "EI muoto:maakunnissa, tai alku tähdellä: EI muoto:maakun*."
        )
    return value


def _whole(node: Node | None) -> Node | None:
    """`node` matching whole words only (sana:)."""
    if isinstance(node, Word):
        return replace(node, whole=True)
    if isinstance(node, Or):
        return Or(tuple(_whole(c) for c in node.children), synonyms=node.synonyms)
    if node is None or isinstance(node, Phrase):
        return node
    raise TextkitError("sana: koskee yhtä sanaa, esimerkiksi sana:kunta.")


def _refine(node: Node, lexicalised: "Lexicalised", excluded: tuple[str, ...], whole_words: bool) -> Node:
    """The tree with every word's exclusions: lexicalised compounds and fixed forms (from
    lexicalised.toml), the user's EI muoto:… forms and prefixes, whole words only if asked."""
    forms = tuple(f for f in excluded if not f.endswith("*"))
    prefixes = tuple(f.rstrip("*") for f in excluded if f.endswith("*"))

    def word(w: Word) -> Word:
        terms, fixed = lexicalised.exclusions(w)
        return replace(w, whole=w.whole or whole_words, exclude=terms,
                       exclude_forms=tuple(dict.fromkeys(fixed + forms)), exclude_prefixes=prefixes)

    def visit(n: Node) -> Node:
        if isinstance(n, Word):
            return word(n)
        if isinstance(n, Phrase):
            return replace(n, words=tuple(word(w) for w in n.words))
        if isinstance(n, Prefix):
            return replace(n, exclude_forms=forms, exclude_prefixes=prefixes)
        if isinstance(n, And):
            return And(tuple(visit(c) for c in n.children))
        if isinstance(n, Or):
            return Or(tuple(visit(c) for c in n.children), synonyms=n.synonyms)
        if isinstance(n, Not):
            return Not(visit(n.child))
        return n

    return visit(node)


def _filter(name: str, value: str) -> Filter:
    field = FIELD_NAMES.get(name.lower())
    if field is None:
        known = ", ".join(sorted({k for k, v in FIELD_NAMES.items() if k in ("teema", "osio", "vuosi")}))
        raise TextkitError(
            f"Tuntematon kenttä '{name}:'. Käytettävissä: {known} "
            "(esim. osio:2, vuosi:2024, teema:<tunnus>). Jos tarkoitit sanaa, kirjoita se lainausmerkeissä."
        )
    value = value.strip()
    if field == "section":
        if not _SECTION_VALUE.match(value):
            raise TextkitError(f"osio:{value} ei kelpaa: osio on numero 1–7, esim. osio:2, osio:2,3 tai osio:2-5.")
        numbers: list[str] = []
        for piece in value.split(","):
            lo, _, hi = piece.partition("-")
            hi = hi or lo
            if not (1 <= int(lo) <= 7 and 1 <= int(hi) <= 7 and int(lo) <= int(hi)):
                raise TextkitError(f"osio:{value} ei kelpaa: osiot ovat 1–7.")
            numbers.extend(str(n) for n in range(int(lo), int(hi) + 1))
        return Filter("section", tuple(dict.fromkeys(numbers)))
    if field == "edition":
        years = value.split(",")
        if not all(y.isdigit() and len(y) == 4 for y in years):
            raise TextkitError(f"vuosi:{value} ei kelpaa: anna painoksen vuosi, esim. vuosi:2024.")
        return Filter("edition", tuple(years))
    return Filter("theme", tuple(v for v in value.split(",") if v))


def _is_abbreviation_with_case(name: str, value: str) -> bool:
    """'TEM:n', 'EU:ssa', 'ESR:ää' are words (an abbreviation and its case ending), not fields;
    so are web addresses."""
    if name.lower() in FIELD_NAMES:
        return False
    if value.startswith("//"):
        return True  # a web address: "https://www.esr.fi"
    return (name.isupper() or len(name) <= 3) and bool(_CASE_ENDING.fullmatch(value))


def _analyse_leaf(text: str, analyzer, label: str | None = None) -> Word | Phrase | None:
    """A word or phrase of the query, analysed like the text: each word becomes the set of its
    lemmas (all readings) plus its own lowercased form. Several words make a phrase."""
    words = []
    for tok in analyzer.tokens(text):
        if not tok.is_word:
            continue
        lemmas = _query_lemmas(tok)
        if _guess_is_other_word(tok, analyzer):
            lemmas = (tok.text.lower(),)
        terms = tuple(dict.fromkeys([*lemmas, tok.text.lower()]))
        words.append(Word(label=lemmas[0], terms=terms, lemmas=lemmas))
    if not words:
        return None
    if len(words) == 1:
        word = words[0]
        return Word(label=label, terms=word.terms, lemmas=word.lemmas) if label else word
    shown = label or " ".join(text.lower().split())
    return Phrase(label=shown, words=tuple(words))


def _query_lemmas(tok) -> tuple[str, ...]:
    """Which readings of a query word to search (the text side indexes all of them).

    A word typed in its base form means that word ("tuki", "tapahtuma", "osaaminen"); an
    inflected form means its best reading ("tapahtumat" → tapahtuma, not the verb tapahtua).
    Measured on bench/queries.toml against "best" and "all" readings: the same recall as
    "all" without its look-alikes (see bench/search_quality.py).
    """
    lemmas = tuple(tok.lemmas) or (tok.lemma,)
    if READINGS == "all":
        return lemmas
    typed = tok.text.lower()
    chosen = (typed,) if READINGS == "typed-or-best" and typed in lemmas else lemmas[:1]
    if chosen[0].endswith("minen"):
        # A "-minen" noun is its verb's action, and Voikko lemmatises it inside compounds as
        # the verb only ("digiosaamisen" → digiosata): search both ("osaaminen", "osata").
        return tuple(dict.fromkeys(chosen + lemmas))
    return chosen


def _guess_is_other_word(tok, analyzer) -> bool:
    """A query word Voikko does not know whose fallback lemma is another, known word: most
    likely a typo ("tekoäyl" → "teko"). Searching the guess would find that other word, so
    the query keeps the typed form only (and "did you mean" can help)."""
    if tok.known or not tok.lemma or tok.lemma == tok.text.lower():
        return False
    if any(ch.isdigit() for ch in tok.text) or tok.text.isupper() or ":" in tok.text or "-" in tok.text:
        return False  # abbreviations and codes: "TE24:n", "ESR+", "KEHA-keskus"
    return analyzer.analyze_word(tok.lemma).known


def _is_function_word(word: Word) -> bool:
    from textkit.analysis import FUNCTION_WORDS

    return all(t in FUNCTION_WORDS or len(t) < 2 for t in (word.lemmas or word.terms))


def _only_negative(node: Node) -> bool:
    if isinstance(node, Not):
        return True
    if isinstance(node, And):
        return all(_only_negative(c) for c in node.children)
    if isinstance(node, Or):
        return any(_only_negative(c) for c in node.children)
    return False


def _absorb(member: Word | Phrase, leaf: Word | Phrase) -> Word | Phrase:
    # The group member the user typed also matches the typed form itself ("TE24:ssä"); the
    # other members' matches are shown as synonym matches.
    if isinstance(member, Word) and isinstance(leaf, Word) and _same_meaning(leaf, member):
        return Word(member.label, tuple(dict.fromkeys(member.terms + leaf.terms)), member.lemmas)
    if isinstance(member, Word) and not _same_meaning(leaf, member):
        return replace(member, synonym=True)
    return member


def _same_meaning(leaf: Word | Phrase, member: Word | Phrase) -> bool:
    """A query word is a synonym-group member when they share a lemma; a phrase when
    every word's lemma matches in order."""
    if isinstance(leaf, Word) and isinstance(member, Word):
        return bool(set(leaf.lemmas) & set(member.lemmas))
    if isinstance(leaf, Phrase) and isinstance(member, Phrase) and len(leaf.words) == len(member.words):
        return all(set(a.lemmas) & set(b.lemmas) for a, b in zip(leaf.words, member.words))
    return False


def _phrase_spans(leaf: Phrase, tokens: Sequence[tuple], by_pos: dict[int, int]) -> list[tuple[int, int]]:
    words = leaf.words
    out = []
    for i, tok in enumerate(tokens):
        if not word_match(words[0], tok[3], tok[4], tok[5]):
            continue
        end_tok = tok
        for k in range(1, len(words)):
            j = by_pos.get(tok[0] + k)
            if j is None or not word_match(words[k], tokens[j][3], tokens[j][4], tokens[j][5]):
                break
            end_tok = tokens[j]
        else:
            out.append((tok[1], end_tok[2]))
    return out


def _merge(spans: list[tuple[int, int, str]]) -> list[tuple[int, int, str]]:
    """Overlapping spans merged into one; it keeps the best kind (MATCH_KINDS order)."""
    merged: list[tuple[int, int, str]] = []
    rank = MATCH_KINDS.index
    for start, end, kind in sorted(spans):
        if merged and start <= merged[-1][1]:
            s0, e0, k0 = merged[-1]
            merged[-1] = (s0, max(end, e0), k0 if rank(k0) <= rank(kind) else kind)
        else:
            merged.append((start, end, kind))
    return merged
