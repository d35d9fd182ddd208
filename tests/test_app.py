"""The Streamlit app through streamlit.testing.v1.AppTest: every page, without a browser.

All tests share one models folder built once per session (`built_models` in
conftest.py); each test gets its own copy, so the excerpt basket in it starts
empty. The corpus is the real 2024 edition; the upload test adds a SYNTHETIC
"2025 edition" (a slice of the 2024 text under another year) to a temporary copy.
"""

from __future__ import annotations

import io
import re
import shutil
import tomllib

import pytest
from streamlit.testing.v1 import AppTest

from conftest import ROOT, first_themes_2024, shifted_themes_2024

APP = ROOT / "app.py"
PAGES = ("haku", "teemat", "aiheet", "vuosivertailu", "otteet", "aineisto")
TITLES = {"haku": "Haku", "teemat": "Teemat", "aiheet": "Aiheet", "vuosivertailu": "Vuosivertailu",
          "otteet": "Otteet", "aineisto": "Aineisto"}
TIMEOUT = 120  # the first run of a session loads Voikko and opens the index


@pytest.fixture()
def app_models(built_models, tmp_path, monkeypatch):
    """A private copy of the session's built models (so each test's basket starts empty)."""
    folder = tmp_path / "models"
    shutil.copytree(built_models, folder)
    monkeypatch.setenv("TEXTKIT_MODELS", str(folder))
    monkeypatch.setenv("TEXTKIT_CORPUS", str(ROOT / "corpus"))
    return folder


@pytest.fixture()
def app(app_models):
    at = AppTest.from_file(APP, default_timeout=TIMEOUT).run()
    _assert_clean(at)
    return at


def open_page(at: AppTest, page: str) -> AppTest:
    at.switch_page(f"app_pages/{page}.py").run()
    _assert_clean(at)
    return at


# ---------------------------------------------------------------- every page


@pytest.mark.parametrize("page", PAGES)
def test_every_page_opens_with_its_finnish_title(app, page):
    open_page(app, page)
    assert app.title[0].value == TITLES[page]
    assert not app.error


def test_year_over_year_with_one_edition_explains_what_a_later_one_will_show(app):
    open_page(app, "vuosivertailu")
    assert "vain yksi vuosikatsaus (2024)" in app.info[0].value
    assert "Aineisto-sivulla" in app.info[0].value


def test_first_page_says_what_it_is_and_offers_example_queries(app):
    intro = app.info[0].value
    assert "toteutuskatsauksia" in intro and "vuosikatsaus 2024 (12 teemaa," in intro
    assert [b.label for b in app.button if b.key and b.key.startswith("example_")] == \
        ["TE24", "tekoäly", '"jatkuva oppiminen"']
    app.button(key="example_2").click().run()
    _assert_clean(app)
    assert app.text_input(key="query").value == '"jatkuva oppiminen"'
    assert _result_themes(app)


def test_themes_page_compares_two_themes_side_by_side(app):
    open_page(app, "teemat")
    app.selectbox(key="theme_b").set_value("vaikeasti-tyollistyvien-tukeminen").run()
    _assert_clean(app)
    assert app.metric[0].label == "Samankaltaisuus"
    progress_texts = [p.text for p in app.get("progress")]
    assert any("Maksettu osuus" in text and "%" in text for text in progress_texts)
    tables = [d.value for d in app.dataframe]
    assert any("sana" in table.columns for table in tables)            # distinctive terms
    assert any("raportissa" in table.columns for table in tables)      # funding a–d as printed
    charts = app.get("arrow_vega_lite_chart") or app.get("vega_lite_chart")
    assert len(charts) >= 2                                            # shared terms / topic mix / heatmap


def test_a_distinctive_term_opens_its_search_within_the_theme(app):
    open_page(app, "teemat")
    theme = app.selectbox(key="theme_a").value
    buttons = [b for b in app.button if b.key and b.key.startswith(f"term_{theme}_")]
    assert buttons
    term = buttons[0].label
    buttons[0].click().run()
    _assert_clean(app)
    assert app.title[0].value == "Haku"
    assert app.text_input(key="query").value == f"{term} teema:{theme}"
    found = _result_themes(app)
    assert found and len(set(found)) == 1                 # hits, all in the one theme


def test_english_labels_on_request(app):
    app.radio(key="lang").set_value("en").run()
    assert app.title[0].value == "Search"
    assert app.text_input(key="query").label == "Query"


# ---------------------------------------------------------------- Haku


def test_search_te24_shows_hits_grouped_by_theme_with_highlights(app):
    search(app, "TE24")
    assert "te24" in _captions(app).lower()                      # the parsed query
    assert "TE2024" in _captions(app)                             # its synonyms
    assert any("osumaa" in m.value for m in app.markdown)
    assert "Työmarkkinoiden kohtaanto" in [s.value.rsplit(" (", 1)[0] for s in app.subheader]
    snippets = [h.value for h in app.html if "snippet" in h.value]
    assert snippets and all("<mark>" in s for s in snippets)
    assert any("<mark>TE24" in s for s in snippets)
    assert app.get("arrow_vega_lite_chart") or app.get("vega_lite_chart")   # hits per theme


def test_filters_narrow_the_results(app):
    search(app, "kunta")
    themes_all = _result_themes(app)
    assert len(themes_all) > 2

    app.selectbox(key="filter_theme_fi").set_value("tyomarkkinoiden-kohtaanto").run()
    assert _result_themes(app) == ["Työmarkkinoiden kohtaanto"]

    app.selectbox(key="filter_theme_fi").set_value("").run()
    app.pills(key="filter_sections").set_value([4]).run()
    sections = [c.value for c in app.caption if " · s. " in c.value]
    assert sections and all("4 Tuleva toiminta" in c for c in sections)


def test_did_you_mean_is_a_clickable_suggestion(app):
    search(app, "tekoälu")
    assert app.warning   # no hits
    app.button(key="did_you_mean").click().run()
    assert app.text_input(key="query").value == "tekoäly"
    assert _result_themes(app)


def test_hits_outside_the_default_sections_are_told_and_one_click_includes_them(app):
    search(app, "tekoäly")
    assert any("3 osumaa" == m.value for m in app.markdown)
    assert any("+4 osumaa osioissa 6–7" in i.value for i in app.info)
    app.button(key="include_hidden").click().run()
    _assert_clean(app)
    assert sorted(app.pills(key="filter_sections").value) == [2, 3, 4, 5, 6, 7]
    assert any("7 osumaa" == m.value for m in app.markdown)
    assert not any("osioissa" in i.value for i in app.info)


def test_a_scope_that_hides_every_hit_offers_them_too(app):
    search(app, "TE-palvelut")
    assert "Ei osumia valituissa osioissa" in app.warning[0].value
    assert any("+1 osuma osiossa 1" in i.value for i in app.info)
    app.button(key="include_hidden").click().run()
    assert any("1 osuma" == m.value for m in app.markdown)


def _form_buttons(at: AppTest) -> dict[str, object]:
    return {b.key.removeprefix("exclude_form_"): b for b in at.button if (b.key or "").startswith("exclude_form_")}


def test_matched_forms_beside_the_chart_one_click_excludes_a_form_or_all_compound_parts(app):
    search(app, "kunta")
    forms = _form_buttons(app)
    assert {"kuntien", "kunnat", "kuntakokeilujen"} <= set(forms)
    assert not {"maakunnissa", "yhteiskunnassa"} & set(forms)       # lexicalised: no match at all
    assert "kuntien · 4 · sana" in forms["kuntien"].label
    hits_before = [m.value for m in app.markdown if "osuma" in m.value]

    assert "maakunnissa 1" in _captions(app)                        # told why it is not a match

    forms["kuntien"].click().run()
    _assert_clean(app)
    assert app.text_input(key="query").value == "kunta EI muoto:kuntien"
    assert "`kunta EI muoto:kuntien`" in _captions(app)
    assert "kuntien" not in _form_buttons(app)
    assert [m.value for m in app.markdown if "osuma" in m.value] != hits_before
    app.button(key="include_form_kuntien").click().run()           # one click undoes it
    assert app.text_input(key="query").value == "kunta"
    assert "kuntien" in _form_buttons(app)
    _form_buttons(app)["kuntien"].click().run()

    app.button(key="exclude_parts").click().run()
    _assert_clean(app)
    assert app.checkbox(key="whole_words").value is True
    assert "`sana:kunta EI muoto:kuntien`" in _captions(app)
    assert "kuntakokeilujen" not in _form_buttons(app)
    assert "kunnat" in _form_buttons(app)
    assert not any((b.key or "") == "exclude_parts" for b in app.button)   # nothing left to exclude


def test_a_query_with_hundreds_of_forms_lists_the_commonest_as_buttons(app):
    from textkit.ui import FORMS_LISTED

    search(app, "hanke OR työ")
    assert len(_form_buttons(app)) == FORMS_LISTED
    assert any("harvinaisempaa muotoa" in c.value for c in app.caption)


def test_concordance_view_sorts_by_right_context_and_adds_a_sentence(app, app_models):
    import html as html_lib
    import re

    from textkit import kwic
    from textkit.excerpts import Basket

    search(app, '"jatkuva oppiminen"')
    app.segmented_control(key="haku_view").set_value("kwic").run()
    _assert_clean(app)
    rows = [h.value for h in app.html if "kwic-row" in h.value]
    assert len(rows) == 19 and all("<mark>" in r for r in rows)
    app.segmented_control(key="kwic_sort").set_value("right").run()
    rights = [html_lib.unescape(re.search(r'class="kwic-right"[^>]*>(.*?)</span>', h.value).group(1))
              for h in app.html if "kwic-row" in h.value]
    keys = [[kwic.collation_key(w) for w in kwic.WORD.findall(r)][:3] for r in rights]
    assert keys == sorted(keys) and rights[0].strip().startswith("2025")
    app.button(key="kwic_add_0").click().run()
    _assert_clean(app)
    saved = Basket(app_models / "excerpts.sqlite3").excerpts()
    assert len(saved) == 1 and "jatkuvaan oppimiseen 2025" in saved[0].text
    assert len(saved[0].text) < 400                      # the sentence, not the whole passage
    assert app.button(key="kwic_add_0").disabled        # shown as in the basket
    assert {d.label for d in app.get("download_button")} >= {"XLSX", "CSV"}


def test_concordance_lists_every_form_and_filters_by_one(app):
    search(app, "kunta")
    app.segmented_control(key="haku_view").set_value("kwic").run()
    options = app.multiselect(key="kwic_forms").options
    assert any(o.startswith("kuntien (") for o in options) and len(options) >= 5
    app.multiselect(key="kwic_forms").select("kuntien").run()
    rows = [h.value for h in app.html if "kwic-row" in h.value]
    assert rows and all("<mark>kuntien</mark>" in r for r in rows)


def test_collocates_view_and_a_collocate_becomes_a_new_query(app):
    search(app, '"jatkuva oppiminen"')
    app.segmented_control(key="haku_view").set_value("collocates").run()
    _assert_clean(app)
    tables = [d.value for d in app.dataframe]
    assert len(tables) == 2 and all({"sana", "LL", "MI"} <= set(t.columns) for t in tables)
    first = tables[0]["sana"].iloc[0]
    app.pills(key="collocate_pick").set_value(first).run()
    assert app.text_input(key="query").value == f'"jatkuva oppiminen" {first}'


def test_frequencies_view_gives_rates_per_1000_words_and_a_heatmap(app):
    search(app, "kunta")
    app.segmented_control(key="haku_view").set_value("frequencies").run()
    _assert_clean(app)
    tables = [d.value for d in app.dataframe]
    assert all("/ 1 000 sanaa" in t.columns for t in tables) and len(tables) == 3
    themes = tables[0]
    assert len(themes) == 12 and themes["nimi"].str.len().max() > 100     # whole theme names
    assert len(app.get("arrow_vega_lite_chart") or app.get("vega_lite_chart")) == 2


def test_add_to_basket_turns_into_in_basket(app):
    search(app, "TE24")
    first = next(b for b in app.button if b.key and b.key.startswith("add_"))
    first.click().run()
    again = app.button(key=first.key)
    assert again.label == "Korissa ✓" and again.disabled


def test_language_choice_survives_a_reload_through_the_address(app_models):
    app = AppTest.from_file(APP, default_timeout=TIMEOUT).run()
    app.radio(key="lang").set_value("en").run()
    assert app.query_params.get("lang") in ("en", ["en"])
    reloaded = AppTest.from_file(APP, default_timeout=TIMEOUT)
    reloaded.query_params["lang"] = "en"
    reloaded.run()
    assert reloaded.title[0].value == "Search" and reloaded.radio(key="lang").value == "en"
    fresh = AppTest.from_file(APP, default_timeout=TIMEOUT).run()      # no ?lang=: Finnish, no parameter
    assert fresh.title[0].value == "Haku" and "lang" not in fresh.query_params


def test_basket_codes_with_counts_filter_and_code_by_theme_table(app, app_models):
    from textkit import export
    from textkit.excerpts import Basket, find_passage
    from textkit.topic_names import rename_topic
    from textkit.topics import load_topics

    store = Basket(app_models / "excerpts.sqlite3")
    store.add(find_passage("2024-01-2-001"), codes=["arviointi", "TE24"])
    store.add(find_passage("2024-02-2-001"), codes=["arviointi"])
    store.add(find_passage("2024-03-2-001"))
    open_page(app, "otteet")
    codes = app.selectbox(key="basket_code_fi")
    assert codes.options == ["Kaikki koodit", "arviointi (2)", "TE24 (1)"]
    table = app.data_editor[0].value
    assert list(table.columns[:2]) == ["id", "esikatselu"] and len(table) == 3
    # Each excerpt shows its topic, by the name the exports use (all three are in section 2).
    assert list(table["aihe"]) == export.excerpt_topic_names(store.excerpts(), models_dir=app_models)
    assert all(table["aihe"])
    # A topic renamed on the Aiheet page shows by its new name when the basket is opened again.
    result = load_topics(app_models)
    first = next(t for t in result.topics if t.label == table["aihe"][0])
    rename_topic(result, first.id, "Hankehaut", app_models)
    open_page(app, "otteet")
    assert app.data_editor[0].value["aihe"][0] == "Hankehaut"
    codes.set_value("TE24").run()
    _assert_clean(app)
    assert len(app.data_editor[0].value) == 1
    code_table = app.dataframe[-1].value
    assert list(code_table["Koodi"]) == ["arviointi", "TE24", "(ei koodia)"]
    assert list(code_table["Yhteensä"]) == [2, 1, 1]
    assert any(d.label.startswith("Koodit teemoittain") for d in app.get("download_button"))


def test_bad_query_gives_a_finnish_message_not_a_traceback(app):
    search(app, "EI kunta", expect_clean=False)
    assert not app.exception
    assert "poissulkevia" in app.error[0].value


def test_a_bug_shows_a_short_finnish_message_not_a_traceback(app, monkeypatch):
    import textkit.index

    def broken(*args, **kwargs):
        raise RuntimeError("hakemisto rikki")

    monkeypatch.setattr(textkit.index, "search", broken)
    search(app, "rikkinäinen haku", expect_clean=False)
    assert not app.exception
    assert app.error[0].value.startswith("Odottamaton virhe (RuntimeError): hakemisto rikki.")


def test_add_to_basket_persists(app, app_models):
    from textkit.excerpts import Basket

    search(app, "TE24")
    first = next(b for b in app.button if b.key and b.key.startswith("add_"))
    first.click().run()
    _assert_clean(app)
    saved = Basket(app_models / "excerpts.sqlite3").excerpts()
    assert len(saved) == 1
    assert saved[0].passage_id == first.key.removeprefix("add_")
    assert saved[0].query == "TE24" and saved[0].collection == "Oletus"

    # A new session (another browser tab) sees it on the Otteet page.
    other = AppTest.from_file(APP, default_timeout=TIMEOUT).run()
    open_page(other, "otteet")
    table = other.data_editor[0].value
    assert list(table["id"]) == [saved[0].id]


# ---------------------------------------------------------------- Otteet


def test_basket_notes_codes_and_collections_are_saved(app, app_models):
    from textkit.excerpts import Basket, find_passage

    basket = Basket(app_models / "excerpts.sqlite3")
    first, _ = basket.add(find_passage("2024-01-2-006"))
    second, _ = basket.add(find_passage("2024-01-4-001"))
    open_page(app, "otteet")
    app.session_state["basket_editor_0"] = {
        "edited_rows": {0: {"muistiinpano": "Viestintä TE24:stä", "koodit": "TE24, viestintä"},
                        1: {"poista": True}},
        "added_rows": [], "deleted_rows": [],
    }
    app.button(key="basket_save").click().run()
    _assert_clean(app)
    assert app.success
    (kept,) = basket.excerpts()
    assert kept.id == first.id and kept.note == "Viestintä TE24:stä" and kept.codes == ("TE24", "viestintä")

    app.session_state["basket_editor_1"] = {
        "edited_rows": {0: {"kokoelma": "Raportti"}}, "added_rows": [], "deleted_rows": [],
    }
    app.button(key="basket_save").click().run()
    assert [c.name for c in basket.collections()] == ["Raportti"]


def test_an_unsaved_basket_edit_survives_a_page_change(app, app_models):
    from textkit.excerpts import Basket, find_passage

    basket = Basket(app_models / "excerpts.sqlite3")
    basket.add(find_passage("2024-01-2-006"))
    basket.add(find_passage("2024-01-4-001"))
    open_page(app, "otteet")
    app.session_state["basket_editor_0"] = {
        "edited_rows": {1: {"muistiinpano": "<b>kesken</b>", "koodit": "arviointi"}},
        "added_rows": [], "deleted_rows": [],
    }
    app.run()
    assert "Tallentamattomia muutoksia 1 otteessa" in app.warning[0].value

    open_page(app, "haku")                                   # away before "Tallenna muutokset"
    assert any("tallentamattomia muutoksia (1)" in w.value for w in app.sidebar.warning)
    assert all(e.note == "" for e in basket.excerpts())      # nothing saved behind the user's back

    open_page(app, "otteet")                                 # back: the edit is still in the table
    table = app.data_editor[0].value
    assert list(table["muistiinpano"]) == ["", "<b>kesken</b>"]
    app.button(key="basket_save").click().run()
    _assert_clean(app)
    notes = {e.passage_id: (e.note, e.codes) for e in basket.excerpts()}
    assert notes["2024-01-4-001"] == ("<b>kesken</b>", ("arviointi",))
    assert notes["2024-01-2-006"] == ("", ())
    assert not app.warning
    open_page(app, "haku")
    assert not app.sidebar.warning


def test_discarding_unsaved_basket_edits(app, app_models):
    from textkit.excerpts import Basket, find_passage

    basket = Basket(app_models / "excerpts.sqlite3")
    basket.add(find_passage("2024-01-2-006"))
    open_page(app, "otteet")
    app.session_state["basket_editor_0"] = {
        "edited_rows": {0: {"poista": True}}, "added_rows": [], "deleted_rows": [],
    }
    app.run()
    app.button(key="basket_discard").click().run()
    _assert_clean(app)
    assert not app.warning and list(app.data_editor[0].value["poista"]) == [False]
    assert len(basket.excerpts()) == 1


def test_export_buttons_produce_real_files(app, app_models, monkeypatch):
    import docx
    import openpyxl
    import streamlit.testing.v1.app_test as app_test
    from streamlit.runtime.memory_media_file_storage import MemoryMediaFileStorage

    from textkit.excerpts import Basket, find_passage

    served: dict[str, bytes] = {}

    class RecordingStorage(MemoryMediaFileStorage):
        """The media storage the download buttons write to, keeping what they serve."""

        def load_and_get_id(self, path_or_data, mimetype, kind, filename=None):
            served[filename] = path_or_data
            return super().load_and_get_id(path_or_data, mimetype, kind, filename)

    monkeypatch.setattr(app_test, "MemoryMediaFileStorage", RecordingStorage)
    passage = find_passage("2024-01-2-006")
    Basket(app_models / "excerpts.sqlite3").add(passage, note="muistiin", codes=["TE24"])
    open_page(app, "otteet")
    assert [b.label for b in app.download_button] == ["XLSX", "DOCX", "CSV", "Markdown",
                                                      "Koodit teemoittain XLSX", "Koodit teemoittain CSV"]
    assert set(served) == {"otteet.xlsx", "otteet.docx", "otteet.csv", "otteet.md",
                           "otteet-koodit.xlsx", "otteet-koodit.csv"}
    codes = served["otteet-koodit.csv"].decode("utf-8-sig").splitlines()
    assert codes[0] == "Koodi;Työmarkkinoiden kohtaanto;Yhteensä" and codes[1] == "TE24;1;1"

    sheet = openpyxl.load_workbook(io.BytesIO(served["otteet.xlsx"])).active
    cells = [str(c.value) for row in sheet.iter_rows() for c in row if c.value is not None]
    assert passage.text in cells and "muistiin" in cells
    document = docx.Document(io.BytesIO(served["otteet.docx"]))
    assert "TE24" in "\n".join(p.text for p in document.paragraphs)
    assert "Työmarkkinoiden kohtaanto" in served["otteet.csv"].decode("utf-8-sig")
    assert "s. 4" in served["otteet.md"].decode("utf-8")


# ---------------------------------------------------------------- Aiheet


def test_topics_page_shows_charts_and_the_passages_of_a_topic(app):
    open_page(app, "aiheet")
    assert len(app.get("arrow_vega_lite_chart") or app.get("vega_lite_chart")) >= 4
    assert len(app.dataframe[0].value) >= 2          # one row per topic
    app.selectbox(key="topic_choice").set_value(1).run()
    _assert_clean(app)
    passages = [e.label for e in app.expander]
    assert passages and all(" · " in label for label in passages)


def test_a_topic_renamed_in_the_app_keeps_its_name_across_a_forced_rebuild(app, app_models, monkeypatch, capsys):
    import json

    from textkit import cli

    open_page(app, "aiheet")
    app.selectbox(key="topic_choice").set_value(1).run()
    app.text_input(key="topic_name_1").set_value("Hankehaut")
    next(b for b in app.button if b.label == "Tallenna nimi").click().run()
    _assert_clean(app)
    assert (app_models / "topic-names.json").is_file()
    assert any("2. Hankehaut" in str(row) for row in app.dataframe[0].value.to_dict("records"))

    assert cli.main(["build", "--force"]) == 0
    capsys.readouterr()
    assert (app_models / "topic-names.json").is_file()          # user data: the rebuild leaves it
    assert cli.main(["topics", "--json"]) == 0
    topics = json.loads(capsys.readouterr().out)["topics"]
    assert [t["name"] for t in topics if t["name"]] == ["Hankehaut"] and topics[1]["name"] == "Hankehaut"
    assert cli.main(["topics"]) == 0
    assert "2. Hankehaut (" in capsys.readouterr().out
    assert cli.main(["compare", "1", "5", "--json"]) == 0      # the topic mix of a comparison uses it too
    assert "Hankehaut" in [m["label"] for m in json.loads(capsys.readouterr().out)["topic_mix"]]


# ---------------------------------------------------------------- Aineisto


def test_upload_shows_parse_summary_then_accepting_rebuilds(app_models, corpus_copy):
    corpus = corpus_copy   # after app_models, so TEXTKIT_CORPUS points at the copy
    at = AppTest.from_file(APP, default_timeout=TIMEOUT).run()
    open_page(at, "aineisto")
    at.file_uploader(key="upload_file_0").set_value(("Katsaus 2025.txt", _synthetic_2025(), "text/plain"))
    at.selectbox(key="upload_year_0").set_value(2025).run()
    _assert_clean(at)
    # year, themes, passages, pages (the text's pages counted from its page artefacts)
    assert [m.value for m in at.metric][:2] == ["2025", "2"] and int(at.metric[3].value) > 1
    assert not at.warning or all("raportointipäivä" not in w.value for w in at.warning)   # 31.10.2025: agrees
    assert not at.button(key="accept_upload").disabled
    assert "2025" not in (corpus / "editions.toml").read_text()   # nothing stored before accepting

    at.button(key="accept_upload").click().run()
    _assert_clean(at)
    assert "2025 lisätty" in at.success[0].value
    assert list(at.dataframe[0].value["Vuosi"]) == [2024, 2025]   # the table shows the new edition
    assert not at.file_uploader(key="upload_file_1").value        # the form is empty again
    manifest = tomllib.loads((corpus / "editions.toml").read_text())
    added = next(e for e in manifest["edition"] if e["year"] == 2025)
    assert (corpus / added["file"]).exists() and " " not in added["file"]
    from textkit.build import read_build_record

    assert read_build_record(app_models)["editions"] == [2024, 2025]

    # With two editions the year-over-year page compares them.
    open_page(at, "vuosivertailu")
    assert not any("vain yksi vuosikatsaus" in i.value for i in at.info)
    assert (at.selectbox(key="diff_from").value, at.selectbox(key="diff_to").value) == (2024, 2025)
    at.selectbox(key="diff_theme").set_value("tyomarkkinoiden-kohtaanto").run()
    _assert_clean(at)
    headings = " ".join(m.value for m in at.markdown)
    assert all(word in headings for word in ("Uutta", "Poistunut", "Yleistynyt", "Harvinaistunut"))
    # The SYNTHETIC 2025 theme repeats its 2024 text, so the page says nothing changed.
    assert "ei ole muuttunut" in at.info[0].value


def test_upload_with_a_year_other_than_its_reporting_date_asks_first(app_models, corpus_copy):
    corpus = corpus_copy
    at = AppTest.from_file(APP, default_timeout=TIMEOUT).run()
    open_page(at, "aineisto")
    at.file_uploader(key="upload_file_0").set_value(("katsaus.txt", _synthetic_2025(), "text/plain"))
    at.selectbox(key="upload_year_0").set_value(2023).run()
    _assert_clean(at)
    (warning,) = [w.value for w in at.warning if "raportointipäivä" in w.value]
    assert "31.10.2025" in warning and "2023" in warning
    assert at.button(key="accept_upload").disabled                 # not before the user says so
    at.checkbox(key="upload_accept_year_0").check().run()
    assert not at.button(key="accept_upload").disabled
    at.button(key="accept_upload").click().run()
    _assert_clean(at)
    assert [e["year"] for e in tomllib.loads((corpus / "editions.toml").read_text())["edition"]] == [2023, 2024]


def test_removing_an_edition_asks_rebuilds_and_keeps_its_basket_excerpts(app_models, corpus_copy):
    from textkit.build import read_build_record
    from textkit.corpus import add_edition, load_editions
    from textkit.excerpts import Basket, find_passage
    from textkit.errors import TextkitError
    from textkit.index import search

    corpus = corpus_copy
    add_edition(_synthetic_2025(), "katsaus-2025.txt", 2025, corpus)
    basket = Basket(app_models / "excerpts.sqlite3")
    passage = next(p for p in load_editions(corpus)[1].passages() if p.section == 2)
    basket.add(find_passage(passage.id))
    at = AppTest.from_file(APP, default_timeout=TIMEOUT).run()    # builds 2024 + 2025
    _assert_clean(at)
    assert search("kunta", edition=2025, models_dir=app_models).total > 0

    open_page(at, "aineisto")
    at.selectbox(key="manage_year").set_value(2025).run()
    at.button(key="remove_edition").click().run()
    assert "Poistetaanko vuosikatsaus 2025" in at.warning[0].value and "1 otetta" in at.warning[0].value
    at.button(key="confirm_remove_no").click().run()                # cancel: nothing happens
    assert 2025 in [e.year for e in load_editions(corpus)]

    at.button(key="remove_edition").click().run()
    at.button(key="confirm_remove_yes").click().run()
    _assert_clean(at)
    assert "2025 poistettu" in at.success[0].value
    assert list(at.dataframe[0].value["Vuosi"]) == [2024]
    assert read_build_record(app_models)["editions"] == [2024]
    with pytest.raises(TextkitError, match="2025 katsausta ei ole hakuindeksissä"):
        search("kunta", edition=2025, models_dir=app_models)
    open_page(at, "otteet")                                        # the excerpt holds its own copy
    assert list(at.data_editor[0].value["vuosi"]) == [2025]
    assert basket.excerpts()[0].text == passage.text


def test_while_another_session_rebuilds_every_page_says_which_editions_the_index_in_use_holds(
        app_models, corpus_copy):
    """An edition accepted while another session's build holds the lock: the page does not claim
    the index was rebuilt, every page says that searches still use the previous editions, and
    Aineisto marks the edition not yet indexed; once the build can run, both change together."""
    from textkit.build import _build_lock

    at = AppTest.from_file(APP, default_timeout=TIMEOUT).run()
    with _build_lock(app_models):                 # another session's build holds the lock
        open_page(at, "aineisto")
        at.file_uploader(key="upload_file_0").set_value(("Katsaus 2025.txt", _synthetic_2025(), "text/plain"))
        at.selectbox(key="upload_year_0").set_value(2025).run()
        at.button(key="accept_upload").click().run()
        _assert_clean(at)
        assert at.success[0].value == "Vuosikatsaus 2025 lisätty; hakuindeksiä rakennetaan."
        note = next(i.value for i in at.info if "rakennetaan uudelleen" in i.value)
        assert "edellistä indeksiä (vuosikatsaukset 2024)" in note and "aineistossa on nyt 2024, 2025" in note
        table = at.dataframe[0].value
        assert dict(zip(table["Vuosi"], table["Hakuindeksissä"])) == {2024: "kyllä", 2025: "⏳ rakennetaan"}
        open_page(at, "haku")                     # the same note on every page
        assert any("rakennetaan uudelleen" in i.value for i in at.info)
    open_page(at, "aineisto")                     # the lock is free: this session builds, then all agree
    assert not [i.value for i in at.info if "rakennetaan uudelleen" in i.value]
    table = at.dataframe[0].value
    assert list(table["Vuosi"]) == [2024, 2025] and "Hakuindeksissä" not in table.columns


def test_the_only_edition_cannot_be_removed_and_replace_presets_the_upload(app):
    open_page(app, "aineisto")
    assert app.button(key="remove_edition").disabled
    app.button(key="replace_edition").click().run()
    _assert_clean(app)
    assert app.selectbox(key="upload_year_0").value == 2024
    assert "korvaa nykyisen vasta, kun hyväksyt" in app.info[0].value


def test_year_over_year_with_one_edition_links_to_the_corpus_page(app):
    open_page(app, "vuosivertailu")
    (link,) = app.get("page_link")
    assert link.proto.page == "app_pages/aineisto.py" or "aineisto" in link.proto.page


@pytest.fixture()
def synthetic_app(tmp_path, monkeypatch):
    """The app on the SYNTHETIC 2023 + 2024 corpus of tests/fixtures/synthetic_editions.py (2023 has
    themes 1–2, 2024 themes 1–3; theme 1's TE24 is "Paikallismalli" in 2023), models built at start."""
    from fixtures.synthetic_editions import write_synthetic_corpus

    corpus = write_synthetic_corpus(tmp_path / "corpus")
    monkeypatch.setenv("TEXTKIT_CORPUS", str(corpus))
    monkeypatch.setenv("TEXTKIT_MODELS", str(tmp_path / "models"))
    at = AppTest.from_file(APP, default_timeout=TIMEOUT).run()
    _assert_clean(at)
    return at


def test_year_over_year_opens_on_all_themes_and_a_theme_opens_its_own_view(synthetic_app):
    from textkit.compare import diff_all

    at = open_page(synthetic_app, "vuosivertailu")
    assert at.selectbox(key="diff_theme").value == ""            # the overview first
    assert "Muutokset teemoittain 2023 → 2024" in [s.value for s in at.subheader]
    table = at.dataframe[0].value
    assert list(table.columns[:5]) == ["Teema", "Uutta", "Poistunut", "Yleistynyt", "Harvinaistunut"]
    expected = {s.theme_id: s for s in diff_all(2023, 2024).themes}
    assert len(table) == len(expected) == 2
    row = table[table["Teema"].str.contains("Työmarkkinoiden kohtaanto")].iloc[0]
    kohtaanto = expected["tyomarkkinoiden-kohtaanto"]
    assert (row["Uutta"], row["Poistunut"], row["Yleistynyt"], row["Harvinaistunut"]) == (
        kohtaanto.new_terms, kohtaanto.gone_terms, kohtaanto.rising_terms, kohtaanto.falling_terms)
    assert kohtaanto.new_terms > 0 and kohtaanto.gone_terms > 0  # te24 new, paikallismalli gone
    assert any("Vain vuoden 2024 katsauksessa" in i.value and "Maahanmuuttaneiden" in i.value for i in at.info)
    assert at.get("arrow_vega_lite_chart") or at.get("vega_lite_chart")

    at.selectbox(key="diff_theme").set_value("tyomarkkinoiden-kohtaanto").run()
    _assert_clean(at)
    assert "Uutta" in " ".join(m.value for m in at.markdown)
    new_terms = next(d.value for d in at.dataframe if "sana" in d.value.columns)
    assert "te24" in list(new_terms["sana"])


def test_identical_passages_of_two_editions_are_one_card_and_the_chart_splits_by_edition(synthetic_app):
    from textkit.index import search as textkit_search

    at = synthetic_app
    search(at, "kunta")
    hits = textkit_search("kunta", limit=50).hits
    texts = {(h.theme_id, h.section, " ".join(h.text.split())) for h in hits}
    in_both = [c.value for c in at.caption if "Sama kappale vuosikatsauksissa 2023, 2024" in c.value]
    cards = [c.value for c in at.caption if re.match(r"\d{4} · \d ", c.value)]   # "2024 · 2 Toteutettu toiminta · …"
    assert in_both, "some passages are the same text in 2023 and 2024"
    assert len(cards) == len(texts) < len(hits)                 # one card per distinct passage
    # The CLI's text lists such a passage once, with its editions.
    from textkit.index import format_result

    text = format_result(textkit_search("kunta", limit=50))
    assert "[katsauksissa 2023, 2024]" in text
    assert sum(line.startswith("  20") for line in text.splitlines()) == len(texts)

    at.checkbox(key="split_by_edition").check().run()
    _assert_clean(at)
    charts = at.get("arrow_vega_lite_chart") or at.get("vega_lite_chart")
    spec = charts[0].proto.spec
    assert '"vuosi"' in spec and "yOffset" in spec              # bars grouped by edition


def test_upload_of_a_wrong_file_is_refused_in_finnish(app):
    open_page(app, "aineisto")
    app.file_uploader(key="upload_file_0").set_value(("katsaus.pdf", b"not a pdf", "application/pdf"))
    app.run()
    assert not app.exception
    assert "ei ole PDF" in app.error[0].value


def test_upload_of_a_decompression_bomb_is_refused_with_the_limit(app):
    from test_limits import _bomb_docx

    open_page(app, "aineisto")
    app.file_uploader(key="upload_file_0").set_value(("katsaus.docx", _bomb_docx(), "application/octet-stream"))
    app.selectbox(key="upload_year_0").set_value(2025).run()
    assert not app.exception
    assert "raja 100-kertainen" in app.error[0].value


@pytest.mark.parametrize("encoding", ["cp1252", "utf-16"])
def test_upload_reads_the_encodings_the_cli_reads(app, encoding):
    open_page(app, "aineisto")
    app.file_uploader(key="upload_file_0").set_value(("Katsaus 2025.txt", _synthetic_2025().decode().encode(encoding),
                                                      "text/plain"))
    app.selectbox(key="upload_year_0").set_value(2025).run()
    assert not app.exception and not app.error, [e.value for e in app.error]
    assert [m.value for m in app.metric][:2] == ["2025", "2"]   # year, themes: parsed as the CLI parses it
    assert not app.button(key="accept_upload").disabled


# ---------------------------------------------------------------- helpers


def search(at: AppTest, query: str, *, expect_clean: bool = True) -> AppTest:
    at.text_input(key="query").input(query).run()
    if expect_clean:
        _assert_clean(at)
    return at


def _assert_clean(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]


def _captions(at: AppTest) -> str:
    return "\n".join(c.value for c in at.caption)


def _result_themes(at: AppTest) -> list[str]:
    return [s.value.rsplit(" (", 1)[0] for s in at.subheader]


def _synthetic_2025() -> bytes:
    """SYNTHETIC edition: the real 2024 title lines and its first two themes with every year moved
    one on ("Katsaus 31.10.2025"), to be uploaded as 2025."""
    return shifted_themes_2024(2, 2025).encode("utf-8")
