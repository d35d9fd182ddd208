"""textkit.analysis: tokens, sentences, lemmas, compound parts, fallback, stop words, bad input."""

from __future__ import annotations

import pickle
import subprocess
import sys

import pytest

from textkit.analysis import STOP_WORDS, Token, get_analyzer
from textkit.cli import main

from conftest import EDITION_2024_FILE, ROOT


@pytest.fixture(scope="module")
def analyzer():
    return get_analyzer()


@pytest.fixture(scope="module")
def corpus_tokens(analyzer):
    return analyzer.tokens(EDITION_2024_FILE.read_text(encoding="utf-8"))


def texts(tokens):
    return [t.text for t in tokens]


# ---------------------------------------------------------------- tokens


@pytest.mark.parametrize(
    "token",
    ["TE24-uudistuksessa", "ESR+:n", "4.3.-hankkeet", "31.10.2024", "satu.tuimala(at)ely-keskus.fi", "–"],
)
def test_report_tokens_come_out_whole(analyzer, token):
    assert token in texts(analyzer.tokens(f"Tässä on {token} keskellä lausetta."))


def test_esr_plus_hanke_keeps_the_plus_and_the_head(analyzer):
    tokens = analyzer.tokens("ESR+ -hanke alkoi.")
    assert texts(tokens)[:2] == ["ESR+", "-hanke"]
    assert tokens[1].lemma == "hanke"


def test_offsets_point_into_the_input(analyzer):
    text = "Työllisyysalueiden  TE24-uudistuksessa\n\nmm. tekoäly- ja robotiikka."
    for tok in analyzer.tokens(text):
        assert text[tok.start : tok.end] == tok.text


def test_real_corpus_has_the_tricky_tokens(corpus_tokens):
    surfaces = set(texts(corpus_tokens))
    for token in ["TE24", "4.3.-hankkeisiin", "31.10.2024", "max.", "satu.tuimala(at)ely-keskus.fi", "ESR+", "–"]:
        assert token in surfaces


# ---------------------------------------------------------------- sentences


def test_abbreviations_and_dates_do_not_end_sentences(analyzer):
    text = (
        "Hankkeita on mm. Oulussa ja esim. Turussa, ns. Kasvupalvelut, n. 5 kpl ml. pilotit, "
        "max. 2000 merkkiä, yht. 3 tilaisuutta klo 12 alkaen 31.10.2024 asti ja 4.3. Kuopiossa. "
        "Toinen lause alkaa tästä."
    )
    spans = analyzer.sentences(text)
    assert len(spans) == 2
    assert text[spans[1][0] : spans[1][1]] == "Toinen lause alkaa tästä."


def test_sentence_indexes_increase_and_paragraph_breaks_split(analyzer):
    tokens = analyzer.tokens("Otsikko ilman pistettä\n\nEnsimmäinen lause. Toinen lause!")
    assert [t.sent for t in tokens if t.text in ("Otsikko", "Ensimmäinen", "Toinen")] == [0, 1, 2]


def test_double_spaced_extraction_keeps_sentences_whole(analyzer):
    # SYNTHETIC, in the shape of the 2024 edition's double-spaced themes (blank line mid-sentence).
    text = "toimenpidekokonaisuudet ovat joko toteutettu tai \n\nrakenteilla. \n\nUusi lause alkaa."
    spans = analyzer.sentences(text)
    assert [text[s:e] for s, e in spans][1] == "Uusi lause alkaa."
    assert len(spans) == 2


# ---------------------------------------------------------------- lemmas and readings


@pytest.mark.parametrize(
    ("word", "lemma"),
    [
        ("sote-alan", "sote-ala"),
        ("kuin", "kuin"),
        ("noin", "noin"),
        ("eli", "eli"),
        ("silloin", "silloin"),
        ("vuotta", "vuosi"),
        ("voi", "voida"),
        ("hankkeiden", "hanke"),
        ("kunnissa", "kunta"),
        ("Kelan", "kela"),
        # -minen nouns of derived verbs: the derivation's own letters stay ("uudistu-")
        ("uudistumisen", "uudistuminen"),
        ("noudattamisen", "noudattaminen"),
    ],
)
def test_best_reading(analyzer, word, lemma):
    assert analyzer.lemma(word) == lemma


def test_all_readings_are_kept_for_search(analyzer):
    info = analyzer.analyze_word("olevan")
    assert info.lemma == "olla" and "oleva" in info.lemmas
    assert "kuu" in analyzer.analyze_word("kuin").lemmas


def test_lowercase_word_has_no_name_reading(analyzer):
    assert "sote-alan" not in analyzer.analyze_word("sote-alan").lemmas


# ---------------------------------------------------------------- compounds


@pytest.mark.parametrize(
    ("word", "parts", "runs"),
    [
        ("tekoälyneuvonnalla", ["teko", "äly", "neuvonta"], ["tekoäly", "älyneuvonta", "tekoälyneuvonta"]),
        ("lastensuojelun", ["lapsi", "suojelu"], ["lastensuojelu"]),
        ("työllisyysalueiden", ["työllisyys", "alue"], ["työllisyysalue"]),
        ("kehittämishankehaku", ["kehittäminen", "hanke", "haku"], ["hankehaku"]),
        ("hankeverkostotyön", ["hanke", "verkosto", "työ"], ["hankeverkosto", "verkostotyö"]),
        ("TE24-uudistuksessa", ["te24", "uudistus"], ["te24-uudistus"]),
        ("kohtaanto-ongelman", ["kohtaanto", "ongelma"], ["kohtaanto-ongelma"]),
    ],
)
def test_compound_parts_and_runs(analyzer, word, parts, runs):
    (tok,) = analyzer.tokens(word)
    assert list(tok.parts) == parts
    for term in [*parts, *runs]:
        assert term in tok.terms
    assert word.lower() in tok.terms


def test_coordinated_first_part_keeps_its_word(analyzer):
    tokens = analyzer.tokens("tekoäly- ja robotiikka")
    assert tokens[0].lemma == "tekoäly" and "äly" in tokens[0].parts


def test_no_junk_prefix_terms(analyzer):
    # Precision: a search for "kunta" must not find "kuntoutus", "te24" not "TE-toimistot".
    assert "kunta" not in analyzer.tokens("kuntoutuksessa")[0].terms
    assert "te24" not in analyzer.tokens("TE-toimistot")[0].terms


# ---------------------------------------------------------------- unknown words


def test_unknown_word_forms_meet_at_one_lemma(analyzer):
    lemmas = {analyzer.lemma(w) for w in ["kohtaannon", "kohtaantoa", "kohtaanto"]}
    assert lemmas == {"kohtaanto"}
    assert not analyzer.analyze_word("kohtaannon").known


def test_unknown_compound_with_known_head(analyzer):
    info = analyzer.analyze_word("työhönvalmentajalle")
    assert info.lemma == "työhönvalmentaja"
    assert "valmentaja" in info.parts


def test_unknown_compound_split_where_the_corpus_attests_the_modifier():
    from textkit.analysis import Analyzer

    alone = Analyzer()
    assert alone.analyze_word("hankkeistustyöpajojen").parts == ()
    learned = Analyzer()
    texts = ["Tukena hankkeistuksen työpajat ja hankkeistustyöpajojen tulokset.", "poliitikassa"]
    assert learned.learn_from_corpus(texts) == 1
    info = learned.analyze_word("hankkeistustyöpajojen")
    assert info.lemma == "hankkeistustyöpaja"
    assert {"hankkeistus", "työpaja", "paja"} <= set(info.terms)
    # its tokens carry the split too, not a copy cached before learning
    assert "työpaja" in learned.tokens("hankkeistustyöpajojen")[0].terms
    # no attested modifier, no split: "poliitikassa" is not politi + itikka
    assert learned.analyze_word("poliitikassa").parts == ()


def test_the_attested_split_wins_over_a_chain_of_unrelated_parts():
    from textkit.analysis import Analyzer

    # Voikko lacks "kohtaanto" and would read the rest as kohta + anto + työn; the report
    # uses "kohtaannon" and "kohtaantoa" on their own.
    alone = Analyzer()
    assert "työ" not in alone.analyze_word("kohtaantotyön").terms
    learned = Analyzer()
    assert learned.learn_from_corpus(["Alueiden kohtaantotyön tuki, kohtaannon ongelmat ja kohtaantoa."]) == 1
    info = learned.analyze_word("kohtaantotyön")
    assert info.parts == ("kohtaanto", "työ") and info.lemma == "kohtaantotyö"
    assert not {"kohta", "anto"} & set(info.terms)
    # a short head needs Voikko's own boundary at the same place: no split without one
    assert learned.learn_from_corpus(["kohtaannon kohtaantoja", "kohtaantoyön"]) == 0


def test_abbreviation_with_case_ending(analyzer):
    assert analyzer.lemma("ESR+:n") == "esr+"
    assert analyzer.lemma("STM:n") == "stm"


def test_most_corpus_words_have_a_real_analysis(corpus_tokens):
    words = [t for t in corpus_tokens if t.is_word]
    unknown = [t for t in words if not t.known]
    assert len(unknown) / len(words) < 0.05


# ---------------------------------------------------------------- stop words


def test_stop_words_are_for_topics_only(analyzer):
    tokens = analyzer.tokens("Teeman hankkeet ja kunnat tekevät yhteistyötä.")
    by_text = {t.text: t for t in tokens}
    assert by_text["ja"].is_stop and by_text["Teeman"].is_stop
    assert not by_text["kunnat"].is_stop
    # search still sees the stop words' terms
    assert "teema" in by_text["Teeman"].terms
    assert analyzer.topic_lemmas("Teeman hankkeet ja kunnat tekevät yhteistyötä.") == ["kunta", "yhteistyö"]
    assert {"ja", "olla", "teema"} <= STOP_WORDS


# ---------------------------------------------------------------- bad input and plumbing


@pytest.mark.parametrize(
    "text", ["", "   ", "...!!?", "\x00\x07\x1b", "a" * 5000, "Привет 日本語 mixed ääkköset 😀", "\ud800 rikki"]
)
def test_bad_input_never_raises(analyzer, text):
    tokens = analyzer.tokens(text)
    assert all(isinstance(t, Token) for t in tokens)
    analyzer.sentences(text)
    analyzer.lemma(text)


def test_missing_voikko_says_how_to_install(monkeypatch):
    import libvoikko

    import textkit.analysis as analysis
    from textkit.errors import TextkitError

    def no_dictionary(language):
        raise libvoikko.VoikkoException("Initialization of Voikko failed: No valid dictionaries were found")

    monkeypatch.setattr(analysis, "_VOIKKO", None)
    monkeypatch.setattr(libvoikko, "Voikko", no_dictionary)
    with pytest.raises(TextkitError, match="apt-get install libvoikko1 voikko-fi"):
        analysis.Analyzer().check()


def test_analyzer_pickles_without_native_handles(analyzer):
    clone = pickle.loads(pickle.dumps(analyzer))
    assert clone.lemma("hankkeiden") == "hanke"


def test_token_is_frozen_and_serialisable(analyzer):
    tok = analyzer.tokens("hankkeissa")[0]
    with pytest.raises(Exception):
        tok.lemma = "x"  # type: ignore[misc]
    data = tok.to_dict()
    assert data["lemma"] == "hanke" and isinstance(data["terms"], list)


def test_cli_lemmatize_reads_stdin():
    proc = subprocess.run(
        [sys.executable, "-m", "textkit", "lemmatize"],
        input="tekoälyneuvonnalla\nsote-alan\n\n".encode("utf-8"),
        capture_output=True,
        cwd=ROOT,
        check=True,
    )
    lines = proc.stdout.decode("utf-8").splitlines()
    assert lines[:2] == ["tekoälyneuvonnalla\ttekoälyneuvonta", "sote-alan\tsote-ala"]


def test_cli_analyze_json(capsysbinary):
    import json

    assert main(["analyze", "Lastensuojelun kehittäminen.", "--json"]) == 0
    data = json.loads(capsysbinary.readouterr().out.decode("utf-8"))
    assert data[0]["lemma"] == "lastensuojelu" and data[0]["parts"] == ["lapsi", "suojelu"]


# ---------------------------------------------------------------- one analysis per build


def test_kept_analyses_are_the_same_as_fresh_ones(analyzer, edition_2024):
    texts = [p.text for p in edition_2024.passages((2, 3, 4, 5))][:60]
    fresh = [(analyzer.token_fields(t), analyzer.tokens(t), analyzer.sentences(t)) for t in texts]
    with analyzer.keeping_analyses(texts):
        first = [(analyzer.token_fields(t), analyzer.tokens(t), analyzer.sentences(t)) for t in texts]
        again = [(analyzer.token_fields(t), analyzer.tokens(t), analyzer.sentences(t)) for t in texts]
    assert first == fresh and again == fresh


def test_a_build_tokenises_each_passage_once(tmp_path, monkeypatch, edition_2024):
    """The topic model reuses the index pass's analysis: spaCy is run once per distinct
    passage text (plus the query-free parts of the build), not three times per narrative one."""
    from conftest import CORPUS
    from textkit import analysis
    from textkit.build import build_models

    calls: list[str] = []
    real = analysis.Analyzer._token_spans

    def counting(self, text):
        calls.append(text)
        return real(self, text)

    monkeypatch.setattr(analysis.Analyzer, "_token_spans", counting)
    monkeypatch.setenv("TEXTKIT_MODELS", str(tmp_path))
    monkeypatch.setenv("TEXTKIT_CORPUS", str(CORPUS))
    report = build_models(force=True, models_dir=tmp_path, corpus_dir=CORPUS)
    assert report.topics
    distinct = {analysis._clean_input(p.text) for p in edition_2024.passages()}
    assert len(calls) == len(set(calls)) == len(distinct)
