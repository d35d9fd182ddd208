"""Finnish analysis: one object that answers "what word is this?" for search, topics and the CLI.

spaCy's blank Finnish tokenizer (with rules for the report's own tokens) cuts the text,
Voikko gives every reading of every word form, a ranking picks the best reading without
POS tags (closed-class and pronoun readings, treebank conventions, simplemma as the
tie-breaker), compound parts come from Voikko's word structure, and words Voikko does not
know get a fallback: abbreviation stems, compounds with a known head, simplemma, Finnish
case endings of names.

Everything is cached per word form, so re-analysing a large text costs little more than
tokenising it. Use the process-wide instance from `get_analyzer()`.
"""

from __future__ import annotations

import contextlib
import functools
import json
import re
import threading
import unicodedata
from array import array
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Iterator, NamedTuple

from textkit.errors import TextkitError

INSTALL_HINT = (
    "Asenna Voikko-kirjasto ja sen suomen sanasto: aja `make setup` tai Debianissa/Ubuntussa "
    "`apt-get install libvoikko1 voikko-fi` (ja `pip install libvoikko`)."
)

# Words longer than this are not words (hashes, glued URLs, extraction debris): no Voikko call.
MAX_WORD_LENGTH = 80


class Token(NamedTuple):
    """One token of an analysed text. Offsets index the input string.

    A named tuple rather than a frozen dataclass: a long text makes hundreds of thousands of
    tokens, and a tuple is made five times faster."""

    text: str
    start: int
    end: int
    lemma: str
    lemmas: tuple[str, ...]
    parts: tuple[str, ...]
    terms: tuple[str, ...]
    is_word: bool
    is_stop: bool
    known: bool
    sent: int

    def to_dict(self) -> dict[str, Any]:
        data = self._asdict()
        for key in ("lemmas", "parts", "terms"):
            data[key] = list(data[key])
        return data


@dataclass(frozen=True)
class WordAnalysis:
    """The analysis of one word form, independent of its position in a text."""

    lemma: str
    lemmas: tuple[str, ...]
    parts: tuple[str, ...]
    terms: tuple[str, ...]
    known: bool
    is_word: bool


def get_analyzer() -> "Analyzer":
    """The process-wide shared analyzer (created on first use; thread-safe)."""
    global _SHARED
    with _SHARED_LOCK:
        if _SHARED is None:
            analyzer = Analyzer()
            analyzer.check()
            _SHARED = analyzer
        return _SHARED


class Analyzer:
    """Tokeniser, sentence splitter, lemmatiser and compound splitter in one object.

    Picklable: the native Voikko handle and the spaCy tokenizer are created lazily and
    dropped when pickled (Whoosh pickles analyzers together with the index schema).
    """

    def __init__(self) -> None:
        self._nlp = None
        self._rules = None   # a RuleTokenizer from models/ (textkit.tokenize): spaCy not needed
        self._kept: dict[str, Any] | None = None   # keeping_analyses: text → its token fields
        self._cache: dict[str, WordAnalysis] = {}
        self._fields: dict[str, tuple] = {}  # per surface form: everything a Token needs but its place
        self._lock = threading.RLock()

    # -- pickling: never carry native handles or caches
    def __getstate__(self) -> dict[str, Any]:
        return {}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__init__()

    def check(self) -> None:
        """Raise TextkitError now if Voikko or its dictionary is missing."""
        _voikko()

    # -- public API
    def tokens(self, text: str) -> list[Token]:
        """All tokens of `text` (words, numbers, punctuation), with sentence indexes."""
        text = _clean_input(text)
        return [Token(text[start:end], start, end, *word[:7], sent)
                for start, end, sent, word in self.token_fields(text)]

    def token_fields(self, text: str) -> list[tuple[int, int, int, tuple]]:
        """(start, end, sentence, fields) of every token of `text`, the fields shared by all
        tokens of one surface form: (lemma, lemmas, parts, terms, is_word, is_stop, known,
        lowercased surface). What `tokens` makes its Tokens of, for callers that go through a
        whole corpus and need no Token objects."""
        text = _clean_input(text)
        kept = self._kept
        if kept is not None and text in kept:
            return self._kept_fields(text, kept)
        spans = self._token_spans(text)
        sent_of = _sentence_index(text, spans)
        out = []
        fields = self._fields
        for (start, end), sent in zip(spans, sent_of):
            surface = text[start:end]
            word = fields.get(surface)
            if word is None:
                info = self.analyze_word(surface)
                word = (info.lemma, info.lemmas, info.parts, info.terms, info.is_word,
                        is_stop_lemma(info.lemma, surface), info.known, surface.lower())
                fields[surface] = word
            out.append((start, end, sent, word))
        return out

    @contextlib.contextmanager
    def keeping_analyses(self, texts: Iterable[str]) -> Iterator[None]:
        """While the block runs, each of `texts` is tokenised and analysed once: the first
        `token_fields` (or `tokens`, `sentences`) keeps the result, compactly (about 20 bytes
        a token), and later passes over the same text reuse it. The build keeps the passages of
        sections 2–5, so the topic model reuses the index pass's analysis."""
        previous = self._kept
        self._kept = {_clean_input(t): None for t in texts}
        try:
            yield
        finally:
            self._kept = previous

    def _kept_fields(self, text: str, kept: dict) -> list[tuple[int, int, int, tuple]]:
        entry = kept[text]
        if entry is None:
            self._kept = None          # compute it the ordinary way, then keep it
            try:
                out = self.token_fields(text)
            finally:
                self._kept = kept
            kept[text] = (array("I", [v for start, end, sent, _ in out for v in (start, end, sent)]),
                          [word for *_, word in out])
            return out
        flat, words = entry
        return [(flat[3 * i], flat[3 * i + 1], flat[3 * i + 2], word) for i, word in enumerate(words)]

    def sentences(self, text: str) -> list[tuple[int, int]]:
        """Character spans (start, end) of the sentences of `text`."""
        text = _clean_input(text)
        if self._kept is not None and text in self._kept:
            kept = self.token_fields(text)
            spans = [(start, end) for start, end, _, _ in kept]
            sent_of = [sent for _, _, sent, _ in kept]
        else:
            spans = self._token_spans(text)
            sent_of = _sentence_index(text, spans)
        result: list[tuple[int, int]] = []
        for (start, end), sent in zip(spans, sent_of):
            if sent == len(result):
                result.append((start, end))
            else:
                result[-1] = (result[-1][0], end)
        return result

    def lemma(self, word: str) -> str:
        """The best lemma of one word form, lowercased ('' for an empty string)."""
        return self.analyze_word(word).lemma

    def topic_lemmas(self, text: str) -> list[str]:
        """Lemmas of the content words of `text`, in order: what topic models should count."""
        return [t.lemma for t in self.tokens(text) if t.is_word and not t.is_stop]

    def analyze_word(self, word: str) -> WordAnalysis:
        """Lemma, all readings, compound parts and index terms of one word form (cached)."""
        word = _clean_input(word).strip()
        cached = self._cache.get(word)
        if cached is not None:
            return cached
        with self._lock:
            info = _analyze_word(word)
            if len(self._cache) > 500_000:  # a bound for pathological inputs, not for normal use
                self._cache.clear()
                self._fields.clear()
            self._cache[word] = info
        return info

    def learn_from_corpus(self, texts: Iterable[str]) -> int:
        """Split unknown compounds whose modifier the corpus itself uses as a word.

        Neither Voikko nor simplemma knows "hankkeistus", so "hankkeistustyöpajojen" is one
        opaque word; but the same corpus writes "hankkeistuksen" on its own. A word the
        dictionary does not know is split into such an attested modifier and a head Voikko
        knows ("hankkeistus" + "työpaja"), so `työpajat` finds it. Only lemmas of other
        unknown words of at least six letters count as evidence: a look-alike split needs a
        real word of the corpus in front ("poliitikassa" has none). Call before indexing the
        texts; returns how many word forms were split.
        """
        forms = {m.group() for text in texts for m in _LETTER_WORD.finditer(_clean_input(text))}
        infos = {w: self.analyze_word(w) for w in sorted(forms)}
        unknown = {w: a for w, a in infos.items() if not a.known and a.is_word and not a.parts}
        attested = {a.lemma for a in unknown.values() if len(a.lemma) >= _MIN_ATTESTED and a.lemma.isalpha()}
        split = 0
        with self._lock:
            for word, info in unknown.items():
                better = _split_attested(word, attested - {info.lemma})
                if better is not None:
                    self._cache[word] = better
                    self._fields.pop(word, None)
                    split += 1
        return split

    def save_wordforms(self, path: Path) -> None:
        """Write every word form analysed so far to `path` (JSON), so that another process can
        start with the same answers instead of asking Voikko and simplemma again."""
        with self._lock:
            data = {word: [a.lemma, a.lemmas, a.parts, a.terms, a.known, a.is_word]
                    for word, a in self._cache.items()}
        Path(path).write_text(json.dumps(data, ensure_ascii=False, separators=(",", ":")), encoding="utf-8")

    def load_wordforms(self, path: Path) -> int:
        """Take the word forms saved by `save_wordforms` into the cache. The file wins over
        what this process analysed before: it holds the analyses the index was built with
        (an unknown compound is split only where the corpus attests its first part). Returns
        how many forms were new or changed; a missing or unreadable file changes nothing."""
        try:
            data = json.loads(Path(path).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return 0
        changed = 0
        with self._lock:
            for word, (lemma, lemmas, parts, terms, known, is_word) in data.items():
                info = WordAnalysis(lemma, tuple(lemmas), tuple(parts), tuple(terms), bool(known), bool(is_word))
                if self._cache.get(word) != info:
                    self._cache[word] = info
                    self._fields.pop(word, None)
                    changed += 1
        return changed

    def save_tokenizer(self, path: Path) -> None:
        """Write the rules of the spaCy tokenizer to `path`, for `load_tokenizer`."""
        from textkit.tokenize import save_rules

        save_rules(self._tokenizer(), path)

    def load_tokenizer(self, path: Path) -> bool:
        """Tokenise from now on with the rules saved by `save_tokenizer` (the same tokens as
        spaCy's tokenizer, without importing spaCy) unless spaCy is already loaded. False, and
        spaCy stays in use, if the file is missing or was written by another spaCy version."""
        from textkit.tokenize import RuleTokenizer

        if self._nlp is not None:
            return True
        rules = RuleTokenizer.load(path)
        if rules is not None:
            self._rules = rules
        return rules is not None

    # -- private
    def _token_spans(self, text: str) -> list[tuple[int, int]]:
        if not text.strip():
            return []
        if self._nlp is None and self._rules is not None:
            with self._lock:
                return self._rules.spans(text)
        from spacy.attrs import IDX, IS_SPACE, LENGTH

        nlp = self._tokenizer()
        with self._lock:  # spaCy's tokenizer cache is not meant for concurrent writers
            doc = nlp(text)
        # One array from spaCy instead of a Python Token object per token.
        return [(idx, idx + length) for idx, length, space in doc.to_array([IDX, LENGTH, IS_SPACE]).tolist()
                if not space]

    def _tokenizer(self):
        if self._nlp is None:
            with self._lock:
                if self._nlp is None:
                    self._nlp = _build_tokenizer()
        return self._nlp


# ---------------------------------------------------------------- stop words

# Finnish function words: pronouns, conjunctions, adpositions, auxiliaries and common
# adverbs, as lemmas (the tokens' lemmas are compared against this list).
FUNCTION_WORDS = frozenset(
    """
    ja sekä tai eli että kuin jos kun koska vaikka mutta vaan sillä joten jotta kuten
    ei olla voida tulla pitää täytyä saada aikoa alkaa
    minä sinä hän me te he se ne tämä tuo nämä nuo joka mikä kuka jokin joku kukin
    kumpi kumpikin itse oma muu muut jokainen kaikki mikään kukaan moni monet usea
    eräs ainoa sama toinen molemmat kaikkinainen
    myös vain jo vielä nyt sitten siten niin näin noin siis kuitenkin lisäksi esimerkiksi
    mm esim ns n ml yht max klo tms yms ym jne ko em ks vrt s t v
    hyvin paljon enemmän eniten vähän liian melko aivan erittäin yhä edelleen aina
    tällöin silloin täällä siellä tässä siinä jossa missä mihin mistä mukaan kautta
    avulla aikana jälkeen ennen yli alle kanssa ilman varten osalta osana kohti
    yhteydessä lähes noin aikaisemmin ainakin jopa varsin etenkin erityisesti
    sisällä välillä välissä lähtien asti saakka mennessä myötä vuoksi takia puolesta
    luona luokse päälle pääosin osin ollen myöskin kuitenkaan eikä eivätkä
    """.split()
)

# Report boilerplate: words that the report's form puts into nearly every theme's
# narrative. Chosen on the 2024 edition, sections 2–5: lemmas found in at least 10 of the
# 12 themes that name the report's own frame (hanke 4.6 % and teema 1.9 % of all content
# lemmas, vuosi, tavoite, valtakunnallinen: 12/12) or generic project verbs and fillers
# (kehittää, toteuttaa, järjestää, tehdä, liittyä, eri, uusi, osa: 9–12/12). Subject words
# found everywhere (yhteistyö 12/12, alueellinen 10/12) stay: they are what topics compare.
# Kept out of topics only, never out of search.
BOILERPLATE_WORDS = frozenset(
    """
    hanke teema vuosi tavoite valtakunnallinen koordinaatiohanke toiminta toimija
    toimenpide kehittää kehittäminen toteuttaa järjestää tehdä liittyä keskeinen
    erilainen eri uusi osa
    """.split()
)

STOP_WORDS = FUNCTION_WORDS | BOILERPLATE_WORDS


def is_stop_lemma(lemma: str, surface: str = "") -> bool:
    """True for function words, boilerplate, numbers and punctuation (topics only)."""
    if not lemma or not any(ch.isalpha() for ch in lemma):
        return True
    if len(lemma) < 2:
        return True
    if lemma in STOP_WORDS or lemma.rstrip(".") in STOP_WORDS:
        return True
    # Frozen forms whose dictionary lemma is a content word: "esimerkiksi" (esimerkki),
    # "lisäksi" (lisä), "avulla" (apu) are function words as they stand.
    return surface.lower().rstrip(".") in FUNCTION_WORDS


# ---------------------------------------------------------------- word analysis

_NAME_CLASSES = frozenset({"etunimi", "sukunimi", "paikannimi", "nimi"})
# Classes that do not inflect: a reading of these whose base form is the surface itself
# is the word's own reading ("kuin", "noin", "eli", "silloin").
_UNINFLECTED_CLASSES = frozenset({"sidesana", "seikkasana", "suhdesana", "kieltosana"})

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u200b-\u200d\ufeff\ud800-\udfff]")
_HAS_ALNUM = re.compile(r"[^\W_]")
_HAS_LETTER = re.compile(r"[^\W\d_]")
_NUMBER_LIKE = re.compile(r"^[+-]?\d[\d.,:/%–-]*$")
_URL_OR_MAIL = re.compile(r"^(?:https?://|www\.)|@|\(at\)", re.IGNORECASE)
_ABBREV_CASE = re.compile(r"^(?P<stem>[^:]{2,}):(?P<ending>[a-zäöå]{1,5})$", re.IGNORECASE)  # not "N:o"
_FST_BASE = re.compile(r"\[Xp\]([^\[]*)\[X\]")
_FST_DERIVATION = re.compile(r"\[Xj\]|\[T[a-z0-9]+\]|\[Xp\].*\[Xp\]")


def _clean_input(text: str) -> str:
    if not isinstance(text, str):
        text = "" if text is None else str(text)
    # Normalise to NFC so that "ä" typed as a + combining diaeresis is the same word,
    # replace control characters by spaces (keeps offsets: one char for one char).
    text = unicodedata.normalize("NFC", text)
    return _CONTROL.sub(" ", text)


def _analyze_word(word: str) -> WordAnalysis:
    if not word:
        return WordAnalysis("", (), (), (), True, False)
    lower = word.lower()
    if not _HAS_ALNUM.search(word):
        return WordAnalysis(word, (word,), (), (), True, False)
    if len(word) > MAX_WORD_LENGTH or _URL_OR_MAIL.search(word):
        return _plain(lower, known=True)  # the address itself: nothing to guess
    if _NUMBER_LIKE.match(word) or lower in _NEVER_END or lower in _MAY_END:
        return _plain(lower, known=True)

    core = word.strip("-–")
    if core != word and core:
        # "-hanke" (after "ESR+ ") and "tekoäly-" (in "tekoäly- ja robotiikka"): the word itself.
        inner = _analyze_word(core)
        return _with_surface(inner, lower)

    analyses = _voikko_analyze(word)
    if analyses:
        return _from_readings(word, analyses)

    if "-" in core:
        return _hyphenated(word)

    m = _ABBREV_CASE.match(word)
    if m:
        # "ESR+:n", "TE24:ssä": an abbreviation with a case ending after the colon.
        stem = m.group("stem").lower()
        return WordAnalysis(stem, (stem,), (), _dedupe([stem, lower]), False, True)

    if not _HAS_LETTER.search(word) or any(ch.isdigit() for ch in word) or _is_acronym(word):
        return _plain(lower, known=False)

    compound = _guess_compound(word)
    if compound is not None:
        # An unknown compound with a known head: Voikko's analysis of the head is better
        # evidence than simplemma's guess ("maahanmuuttaneiden", not "maahanmuuttane").
        return compound
    fallback = _fallback_lemma(word)
    if fallback == lower and _NAME_SHAPE.match(word):
        stem = _name_stem(lower)
        if stem != lower:
            return WordAnalysis(stem, (stem, lower), (), (stem, lower), False, True)
    return WordAnalysis(fallback, (fallback,), (), _dedupe([fallback, lower]), False, True)


def _plain(lower: str, *, known: bool) -> WordAnalysis:
    return WordAnalysis(lower, (lower,), (), (lower,), known, True)


def _with_surface(info: WordAnalysis, lower: str) -> WordAnalysis:
    return WordAnalysis(info.lemma, info.lemmas, info.parts, _dedupe([*info.terms, lower]), info.known, info.is_word)


def _is_acronym(word: str) -> bool:
    letters = [ch for ch in word if ch.isalpha()]
    return len(letters) >= 2 and sum(ch.isupper() for ch in letters) >= 2


def _hyphenated(word: str) -> WordAnalysis:
    """A hyphenated word Voikko does not know as a whole: 'TE24-uudistuksessa', 'kohtaanto-ongelman'."""
    pieces = [p for p in word.split("-") if p]
    head = _analyze_word(pieces[-1])
    modifiers = [_modifier_lemma(p) for p in pieces[:-1]]
    prefix = "-".join(p.lower() for p in pieces[:-1])
    lemma = f"{prefix}-{head.lemma}"
    parts: list[str] = []
    for lem in modifiers:
        if lem:
            parts.append(lem)
    parts.extend(head.parts or (head.lemma,))
    lemmas = _dedupe([lemma] + [f"{prefix}-{alt}" for alt in head.lemmas])
    # The head's own lemmas and runs too: "toimialat-hankehaku" must be found by "hankehaku".
    terms = _dedupe([*lemmas, *parts, *head.lemmas, *head.terms, *_hyphen_runs(pieces, head.lemma), word.lower()])
    return WordAnalysis(lemma, lemmas, _dedupe(parts), terms, head.known, True)


def _hyphen_runs(pieces: list[str], head_lemma: str) -> list[str]:
    # For three or more pieces, the contiguous runs: "a-b-c" → "a-b", "b-c".
    runs = []
    n = len(pieces)
    for i in range(n):
        for j in range(i + 1, n):
            if i == 0 and j == n - 1:
                continue
            last = head_lemma if j == n - 1 else pieces[j].lower()
            runs.append("-".join(p.lower() for p in pieces[i:j]) + "-" + last)
    return runs


def _modifier_lemma(piece: str) -> str:
    """The lemma of a hyphenated compound's first part: the part as it stands.

    Before a hyphen a modifier keeps its base form ('kohtaanto-', 'te24-', 'sote-');
    analysing it as an inflected word would turn 'Kasvupalvelu-' into nothing better.
    """
    return piece.lower()


# ---------------------------------------------------------------- readings


def _from_readings(word: str, analyses: list[dict[str, str]]) -> WordAnalysis:
    ranked = _rank_readings(word, analyses)
    if word.islower() and ranked[0].get("CLASS") not in _NAME_CLASSES:
        # A lowercase word is not a name: "sote-alan" has no reading "sote-Alan" worth indexing.
        ranked = [r for r in ranked if r.get("CLASS") not in _NAME_CLASSES]
    # Every reading proposes its dictionary lemma (Voikko's BASEFORM, lowercased) and,
    # where the treebank convention differs, a conventional one first (see _reading_lemmas).
    candidates: list[tuple[str, dict[str, str]]] = []
    for reading in ranked:
        for lem in _reading_lemmas(word, reading):
            candidates.append((lem, reading))
    lemma, best = _choose(word, ranked, candidates)
    lemmas = _dedupe([lemma, *(lem for lem, _ in candidates)])
    parts, runs = _compound_parts(word, best)
    if not parts and "-" in lemma.strip("-"):
        # Lexicalised hyphen compounds ("ELY-keskus") carry no part boundaries in Voikko.
        pieces = [p for p in lemma.split("-") if p]
        parts = _dedupe(pieces)
        runs = tuple(_hyphen_runs(pieces, pieces[-1]))
    terms = _dedupe([*lemmas, *parts, *runs, word.lower()])
    return WordAnalysis(lemma, lemmas, parts, terms, True, True)


def _choose(word: str, ranked: list[dict[str, str]], candidates: list[tuple[str, dict[str, str]]]):
    """The best (lemma, reading) among the candidates of all readings."""
    lower = word.lower()
    top = ranked[0]
    # 1. A closed-class word's own reading ("kuin", "noin", "eli", "silloin", "näin", "sillä").
    if top.get("CLASS") in _UNINFLECTED_CLASSES and top.get("BASEFORM", "").lower() == lower:
        return lower, top
    if len({lem for lem, _ in candidates}) == 1:
        return candidates[0]
    # 2. A second, frequency-informed lemmatiser breaks ties between Voikko's readings
    #    ("vuotta" → vuosi, not vuo; "voi" → voida); it adds no lemma of its own here.
    #    Pronoun readings beat open-class homographs ("niitä" is not "niittää").
    hint = _simplemma_lemma(word)
    # (only each pronoun reading's own lemma: "ne" stands for "se")
    pronouns = [(_reading_lemmas(word, r)[0], r) for r in ranked if r.get("CLASS") == "asemosana"]
    pool = pronouns or candidates
    for lem, reading in pool:
        if lem == hint:
            return lem, reading
    for lem, reading in pool:
        if lem == lower:
            return lem, reading
    return pool[0]


# Plural personal and demonstrative pronouns have the singular as lemma (UD convention):
# "me" → minä, "niitä" → se.
_PRONOUN_LEMMA = {
    "me": "minä", "te": "sinä", "he": "hän", "ne": "se", "nämä": "tämä", "nuo": "tuo",
    "mä": "minä", "sä": "sinä",  # spoken forms
}
_FST_CLITICS = re.compile(r"\[F[a-z]+\].*$")


def _reading_lemmas(word: str, reading: dict[str, str]) -> list[str]:
    """Lemmas one Voikko reading stands for, the conventional one first.

    Voikko lemmatises participles as adjectives ("olevan" → oleva), "-minen" nouns as their
    verb ("noudattaminen" → noudattaa) and "-sti" adverbs as their adjective
    ("erityisesti" → erityinen). Treebanks and readers take the verb of a participle, the
    "-minen" noun itself and the adverb itself; both lemmas are kept for search.
    """
    base = reading.get("BASEFORM", word).lower()
    cls = reading.get("CLASS", "")
    fst = reading.get("FSTOUTPUT", "")
    out: list[str] = []
    if cls == "asemosana" and base in _PRONOUN_LEMMA:
        out.append(_PRONOUN_LEMMA[base])
    elif reading.get("PARTICIPLE") and fst.startswith("[Lt]") and "[Bc]" not in fst:
        verbs = _FST_BASE.findall(fst)
        if verbs:
            out.append(verbs[0].lower())
    elif reading.get("SIJAMUOTO") == "kerrontosti" and "[Bc]" not in fst:
        out.append(_FST_CLITICS.sub("", word.lower()) if "[F" in fst else word.lower())
    elif "[Tn4]mi" in fst and "[Bc]" not in fst:
        stem = _fst_surface(fst.split("[Tn4]")[0]) + "minen"
        out.append(stem.lower())
    out.append(base)
    return out


_FST_BASE_FORMS = re.compile(r"\[X[a-z]\][^\[]*\[X\]")
_FST_TAG = re.compile(r"\[[^\]]*\]")


def _fst_surface(fst: str) -> str:
    """The surface letters of an FSTOUTPUT fragment (what follows each [X], outside tags)."""
    # [Xp]/[Xj]/[Xr]…[X] hold base forms (of the word, a derivation, a reading), not letters
    # of the surface: "[Xp]uudistaa[X]uudist[Xj]ua[X]u" is "uudistu".
    text = _FST_BASE_FORMS.sub("", fst)
    return _FST_TAG.sub("", text)


def _rank_readings(word: str, analyses: list[dict[str, str]]) -> list[dict[str, str]]:
    lower = word.lower()
    is_lower = word == lower

    def score(item: tuple[int, dict[str, str]]) -> tuple:
        order, reading = item
        cls = reading.get("CLASS", "")
        base = reading.get("BASEFORM", "").lower()
        name_penalty = 1 if (is_lower and cls in _NAME_CLASSES) else 0
        own_reading = 0 if (cls in _UNINFLECTED_CLASSES and base == lower) else 1
        compound_parts = reading.get("FSTOUTPUT", "").count("[Bc]")
        return (name_penalty, own_reading, compound_parts, order)

    return [r for _, r in sorted(enumerate(analyses), key=score)]


def _compound_parts(word: str, reading: dict[str, str]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Part lemmas of a compound reading and the lemmas of its contiguous runs of parts."""
    fst = reading.get("FSTOUTPUT", "")
    structure = reading.get("STRUCTURE", "")
    if "[Bc]" not in fst or not structure:
        return (), ()
    chunks = fst.split("[Bc]")
    surfaces = _structure_segments(word, structure)
    if len(surfaces) != len(chunks):
        # A lexicalised compound inside one chunk ("[Xp]hyvin=vointi[X]") has more
        # STRUCTURE boundaries than chunks: join its segments back into one part.
        widths = [1 + sum(b.count("=") for b in _FST_BASE.findall(c)[:1]) for c in chunks]
        if sum(widths) != len(surfaces):
            return (), ()
        merged, pos = [], 0
        for width in widths:
            merged.append("".join(surfaces[pos : pos + width]))
            pos += width
        surfaces = merged
    base = reading.get("BASEFORM", "").lower()
    prefix = "".join(s.lower() for s in surfaces[:-1])
    head = base[len(prefix):] if base.startswith(prefix) else None
    lemmas: list[str | None] = [_part_lemma(s, c) for s, c in zip(surfaces[:-1], chunks[:-1])]
    lemmas.append(head.strip("-") or None if head else None)
    parts = [p for p in lemmas if p]
    runs: list[str] = []
    n = len(surfaces)
    for i in range(n):
        for j in range(i + 1, n):
            if (i == 0 and j == n - 1) or not lemmas[j]:
                continue
            runs.append("".join(s.lower() for s in surfaces[i:j]) + lemmas[j])
    return _dedupe(parts), _dedupe(runs)


def _structure_segments(word: str, structure: str) -> list[str]:
    """Cut the surface word at the '=' boundaries of Voikko's STRUCTURE string."""
    segments: list[str] = []
    current = []
    pos = 0
    for mark in structure:
        if mark == "=":
            if current:
                segments.append("".join(current))
                current = []
            continue
        if pos >= len(word):
            return []
        current.append(word[pos])
        pos += 1
    if current:
        segments.append("".join(current))
    return segments if pos == len(word) else []


def _part_lemma(surface: str, chunk: str) -> str | None:
    """Lemma of a non-final compound part ('lasten' → lapsi, 'kehittämis' → kehittäminen)."""
    seg = surface.strip("-").lower()
    if not seg:
        return None
    for reading in _voikko_analyze(seg):
        if reading.get("BASEFORM", "").lower() == seg:
            return seg
    bases = _FST_BASE.findall(chunk)
    if chunk and not _FST_DERIVATION.search(chunk):
        # Voikko writes some prefixes without a base form ("[Lp]keski[De]-" in Keski-Suomi).
        return bases[0].lower() if bases else seg
    if seg.endswith("s"):
        # The compound stem of -nen words: "kehittämis-" → kehittäminen, "ihmis-" → ihminen.
        candidate = seg[:-1] + "nen"
        if _voikko_analyze(candidate):
            return candidate
    return None


# ---------------------------------------------------------------- fallback for unknown words


def _guess_compound(word: str) -> WordAnalysis | None:
    """An unknown compound whose head Voikko knows: 'työhönvalmentajalle' → työhönvalmentaja.

    The longest known head wins; the modifier must be a word form Voikko knows and the
    head a simple (non-compound) word of at least five letters: shorter or compound heads
    ("anto" in "kohtaannon", "antotyö" in "kohtaantotyön") are too often accidental.
    Abbreviations and words with inner capitals are not split.
    """
    if not word.isalpha() or not (word.islower() or word[1:].islower()) or len(word) < 7:
        return None
    lower = word.lower()
    for i in range(3, len(lower) - 3):
        modifier, head = lower[:i], lower[i:]
        if not any(r.get("CLASS") not in _NAME_CLASSES | {"lyhenne"} for r in _voikko_analyze(head)):
            continue
        modifier_readings = _voikko_analyze(modifier)
        if modifier_readings:
            break
    else:
        return None
    head_info = _analyze_word(head)
    if not head_info.known or len(head_info.lemma) < 5 or head_info.parts:
        return None
    # The modifier as it stands if that is a base form, else its own lemma ("työhön" → työ).
    bases = [r.get("BASEFORM", "").lower() for r in modifier_readings]
    modifier_lemma = modifier if modifier in bases else (bases[0] or modifier)
    lemma = modifier + head_info.lemma
    parts = _dedupe([modifier_lemma, head_info.lemma])
    lemmas = _dedupe([lemma, *(modifier + alt for alt in head_info.lemmas)])
    terms = _dedupe([*lemmas, *parts, lower])
    return WordAnalysis(lemma, lemmas, parts, terms, False, True)


_LETTER_WORD = re.compile(r"[^\W\d_]{7,}")
_MIN_ATTESTED = 6   # letters of a corpus word that may serve as a compound's modifier


def _split_attested(word: str, attested: set[str]) -> WordAnalysis | None:
    """`word` as modifier + head, where the modifier is one of the `attested` lemmas and the
    head a word form Voikko knows of at least five letters (it may be a compound itself:
    "hankkeistus" + "työpajojen"). The longest modifier wins. None if there is no such split.

    A shorter head ("työn") is accepted where Voikko itself reads the word as a chain of
    parts with a boundary at the same place ("kohta" + "anto" + "työn"): the attested word
    then wins over a reading into several unrelated parts ("kohtaantotyön" → kohtaanto + työ)."""
    if not word.isalpha() or not (word.islower() or word[1:].islower()):
        return None
    lower = word.lower()
    for i in range(len(lower) - _MIN_CHAIN_HEAD, _MIN_ATTESTED - 1, -1):
        modifier, head = lower[:i], lower[i:]
        if modifier not in attested:
            continue
        if not any(r.get("CLASS") not in _NAME_CLASSES | {"lyhenne"} for r in _voikko_analyze(head)):
            continue
        head_info = _analyze_word(head)
        if not head_info.known:
            continue
        if len(head_info.lemma) < 5 and not (len(head) >= _MIN_CHAIN_HEAD and _chain_boundary(lower, i)):
            continue
        lemmas = _dedupe(modifier + alt for alt in head_info.lemmas)
        head_terms = [t for t in head_info.terms if t != head]
        parts = _dedupe([modifier, *(head_info.parts or (head_info.lemma,))])
        terms = _dedupe([*lemmas, modifier, *head_terms, lower])
        return WordAnalysis(lemmas[0], lemmas, parts, terms, False, True)
    return None


_MIN_CHAIN_HEAD = 3   # letters of a head after an attested modifier where Voikko has a boundary


def _chain_boundary(lower: str, at: int) -> bool:
    """Does Voikko read `lower` as a chain of parts with a part boundary at `at`: the whole
    word, or a word form it knows followed by a compound it knows ("kohta" + "anto|työn")?"""
    for start in range(0, at - 2):
        if start and not _voikko_analyze(lower[:start]):
            continue
        for reading in _voikko_analyze(lower[start:]):
            if "[Bc]" not in reading.get("FSTOUTPUT", ""):
                continue
            cut = start
            for segment in _structure_segments(lower[start:], reading.get("STRUCTURE", ""))[:-1]:
                cut += len(segment)
                if cut == at:
                    return True
    return False


# Case endings of names the dictionary does not know, longest first. Consonant-final
# foreign names take a linking "i" ("Carterin", "Schipholissa"); vowel-final names take the
# ending directly ("Eviran", "Arcadassa", "Omniaan"). Nominative-looking endings ("-ia",
# a lone "-a"; "-on", "-en", "-ain" as in Clinton, Piepponen, Karmen, Mountain) are left
# alone: "Omnia", "Spesia" and "Clinton" are names as they stand.
_NAME_ENDINGS = re.compile(
    r"^(?P<stem>.{2,}?[bcdfghjklmnpqrstvwxz])i(?:ssa|ssä|sta|stä|lla|llä|lta|ltä|lle|ksi|in|n)$"
    r"|^(?P<istem>.{2,}?(?P<v>[aeiouyäö]))(?P=v)n$"
    r"|^(?P<vstem>.{2,}?[aeiouyäö])(?:ssa|ssä|sta|stä|lla|llä|lta|ltä|lle|ksi)$"
    r"|^(?P<nstem>.{2,}?(?:[auyäö]|[^aeiouyäö]i))n$"
)
_NAME_SHAPE = re.compile(r"^[A-ZÅÄÖÜ][a-zåäöüéèáàíóúñç]+$")


def _name_stem(lower: str) -> str:
    """The nominative of an inflected unknown name ('carterin' → carter), or the word."""
    m = _NAME_ENDINGS.match(lower)
    if not m:
        return lower
    return m.group("stem") or m.group("vstem") or m.group("istem") or m.group("nstem")


def _simplemma_lemma(word: str) -> str:
    """simplemma's lemma (lowercased), '' if it has none or is unavailable."""
    try:
        lemmatizer, _ = _simplemma()
        return lemmatizer.lemmatize(word, "fi").lower()
    except Exception:  # simplemma's data missing or broken: no hint
        return ""


@functools.lru_cache(maxsize=1)
def _simplemma():
    """simplemma's lemmatizer and its dictionary lookup for Finnish, over the dictionary kept
    as an on-disk trie (marisa-trie) in the user's cache folder.

    simplemma's default in-memory dictionary takes about 5 s to decode in every new process;
    the trie is built once per machine (about 7 s) and then opened in milliseconds, so a
    build, a CLI search or the app that meets a word Voikko does not know no longer waits.
    Same dictionary, same answers. Where the cache folder cannot be written, simplemma keeps
    the trie in memory (built in every process, as slow as before, still correct)."""
    from simplemma import Lemmatizer
    from simplemma.strategies import DefaultStrategy, DictionaryLookupStrategy
    from simplemma.strategies.dictionaries.trie_dictionary_factory import TrieDictionaryFactory

    factory = TrieDictionaryFactory()
    return Lemmatizer(lemmatization_strategy=DefaultStrategy(dictionary_factory=factory)), \
        DictionaryLookupStrategy(factory)


def warm_simplemma() -> None:
    """Build simplemma's on-disk dictionary trie now if this machine has none (setup)."""
    _simplemma_knows("kissa")


def _fallback_lemma(word: str) -> str:
    """Lemma of a word Voikko does not know: simplemma's, where it is trustworthy.

    A word in simplemma's dictionary gets its lemma ('kohtaannon' → kohtaanto). Otherwise
    simplemma only strips endings by rule, which mangles names ('Tuimala' → tuima) and
    compounds ('kohtaantotyön' → kohtaanto): such a guess is kept only for lowercase words,
    only if it shares the word's stem and removes at most three letters.
    """
    lower = word.lower()
    guess = _simplemma_lemma(lower) or lower
    if guess == lower or not guess.isalpha() or len(guess) > len(lower) + 2:
        return lower  # no guess, or an abbreviation's expansion ("pl" → pullo)
    if _simplemma_knows(lower):
        return guess
    if not word.islower():
        return lower
    stem = guess[: max(2, len(guess) - 2)]
    if not lower.startswith(stem) or len(lower) - len(guess) > 3:
        return lower
    return guess


def _simplemma_knows(word: str) -> bool:
    """Is `word` in simplemma's dictionary (not a guess by rule)?"""
    try:
        _, lookup = _simplemma()
        return lookup.get_lemma(unicodedata.normalize("NFC", word), "fi") is not None
    except Exception:  # simplemma's data missing or broken
        return False


# ---------------------------------------------------------------- tokenizer and sentences

# Abbreviations after which a sentence never ends.
_NEVER_END = frozenset(
    "mm. esim. ns. n. ml. max. yht. klo vrt. ks. s. ko. em. ts. nk. puh. os. t. v. p. ca. noin. tel. "
    "huom. lk. kpl. milj. mrd. prof. dos. tri. ym.".split()
)
# Abbreviations that may end a sentence: a boundary only if the next word is capitalised.
_MAY_END = frozenset("jne. yms. tms. e. ry. oy. ab. mrd. eur.".split())
_EXTRA_SPECIAL = ["max.", "klo", "nk.", "mrd.", "tel.", "vs.", "kpl.", "ca.", "huom.", "lk.", "tri.", "dos."]
# "4.3." (a measure number or a date without year) stays one token, never a sentence end.
_SHORT_DATE = re.compile(r"^\d{1,2}\.\d{1,2}\.$")
_EMAIL_AT = re.compile(r"^[\w.+-]+(?:@|\(at\)|\[at\])[\w-]+(?:\.[\w-]+)+$", re.IGNORECASE)
_PARAGRAPH_BREAK = re.compile(r"\n[ \t\r\f\v]*\n")
_SENTENCE_END = frozenset({".", "!", "?", "…", "!?", "?!", "..."})
_OPENERS = frozenset('"”“«(-–[')


def _build_tokenizer():
    try:
        import spacy
        from spacy.symbols import ORTH
    except ImportError as exc:  # pragma: no cover - the venv always has spaCy
        raise TextkitError(f"spaCy ei ole asennettu ({exc}). Aja `make setup`.") from exc
    nlp = spacy.blank("fi")
    tokenizer = nlp.tokenizer
    for abbrev in _EXTRA_SPECIAL:
        tokenizer.add_special_case(abbrev, [{ORTH: abbrev}])
        cap = abbrev[0].upper() + abbrev[1:]
        tokenizer.add_special_case(cap, [{ORTH: cap}])
    original = tokenizer.token_match
    ours = re.compile(f"(?:{_EMAIL_AT.pattern})|(?:{_SHORT_DATE.pattern})", re.IGNORECASE).match
    if original is None:
        tokenizer.token_match = ours  # a C-level match: the tokenizer calls it for every chunk
    else:
        tokenizer.token_match = lambda text: ours(text) or original(text)
    return tokenizer


def _sentence_index(text: str, spans: list[tuple[int, int]]) -> list[int]:
    """Sentence number of every token span (0-based)."""
    result: list[int] = []
    sent = 0
    prev_end = -1
    for i, (start, end) in enumerate(spans):
        if i > 0:
            # A blank line ends a heading or paragraph, but in double-spaced extraction it
            # also falls inside sentences: a lowercase next word continues the sentence.
            gap = text[prev_end:start]
            paragraph = ("\n" in gap and _PARAGRAPH_BREAK.search(gap)
                         and not (text[start].islower() and not _URL_OR_MAIL.search(text[start:end])))
            if paragraph or (text[prev_end - 1] in _MAY_END_SENTENCE and _ends_sentence(text, spans, i - 1)):
                sent += 1
        result.append(sent)
        prev_end = end
    return result


# The last character of every token that may end a sentence (see _ends_sentence).
_MAY_END_SENTENCE = frozenset(".!?…")


def _ends_sentence(text: str, spans: list[tuple[int, int]], i: int) -> bool:
    tok = text[spans[i][0] : spans[i][1]]
    nxt = text[spans[i + 1][0] : spans[i + 1][1]] if i + 1 < len(spans) else ""
    low = tok.lower()
    if low in _NEVER_END:
        return False
    starts_upper = bool(nxt) and (nxt[0].isupper() or nxt[0] in _OPENERS)
    if low in _MAY_END:
        return starts_upper and nxt[0].isupper()
    if tok in _SENTENCE_END or (len(tok) > 1 and tok[-1] in "!?" and not tok[-2].isalnum()):
        if tok == "." and i > 0:
            prev = text[spans[i - 1][0] : spans[i - 1][1]]
            # "klo 12. ja", "4. kohta": a number before a lone period ends a sentence
            # only if the next word is capitalised.
            if prev[:1].isdigit():
                return bool(nxt) and nxt[0].isupper()
        return starts_upper or not nxt[:1].isalpha()
    return False


# ---------------------------------------------------------------- Voikko


_VOIKKO = None
_VOIKKO_LOCK = threading.Lock()
_ANALYZE_LOCK = threading.Lock()
_SHARED: Analyzer | None = None
_SHARED_LOCK = threading.Lock()


def word_class(lemma: str) -> str:
    """Voikko's word class (CLASS) of a lemma as a base form: "nimisana", "teonsana",
    "laatusana", …; "" when Voikko has no reading whose base form is the lemma (cached).

    A "-sti" adverb is its own lemma (`_reading_lemmas`: "aktiivisesti", "laajasti"), but
    Voikko reads it as its adjective in the manner case (SIJAMUOTO "kerrontosti"): such a
    lemma is an adverb, "seikkasana", like the adverbs Voikko lists as base forms."""
    cached = _WORD_CLASS.get(lemma)
    if cached is None:
        readings = _voikko_analyze(lemma)
        cached = next((r.get("CLASS", "") for r in readings if r.get("BASEFORM", "").lower() == lemma.lower()), "")
        if not cached and any(r.get("SIJAMUOTO") == "kerrontosti" for r in readings):
            cached = "seikkasana"
        _WORD_CLASS[lemma] = cached
    return cached


_WORD_CLASS: dict[str, str] = {}


def _voikko():
    """The native Voikko handle (one per process, created on first use)."""
    global _VOIKKO
    if _VOIKKO is None:
        with _VOIKKO_LOCK:
            if _VOIKKO is None:
                try:
                    import libvoikko
                except ImportError as exc:
                    raise TextkitError(f"Python-pakettia libvoikko ei ole asennettu ({exc}). {INSTALL_HINT}") from exc
                try:
                    _VOIKKO = libvoikko.Voikko("fi")
                except (OSError, libvoikko.VoikkoException) as exc:
                    raise TextkitError(
                        f"Voikko-kirjastoa tai sen suomen sanastoa ei voitu ladata ({exc}). {INSTALL_HINT}"
                    ) from exc
    return _VOIKKO


def _voikko_analyze(word: str) -> list[dict[str, str]]:
    if not word or len(word) > MAX_WORD_LENGTH:
        return []
    voikko = _voikko()
    try:
        with _ANALYZE_LOCK:  # libvoikko handles are not thread-safe
            return voikko.analyze(word)
    except TextkitError:
        raise
    except Exception:  # Voikko refuses odd input (e.g. unpaired surrogates): no readings
        return []


def _dedupe(items: Iterable[str]) -> tuple[str, ...]:
    seen: set[str] = set()
    out = []
    for item in items:
        if item and item not in seen:
            seen.add(item)
            out.append(item)
    return tuple(out)
