"""Aineisto: the editions in use; upload a new edition, check its parse summary, accept and rebuild."""

import streamlit as st

from app_pages import common
from textkit import ui
from textkit.paths import corpus_dir

t = common.t
fi = common.lang() == "fi"
st.title(t("page_corpus"))

if message := st.session_state.pop("corpus_message", None):
    st.success(message, icon="✅")

editions = []
with common.user_errors():
    editions = common.editions()
    st.subheader(t("editions_in_use"))
    st.dataframe(
        [
            {
                t("year"): e.year,
                "Otsikko" if fi else "Title": e.title,
                "Raportointipäivä" if fi else "Reporting date": e.reporting_date,
                "Tiedosto" if fi else "File": e.source,
                "Teemoja" if fi else "Themes": len(e.themes),
                "Kappaleita" if fi else "Passages": len(e.passages()),
            }
            for e in editions
        ],
        hide_index=True,
    )
    if st.button(t("rebuild"), key="force_rebuild", icon="🔄"):
        common.ensure_models(force=True)
        st.success(t("build_done"), icon="✅")

st.subheader(t("upload"))
next_year = max((e.year for e in editions), default=2024) + 1
# A new uploader key after an accepted upload empties the form for the next file.
version = st.session_state.setdefault("upload_version", 0)
upload_col, year_col = st.columns([3, 1])
uploaded = upload_col.file_uploader(
    t("upload"), type=list(ui.UPLOAD_TYPES), key=f"upload_file_{version}", label_visibility="collapsed",
    help=f"Enintään {ui.MAX_UPLOAD_BYTES // 1024 // 1024} Mt" if fi else f"At most {ui.MAX_UPLOAD_BYTES // 1024 // 1024} MB",
)
year = year_col.number_input(
    t("year"), min_value=2000, max_value=2100, value=next_year, step=1, key=f"upload_year_{version}"
)

if uploaded is not None:
    with common.user_errors():
        data = uploaded.getvalue()
        with st.spinner("Luetaan ja jäsennetään tiedostoa…" if fi else "Reading and parsing the file…"):
            edition = common.preview_edition(data, uploaded.name, int(year))
        summary = ui.parse_summary(edition)
        st.subheader(t("parse_summary"))
        st.caption(f"{edition.title} · {edition.reporting_date} · {uploaded.name}")
        left, mid, right = st.columns(3)
        left.metric(t("year"), summary.year)
        mid.metric("Teemoja" if fi else "Themes", summary.themes)
        right.metric("Kappaleita" if fi else "Passages", summary.passages)
        st.dataframe(list(summary.rows), hide_index=True)
        if summary.warnings:
            st.warning(
                f"**{t('warnings')}**\n\n" + "\n".join(f"- {w}" for w in summary.warnings),
                icon="⚠️",
            )
        else:
            st.caption("Ei varoituksia." if fi else "No warnings.")
        existing = next((e for e in editions if e.year == int(year)), None)
        replace = False
        if existing is not None:
            replace = st.checkbox(t("replace_edition", year=int(year), file=existing.source), key="upload_replace")
        accept_disabled = summary.themes == 0 or (existing is not None and not replace)
        if st.button(t("accept"), key="accept_upload", type="primary", disabled=accept_disabled):
            from textkit.corpus import add_edition

            add_edition(data, uploaded.name, int(year), corpus_dir(), replace=replace)
            # The old index answers searches (other sessions too) until the new one is swapped in.
            common.ensure_models()
            st.session_state["corpus_message"] = t("accepted", year=int(year))
            st.session_state["upload_version"] = version + 1
            st.rerun()
