"""Haku: Finnish-aware search with filters, hits per theme, highlighted snippets, add to basket."""

import altair as alt
import pandas as pd
import streamlit as st

from app_pages import common
from textkit import ui

t = common.translator()
lang = common.lang()
st.title(t("page_search"))

# A shared link can carry the query: /?q=TE24
if "query" not in st.session_state and st.query_params.get("q"):
    st.session_state["query"] = st.query_params["q"]


def _use_suggestion(suggestion: str) -> None:
    st.session_state["query"] = suggestion


def _include_sections(hidden: list[int]) -> None:
    st.session_state["filter_sections"] = sorted({*st.session_state.get("filter_sections", []), *hidden})


def _exclude_form(form: str) -> None:
    st.session_state["query"] = ui.exclude_form_query(st.session_state.get("query", ""), form)


def _include_form(form: str) -> None:
    st.session_state["query"] = ui.include_form_query(st.session_state.get("query", ""), form)


def _exclude_parts() -> None:
    st.session_state["whole_words"] = True


def _matched_forms(forms, left_out=()) -> None:
    """The matched-forms facet: one button per form excludes it; one excludes every
    compound-part match (ticks "Vain kokonaiset sanat"). Below, the forms the query leaves
    out: lexicalised ones as a note, the user's own with a button that counts them again."""
    rows = ui.form_rows(forms, lang)
    st.markdown(f"**{t('matched_forms')}**", help=t("matched_forms_help"))
    if any(r["match"] == "part" for r in rows):
        st.button(t("exclude_parts"), key="exclude_parts", icon="✂️", on_click=_exclude_parts)

    def show(rows_shown):
        for row in rows_shown:
            text = f"{row['form']} · {row['count']} · {row['label']}"
            if row["excludable"]:
                st.button(text, key=f"exclude_form_{row['form']}", icon="✖️", type="tertiary",
                          on_click=_exclude_form, args=(row["form"],),
                          help=t("exclude_form_help", form=row["form"]))
            else:
                st.caption(text)

    show(rows[: ui.FORMS_SHOWN])
    if len(rows) > ui.FORMS_SHOWN:
        with st.expander(t("more_forms", n=len(rows))):
            show(rows[ui.FORMS_SHOWN : ui.FORMS_LISTED])
            if len(rows) > ui.FORMS_LISTED:
                st.caption(t("forms_not_listed", n=len(rows) - ui.FORMS_LISTED))
    lexicalised = [f for f in left_out if f.match == "lexicalised"]
    if lexicalised:
        st.caption(f"{t('lexicalised_forms')}: " + ", ".join(f"{f.form} {f.count}" for f in lexicalised))
    for f in (f for f in left_out if f.match == "excluded"):
        st.button(f"{f.form} · {f.count}", key=f"include_form_{f.form}", icon="↩️", type="tertiary",
                  on_click=_include_form, args=(f.form,), help=t("include_form_help", form=f.form))


def _hidden_hits(hidden: dict[int, int]) -> None:
    """"+4 osumaa osioissa 6–7" with one click to include them (never hidden without a word)."""
    note, button = st.columns([4, 1], vertical_alignment="center")
    note.info(f"{ui.hidden_note(hidden, lang)} ({ui.hidden_detail(hidden, lang)})", icon="🙈")
    button.button(
        t("include_hidden"), key="include_hidden", icon="➕", on_click=_include_sections,
        args=(list(hidden),), help=t("include_hidden_help", sections=ui.section_ranges(hidden)),
    )



KWIC_PAGE = 100   # lines per page of the concordance


def _concordance_view(conc, names) -> None:
    """Every match one row: left context, form (middle), right context, place, add its sentence."""
    from textkit import kwic

    sort_col, desc_col, forms_col = st.columns([3, 1, 3], vertical_alignment="bottom")
    by = sort_col.segmented_control(t("kwic_sort"), list(ui.KWIC_SORTS), default="order", required=True,
                                    format_func=lambda k: t(f"sort_{k}"), key="kwic_sort")
    descending = desc_col.checkbox(t("descending"), key="kwic_descending")
    forms = forms_col.multiselect(
        t("kwic_forms"), [f.form for f in conc.forms], key="kwic_forms", placeholder=t("kwic_forms_placeholder"),
        format_func=lambda f: f"{f} ({sum(x.count for x in conc.forms if x.form == f)})",
    )
    lines = kwic.sort_lines(conc.lines, by, descending=descending)
    if forms:
        lines = kwic.filter_forms(lines, forms)
    pages = max(1, -(-len(lines) // KWIC_PAGE))
    page = st.selectbox(t("kwic_page"), range(1, pages + 1), key="kwic_page") if pages > 1 else 1
    first = (page - 1) * KWIC_PAGE
    shown = lines[first:first + KWIC_PAGE]
    st.caption(t("kwic_lines", n=len(lines), first=first + 1 if shown else 0, last=first + len(shown)))
    basketed = common.in_basket()
    sentences = {}
    for i, line in enumerate(shown, start=first):
        row, place, button = st.columns([12, 4, 1], vertical_alignment="center")
        row.html(ui.kwic_row_html(line))
        place.caption(ui.kwic_place(line, names, lang))
        key = (line.passage_id, line.start)
        if key not in sentences:
            sentences[key] = kwic.sentence_at(conc.texts[line.passage_id], line.start)[1]
        with button:
            common.sentence_button(line.passage_id, line.start, query=conc.query, key=f"kwic_add_{i}",
                                   added=(line.passage_id, sentences[key]) in basketed)
    if lines:
        export_cols = st.columns(2)
        for column, fmt in zip(export_cols, ("xlsx", "csv")):
            column.download_button(
                fmt.upper(), data=kwic.render_lines(lines, fmt, title=f"{t('view_kwic')}: {conc.query}"),
                file_name=ui.export_file_name(f"kwic {conc.query}", fmt), mime=ui.EXPORT_MIME[fmt],
                key=f"kwic_export_{fmt}", icon="⬇️", width="stretch",
            )


def _use_collocate(query: str) -> None:
    lemma = st.session_state.get("collocate_pick")
    if lemma:
        from textkit.kwic import collocate_query

        st.session_state["query"] = collocate_query(query, lemma)
        st.session_state["collocate_pick"] = None


def _collocates_view(conc) -> None:
    _, by_ll, by_mi = common.reading(conc)
    st.caption(t("collocates_help"))
    if not by_ll:
        st.info(t("no_collocates"))
        return
    st.pills(t("collocate_query"), [c.lemma for c in by_ll[:15]], key="collocate_pick",
             on_change=_use_collocate, args=(conc.query,))
    ll_col, mi_col = st.columns(2)
    for column, title, found in ((ll_col, "by_ll", by_ll), (mi_col, "by_mi", by_mi)):
        column.markdown(f"**{t(title)}**")
        column.dataframe(ui.collocate_rows(found, lang), hide_index=True, width="stretch")


def _frequencies_view(conc) -> None:
    freq, _, _ = common.reading(conc)
    names = common.theme_names()
    st.caption(f"{ui.count(freq.occurrences, 'occurrence', lang)} · {ui.count(freq.words, 'word', lang)} · "
               f"{ui.format_decimal(freq.per_1000, lang)} {t('per_1000')}")
    rows = pd.DataFrame([{"teema": ui.wrap_label(names.get(r.key, r.label)), "teema_koko": names.get(r.key, r.label),
                          "per_1000": r.per_1000, "esiintymiä": r.occurrences, "sanoja": r.words}
                         for r in freq.by_theme])
    label_axis = alt.Axis(labelExpr="split(datum.label, '|')", labelLimit=0, labelOverlap=False)
    st.altair_chart(
        alt.Chart(rows, title=t("freq_theme")).mark_bar(size=16).encode(
            x=alt.X("per_1000:Q", title=t("per_1000")),
            y=alt.Y("teema:N", sort="-x", title=None, axis=label_axis),
            tooltip=[alt.Tooltip("teema_koko", title=t("theme")), alt.Tooltip("per_1000:Q", title=t("per_1000")),
                     alt.Tooltip("esiintymiä:Q", title=ui.column("esiintymiä", lang)),
                     alt.Tooltip("sanoja:Q", title=ui.column("sanoja", lang))],
        ).properties(height=alt.Step(44)),
        width="stretch",
    )
    cells = pd.DataFrame(ui.heatmap_cells(freq, names, lang))
    base = alt.Chart(cells, title=t("freq_heatmap")).encode(
        x=alt.X("osio:N", title=None, axis=alt.Axis(orient="top", labelAngle=0, labelLimit=160)),
        y=alt.Y("teema:N", title=None, sort=list(dict.fromkeys(cells["teema"])), axis=label_axis),
    )
    st.altair_chart(
        (base.mark_rect().encode(color=alt.Color("osumia:Q", title=t("hits"), scale=alt.Scale(scheme="blues")),
                                 tooltip=[alt.Tooltip("teema_koko", title=t("theme")),
                                          alt.Tooltip("osio", title=ui.column("osio", lang)),
                                          alt.Tooltip("osumia", title=t("hits"))])
         + base.mark_text(fontSize=12).encode(
             text="osumia:Q",
             color=alt.condition(f"datum.osumia > {max(1, int(cells['osumia'].max()) // 2)}", alt.value("white"),
                                 alt.value("black"))))
        .properties(height=alt.Step(44)),
        width="stretch",
    )
    st.markdown(f"**{t('freq_tables')}**")
    for title, table in ((t("theme"), freq.by_theme), (t("sections"), freq.by_section), (t("edition"), freq.by_edition)):
        st.caption(title)
        st.dataframe(ui.frequency_rows(table, lang), hide_index=True, width="stretch")

with common.user_errors():
    editions = common.editions()
    names = common.theme_names()

    query = st.text_input(
        t("query"), key="query", placeholder=t("query_placeholder"), help=t("query_help"), icon="🔍",
        live=ui.TYPING_PAUSE,   # searches after a typing pause (or Enter); no English "Press Enter to apply"
    )
    sections = st.pills(
        t("sections"), list(range(1, 8)), selection_mode="multi", default=list(ui.DEFAULT_SECTIONS),
        format_func=lambda n: ui.section_name(n, lang), key="filter_sections",
    )
    col_edition, col_theme, col_limit = st.columns([1, 3, 1])
    # "All" is 0 / "" rather than None: a None value would show as an empty select box.
    # The language is part of the keys: a select box keeps showing the label it was
    # first drawn with, so after a language switch it must be a new widget.
    edition = col_edition.selectbox(
        t("edition"), [0, *sorted((e.year for e in editions), reverse=True)],
        format_func=lambda y: t("all_editions") if not y else str(y), key=f"filter_edition_{lang}",
    )
    theme = col_theme.selectbox(
        t("theme"), ["", *names], format_func=lambda k: names.get(k, t("all_themes")),
        key=f"filter_theme_{lang}",
    )
    limit = col_limit.selectbox(t("limit"), ui.HIT_LIMITS, index=ui.HIT_LIMITS.index(ui.DEFAULT_HIT_LIMIT),
                                key="filter_limit")
    whole_words = st.checkbox(t("whole_words"), key="whole_words", help=t("whole_words_help"))

    common.warm_up()   # after the widgets are drawn, so the page is usable meanwhile
    if not query.strip():
        # The first page: what the tool is, what is loaded, and queries to start from.
        st.info(f"{t('intro')}\n\n{ui.editions_line(editions, lang)}", icon="ℹ️")
        st.caption(t("try_examples"))
        for column, example in zip(st.columns(len(ui.EXAMPLE_QUERIES)), ui.EXAMPLE_QUERIES):
            column.button(example, key=f"example_{ui.EXAMPLE_QUERIES.index(example)}", icon="🔍",
                          on_click=_use_suggestion, args=(example,), width="stretch")
        st.stop()
    st.query_params["q"] = query

    result = common.search(
        query, tuple(sorted(sections)) or ui.DEFAULT_SECTIONS, theme or None, edition or None, int(limit),
        whole_words,
    )

    st.caption(f"**{t('parsed_query')}:** `{ui.parsed_query(result.parsed, lang)}`")
    if groups := common.synonyms(query):
        st.caption(f"**{t('synonyms')}:** " + "; ".join(groups))
    if result.suggestion and not result.hidden_by_scope:   # hidden hits get their own button below
        st.button(
            f"{t('did_you_mean')} **{result.suggestion}**", key="did_you_mean", type="secondary",
            icon="💡", on_click=_use_suggestion, args=(result.suggestion,),
        )

    if not result.hits:
        st.warning(t("no_hits_in_scope") if result.hidden_by_scope else t("no_hits"), icon="🔍")
        if result.hidden_by_scope:
            _hidden_hits(result.hidden_by_scope)
        st.stop()

    st.write(ui.hits_total(result.total, len(result.hits), lang))
    if result.hidden_by_scope:
        _hidden_hits(result.hidden_by_scope)
    st.caption(ui.facet_line(result.facets, lang))
    view = st.segmented_control(
        t("view"), ["passages", "kwic", "collocates", "frequencies"], default="passages", required=True,
        format_func=lambda v: t(f"view_{v}"), key="haku_view",
    )
    scope = (query, tuple(sorted(sections)) or ui.DEFAULT_SECTIONS, theme or None, edition or None, whole_words)
    if view == "kwic":
        _concordance_view(common.concordance(*scope), names)
    elif view == "collocates":
        _collocates_view(common.concordance(*scope))
    elif view == "frequencies":
        _frequencies_view(common.concordance(*scope))
    else:
        basketed = common.in_basket()
        per_theme = pd.DataFrame(ui.hits_per_theme_rows(result.facets.get('theme', {}), names))
        chart_col, forms_col = st.columns([3, 2])
        with forms_col:
            _matched_forms(result.forms, result.excluded_forms)
        found_in = sorted(int(y) for y, n in result.facets.get("edition", {}).items() if n)
        split = len(found_in) > 1 and chart_col.checkbox(t("split_by_edition"), key="split_by_edition")
        if split:
            # Hits per theme and edition: the same search once per edition (cached).
            counts = {
                year: common.search(query, tuple(sorted(sections)) or ui.DEFAULT_SECTIONS, theme or None, year, 1,
                                    whole_words).facets.get("theme", {})
                for year in found_in
            }
            with chart_col:
                common.grouped_bars(
                    pd.DataFrame(ui.hits_per_theme_edition_rows(counts, names)), bar="teema", group="vuosi",
                    value="osumia", value_title=t("hits"), share=False, legend_title=t("edition"),
                    bar_sort=list(per_theme["teema"]), bar_axis=alt.Axis(labelLimit=ui.CHART_LABEL_LIMIT, labelOverlap=False),
                )
        else:
            chart_col.altair_chart(
                alt.Chart(per_theme, title=t("hits_per_theme"))
                .mark_bar(size=18)
                .encode(
                    x=alt.X("osumia:Q", title=t("hits"), axis=alt.Axis(tickMinStep=1, format="d")),
                    y=alt.Y("teema:N", sort="-x", title=None, axis=alt.Axis(labelLimit=ui.CHART_LABEL_LIMIT, labelOverlap=False)),
                    tooltip=[alt.Tooltip("teema", title=t("theme")), alt.Tooltip("osumia", title=t("hits"))],
                )
                .properties(height=alt.Step(28)),   # one labelled band per theme
                width="stretch",
            )

        for theme_id, hits in ui.group_by_theme(result.hits, result.facets.get("theme", {})):
            st.subheader(f"{names.get(theme_id, theme_id)} ({result.facets.get('theme', {}).get(theme_id, len(hits))})")
            # The same passage in several editions is one card that names them.
            for hit, in_editions in ui.collapse_editions(hits):
                with st.container(border=True):
                    page = f" · {t('page_abbr')} {hit.page}" if hit.page else ""
                    st.caption(f"{hit.edition} · {ui.section_name(hit.section, lang)}{page} · {hit.passage_id}")
                    if len(in_editions) > 1:
                        st.caption(f"📚 {t('in_editions', years=', '.join(map(str, in_editions)))}")
                    st.html(f'<div class="snippet">{ui.safe_snippet_html(hit.snippet)}</div>')
                    passage_col, button_col = st.columns([5, 1])
                    with passage_col.expander(t("full_passage")):
                        st.html(f'<div class="passage">{ui.highlight_html(hit.text, hit.matches)}</div>')
                    with button_col:
                        common.basket_button(hit.passage_id, query=query, key=f"add_{hit.passage_id}",
                                             added=(hit.passage_id, hit.text) in basketed)
