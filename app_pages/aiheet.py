"""Aiheet: the topics of sections 2–5, where they occur (theme, section, edition, referenced year), their passages."""

import altair as alt
import pandas as pd
import streamlit as st

from app_pages import common
from textkit import ui

t = common.translator()
st.title(t("page_topics"))

with common.user_errors():
    result = common.topic_model()
    topics = list(result.topics)
    names = common.theme_names()
    lang = common.lang()

    st.caption(t("topics_caption", k=result.k, documents=result.settings.get("documents", "?")))

    # Clicking a row of the table chooses the topic (the select box below follows it).
    def _clicked() -> None:
        rows = st.session_state["topic_table"]["selection"]["rows"]
        if rows:
            st.session_state["topic_choice"] = topics[rows[0]].id

    st.dataframe(
        ui.topic_rows(topics, lang),
        hide_index=True,
        width="stretch",
        key="topic_table",
        on_select=_clicked,
        selection_mode="single-row",
        height=36 * (len(topics) + 1) + 4,   # every topic visible without scrolling the table
        column_config={
            ui.column("levinneisyys", lang): st.column_config.ProgressColumn(
                format="%.1f", min_value=0, max_value=len(names) or 12, help=t("spread_help"),
            ),
        },
    )

    st.subheader(t("topic_theme"))
    by_theme = pd.DataFrame(ui.topic_share_rows(topics, "by_theme", names=names))
    theme_order = list(names.values())
    topic_order = [ui.topic_name(tp) for tp in topics]
    topic_axis = alt.Axis(labelAngle=-35, labelLimit=190, labelOverlap=False)   # topic labels under the bars
    # Themes as rows: their names are long and twelve of them do not fit side by side.
    st.altair_chart(
        alt.Chart(by_theme)
        .mark_rect()
        .encode(
            y=alt.Y("ryhmä:N", title=None, sort=theme_order, axis=alt.Axis(labelLimit=330, labelOverlap=False)),
            x=alt.X(
                "aihe:N", title=t("topic"), sort=topic_order,
                axis=alt.Axis(labelAngle=-35, labelLimit=190, labelOverlap=False, orient="top"),
            ),
            color=alt.Color("osuus:Q", title=t("share"), scale=alt.Scale(scheme="blues"), legend=alt.Legend(format="%")),
            tooltip=[alt.Tooltip("ryhmä", title=t("theme")), alt.Tooltip("aihe", title=t("topic")),
                     alt.Tooltip("osuus:Q", title=t("share"), format=".1%")],
        )
        .properties(height=alt.Step(30)),
        width="stretch",
    )

    st.subheader(t("topic_section"))
    section_names = {"2": ui.section_name(2, lang), "4": ui.section_name(4, lang)}
    by_section = pd.DataFrame(ui.topic_share_rows(topics, "by_section", names=section_names, keys=("2", "4")))
    common.grouped_bars(
        by_section, bar="aihe", group="ryhmä", value="osuus", value_title=t("share"), bar_sort=topic_order,
        bar_axis=topic_axis, legend_limit=300, tooltip_titles=(t("topic"), t("sections")), vertical=True, height=340,
    )

    st.subheader(t("topic_year"))
    by_year = pd.DataFrame(ui.topic_share_rows(topics, "by_year"))
    if by_year.empty:
        st.info(t("no_years"))
    else:
        st.caption(t("year_caption"))
        st.altair_chart(
            alt.Chart(by_year)
            .mark_line(point=True)
            .encode(
                x=alt.X("ryhmä:O", title=t("year"), axis=alt.Axis(labelAngle=0)),
                y=alt.Y("osuus:Q", title=t("share"), axis=alt.Axis(format="%")),
                color=alt.Color("aihe:N", title=t("topic"), sort=topic_order,
                                legend=alt.Legend(orient="bottom", columns=3, labelLimit=260)),
                tooltip=[alt.Tooltip("aihe", title=t("topic")), alt.Tooltip("ryhmä", title=t("year")),
                         alt.Tooltip("osuus:Q", title=t("share"), format=".1%")],
            )
            .properties(height=340),
            width="stretch",
        )

    st.subheader(t("topic_edition"))
    by_edition = pd.DataFrame(ui.topic_share_rows(topics, "by_edition"))
    if by_edition["ryhmä"].nunique() < 2:
        st.caption(t("one_edition_topics"))
    common.grouped_bars(
        by_edition, bar="aihe", group="ryhmä", value="osuus", value_title=t("share"), bar_sort=topic_order,
        bar_axis=topic_axis, legend_title=t("edition"), tooltip_titles=(t("topic"), t("edition")), vertical=True,
    )

    st.subheader(t("topic_passages"))
    chosen = st.selectbox(
        t("topic"),
        [tp.id for tp in topics],
        format_func=lambda i: ui.topic_name(topics[i]),
        key="topic_choice",
    )
    # Users can name a topic ("Hankehaut"); the name lives in models/topic-names.json (user data).
    # No Enter to submit: the form's input would show Streamlit's English "Press Enter to submit form".
    with st.form(f"rename_topic_{chosen}", enter_to_submit=False):
        new_name = st.text_input(t("topic_name"), value=topics[chosen].name, placeholder=topics[chosen].label,
                                 key=f"topic_name_{chosen}")
        if st.form_submit_button(t("save_name")):
            from pathlib import Path

            from textkit.topic_names import rename_topic

            rename_topic(result, chosen, new_name, Path(common.models_key()[0]))
            st.session_state["topic_renamed"] = True
            st.rerun()
    if st.session_state.pop("topic_renamed", False):
        st.success(t("name_saved"))
    members = ui.topic_passages(result, chosen)
    passages = common.passages()
    st.caption(t("topic_members", n=len(members)))
    for i, member in enumerate(members[:30]):
        passage = passages.get(member.passage_id)
        head = (
            f"{names.get(member.theme_id, member.theme_id)} · {ui.section_name(member.section, lang)}"
            f" · {member.edition}" + (f" · {t('page_abbr')} {passage.page}" if passage and passage.page else "") + f" · {member.weight:.0%}"
        )
        with st.expander(head, expanded=i < 3):
            st.write(passage.text if passage else member.passage_id)
            common.basket_button(member.passage_id, key=f"topic_add_{member.passage_id}")
