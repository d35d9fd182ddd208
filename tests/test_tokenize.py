"""textkit.tokenize: spaCy's tokenizer rules without spaCy give the same tokens as spaCy.

The proof is over the real 2024 edition: every word form (each whitespace-separated chunk of
the file) and every passage as a whole, plus query syntax; then a search in a fresh process
that must not import spaCy.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from conftest import EDITION_2024_FILE, ROOT

from textkit.analysis import _build_tokenizer, _clean_input
from textkit.index import TOKENIZER_FILE
from textkit.tokenize import FORMAT, RuleTokenizer, save_rules, tokenizer_rules


@pytest.fixture(scope="module")
def spacy_tokenizer():
    return _build_tokenizer()


@pytest.fixture(scope="module")
def rule_tokenizer(spacy_tokenizer):
    # Through JSON, as a search process reads them from models/.
    return RuleTokenizer(json.loads(json.dumps(tokenizer_rules(spacy_tokenizer))))


def _spacy_spans(tokenizer, text: str) -> list[tuple[int, int]]:
    """The analyzer's spans from spaCy (analysis.Analyzer._token_spans)."""
    return [(t.idx, t.idx + len(t)) for t in tokenizer(text) if not t.is_space]


def test_every_word_form_of_the_corpus_is_cut_the_same(spacy_tokenizer, rule_tokenizer):
    text = _clean_input(EDITION_2024_FILE.read_text(encoding="utf-8"))
    forms = sorted(set(text.split()))
    assert len(forms) > 5000
    different = [(f, [f[s:e] for s, e in _spacy_spans(spacy_tokenizer, f)],
                  [f[s:e] for s, e in rule_tokenizer.spans(f)])
                 for f in forms if rule_tokenizer.spans(f) != _spacy_spans(spacy_tokenizer, f)]
    assert different == []


def test_every_passage_and_the_whole_edition_are_cut_the_same(spacy_tokenizer, rule_tokenizer, edition_2024):
    passages = [_clean_input(p.text) for p in edition_2024.passages()]
    different = [p[:80] for p in passages
                 if rule_tokenizer.spans(p) != _spacy_spans(spacy_tokenizer, p)]
    assert different == []
    whole = _clean_input(EDITION_2024_FILE.read_text(encoding="utf-8"))
    assert rule_tokenizer.spans(whole) == _spacy_spans(spacy_tokenizer, whole)


@pytest.mark.parametrize("query", [
    '"jatkuva oppiminen"', "(verkosto OR yhteistyö) AND arviointi", "TE24:ssä", "ESR+:n",
    "kunn*", "-hanke", "tekoäly- ja robotiikka", "mm. esim. ns.", "Esim.", "klo 12.", "4.3.",
    "1.11.2024", "www.esr.fi/haku?x=1", "info@te-palvelut.fi", "etunimi(at)ely-keskus.fi",
    ":)", "(TE24)", "“lainaus”", "S30068,", "vuosina 2023–24", "sosiaali- ja terveysministeriö",
    "a.", "n:o 5", "100 %", "  kaksi  välilyöntiä\tja\nrivinvaihto ",
])
def test_query_syntax_is_cut_the_same(spacy_tokenizer, rule_tokenizer, query):
    assert rule_tokenizer.spans(query) == _spacy_spans(spacy_tokenizer, query)


def test_rules_file_round_trip_and_refusals(tmp_path, spacy_tokenizer):
    path = tmp_path / TOKENIZER_FILE
    save_rules(spacy_tokenizer, path)
    loaded = RuleTokenizer.load(path)
    assert loaded is not None
    assert loaded.spans("Hankehaku (TE24) alkoi.") == _spacy_spans(spacy_tokenizer, "Hankehaku (TE24) alkoi.")
    data = json.loads(path.read_text(encoding="utf-8"))
    for change in ({"spacy": "0.0.1"}, {"format": FORMAT + 1}):
        path.write_text(json.dumps({**data, **change}), encoding="utf-8")
        assert RuleTokenizer.load(path) is None      # another spaCy or format: spaCy is used
    path.write_text("{broken", encoding="utf-8")
    assert RuleTokenizer.load(path) is None
    assert RuleTokenizer.load(tmp_path / "missing.json") is None


def test_a_search_in_a_new_process_does_not_import_spacy(built_models):
    """The CLI's search path, in a fresh process: same hits as here, spaCy never imported."""
    from textkit.index import search

    assert (built_models / TOKENIZER_FILE).exists()
    here = search('hankehaku OR "jatkuva oppiminen"', models_dir=built_models)
    code = (
        "import json, sys\n"
        "from textkit.index import search\n"
        "r = search('hankehaku OR \"jatkuva oppiminen\"', models_dir=sys.argv[1])\n"
        "print(json.dumps({'spacy': 'spacy' in sys.modules, 'total': r.total, "
        "'ids': [h.passage_id for h in r.hits], 'matches': [list(h.matches) for h in r.hits]}))\n"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT), "TEXTKIT_MODELS": str(built_models)}
    out = subprocess.run([sys.executable, "-c", code, str(built_models)], env=env, cwd=ROOT,
                         capture_output=True, text=True, timeout=120, check=True)
    there = json.loads(out.stdout.strip().splitlines()[-1])
    assert there["spacy"] is False
    assert there["total"] == here.total > 0
    assert there["ids"] == [h.passage_id for h in here.hits]
    assert there["matches"] == [list(h.matches) for h in here.hits]
