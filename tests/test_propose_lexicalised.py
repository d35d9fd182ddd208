"""scripts/propose_lexicalised.py on the real 2024 edition: it proposes the kinds of entries
corpus/lexicalised.toml holds, from evidence in the corpus, the same way every run."""

from __future__ import annotations

import tomllib

from conftest import CORPUS, load_script


def _script():
    return load_script("scripts/propose_lexicalised.py")


def _run(capsys, *args) -> str:
    assert _script().main(["--corpus", str(CORPUS), *args]) == 0
    return capsys.readouterr().out


def test_proposals_come_with_evidence_and_a_toml_fragment(capsys):
    out = _run(capsys)
    fragment = tomllib.loads(out.split("# proposed TOML (curate before copying into corpus/lexicalised.toml)\n")[1])
    # adpositions that Voikko also reads as a noun's form, and function words with a content lemma
    assert {"kautta", "avulla", "puolesta"} <= set(fragment["forms"])
    # dictionary compounds with their own contexts, e.g. the maakunta and sukupuoli
    assert {"maakunta", "sukupuoli", "yhteiskunta"} <= set(fragment["compounds"])
    # productive compounds are not dictionary words and are not proposed
    assert not {"kuntakokeilu", "ohjelmakausi", "hankekausi"} & set(fragment["compounds"])
    assert "maakunta            kunta" in out        # the evidence table names the head
    assert out == _run(capsys), "reproducible"


def test_every_shipped_entry_has_an_effect():
    """A compound entry must have parts a query could match, a form entry a lemma other than
    itself: an entry that changes nothing is a mistake in the list."""
    from textkit.analysis import get_analyzer

    analyze = get_analyzer().analyze_word
    shipped = tomllib.loads((CORPUS / "lexicalised.toml").read_text(encoding="utf-8"))
    for compound in shipped["compounds"]:
        assert len(analyze(compound).parts) >= 2, compound
    for form in shipped["forms"]:
        assert set(analyze(form).lemmas) - {form}, form
