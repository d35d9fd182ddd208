"""textkit in the browser: `streamlit run app.py` (or `make run`).

Six pages over the textkit functions: Haku (search), Teemat (themes side by
side), Aiheet (topics), Vuosivertailu (year over year), Otteet (excerpt basket)
and Aineisto (editions in use, upload a new one). The pages live in app_pages/;
this file sets up the page, the language choice, the first-run build of
models/, and turns errors into messages.
"""

from __future__ import annotations

import streamlit as st

from app_pages import common
from textkit import ui

# The language survives a reload through the address: ?lang=en (Finnish is the default).
if "lang" not in st.session_state and st.query_params.get("lang") in ui.LANGUAGES:
    st.session_state["lang"] = st.query_params["lang"]

st.set_page_config(page_title=f"textkit – {common.t('app_title')}", page_icon="🔎", layout="wide")

with st.sidebar:
    st.radio(
        ui.label("language"),
        ui.LANGUAGES,
        key="lang",
        horizontal=True,
        format_func=lambda code: {"fi": "Suomi", "en": "English"}[code],
    )
    if st.session_state.get("lang", "fi") != "fi":
        st.query_params["lang"] = st.session_state["lang"]
    elif "lang" in st.query_params:
        del st.query_params["lang"]
    # Where "Lisää koriin" puts passages; the Otteet page shows all collections.
    st.text_input(common.t("basket_target"), value="Oletus", key="basket_target", help=common.t("basket_target_help"),
                  live=ui.TYPING_PAUSE)

_PAGES = [
    ("app_pages/haku.py", "page_search", "🔍", "haku"),
    ("app_pages/teemat.py", "page_themes", "⚖️", "teemat"),
    ("app_pages/aiheet.py", "page_topics", "🧩", "aiheet"),
    ("app_pages/vuosivertailu.py", "page_diff", "📅", "vuosivertailu"),
    ("app_pages/otteet.py", "page_basket", "🧺", "otteet"),
    ("app_pages/aineisto.py", "page_corpus", "📚", "aineisto"),
]
page = st.navigation(
    [
        st.Page(path, title=common.t(key), icon=icon, url_path=url, default=(url == "haku"))
        for path, key, icon, url in _PAGES
    ]
)

if (pending := st.session_state.get("basket_pending")) and page.url_path != "otteet":
    # Edits made in the basket table and not saved yet are kept in the session; say so elsewhere.
    st.sidebar.warning(common.t("unsaved_sidebar", n=len(pending)), icon="⚠️")

try:
    with common.user_errors():
        common.ensure_models()
        if message := st.session_state.pop("basket_error", None):
            st.error(ui.translate_error(message, common.lang()), icon="🚨")
        page.run()
except Exception as exc:  # noqa: BLE001 - a bug must not show the user a traceback
    common.unexpected_error(exc)
