"""Otteet: the excerpt basket. Collections, notes and codes editable in place; exports with citations."""

import streamlit as st

from app_pages import common
from textkit import ui

t = common.translator()
st.title(t("page_basket"))

with common.user_errors():
    store = common.basket()
    collections = store.collections()
    if not collections:
        st.info(t("basket_empty"), icon="🧺")
        st.stop()

    all_label = t("all_collections")
    names = [c.name for c in collections]
    choice = st.selectbox(
        t("collection"),
        ["", *names],   # "" = all collections
        format_func=lambda n: f"{n} ({next(c.count for c in collections if c.name == n)})" if n else all_label,
        key=f"basket_collection_{common.lang()}",
    )
    in_collection = store.excerpts(choice or None)
    codes = dict(ui.code_counts(in_collection))
    code = st.selectbox(
        t("code_filter"), ["", *codes], format_func=lambda c: f"{c} ({codes[c]})" if c else t("all_codes"),
        key=f"basket_code_{common.lang()}",
    )
    excerpts = store.excerpts(choice or None, code=code or None) if code in codes else in_collection
    rows = ui.basket_rows(excerpts, common.excerpt_topic_names(excerpts))
    # Unsaved edits live in the session (not only in the table widget, which forgets them
    # when the user opens another page), so they are still here on return.
    pending = st.session_state.setdefault("basket_pending", {})

    st.caption(t("basket_edit_help"))
    # A new editor key after each save resets the editor's pending edits to the saved table.
    version = st.session_state.setdefault("basket_version", 0)
    edited = st.data_editor(
        ui.with_pending(rows, pending),
        key=f"basket_editor_{version}",
        hide_index=True,
        num_rows="fixed",
        disabled=[c for c in rows[0] if c not in ui.BASKET_EDITABLE] if rows else True,
        column_config={
            "id": st.column_config.NumberColumn("#", width="small"),
            "esikatselu": st.column_config.TextColumn(t("col_excerpt"), width="large", help=t("col_excerpt_help")),
            "kokoelma": st.column_config.TextColumn(t("collection"), required=True),
            "teema": st.column_config.TextColumn(t("theme"), width="medium"),
            "aihe": st.column_config.TextColumn(t("topic"), width="medium", help=t("col_topic_help")),
            "osio": st.column_config.NumberColumn(t("col_section"), width="small"),
            "sivu": st.column_config.NumberColumn(t("page_abbr"), width="small"),
            "vuosi": st.column_config.NumberColumn(t("year"), width="small", format="%d"),
            "teksti": st.column_config.TextColumn(t("col_whole_excerpt"), width="large"),
            "muistiinpano": st.column_config.TextColumn(t("note"), width="medium"),
            "koodit": st.column_config.TextColumn(t("codes"), help=t("codes_help")),
            "poista": st.column_config.CheckboxColumn(t("remove"), width="small"),
        },
        width="stretch",
    )
    shown_ids = {int(row["id"]) for row in rows}
    pending = {k: v for k, v in pending.items() if k not in shown_ids} | ui.pending_edits(rows, edited)
    st.session_state["basket_pending"] = pending
    if pending:
        st.warning(t("unsaved_edits", n=len(pending)), icon="⚠️")
    save_col, discard_col = st.columns([1, 1])
    if save_col.button(t("save_changes"), key="basket_save", icon="💾", type="primary" if pending else "secondary"):
        # Every unsaved edit, also those of rows in another collection than the one shown.
        saved_rows = ui.basket_rows(store.excerpts())
        for change in ui.basket_changes(saved_rows, ui.with_pending(saved_rows, pending)):
            if change.remove:
                store.remove(change.excerpt_id)
            else:
                store.edit(change.excerpt_id, note=change.note, codes=change.codes, collection=change.collection)
        st.session_state["basket_pending"] = {}
        st.session_state["basket_version"] = version + 1
        st.session_state["basket_saved"] = True
        st.rerun()
    if pending and discard_col.button(t("discard_changes"), key="basket_discard"):
        st.session_state["basket_pending"] = {}
        st.session_state["basket_version"] = version + 1
        st.rerun()
    if st.session_state.pop("basket_saved", False):
        st.success(t("saved"), icon="✅")

    # The quotations as they will be cited in the exports.
    from textkit.export import cite, markdown_text

    with st.expander(f"{t('with_citations')} ({len(excerpts)})"):
        for excerpt in excerpts:
            st.markdown(f"**#{excerpt.id}** · {cite(excerpt)}")
            st.html(f"<blockquote>{ui.highlight_html(excerpt.text, ())}</blockquote>")   # escaped text
            if excerpt.note or excerpt.codes:
                # The user's own text, shown as typed (not read as Markdown).
                st.caption(markdown_text(" · ".join(filter(None, [excerpt.note, ", ".join(excerpt.codes)]))))

    st.subheader(t("export"))
    title = f"{t('page_basket')}: {choice or all_label}"
    buttons = st.columns(len(ui.EXPORT_MIME))
    for column, (fmt, mime) in zip(buttons, ui.EXPORT_MIME.items()):
        column.download_button(
            f"{fmt.upper() if fmt != 'md' else 'Markdown'}",
            data=common.export_bytes(tuple(excerpts), fmt, title),
            file_name=ui.export_file_name(choice, fmt),
            mime=mime,
            key=f"export_{fmt}",
            icon="⬇️",
            width="stretch",
        )

    st.subheader(t("code_table"))
    code_columns, code_rows = ui.code_theme_rows(in_collection, common.lang())
    if code_rows:
        st.dataframe([{header: row[key] for key, header, _ in code_columns} for row in code_rows],
                     hide_index=True, width="stretch")
        from textkit.export import render_table

        table_cols = st.columns(2)
        for column, fmt in zip(table_cols, ("xlsx", "csv")):
            column.download_button(
                f"{t('code_table')} {fmt.upper()}", data=render_table(code_columns, code_rows, fmt, sheet=t("codes")),
                file_name=ui.export_file_name(f"koodit {choice}", fmt), mime=ui.EXPORT_MIME[fmt],
                key=f"code_table_{fmt}", icon="⬇️", width="stretch",
            )
