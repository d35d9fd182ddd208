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

import json
import math
import os
import tempfile
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Mapping, Sequence

from textkit import paths
from textkit.errors import TextkitError
from textkit.parse import NARRATIVE_SECTIONS
from textkit.progress import ProgressFn, add_stage_time, scaled_progress
from textkit.types import to_dict

TOPICS_FILE = "topics.json"            # the fitted model's result: topics, tables, assignments
DOCUMENTS_FILE = "topic-documents.json"  # the lemmatised passages, so refits and comparisons skip the analyser
SCHEMA_VERSION = 1

TOPIC_SECTIONS = NARRATIVE_SECTIONS    # topics come from the narrative sections only
DEFAULT_K = 10                         # chosen with the damping by bench/topics_quality.py --sweep (README)
DEFAULT_METHOD = "nmf"
DEFAULT_THEME_DAMPING = 0.5            # chosen by bench/topics_quality.py --sweep (see README)
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


# ---------------------------------------------------------------- records


@dataclass(frozen=True)
class TopicDocument:
    """One passage of sections 2–5 as the topic model and the comparisons see it."""

    passage_id: str
    edition: int
    theme_id: str
    section: int
    lemmas: str                          # content lemmas in text order, space separated
    heads: str                           # head parts of the compounds among them
    sentence_years: tuple[tuple[int, ...], ...]  # referenced years of each sentence
    text: str

    @property
    def terms(self) -> str:
        """What the topic model vectorises: the lemmas plus the compound heads."""
        return f"{self.lemmas} {self.heads}".strip()


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
    stored: bool = False                 # read from models/ (False: fitted on the fly)

    def to_json(self) -> dict[str, Any]:
        """The CLI's JSON shape (the issue's keys first, then the extras)."""
        data = to_dict(self)
        data.pop("doc_topics")
        data.pop("stored")
        return data

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
    _check_k(k)
    stored = _load_result_or_none(models_dir)
    if stored is not None and (k is None or k == stored.k) and _is_current(stored, corpus_dir):
        return stored
    documents = load_documents(models_dir=models_dir, corpus_dir=corpus_dir, progress=progress)
    return fit_topics(documents, k=k or DEFAULT_K, fingerprint=_fingerprint_or_none(corpus_dir))


def fit_topics(documents: Sequence[TopicDocument], *, k: int = DEFAULT_K, method: str = DEFAULT_METHOD,
               theme_damping: float = DEFAULT_THEME_DAMPING, random_state: int = 0,
               fingerprint: str | None = None) -> TopicsResult:
    """Fit a topic model on lemmatised passages and tabulate it."""
    _check_k(k)
    if len(documents) < k * MIN_DOCS_PER_TOPIC:
        raise TextkitError(
            f"Aineisto on liian pieni {k} aiheelle: {len(documents)} kappaletta osioissa 2–5, "
            f"tarvitaan vähintään {k * MIN_DOCS_PER_TOPIC} (3 kappaletta aihetta kohden). "
            f"Valitse pienempi --k (enintään {max(MIN_K, len(documents) // MIN_DOCS_PER_TOPIC)})."
        )
    model = TopicModel(n_topics=k, method=method, theme_damping=theme_damping, random_state=random_state)
    model.fit([d.terms for d in documents], [d.theme_id for d in documents])
    return _tabulate(model, documents, fingerprint=fingerprint)


def build_topics(editions: Sequence[Any], target_dir: Path, progress: ProgressFn | None = None,
                 *, k: int = DEFAULT_K) -> TopicsResult:
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
    _write_json_atomic(target_dir / DOCUMENTS_FILE, {
        "schema": SCHEMA_VERSION,
        "fingerprint": fingerprint,
        "documents": [to_dict(d) for d in documents],
    })
    _write_json_atomic(target_dir / TOPICS_FILE, {
        "schema": SCHEMA_VERSION,
        "fingerprint": fingerprint,
        "result": result.to_json(),
        "doc_topics": {pid: list(row) for pid, row in result.doc_topics.items()},
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
    return result


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

        _DOCUMENTS_MEMO[key] = lemmatise_passages(load_editions(corpus_dir), progress=progress)
    return list(_DOCUMENTS_MEMO[key])


def lemmatise_passages(editions: Sequence[Any], *, analyzer: Any = None,
                       progress: ProgressFn | None = None) -> list[TopicDocument]:
    """Sections 2–5 of every edition as `TopicDocument`s (one analyser pass per passage)."""
    from textkit.timeref import sentence_years

    if analyzer is None:
        from textkit.analysis import get_analyzer

        analyzer = get_analyzer()
    passages = [p for e in editions for p in e.passages(TOPIC_SECTIONS)]
    documents = []
    for i, p in enumerate(passages):
        if progress and i % 25 == 0:
            progress(i / max(1, len(passages)), f"Lemmatisoidaan kappaleita {i}/{len(passages)}")
        lemmas, heads = _content_terms(analyzer.tokens(p.text))
        years = sentence_years(p.text, analyzer.sentences(p.text), edition_year=p.edition)
        documents.append(TopicDocument(p.id, p.edition, p.theme_id, p.section, " ".join(lemmas),
                                       " ".join(heads), tuple(years), p.text))
    return documents


def format_topics(result: TopicsResult) -> str:
    """The topics as text for people: label, terms, reach, done vs planned, years, example passages."""
    stored = "tallennettu malli" if result.stored else "sovitettu nyt"
    n_rec = sum(1 for t in result.topics if t.recurring)
    lines = [f"{result.k} aihetta ({result.method.upper()}, {stored}); toistuvia {n_rec} "
             f"(vähintään {RECURRING_THEMES} teemassa tai useassa vuosikatsauksessa)", ""]
    for t in result.topics:
        mark = " [toistuva]" if t.recurring else ""
        lines.append(f"{t.id + 1}. {t.label}{mark}")
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
    """TF-IDF over lemma strings, damped by theme specificity, clustered into `n_topics` topics.

    method: "nmf" (soft memberships; the default, see README) or "kmeans" (hard clusters).
    theme_damping: exponent of the per-term theme-spread weight; 0 turns the damping off.
    """

    def __init__(self, n_topics: int = DEFAULT_K, *, method: str = DEFAULT_METHOD,
                 theme_damping: float = DEFAULT_THEME_DAMPING, min_df: int = 2, max_df: float = 0.5,
                 n_top_terms: int = N_TOP_TERMS, random_state: int = 0):
        self.n_topics = n_topics
        self.method = method
        self.theme_damping = theme_damping
        self.min_df = min_df
        self.max_df = max_df
        self.n_top_terms = n_top_terms
        self.random_state = random_state

    def fit(self, documents: Sequence[str], themes: Sequence[str] | None = None) -> "TopicModel":
        """Learn the vocabulary, term weights and topics from lemma strings (and their themes)."""
        import numpy as np
        from sklearn.feature_extraction.text import TfidfVectorizer

        if self.method not in ("nmf", "kmeans"):
            raise ValueError(f"unknown method {self.method!r}")
        clock = time.process_time()
        self.vectorizer_ = TfidfVectorizer(token_pattern=r"\S+", lowercase=False, min_df=self.min_df,
                                           max_df=self.max_df, sublinear_tf=True, norm=None)
        counts = self.vectorizer_.fit_transform(documents)
        self.vocabulary_ = self.vectorizer_.get_feature_names_out()
        if themes is not None and self.theme_damping > 0:
            self.term_weights_ = _theme_spread(counts, list(themes)) ** self.theme_damping
        else:
            self.term_weights_ = np.ones(len(self.vocabulary_))
        X = self._weigh(counts)
        clock = add_stage_time("topic features", clock)
        if self.method == "nmf":
            from sklearn.decomposition import NMF

            # Initialised from an exact SVD (NNDSVDa) rather than sklearn's randomised one, so the
            # topics do not depend on the random state at all (the corpus is small enough).
            W0, H0 = _nndsvda(X, self.n_topics)
            self.estimator_ = NMF(n_components=self.n_topics, init="custom", max_iter=1000,
                                  random_state=self.random_state)
            self.doc_topic_raw_ = self.estimator_.fit_transform(X, W=W0, H=H0)
            self.components_ = self.estimator_.components_
        else:
            from sklearn.cluster import KMeans

            self.estimator_ = KMeans(n_clusters=self.n_topics, n_init=10, random_state=self.random_state)
            labels = self.estimator_.fit_predict(X)
            self.doc_topic_raw_ = np.eye(self.n_topics)[labels] * (np.asarray(X.sum(axis=1)).ravel() > 0)[:, None]
            self.components_ = np.clip(self.estimator_.cluster_centers_, 0, None)
        add_stage_time("topic fit", clock)
        self.doc_topic_ = _row_normalise(self.doc_topic_raw_)
        order = np.argsort(-self.components_, axis=1, kind="stable")[:, : self.n_top_terms]
        self.top_terms_ = [
            [(str(self.vocabulary_[j]), float(self.components_[t, j])) for j in row if self.components_[t, j] > 0]
            for t, row in enumerate(order)
        ]
        return self

    def transform(self, documents: Sequence[str]):
        """Topic shares (rows sum to 1, or 0 for a passage without modelled terms)."""
        X = self._weigh(self.vectorizer_.transform(documents))
        if self.method == "nmf":
            return _row_normalise(self.estimator_.transform(X))
        import numpy as np

        return np.eye(self.n_topics)[self.estimator_.predict(X)]

    def _weigh(self, counts):
        from sklearn.preprocessing import normalize

        return normalize(counts.multiply(self.term_weights_[None, :]).tocsr())


# ---------------------------------------------------------------- private helpers


def _content_terms(tokens: Sequence[Any]) -> tuple[list[str], list[str]]:
    """Lemmas of the content words and the head parts of the compounds among them."""
    from textkit.analysis import is_stop_lemma

    lemmas: list[str] = []
    heads: list[str] = []
    for token in tokens:
        if not token.is_word or token.is_stop:
            continue
        lemma = token.lemma.lower()
        if len(lemma) < 2 or not any(c.isalpha() for c in lemma):
            continue   # numbers, single letters, list markers
        lemmas.append(lemma)
        parts = tuple(getattr(token, "parts", ()) or ())
        if len(parts) >= 2:
            head = parts[-1].lower()
            if len(head) >= 3 and head != lemma and head.isalpha() and not is_stop_lemma(head):
                heads.append(head)
    return lemmas, heads


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


def _leading_singular_triplets(X, k: int):
    """U (docs × k), S (k), Vt (k × terms) of the k largest singular values of X, through the
    eigenvectors of the smaller Gram matrix; singular values that are zero get zero vectors."""
    import numpy as np
    from scipy.linalg import eigh

    n_docs, n_terms = X.shape
    by_terms = n_terms <= n_docs
    gram = (X.T @ X) if by_terms else (X @ X.T)
    gram = gram.toarray() if hasattr(gram, "toarray") else np.asarray(gram)
    n = gram.shape[0]
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


def _tabulate(model: TopicModel, documents: Sequence[TopicDocument], *, fingerprint: str | None) -> TopicsResult:
    """Turn the fitted model into topics with labels, passages and prevalence tables."""
    import numpy as np

    W = model.doc_topic_
    raw = model.doc_topic_raw_
    k = model.n_topics
    groups = {
        "theme": [d.theme_id for d in documents],
        "section": [str(d.section) for d in documents],
        "edition": [str(d.edition) for d in documents],
    }
    tables = {name: _prevalence(W, keys) for name, keys in groups.items()}
    tables["year"] = _year_prevalence(W, documents)
    labels = _labels(model.top_terms_, _mostly_heads(documents))
    dominant = W.argmax(axis=1)
    has_terms = W.sum(axis=1) > 0
    topics_ = []
    for t in range(k):
        members = [i for i in range(len(documents)) if has_terms[i] and dominant[i] == t]
        # Substantial passages first (a heading-like line can load strongly on one term).
        members.sort(key=lambda i: (len(documents[i].lemmas.split()) < MIN_PASSAGE_TERMS,
                                    -raw[i, t], documents[i].passage_id))
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
            terms=tuple((term, round(weight, 4)) for term, weight in model.top_terms_[t]),
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
        "documents": len(documents),
        "vocabulary": int(len(model.vocabulary_)),
        "theme_damping": model.theme_damping,
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
    doc_topics = {d.passage_id: tuple(round(float(x), 4) for x in W[i]) for i, d in enumerate(documents)}
    return TopicsResult(model.method, k, tuple(topics_), assignments, settings, doc_topics)


def _prevalence(W, keys: Sequence[str]) -> dict[str, list[float]]:
    """Average topic distribution of the passages of each group, groups in sorted order."""
    import numpy as np

    table: dict[str, list[float]] = {}
    for key in sorted(set(keys), key=_natural_key):
        rows = W[[i for i, k in enumerate(keys) if k == key]]
        table[key] = [float(x) for x in rows.mean(axis=0)] if len(rows) else [0.0] * W.shape[1]
    return table


def _year_prevalence(W, documents: Sequence[TopicDocument]) -> dict[str, list[float]]:
    """Average topic distribution of the sentences that speak of each year.

    A sentence inherits its passage's topic mix; a passage with three sentences
    about 2025 counts three times for 2025.
    """
    sums: dict[int, Any] = defaultdict(lambda: [0.0] * W.shape[1])
    counts: dict[int, int] = defaultdict(int)
    for i, d in enumerate(documents):
        if W[i].sum() == 0:
            continue
        for years in d.sentence_years:
            for y in years:
                sums[y] = [a + float(b) for a, b in zip(sums[y], W[i])]
                counts[y] += 1
    return {str(y): [v / counts[y] for v in sums[y]] for y in sorted(sums) if counts[y] >= MIN_YEAR_SENTENCES}


def _year_sentence_counts(documents: Sequence[TopicDocument]) -> dict[str, int]:
    counts: dict[int, int] = defaultdict(int)
    for d in documents:
        for years in d.sentence_years:
            for y in years:
                counts[y] += 1
    return {str(y): counts[y] for y in sorted(counts)}


def _labels(top_terms: list[list[tuple[str, float]]], mostly_heads: set[str]) -> list[str]:
    """Readable, distinct labels from the top lemmas.

    A term that occurs mostly as a compound head ("paja") is shown as the strongest top
    compound that ends with it ("työpaja"); a term already inside a chosen one is skipped.
    """
    labels: list[str] = []
    for terms in top_terms:
        chosen: list[str] = []
        names = [t for t, _ in terms]
        for term in names:
            if term in mostly_heads:
                term = next((c for c in names if c != term and c.endswith(term)), term)
            if any(term in c or c in term for c in chosen):
                continue
            chosen.append(term)
            if len(chosen) == N_LABEL_TERMS and ", ".join(chosen) not in labels:
                break
        labels.append(", ".join(chosen) if chosen else "(tyhjä)")
    return labels


def _mostly_heads(documents: Sequence[TopicDocument]) -> set[str]:
    """Terms seen more often as the head of a compound than as a word of their own."""
    as_word: dict[str, int] = defaultdict(int)
    as_head: dict[str, int] = defaultdict(int)
    for d in documents:
        for w in d.lemmas.split():
            as_word[w] += 1
        for w in d.heads.split():
            as_head[w] += 1
    return {w for w, n in as_head.items() if n > as_word.get(w, 0)}


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
    return _result_from_dict(data["result"], data.get("doc_topics", {}))


def _result_from_dict(data: dict[str, Any], doc_topics: dict[str, list[float]]) -> TopicsResult:
    topics_ = tuple(
        Topic(
            id=t["id"], label=t["label"], terms=tuple((a, b) for a, b in t["terms"]),
            passages=tuple(TopicPassage(**p) for p in t["passages"]),
            by_theme=t["by_theme"], by_section=t["by_section"], by_edition=t["by_edition"], by_year=t["by_year"],
            themes_present=t["themes_present"], editions_present=t["editions_present"],
            recurring=t["recurring"], spread=t["spread"],
        )
        for t in data["topics"]
    )
    assignments = tuple(Assignment(**a) for a in data["assignments"])
    return TopicsResult(data["method"], data["k"], topics_, assignments, data.get("settings", {}),
                        {pid: tuple(row) for pid, row in doc_topics.items()}, stored=True)


def _document_from_dict(d: dict[str, Any]) -> TopicDocument:
    return TopicDocument(d["passage_id"], d["edition"], d["theme_id"], d["section"], d["lemmas"], d["heads"],
                         tuple(tuple(y) for y in d["sentence_years"]), d["text"])


def _write_json_atomic(path: Path, data: Any) -> None:
    """Write to a temporary file in the same folder, then rename over the target."""
    fd, tmp = tempfile.mkstemp(prefix=path.name, suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(data, f, ensure_ascii=False)
        os.chmod(tmp, 0o644)   # mkstemp makes it private; the model is not secret
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise

