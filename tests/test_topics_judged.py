"""The judged topic set's two labellings: same sentences, valid ids, and agreement.py's figures."""

from __future__ import annotations

import pytest

from conftest import load_script


@pytest.fixture(scope="module")
def agreement():
    return load_script("bench/topics_judged/agreement.py")


@pytest.fixture(scope="module")
def files(agreement):
    return agreement.read_tsv(agreement.FIRST), agreement.read_tsv(agreement.SECOND)


def test_both_labellings_cover_the_same_sentences_with_guideline_ids(agreement, files):
    first, second = files
    assert len(first) == len(second) == 638
    pairs = agreement.pair_labels(first, second)          # raises if the sentence sets differ
    assert len(pairs) == 638
    ids = set(agreement.subject_ids())
    assert "muu" in ids and "hankehaku" in ids and len(ids) == 16
    assert {p[0] for p in pairs} <= ids
    assert {p[1] for p in pairs} <= ids
    assert all(r["label2"] for r in second)


def test_pairing_refuses_files_that_cover_different_sentences(agreement, files):
    first, second = files
    changed = [dict(r) for r in second]
    changed[0]["text"] += " (muutettu)"
    with pytest.raises(ValueError):
        agreement.pair_labels(first, changed)


def test_agreement_figures_are_in_range_and_a_labelling_agrees_fully_with_itself(agreement, files):
    first, second = files
    pairs = agreement.pair_labels(first, second)
    for name, rows in agreement.row_sets(pairs).items():
        s = agreement.scores(rows)
        assert s["n"] > 500, name
        for k in ("raw", "kappa", "nmi", "ari"):
            assert 0.0 <= s[k] <= 1.0, (name, k, s[k])
    self_pairs = agreement.pair_labels(second, second, first_col="label2")
    s = agreement.scores(self_pairs)
    assert s["raw"] == 1.0 and s["kappa"] == pytest.approx(1.0)
    assert s["nmi"] == pytest.approx(1.0) and s["ari"] == pytest.approx(1.0)
    # (a) drops exactly the first labeller's muu rows, as the bench scores models
    a = next(iter(agreement.row_sets(pairs).values()))
    assert len(a) == sum(r["label"] != "muu" for r in first)


def test_kappa_falls_when_labels_are_shuffled(agreement, files):
    import random

    first, second = files
    pairs = agreement.pair_labels(first, second)
    shuffled = [p[1] for p in pairs]
    random.Random(0).shuffle(shuffled)
    chance = agreement.scores([(p[0], s) for p, s in zip(pairs, shuffled)])
    assert chance["kappa"] < 0.2 < agreement.scores(pairs)["kappa"]


def test_per_subject_table_and_confusions_add_up(agreement, files):
    first, second = files
    pairs = agreement.pair_labels(first, second)
    table = agreement.per_subject(pairs, agreement.subject_ids())
    assert sum(r["first"] for r in table) == sum(r["second"] for r in table) == len(pairs)
    assert sum(r["both"] for r in table) == sum(a == b for a, b in pairs)
    conf = agreement.confusions(pairs)
    assert len(conf) <= 10 and all(a != b for (a, b), _ in conf)
