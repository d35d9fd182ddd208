"""Streamlit plumbing shared by the pages: language, error display, caches, first-run build.

Caching design: read-only shared objects (editions, analyzer, topic model,
basket store) go through `st.cache_resource`; query results through
`st.cache_data`. Every cached function takes what it depends on as arguments
(folder paths and the build key), never reads hidden globals, so a rebuilt
index or a new edition gives new cache entries instead of stale ones.
"""

from __future__ import annotations

import importlib.util
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


def missing(module: str) -> bool:
    """True (and an info message) when a textkit stage is not there yet."""
    if importlib.util.find_spec(module) is None:
        st.info(t("not_available", module=module))
        return True
    return False


@contextmanager
def user_errors() -> Iterator[None]:
    """Show a TextkitError as the Finnish message it carries, not as a traceback."""
    try:
        yield
    except TextkitError as exc:
        st.error(str(exc), icon=":material/error:")


def unexpected_error(exc: Exception) -> None:
    """Last resort for bugs: a short message for the user, the traceback for the log."""
    log.exception("unexpected error in the app")
    st.error(t("unexpected", kind=type(exc).__name__, message=str(exc) or "–"), icon=":material/bug_report:")


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

    return get_analyzer()


# ---------------------------------------------------------------- models/


def ensure_models(force: bool = False) -> None:
    """Build models/ when it is missing or out of date, with a progress bar.

    build_models() is idempotent (it compares the corpus fingerprint), so this
    is cheap when nothing changed; the session remembers the corpus state it
    last checked so that ordinary reruns skip even that. The build writes into
    a temporary folder and renames it, so the previous index keeps serving
    other sessions until the new one is ready.
    """
    if importlib.util.find_spec("textkit.build") is None:
        return
    checked = (str(models_dir()), corpus_key())
    if not force and st.session_state.get("_models_checked") == checked:
        return
    from textkit.build import build_models

    slot = st.empty()
    bar = None

    def progress(fraction: float, message: str) -> None:
        nonlocal bar
        if bar is None:
            bar = slot.progress(0.0, text=t("building"))
        bar.progress(min(max(float(fraction), 0.0), 1.0), text=f"{t('building')} {message}")

    with _build_lock():
        build_models(force=force, progress=progress)
    slot.empty()
    st.session_state["_models_checked"] = (str(models_dir()), corpus_key())


@st.cache_resource(show_spinner=False)
def _build_lock() -> Any:
    """One build at a time in this server process (two first visitors must not race)."""
    import threading

    return threading.Lock()


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


@st.cache_data(show_spinner=False, max_entries=32)
def export_bytes(excerpts: tuple, fmt: str, title: str) -> bytes:
    from textkit.export import render

    return render(list(excerpts), fmt, title=title)


def models_key() -> tuple[str, str]:
    """Identifies the current build: a rebuild for a changed corpus gives new cache entries."""
    return (str(models_dir()), corpus_key())


def topic_model() -> Any:
    return _topic_model(*models_key())


@st.cache_resource(show_spinner=False, max_entries=2)
def _topic_model(models: str, fingerprint: str) -> Any:
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
             icon=":material/shopping_basket:")


def basket_button(passage_id: str, *, query: str = "", key: str) -> None:
    """A "Lisää koriin" button for one passage."""
    st.button(
        t("add_to_basket"),
        key=key,
        icon=":material/add_shopping_cart:",
        on_click=_add_callback,
        args=(passage_id, query),
    )


def _add_callback(passage_id: str, query: str) -> None:
    try:
        add_to_basket(passage_id, query=query)
    except TextkitError as exc:
        st.session_state["basket_error"] = str(exc)


def search(query: str, sections: tuple[int, ...], theme: str | None, edition: int | None, limit: int) -> Any:
    """Search results, cached per query, filters and build (see textkit.index.search)."""
    return _search(query, sections, theme, edition, limit, *models_key())


@st.cache_data(show_spinner=False, max_entries=256)
def _search(
    query: str, sections: tuple[int, ...], theme: str | None, edition: int | None, limit: int,
    models: str, fingerprint: str,
) -> Any:
    from textkit.index import search

    return search(query, sections=sections, theme=theme, edition=edition, limit=limit, models_dir=Path(models))
