"""Streamlit plumbing shared by the pages: language, error display, caches, first-run build.

Caching design: read-only shared objects (editions, analyzer, topic model,
basket store) go through `st.cache_resource`; query results through
`st.cache_data`. Every cached function takes what it depends on as arguments
(folder paths and the build key), never reads hidden globals, so a rebuilt
index or a new edition gives new cache entries instead of stale ones.
"""

from __future__ import annotations

import logging
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator

import streamlit as st

from textkit import ui
from textkit.errors import TextkitError
from textkit.paths import corpus_dir, models_dir

log = logging.getLogger("textkit.app")


def lang() -> str:
    return st.session_state.get("lang", "fi")


def t(key: str, **values: Any) -> str:
    """Label in the user's language."""
    return ui.label(key, lang(), **values)


def translator() -> Any:
    """`t` bound to the language of this run. Pages use it, also in widgets' format_func, which
    AppTest calls outside the script run (where the session's language cannot be read)."""
    chosen = lang()
    return lambda key, **values: ui.label(key, chosen, **values)


@contextmanager
def user_errors() -> Iterator[None]:
    """Show a TextkitError as the message it carries (its English form in English mode), not as a traceback."""
    try:
        yield
    except TextkitError as exc:
        st.error(ui.translate_error(str(exc), lang()), icon="🚨")


def unexpected_error(exc: Exception) -> None:
    """Last resort for bugs: a short message for the user, the traceback for the log."""
    log.exception("unexpected error in the app")
    st.error(t("unexpected", kind=type(exc).__name__, message=str(exc) or "–"), icon="🐞")


# ---------------------------------------------------------------- cached objects


def corpus_key() -> str:
    """Changes whenever an edition file or the manifest changes."""
    from textkit.corpus import corpus_fingerprint

    return corpus_fingerprint(corpus_dir())


def editions() -> list:
    return _editions(str(corpus_dir()), corpus_key())


@st.cache_resource(show_spinner=False, max_entries=4)
def _editions(corpus: str, fingerprint: str) -> list:
    from textkit.corpus import load_editions

    return load_editions(Path(corpus))


def analyzer() -> Any:
    return _analyzer()


@st.cache_resource(show_spinner=False)
def _analyzer() -> Any:
    from textkit.analysis import get_analyzer

    shared = get_analyzer()
    shared.tokens("Kunnat ja TE24-uudistus")   # loads spaCy, Voikko and simplemma now, not at the first query
    return shared


def index() -> Any:
    """The open Whoosh index of the current build (textkit.index also keeps it open per process)."""
    return _index(*models_key())


@st.cache_resource(show_spinner=False, max_entries=2)
def _index(models: str, build: str) -> Any:
    from textkit.index import open_index

    return open_index(Path(models))


def warm_up() -> None:
    """Load Voikko and open the index while the user is still typing the first query."""
    analyzer()
    index()


# ---------------------------------------------------------------- models/


def ensure_models(force: bool = False) -> None:
    """Build models/ when it is missing or out of date (or `force`), with a progress bar.

    The build writes into a temporary folder and renames it into place (textkit.build),
    so other sessions keep searching the previous index until the new one is ready;
    the cached objects below are keyed by the build record, so they switch over then.
    """
    from textkit.build import build_models, build_running, build_status

    status = "forced" if force else build_status()
    if status == "current":
        return
    if status == "stale" and build_running():
        # Another session is building: this one keeps searching the previous index, says which
        # editions that index holds, and reloads itself once the new one is in place.
        st.info(ui.index_state_note(index_state(), lang()), icon="⏳")
        _reload_when_built()
        return
    heading = t({"missing": "building_first", "stale": "building_stale"}.get(status, "building"))
    slot = st.empty()
    bar = slot.progress(0.0, text=heading)

    def progress(fraction: float, message: str) -> None:
        bar.progress(min(max(float(fraction), 0.0), 1.0), text=f"{heading} {ui.translate_error(message, lang())}")

    build_models(force=force, progress=progress)
    slot.empty()


def index_state() -> Any:
    """The search index in use against the corpus now (ui.IndexState)."""
    from textkit.build import build_running, build_status, read_build_record
    from textkit.corpus import load_manifest

    return ui.index_state(build_status(), build_running(), read_build_record(),
                          [e["year"] for e in load_manifest(corpus_dir())])


@st.fragment(run_every=2.0)
def _reload_when_built() -> None:
    """Polls while another session rebuilds the index; reruns the whole app when it is done, so
    the editions list and the index in use change together."""
    from textkit.build import build_running, build_status

    if build_status() == "current" or not build_running():   # done (or failed: the rerun says so)
        st.rerun(scope="app")


def models_key() -> tuple[str, str]:
    """Identifies the current build (folder and build time): a rebuild gives new cache entries."""
    from textkit.build import read_build_record

    record = read_build_record()
    return (str(models_dir()), f"{record.get('built_at')}|{record.get('fingerprint')}|{record.get('code')}")


@st.cache_data(show_spinner=False, max_entries=4)
def preview_edition(data: bytes, filename: str, year: int) -> Any:
    """Parse an uploaded file without adding it to the corpus (for the summary shown before accepting)."""
    import tempfile

    from textkit.corpus import safe_filename
    from textkit.parse import parse_file

    kind = ui.check_upload(filename, data)
    with tempfile.TemporaryDirectory(prefix="textkit-upload-") as tmp:
        path = Path(tmp) / safe_filename(filename, year)
        path.write_bytes(data)
        edition = parse_file(path, year=year)
    log.info("previewed upload %s (%s, %d bytes)", filename, kind, len(data))
    return edition


def basket() -> Any:
    """The excerpt basket in models_dir() (user data: a rebuild never touches it)."""
    from textkit.excerpts import default_db_path

    return _basket(str(default_db_path()))


@st.cache_resource(show_spinner=False)
def _basket(path: str) -> Any:
    from textkit.excerpts import Basket

    return Basket(path)


def excerpt_topic_names(excerpts: Any) -> list[str]:
    """Each excerpt's topic name in the stored model, read fresh (a rename shows at once)."""
    from textkit.export import excerpt_topic_names as names

    return names(list(excerpts), models_dir=models_dir())


def export_bytes(excerpts: tuple, fmt: str, title: str) -> bytes:
    """The export file, with each excerpt's topic name (read fresh: a rename shows in the next download)."""
    return _export_bytes(excerpts, fmt, title, tuple(excerpt_topic_names(excerpts)))


@st.cache_data(show_spinner=False, max_entries=32)
def _export_bytes(excerpts: tuple, fmt: str, title: str, topics: tuple) -> bytes:
    from textkit.export import render

    return render(list(excerpts), fmt, title=title, topics=topics)


def topic_model() -> Any:
    """The stored topic model with the user's topic names (read fresh: a rename shows at once)."""
    from textkit.topic_names import apply_names

    key = models_key()
    return apply_names(_topic_model(*key), Path(key[0]))


@st.cache_resource(show_spinner=False, max_entries=2)
def _topic_model(models: str, build: str) -> Any:
    from textkit.topics import load_topics

    return load_topics(Path(models))


def passages() -> dict:
    """Passage id -> Passage over all editions."""
    return _passages(str(corpus_dir()), corpus_key())


@st.cache_resource(show_spinner=False, max_entries=2)
def _passages(corpus: str, fingerprint: str) -> dict:
    return ui.passages_by_id(_editions(corpus, fingerprint))


def theme_names() -> dict[str, str]:
    return ui.themes_of(editions())


def add_to_basket(passage_id: str, *, query: str = "", collection: str | None = None) -> None:
    """Put a passage into the basket (the chosen collection) and say so."""
    from textkit.excerpts import find_passage
    from textkit.export import cite

    ref = find_passage(passage_id, editions())
    excerpt, created = basket().add(
        ref, collection=collection or st.session_state.get("basket_target") or "Oletus", query=query
    )
    st.toast(t("added", cite=cite(excerpt)) if created else f"{t('in_basket')}: {cite(excerpt)}",
             icon="🧺")


def add_sentence_to_basket(passage_id: str, offset: int, *, query: str = "") -> None:
    """Put the sentence of a passage that holds `offset` (a KWIC line's match) into the basket."""
    from textkit.excerpts import find_passage
    from textkit.export import cite
    from textkit.kwic import sentence_at

    ref = find_passage(passage_id, editions())
    _, sentence = sentence_at(ref.text, offset)
    excerpt, created = basket().add(
        ref, collection=st.session_state.get("basket_target") or "Oletus", query=query, text=sentence
    )
    st.toast(t("added", cite=cite(excerpt)) if created else f"{t('in_basket')}: {cite(excerpt)}", icon="🧺")


def in_basket() -> set[tuple[str, str]]:
    """(passage id, quoted text) of every excerpt in the collection "Lisää koriin" adds to."""
    target = st.session_state.get("basket_target") or "Oletus"
    try:
        return {(e.passage_id, e.text) for e in basket().excerpts(target)}
    except TextkitError:
        return set()


def sentence_button(passage_id: str, offset: int, *, query: str, key: str, added: bool) -> None:
    """A KWIC row's button: adds the match's sentence; "Korissa ✓" once it is there."""
    st.button("✓" if added else "＋", key=key, help=t("in_basket_done") if added else t("add_sentence"),
              disabled=added, on_click=_add_sentence_callback, args=(passage_id, offset, query))


def _add_sentence_callback(passage_id: str, offset: int, query: str) -> None:
    try:
        add_sentence_to_basket(passage_id, offset, query=query)
    except TextkitError as exc:
        st.session_state["basket_error"] = str(exc)


def basket_button(passage_id: str, *, query: str = "", key: str, added: bool = False) -> None:
    """A "Lisää koriin" button for one passage; "Korissa ✓" once the passage is in the basket."""
    st.button(
        t("in_basket_done") if added else t("add_to_basket"),
        key=key,
        icon=None if added else "🧺",
        disabled=added,
        on_click=_add_callback,
        args=(passage_id, query),
    )


def _add_callback(passage_id: str, query: str) -> None:
    try:
        add_to_basket(passage_id, query=query)
    except TextkitError as exc:
        st.session_state["basket_error"] = str(exc)


def search(query: str, sections: tuple[int, ...], theme: str | None, edition: int | None, limit: int,
           whole_words: bool = False) -> Any:
    """Search results, cached per query, filters, build and synonym and lexicalised lists (see
    textkit.index.search)."""
    return _search(query, sections, theme, edition, limit, whole_words, *models_key(), _synonyms_stamp())


@st.cache_data(show_spinner=False, max_entries=256)
def _search(
    query: str, sections: tuple[int, ...], theme: str | None, edition: int | None, limit: int,
    whole_words: bool, models: str, build: str, synonyms_stamp: tuple,
) -> Any:
    from textkit.index import search

    return search(query, sections=sections, theme=theme, edition=edition, limit=limit, models_dir=Path(models),
                  whole_words=whole_words)


def concordance(query: str, sections: tuple[int, ...], theme: str | None, edition: int | None,
                whole_words: bool = False) -> Any:
    """KWIC lines of every hit (the search's own match spans), cached like the search."""
    return _concordance(query, sections, theme, edition, whole_words, *models_key(), _synonyms_stamp())


@st.cache_data(show_spinner=False, max_entries=64)
def _concordance(query: str, sections: tuple[int, ...], theme: str | None, edition: int | None, whole_words: bool,
                 models: str, build: str, stamp: tuple) -> Any:
    from textkit.kwic import concordance_of

    result = _search(query, sections, theme, edition, 0, whole_words, models, build, stamp)
    return concordance_of(result, sections=sections, theme=theme, edition=edition)


def reading(conc: Any) -> tuple[Any, Any, Any]:
    """Frequencies and collocates (by LL and by MI) of a concordance over its scope."""
    from textkit import kwic

    passages = kwic.scope_passages(editions(), conc)
    return (kwic.frequencies(conc, passages, theme_names(), lang()),
            kwic.collocates(conc, passages, by="ll"), kwic.collocates(conc, passages, by="mi"))


def synonyms(query: str) -> list[str]:
    """The synonym groups the query was expanded with (from corpus/synonyms.toml)."""
    return _synonyms(query, str(corpus_dir()), _synonyms_stamp())


def _synonyms_stamp() -> tuple:
    """The synonym and lexicalised lists are read at query time (no rebuild), so their edits
    must reach the caches."""
    from textkit.query import LEXICALISED_FILE, SYNONYMS_FILE

    stamp = []
    for name in (SYNONYMS_FILE, LEXICALISED_FILE):
        try:
            stat = (corpus_dir() / name).stat()
        except OSError:
            stamp.append(())
            continue
        stamp.append((stat.st_mtime_ns, stat.st_size))
    return tuple(stamp)


@st.cache_data(show_spinner=False, max_entries=256)
def _synonyms(query: str, corpus: str, stamp: tuple) -> list[str]:
    from textkit.query import parse_query

    return ui.synonym_groups(parse_query(query, analyzer=analyzer()).tree)


def compare_themes(theme_a: str, theme_b: str, edition: int | None) -> Any:
    return _compare_themes(theme_a, theme_b, edition, *models_key())


@st.cache_data(show_spinner=False, max_entries=64)
def _compare_themes(theme_a: str, theme_b: str, edition: int | None, models: str, build: str) -> Any:
    from textkit.compare import compare_themes

    return compare_themes(theme_a, theme_b, edition=edition, models_dir=Path(models))


def compare_all(edition: int | None) -> Any:
    return _compare_all(edition, *models_key())


@st.cache_data(show_spinner=False, max_entries=8)
def _compare_all(edition: int | None, models: str, build: str) -> Any:
    from textkit.compare import compare_all

    return compare_all(edition=edition, models_dir=Path(models))


def diff_theme(theme: str, from_year: int, to_year: int) -> Any:
    return _diff_theme(theme, from_year, to_year, *models_key())


@st.cache_data(show_spinner=False, max_entries=64)
def _diff_theme(theme: str, from_year: int, to_year: int, models: str, build: str) -> Any:
    from textkit.compare import diff_theme

    return diff_theme(theme, from_year, to_year, models_dir=Path(models))


def diff_all(from_year: int, to_year: int) -> Any:
    return _diff_all(from_year, to_year, *models_key())


@st.cache_data(show_spinner=False, max_entries=8)
def _diff_all(from_year: int, to_year: int, models: str, build: str) -> Any:
    from textkit.compare import diff_all

    return diff_all(from_year, to_year, models_dir=Path(models))


# ---------------------------------------------------------------- charts


def grouped_bars(
    rows: Any,
    *,
    bar: str,
    group: str,
    value: str,
    value_title: str,
    bar_sort: list[str] | None = None,
    bar_axis: Any = None,
    share: bool = True,
    legend_title: str | None = None,
    legend_limit: int | None = None,
    tooltip_titles: tuple[str, str] | None = None,
    vertical: bool = False,
    height: int | None = None,
) -> None:
    """Bars of `value` per `bar` (a term, a topic), one bar per `group` (theme, edition, section)
    side by side within it, the groups told apart by colour with the legend on top.

    `share`: the value is a fraction, shown as per cent. `tooltip_titles`: names for the bar
    and group fields in the tooltip (else their `ui.column` titles). Horizontal bars unless `vertical`.
    """
    import altair as alt

    undefined = alt.Undefined
    bar_enc = dict(title=None, sort=bar_sort, axis=bar_axis if bar_axis is not None else undefined)
    value_enc = dict(title=value_title, axis=alt.Axis(format="%") if share else undefined)
    legend = alt.Legend(orient="top", labelLimit=legend_limit if legend_limit is not None else undefined)
    # Tooltip titles in the user's language (the fields are the rows' Finnish column names).
    titles = tooltip_titles or (ui.column(bar, lang()), ui.column(group, lang()))
    tooltip = [alt.Tooltip(bar, title=titles[0]), alt.Tooltip(group, title=titles[1]),
               alt.Tooltip(f"{value}:Q", title=value_title, format=".1%" if share else undefined)]
    if vertical:
        positions = dict(x=alt.X(f"{bar}:N", **bar_enc), xOffset=f"{group}:N", y=alt.Y(f"{value}:Q", **value_enc))
    else:
        positions = dict(y=alt.Y(f"{bar}:N", **bar_enc), yOffset=f"{group}:N", x=alt.X(f"{value}:Q", **value_enc))
    chart = alt.Chart(rows).mark_bar().encode(
        **positions,
        color=alt.Color(f"{group}:N", title=legend_title, legend=legend),
        tooltip=tooltip,
    )
    if height is not None:
        chart = chart.properties(height=height)
    st.altair_chart(chart, width="stretch")
