"""Topic quality benchmark: textkit's topic model against baselines, in the same run.

    .venv/bin/python bench/topics_quality.py [--k 12] [--seeds 5] [--sweep] [--json OUT]

Measured on the passages of sections 2–5 of the corpus (the 2024 edition):

- agreement with a reader: NMI and ARI of each model's topic of a sentence against the
  hand labels of `bench/topics_judged/sentences.tsv` (cross-cutting subjects; sentences
  matched on theme + section + normalised text; label `muu` = no clear subject left out, also
  reported with it). A passage-level model gives each sentence its passage's topic.

- coherence: mean NPMI of the top-10 term pairs of each topic, from document
  co-occurrence over the passages, each passage taken as the set of its lemmas,
  compound heads and lowercased surface words (one reference corpus for every
  model, so lemma terms and a baseline's surface words are scored alike). Also the
  NPMI in each model's own representation, for completeness.
- stability across seeds: fit with `--seeds` random states; mean over run pairs of
  the best one-to-one match (Hungarian) of topics by Jaccard of their top-10 terms,
  and the adjusted Rand index of the dominant-topic assignments.
- stability under resampling: the same, each run fitted on a different random 80 %
  of the passages (a harder test: deterministic initialisation does not help here).
- for scale, not a model: a logistic regression TRAINED on the hand labels (stratified 5-fold
  cross-validation) on textkit's sentence features: roughly what the same features can carry
  when the labels are known, so what an unsupervised model on them could at most reach.
- theme spread: per topic the effective number of themes (exp of the entropy of
  its theme shares) and the number of themes where it is ≥5 % of the text; the
  topics worth showing cut across themes.

Candidates: textkit (NMF over sentences: whole-word lemmas, meaningful compound heads and
recurring phrases, theme-damped TF-IDF, a window of the neighbouring sentences), variants
of it, and the baselines k-means on raw unlemmatised TF-IDF and LDA on raw unlemmatised
counts, each on sentences and on passages.
Prints tables and, with `--json OUT`, writes the JSON of the bench/README.md contract.
"""

from __future__ import annotations

import argparse
import csv
import itertools
import json
import math
import re
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

TOP_N = 10
SWEEP_NMI_TIE = 0.005   # sweep: an NMI this close to the best is a tie, which coherence decides (README)

# The cross-cutting subjects product.md names, each as lemmas that would mark its topic.
SUBJECTS = {
    "hankehaku": {"haku", "hankehaku", "hakukierros", "rahoitushaku"},
    "viestintä": {"viestintä", "verkkosivu", "uutiskirje", "some", "media", "viestiä"},
    "tapahtumat ja verkostot": {"tilaisuus", "webinaari", "työpaja", "verkostoitumistilaisuus", "tapahtuma"},
    "arviointi ja vaikuttavuus": {"arviointi", "vaikuttavuus", "vaikutus", "arvioida"},
    "alueellinen yhteistyö": {"alueellinen", "ely-keskus", "hyvinvointialue", "maakunta"},
    "digitalisaatio": {"digitaalinen", "digitalisaatio", "tekoäly", "digi"},
    "TE24-uudistus": {"te24", "te2024", "työllisyysalue", "te-palvelu"},
}


# ---------------------------------------------------------------- metrics


def npmi_coherence(topic_terms: list[list[str]], doc_sets: list[set[str]], top_n: int = TOP_N) -> list[float]:
    """Per topic, the mean NPMI of its top-n term pairs over document co-occurrence.

    A pair that never co-occurs scores −1; a term missing from the reference corpus
    counts as never co-occurring. Pairs where one term contains the other
    ("hankehaku", "haku") are left out, since they co-occur by construction.
    """
    n_docs = len(doc_sets)
    df: dict[str, int] = {}
    for s in doc_sets:
        for w in s:
            df[w] = df.get(w, 0) + 1
    scores = []
    for terms in topic_terms:
        terms = list(dict.fromkeys(terms))[:top_n]
        pair_scores = []
        for a, b in itertools.combinations(terms, 2):
            if a in b or b in a:
                continue   # a compound and its own head always co-occur: no evidence of coherence
            joint = sum(1 for s in doc_sets if a in s and b in s) if df.get(a) and df.get(b) else 0
            if joint == 0:
                pair_scores.append(-1.0)
                continue
            p_ab = joint / n_docs
            p_a, p_b = df[a] / n_docs, df[b] / n_docs
            if p_ab >= 1.0:
                pair_scores.append(1.0)
                continue
            pair_scores.append(math.log(p_ab / (p_a * p_b)) / -math.log(p_ab))
        scores.append(sum(pair_scores) / len(pair_scores) if pair_scores else 0.0)
    return scores


def matched_jaccard(run_a: list[list[str]], run_b: list[list[str]]) -> float:
    """Mean Jaccard of top-term sets under the best one-to-one matching of topics."""
    import numpy as np
    from scipy.optimize import linear_sum_assignment

    sim = np.array([[len(set(a) & set(b)) / max(1, len(set(a) | set(b))) for b in run_b] for a in run_a])
    rows, cols = linear_sum_assignment(-sim)
    return float(sim[rows, cols].mean())


def theme_spread(doc_topic, themes: list[str], presence: float = 0.05) -> dict[str, float]:
    """Mean effective number of themes per topic and mean number of themes where it is ≥ presence."""
    import numpy as np

    names = sorted(set(themes))
    table = np.vstack([doc_topic[[i for i, t in enumerate(themes) if t == n]].mean(axis=0) for n in names])
    effective, present = [], []
    for t in range(table.shape[1]):
        col = table[:, t]
        present.append(int((col >= presence).sum()))
        p = col[col > 0] / col.sum() if col.sum() > 0 else np.array([])
        effective.append(float(math.exp(-(p * np.log(p)).sum())) if len(p) else 0.0)
    return {
        "effective_themes": round(float(np.mean(effective)), 2),
        "themes_present": round(float(np.mean(present)), 2),
        "topics_in_4plus_themes": int(sum(1 for x in present if x >= 4)),
        "topics_in_1_theme": int(sum(1 for x in present if x <= 1)),
    }


# ---------------------------------------------------------------- judged sentences

JUDGED_FILE = Path(__file__).resolve().parent / "topics_judged" / "sentences.tsv"
NO_SUBJECT = "muu"
_SPACE_RE = re.compile(r"\s+")


def _normalise(text: str) -> str:
    return _SPACE_RE.sub(" ", text).strip()


def load_judged(docs, path: Path = JUDGED_FILE) -> list[dict]:
    """The judged sentences matched to (passage index, sentence index) of `docs`, on theme +
    section + normalised text (passage ids may change when the parser cuts passages anew)."""
    rows = []
    with path.open(encoding="utf-8") as f:
        reader = csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE)
        rows = [r for r in reader if r.get("label")]
    where: dict[tuple[str, int, str], tuple[int, int]] = {}
    for p, d in enumerate(docs):
        for i in range(len(d.sentence_spans)):
            where.setdefault((d.theme_id, d.section, _normalise(d.sentence_text(i))), (p, i))
    judged = []
    for r in rows:
        key = (r["theme_id"], int(r["section"]), _normalise(r["text"]))
        if key in where:
            judged.append({"label": r["label"], "passage": where[key][0], "sentence": where[key][1]})
    return judged


def agreement(candidate: "_Candidate", W, units: list[int], judged: list[dict], *, with_muu: bool = False) -> dict:
    """NMI and ARI of the candidate's topic of each judged sentence against the hand labels."""
    from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score

    row_of = {u: r for r, u in enumerate(units)}
    truth, found = [], []
    for j in judged:
        if j["label"] == NO_SUBJECT and not with_muu:
            continue
        u = candidate.unit_of.get((j["passage"], j["sentence"]) if candidate.unit == "sentence" else j["passage"])
        r = row_of.get(u)
        truth.append(j["label"])
        found.append(int(W[r].argmax()) if r is not None and W[r].sum() > 0 else -1)
    return {"nmi": normalized_mutual_info_score(truth, found), "ari": adjusted_rand_score(truth, found),
            "n": len(truth)}


# ---------------------------------------------------------------- candidates


class _Candidate:
    """A way of turning the corpus into topics over units (sentences or passages).

    `fit(k, seed, passages)` fits on the units of the given passages (all by default) and
    returns (top terms per topic, doc-topic matrix of those units, the unit indices)."""

    def __init__(self, name, description, unit, texts, themes, passage_of, make, unit_of):
        self.name, self.description, self.unit = name, description, unit
        self.texts, self.themes, self.passage_of, self.make = texts, themes, passage_of, make
        self.unit_of = unit_of

    def fit(self, k, seed, passages=None):
        keep = set(range(max(self.passage_of) + 1)) if passages is None else set(passages)
        idx = [u for u, p in enumerate(self.passage_of) if p in keep]
        terms, W = self.make(k, seed, [self.texts[i] for i in idx], [self.themes[i] for i in idx],
                             [self.passage_of[i] for i in idx])
        return terms, W, idx


def _textkit_factory(method, damping, context, class_weights=None, **settings):
    def make(k, seed, docs, themes, groups):
        from textkit.topics import TopicModel

        m = TopicModel(n_topics=k, method=method, theme_damping=damping, context=context,
                       class_weights=class_weights, random_state=seed, **settings).fit(docs, themes, groups=groups)
        return [[t for t, _ in terms] for terms in m.top_terms_], m.doc_topic_
    return make


def _raw_kmeans(k, seed, docs, themes, groups):
    import numpy as np
    from sklearn.cluster import KMeans
    from sklearn.feature_extraction.text import TfidfVectorizer

    vec = TfidfVectorizer(min_df=2, max_df=0.5, sublinear_tf=True)
    X = vec.fit_transform(docs)
    km = KMeans(n_clusters=k, n_init=10, random_state=seed).fit(X)
    vocab = vec.get_feature_names_out()
    terms = [[str(vocab[j]) for j in np.argsort(-c, kind="stable")[:TOP_N]] for c in km.cluster_centers_]
    return terms, np.eye(k)[km.labels_]


def _raw_lda(k, seed, docs, themes, groups):
    import numpy as np
    from sklearn.decomposition import LatentDirichletAllocation
    from sklearn.feature_extraction.text import CountVectorizer

    vec = CountVectorizer(min_df=2, max_df=0.5)
    X = vec.fit_transform(docs)
    lda = LatentDirichletAllocation(n_components=k, learning_method="batch", max_iter=50, random_state=seed)
    W = lda.fit_transform(X)
    vocab = vec.get_feature_names_out()
    terms = [[str(vocab[j]) for j in np.argsort(-c, kind="stable")[:TOP_N]] for c in lda.components_]
    return terms, W


# ---------------------------------------------------------------- evaluation


def evaluate(candidate: _Candidate, k: int, seeds: int, ref_sets: list[set[str]], judged: list[dict],
             *, resamples: int = 5) -> dict:
    import random

    import numpy as np
    from sklearn.metrics import adjusted_rand_score

    started = time.perf_counter()
    runs = [candidate.fit(k, seed) for seed in range(seeds)]
    seconds = (time.perf_counter() - started) / seeds
    terms0, W0, units0 = runs[0]
    # Coherence and agreement averaged over the seed runs: one unlucky k-means run must not decide.
    coherence = [c for terms, _, _ in runs for c in npmi_coherence(terms, ref_sets)]
    agree = [agreement(candidate, W, units, judged) for _, W, units in runs]
    agree_muu = [agreement(candidate, W, units, judged, with_muu=True) for _, W, units in runs]
    pairs = list(itertools.combinations(range(seeds), 2))
    jacc = [matched_jaccard(runs[a][0], runs[b][0]) for a, b in pairs]
    ari = [adjusted_rand_score(runs[a][1].argmax(axis=1), runs[b][1].argmax(axis=1)) for a, b in pairs]
    n = max(candidate.passage_of) + 1
    subs = []
    for seed in range(resamples):
        rng = random.Random(1000 + seed)
        subs.append(candidate.fit(k, 0, sorted(rng.sample(range(n), int(0.8 * n))))[0])
    sub_pairs = list(itertools.combinations(range(resamples), 2))
    sub_jacc = [matched_jaccard(subs[a], subs[b]) for a, b in sub_pairs]
    return {
        "name": candidate.name,
        "description": candidate.description,
        "unit": candidate.unit,
        "k": k,
        "nmi": round(float(np.mean([a["nmi"] for a in agree])), 4),
        "ari": round(float(np.mean([a["ari"] for a in agree])), 4),
        "nmi_with_muu": round(float(np.mean([a["nmi"] for a in agree_muu])), 4),
        "judged_sentences": agree[0]["n"],
        "npmi": round(float(np.mean(coherence)), 4),
        "seed_stability_jaccard": round(float(np.mean(jacc)), 4) if jacc else 1.0,
        "seed_stability_ari": round(float(np.mean(ari)), 4) if ari else 1.0,
        "resample_stability_jaccard": round(float(np.mean(sub_jacc)), 4) if sub_jacc else 1.0,
        "spread": theme_spread(W0, [candidate.themes[u] for u in units0]),
        "fit_seconds": round(seconds, 3),
        "subjects_found": sum(1 for words in SUBJECTS.values() if any(set(t) & words for t in terms0)),
        "example_topics": [", ".join(w.replace("_", " ") for w in t[:6]) for t in terms0],
    }


def load_corpus(*, heads: bool = True, phrases: bool = True, modifiers: bool = True):
    """The lemmatised passages (textkit's analysis) with the chosen features."""
    from textkit.analysis import get_analyzer
    from textkit.corpus import load_editions
    from textkit.topics import lemmatise_passages

    return lemmatise_passages(load_editions(), analyzer=get_analyzer(), heads=heads, phrases=phrases, modifiers=modifiers)


def textkit_candidate(docs, name, description, *, damping, context, method="nmf", class_weights=None, **settings):
    from textkit.topics import sentence_units

    units = sentence_units(docs)
    c = _Candidate(name, description, "sentence", [docs[d].sentence_terms[i] for d, i in units],
                   [docs[d].theme_id for d, _ in units], [d for d, _ in units],
                   _textkit_factory(method, damping, context, class_weights, **settings),
                   {u: n for n, u in enumerate(units)})
    c.deterministic = method == "nmf"   # exact NNDSVDa start: the seed changes nothing
    return c


def baseline_candidates(docs):
    """k-means and LDA on raw lowercased words, fitted on sentences and on passages."""
    sent = [(p, i) for p, d in enumerate(docs) for i in range(len(d.sentence_spans))]
    by_sentence = dict(unit="sentence", texts=[docs[p].sentence_text(i).lower() for p, i in sent],
                       themes=[docs[p].theme_id for p, _ in sent], passage_of=[p for p, _ in sent],
                       unit_of={u: n for n, u in enumerate(sent)})
    by_passage = dict(unit="passage", texts=[d.text.lower() for d in docs], themes=[d.theme_id for d in docs],
                      passage_of=list(range(len(docs))), unit_of={p: p for p in range(len(docs))})
    def make(name, description, shape, fit):
        return _Candidate(name, description, shape["unit"], shape["texts"], shape["themes"], shape["passage_of"],
                          fit, shape["unit_of"])

    return {
        "baseline_kmeans_raw": make("baseline_kmeans_raw", "k-means on raw unlemmatised TF-IDF of sentences",
                                    by_sentence, _raw_kmeans),
        "baseline_kmeans_raw_passages": make("baseline_kmeans_raw_passages",
                                             "k-means on raw unlemmatised TF-IDF of passages", by_passage, _raw_kmeans),
        "baseline_lda_raw": make("baseline_lda_raw", "LDA (scikit-learn) on raw counts of sentences",
                                 by_sentence, _raw_lda),
        "baseline_lda_raw_passages": make("baseline_lda_raw_passages", "LDA (scikit-learn) on raw counts of passages",
                                          by_passage, _raw_lda),
    }


def reference_sets(docs) -> list[set[str]]:
    """One reference corpus for every model's coherence: each passage as its lemmas, compound
    heads, phrases and lowercased surface words."""
    raw_sets = [set(re.findall(r"(?u)\b\w\w+\b", d.text.lower())) for d in docs]
    return [set(d.terms.split()) | set(d.lemmas.split()) | r for d, r in zip(docs, raw_sets)]


# ---------------------------------------------------------------- the run


SWEEP_K = (12, 14, 16)
SWEEP_DAMPING = (0.0, 0.25, 0.5)
SWEEP_CONTEXT = (0.5, 0.75)
SWEEP_CLASS_WEIGHT = (0.5, 1.0)
SWEEP_RESAMPLES = 3                 # 80 % resamples per setting in the sweep (5 in the main table)     # weight of verbs and adjectives (adverbs, numerals, pronouns 0)
# (heads, phrases, compound modifiers)
SWEEP_FEATURES = {"lemmas + parts + phrases": (True, True, True), "lemmas + heads + phrases": (True, True, False),
                  "lemmas + parts": (True, False, True)}
SWEEP_FEATURES_WIDE = "lemmas + parts + phrases"   # the only one swept over every other setting
# How a sentence is placed after the fit (None: its mix of the fit, over its whole window; a
# number: refitted on its own words + that × the next sentence's) and what idf counts,
# swept over window and k at the default features, damping and word-class weights.
SWEEP_ASSIGN = (None, 0.0, 0.25, 0.5)
SWEEP_IDF = ("unit", "passage")
SWEEP_ASSIGN_CONTEXT = (0.75, 1.0)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--k", type=int, default=None, help="number of topics (default: textkit's DEFAULT_K)")
    ap.add_argument("--seeds", type=int, default=5)
    ap.add_argument("--sweep", action="store_true",
                    help="also sweep k × features × theme damping × sentence window for textkit (slow)")
    ap.add_argument("--only", help="comma-separated candidate names (default: all)")
    ap.add_argument("--json", metavar="OUT", help="write the result JSON here (bench/README.md contract)")
    args = ap.parse_args(argv)

    from textkit.topics import (CLASS_WEIGHTS, DEFAULT_ASSIGN_CONTEXT, DEFAULT_CONTEXT, DEFAULT_IDF_UNIT, DEFAULT_K,
                                DEFAULT_REACH, DEFAULT_THEME_DAMPING)

    k = args.k or DEFAULT_K
    started = time.perf_counter()
    _log("lemmatising the corpus …")
    docs = load_corpus()
    judged = load_judged(docs)
    ref_sets = reference_sets(docs)
    candidates = {
        "textkit": textkit_candidate(
            docs, "textkit", f"NMF on sentences (window {DEFAULT_CONTEXT}^d, d ≤ {DEFAULT_REACH}), whole-word "
            f"lemmas + compound parts + phrases, word-class weights, theme-damped TF-IDF ({DEFAULT_THEME_DAMPING}), "
            f"idf over {DEFAULT_IDF_UNIT}s; each sentence placed by its own words + {DEFAULT_ASSIGN_CONTEXT} × "
            f"the next sentence's, topics held fixed", damping=DEFAULT_THEME_DAMPING, context=DEFAULT_CONTEXT),
        "textkit_fit_mix": textkit_candidate(docs, "textkit_fit_mix", "the same, each sentence keeps its mix of the "
                                             "fit (its whole window)", damping=DEFAULT_THEME_DAMPING,
                                             context=DEFAULT_CONTEXT, assign_context=None),
        "textkit_sentence_idf": textkit_candidate(docs, "textkit_sentence_idf", "the same with idf over sentences",
                                                  damping=DEFAULT_THEME_DAMPING, context=DEFAULT_CONTEXT,
                                                  idf_unit="unit"),
        "textkit_no_class_weights": textkit_candidate(docs, "textkit_no_class_weights",
                                                      "the same without word-class weights", damping=DEFAULT_THEME_DAMPING,
                                                      context=DEFAULT_CONTEXT, class_weights={}),
        "textkit_undamped": textkit_candidate(docs, "textkit_undamped", "the same without theme damping",
                                              damping=0.0, context=DEFAULT_CONTEXT),
        "textkit_no_window": textkit_candidate(docs, "textkit_no_window", "the same, each sentence alone",
                                               damping=DEFAULT_THEME_DAMPING, context=0.0),
        "kmeans_textkit_features": textkit_candidate(
            docs, "kmeans_textkit_features", "k-means on textkit's sentence vectors", method="kmeans",
            damping=DEFAULT_THEME_DAMPING, context=DEFAULT_CONTEXT),
        **baseline_candidates(docs),
    }
    names = args.only.split(",") if args.only else list(candidates)
    results = []
    for n in names:
        _log(f"{n} …")
        seeds = 1 if getattr(candidates[n], "deterministic", False) else args.seeds
        results.append(evaluate(candidates[n], k, seeds, ref_sets, judged))
    sweep = []
    if args.sweep:
        feature_docs = {label: (docs if all(flags) else load_corpus(heads=flags[0], phrases=flags[1],
                                                                       modifiers=flags[2]))
                        for label, flags in SWEEP_FEATURES.items()}
        default = (DEFAULT_ASSIGN_CONTEXT, DEFAULT_IDF_UNIT)
        grid = [(label, d, c, w, kk, default) for label in feature_docs for d in SWEEP_DAMPING for c in SWEEP_CONTEXT
                for w in SWEEP_CLASS_WEIGHT for kk in SWEEP_K
                if (label == SWEEP_FEATURES_WIDE and (w == 0.5 or (d, c) == (DEFAULT_THEME_DAMPING, DEFAULT_CONTEXT)))
                or (d, c, w) == (DEFAULT_THEME_DAMPING, DEFAULT_CONTEXT, 0.5)]
        grid += [(SWEEP_FEATURES_WIDE, DEFAULT_THEME_DAMPING, c, 0.5, kk, (a, idf))
                 for a in SWEEP_ASSIGN for idf in SWEEP_IDF for c in SWEEP_ASSIGN_CONTEXT for kk in SWEEP_K
                 if (a, idf) != default or c not in SWEEP_CONTEXT]
        for label, damping, context, weight, kk, (assign, idf) in grid:
            _log(f"sweep {label} damping={damping} context={context} class weight={weight} k={kk} "
                 f"assign={assign} idf={idf} …")
            weights = {**CLASS_WEIGHTS, **{c: weight for c, v in CLASS_WEIGHTS.items() if v == 0.5}}
            c = textkit_candidate(feature_docs[label], "textkit", label, damping=damping, context=context,
                                  class_weights=weights, assign_context=assign, idf_unit=idf)
            r = evaluate(c, kk, 1, ref_sets, judged, resamples=SWEEP_RESAMPLES)
            r.update(features=label, damping=damping, context=context, class_weight=weight,
                     assign="fit mix" if assign is None else assign, idf=idf)
            sweep.append(r)
        for kk in SWEEP_K:
            _log(f"sweep baseline k={kk} …")
            for n in ("baseline_kmeans_raw", "baseline_kmeans_raw_passages"):
                r = evaluate(candidates[n], kk, args.seeds, ref_sets, judged, resamples=SWEEP_RESAMPLES)
                r.update(features="raw words", damping=None, context=None, class_weight=None)
                sweep.append(r)
    _log("supervised reference …")
    reference = supervised_reference(docs, judged)
    report = _report(results, sweep, len(docs), len(judged), k, args.seeds, time.perf_counter() - started)
    report["supervised_reference"] = reference
    report["tables"].insert(1, {
        "title": "For scale, not a model: a classifier TRAINED on the hand labels, cross-validated",
        "columns": ["features", "C", "NMI", "ARI", "accuracy", "folds"],
        "rows": [[r["features"], r["C"], r["nmi"], r["ari"], r["accuracy"], r["folds"]] for r in reference]})
    if args.json:
        Path(args.json).write_text(json.dumps(report, ensure_ascii=False, indent=2), encoding="utf-8")
    _print_table(report)
    return 0


NMI_TARGET = 0.45
NMI_RATIO_TARGET = 1.8
REFERENCE_C = (1.0, 10.0)
REFERENCE_FOLDS = 5


def supervised_reference(docs, judged: list[dict]) -> list[dict]:
    """How far a sentence's words go when the labels ARE known: logistic regression on textkit's
    sentence features, trained and scored by stratified 5-fold cross-validation on the judged
    sentences (without 'muu'). It uses the labels, so it is no candidate: it shows what an
    unsupervised model on the same features could at most be expected to reach."""
    import numpy as np
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score
    from sklearn.model_selection import StratifiedKFold, cross_val_predict

    from textkit.topics import ASSIGN_REACH, DEFAULT_ASSIGN_CONTEXT, DEFAULT_CONTEXT, DEFAULT_REACH, TopicModel, sentence_units

    units = sentence_units(docs)
    row_of = {u: n for n, u in enumerate(units)}
    texts = [docs[d].sentence_terms[i] for d, i in units]
    model = TopicModel()
    counts, _, _ = model._features(texts, [docs[d].theme_id for d, _ in units], [d for d, _ in units])
    groups = [d for d, _ in units]
    features = {
        f"own words + {DEFAULT_ASSIGN_CONTEXT} × next sentence (as textkit places a sentence)":
            model._weigh(counts, groups, context=DEFAULT_ASSIGN_CONTEXT, reach=ASSIGN_REACH),
        f"the fit's window ({DEFAULT_CONTEXT}^d, d ≤ {DEFAULT_REACH})": model._weigh(counts, groups),
    }
    rows = [(row_of[(j["passage"], j["sentence"])], j["label"]) for j in judged
            if j["label"] != NO_SUBJECT and (j["passage"], j["sentence"]) in row_of]
    index, truth = [r for r, _ in rows], np.array([label for _, label in rows])
    out = []
    for name, X in features.items():
        for c in REFERENCE_C:
            folds = StratifiedKFold(REFERENCE_FOLDS, shuffle=True, random_state=0)
            found = cross_val_predict(LogisticRegression(C=c, max_iter=3000), X[index], truth, cv=folds)
            out.append({"features": name, "C": c, "nmi": round(float(normalized_mutual_info_score(truth, found)), 4),
                        "ari": round(float(adjusted_rand_score(truth, found)), 4),
                        "accuracy": round(float(np.mean(found == truth)), 4), "folds": REFERENCE_FOLDS})
    return out


def rank_sweep(settings: list[dict], baselines: list[dict]) -> list[dict]:
    """textkit's sweep settings, the rule's choice first: among the settings whose coherence and
    resampling stability beat both k-means baselines at the same k, the highest NMI, where an NMI
    within SWEEP_NMI_TIE of the highest is a tie that the higher NPMI wins. Then the settings that
    beat the baselines by NMI, then the rest by NMI."""
    floor_npmi = {kk: max(r["npmi"] for r in baselines if r["k"] == kk) for kk in {r["k"] for r in baselines}}
    floor_stab = {kk: max(r["resample_stability_jaccard"] for r in baselines if r["k"] == kk)
                  for kk in {r["k"] for r in baselines}}

    def beats(r):
        return r["npmi"] > floor_npmi.get(r["k"], -1.0) and \
            r["resample_stability_jaccard"] > floor_stab.get(r["k"], 0.0)

    ranked = sorted(settings, key=lambda r: (not beats(r), -r["nmi"], -r["npmi"]))
    eligible = [r for r in ranked if beats(r)]
    if not eligible:
        return ranked
    tied = [r for r in eligible if r["nmi"] >= eligible[0]["nmi"] - SWEEP_NMI_TIE]
    choice = max(tied, key=lambda r: r["npmi"])
    return [choice] + [r for r in ranked if r is not choice]


def _report(results: list[dict], sweep: list[dict], n_docs: int, n_judged: int, k: int, seeds: int,
            seconds: float) -> dict:
    """The bench/README.md contract: targets (textkit vs baselines), tables, notes; raw results kept."""
    by_name = {r["name"]: r for r in results}
    mine = by_name.get("textkit")
    baselines = {n.removeprefix("baseline_"): r for n, r in by_name.items() if n.startswith("baseline")}
    targets = []
    if mine and baselines:
        kmeans = {n: r for n, r in baselines.items() if n.startswith("kmeans")}
        best_kmeans = max(r["nmi"] for r in kmeans.values()) if kmeans else 0.0
        targets.append({
            "name": "NMI against the judged sentence labels", "textkit": mine["nmi"],
            "baseline": {n: r["nmi"] for n, r in baselines.items()}, "unit": "",
            "ratio": round(mine["nmi"] / best_kmeans, 2) if best_kmeans > 0 else None,
            "target": f"textkit ≥ {NMI_TARGET} and ≥ {NMI_RATIO_TARGET}× the better k-means baseline",
            "pass": mine["nmi"] >= NMI_TARGET and mine["nmi"] >= NMI_RATIO_TARGET * best_kmeans,
        })
        targets.append({
            "name": "ARI against the judged sentence labels", "textkit": mine["ari"],
            "baseline": {n: r["ari"] for n, r in baselines.items()}, "unit": "",
            "target": "textkit > each baseline", "pass": all(mine["ari"] > r["ari"] for r in baselines.values()),
        })
        measures = (
            ("coherence (NPMI, top 10)", lambda r: r["npmi"], ""),
            ("stability under 80 % resampling (matched top-10 Jaccard)",
             lambda r: r["resample_stability_jaccard"], ""),
            ("theme spread (effective number of themes per topic)",
             lambda r: r["spread"]["effective_themes"], "themes"),
        )
        for label, value, unit in measures:
            ours = value(mine)
            base = {n: value(r) for n, r in baselines.items()}
            if unit == "themes":
                # LDA on raw words spreads because its topics are function words; compare with k-means.
                compared = {n: v for n, v in base.items() if n.startswith("kmeans")}
                target = "textkit > k-means baselines (LDA shown only)"
            else:
                compared, target = base, "textkit > each baseline"
            best = max(compared.values())
            targets.append({
                "name": label, "textkit": ours, "baseline": base, "unit": unit,
                "ratio": round(ours / best, 2) if best > 0 else None,
                "target": target, "pass": all(ours > b for b in compared.values()),
            })
    columns = ["model", "unit", "NMI", "ARI", "NMI incl. muu", "NPMI", "seed Jaccard", "resample Jaccard",
               "effective themes", "themes ≥5 %", "s/fit"]

    def row(r: dict, name: str) -> list:
        s = r["spread"]
        return [name, r["unit"], r["nmi"], r["ari"], r["nmi_with_muu"], r["npmi"], r["seed_stability_jaccard"],
                r["resample_stability_jaccard"], s["effective_themes"], s["themes_present"], r["fit_seconds"]]

    tables = [{"title": f"Models at k={k} ({n_docs} passages of sections 2–5; {n_judged} judged sentences; "
                        f"{seeds} seeds for the models that depend on one)",
               "columns": columns, "rows": [row(r, r["name"]) for r in results]}]
    if sweep:
        base_sweep = [r for r in sweep if r["damping"] is None]
        ranked = rank_sweep([r for r in sweep if r["damping"] is not None], base_sweep)
        tables.append({
            "title": "Sweep: textkit settings, best first (the rule's choice first: among the settings whose "
                     "coherence and resampling stability beat both k-means baselines at the same k, the highest "
                     f"NMI, ties within {SWEEP_NMI_TIE} going to the higher NPMI; then by NMI; then the rest)",
            "columns": ["features", "damping", "window", "verb/adj weight", "placed by", "idf over", "k", "NMI", "ARI",
                        "NPMI", "resample Jaccard", "effective themes"],
            "rows": [[r["features"], r["damping"], r["context"], r["class_weight"], r.get("assign"), r.get("idf"), r["k"],
                      r["nmi"], r["ari"], r["npmi"], r["resample_stability_jaccard"], r["spread"]["effective_themes"]]
                     for r in ranked]})
        tables.append({"title": "Sweep: baselines over k", "columns": columns,
                       "rows": [row(r, f"{r['name']} k={r['k']}") for r in base_sweep]})
    if mine:
        tables.append({"title": "textkit topics (top terms)", "columns": ["topic", "top terms"],
                       "rows": [[i + 1, t] for i, t in enumerate(mine["example_topics"])]})
    notes = [
        "NMI (arithmetic normalisation) and ARI of each model's dominant topic of a judged sentence against the "
        "hand labels of bench/topics_judged/sentences.tsv, without the label 'muu' (no clear subject; also shown "
        "with it). Passage-level models give a sentence its passage's topic. Averaged over the seed runs.",
        "NPMI from document co-occurrence over the passages, each passage as the set of its lemmas, compound "
        "heads, phrases and surface words (one reference for every model), averaged over the seed runs; pairs "
        "where one term contains the other (hankehaku/haku) are left out.",
        "textkit's NMF starts from an exact NNDSVDa initialisation, so it does not depend on the seed (one run); "
        "the resampling stability (5 fits on different 80 % samples of the passages) is the test of robustness.",
        "Sweep column 'placed by': a number is the weight of the next sentence when each sentence's mix is "
        "refitted against the fitted topics (0: the sentence alone); 'fit mix' keeps the mix of the fit over the "
        "sentence's whole window. 'idf over': what a term's document frequency counts (sentences or passages).",
        f"The sweep uses {SWEEP_RESAMPLES} resamples per setting (the main table 5) and one run per setting for "
        "textkit; the baselines of the sweep are k-means on sentences and on passages over the same k.",
        "Baselines: k-means (10 inits) on TF-IDF of raw lowercased words; scikit-learn LDA on raw counts; each "
        "fitted on sentences and on passages.",
        "The supervised table uses the labels (trained and scored by cross-validation on the judged sentences); "
        "it is not a candidate and has no target, only a measure of how much of the readers' subjects the "
        "sentence features hold.",
        f"Whole run {seconds:.0f} s.",
    ]
    return {"name": "topics_quality", "title": "Topics: agreement with a reader, coherence, stability, spread",
            "targets": targets, "tables": tables, "notes": notes,
            "documents": n_docs, "judged": n_judged, "k": k, "seeds": seeds, "results": results, "sweep": sweep}


def _print_table(report: dict) -> None:
    for table in report["tables"]:
        print(table["title"])
        for r in [table["columns"]] + table["rows"][:40]:
            print("  " + " | ".join(str(x) for x in r))
        print()
    for t in report["targets"]:
        print(f"{'PASS' if t['pass'] else 'FAIL'}  {t['name']}: textkit {t['textkit']} vs {t['baseline']}")


def _log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


if __name__ == "__main__":
    raise SystemExit(main())
