"""Vuosivertailu: what is new, gone, rising and falling in a theme between two editions."""

import pandas as pd
import altair as alt
import streamlit as st

from app_pages import common
from textkit import ui

t = common.translator()
lang = common.lang()
st.title(t("page_diff"))

def topic_shares(overall, from_year: int, to_year: int) -> None:
    """Every topic's share of the whole edition, the two editions side by side."""
    if not overall.topics:
        return
    st.subheader(t("topic_shares_heading", a=from_year, b=to_year))
    rows = pd.DataFrame(
        [
            {"aihe": ui.topic_label(c.topic, c.label), "vuosi": str(year), "osuus": share}
            for c in overall.topics
            for year, share in ((from_year, c.share_from), (to_year, c.share_to))
        ]
    )
    common.grouped_bars(
        rows, bar="aihe", group="vuosi", value="osuus", value_title=t("share"),
        bar_axis=alt.Axis(labelLimit=280), legend_title=t("edition"), height=34 * len(overall.topics) + 40,
    )


with common.user_errors():
    editions = common.editions()
    years = sorted(e.year for e in editions)
    if len(years) < 2:
        st.info(t("one_edition", year=years[0] if years else "–"), icon="ℹ️")
        st.page_link("app_pages/aineisto.py", label=t("go_to_corpus"), icon="📚")
        st.stop()

    latest = next(e for e in editions if e.year == years[-1])
    themes = {th.id: ui.theme_label(th) for th in latest.themes}
    themes_any = {th.id: ui.theme_label(th) for e in editions for th in e.themes} | themes

    def _open_selected_theme() -> None:
        # A row chosen in the all-themes table opens that theme's view.
        chosen = st.session_state.get("all_themes_table")
        rows = st.session_state.get("all_themes_ids", [])
        picked = chosen.selection.rows if chosen is not None else []
        if picked and picked[0] < len(rows):
            st.session_state["diff_theme"] = rows[picked[0]]

    col_theme, col_from, col_to = st.columns([3, 1, 1])
    theme = col_theme.selectbox(
        t("theme"), ["", *themes], format_func=lambda k: themes.get(k) or t("all_themes_view"), key="diff_theme"
    )
    from_year = col_from.selectbox(t("from_edition"), years, index=len(years) - 2, key="diff_from")
    to_year = col_to.selectbox(t("to_edition"), years, index=len(years) - 1, key="diff_to")
    if from_year == to_year:
        st.warning(t("same_edition"))
        st.stop()

    if not theme:
        overall = common.diff_all(from_year, to_year)
        st.subheader(t("all_themes_heading", a=from_year, b=to_year))
        rows = ui.all_themes_rows(overall, themes, lang)
        st.session_state["all_themes_ids"] = [r["theme_id"] for r in rows]
        st.caption(t("all_themes_caption"))
        st.dataframe(
            [{k: v for k, v in r.items() if k != "theme_id"} for r in rows], hide_index=True, width="stretch",
            key="all_themes_table", on_select=_open_selected_theme, selection_mode="single-row",
        )
        if rows:
            chart = pd.DataFrame(ui.all_themes_chart_rows(rows, lang))
            common.grouped_bars(
                chart, bar="teema", group="muutos", value="sanoja", value_title=t("changed_terms"), share=False,
                bar_sort=[r[t("theme")] for r in rows], bar_axis=alt.Axis(labelLimit=280),
                legend_title=None, height=60 * len(rows) + 40,
            )
        for year, only in ((from_year, overall.only_from), (to_year, overall.only_to)):
            if only:
                st.info(t("only_in", year=year, themes=", ".join(themes_any.get(i, i) for i in only)), icon="ℹ️")
        topic_shares(overall, from_year, to_year)
        st.stop()

    diff = common.diff_theme(theme, from_year, to_year)
    if diff.name_from != diff.name_to:
        st.caption(f"{diff.name_from} → {diff.name_to}")

    term_changes = (diff.new_terms, diff.gone_terms, diff.rising_terms, diff.falling_terms)
    topic_changes = (diff.new_topics, diff.gone_topics, diff.rising_topics, diff.falling_topics)
    changed = any(term_changes + topic_changes)
    if not changed:
        st.info(t("no_change", a=from_year, b=to_year), icon="ℹ️")

    # 2 × 2 grids: four tables side by side would be too narrow to read.
    grids = (
        ("term_changes", ("new_terms", "gone_terms", "rising", "falling"), term_changes, ui.term_change_rows, True),
        ("topic_changes", ("new_topics", "gone_topics", "rising_topics", "falling_topics"), topic_changes,
         ui.topic_change_rows, False),
    )
    for heading, keys, groups, table_rows, with_examples in grids:
        st.subheader(t(heading))
        columns = [c for _ in range(2) for c in st.columns(2)]
        for column, key, changes in zip(columns, keys, groups):
            with column:
                st.markdown(f"**{t(key)}** ({len(changes)})")
                if changes:
                    st.dataframe(table_rows(changes, from_year, to_year, lang), hide_index=True, width="stretch")
                else:
                    st.caption("–")
                examples = [(c.term, e) for c in changes[:5] for e in c.examples[:1]] if with_examples else []
                if examples:
                    with st.expander(t("examples")):
                        for term, example in examples:
                            st.markdown(f"**{term}** · {example.passage_id}")
                            st.caption(example.snippet)

    topic_shares(common.diff_all(from_year, to_year), from_year, to_year)
