"""The app in English: every page, its tables, chart titles and messages, with no Finnish-only text.

"Finnish-only" comes from the label tables themselves (textkit.ui LABELS, COLUMNS, SECTION_NAMES,
COUNT_NOUNS, FUNDING_NAMES and the error messages of textkit.messages): every Finnish text whose
English form differs. A page fails when one of them appears as a table header, a chart title, a
widget label, help text or placeholder, a heading, a metric, or inside a caption, message or
error. Report content (theme names, passages, lemmas, citations) is Finnish in both modes and is
not looked at. Runs on the real 2024 edition and on the SYNTHETIC 2023 + 2024 corpus (two
editions, for Vuosivertailu).
"""

from __future__ import annotations

import json
import re

import pytest
from streamlit.testing.v1 import AppTest

from test_app import APP, TIMEOUT, _assert_clean, _synthetic_2025, open_page, search
from test_app import app, app_models, synthetic_app  # noqa: F401 - fixtures
from textkit import messages, ui

_SLOT = re.compile(r"\{[^{}]*\}")
_MIN_PIECE = 12   # shorter pieces of a longer label are checked only as whole texts


def _finnish_only() -> tuple[set[str], set[str]]:
    """(whole texts, pieces): the Finnish label texts whose English differs, and the pieces of
    them (between {slots}, several words, at least _MIN_PIECE characters) that do not occur in
    the English."""
    pairs = [*ui.LABELS.values(), *ui.COLUMNS.values(), *ui.SECTION_NAMES.values(), *ui.FUNDING_NAMES.values()]
    pairs += [(fi[0], en[0]) for fi, en in ui.COUNT_NOUNS.values()] + [(fi[1], en[1]) for fi, en in ui.COUNT_NOUNS.values()]
    pairs += list(messages.ENGLISH.items())
    wholes, pieces = set(), set()
    for fi, en in pairs:
        if fi == en:
            continue
        if not _SLOT.search(fi):
            wholes.add(fi.strip())
        for piece in _SLOT.split(fi.replace("{{", "").replace("}}", "")):
            piece = piece.strip(" .,:;()")
            # A piece of several words: single words (päätoteuttaja) occur in the report's own text.
            if len(piece) >= _MIN_PIECE and " " in piece and piece not in en:
                pieces.add(piece)
    return wholes, pieces


WHOLES, PIECES = _finnish_only()
FUNDING_FI = {fi for fi, _ in ui.FUNDING_NAMES.values()}
PAGE_KEYS = {"teemat": "page_themes", "aiheet": "page_topics", "vuosivertailu": "page_diff", "otteet": "page_basket",
             "aineisto": "page_corpus"}


def _parts(text: str) -> list[str]:
    """A shown text and its parts: split at " · ", colons and parentheses, bold marks removed."""
    text = text.replace("**", "")
    return [p.strip(" .") for p in re.split(r" · |: |\(|\)|\n", text) if p.strip(" .")] + [text.strip()]


def _visible_texts(at: AppTest) -> list[tuple[str, str]]:
    """(where, text) for every piece of interface text on the page: labels, help texts,
    placeholders, headings, messages, metric labels, table headers and chart titles."""
    found: list[tuple[str, str]] = []

    def walk(node) -> None:
        proto = getattr(node, "proto", None)
        kind = getattr(node, "type", type(node).__name__)
        if proto is not None:
            for field in ("label", "help", "placeholder", "body", "text"):
                value = getattr(proto, field, None)
                if isinstance(value, str) and value:
                    found.append((f"{kind}.{field}", value))
        if kind in ("arrow_data_frame", "dataframe"):
            try:
                for name in node.value.columns:
                    found.append(("table header", str(name)))
                for column in node.value.columns:
                    for cell in node.value[column]:
                        if isinstance(cell, str):
                            found.append(("table cell", cell))
            except Exception:   # noqa: BLE001 - a data editor without a frame
                pass
            # Headers: a column's configured label where it has one (data editors), else its name.
            config = json.loads(getattr(proto, "columns", "") or "{}")
            labelled = set()
            for name, column in config.items():
                if isinstance(column, dict):
                    for field in ("label", "help"):
                        if column.get(field):
                            found.append((f"column {field}", column[field]))
                    if column.get("label"):
                        labelled.add(name.removeprefix("name:"))
            found[:] = [(w, t) for w, t in found if not (w == "table header" and t in labelled)]
        if kind in ("arrow_vega_lite_chart", "vega_lite_chart") and proto is not None:
            for title in _chart_titles(json.loads(proto.spec)):
                found.append(("chart title", title))
        for child in getattr(node, "children", {}).values():
            walk(child)

    walk(at._tree)
    return found


def _chart_titles(spec) -> list[str]:
    titles = []
    if isinstance(spec, dict):
        for key, value in spec.items():
            if key == "title" and isinstance(value, str):
                titles.append(value)
            elif key == "title" and isinstance(value, dict) and isinstance(value.get("text"), str):
                titles.append(value["text"])
            else:
                titles += _chart_titles(value)
    elif isinstance(spec, list):
        for item in spec:
            titles += _chart_titles(item)
    return titles


def finnish_on_page(at: AppTest) -> list[tuple[str, str]]:
    """The Finnish-only interface texts on the page, as (where, the Finnish text found)."""
    bad = []
    for where, text in _visible_texts(at):
        if where == "table cell":
            # Cells hold report content; only labels the app itself puts there are looked for.
            if (text.strip() in WHOLES and text.strip()[:1].isupper()) or text.strip() in FUNDING_FI:
                bad.append((where, text))
            continue
        found = [part for part in _parts(text) if part in WHOLES] + [piece for piece in PIECES if piece in text]
        bad += [(where, f) for f in found]
    return bad


def english(at: AppTest) -> AppTest:
    at.radio(key="lang").set_value("en").run()
    _assert_clean(at)
    return at


def assert_english(at: AppTest) -> None:
    _assert_clean(at)
    assert not finnish_on_page(at), finnish_on_page(at)


# ---------------------------------------------------------------- the checker itself


def test_the_checker_finds_finnish_text_on_a_finnish_page(app):
    """In Finnish mode the same pages are full of what the checker looks for, so it can fail."""
    found = finnish_on_page(open_page(app, "teemat"))
    wheres = {where for where, _ in found}
    assert {"table header", "table cell", "chart title"} <= wheres, found
    assert any(text == "julkinen rahoituskehys" for _, text in found)
    assert ("table header", "raportissa") in found


# ---------------------------------------------------------------- every page in English


def test_search_page_in_english(app):
    at = english(app)
    assert_english(at)                               # the first page, with its example queries
    search(at, "TE24")
    assert_english(at)
    for view in ("kwic", "collocates", "frequencies"):
        at.segmented_control(key="haku_view").set_value(view).run()
        assert_english(at)
        if view == "kwic":   # an empty multiselect would show Streamlit's own "Choose options"
            assert at.multiselect(key="kwic_forms").proto.placeholder == "All forms"


def test_a_bad_query_says_what_is_wrong_in_english(app):
    at = english(app)
    search(at, '"jatkuva oppiminen', expect_clean=False)
    (error,) = [e.value for e in at.error]
    assert error.startswith("A quotation mark was left open")
    assert not finnish_on_page(at), finnish_on_page(at)


@pytest.mark.parametrize("page", ["teemat", "aiheet", "vuosivertailu", "otteet", "aineisto"])
def test_each_page_in_english(app, page):
    at = open_page(english(app), page)
    assert at.title[0].value == ui.label(PAGE_KEYS[page], "en")
    assert_english(at)


def test_themes_tables_have_english_headers_and_funding_names(app):
    at = open_page(english(app), "teemat")
    tables = [d.value for d in at.dataframe]
    funding = next(t for t in tables if "as printed" in t.columns)
    assert list(funding["funding"]) == ["public funding frame", "reservations", "committed authorisations", "costs paid"]
    assert any("term" in t.columns and "elsewhere /1000" in t.columns for t in tables)
    assert any("lead implementer" in t.columns for t in tables)


def test_basket_page_in_english_with_excerpts(app, app_models):
    at = english(app)
    search(at, "TE24")
    next(b for b in at.button if b.key and b.key.startswith("add_")).click().run()
    at = open_page(at, "otteet")
    assert at.data_editor or at.dataframe
    assert_english(at)


def test_upload_preview_in_english(app_models, corpus_copy):
    at = english(AppTest.from_file(APP, default_timeout=TIMEOUT).run())
    at = open_page(at, "aineisto")
    at.file_uploader(key="upload_file_0").set_value(("katsaus.txt", _synthetic_2025(), "text/plain"))
    at.selectbox(key="upload_year_0").set_value(2023).run()     # a year that disagrees with the date
    _assert_clean(at)
    (warning,) = [w.value for w in at.warning if "reporting date" in w.value]
    assert "31.10.2025" in warning and "2023" in warning
    assert_english(at)


def test_year_over_year_in_english_on_two_editions(synthetic_app):
    at = open_page(english(synthetic_app), "vuosivertailu")
    table = at.dataframe[0].value
    assert list(table.columns[:5]) == ["Theme", "New", "Gone", "Rising", "Falling"]
    assert_english(at)
    at.selectbox(key="diff_theme").set_value("tyomarkkinoiden-kohtaanto").run()
    assert_english(at)
    assert any("term" in d.value.columns for d in at.dataframe)
