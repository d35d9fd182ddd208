"""bench/topics_quality.py's sweep rule: which setting it puts first (the README's default rule)."""

from __future__ import annotations

import pytest

from conftest import load_script


@pytest.fixture(scope="module")
def tq():
    return load_script("bench/topics_quality.py")


def _row(name, k, nmi, npmi, stability):
    return {"name": name, "k": k, "nmi": nmi, "npmi": npmi, "resample_stability_jaccard": stability}


BASELINES = [_row("kmeans", 12, 0.1, 0.13, 0.26), _row("kmeans", 14, 0.2, 0.17, 0.29)]


def test_a_setting_below_the_baselines_coherence_is_never_chosen_however_high_its_nmi(tq):
    ranked = tq.rank_sweep([_row("incoherent", 12, 0.45, 0.10, 0.5), _row("ok", 14, 0.37, 0.175, 0.47)], BASELINES)
    assert [r["name"] for r in ranked] == ["ok", "incoherent"]


def test_a_near_tie_in_nmi_goes_to_the_more_coherent_setting(tq):
    settings = [_row("k12", 12, 0.3783, 0.134, 0.46), _row("k14", 14, 0.3774, 0.175, 0.48),
                _row("third", 14, 0.3700, 0.200, 0.48)]
    assert [r["name"] for r in tq.rank_sweep(settings, BASELINES)] == ["k14", "k12", "third"]


def test_a_clearly_higher_nmi_wins_over_coherence(tq):
    settings = [_row("higher", 12, 0.39, 0.14, 0.46), _row("coherent", 14, 0.37, 0.21, 0.48)]
    assert tq.rank_sweep(settings, BASELINES)[0]["name"] == "higher"
