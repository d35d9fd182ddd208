"""Teemat: two themes side by side (distinctive and shared terms, topic mix, funding) and the similarity of all themes."""

import altair as alt
import pandas as pd
import streamlit as st

from app_pages import common
from textkit import ui

t = common.translator()
lang = common.lang()
st.title(t("page_themes"))

with common.user_errors():
    editions = common.editions()
    years = sorted((e.year for e in editions), reverse=True)
    edition = years[0]
    if len(years) > 1:
        edition = st.selectbox(t("edition"), years, key="themes_edition")
    themes = {th.id: ui.theme_label(th) for th in next(e for e in editions if e.year == edition).themes}
    ids = list(themes)

    col_a, col_b = st.columns(2)
    theme_a = col_a.selectbox(t("theme_a"), ids, index=0, format_func=themes.get, key="theme_a")
    theme_b = col_b.selectbox(t("theme_b"), ids, index=min(1, len(ids) - 1), format_func=themes.get, key="theme_b")

    if theme_a == theme_b:
        st.info(t("same_theme"))
    else:
        comparison = common.compare_themes(theme_a, theme_b, edition)
        st.metric(
            t("similarity_pair"), f"{comparison.similarity:.2f}", help=t("similarity_help"),
        )
        side_a, side_b = st.columns(2)
        for column, header, distinctive in zip((side_a, side_b), comparison.themes, comparison.distinctive):
            with column:
                st.caption(f"{header.ministry} · {header.period}")
                st.markdown(f"**{t('funding')}**")
                st.dataframe(ui.funding_rows(header, lang), hide_index=True, width="stretch")
                st.progress(
                    min(max(header.paid_share or 0.0, 0.0), 1.0),
                    text=f"{t('paid_share')}: {ui.format_percent(header.paid_share, lang)}",
                )
                st.markdown(f"**{t('distinctive')}**")
                if distinctive:
                    st.dataframe(ui.key_term_rows(distinctive, lang), hide_index=True, width="stretch")
                    st.caption(t("search_term_in_theme"))
                    for term in distinctive:
                        if st.button(term.term, key=f"term_{header.theme_id}_{term.term}"):
                            st.session_state["query"] = ui.theme_term_query(term.term, header.theme_id)
                            st.switch_page("app_pages/haku.py")
                else:
                    st.caption(t("no_terms"))

        st.subheader(t("shared"))
        if comparison.shared:
            shared = pd.DataFrame(ui.shared_term_rows(comparison.shared))
            shared["teema"] = shared["teema"].map({"A": themes[theme_a], "B": themes[theme_b]})
            common.grouped_bars(
                shared, bar="sana", group="teema", value="määrä", value_title=ui.column("määrä", lang),
                bar_sort=[s.term for s in comparison.shared], share=False, legend_limit=400,
                height=max(120, 44 * len(comparison.shared)),
            )
        else:
            st.caption(t("no_terms"))

        st.subheader(t("topic_mix"))
        if comparison.topic_mix:
            mix = pd.DataFrame(ui.topic_mix_rows(comparison.topic_mix, [themes[theme_a], themes[theme_b]]))
            common.grouped_bars(
                mix, bar="aihe", group="teema", value="osuus", value_title=t("share"),
                bar_axis=alt.Axis(labelLimit=280), legend_limit=400, height=34 * len(comparison.topic_mix) + 40,
            )
        else:
            st.caption(t("no_topic_model"))

    st.subheader(t("similarity"))
    matrix = common.compare_all(edition)
    cells = pd.DataFrame(ui.similarity_rows(matrix))
    duplicates = ui.near_duplicate_pairs(matrix)
    rest = cells[~cells["lähes_sama"]]["samankaltaisuus"]
    domain = [float(rest.min()), float(rest.max())] if len(rest) else [0.0, 1.0]
    order = [ui.theme_label(h) for h in matrix.themes]   # the labels of ui.similarity_rows
    base = alt.Chart(cells).encode(
        x=alt.X("teema_b:N", sort=order, title=None,
                axis=alt.Axis(labelAngle=-35, labelLimit=170, labelOverlap=False, orient="top")),
        y=alt.Y("teema_a:N", sort=order, title=None, axis=alt.Axis(labelLimit=330, labelOverlap=False)),
    )
    st.altair_chart(
        (
            base.mark_rect().encode(
                color=alt.Color("samankaltaisuus:Q", title=t("similarity_pair"),
                                scale=alt.Scale(scheme="greens", domain=domain, clamp=True),
                                legend=alt.Legend(orient="right", gradientLength=200)),
                stroke=alt.condition("datum['lähes_sama']", alt.value("crimson"), alt.value(None)),
                strokeWidth=alt.condition("datum['lähes_sama']", alt.value(3), alt.value(0)),
                tooltip=[alt.Tooltip("teema_a", title=t("theme_a")), alt.Tooltip("teema_b", title=t("theme_b")),
                         alt.Tooltip("samankaltaisuus:Q", title=t("similarity_pair"), format=".2f")],
            )
            + base.mark_text(fontSize=10).encode(
                text=alt.Text("samankaltaisuus:Q", format=".2f"),
                color=alt.condition(f"datum.samankaltaisuus > {domain[0] + 0.6 * (domain[1] - domain[0])}",
                                    alt.value("white"), alt.value("black")),
            )
        ).properties(height=alt.Step(30)),
        width="stretch",
    )
    if duplicates:
        labels = {h.theme_id: ui.theme_label(h) for h in matrix.themes}
        st.caption(t("near_duplicates", pairs="; ".join(f"{labels[a]} – {labels[b]} ({s:.2f})" for a, b, s in duplicates)))

    # Section 7 as records: who carries out the funded projects, and who works across themes.
    st.subheader(t("projects"))
    chosen = next(e for e in editions if e.year == edition)
    project_rows = ui.project_rows(chosen)
    organisations = ui.organisation_rows(chosen)
    st.caption(t("projects_caption", projects=len(project_rows), orgs=len(organisations),
                 shared=sum(1 for row in organisations if row["teemoja"] > 1)))
    if organisations:
        top = pd.DataFrame(organisations[:15])
        st.altair_chart(
            alt.Chart(top).mark_bar().encode(
                x=alt.X("hankkeita:Q", title=ui.column("hankkeita", lang)),
                y=alt.Y("organisaatio:N", sort="-x", title=None, axis=alt.Axis(labelLimit=300)),
                color=alt.Color("teemoja:O", title=ui.column("teemoja", lang),
                                scale=alt.Scale(scheme="blues")),
                tooltip=[alt.Tooltip(name, title=ui.column(name, lang))
                         for name in ("organisaatio", "hankkeita", "paatoteuttajana", "teemoja", "teemat")],
            ).properties(height=alt.Step(22)),
            width="stretch",
        )
        st.markdown(f"**{t('organisations')}**")
        st.dataframe(ui.headers(organisations, lang), hide_index=True, width="stretch")
    st.dataframe(ui.headers(project_rows, lang), hide_index=True, width="stretch")
    left, right = st.columns(2)
    left.download_button(t("download_xlsx"), ui.projects_table(chosen, "xlsx", lang), f"hankkeet-{edition}.xlsx",
                         mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                         key="projects_xlsx")
    right.download_button(t("download_csv"), ui.projects_table(chosen, "csv", lang), f"hankkeet-{edition}.csv",
                          mime="text/csv", key="projects_csv")
