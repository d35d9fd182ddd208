"""Aineisto: the editions in use; remove or replace one; upload a new edition, check its parse
summary and year, accept and rebuild."""

import streamlit as st

from app_pages import common
from textkit import ui
from textkit.corpus import YEAR_MIN, YEAR_MAX
from textkit.paths import corpus_dir

t = common.translator()
st.title(t("page_corpus"))

if message := st.session_state.pop("corpus_message", None):
    st.success(message, icon="✅")

# A new uploader key after an accepted upload empties the form for the next file.
version = st.session_state.setdefault("upload_version", 0)
year_key = f"upload_year_{version}"


def _ask_removal(year: int) -> None:
    st.session_state["confirm_remove"] = year


def _replace(year: int) -> None:
    # The upload form below takes the year; accepting it there replaces the edition.
    st.session_state[year_key] = year
    st.session_state["replace_hint"] = year


editions = []
with common.user_errors():
    editions = common.editions()
    st.subheader(t("editions_in_use"))
    st.dataframe(ui.edition_rows(editions, common.lang(), common.index_state()), hide_index=True)

    years = sorted((e.year for e in editions), reverse=True)
    if years:
        pick_col, remove_col, replace_col = st.columns([2, 1, 1], vertical_alignment="bottom")
        chosen = pick_col.selectbox(t("manage_edition"), years, key="manage_year")
        remove_col.button(
            t("remove_edition"), key="remove_edition", icon="🗑️", on_click=_ask_removal, args=(chosen,),
            disabled=len(years) < 2, help=t("remove_edition_help") if len(years) < 2 else None, width="stretch",
        )
        replace_col.button(t("replace_edition_button"), key="replace_edition", icon="🔁", on_click=_replace,
                           args=(chosen,), width="stretch")

    removing = st.session_state.get("confirm_remove")
    if removing in years:
        entry = next(e for e in editions if e.year == removing)
        kept = sum(1 for x in common.basket().excerpts() if x.edition == removing)
        st.warning(t("confirm_remove", year=removing, file=entry.source, n=kept), icon="⚠️")
        yes_col, no_col = st.columns(2)
        if yes_col.button(t("confirm_remove_yes", year=removing), key="confirm_remove_yes", type="primary"):
            from textkit.corpus import remove_edition

            st.session_state.pop("confirm_remove", None)
            remove_edition(removing, corpus_dir())
            # The old index answers searches (other sessions too) until the new one is swapped in.
            common.ensure_models()
            # "rebuilt" only when it was (another session's build may still be running).
            st.session_state["corpus_message"] = t("removed" if not common.index_state().pending else "removed_pending",
                                                   year=removing)
            st.rerun()
        if no_col.button(t("cancel"), key="confirm_remove_no"):
            st.session_state.pop("confirm_remove", None)
            st.rerun()

    if st.button(t("rebuild"), key="force_rebuild", icon="🔄"):
        common.ensure_models(force=True)
        st.success(t("build_done"), icon="✅")

st.subheader(t("upload"))
if (hint := st.session_state.get("replace_hint")) is not None:
    st.info(t("replace_hint", year=hint), icon="🔁")
next_year = max((e.year for e in editions), default=2024) + 1
st.session_state.setdefault(year_key, next_year)
upload_col, year_col = st.columns([3, 1])
uploaded = upload_col.file_uploader(
    t("upload"), type=list(ui.UPLOAD_TYPES), key=f"upload_file_{version}", label_visibility="collapsed",
    help=t("upload_help", mb=ui.MAX_UPLOAD_BYTES // 1024 // 1024),
)
year = year_col.selectbox(t("year"), range(YEAR_MIN, YEAR_MAX + 1), key=year_key)
# The uploader's own texts ("Upload", "50MB per file") are Streamlit's, in English, and cannot be
# set; the collapsed label hides its help icon too, so the limit is said here in the user's language.
upload_col.caption(t("upload_help", mb=ui.MAX_UPLOAD_BYTES // 1024 // 1024))

if uploaded is not None:
    with common.user_errors():
        data = uploaded.getvalue()
        with st.spinner(t("parsing_upload")):
            edition = common.preview_edition(data, uploaded.name, int(year))
        summary = ui.parse_summary(edition)
        st.subheader(t("parse_summary"))
        st.caption(f"{edition.title} · {edition.reporting_date} · {uploaded.name}")
        left, mid, right, pages_col = st.columns(4)
        left.metric(t("year"), summary.year)
        mid.metric(t("themes_count"), summary.themes)
        right.metric(t("passages_count"), summary.passages)
        pages_col.metric(t("pages_count"), summary.pages or t("pages_unknown"))
        st.dataframe(ui.parse_summary_rows(summary, common.lang()), hide_index=True)
        if summary.removed:
            with st.expander(t("removed_running", count=summary.removed_count)):
                st.markdown("\n".join(f"- `{line}`" for line in summary.removed))
        if summary.warnings:
            st.warning(
                f"**{t('warnings')}**\n\n" + "\n".join(f"- {ui.translate_error(w, common.lang())}" for w in summary.warnings),
                icon="⚠️",
            )
        else:
            st.caption(t("no_warnings"))

        from textkit.corpus import year_mismatch

        mismatch = year_mismatch(edition, int(year))
        year_ok = True
        if mismatch:
            st.warning(ui.translate_error(mismatch, common.lang()), icon="📅")
            year_ok = st.checkbox(t("accept_year", year=int(year)), key=f"upload_accept_year_{version}")
        existing = next((e for e in editions if e.year == int(year)), None)
        replace = False
        if existing is not None:
            replace = st.checkbox(t("replace_edition", year=int(year), file=existing.source),
                                  key=f"upload_replace_{version}", value=st.session_state.get("replace_hint") == int(year))
        accept_disabled = summary.themes == 0 or not year_ok or (existing is not None and not replace)
        if st.button(t("accept"), key="accept_upload", type="primary", disabled=accept_disabled):
            from textkit.corpus import add_edition

            add_edition(data, uploaded.name, int(year), corpus_dir(), replace=replace,
                        accept_year_mismatch=bool(mismatch) and year_ok)
            # The old index answers searches (other sessions too) until the new one is swapped in.
            common.ensure_models()
            st.session_state["corpus_message"] = t("accepted" if not common.index_state().pending else "accepted_pending",
                                                   year=int(year))
            st.session_state["upload_version"] = version + 1
            st.session_state.pop("replace_hint", None)
            st.rerun()
