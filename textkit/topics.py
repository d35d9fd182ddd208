"""Topics: which subjects recur across the themes, sections, editions and referenced years.

Documents are the passages of sections 2–5, lemmatised once by the shared
analyser into lemma strings (stop words and report boilerplate out; a
compound is its own lemma plus its head part, so "rahoitushaku",
"alahankehaku" and "hankehaku" all also say "haku"). `TopicModel` follows the
scikit-learn conventions: settings in `__init__`, `fit` returns self, learned
state ends in `_`, randomness through `random_state`.

Each theme has its own vocabulary, so plain TF-IDF clustering rediscovers the
twelve themes. The model therefore damps every term by how evenly it spreads
over the themes (normalised entropy of its per-theme document rate, raised to
`theme_damping`): a term used in one theme only gets weight 0, a term every
theme uses keeps its weight. What is left are the subjects that cut across
themes (calls for proposals, communication, events, evaluation, TE24 …).
The choice of NMF, the damping and the default k are measured by
`bench/topics_quality.py`; see the README.

`build_topics` fits the model (called by `textkit.build.build_models`) and
writes `TOPICS_FILE` and `DOCUMENTS_FILE` into the models folder;
`load_topics` reads them back lazily; `topics(k=…)` refits on the fly.
"""

from __future__ import annotations

import dataclasses
import json
import math
import os
import tempfile
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Iterable, Mapping, Sequence

from textkit import paths
from textkit.errors import TextkitError
from textkit.parse import NARRATIVE_SECTIONS
from textkit.progress import ProgressFn, add_stage_time, scaled_progress
from textkit.types import to_dict

TOPICS_FILE = "topics.json"            # the fitted model's result: topics, tables, assignments
DOCUMENTS_FILE = "topic-documents.json"  # the lemmatised passages, so refits and comparisons skip the analyser
SCHEMA_VERSION = 2                     # 2: sentence units and their features

TOPIC_SECTIONS = NARRATIVE_SECTIONS    # topics come from the narrative sections only
DEFAULT_K = 14                         # chosen with the damping by bench/topics_quality.py --sweep (README)
DEFAULT_METHOD = "nmf"
DEFAULT_THEME_DAMPING = 0.25           # chosen by bench/topics_quality.py --sweep (see README)
MIN_K = 2
MAX_K = 40
N_TOP_TERMS = 10
N_LABEL_TERMS = 3
N_PASSAGES = 5
PRESENCE_SHARE = 0.05                  # a topic is present in a theme/edition when ≥5 % of its text is that topic
RECURRING_THEMES = 4                   # present in at least this many themes (a third) → recurring
MIN_PASSAGE_TERMS = 12                 # representative passages: prefer ones with at least this many content words
MIN_YEAR_SENTENCES = 5                 # by_year lists a year only when at least this many sentences speak of it
MIN_DOCS_PER_TOPIC = 3                 # a corpus needs at least k × 3 passages for k topics

# Features (see lemmatise_passages): every feature is a word or phrase that stands on its own.
MIN_TERM_PASSAGES = 2                  # a lemma is a feature when it is a word of its own in ≥ 2 passages
HEAD_OWN_SHARE = 0.5                   # a compound head counts only if used on its own ≥ half as often
MIN_PHRASE_PASSAGES = 3                # a two-word phrase recurs in ≥ 3 passages …
PHRASE_SHARE = 0.3                     # … and is ≥ 30 % of the uses of its rarer word
FIXED_FORM_SHARE = 0.8                 # a phrase's first word keeps its printed form when it is this fixed
PHRASE_JOINER = "_"                    # inside feature names; shown as a space
LEXICALISED_FILE = "lexicalised.toml"  # corpus/: compounds whose head is no feature of its own (if present);
                                       # in the corpus fingerprint (corpus.MODEL_INPUT_FILES): an edit rebuilds
DEFAULT_CONTEXT = 0.75                 # weight of the next sentence in a sentence's unit (sweep) …
DEFAULT_REACH = 2                      # … context² for the one after it; no further
# The topics are fitted on those windows, then each sentence is placed by its own words plus
# ASSIGN_CONTEXT × its next sentence's (its mix refitted against the fitted topics): a window
# finds coherent topics, but a neighbouring sentence is often about something else (sweep).
DEFAULT_ASSIGN_CONTEXT = 0.25
ASSIGN_REACH = 1
DEFAULT_IDF_UNIT = "passage"           # a term's idf counts the passages that use it, not the sentences (sweep)
# Subjects are named by nouns: other word classes of the lemma (Voikko's CLASS) weigh less in the
# model. Phrases, names and words Voikko does not know keep weight 1.
CLASS_WEIGHTS = {"teonsana": 0.5, "laatusana": 0.5, "nimisana_laatusana": 0.5, "seikkasana": 0.0,
                 "lukusana": 0.0, "asemosana": 0.0}

# The report's own frame, not subjects: every theme reports what it did and what it plans for
# the next period, so planning words and the time words of that frame follow the section
# template, not the subject (suunnitella in 9 of 12 themes, seuraava 6, hankesuunnitelma 4 in
# 2024). Chosen by reading the 2024 edition; left out of topic features only, never out of
# search. The analyser's BOILERPLATE_WORDS (hanke, teema, vuosi, …) are out already.
REPORT_FRAME_WORDS = frozenset(
    """
    suunnitella suunnitelma hankesuunnitelma suunnittelu seuraava tuleva jatkaa jatko
    alku loppu kevät syksy
    """.split()
)


# ---------------------------------------------------------------- records


@dataclass(frozen=True)
class TopicDocument:
    """One passage of sections 2–5 as the topic model and the comparisons see it.

    The topic model's unit is the sentence: `sentence_terms[i]` are the features of the
    sentence at `sentence_spans[i]` (whole-word lemmas, meaningful compound heads and
    recurring two-word phrases, see `lemmatise_passages`). `lemmas` and `heads` are the
    whole passage's, for the comparisons (keyness, diff)."""

    passage_id: str
    edition: int
    theme_id: str
    section: int
    lemmas: str                          # content lemmas in text order, space separated
    heads: str                           # head parts of the compounds among them (meaningful heads only)
    sentence_years: tuple[tuple[int, ...], ...]  # referenced years of each sentence
    text: str
    sentence_spans: tuple[tuple[int, int], ...] = ()   # character spans of the sentences in `text`
    sentence_terms: tuple[str, ...] = ()               # the topic features of each sentence

    @property
    def terms(self) -> str:
        """All topic features of the passage (its sentences' features together)."""
        return " ".join(t for t in self.sentence_terms if t)

    def sentence_text(self, i: int) -> str:
        start, end = self.sentence_spans[i]
        return " ".join(self.text[start:end].split())


@dataclass(frozen=True)
class TopicPassage:
    passage_id: str
    edition: int
    theme_id: str
    section: int
    weight: float                        # the topic's share of the passage
    text: str


@dataclass(frozen=True)
class Topic:
    id: int
    label: str                           # top lemmas (base forms), e.g. "hankehaku, haku, rahoitus"
    terms: tuple[tuple[str, float], ...]  # (lemma, weight), strongest first
    passages: tuple[TopicPassage, ...]   # most representative passages
    by_theme: Mapping[str, float]        # share of each theme's text that is this topic
    by_section: Mapping[str, float]      # … of each section's text (2 = done, 4 = planned)
    by_edition: Mapping[str, float]      # … of each edition's text
    by_year: Mapping[str, float]         # … of the sentences that speak of each year (≥ MIN_YEAR_SENTENCES)
    themes_present: int                  # themes where the share is ≥ PRESENCE_SHARE
    editions_present: int
    recurring: bool                      # in ≥ RECURRING_THEMES themes or in several editions
    spread: float                        # effective number of themes (exp of entropy of by_theme)
    name: str = ""                       # the user's name for it (models/topic-names.json), "" if none
    new: bool = False                    # no match in the previous model when refitted (textkit.topics.align_topics)


@dataclass(frozen=True)
class Assignment:
    passage_id: str
    edition: int
    theme_id: str
    section: int
    topic: int | None                    # dominant topic, None if the passage has no modelled term
    weight: float                        # its share of the passage


@dataclass(frozen=True)
class TopicsResult:
    method: str
    k: int
    topics: tuple[Topic, ...]
    assignments: tuple[Assignment, ...]
    settings: Mapping[str, Any] = field(default_factory=dict)
    doc_topics: Mapping[str, tuple[float, ...]] = field(default_factory=dict, repr=False)  # per passage, not in JSON
    # per passage, the mix of each of its sentences (() for a sentence without features); not in JSON
    sentence_topics: Mapping[str, tuple[tuple[float, ...], ...]] = field(default_factory=dict, repr=False)
    stored: bool = False                 # read from models/ (False: fitted on the fly)

    def to_json(self) -> dict[str, Any]:
        """The CLI's JSON shape (the issue's keys first, then the extras)."""
        # (to_dict of only the fields kept: the per-passage mixes are large)
        return {f.name: to_dict(getattr(self, f.name)) for f in dataclasses.fields(self)
                if f.name not in ("doc_topics", "sentence_topics", "stored")}

    def topic_mix(self, passage_ids: Iterable[str]) -> list[float]:
        """Average topic distribution over some passages (e.g. a theme of an edition)."""
        rows = [self.doc_topics[p] for p in passage_ids if p in self.doc_topics]
        if not rows:
            return [0.0] * self.k
        return [sum(col) / len(rows) for col in zip(*rows)]


# ---------------------------------------------------------------- public functions


def topics(k: int | None = None, *, models_dir: Path | None = None, corpus_dir: Path | None = None,
           progress: ProgressFn | None = None) -> TopicsResult:
    """The topics for `textkit topics`: the stored model, or a refit when `k` differs from it.

    Without a stored model (no `textkit build` yet) the model is fitted on the fly.
    """
    from textkit.topic_names import apply_names

    _check_k(k)
    stored = _load_result_or_none(models_dir)
    if stored is not None and (k is None or k == stored.k) and _is_current(stored, corpus_dir):
        return apply_names(stored, models_dir)
    documents = load_documents(models_dir=models_dir, corpus_dir=corpus_dir, progress=progress)
    return apply_names(fit_topics(documents, k=k or DEFAULT_K, fingerprint=_fingerprint_or_none(corpus_dir)),
                       models_dir)


def fit_topics(documents: Sequence[TopicDocument], *, k: int = DEFAULT_K, method: str = DEFAULT_METHOD,
               theme_damping: float = DEFAULT_THEME_DAMPING, context: float = DEFAULT_CONTEXT,
               random_state: int = 0, fingerprint: str | None = None) -> TopicsResult:
    """Fit a topic model on the sentences of the lemmatised passages and tabulate it."""
    _check_k(k)
    if len(documents) < k * MIN_DOCS_PER_TOPIC:
        raise TextkitError(
            f"Aineisto on liian pieni {k} aiheelle: {len(documents)} kappaletta osioissa 2–5, "
            f"tarvitaan vähintään {k * MIN_DOCS_PER_TOPIC} (3 kappaletta aihetta kohden). "
            f"Valitse pienempi --k (enintään {max(MIN_K, len(documents) // MIN_DOCS_PER_TOPIC)})."
        )
    units = sentence_units(documents)
    model = TopicModel(n_topics=k, method=method, theme_damping=theme_damping, context=context,
                       random_state=random_state)
    model.fit([documents[d].sentence_terms[i] for d, i in units], [documents[d].theme_id for d, _ in units],
              groups=[d for d, _ in units])
    return _tabulate(model, documents, units, fingerprint=fingerprint)


def sentence_units(documents: Sequence[TopicDocument]) -> list[tuple[int, int]]:
    """The topic model's units: (document index, sentence index) of every sentence with features."""
    return [(d, i) for d, doc in enumerate(documents) for i, terms in enumerate(doc.sentence_terms) if terms]


MATCH_MIN_SIMILARITY = 0.3   # cosine of top-term vectors below which a topic counts as new


def align_topics(result: TopicsResult, previous: TopicsResult, *,
                 min_similarity: float = MATCH_MIN_SIMILARITY) -> TopicsResult:
    """`result` with its topics renumbered to keep the identity of the `previous` model's topics.

    Each new topic is matched one-to-one to a previous topic by the cosine similarity of their
    top-term weight vectors (Hungarian matching, scipy's linear_sum_assignment). A matched
    topic takes the previous topic's id (its position in every share table) and label; an
    unmatched one gets a free id and `new=True`. Previous topics without a match are kept in
    `settings["disappeared"]` (with those of earlier refits). The fit itself is not seeded from
    the previous model, so a model still depends on the corpus alone, not on the build history."""
    import numpy as np
    from scipy.optimize import linear_sum_assignment

    k = result.k
    sim = np.array([[_term_cosine(new.terms, old.terms) for old in previous.topics] for new in result.topics])
    rows, cols = linear_sum_assignment(-sim) if sim.size else ((), ())
    matched = {int(r): previous.topics[int(c)] for r, c in zip(rows, cols)
               if sim[r, c] >= min_similarity and previous.topics[int(c)].id < k}
    free = iter(sorted(set(range(k)) - {old.id for old in matched.values()}))
    new_id = {t: (matched[t].id if t in matched else next(free)) for t in range(k)}
    order = sorted(range(k), key=new_id.get)            # order[new position] = old position

    def permute(row):
        return tuple(row[o] for o in order) if len(row) == k else row

    topics_ = tuple(
        replace(result.topics[o], id=new_id[o], label=matched[o].label if o in matched else result.topics[o].label,
                new=o not in matched, name="")
        for o in order
    )
    kept = {old.id for old in matched.values()}
    gone = [{"id": old.id, "label": old.label, "terms": [term for term, _ in old.terms],
             "last_fingerprint": previous.settings.get("fingerprint")}
            for old in previous.topics if old.id not in kept]
    earlier = [g for g in previous.settings.get("disappeared", ()) if isinstance(g, dict)]
    settings = {**result.settings, "disappeared": earlier + gone,
                "identity": {"matched": len(matched), "new": k - len(matched), "previous": len(previous.topics)}}
    assignments = tuple(replace(a, topic=new_id[a.topic]) if a.topic is not None else a for a in result.assignments)
    return replace(
        result, topics=topics_, assignments=assignments, settings=settings,
        doc_topics={pid: permute(row) for pid, row in result.doc_topics.items()},
        sentence_topics={pid: tuple(permute(r) for r in rows_) for pid, rows_ in result.sentence_topics.items()},
    )


def _term_cosine(a: Sequence[tuple[str, float]], b: Sequence[tuple[str, float]]) -> float:
    wa, wb = dict(a), dict(b)
    dot = sum(w * wb[t] for t, w in wa.items() if t in wb)
    norm = math.sqrt(sum(w * w for w in wa.values()) * sum(w * w for w in wb.values()))
    return dot / norm if norm else 0.0


def build_topics(editions: Sequence[Any], target_dir: Path, progress: ProgressFn | None = None,
                 *, k: int = DEFAULT_K, previous_dir: Path | None = None) -> TopicsResult:
    """Lemmatise and fit, then write `TOPICS_FILE` and `DOCUMENTS_FILE` into `target_dir`.

    `textkit.build.build_models` calls this with its temporary models folder, which it
    renames into place, so a failed build leaves the previous model usable.
    """
    target_dir = Path(target_dir)
    target_dir.mkdir(parents=True, exist_ok=True)
    fingerprint = _fingerprint_or_none()
    clock = time.process_time()
    documents = lemmatise_passages(editions, progress=scaled_progress(progress, 0.0, 0.8))
    add_stage_time("topic documents", clock)
    if progress:
        progress(0.8, "Aihemallin sovitus")
    result = fit_topics(documents, k=k, fingerprint=fingerprint)
    # Topics that survive a refit (a new edition, a changed parser) keep their id and label.
    previous = _load_result_or_none(previous_dir) if previous_dir is not None else None
    if previous is not None:
        result = align_topics(result, previous)
    _write_json_atomic(target_dir / DOCUMENTS_FILE, {
        "schema": SCHEMA_VERSION,
        "fingerprint": fingerprint,
        "documents": [_document_dict(d) for d in documents],
    })
    _write_json_atomic(target_dir / TOPICS_FILE, {
        "schema": SCHEMA_VERSION,
        "fingerprint": fingerprint,
        "result": result.to_json(),
        "doc_topics": {pid: list(row) for pid, row in result.doc_topics.items()},
        "sentence_topics": {pid: [list(r) for r in rows] for pid, rows in result.sentence_topics.items()},
    })
    _CACHE.clear()
    if progress:
        progress(1.0, "Aihemalli valmis")
    return result


def load_topics(models_dir: Path | None = None) -> TopicsResult:
    """The stored topic model (read once per file version, then cached)."""
    result = _load_result_or_none(models_dir)
    if result is None:
        folder = paths.models_dir(models_dir)
        raise TextkitError(f"Aihemallia ei löydy ({folder / TOPICS_FILE}). Aja ensin `textkit build`.")
    from textkit.topic_names import apply_names

    return apply_names(result, models_dir)


def load_documents(*, models_dir: Path | None = None, corpus_dir: Path | None = None,
                   progress: ProgressFn | None = None) -> list[TopicDocument]:
    """The lemmatised passages: from models/ when current, otherwise from the corpus via the analyser."""
    path = paths.models_dir(models_dir) / DOCUMENTS_FILE
    fingerprint = _fingerprint_or_none(corpus_dir)
    data = _read_json_cached(path)
    if data is not None and data.get("schema") == SCHEMA_VERSION and \
            (data.get("fingerprint") is None or data.get("fingerprint") == fingerprint):
        return [_document_from_dict(d) for d in data["documents"]]
    # No current stored documents: lemmatise the corpus, once per process and corpus version.
    key = (str(corpus_dir), fingerprint)
    if fingerprint is None or key not in _DOCUMENTS_MEMO:
        from textkit.corpus import load_editions

        _DOCUMENTS_MEMO[key] = lemmatise_passages(load_editions(corpus_dir), progress=progress, corpus_dir=corpus_dir)
    return list(_DOCUMENTS_MEMO[key])


def excerpt_topics(excerpts: Sequence[Any], *, models_dir: Path | None = None) -> list[str]:
    """Per excerpt, the name of its topic in the stored model: the user's name when the topic
    was renamed (models/topic-names.json), else its label; "" when there is no built model or
    the excerpt is not in the topic sections (6–7) or its sentences have no modelled words.

    An excerpt is found in the model's passages by its passage id, or (its id may have changed
    with a rebuild) by edition, theme, section and text; an excerpt of chosen sentences gets
    the topic of those sentences' mix, a whole passage its passage's mix."""
    try:
        result = load_topics(models_dir)
    except TextkitError:
        return [""] * len(excerpts)
    data = _read_json_cached(paths.models_dir(models_dir) / DOCUMENTS_FILE) or {}
    documents = data.get("documents", []) if data.get("schema") == SCHEMA_VERSION else []
    by_id = {d["passage_id"]: d for d in documents}
    by_place: dict[tuple[int, str, int], list[dict[str, Any]]] = defaultdict(list)
    for d in documents:
        by_place[(d["edition"], d["theme_id"], d["section"])].append(d)
    names = {t.id: t.name or t.label for t in result.topics}
    out = []
    for excerpt in excerpts:
        wanted = _squeeze(excerpt.text)
        candidates = [by_id.get(excerpt.passage_id)] + by_place.get(
            (int(excerpt.edition), excerpt.theme_id, int(excerpt.section)), [])
        doc = next((d for d in candidates if d and wanted and wanted in _squeeze(d["text"])), None)
        topic = _excerpt_topic(result, doc, wanted) if doc is not None else None
        out.append(names.get(topic, "") if topic is not None else "")
    return out


def _excerpt_topic(result: TopicsResult, doc: dict[str, Any], wanted: str) -> int | None:
    """The dominant topic of the sentences of `doc` that the excerpt text quotes (all of them
    when it quotes the whole passage)."""
    rows = result.sentence_topics.get(doc["passage_id"], ())
    text = doc["text"]
    quoted = [row for (start, end), row in zip(doc.get("sentence_spans", ()), rows)
              if row and _squeeze(text[start:end]) in wanted]
    mix = [sum(col) for col in zip(*quoted)] if quoted else list(result.doc_topics.get(doc["passage_id"], ()))
    if not mix or max(mix) <= 0:
        return None
    return max(range(len(mix)), key=lambda t: (mix[t], -t))


def _squeeze(text: str) -> str:
    return " ".join(text.split())


def lemmatise_passages(editions: Sequence[Any], *, analyzer: Any = None, progress: ProgressFn | None = None,
                       heads: bool = True, phrases: bool = True, modifiers: bool = True,
                       corpus_dir: Path | None = None) -> list[TopicDocument]:
    """Sections 2–5 of every edition as `TopicDocument`s, with the features of every sentence.

    One analyser pass per passage, then the corpus decides which features are whole words:

    - a content word's lemma, when it stands as a word of its own in ≥ MIN_TERM_PASSAGES passages;
    - a compound's head ("haku" of hankehaku), only when the head also stands on its own in
      ≥ MIN_TERM_PASSAGES passages and at least HEAD_OWN_SHARE as often as it ends compounds,
      the modifier is a word the corpus uses too, and the compound is not lexicalised
      (`corpus/lexicalised.toml`): so no *kalu* (työkalu), *paja* (työpaja), *arvo* (tasa-arvo);
    - a two-word phrase (*jatkuva oppiminen*, *tiedolla johtaminen*, *sosiaalinen media*): two
      adjacent content words in ≥ MIN_PHRASE_PASSAGES passages that mostly occur together
      (`_phrase_features`), written with its fixed first form when the corpus always inflects
      it the same way (*tiedolla*), else with both lemmas.

    Report-frame words (`REPORT_FRAME_WORDS`) and the analyser's stop words are left out.
    """
    from textkit.timeref import sentence_years

    if analyzer is None:
        from textkit.analysis import get_analyzer

        analyzer = get_analyzer()
    lexicalised, fixed_forms = _lexicalised_lists(corpus_dir)
    passages = [p for e in editions for p in e.passages(TOPIC_SECTIONS)]
    parsed = []
    memo: dict[int, tuple] = {}
    for i, p in enumerate(passages):
        if progress and i % 25 == 0:
            progress(i / max(1, len(passages)), f"Lemmatisoidaan kappaleita {i}/{len(passages)}")
        parsed.append(_passage_words(analyzer.token_fields(p.text), fixed_forms, memo))
    stats = _WordStats.count(parsed)
    allowed_heads = stats.meaningful_heads(lexicalised) if heads else set()
    phrase_names = stats.phrases() if phrases else {}
    allowed_modifiers = stats.meaningful_modifiers(lexicalised) if modifiers else set()
    documents = []
    for p, (spans, sentences) in zip(passages, parsed):
        lemmas = [w.lemma for sent in sentences for w in sent]
        head_list = [w.head for sent in sentences for w in sent if w.head in allowed_heads]
        sentence_terms = tuple(
            " ".join(_sentence_features(sent, stats, allowed_heads, phrase_names, allowed_modifiers, lexicalised))
            for sent in sentences
        )
        years = sentence_years(p.text, spans, edition_year=p.edition)
        documents.append(TopicDocument(p.id, p.edition, p.theme_id, p.section, " ".join(lemmas),
                                       " ".join(head_list), tuple(tuple(y) for y in years), p.text,
                                       tuple(spans), sentence_terms))
    return documents


def format_topics(result: TopicsResult) -> str:
    """The topics as text for people: label, terms, reach, done vs planned, years, example passages."""
    stored = "tallennettu malli" if result.stored else "sovitettu nyt"
    n_rec = sum(1 for t in result.topics if t.recurring)
    lines = [f"{result.k} aihetta ({result.method.upper()}, {stored}); toistuvia {n_rec} "
             f"(vähintään {RECURRING_THEMES} teemassa tai useassa vuosikatsauksessa)", ""]
    for t in result.topics:
        mark = " [toistuva]" if t.recurring else ""
        lines.append(f"{t.id + 1}. {t.name} ({t.label}){mark}" if t.name else f"{t.id + 1}. {t.label}{mark}")
        lines.append("   sanat: " + ", ".join(f"{term} {w:.2f}" for term, w in t.terms[:8]))
        top_themes = sorted(t.by_theme.items(), key=lambda kv: (-kv[1], kv[0]))[:3]
        lines.append(f"   teemoja {t.themes_present}/{len(t.by_theme)}, vuosikatsauksia {t.editions_present}, "
                     f"levinneisyys {t.spread:.1f}; eniten: "
                     + ", ".join(f"{_short_id(k)} {v:.0%}" for k, v in top_themes))
        done, planned = t.by_section.get("2"), t.by_section.get("4")
        if done is not None and planned is not None:
            lines.append(f"   tehty (osio 2) {done:.0%} · suunniteltu (osio 4) {planned:.0%}")
        if t.by_year:
            lines.append("   mainitut vuodet: " + ", ".join(f"{y} {v:.0%}" for y, v in t.by_year.items()))
        for p in t.passages[:2]:
            text = " ".join(p.text.split())
            lines.append(f"   [{p.passage_id}] {text[:150]}{'…' if len(text) > 150 else ''}")
        lines.append("")
    return "\n".join(lines).rstrip()


# ---------------------------------------------------------------- the model


class TopicModel:
    """TF-IDF over feature strings, damped by theme specificity, clustered into `n_topics` topics.

    The documents are the units of the topic model (sentences, in textkit); `groups` says
    which passage each belongs to, so a unit can borrow `context` × the features of its
    neighbouring sentences of the same passage (a short window: a sentence alone is often
    only a few words).

    method: "nmf" (soft memberships; the default, see README) or "kmeans" (hard clusters).
    theme_damping: exponent of the per-term theme-spread weight; 0 turns the damping off.
    context, reach: a unit adds context**d × the features of the sentences d ≤ reach away.
    class_weights: weight of a lemma by its word class (Voikko), e.g. verbs and adjectives
    half, adverbs and numerals 0 ({} turns it off); subjects are named by nouns.
    assign_context: after the fit, each unit's topic mix is refitted (NMF with the topics held
    fixed) on its own features plus assign_context × its next unit's (None: keep the mix of
    the fit; only for "nmf" with groups).
    idf_unit: "passage" (a term's idf from the number of groups, i.e. passages, that use it)
    or "unit" (from the number of units).
    loss: NMF's beta loss ("frobenius"; "kullback-leibler" was measured worse, README).
    Learned: vectorizer_, vocabulary_, term_weights_, estimator_, components_, doc_topic_raw_,
    doc_topic_ (rows sum to 1, or 0 for a unit without features), top_terms_.
    """

    def __init__(self, n_topics: int = DEFAULT_K, *, method: str = DEFAULT_METHOD,
                 theme_damping: float = DEFAULT_THEME_DAMPING, context: float = DEFAULT_CONTEXT,
                 reach: int = DEFAULT_REACH, class_weights: Mapping[str, float] | None = None,
                 assign_context: float | None = DEFAULT_ASSIGN_CONTEXT, idf_unit: str = DEFAULT_IDF_UNIT,
                 loss: str = "frobenius",
                 min_df: int = 2, max_df: float = 0.5, n_top_terms: int = N_TOP_TERMS, random_state: int = 0):
        self.n_topics = n_topics
        self.assign_context = assign_context
        self.idf_unit = idf_unit
        self.loss = loss
        self.reach = reach
        self.class_weights = CLASS_WEIGHTS if class_weights is None else class_weights
        self.method = method
        self.theme_damping = theme_damping
        self.context = context
        self.min_df = min_df
        self.max_df = max_df
        self.n_top_terms = n_top_terms
        self.random_state = random_state

    def fit(self, documents: Sequence[str], themes: Sequence[str] | None = None,
            groups: Sequence[Any] | None = None) -> "TopicModel":
        """Learn the vocabulary, term weights and topics from feature strings (and their themes
        and passages)."""
        import numpy as np

        if self.method not in ("nmf", "kmeans"):
            raise ValueError(f"unknown method {self.method!r}")
        counts, X, clock = self._features(documents, themes, groups)
        if self.method == "nmf":
            from sklearn.decomposition import NMF

            # Initialised from the exact leading singular vectors (NNDSVDa) rather than sklearn's
            # randomised SVD, so the topics do not depend on the random state at all.
            W0, H0 = _nndsvda(X, self.n_topics)
            solver = "cd" if self.loss == "frobenius" else "mu"   # sklearn: other losses need "mu"
            self.estimator_ = NMF(n_components=self.n_topics, init="custom", max_iter=1000, beta_loss=self.loss,
                                  solver=solver, random_state=self.random_state)
            self.doc_topic_raw_ = self.estimator_.fit_transform(X, W=W0, H=H0)
            self.components_ = self.estimator_.components_
            if groups is not None and self.assign_context is not None:
                own = self._weigh(counts, groups, context=self.assign_context, reach=ASSIGN_REACH)
                self.doc_topic_raw_ = self.estimator_.transform(own)
        else:
            from sklearn.cluster import KMeans

            self.estimator_ = KMeans(n_clusters=self.n_topics, n_init=10, random_state=self.random_state)
            labels = self.estimator_.fit_predict(X)
            self.doc_topic_raw_ = np.eye(self.n_topics)[labels] * (np.asarray(X.sum(axis=1)).ravel() > 0)[:, None]
            self.components_ = np.clip(self.estimator_.cluster_centers_, 0, None)
        add_stage_time("topic fit", clock)
        return self._finish()

    def _features(self, documents: Sequence[str], themes: Sequence[str] | None, groups: Sequence[Any] | None):
        """Vocabulary, term weights and the weighted unit × term matrix: (counts, X, CPU clock)."""
        from sklearn.feature_extraction.text import TfidfVectorizer

        clock = time.process_time()
        self.vectorizer_ = TfidfVectorizer(token_pattern=r"\S+", lowercase=False, min_df=self.min_df,
                                           max_df=self.max_df, sublinear_tf=True, norm=None)
        counts = self.vectorizer_.fit_transform(documents)
        self._fitted = (list(documents), counts)   # what `counts` gives back for the same units
        self.vocabulary_ = self.vectorizer_.get_feature_names_out()
        self.term_weights_ = self._theme_weights(counts, themes)
        if self.class_weights:
            self.term_weights_ = self.term_weights_ * _class_weights(self.vocabulary_, self.class_weights)
        if self.idf_unit == "passage" and groups is not None:
            # The vectorizer's idf counts units; swap it for the idf over passages.
            self.term_weights_ = self.term_weights_ * (_group_idf(counts, groups) / self.vectorizer_.idf_)
        elif self.idf_unit not in ("passage", "unit"):
            raise ValueError(f"unknown idf_unit {self.idf_unit!r}")
        X = self._weigh(counts, groups)
        clock = add_stage_time("topic features", clock)
        return counts, X, clock

    def _theme_weights(self, counts, themes: Sequence[str] | None):
        """Per term, the theme-damping factor (1 for every term without themes or damping)."""
        import numpy as np

        if themes is not None and self.theme_damping > 0:
            return _theme_spread(counts, list(themes)) ** self.theme_damping
        return np.ones(len(self.vocabulary_))

    def _finish(self) -> "TopicModel":
        """The normalised mixes and top terms of the fitted factors."""
        import numpy as np

        self.doc_topic_ = _row_normalise(self.doc_topic_raw_)
        order = np.argsort(-self.components_, axis=1, kind="stable")[:, : self.n_top_terms]
        self.top_terms_ = [
            [(str(self.vocabulary_[j]), float(self.components_[t, j])) for j in row if self.components_[t, j] > 0]
            for t, row in enumerate(order)
        ]
        return self

    def counts(self, documents: Sequence[str]):
        """The vectorizer's matrix of `documents`; for the units it was fitted on, the one
        computed then (the same matrix: one tokenisation of every unit per build)."""
        fitted = getattr(self, "_fitted", None)
        if fitted is not None and len(fitted[0]) == len(documents) and fitted[0] == list(documents):
            return fitted[1]
        return self.vectorizer_.transform(documents)

    def transform(self, documents: Sequence[str], groups: Sequence[Any] | None = None):
        """Topic shares (rows sum to 1, or 0 for a unit without modelled terms), placed as `fit`
        places its units."""
        counts = self.vectorizer_.transform(documents)
        if self.method == "nmf":
            if groups is not None and self.assign_context is not None:
                X = self._weigh(counts, groups, context=self.assign_context, reach=ASSIGN_REACH)
            else:
                X = self._weigh(counts, groups)
            return _row_normalise(self.estimator_.transform(X))
        X = self._weigh(counts, groups)
        import numpy as np

        return np.eye(self.n_topics)[self.estimator_.predict(X)]

    def _weigh(self, counts, groups: Sequence[Any] | None = None, *, context: float | None = None,
               reach: int | None = None):
        from sklearn.preprocessing import normalize

        context = self.context if context is None else context
        weighted = counts.multiply(self.term_weights_[None, :]).tocsr()
        if groups is not None and context > 0:
            weighted = _window(len(groups), groups, context, self.reach if reach is None else reach) @ weighted
        return normalize(weighted.tocsr())


# ---------------------------------------------------------------- private helpers


@dataclass(frozen=True)
class _Word:
    """A content word of a sentence as the feature builder sees it."""

    lemma: str
    head: str            # head part of a compound ("" for a simple word)
    modifier: str        # the part before the head ("" for a simple word)
    surface: str         # lowercased form as printed
    joined: bool         # directly follows the previous content word (no punctuation or stop word between)
    modifiers: tuple[str, ...] = ()   # every part before the head (for MODIFIER features)


def _passage_words(fields: Sequence[Any], fixed_forms: frozenset[str],
                   memo: dict[int, tuple] | None = None) -> tuple[list[tuple[int, int]], list[list[_Word]]]:
    """Sentence spans and the content words of each sentence, from `Analyzer.token_fields`.

    `memo` (one per corpus pass) keeps what `_content_word` made of each word's fields: the
    analyzer shares one fields tuple among all tokens of a surface form, so each form is
    looked at once per pass, not at every occurrence."""
    spans: list[list[int]] = []
    sentences: list[list[_Word]] = []
    memo = {} if memo is None else memo
    joined = False
    for start, end, sent, word in fields:
        while sent >= len(spans):
            spans.append([start, end])
            sentences.append([])
            joined = False
        spans[sent][1] = end
        found = memo.get(id(word))
        if found is None or found[0] is not word:   # (the memo holds `word`, so its id stays its own)
            found = memo[id(word)] = (word, *_content_word(word, fixed_forms))
        if found[1] is None:
            joined = False   # numbers, single letters, list markers, stop words break a phrase
            continue
        sentences[sent].append(found[2] if joined else found[1])
        joined = True
    return [tuple(x) for x in spans], sentences


def _content_word(word: tuple, fixed_forms: frozenset[str]) -> tuple[_Word | None, _Word | None]:
    """A token's fields as a content word, not joined and joined to the previous one; (None,
    None) for what is no content word."""
    lemma, _lemmas, parts, _terms, is_word, is_stop, _known, surface = word
    lemma = lemma.lower()
    if not is_word or is_stop or surface in fixed_forms or lemma in REPORT_FRAME_WORDS \
            or len(lemma) < 2 or not any(c.isalpha() for c in lemma):
        return None, None
    head = modifier = ""
    modifiers: tuple[str, ...] = ()
    if len(parts) >= 2:
        head, modifier = parts[-1].lower(), parts[-2].lower()
        modifiers = tuple(m.lower() for m in parts[:-1] if len(m) >= 3 and m.isalpha())
        if head == lemma or len(head) < 3 or not head.isalpha():
            head = modifier = ""
    return (_Word(lemma, head, modifier, surface, False, modifiers),
            _Word(lemma, head, modifier, surface, True, modifiers))


@dataclass
class _WordStats:
    """Passage counts of the corpus's words, compound heads and adjacent word pairs."""

    word_passages: Counter
    word_count: Counter
    head_count: Counter
    pair_passages: Counter
    pair_count: Counter
    pair_first_forms: dict
    modifier_count: Counter

    @classmethod
    def count(cls, parsed: Sequence[tuple[Any, list[list[_Word]]]]) -> "_WordStats":
        word_passages, word_count, head_count, modifier_count = Counter(), Counter(), Counter(), Counter()
        pair_passages, pair_count = Counter(), Counter()
        first_forms: dict[tuple[str, str], Counter] = defaultdict(Counter)
        for _spans, sentences in parsed:
            words_here, pairs_here = set(), set()
            for sent in sentences:
                for prev, w in zip([None] + sent[:-1], sent):
                    words_here.add(w.lemma)
                    word_count[w.lemma] += 1
                    if w.head:
                        head_count[w.head] += 1
                    for m in w.modifiers:
                        modifier_count[m] += 1
                    if prev is not None and w.joined and prev.lemma != w.lemma:
                        pair = (prev.lemma, w.lemma)
                        pairs_here.add(pair)
                        pair_count[pair] += 1
                        first_forms[pair][prev.surface] += 1
            word_passages.update(words_here)
            pair_passages.update(pairs_here)
        return cls(word_passages, word_count, head_count, pair_passages, pair_count, dict(first_forms),
                   modifier_count)

    def stands_alone(self, lemma: str) -> bool:
        return self.word_passages[lemma] >= MIN_TERM_PASSAGES

    def meaningful_heads(self, lexicalised: frozenset[str]) -> set[str]:
        """Heads that carry their own meaning: used on their own, and not only inside compounds."""
        return {head for head, n in self.head_count.items()
                if self.stands_alone(head) and self.word_count[head] >= HEAD_OWN_SHARE * n} - set(lexicalised)

    def meaningful_modifiers(self, lexicalised: frozenset[str]) -> set[str]:
        """First parts that are words of their own ("viestintä" of viestintäsuunnitelma)."""
        return {m for m, n in self.modifier_count.items()
                if self.stands_alone(m) and self.word_count[m] >= HEAD_OWN_SHARE * n}

    def phrases(self) -> dict[tuple[str, str], str]:
        """Recurring two-word noun phrases → their feature name (words joined by PHRASE_JOINER).

        A pair counts when it is in ≥ MIN_PHRASE_PASSAGES passages, makes up at least
        PHRASE_SHARE of the uses of its rarer word (the words mostly come together), and is a
        noun phrase: a noun (or name, or a word Voikko does not know) after a noun or adjective.
        A noun as the first word keeps its printed form when that form is fixed (*tiedolla
        johtaminen*, *sukupuolten tasa-arvo*); an adjective agrees with its noun, so it is
        shown as its lemma (*jatkuvan oppimisen* → *jatkuva oppiminen*)."""
        from textkit.analysis import word_class

        out = {}
        for pair, n_passages in self.pair_passages.items():
            if n_passages < MIN_PHRASE_PASSAGES:
                continue
            rarer = min(self.word_count[pair[0]], self.word_count[pair[1]])
            if self.pair_count[pair] < PHRASE_SHARE * rarer:
                continue
            if word_class(pair[0]) not in _PHRASE_FIRST or word_class(pair[1]) not in _PHRASE_SECOND:
                continue
            first = pair[0]
            form, share = _dominant(self.pair_first_forms[pair])
            if word_class(pair[0]) in _NOUNISH and share >= FIXED_FORM_SHARE and form.isalpha():
                first = form      # a noun in a fixed case: "tiedolla", "sukupuolten"
            out[pair] = f"{first}{PHRASE_JOINER}{pair[1]}"
        return out


_NOUNISH = {"nimisana", "nimi", "etunimi", "sukunimi", "paikannimi", "lyhenne", ""}
_PHRASE_FIRST = _NOUNISH | {"laatusana", "nimisana_laatusana"}
_PHRASE_SECOND = _NOUNISH


def _dominant(forms: Counter) -> tuple[str, float]:
    """The commonest form and its share."""
    form, n = max(forms.items(), key=lambda kv: (kv[1], kv[0]))
    return form, n / max(1, sum(forms.values()))


def _sentence_features(sent: list[_Word], stats: _WordStats, heads: set[str],
                       phrases: dict[tuple[str, str], str], modifiers: set[str] = frozenset(),
                       lexicalised: frozenset[str] = frozenset()) -> list[str]:
    """Whole-word lemmas, meaningful heads and phrases of one sentence, in text order."""
    out: list[str] = []
    for prev, w in zip([None] + sent[:-1], sent):
        if stats.stands_alone(w.lemma):
            out.append(w.lemma)
        if w.head in heads and stats.word_passages[w.modifier] >= 1 and w.head != w.lemma:
            out.append(w.head)
        if modifiers and w.lemma not in lexicalised:
            out += [m for m in w.modifiers if m in modifiers and m != w.lemma]
        if prev is not None and w.joined and (prev.lemma, w.lemma) in phrases:
            out.append(phrases[(prev.lemma, w.lemma)])
    return out


def _lexicalised_lists(corpus_dir: Path | None = None) -> tuple[frozenset[str], frozenset[str]]:
    """Lexicalised compounds and fixed forms of `corpus/lexicalised.toml` (none when the file is missing)."""
    import tomllib

    path = Path(corpus_dir or paths.corpus_dir()) / LEXICALISED_FILE
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return frozenset(), frozenset()
    def words(key: str) -> frozenset[str]:
        value = data.get(key, [])
        return frozenset(str(w).lower() for w in value) if isinstance(value, list) else frozenset()
    return words("compounds"), words("forms")


def display_term(term: str) -> str:
    """A feature as people read it: phrases with a space ("jatkuva oppiminen")."""
    return term.replace(PHRASE_JOINER, " ")


def _class_weights(vocabulary: Sequence[str], weights: Mapping[str, float]):
    """Per feature, the weight of its word class (1 for phrases and unknown words)."""
    import numpy as np

    from textkit.analysis import word_class

    return np.array([1.0 if PHRASE_JOINER in term else weights.get(word_class(term), 1.0) for term in vocabulary])


def _window(n: int, groups: Sequence[Any], context: float, reach: int = 1):
    """Sparse n × n matrix: each unit itself plus context**d × the units d ≤ `reach` places away
    in the same group (a short window of neighbouring sentences of one passage)."""
    from scipy import sparse

    rows, cols, vals = list(range(n)), list(range(n)), [1.0] * n
    for d in range(1, reach + 1):
        for i in range(n - d):
            if groups[i] == groups[i + d]:
                rows += [i, i + d]
                cols += [i + d, i]
                vals += [context ** d, context ** d]
    return sparse.csr_matrix((vals, (rows, cols)), shape=(n, n))


def _group_idf(counts, groups: Sequence[Any]):
    """Smooth idf (scikit-learn's formula) of every term over the groups (passages) of the units."""
    import numpy as np
    from scipy import sparse

    ids = {g: i for i, g in enumerate(dict.fromkeys(groups))}
    membership = sparse.csr_matrix((np.ones(len(groups)), ([ids[g] for g in groups], np.arange(len(groups)))),
                                   shape=(len(ids), len(groups)))
    df = np.asarray(((membership @ (counts > 0).astype(float)) > 0).sum(axis=0)).ravel()
    return np.log((1 + len(ids)) / (1 + df)) + 1


def _theme_spread(counts, themes: list[str]):
    """Per term, normalised entropy (0–1) of its document rate over the themes.

    Rates (share of a theme's passages that use the term) rather than raw counts,
    so that long themes do not look like the home of every word.
    """
    import numpy as np

    names = sorted(set(themes))
    if len(names) < 2:
        return np.ones(counts.shape[1])
    presence = (counts > 0).astype(float).tocsr()
    rates = np.vstack([
        np.asarray(presence[[i for i, t in enumerate(themes) if t == name]].mean(axis=0)).ravel()
        for name in names
    ])
    p = rates / np.maximum(rates.sum(axis=0, keepdims=True), 1e-12)
    with np.errstate(divide="ignore", invalid="ignore"):
        entropy = -np.nansum(np.where(p > 0, p * np.log(p), 0.0), axis=0)
    return entropy / math.log(len(names))


def _nndsvda(X, k: int):
    """Non-negative double SVD initialisation (Boutsidis & Gallopoulos 2008), zeros filled
    with the mean of X (the "a" variant): scikit-learn's `init="nndsvda"`, from the exact
    leading singular triplets instead of a randomised SVD.

    The triplets come from the eigendecomposition of the smaller Gram matrix (XᵀX, terms ×
    terms, or XXᵀ when there are fewer documents): the same factors as a dense SVD of X, but
    X stays sparse and is never copied dense (at 100× the dense SVD was 20 s of the fit)."""
    import numpy as np

    n_docs, n_terms = X.shape
    U, S, Vt = _leading_singular_triplets(X, min(k, n_docs, n_terms))
    W = np.zeros((n_docs, k))
    H = np.zeros((k, n_terms))
    for j in range(len(S)):
        x, y = U[:, j], Vt[j, :]
        if j == 0:
            W[:, 0], H[0, :] = math.sqrt(S[0]) * np.abs(x), math.sqrt(S[0]) * np.abs(y)
            continue
        xp, xn, yp, yn = np.maximum(x, 0), np.maximum(-x, 0), np.maximum(y, 0), np.maximum(-y, 0)
        xpn, xnn, ypn, ynn = (np.linalg.norm(v) for v in (xp, xn, yp, yn))
        if xpn * ypn > xnn * ynn:
            u, v, sigma = xp / max(xpn, 1e-12), yp / max(ypn, 1e-12), xpn * ypn
        else:
            u, v, sigma = xn / max(xnn, 1e-12), yn / max(ynn, 1e-12), xnn * ynn
        scale = math.sqrt(S[j] * sigma)
        W[:, j], H[j, :] = scale * u, scale * v
    W[W < 1e-6] = 0
    H[H < 1e-6] = 0
    mean = float(X.sum()) / (n_docs * n_terms)
    W[W == 0] = mean
    H[H == 0] = mean
    return W, H


_LANCZOS_MIN_SIZE = 60   # smaller Gram matrices are decomposed densely (cheap, exact)


def _leading_singular_triplets(X, k: int):
    """U (docs × k), S (k), Vt (k × terms) of the k largest singular values of X, through the
    eigenvectors of the smaller Gram matrix; singular values that are zero get zero vectors."""
    import numpy as np

    n_docs, n_terms = X.shape
    by_terms = n_terms <= n_docs
    n = min(n_docs, n_terms)
    if n >= _LANCZOS_MIN_SIZE and n >= 5 * k:
        # A large Gram matrix: its k leading eigenpairs by Lanczos iteration (ARPACK) to full
        # precision, with the Gram matrix applied as Xᵀ(Xv) and never formed (a dense
        # eigendecomposition of thousands of terms took most of the fit).
        from scipy.sparse.linalg import LinearOperator, eigsh

        XT = X.T.tocsr() if hasattr(X, "tocsr") else X.T
        apply = (lambda v: XT @ (X @ v)) if by_terms else (lambda v: X @ (XT @ v))
        gram = LinearOperator((n, n), matvec=apply, dtype=float)
        values, vectors = eigsh(gram, k=k, which="LA", tol=0, v0=np.ones(n))
    else:
        from scipy.linalg import eigh

        gram = (X.T @ X) if by_terms else (X @ X.T)
        gram = gram.toarray() if hasattr(gram, "toarray") else np.asarray(gram)
        values, vectors = eigh(gram, subset_by_index=(n - k, n - 1))
    order = np.argsort(-values, kind="stable")
    S = np.sqrt(np.clip(values[order], 0.0, None))
    vectors = vectors[:, order]
    # The other side's singular vectors: X v / s (or Xᵀ u / s); none where s is zero.
    scale = np.divide(1.0, S, out=np.zeros_like(S), where=S > S[:1] * 1e-10) if k else S
    other = np.asarray((X @ vectors) if by_terms else (X.T @ vectors)) * scale
    if by_terms:
        return other, S, vectors.T
    return vectors, S, other.T


def _row_normalise(matrix):
    import numpy as np

    sums = matrix.sum(axis=1, keepdims=True)
    return np.divide(matrix, sums, out=np.zeros_like(matrix, dtype=float), where=sums > 0)


def _tabulate(model: TopicModel, documents: Sequence[TopicDocument], units: Sequence[tuple[int, int]], *,
              fingerprint: str | None) -> TopicsResult:
    """Turn the fitted sentence model into topics with labels, passages and prevalence tables.

    Everything follows from the sentences: a passage's mix is the mean of its sentences'
    mixes, a theme's (section's, edition's) share of a topic is the mean over its sentences,
    and a referenced year's share is the mean over the sentences that speak of it."""
    import numpy as np

    S = model.doc_topic_                 # per unit (sentence)
    k = model.n_topics
    unit_docs = np.array([d for d, _ in units], dtype=int)
    W = np.zeros((len(documents), k))
    n_sent = np.bincount(unit_docs, minlength=len(documents)) if len(units) else np.zeros(len(documents))
    np.add.at(W, unit_docs, S)
    W = np.divide(W, n_sent[:, None], out=np.zeros_like(W), where=n_sent[:, None] > 0)
    groups = {
        "theme": [documents[d].theme_id for d, _ in units],
        "section": [str(documents[d].section) for d, _ in units],
        "edition": [str(documents[d].edition) for d, _ in units],
    }
    tables = {name: _prevalence(S, keys) for name, keys in groups.items()}
    tables["year"] = _year_prevalence(S, documents, units)
    unit_terms = [documents[d].sentence_terms[i] for d, i in units]
    labels = _labels(_class_tfidf(model, unit_terms), model.vocabulary_, model.top_terms_)
    dominant = W.argmax(axis=1)
    has_terms = W.sum(axis=1) > 0
    by_topic: dict[int, list[int]] = defaultdict(list)   # passages by dominant topic, in order
    for i, (has, top) in enumerate(zip(has_terms.tolist(), dominant.tolist())):
        if has:
            by_topic[top].append(i)
    topics_ = []
    for t in range(k):
        members = by_topic[t]
        # Substantial passages first (a heading-like line can load strongly on one term).
        members.sort(key=lambda i: (len(documents[i].lemmas.split()) < MIN_PASSAGE_TERMS,
                                    -W[i, t], documents[i].passage_id))
        passages: list[TopicPassage] = []
        seen_texts: set[str] = set()
        for i in members:
            if documents[i].text in seen_texts:
                continue   # the same paragraph printed in two themes
            seen_texts.add(documents[i].text)
            passages.append(TopicPassage(documents[i].passage_id, documents[i].edition, documents[i].theme_id,
                                         documents[i].section, round(float(W[i, t]), 4), documents[i].text))
            if len(passages) == N_PASSAGES:
                break
        by_theme = {key: round(v[t], 4) for key, v in tables["theme"].items()}
        by_edition = {key: round(v[t], 4) for key, v in tables["edition"].items()}
        themes_present = sum(1 for v in by_theme.values() if v >= PRESENCE_SHARE)
        editions_present = sum(1 for v in by_edition.values() if v >= PRESENCE_SHARE)
        topics_.append(Topic(
            id=t,
            label=labels[t],
            terms=tuple((display_term(term), round(weight, 4)) for term, weight in model.top_terms_[t]),
            passages=tuple(passages),
            by_theme=by_theme,
            by_section={key: round(v[t], 4) for key, v in tables["section"].items()},
            by_edition=by_edition,
            by_year={key: round(v[t], 4) for key, v in tables["year"].items()},
            themes_present=themes_present,
            editions_present=editions_present,
            recurring=themes_present >= RECURRING_THEMES or editions_present >= 2,
            spread=round(_effective_number(list(by_theme.values())), 2),
        ))
    assignments = tuple(
        Assignment(d.passage_id, d.edition, d.theme_id, d.section,
                   int(dominant[i]) if has_terms[i] else None,
                   round(float(W[i, dominant[i]]), 4) if has_terms[i] else 0.0)
        for i, d in enumerate(documents)
    )
    settings = {
        "unit": "sentence",
        "documents": len(documents),
        "sentences": len(units),
        "vocabulary": int(len(model.vocabulary_)),
        "phrases": int(sum(1 for term in model.vocabulary_ if PHRASE_JOINER in term)),
        "theme_damping": model.theme_damping,
        "context": model.context,
        "min_df": model.min_df,
        "max_df": model.max_df,
        "random_state": model.random_state,
        "sections": list(TOPIC_SECTIONS),
        "presence_share": PRESENCE_SHARE,
        "recurring_themes": RECURRING_THEMES,
        "year_sentences": _year_sentence_counts(documents),   # how many sentences speak of each year
        "min_year_sentences": MIN_YEAR_SENTENCES,
        "fingerprint": fingerprint,
    }
    # (rows as Python floats first: the same values, without a numpy scalar per number)
    doc_topics = {d.passage_id: tuple(round(x, 4) for x in row) for d, row in zip(documents, W.tolist())}
    sentence_rows: list[list[tuple[float, ...]]] = [[()] * len(d.sentence_terms) for d in documents]
    for (d, i), values in zip(units, S.tolist()):
        sentence_rows[d][i] = tuple(round(x, 4) for x in values)
    sentence_topics = {d.passage_id: tuple(sentence_rows[n]) for n, d in enumerate(documents)}
    return TopicsResult(model.method, k, tuple(topics_), assignments, settings, doc_topics, sentence_topics)


def _prevalence(W, keys: Sequence[str]) -> dict[str, list[float]]:
    """Average topic distribution of the passages of each group, groups in sorted order."""
    import numpy as np

    table: dict[str, list[float]] = {}
    members: dict[str, list[int]] = defaultdict(list)   # one pass: the editions grow with the corpus
    for i, key in enumerate(keys):
        members[key].append(i)
    for key in sorted(members, key=_natural_key):
        rows = W[members[key]]
        table[key] = [float(x) for x in rows.mean(axis=0)] if len(rows) else [0.0] * W.shape[1]
    return table


def _year_prevalence(S, documents: Sequence[TopicDocument], units: Sequence[tuple[int, int]]) -> dict[str, list[float]]:
    """Average topic distribution of the sentences that speak of each year (each with its own mix)."""
    sums: dict[int, Any] = defaultdict(lambda: [0.0] * S.shape[1])
    counts: dict[int, int] = defaultdict(int)
    empty = (S.sum(axis=1) == 0).tolist()   # (the shares are ≥ 0: a zero sum is an all-zero row)
    for (d, i), values, no_topic in zip(units, S.tolist(), empty):
        years = documents[d].sentence_years[i] if i < len(documents[d].sentence_years) else ()
        if no_topic:
            continue
        for y in years:
            sums[y] = [a + b for a, b in zip(sums[y], values)]
            counts[y] += 1
    return {str(y): [v / counts[y] for v in sums[y]] for y in sorted(sums) if counts[y] >= MIN_YEAR_SENTENCES}


def _year_sentence_counts(documents: Sequence[TopicDocument]) -> dict[str, int]:
    counts: dict[int, int] = defaultdict(int)
    for d in documents:
        for years in d.sentence_years:
            for y in years:
                counts[y] += 1
    return {str(y): counts[y] for y in sorted(counts)}


def _class_tfidf(model: TopicModel, unit_terms: Sequence[str]):
    """c-TF-IDF (as in BERTopic) of every term for every topic, over the sentences whose
    dominant topic it is, times the model's theme-spread weight (labels name cross-cutting words).

    tf = the term's weight in the topic's sentences / all weight of those sentences;
    idf = log(1 + average weight per topic / the term's weight over all topics)."""
    import numpy as np

    X = model.counts(unit_terms)
    dominant = model.doc_topic_.argmax(axis=1)
    has = model.doc_topic_.sum(axis=1) > 0
    k = model.n_topics
    tf = np.zeros((k, X.shape[1]))
    for t in range(k):
        rows = np.flatnonzero(has & (dominant == t))
        if len(rows):
            tf[t] = np.asarray(X[rows].sum(axis=0)).ravel()
    total = tf.sum(axis=0)
    average = tf.sum() / max(1, k)
    idf = np.log1p(np.divide(average, total, out=np.zeros_like(total), where=total > 0))
    share = np.divide(tf, tf.sum(axis=1, keepdims=True), out=np.zeros_like(tf), where=tf.sum(axis=1, keepdims=True) > 0)
    return share * idf[None, :] * model.term_weights_[None, :]


def _labels(scores, vocabulary: Sequence[str], top_terms: list[list[tuple[str, float]]]) -> list[str]:
    """Readable, distinct labels: the strongest c-TF-IDF terms of each topic, in whole words.

    A word already inside a chosen phrase (or a phrase around a chosen word) is skipped, and a
    label that another topic already has gets one more word. Falls back to the top terms for a
    topic that no sentence has as its main topic."""
    import numpy as np

    labels: list[str] = []
    for t, terms in enumerate(top_terms):
        row = scores[t] if scores is not None and t < len(scores) else None
        if row is not None and row.max() > 0:
            order = [j for j in np.argsort(-row, kind="stable") if row[j] > 0][:30]
            names = [str(vocabulary[j]) for j in order]
        else:
            names = [term for term, _ in terms]
        chosen: list[str] = []
        for name in names:
            words = set(name.split(PHRASE_JOINER))
            if any(words & set(c.split(PHRASE_JOINER)) for c in chosen):
                continue
            chosen.append(name)
            label = ", ".join(display_term(c) for c in chosen)
            if len(chosen) >= N_LABEL_TERMS and label not in labels:
                break
        labels.append(", ".join(display_term(c) for c in chosen) if chosen else "(tyhjä)")
    return labels


def _effective_number(shares: list[float]) -> float:
    total = sum(shares)
    if total <= 0:
        return 0.0
    p = [s / total for s in shares if s > 0]
    return math.exp(-sum(x * math.log(x) for x in p))


def _short_id(theme_id: str) -> str:
    return theme_id if len(theme_id) <= 28 else theme_id[:27] + "…"


def _natural_key(key: str):
    return (0, int(key), "") if key.isdigit() else (1, 0, key)


def _check_k(k: int | None) -> None:
    if k is not None and not MIN_K <= k <= MAX_K:
        raise TextkitError(f"Aiheiden määrä --k {k} ei käy: valitse {MIN_K}–{MAX_K} (oletus {DEFAULT_K}).")


def _fingerprint_or_none(corpus_dir: Path | None = None) -> str | None:
    from textkit.corpus import corpus_fingerprint

    try:
        return corpus_fingerprint(corpus_dir)
    except TextkitError:
        return None


def _is_current(result: TopicsResult, corpus_dir: Path | None) -> bool:
    stored = result.settings.get("fingerprint")
    return stored is None or stored == _fingerprint_or_none(corpus_dir)


_CACHE: dict[Path, tuple[float, Any]] = {}
_DOCUMENTS_MEMO: dict[tuple[str, str | None], list[TopicDocument]] = {}


def _read_json_cached(path: Path) -> Any:
    """Parsed JSON of a models/ file, re-read only when the file changes."""
    try:
        mtime = path.stat().st_mtime_ns
    except FileNotFoundError:
        return None
    cached = _CACHE.get(path)
    if cached and cached[0] == mtime:
        return cached[1]
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise TextkitError(f"Aihemallin tiedosto {path} on rikki ({exc}). Aja `textkit build --force`.") from exc
    _CACHE[path] = (mtime, data)
    return data


def _load_result_or_none(models_dir: Path | None) -> TopicsResult | None:
    data = _read_json_cached(paths.models_dir(models_dir) / TOPICS_FILE)
    if data is None or data.get("schema") != SCHEMA_VERSION:
        return None
    return _result_from_dict(data["result"], data.get("doc_topics", {}), data.get("sentence_topics", {}))


def _result_from_dict(data: dict[str, Any], doc_topics: dict[str, list[float]],
                      sentence_topics: dict[str, list[list[float]]] | None = None) -> TopicsResult:
    topics_ = tuple(
        Topic(
            id=t["id"], label=t["label"], terms=tuple((a, b) for a, b in t["terms"]),
            passages=tuple(TopicPassage(**p) for p in t["passages"]),
            by_theme=t["by_theme"], by_section=t["by_section"], by_edition=t["by_edition"], by_year=t["by_year"],
            themes_present=t["themes_present"], editions_present=t["editions_present"],
            recurring=t["recurring"], spread=t["spread"], new=bool(t.get("new", False)),
        )
        for t in data["topics"]
    )
    assignments = tuple(Assignment(**a) for a in data["assignments"])
    return TopicsResult(data["method"], data["k"], topics_, assignments, data.get("settings", {}),
                        {pid: tuple(row) for pid, row in doc_topics.items()},
                        {pid: tuple(tuple(r) for r in rows) for pid, rows in (sentence_topics or {}).items()},
                        stored=True)


def _document_dict(document: TopicDocument) -> dict[str, Any]:
    """`to_dict(document)` for the JSON file, made faster: its fields hold only strings,
    numbers and tuples of them, which json writes as to_dict's lists."""
    return {name: getattr(document, name) for name in _DOCUMENT_FIELDS}


_DOCUMENT_FIELDS = tuple(f.name for f in dataclasses.fields(TopicDocument))


def _document_from_dict(d: dict[str, Any]) -> TopicDocument:
    return TopicDocument(d["passage_id"], d["edition"], d["theme_id"], d["section"], d["lemmas"], d["heads"],
                         tuple(tuple(y) for y in d["sentence_years"]), d["text"],
                         tuple(tuple(x) for x in d.get("sentence_spans", ())), tuple(d.get("sentence_terms", ())))


def _write_json_atomic(path: Path, data: Any) -> None:
    """Write to a temporary file in the same folder, then rename over the target."""
    fd, tmp = tempfile.mkstemp(prefix=path.name, suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            # dumps, not dump: json.dump streams through the pure-Python encoder (3× slower)
            f.write(json.dumps(data, ensure_ascii=False))
        os.chmod(tmp, 0o644)   # mkstemp makes it private; the model is not secret
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise

