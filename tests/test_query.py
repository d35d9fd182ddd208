"""The query language: words analysed like the text, operators, phrases, prefixes, field
filters, synonyms, and helpful messages for bad queries. No index needed here."""

from __future__ import annotations

import pytest

from textkit.errors import TextkitError
from textkit.query import (
    And, Filter, Not, Or, Phrase, Prefix, Synonyms, Word, load_synonyms, matching_spans, parse_query,
    parse_sections,
)

from conftest import ROOT

SYNONYMS = ROOT / "corpus" / "synonyms.toml"


def parse(text, synonyms=None):
    return parse_query(text, synonyms=synonyms if synonyms is not None else Synonyms())


def test_inflected_query_words_become_their_lemmas():
    assert parse("kunnissa").parsed == "kunta"
    assert parse("kuntien").tree.lemmas == parse("kunnat").tree.lemmas == parse("kunta").tree.lemmas == ("kunta",)
    word = parse("hankehaut").tree
    assert isinstance(word, Word) and "hankehaku" in word.terms


def test_implicit_and_and_finnish_operators_mean_the_same():
    assert parse("kunta alue").tree == parse("kunta AND alue").tree == parse("kunta JA alue").tree
    assert parse("kunta OR alue").tree == parse("kunta TAI alue").tree
    assert parse("kunta NOT alue").tree == parse("kunta EI alue").tree
    assert parse("kunta TAI alue").parsed == "kunta TAI alue"


def test_precedence_not_then_and_then_or_and_parentheses():
    tree = parse("kunta OR alue verkosto").tree
    assert isinstance(tree, Or) and isinstance(tree.children[1], And)
    tree = parse("(kunta OR alue) verkosto").tree
    assert isinstance(tree, And) and isinstance(tree.children[0], Or)
    tree = parse("kunta NOT alue").tree
    assert isinstance(tree, And) and isinstance(tree.children[1], Not)
    assert parse("(kunta OR alue) NOT verkosto").parsed == "(kunta TAI alue) JA EI verkosto"


def test_lowercase_operator_words_are_ordinary_words_and_stop_words_are_left_out():
    result = parse("kunnat ja alueet")
    assert result.parsed == "kunta JA alue"
    assert result.ignored == ("ja",)


def test_phrase_is_a_sequence_of_analysed_words():
    tree = parse('"jatkuvan oppimisen"').tree
    assert isinstance(tree, Phrase)
    assert len(tree.words) == 2 and "jatkuva" in tree.words[0].lemmas
    # Finnish typographic quotes work too.
    assert parse("”jatkuva oppiminen”").tree.words == parse('"jatkuva oppiminen"').tree.words


def test_trailing_star_is_a_prefix_of_the_surface_form():
    assert parse("Kunn*").tree == Prefix("kunn")
    assert parse("kunn*").parsed == "kunn*"


def test_field_filters():
    tree = parse("kunta osio:2-4 vuosi:2024 teema:kohtaanto").tree
    filters = [c for c in tree.children if isinstance(c, Filter)]
    assert Filter("section", ("2", "3", "4")) in filters
    assert Filter("edition", ("2024",)) in filters
    assert Filter("theme", ("kohtaanto",)) in filters
    assert parse("kunta osio:2,5").tree.children[1] == Filter("section", ("2", "5"))


def test_nesting_up_to_the_depth_limit_parses():
    assert parse("(" * 20 + "kunta" + ")" * 20).tree == parse("kunta").tree
    assert parse("((kunta OR alue) NOT (kunta NOT alue))").parsed


def test_abbreviation_with_case_ending_is_a_word_not_a_field():
    for typed in ("TEM:n", "EU:ssa", "ESR:ää", "EU:hun", "STM:llä", "TEM:kin", "ely:n"):
        assert isinstance(parse(typed).tree, Word), typed
    assert isinstance(parse("TEM:n").tree, Word)
    assert isinstance(parse("ESR+:n").tree, Word)
    assert not isinstance(parse("https://www.esr.fi").tree, Filter)


def test_synonyms_are_applied_and_shown():
    synonyms = load_synonyms(SYNONYMS)
    result = parse("TE24:ssä", synonyms)
    assert isinstance(result.tree, Or) and result.tree.synonyms
    assert result.parsed == "(TE24 TAI TE2024 TAI TE-uudistus)"
    # The typed form itself still matches (a form the synonym list does not spell out).
    assert "te24:ssä" in result.tree.children[0].terms
    # A multi-word synonym is a phrase.
    assert parse("TEM", synonyms).parsed == '(TEM TAI "työ- ja elinkeinoministeriö")'
    assert parse('"työ- ja elinkeinoministeriön"', synonyms).parsed.startswith("(TEM TAI")


def test_a_typo_does_not_fall_back_to_another_word():
    # Voikko does not know "tekoäyl"; the fallback guess "teko" is another word, so the
    # query keeps the typed form (and "did you mean" can help).
    word = parse("tekoäyl").tree
    assert word.terms == ("tekoäyl",)
    # Abbreviations and codes keep their analysis.
    assert "te24" in parse("TE24").tree.terms


@pytest.mark.parametrize(
    "query, message",
    [
        ("", "Tyhjä haku"),
        ("   ", "Tyhjä haku"),
        ("ja on ja", "täytesanoja"),
        ('"jatkuva oppiminen', "Lainausmerkki jäi sulkematta"),
        ("(kunta OR alue", "Sulku '(' jäi sulkematta"),
        ("kunta)", "Sulkeva sulku"),
        ("AND", "operaattorilla AND"),
        ("OR kunta", "operaattorilla OR"),
        ("kunta AND", "Operaattorin AND/JA jälkeen puuttuu hakusana"),
        ("kunta TAI", "jälkeen puuttuu hakusana"),
        ("kunta OR OR alue", "jälkeen puuttuu hakusana"),
        ("NOT", "jälkeen puuttuu hakusana"),
        ("NOT kunta", "vain poissulkevia"),
        ("kunta OR NOT alue", "ei voi olla TAI-vaihtoehto"),
        ("kieli:fi kunta", "Tuntematon kenttä 'kieli:'"),
        ("osio:9", "osiot ovat 1–7"),
        ("osio:kaksi", "osio on numero"),
        ("vuosi:24", "anna painoksen vuosi"),
        ("osio:", "puuttuu arvo"),
        ("k*", "vähintään 2 merkkiä"),
        ("ku*nta", "vain sanan lopussa"),
        ('"jatku* oppiminen"', "fraasin sisällä"),
        ("kunta " * 400, "liian pitkä"),
        ("kunta " * 80, "liian monta sanaa"),
        ("()", "ei ole hakusanaa"),
        ("(" * 250 + "kunta" + ")" * 250, "liian monta sisäkkäistä sulkua"),
        ("(" * 21 + "kunta" + ")" * 21, "21 tasoa, enintään 20"),
        ("alue " + "NOT " * 21 + "kunta", "liian monta sisäkkäistä"),
        ("foo:bar", "Tuntematon kenttä 'foo:'"),
        ("kunta ABC:def", "Tuntematon kenttä 'ABC:'"),
    ],
)
def test_bad_queries_get_a_helpful_message(query, message):
    with pytest.raises(TextkitError, match=message.replace("(", r"\(").replace("*", r"\*")):
        parse(query)


def test_parse_sections():
    assert parse_sections("2,3,4,5") == (2, 3, 4, 5)
    assert parse_sections("2-5") == (2, 3, 4, 5)
    assert parse_sections("all") == tuple(range(1, 8))
    with pytest.raises(TextkitError, match="--sections 0-9 ei kelpaa"):
        parse_sections("0-9")


def test_synonym_file_problems(tmp_path):
    assert load_synonyms(tmp_path / "missing.toml") == Synonyms()
    broken = tmp_path / "broken.toml"
    broken.write_text("[[group]\nwords = [", encoding="utf-8")
    with pytest.raises(TextkitError, match="broken.toml"):
        load_synonyms(broken)
    single = tmp_path / "single.toml"
    single.write_text('[[group]]\nwords = ["TE24"]\n', encoding="utf-8")
    with pytest.raises(TextkitError, match="vähintään kaksi sanaa"):
        load_synonyms(single)


def test_matching_spans_follow_words_phrases_and_prefixes():
    # SYNTHETIC stored words: (position, start, end, terms, surface, lemmas)
    text = "Jatkuvan oppimisen kunnat, jatkuva työ."
    words = (
        (0, 0, 8, ("jatkuva", "jatkuvan"), "jatkuvan", ("jatkuva",)),
        (1, 9, 18, ("oppia", "oppimisen"), "oppimisen", ("oppia",)),
        (2, 19, 25, ("kunta", "kunnat"), "kunnat", ("kunta",)),
        (3, 27, 34, ("jatkuva",), "jatkuva", ("jatkuva",)),
        (4, 35, 38, ("työ",), "työ", ("työ",)),
    )
    phrase = parse('"jatkuva oppiminen"').tree
    assert [text[s:e] for s, e in matching_spans(phrase, words)] == ["Jatkuvan oppimisen"]
    assert [text[s:e] for s, e in matching_spans(parse("kunn*").tree, words)] == ["kunnat"]
    assert [text[s:e] for s, e in matching_spans(parse("jatkuva NOT kunta").tree, words)] == ["Jatkuvan", "jatkuva"]


# ---------------------------------------------------------------- lexicalised forms, sana:, EI muoto:

LEXICALISED = ROOT / "corpus" / "lexicalised.toml"


def _word_tokens(*forms):
    """Indexed-word tuples (position, start, end, terms, lower, lemmas) for a list of forms."""
    from textkit.analysis import get_analyzer

    out, start = [], 0
    for pos, form in enumerate(forms):
        info = get_analyzer().analyze_word(form)
        out.append((pos, start, start + len(form), info.terms, form.lower(), info.lemmas))
        start += len(form) + 1
    return out


def _matched(query, *forms, **kwargs):
    tokens = _word_tokens(*forms)
    spans = matching_spans(parse_query(query, synonyms=Synonyms(), **kwargs).tree, tokens)
    text = " ".join(forms)
    return [text[s:e] for s, e in spans]


def test_a_part_of_a_lexicalised_compound_does_not_match_it_but_the_compound_and_a_prefix_do():
    forms = ("maakunnissa", "maakuntaliiton", "yhteiskunnassa", "kuntien", "kuntakokeilujen")
    assert _matched("kunta", *forms) == ["kuntien", "kuntakokeilujen"]
    assert _matched("maakunta", *forms) == ["maakunnissa", "maakuntaliiton"]
    assert _matched("maakun*", *forms) == ["maakunnissa", "maakuntaliiton"]
    assert _matched("arvo", "tasa-arvon", "keskiarvo", "arvoa") == ["keskiarvo", "arvoa"]
    assert _matched("tasa-arvo", "tasa-arvon", "keskiarvo") == ["tasa-arvon"]


def test_a_fixed_adposition_form_is_not_a_form_of_the_noun_unless_typed():
    assert _matched("kausi", "kautta", "kauden", "ohjelmakauden") == ["kauden", "ohjelmakauden"]
    assert _matched("kauden", "kautta", "kauden") == ["kauden"]
    assert _matched('"kautta"', "kautta", "kauden") == ["kautta"]
    assert _matched("puoli", "puolesta", "puolet") == ["puolet"]


def test_lexicalised_list_is_read_at_query_time_and_checked(tmp_path):
    from textkit.query import load_lexicalised

    path = tmp_path / "lexicalised.toml"
    path.write_text('compounds = []\nforms = []\n', encoding="utf-8")
    assert _matched("kunta", "maakunnissa", lexicalised=load_lexicalised(path)) == ["maakunnissa"]
    path.write_text('compounds = ["maakunta"]\n', encoding="utf-8")
    import os
    os.utime(path, ns=(1, 1))   # a new file version even within one clock tick
    assert _matched("kunta", "maakunnissa", lexicalised=load_lexicalised(path)) == []
    assert _matched("kunta", "maakunnissa", lexicalised=load_lexicalised(tmp_path / "none.toml")) == ["maakunnissa"]
    path.write_text('compounds = "maakunta"\n', encoding="utf-8")
    with pytest.raises(TextkitError, match="compounds on luettelo"):
        load_lexicalised(path)
    path.write_text('compounds = [\n', encoding="utf-8")
    with pytest.raises(TextkitError, match="virheellinen"):
        load_lexicalised(path)


def test_whole_words_only_with_sana_or_the_switch():
    forms = ("kuntien", "kuntakokeilujen")
    assert _matched("sana:kunta", *forms) == ["kuntien"]
    assert _matched("kunta", *forms, whole_words=True) == ["kuntien"]
    assert parse_query("kunta", whole_words=True).parsed == "sana:kunta"
    assert parse("sana:kunnissa").parsed == "sana:kunta"
    with pytest.raises(TextkitError, match="sana:kunta"):
        parse("sana:")


def test_ei_muoto_drops_a_form_from_the_matches_not_the_passage():
    query = parse("kunta EI muoto:kuntien")
    assert query.parsed == "kunta EI muoto:kuntien"
    assert query.excluded_forms == ("kuntien",)
    assert not any(isinstance(n, Not) for n in __import__("textkit.query", fromlist=["walk"]).walk(query.tree))
    assert _matched("kunta EI muoto:kuntien", "kuntien", "kunnat") == ["kunnat"]
    assert _matched("kunta EI muoto:kunt*", "kuntien", "kunnat", "kuntakokeilujen") == ["kunnat"]
    assert _matched("kun* EI muoto:kuntien", "kuntien", "kunnat") == ["kunnat"]
    with pytest.raises(TextkitError, match="lisää hakusana"):
        parse("EI muoto:kuntien")
    with pytest.raises(TextkitError, match="EI:n kanssa"):
        parse("muoto:kuntien")
    with pytest.raises(TextkitError, match="ei kelpaa"):
        parse("kunta EI muoto:k*")
