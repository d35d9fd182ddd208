"""Propose entries for corpus/lexicalised.toml from the corpus (reproducible; curate by hand).

Two kinds of candidates, each with the evidence a curator needs to decide:

compounds   Compounds (Voikko's word structure, as the index analyses them) whose head is
            also used on its own in the corpus, and where the compound looks like a word of
            its own rather than a kind of its head:
              - dictionary: the whole compound is an entry of simplemma's dictionary
                (productive compounds such as *kuntakokeilu*, *ohjelmakausi* are not);
              - contexts: the words around the compound (±5 lemmas, function words out) have
                little in common with the words around the head on its own (cosine);
              - family: the compound itself is a part of further compounds (*maakuntaliitto*),
                shown as evidence that it behaves as a word of its own.
            A candidate is proposed when it is a dictionary word, it and its head each occur at
            least --min-count times (fewer give no usable contexts) and the cosine of their
            contexts is below --max-cosine. On one edition this is a short list to read, not
            a decision: many transparent compounds (*kustannusarvio*) have their own contexts
            too, and a compound seen once has no evidence either way (see --all).
forms       Word forms that Voikko reads as an adposition or adverb (the form is its own
            lemma) and also as a form of another word (*kautta*: postposition, and *kausi*),
            and forms in textkit's list of function words whose lemma is a content word
            (*puolesta* → puoli, *avulla* → apu).

    .venv/bin/python scripts/propose_lexicalised.py [--corpus DIR] [--max-cosine 0.2] [--all]

Prints a table per kind and a TOML fragment of the proposed entries. Nothing is written: the
curator copies what is right into corpus/lexicalised.toml (see the README).
"""

from __future__ import annotations

import argparse
import math
import sys
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

WINDOW = 5
_ADVERBIAL_CLASSES = {"suhdesana", "seikkasana"}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", help="corpus folder (default: corpus/ or TEXTKIT_CORPUS)")
    parser.add_argument("--max-cosine", type=float, default=0.2,
                        help="context similarity below which a dictionary compound is proposed (default 0.2)")
    parser.add_argument("--min-count", type=int, default=2,
                        help="occurrences of the compound and of its head on its own needed for a proposal (default 2)")
    parser.add_argument("--all", action="store_true", help="list every candidate, not only the proposed ones")
    args = parser.parse_args(argv)

    from textkit.analysis import FUNCTION_WORDS, get_analyzer
    from textkit.corpus import load_editions

    analyzer = get_analyzer()
    editions = load_editions(Path(args.corpus) if args.corpus else None)
    texts = [p.text for e in editions for p in e.passages()]
    analyzer.learn_from_corpus(texts)   # the same analyses as the index
    passages = [[t for t in analyzer.tokens(text) if t.is_word] for text in texts]

    compounds = _compound_candidates(passages, analyzer, FUNCTION_WORDS, args.max_cosine, args.min_count)
    forms = _form_candidates(passages, FUNCTION_WORDS)
    shown_c = [c for c in compounds if args.all or c["proposed"]]
    shown_f = [f for f in forms if args.all or f["proposed"]]

    print(f"# {len(texts)} passages; {len(compounds)} compound candidates, {len(forms)} form candidates\n")
    print("compound            head        n  head n  dict  cosine  family  proposed")
    for c in shown_c:
        print(f"{c['compound']:<19} {c['head']:<10} {c['count']:>3} {c['head_count']:>6}  {'yes' if c['dictionary'] else 'no':<4}"
              f"  {c['cosine']:>6.2f}  {c['family']:>6}  {'yes' if c['proposed'] else 'no'}")
    print("\nform                lemmas                       n  why")
    for f in shown_f:
        print(f"{f['form']:<19} {', '.join(f['lemmas']):<26} {f['count']:>3}  {f['why']}")
    print("\n# proposed TOML (curate before copying into corpus/lexicalised.toml)")
    print("compounds = [" + ", ".join(f'"{c["compound"]}"' for c in compounds if c["proposed"]) + "]")
    print("forms = [" + ", ".join(f'"{f["form"]}"' for f in forms if f["proposed"]) + "]")
    return 0


def _compound_candidates(passages, analyzer, function_words, max_cosine, min_count) -> list[dict]:
    from textkit.analysis import _simplemma_knows

    whole_counts: Counter[str] = Counter()   # lemma used as a word of its own
    compound_head: dict[str, str] = {}
    compound_counts: Counter[str] = Counter()
    inner_of: dict[str, set[str]] = defaultdict(set)   # compound → compounds it is a part of
    for tokens in passages:
        for t in tokens:
            whole_counts[t.lemma] += 1
            if len(t.parts) >= 2:
                compound_counts[t.lemma] += 1
                compound_head.setdefault(t.lemma, t.parts[-1])
                for run in set(t.terms) - set(t.lemmas) - set(t.parts) - {t.text.lower()}:
                    inner_of[run].add(t.lemma)
    contexts = _contexts(passages, function_words)
    out = []
    for compound, count in compound_counts.items():
        head = compound_head[compound]
        # the compound itself, not a longer word built on it ("maakuntaliitto" counts for maakunta)
        if not head.isalpha() or whole_counts[head] == 0 or compound == head:
            continue
        dictionary = _simplemma_knows(compound)
        cosine = _cosine(contexts.get(compound, Counter()), contexts.get(head, Counter()))
        family = len(inner_of.get(compound, ()))
        proposed = dictionary and min(count, whole_counts[head]) >= min_count and cosine < max_cosine
        out.append({"compound": compound, "head": head, "count": count, "head_count": whole_counts[head],
                    "dictionary": dictionary, "cosine": cosine, "family": family, "proposed": proposed})
    out.sort(key=lambda c: (not c["proposed"], -c["count"], c["compound"]))
    return out


def _contexts(passages, function_words) -> dict[str, Counter]:
    """Lemma → counts of the content lemmas within WINDOW words of its occurrences."""
    out: dict[str, Counter] = defaultdict(Counter)
    for tokens in passages:
        lemmas = [t.lemma for t in tokens]
        for i, lemma in enumerate(lemmas):
            around = lemmas[max(0, i - WINDOW):i] + lemmas[i + 1:i + 1 + WINDOW]
            out[lemma].update(w for w in around if w not in function_words and len(w) > 2)
    return out


def _cosine(a: Counter, b: Counter) -> float:
    if not a or not b:
        return 0.0
    dot = sum(v * b.get(k, 0) for k, v in a.items())
    return dot / (math.sqrt(sum(v * v for v in a.values())) * math.sqrt(sum(v * v for v in b.values())))


def _form_candidates(passages, function_words) -> list[dict]:
    from textkit.analysis import _voikko_analyze

    counts: Counter[str] = Counter()
    lemmas_of: dict[str, tuple[str, ...]] = {}
    for tokens in passages:
        for t in tokens:
            if t.text.isalpha():
                lower = t.text.lower()
                counts[lower] += 1
                lemmas_of.setdefault(lower, t.lemmas)
    out = []
    for form, count in counts.items():
        lemmas = lemmas_of[form]
        others = [lem for lem in lemmas if lem != form]
        if not others:
            continue
        readings = _voikko_analyze(form)
        adverbial = any(r.get("CLASS") in _ADVERBIAL_CLASSES and r.get("BASEFORM", "").lower() == form for r in readings)
        if adverbial:
            why = f"Voikko: adposition/adverb '{form}' and a form of {', '.join(others)}"
        elif form in function_words:
            why = f"textkit function word; lemma {', '.join(others)}"
        else:
            continue
        out.append({"form": form, "lemmas": list(lemmas), "count": count, "why": why, "proposed": True})
    out.sort(key=lambda f: (-f["count"], f["form"]))
    return out


if __name__ == "__main__":
    sys.exit(main())
