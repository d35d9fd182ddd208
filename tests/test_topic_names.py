"""Topic names users give: stored beside the basket, matched to the topics of a rebuilt model
by their top terms (tests with small records and with the real 2024 model)."""

from __future__ import annotations

import json
from dataclasses import dataclass

import pytest

from textkit import cli
from textkit.errors import TextkitError
from textkit.topic_names import NAMES_FILE, TopicName, clean_name, load_names, match_names, rename_topic
from textkit.topics import fit_topics, load_documents, load_topics

from conftest import CORPUS


@dataclass(frozen=True)
class _T:
    id: int
    terms: tuple


def _topic(i, words):
    return _T(i, tuple((w, 1.0) for w in words.split()))


CALLS = "haku hankehaku rahoitushaku hakija erityistavoite rahoitus"
EVENTS = "tilaisuus webinaari työpaja foorumi osallistua verkosto"
NEWS = "viestintä verkkosivu media uutiskirje kampanja julkaisu"


def test_a_name_follows_its_topic_to_a_new_position():
    named = [TopicName("Hankehaut", tuple(CALLS.split()), "")]
    rebuilt = [_topic(0, EVENTS), _topic(1, NEWS), _topic(2, "haku hankehaku rahoitushaku hakija hakemus euro")]
    assert {t: n.name for t, n in match_names(named, rebuilt).items()} == {2: "Hankehaut"}


def test_a_name_whose_topic_is_gone_is_dropped_and_names_are_one_to_one():
    named = [TopicName("Hankehaut", tuple(CALLS.split()), ""), TopicName("Haut 2", tuple(CALLS.split()), "")]
    assert match_names(named, [_topic(0, EVENTS), _topic(1, NEWS)]) == {}
    both = match_names(named, [_topic(0, CALLS), _topic(1, EVENTS)])
    assert list(both) == [0]                     # one name per topic, never two


@pytest.mark.parametrize("bad", ["x" * 61, "Haut\x00", "Haut\u200b"])
def test_bad_names_are_refused_with_a_message(bad):
    with pytest.raises(TextkitError, match="Aiheen nim"):
        clean_name(bad)


def test_rename_is_saved_kept_for_the_same_model_and_removed_with_an_empty_name(built_models, tmp_path):
    import shutil

    models = tmp_path / "models"
    shutil.copytree(built_models, models)
    result = load_topics(models)
    rename_topic(result, 3, "  Tapahtumat   ja verkostot ", models)
    assert json.loads((models / NAMES_FILE).read_text(encoding="utf-8"))["names"][0]["name"] == "Tapahtumat ja verkostot"
    again = load_topics(models)
    assert again.topics[3].name == "Tapahtumat ja verkostot" and sum(bool(t.name) for t in again.topics) == 1
    # A refit with other settings keeps the name only where a topic with the same words survives.
    refit = fit_topics(load_documents(models_dir=models, corpus_dir=CORPUS), k=4)
    from textkit.topic_names import apply_names

    renamed = [t for t in apply_names(refit, models).topics if t.name]
    assert len(renamed) <= 1
    rename_topic(again, 3, "", models)
    assert load_names(models) == [] and not any(t.name for t in load_topics(models).topics)


def test_a_damaged_names_file_says_so(tmp_path):
    (tmp_path / NAMES_FILE).write_text("{rikki", encoding="utf-8")
    with pytest.raises(TextkitError, match="rikki"):
        load_names(tmp_path)


def test_cli_rename(built_models, tmp_path, monkeypatch, capsys):
    import shutil

    models = tmp_path / "models"
    shutil.copytree(built_models, models)
    monkeypatch.setenv("TEXTKIT_MODELS", str(models))
    monkeypatch.setenv("TEXTKIT_CORPUS", str(CORPUS))
    assert cli.main(["topics", "--rename", "2", "Hankehaut"]) == 0
    assert "2. Hankehaut (" in capsys.readouterr().out
    assert cli.main(["topics", "--rename", "99", "X"]) == 2
    assert "--rename" in capsys.readouterr().err
