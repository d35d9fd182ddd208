"""Logic behind the Streamlit app that is worth testing without a browser.

The app (`app.py`, `app_pages/`) only wires widgets to textkit functions; what it
shows is computed here: labels in Finnish (with English as an option), section
names, chart tables, funding summaries, grouping of hits, upload checks and the
parse summary shown before a new edition is accepted. Nothing here imports
Streamlit, so every function is a plain, testable function.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from pathlib import PurePath
from typing import Any, Iterable, Sequence

from textkit.errors import TextkitError
from textkit.limits import check_zip
from textkit.parse import MAX_FILE_BYTES, NARRATIVE_SECTIONS, decode_text
from textkit.types import Edition

LANGUAGES = ("fi", "en")

# Largest edition file accepted by the upload form. The 2024 report is ~1 MB as
# text and a few MB as PDF; 50 MB leaves room for image-heavy PDFs and matches
# server.maxUploadSize in .streamlit/config.toml.
MAX_UPLOAD_BYTES = MAX_FILE_BYTES
UPLOAD_TYPES = ("pdf", "docx", "txt")

DEFAULT_SECTIONS = NARRATIVE_SECTIONS   # preselected search scope; sections every theme should have

# Streamlit writes its own English "Press Enter to apply" under a text or number input that waits
# for Enter, and has no parameter for that text. So text inputs commit after a typing pause
# instead (`live`, which drops the line), and numbers are chosen from a list.
TYPING_PAUSE = "700ms"
HIT_LIMITS = (10, 20, 50, 100, 200, 500)
DEFAULT_HIT_LIMIT = 50

EXPORT_MIME = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "csv": "text/csv",
    "md": "text/markdown",
}

# Short names of the report's numbered sections (the printed headings are long).
SECTION_NAMES = {
    1: ("Tiivistelmä", "Summary"),
    2: ("Toteutettu toiminta", "Activities done"),
    3: ("Tavoitteiden arvio", "Assessment of goals"),
    4: ("Tuleva toiminta", "Plans for the coming year"),
    5: ("Alueelliset yhteydet", "Regional links"),
    6: ("Linkit", "Links"),
    7: ("Rahoitetut hankkeet", "Funded projects"),
}

# Every user-visible label of the app: key -> (Finnish, English).
LABELS: dict[str, tuple[str, str]] = {
    "app_title": ("ESR+ teemakatsaukset", "ESR+ theme reviews"),
    "language": ("Kieli / Language", "Kieli / Language"),
    "page_search": ("Haku", "Search"),
    "page_themes": ("Teemat", "Themes"),
    "page_topics": ("Aiheet", "Topics"),
    "page_diff": ("Vuosivertailu", "Year over year"),
    "page_basket": ("Otteet", "Excerpts"),
    "page_corpus": ("Aineisto", "Corpus"),
    "building": ("Rakennetaan hakuindeksiä ja aihemallia…", "Building the search index and topic model…"),
    "building_first": (
        "Ensimmäinen käynnistys: rakennetaan hakuindeksi ja aihemalli (kerran, noin puoli minuuttia)…",
        "First start: building the search index and topic model (once, about half a minute)…",
    ),
    "building_stale": (
        "Aineisto on muuttunut: rakennetaan hakuindeksi ja aihemalli uudelleen…",
        "The corpus changed: rebuilding the search index and topic model…",
    ),
    "build_done": ("Hakuindeksi ja aihemalli ovat valmiit.", "The search index and topic model are ready."),
    "unexpected": (
        "Odottamaton virhe ({kind}): {message}. Yksityiskohdat on kirjattu palvelimen lokiin.",
        "Unexpected error ({kind}): {message}. Details were written to the server log.",
    ),
    # Haku
    "query": ("Hakulauseke", "Query"),
    "query_help": (
        "Perusmuoto löytää taivutetut muodot ja yhdyssanojen osat. "
        'Lausekkeet lainausmerkeissä ("jatkuva oppiminen"), JA/TAI/EI (AND/OR/NOT), '
        "katkaisu tähdellä (digi*), kenttärajaus (teema:…, osio:2).",
        "Base forms find inflected forms and parts of compounds. "
        'Phrases in quotes ("jatkuva oppiminen"), AND/OR/NOT (JA/TAI/EI), '
        "wildcards (digi*), field filters (teema:…, osio:2).",
    ),
    "query_placeholder": ("esim. TE24, tekoäly, \"jatkuva oppiminen\"", "e.g. TE24, tekoäly, \"jatkuva oppiminen\""),
    "edition": ("Vuosikatsaus", "Edition"),
    "all_editions": ("Kaikki vuodet", "All editions"),
    "theme": ("Teema", "Theme"),
    "all_themes": ("Kaikki teemat", "All themes"),
    "sections": ("Osiot", "Sections"),
    "limit": ("Osumia enintään", "Maximum hits"),
    "parsed_query": ("Tulkittu haku", "Parsed query"),
    "synonyms": ("Synonyymit", "Synonyms"),
    "did_you_mean": ("Tarkoititko:", "Did you mean:"),
    "no_hits": ("Ei osumia. Kokeile perusmuotoa, katkaisua (digi*) tai laajempaa osiorajausta.",
                "No hits. Try the base form, a wildcard (digi*) or more sections."),
    "in_basket_done": ("Korissa ✓", "In basket ✓"),
    "add_sentence": ("Lisää tämän rivin virke koriin", "Add this line's sentence to the basket"),
    "view": ("Näkymä", "View"),
    "view_passages": ("Kappaleet", "Passages"),
    "view_kwic": ("Konkordanssi", "Concordance"),
    "view_collocates": ("Kollokaatit", "Collocates"),
    "view_frequencies": ("Frekvenssit", "Frequencies"),
    "kwic_sort": ("Järjestys", "Sort by"),
    "sort_order": ("Tekstin järjestys", "Document order"),
    "sort_left": ("Vasen sana", "Left word"),
    "sort_right": ("Oikea sana", "Right word"),
    "sort_form": ("Muoto", "Form"),
    "sort_theme": ("Teema", "Theme"),
    "descending": ("Käänteinen", "Descending"),
    "kwic_forms": ("Näytä vain muodot", "Only these forms"),
    "kwic_forms_placeholder": ("Kaikki muodot", "All forms"),   # else Streamlit's English "Choose options"
    "kwic_page": ("Sivu", "Page"),
    "kwic_lines": ("{n} riviä, näytetään {first}–{last}", "{n} lines, showing {first}–{last}"),
    "collocates_help": (
        "Sanat ±5 sanan päässä osumista perusmuotoina (täytesanat pois). LL = log-likelihood (G²), "
        "MI = mutual information. Valitse sana hakeaksesi sen yhdessä hakusanan kanssa.",
        "Words within ±5 words of the matches, as lemmas (stop words left out). LL = log-likelihood (G²), "
        "MI = mutual information. Choose a word to search it together with the query.",
    ),
    "by_ll": ("Log-likelihood (LL)", "Log-likelihood (LL)"),
    "by_mi": ("Mutual information (MI)", "Mutual information (MI)"),
    "collocate_query": ("Hae yhdessä:", "Search together:"),
    "no_collocates": ("Ei kollokaatteja (sana vähintään kahdesti osumien lähellä).",
                      "No collocates (a word near the matches at least twice)."),
    "per_1000": ("/ 1 000 sanaa", "per 1,000 words"),
    "freq_theme": ("Esiintymät teemoittain / 1 000 sanaa", "Occurrences per theme per 1,000 words"),
    "freq_heatmap": ("Osumat teema × osio", "Hits theme × section"),
    "freq_tables": ("Taulukot", "Tables"),
    "no_hits_in_scope": ("Ei osumia valituissa osioissa.", "No hits in the chosen sections."),
    "include_hidden": ("Näytä nekin", "Include them"),
    "include_hidden_help": ("Lisää osiot {sections} hakuun.", "Add sections {sections} to the search."),
    "hits_per_theme": ("Osumat teemoittain", "Hits per theme"),
    "matched_forms": ("Osuneet sanamuodot", "Matched word forms"),
    "matched_forms_help": (
        "Napsauta muotoa, niin se ei enää ole osuma (haku saa ehdon EI muoto:…).",
        "Click a form to stop it counting as a match (the query gets EI muoto:…).",
    ),
    "whole_words": ("Vain kokonaiset sanat", "Whole words only"),
    "whole_words_help": (
        "Hakusana ei osu yhdyssanojen osiin (kuntakokeilujen), vain sanaan itseensä (kuntien). Sama kuin sana:kunta.",
        "Query words do not match parts of compounds (kuntakokeilujen), only the word itself (kuntien). Same as sana:kunta.",
    ),
    "exclude_parts": ("Poista yhdyssanaosumat", "Exclude compound-part matches"),
    "exclude_form_help": ("Poista muoto {form} osumista", "Exclude the form {form} from the matches"),
    "more_forms": ("Kaikki {n} muotoa", "All {n} forms"),
    "forms_not_listed": (
        "… ja {n} harvinaisempaa muotoa (kaikki ovat haun viennissä ja JSONissa)",
        "… and {n} rarer forms (all of them are in the search export and the JSON)",
    ),
    "lexicalised_forms": (
        "Ei osumina (kiinteät yhdyssanat ja muodot, corpus/lexicalised.toml)",
        "Not matches (lexicalised compounds and fixed forms, corpus/lexicalised.toml)",
    ),
    "excluded_forms": ("Poistetut muodot", "Excluded forms"),
    "include_form_help": ("Palauta muoto {form} osumiin", "Count the form {form} as a match again"),
    "match_whole": ("sana", "word"),
    "match_part": ("yhdyssanan osa", "compound part"),
    "match_synonym": ("synonyymi", "synonym"),
    "match_prefix": ("katkaisu", "prefix"),
    "match_phrase": ("fraasi", "phrase"),
    "hits": ("osumia", "hits"),
    "full_passage": ("Koko kappale", "Full passage"),
    "add_to_basket": ("Lisää koriin", "Add to basket"),
    "in_basket": ("Korissa", "In basket"),
    "added": ("Lisätty koriin: {cite}", "Added to basket: {cite}"),
    "collection": ("Kokoelma", "Collection"),
    "basket_target": ("Koriin lisätään kokoelmaan", "Add to basket collection"),
    "basket_target_help": (
        "Lisää koriin -painikkeet tallentavat otteet tähän kokoelmaan.",
        "The Add to basket buttons save excerpts into this collection.",
    ),
    "enter_query": ("Kirjoita hakusana tai -lauseke.", "Type a word or a query."),
    # Teemat
    "theme_a": ("Teema A", "Theme A"),
    "theme_b": ("Teema B", "Theme B"),
    "distinctive": ("Tunnusomaiset sanat", "Distinctive terms"),
    "shared": ("Yhteiset sanat", "Shared terms"),
    "topic_mix": ("Aiheiden jakauma", "Topic mix"),
    "funding": ("Rahoitus", "Funding"),
    "paid_share": ("Maksettu osuus rahoituskehyksestä (d/a)", "Paid share of the funding frame (d/a)"),
    "similarity_pair": ("Samankaltaisuus", "Similarity"),
    "no_terms": ("Ei tilastollisesti merkitseviä sanoja.", "No statistically significant terms."),
    "examples": ("Esimerkkejä", "Examples"),
    "topic_changes": ("Aiheiden muutokset", "Topic changes"),
    "term_changes": ("Sanojen muutokset", "Term changes"),
    "similarity": ("Teemojen samankaltaisuus", "Similarity of themes"),
    # Aiheet
    "topics": ("Aiheet", "Topics"),
    "topic": ("Aihe", "Topic"),
    "terms": ("Sanat", "Terms"),
    "spread": ("Teemoja", "Themes"),
    "topic_theme": ("Aiheet teemoittain", "Topics by theme"),
    "topic_section": ("Aiheet osioittain: tehty (2) ja suunniteltu (4)", "Topics by section: done (2) vs planned (4)"),
    "topic_year": ("Aiheet mainittujen vuosien mukaan", "Topics by referenced year"),
    "topic_edition": ("Aiheet vuosikatsauksittain", "Topics by edition"),
    "topic_passages": ("Aiheen kappaleet", "Passages of the topic"),
    "topic_name": ("Aiheen nimi (tyhjä = sanoista tehty otsikko)", "Topic name (empty = the label from its words)"),
    "save_name": ("Tallenna nimi", "Save name"),
    "name_saved": ("Nimi tallennettu; se säilyy, kun malli rakennetaan uudelleen ja aihe löytyy yhä.",
                   "Name saved; it is kept when the model is rebuilt and the topic is still found."),
    "share": ("osuus", "share"),
    # Vuosivertailu
    "from_edition": ("Aiempi vuosikatsaus", "Earlier edition"),
    "to_edition": ("Uudempi vuosikatsaus", "Later edition"),
    "new_terms": ("Uutta", "New"),
    "gone_terms": ("Poistunut", "Gone"),
    "new_topics": ("Uudet aiheet", "New topics"),
    "gone_topics": ("Poistuneet aiheet", "Gone topics"),
    "rising_topics": ("Kasvaneet aiheet", "Rising topics"),
    "falling_topics": ("Pienentyneet aiheet", "Falling topics"),
    "rising": ("Yleistynyt", "Rising"),
    "falling": ("Harvinaistunut", "Falling"),
    "one_edition": (
        "Aineistossa on vain yksi vuosikatsaus ({year}). Kun lisäät myöhemmän vuosikatsauksen "
        "Aineisto-sivulla, tässä näkyy teemoittain, mitkä sanat ja aiheet ovat uusia, mitkä ovat "
        "poistuneet ja mitkä ovat yleistyneet tai harvinaistuneet edellisestä vuodesta.",
        "The corpus has only one edition ({year}). When you add a later edition on the Corpus page, "
        "this page shows per theme which terms and topics are new, which are gone, and which rose "
        "or fell since the previous year.",
    ),
    "all_themes_view": ("Kaikki teemat: yleiskuva", "All themes: overview"),
    "all_themes_heading": ("Muutokset teemoittain {a} → {b}", "Changes by theme {a} → {b}"),
    "all_themes_caption": (
        "Valitse rivi (tai teema yltä), niin näet teeman muutokset sanoittain ja aiheittain.",
        "Choose a row (or a theme above) to see that theme's changes term by term and topic by topic.",
    ),
    "col_topics_up": ("Aiheet ↑", "Topics ↑"),
    "col_topics_down": ("Aiheet ↓", "Topics ↓"),
    "changed_terms": ("Muuttuneita sanoja", "Changed terms"),
    "only_in": ("Vain vuoden {year} katsauksessa: {themes}", "Only in the {year} edition: {themes}"),
    "in_editions": ("Sama kappale vuosikatsauksissa {years}", "The same passage in the editions {years}"),
    "split_by_edition": ("Jaa vuosikatsauksittain", "Split by edition"),
    "intro": (
        "textkit hakee ja vertailee ESR+ valtakunnallisten teemojen toteutuskatsauksia suomen kielen "
        "taivutukset ja yhdyssanat tuntien: hae, vertaa teemoja ja vuosia, kokoa otteet lähdeviitteineen.",
        "textkit searches and compares the ESR+ national theme reviews, aware of Finnish inflection and "
        "compounds: search, compare themes and years, collect excerpts with citations.",
    ),
    "editions_loaded": ("Aineistossa: {editions}", "Loaded: {editions}"),
    "edition_summary": ("vuosikatsaus {year} ({themes} teemaa, {passages} kappaletta)",
                        "edition {year} ({themes} themes, {passages} passages)"),
    "try_examples": ("Kokeile esimerkiksi:", "Try for example:"),
    "go_to_corpus": ("Lisää vuosikatsaus Aineisto-sivulla", "Add an edition on the Corpus page"),
    "same_edition": ("Valitse kaksi eri vuosikatsausta.", "Choose two different editions."),
    # Otteet
    "basket_empty": ("Kori on tyhjä. Lisää otteita Haku-sivulta.", "The basket is empty. Add excerpts on the Search page."),
    "code_filter": ("Koodi", "Code"),
    "all_codes": ("Kaikki koodit", "All codes"),
    "code_table": ("Koodit teemoittain", "Codes by theme"),
    "save_changes": ("Tallenna muutokset", "Save changes"),
    "saved": ("Muutokset tallennettu.", "Changes saved."),
    "unsaved_edits": (
        "Tallentamattomia muutoksia {n} otteessa. Ne säilyvät, vaikka avaat välillä toisen sivun; "
        "tallenna ne painikkeella Tallenna muutokset.",
        "Unsaved changes in {n} excerpt(s). They are kept while you visit other pages; "
        "save them with Save changes.",
    ),
    "unsaved_sidebar": ("Otteissa on tallentamattomia muutoksia ({n}).", "The basket has unsaved changes ({n})."),
    "discard_changes": ("Hylkää muutokset", "Discard changes"),
    "export": ("Vie", "Export"),
    "note": ("Muistiinpano", "Note"),
    "codes": ("Koodit", "Codes"),
    "remove": ("Poista", "Remove"),
    # Aineisto
    "editions_in_use": ("Käytössä olevat vuosikatsaukset", "Editions in use"),
    "upload": ("Lisää uusi vuosikatsaus (PDF, DOCX tai TXT)", "Add a new edition (PDF, DOCX or TXT)"),
    "year": ("Vuosi", "Year"),
    "parse_summary": ("Jäsennyksen yhteenveto", "Parse summary"),
    "accept": ("Hyväksy ja rakenna uudelleen", "Accept and rebuild"),
    "rebuild": ("Rakenna indeksi uudelleen", "Rebuild the index"),
    "accepted": ("Vuosikatsaus {year} lisätty ja indeksi rakennettu.", "Edition {year} added and the index built."),
    "accepted_pending": ("Vuosikatsaus {year} lisätty; hakuindeksiä rakennetaan.",
                         "Edition {year} added; the search index is being built."),
    "removed_pending": ("Vuosikatsaus {year} poistettu; hakuindeksiä rakennetaan.",
                        "Edition {year} removed; the search index is being built."),
    "warnings": ("Varoitukset", "Warnings"),
    "replace_edition": (
        "Korvaa nykyinen vuosikatsaus {year} ({file})",
        "Replace the current {year} edition ({file})",
    ),
    "manage_edition": ("Poista tai korvaa vuosikatsaus", "Remove or replace an edition"),
    "remove_edition": ("Poista", "Remove"),
    "remove_edition_help": (
        "Aineiston ainoaa vuosikatsausta ei voi poistaa; korvaa se tai lisää ensin toinen.",
        "The only edition cannot be removed; replace it or add another one first.",
    ),
    "replace_edition_button": ("Korvaa…", "Replace…"),
    "replace_hint": (
        "Valitse alta uusi tiedosto vuodelle {year}. Se korvaa nykyisen vasta, kun hyväksyt sen.",
        "Choose the new file for {year} below. It replaces the current one only once you accept it.",
    ),
    "confirm_remove": (
        "Poistetaanko vuosikatsaus {year} ({file}) aineistosta? Hakuindeksi ja aihemalli rakennetaan "
        "uudelleen; haut käyttävät vanhaa indeksiä, kunnes uusi on valmis. Tiedosto siirretään "
        "kansioon corpus/.poistetut. Korin {n} otetta tästä vuosikatsauksesta säilyvät, koska niissä "
        "on oma kopio tekstistä ja lähdeviitteestä.",
        "Remove the {year} edition ({file}) from the corpus? The search index and topic model are "
        "rebuilt; searches use the old index until the new one is ready. The file is moved to "
        "corpus/.poistetut. The basket's {n} excerpt(s) of this edition stay: they hold their own "
        "copy of the text and citation.",
    ),
    "confirm_remove_yes": ("Poista vuosikatsaus {year}", "Remove the {year} edition"),
    "cancel": ("Peruuta", "Cancel"),
    "removed": ("Vuosikatsaus {year} poistettu ja indeksi rakennettu uudelleen.",
                "Edition {year} removed and the index rebuilt."),
    "accept_year": ("Vuosi {year} on oikein: hyväksy ero", "{year} is the right year: accept the difference"),
    "upload_help": ("PDF, DOCX tai TXT, enintään {mb} Mt.", "PDF, DOCX or TXT, at most {mb} MB."),
    "parsing_upload": ("Luetaan ja jäsennetään tiedostoa…", "Reading and parsing the file…"),
    "themes_count": ("Teemoja", "Themes"),
    "projects": ("Rahoitetut hankkeet (osio 7)", "Funded projects (section 7)"),
    "projects_caption": ("{projects} hanketta, {orgs} toteuttajaa, joista {shared} useammassa kuin yhdessä teemassa.",
                         "{projects} projects, {orgs} implementers, {shared} of them in more than one theme."),
    "organisations": ("Toteuttajat", "Implementers"),
    "download_xlsx": ("Lataa XLSX", "Download XLSX"),
    "download_csv": ("Lataa CSV", "Download CSV"),
    "pages_count": ("Sivuja", "Pages"),
    "pages_unknown": ("ei tiedossa", "unknown"),
    "removed_running": ("Poistettu toistuvana ylä- tai alatunnisteena: {count} riviä",
                        "Removed as running header/footer: {count} lines"),
    "passages_count": ("Kappaleita", "Passages"),
    "no_warnings": ("Ei varoituksia.", "No warnings."),
    "col_title": ("Otsikko", "Title"),
    "col_reporting_date": ("Raportointipäivä", "Reporting date"),
    "col_file": ("Tiedosto", "File"),
    "col_number": ("Nro", "No."),
    "col_sections": ("Osiot", "Sections"),
    "col_indexed": ("Hakuindeksissä", "In the search index"),
    "indexed_yes": ("kyllä", "yes"),
    "indexed_pending": ("⏳ rakennetaan", "⏳ being built"),
    "index_pending": (
        "Aineisto on muuttunut, ja hakuindeksiä rakennetaan uudelleen. Haut, vertailut ja aiheet käyttävät "
        "siihen asti edellistä indeksiä (vuosikatsaukset {indexed}); aineistossa on nyt {corpus}. Sivu "
        "päivittyy itse, kun uusi indeksi on valmis.",
        "The corpus has changed and the search index is being rebuilt. Until then searches, comparisons "
        "and topics use the previous index (editions {indexed}); the corpus now has {corpus}. The page "
        "updates itself when the new index is ready.",
    ),
    # Teemat (more)
    "same_theme": ("Valitse kaksi eri teemaa.", "Choose two different themes."),
    "similarity_help": (
        "Kosinisamankaltaisuus osioiden 2–5 perusmuotojen TF-IDF-painoista (0 = ei yhteistä, 1 = sama).",
        "Cosine similarity over TF-IDF of the lemmas of sections 2–5 (0 = nothing shared, 1 = same).",
    ),
    "search_term_in_theme": ("Hae sanaa tästä teemasta:", "Search the term in this theme:"),
    "no_topic_model": ("Aihemallia ei ole.", "No topic model."),
    "near_duplicates": ("Lähes samat teemaparit (punainen reunus, väriasteikon ulkopuolella): {pairs}",
                        "Near-duplicate pairs (red border, outside the colour scale): {pairs}"),
    # Vuosivertailu (more)
    "topic_shares_heading": ("Aiheiden osuudet koko katsauksessa {a} → {b}", "Topic shares in the whole edition {a} → {b}"),
    "no_change": ("Teeman teksti ei ole muuttunut tilastollisesti merkitsevästi vuodesta {a} vuoteen {b}.",
                  "The theme's text did not change significantly from {a} to {b}."),
    # Aiheet (more)
    "topics_caption": (
        "{k} aihetta osioista 2–5, {documents} kappaletta. Teemakohtaisia sanoja on vaimennettu, jotta "
        "teemojen yli toistuvat aiheet erottuvat.",
        "{k} topics from sections 2–5, {documents} passages. Theme-specific terms are damped so that "
        "subjects recurring across themes stand out.",
    ),
    "spread_help": ("Efektiivinen teemojen määrä", "Effective number of themes"),
    "no_years": ("Tekstissä ei mainita vuosia.", "The text mentions no years."),
    "year_caption": ("Kunkin vuoden maininnat: mitä aiheita lauseet, joissa vuosi mainitaan, käsittelevät.",
                     "For each year: the topics of the sentences that mention it."),
    "one_edition_topics": (
        "Aineistossa on yksi vuosikatsaus; kun lisäät seuraavan, kaavio näyttää aiheiden osuudet vuosittain.",
        "The corpus has one edition; add the next one to see topic shares per edition.",
    ),
    "topic_members": ("{n} kappaletta, joiden pääaihe tämä on; vahvimmat ensin.",
                      "{n} passages with this as their main topic; strongest first."),
    "page_abbr": ("s.", "p."),
    # Otteet (more)
    "all_collections": ("Kaikki kokoelmat", "All collections"),
    "basket_edit_help": (
        "Muokkaa kokoelmaa, muistiinpanoa ja koodeja (pilkulla erotettuina) suoraan taulukossa, "
        "rastita poistettavat ja tallenna.",
        "Edit the collection, note and codes (comma-separated) in the table, tick rows to remove, then save.",
    ),
    "col_excerpt": ("Ote", "Excerpt"),
    "col_excerpt_help": ("Otteen alku; koko teksti viimeisenä sarakkeena.", "The start; the whole text is the last column."),
    "col_topic_help": ("Otteen aihe aihemallissa: nimi, jonka annoit Aiheet-sivulla, muuten aiheen sanoista tehty otsikko. "
                       "Sama sarake on vienneissä.",
                       "The excerpt's topic in the topic model: the name you gave it on the Topics page, else the label "
                       "from its words. The exports have the same column."),
    "col_section": ("Osio", "Section"),
    "col_whole_excerpt": ("Koko ote", "Whole excerpt"),
    "codes_help": ("pilkulla erotettuina", "comma-separated"),
    "with_citations": ("Otteet lähdeviitteineen", "Excerpts with citations"),
    "uncoded": ("(ei koodia)", "(no code)"),
    "projects_sheet": ("Rahoitetut hankkeet", "Funded projects"),
}


# Table columns and chart fields: the row functions below key their rows by the Finnish name
# (which charts use as field names); `headers` gives a table its headers in the user's
# language and `column` a chart its axis and tooltip titles. name -> (Finnish, English).
COLUMNS: dict[str, tuple[str, str]] = {
    "sana": ("sana", "term"),
    "määrä": ("määrä", "count"),
    "/1000": ("/1000", "/1000"),
    "muualla /1000": ("muualla /1000", "elsewhere /1000"),
    "rahoitus": ("rahoitus", "funding"),
    "raportissa": ("raportissa", "as printed"),
    "euroa": ("euroa", "euros"),
    "aihe": ("aihe", "topic"),
    "muutos": ("muutos", "change"),
    "teema": ("teema", "theme"),
    "teema_a": ("teema", "theme"),
    "teema_b": ("teema", "theme"),
    "teema_koko": ("teema", "theme"),
    "osuus": ("osuus", "share"),
    "osio": ("osio", "section"),
    "osumia": ("osumia", "hits"),
    "vuosi": ("vuosi", "year"),
    "ryhmä": ("ryhmä", "group"),
    "sanoja": ("sanoja", "words"),
    "esiintymiä": ("esiintymiä", "occurrences"),
    "samankaltaisuus": ("samankaltaisuus", "similarity"),
    "koodi": ("koodi", "code"),
    "hanke": ("hanke", "project"),
    "paatoteuttaja": ("päätoteuttaja", "lead implementer"),
    "toteuttajat": ("toteuttajat", "implementers"),
    "aika": ("toteutusaika", "period"),
    "kappale": ("kappale", "passage"),
    "organisaatio": ("organisaatio", "organisation"),
    "hankkeita": ("hankkeita", "projects"),
    "paatoteuttajana": ("päätoteuttajana", "as lead"),
    "teemoja": ("teemoja", "themes"),
    "teemat": ("teemat", "themes"),
    "yhdessä": ("yhdessä", "together"),
    "vasemmalla": ("vasemmalla", "left"),
    "oikealla": ("oikealla", "right"),
    "rajauksessa": ("rajauksessa", "in scope"),
    "nimi": ("nimi", "name"),
    "/ 1 000 sanaa": ("/ 1 000 sanaa", "per 1,000 words"),
    "sanat": ("sanat", "terms"),
    "levinneisyys": ("levinneisyys", "spread"),
    "toistuva": ("toistuva", "recurring"),
    "yht": ("Yhteensä", "Total"),
}

# The funding figures a–d of a theme header, by their letter (the report prints the Finnish names).
FUNDING_NAMES: dict[str, tuple[str, str]] = {
    "a": ("julkinen rahoituskehys", "public funding frame"),
    "b": ("varaukset", "reservations"),
    "c": ("sidotut valtuudet", "committed authorisations"),
    "d": ("maksetut kustannukset", "costs paid"),
}


def column(name: str, lang: str = "fi") -> str:
    """A table header or chart title for the column `name` in `lang` (the name itself when unknown:
    years, theme names)."""
    fi, en = COLUMNS.get(name, (name, name))
    return en if lang == "en" else fi


def headers(rows: Iterable[dict[str, Any]], lang: str = "fi") -> list[dict[str, Any]]:
    """Rows with their keys as headers in `lang` (`column`), for st.dataframe."""
    return [{column(k, lang): v for k, v in row.items()} for row in rows]


# Counted nouns: key -> ((Finnish singular, Finnish plural partitive), (English singular, plural)).
# Finnish numbers above one take the partitive: "1 osuma", "2 osumaa".
COUNT_NOUNS: dict[str, tuple[tuple[str, str], tuple[str, str]]] = {
    "hit": (("osuma", "osumaa"), ("hit", "hits")),
    "occurrence": (("esiintymä", "esiintymää"), ("occurrence", "occurrences")),
    "passage": (("kappale", "kappaletta"), ("passage", "passages")),
    "excerpt": (("ote", "otetta"), ("excerpt", "excerpts")),
    "theme": (("teema", "teemaa"), ("theme", "themes")),
    "word": (("sana", "sanaa"), ("word", "words")),
}


def count(n: int, noun: str, lang: str = "fi") -> str:
    """A number with its noun in the right form: count(1, "hit") = "1 osuma", count(4, "hit") =
    "4 osumaa", count(4, "hit", "en") = "4 hits"."""
    fi, en = COUNT_NOUNS[noun]
    one, many = en if lang == "en" else fi
    return f"{n} {one if n == 1 else many}"


def section_ranges(numbers: Iterable[int]) -> str:
    """Section numbers as ranges: [1, 6, 7] -> "1, 6–7"."""
    runs: list[list[int]] = []
    for n in sorted(set(int(n) for n in numbers)):
        if runs and n == runs[-1][-1] + 1:
            runs[-1].append(n)
        else:
            runs.append([n])
    return ", ".join(f"{r[0]}–{r[-1]}" if len(r) > 1 else str(r[0]) for r in runs)


def hidden_note(hidden: dict[int, int], lang: str = "fi") -> str:
    """What the section scope hid: "+4 osumaa osioissa 6–7" ("" when nothing was hidden)."""
    total = sum(hidden.values())
    if not total:
        return ""
    where = section_ranges(hidden)
    if lang == "en":
        return f"+{count(total, 'hit', 'en')} in section{'s' if len(hidden) > 1 else ''} {where}"
    return f"+{count(total, 'hit')} {'osioissa' if len(hidden) > 1 else 'osiossa'} {where}"


def hidden_detail(hidden: dict[int, int], lang: str = "fi") -> str:
    """The hidden hits section by section: "6 Linkit 3 · 7 Rahoitetut hankkeet 1"."""
    return " · ".join(f"{section_name(n, lang)} {c}" for n, c in sorted(hidden.items()))


def hits_total(total: int, shown: int, lang: str = "fi") -> str:
    """"12 osumaa, näytetään 10" / "1 osuma" (all shown)."""
    text = count(total, "hit", lang)
    if shown < total:
        text += f", showing {shown}" if lang == "en" else f", näytetään {shown}"
    return text


def label(key: str, lang: str = "fi", **values: Any) -> str:
    """The user-visible text for `key` in `lang` ("fi" or "en"), with `{name}` slots filled."""
    fi, en = LABELS[key]
    text = en if lang == "en" else fi
    return text.format(**values) if values else text


def section_name(number: int, lang: str = "fi") -> str:
    """e.g. "2 Toteutettu toiminta"."""
    fi, en = SECTION_NAMES.get(number, (f"Osio {number}", f"Section {number}"))
    return f"{number} {en if lang == 'en' else fi}"


def theme_label(theme: Any) -> str:
    """How a theme is shown in lists and charts: "number. name" (a Theme or a compare.ThemeHeader)."""
    return f"{theme.number}. {theme.name}"


def themes_of(editions: Sequence[Edition]) -> dict[str, str]:
    """Theme id -> name over all editions (the latest edition's name wins), in report order."""
    names: dict[str, str] = {}
    for edition in sorted(editions, key=lambda e: e.year):
        for theme in sorted(edition.themes, key=lambda t: t.number):
            names[theme.id] = theme.name
    return names


def format_euros(value: float | None, lang: str = "fi") -> str:
    """Money: 14 000 000 € in Finnish (non-breaking spaces), €14,000,000 in English, "–" when unknown."""
    if value is None:
        return "–"
    if lang == "en":
        return f"€{value:,.0f}"
    return f"{value:,.0f}".replace(",", "\u00a0") + "\u00a0€"


def format_decimal(value: float, lang: str = "fi", digits: int = 2) -> str:
    """2.345 -> "2,35" (Finnish decimal comma) / "2.35" (English)."""
    number = f"{value:.{digits}f}"
    return number if lang == "en" else number.replace(".", ",")


def format_percent(share: float | None, lang: str = "fi") -> str:
    """0.0653 -> "6,5 %" (Finnish decimal comma; "6.5 %" in English), "–" when unknown."""
    if share is None:
        return "–"
    number = f"{share * 100:.1f}"
    return (number if lang == "en" else number.replace(".", ",")) + "\u00a0%"


# ---------------------------------------------------------------- search results

_MARK_TAG = re.compile(r"</?mark>")


def safe_snippet_html(snippet: str) -> str:
    """Snippet HTML as the search module made it (escaped text + <mark> tags), re-checked.

    The search module escapes the passage text and only adds <mark>…</mark>.
    Rendering it as HTML is safe only if that holds, so everything except those
    two tags is escaped again here (escaping escaped text would double-escape,
    so the text between tags is unescaped first).
    """
    parts = _MARK_TAG.split(snippet)
    tags = _MARK_TAG.findall(snippet)
    out = [html.escape(html.unescape(parts[0]), quote=False)]
    for tag, text in zip(tags, parts[1:]):
        out.append(tag)
        out.append(html.escape(html.unescape(text), quote=False))
    return "".join(out)


def highlight_html(text: str, matches: Iterable[str]) -> str:
    """The whole passage, HTML-escaped, with every occurrence of the matched words in <mark>.

    `matches` are the exact strings of the passage that matched (Hit.matches); they are
    marked wherever they stand as whole words, longest first.
    """
    words = sorted({m for m in matches if m.strip()}, key=len, reverse=True)
    if not words:
        return html.escape(text, quote=False)
    pattern = re.compile(r"(?<!\w)(" + "|".join(re.escape(w) for w in words) + r")(?!\w)")
    out, cursor = [], 0
    for match in pattern.finditer(text):
        out.append(html.escape(text[cursor : match.start()], quote=False))
        out.append(f"<mark>{html.escape(match.group(0), quote=False)}</mark>")
        cursor = match.end()
    out.append(html.escape(text[cursor:], quote=False))
    return "".join(out)


FORMS_SHOWN = 12   # matched forms listed beside the chart before "all forms"
FORMS_LISTED = 150  # at most this many as buttons (the JSON and exports carry every form)


def form_rows(forms: Iterable[Any], lang: str = "fi") -> list[dict[str, Any]]:
    """The matched-forms facet as rows for the Haku page: form, count, how it matched (label),
    and whether one click can exclude it (a phrase has no single form to exclude)."""
    return [
        {"form": f.form, "count": f.count, "passages": f.passages, "match": f.match,
         "label": label(f"match_{f.match}", lang), "excludable": " " not in f.form}
        for f in forms
    ]


def exclude_form_query(query: str, form: str) -> str:
    """The query with `EI muoto:form` added (once): that form no longer counts as a match."""
    clause = f"EI muoto:{form}"
    if re.search(rf"(?<!\S)EI muoto:{re.escape(form)}(?!\S)", query, re.IGNORECASE):
        return query
    return f"{query.rstrip()} {clause}"


def include_form_query(query: str, form: str) -> str:
    """The query without its `EI muoto:form` clause: the form counts as a match again."""
    return re.sub(rf"\s*(?<!\S)EI muoto:{re.escape(form)}(?!\S)", "", query, flags=re.IGNORECASE).strip()


_QUOTED_OR_OPERATOR = re.compile(r'"[^"]*"|(?<![\w:])(JA|TAI|EI)(?![\w:])')
_OPERATORS_EN = {"JA": "AND", "TAI": "OR", "EI": "NOT"}


def parsed_query(parsed: str, lang: str = "fi") -> str:
    """The parsed query as shown: its JA/TAI/EI as AND/OR/NOT in English (phrases untouched;
    the query language takes both)."""
    if lang != "en":
        return parsed
    return _QUOTED_OR_OPERATOR.sub(lambda m: _OPERATORS_EN.get(m.group(1) or "", m.group(0)), parsed)


def synonym_groups(tree: Any) -> list[str]:
    """The synonym expansions in a parsed query tree, e.g. ["TE24 = TE2024 = TE-uudistus"]."""
    from textkit.query import Or, render, walk

    return [
        " = ".join(render(child, top=False) for child in node.children)
        for node in walk(tree)
        if isinstance(node, Or) and node.synonyms
    ]


def group_by_theme(hits: Iterable[Any], counts: dict[str, int] | None = None) -> list[tuple[str, list[Any]]]:
    """Hits grouped by `theme_id`; hits keep their rank order inside a group.

    Groups are ordered like the hits-per-theme chart: most hits first (`counts`, the
    facet counts of all hits), ties and missing counts by their best-ranked hit.
    """
    groups: dict[str, list[Any]] = {}
    for hit in hits:
        groups.setdefault(hit.theme_id, []).append(hit)
    counts = counts or {}
    best_rank = {theme_id: i for i, theme_id in enumerate(groups)}
    return sorted(groups.items(), key=lambda g: (-counts.get(g[0], len(g[1])), best_rank[g[0]]))


def facet_line(facets: dict[str, dict[Any, int]], lang: str = "fi") -> str:
    """Hits per section and per edition in one line, e.g. "Osioittain: 2 Toteutettu toiminta 3 · … | Vuosittain: 2024 6"."""
    def counts(field: str) -> list[tuple[int, int]]:
        return sorted((int(k), n) for k, n in facets.get(field, {}).items())

    sections = " · ".join(f"{section_name(k, lang)} {n}" for k, n in counts("section"))
    editions = " · ".join(f"{k} {n}" for k, n in counts("edition"))
    by_section, by_edition = ("By section", "By edition") if lang == "en" else ("Osioittain", "Vuosittain")
    return f"{by_section}: {sections or '–'}  |  {by_edition}: {editions or '–'}"


def hits_per_theme_rows(counts: dict[str, int], theme_names: dict[str, str]) -> list[dict[str, Any]]:
    """Rows for the hits-per-theme bar chart, largest first; themes without hits left out."""
    rows = [
        {"teema": theme_names.get(theme_id, theme_id), "theme_id": theme_id, "osumia": int(n)}
        for theme_id, n in counts.items()
        if n
    ]
    return sorted(rows, key=lambda r: (-r["osumia"], r["teema"]))


# ---------------------------------------------------------------- concordance

KWIC_SORTS = ("order", "left", "right", "form", "theme")


def kwic_row_html(line: Any) -> str:
    """One concordance line as HTML: the left context right-aligned, the form in the middle
    column, the right context left-aligned (all text escaped)."""
    esc = lambda text: html.escape(text, quote=False)   # noqa: E731
    return (
        '<div class="kwic-row" style="display:flex;gap:.5em;font-family:monospace;white-space:nowrap">'
        f'<span class="kwic-left" style="flex:0 0 42%;text-align:right;overflow:hidden;direction:rtl">'
        f'<bdi>{esc(line.left)}</bdi></span>'
        f'<span class="kwic-form" style="flex:0 0 14%;text-align:center"><mark>{esc(line.form)}</mark></span>'
        f'<span class="kwic-right" style="flex:1;overflow:hidden">{esc(line.right)}</span></div>'
    )


def kwic_place(line: Any, theme_names: dict[str, str], lang: str = "fi") -> str:
    """Where a line stands: "Teema · 2 Toteutettu toiminta · s. 4"."""
    page = f" · {label('page_abbr', lang)} {line.page}" if line.page else ""
    return f"{theme_names.get(line.theme_id, line.theme)} · {section_name(line.section, lang)}{page}"


def collocate_rows(found: Iterable[Any], lang: str = "fi") -> list[dict[str, Any]]:
    return headers(({"sana": c.lemma, "yhdessä": c.together, "vasemmalla": c.left, "oikealla": c.right,
                     "rajauksessa": c.frequency, "LL": c.ll, "MI": c.mi} for c in found), lang)


def wrap_label(text: str, width: int = 40) -> str:
    """A long label in lines of at most about `width` characters, joined by "|" (charts split
    them: a theme name is shown whole, not cut)."""
    lines: list[str] = []
    for word in text.split():
        if lines and len(lines[-1]) + 1 + len(word) <= width:
            lines[-1] += " " + word
        else:
            lines.append(word)
    return "|".join(lines)


def frequency_rows(rows: Iterable[Any], lang: str = "fi") -> list[dict[str, Any]]:
    """A frequency table (kwic.FrequencyRow) for display: counts and the rate per 1,000 words."""
    return headers(({"nimi": r.label, "osumia": r.hits, "esiintymiä": r.occurrences, "sanoja": r.words,
                     "/ 1 000 sanaa": r.per_1000} for r in rows), lang)


def heatmap_cells(freq: Any, theme_names: dict[str, str], lang: str = "fi") -> list[dict[str, Any]]:
    """Theme × section cells of hits for the heatmap, every theme and section of the scope
    (0 where none), theme names whole (wrapped)."""
    hits = {(theme_id, section): n for theme_id, section, n in freq.cells}
    return [
        {"teema": wrap_label(theme_names.get(r.key, r.label)), "teema_koko": theme_names.get(r.key, r.label),
         "osio": section_name(int(s.key), lang), "osumia": hits.get((r.key, int(s.key)), 0)}
        for r in freq.by_theme for s in freq.by_section
    ]


# ---------------------------------------------------------------- uploads

_SAFE_NAME_CHARS = re.compile(r"[^a-z0-9._-]+")


def check_upload(filename: str, data: bytes) -> str:
    """Check an uploaded edition file's type and size; return its type ("pdf", "docx", "txt").

    The extension must match the content (PDF magic, DOCX zip container within the
    inflation limits of textkit.limits, text in an encoding the parser reads), so a
    renamed file is caught here with a clear message instead of failing deep in the parser.
    """
    suffix = PurePath(filename).suffix.lower().lstrip(".")
    if suffix not in UPLOAD_TYPES:
        raise TextkitError(
            f"Tiedosto {filename!r} ei kelpaa: vain PDF-, DOCX- ja TXT-tiedostot voi lisätä "
            f"(tiedostopääte oli {suffix or '–'})."
        )
    if not data:
        raise TextkitError(f"Tiedosto {filename!r} on tyhjä.")
    if len(data) > MAX_UPLOAD_BYTES:
        raise TextkitError(
            f"Tiedosto {filename!r} on liian suuri ({len(data) / 1024 / 1024:.1f} Mt); "
            f"enimmäiskoko on {MAX_UPLOAD_BYTES // 1024 // 1024} Mt."
        )
    if suffix == "pdf" and not data.startswith(b"%PDF-"):
        raise TextkitError(f"Tiedosto {filename!r} ei ole PDF-tiedosto, vaikka sen pääte on .pdf.")
    if suffix == "docx" and not data.startswith(b"PK\x03\x04"):
        raise TextkitError(f"Tiedosto {filename!r} ei ole Word (DOCX) -tiedosto, vaikka sen pääte on .docx.")
    if suffix == "docx":
        check_zip(data, filename)  # a decompression bomb is refused before anything inflates it
    if suffix == "txt":
        decode_text(data, filename)  # the encodings `textkit parse` reads, with its messages
    return suffix


@dataclass(frozen=True)
class ParseSummary:
    year: int
    themes: int
    passages: int
    rows: tuple[dict[str, Any], ...]   # one per theme: number, name, sections found, passages
    warnings: tuple[str, ...]
    pages: int | None = None           # None: the file does not tell its pages
    removed: tuple[str, ...] = ()      # lines removed as running header/footer (each once)
    removed_count: int = 0


def parse_summary(edition: Edition) -> ParseSummary:
    """What the parser found in an edition: per theme the sections and passage counts, and warnings.

    Missing narrative sections (2–5) are added to the warnings so the user sees
    them before accepting the file.
    """
    rows = []
    warnings = list(edition.warnings)
    for theme in sorted(edition.themes, key=lambda t: t.number):
        found = sorted(s.number for s in theme.sections)
        rows.append(
            {
                "nro": theme.number,
                "teema": theme.name,
                "osiot": ", ".join(str(n) for n in found),
                "kappaleita": sum(len(s.passages) for s in theme.sections),
            }
        )
        missing = [n for n in DEFAULT_SECTIONS if n not in found]
        if missing:
            warnings.append(
                f"Teemasta {theme.number} ({theme.name}) puuttuu osio "
                + ", ".join(str(n) for n in missing)
                + "."
            )
    if not edition.themes:
        warnings.append("Tiedostosta ei löytynyt yhtään teemaa.")
    return ParseSummary(
        year=edition.year,
        themes=len(edition.themes),
        passages=len(edition.passages()),
        rows=tuple(rows),
        warnings=tuple(dict.fromkeys(warnings)),
        pages=edition.pages,
        removed=edition.removed,
        removed_count=edition.removed_count,
    )


# ---------------------------------------------------------------- funded projects (section 7)

PROJECT_COLUMNS = (
    ("teema", "Teema", 40), ("koodi", "Koodi", 10), ("hanke", "Hanke", 60),
    ("paatoteuttaja", "Päätoteuttaja", 36), ("toteuttajat", "Toteuttajat", 60),
    ("aika", "Toteutusaika", 24), ("kappale", "Kappale", 16),
)
ORGANISATION_COLUMNS = (
    ("organisaatio", "Organisaatio", 44), ("hankkeita", "Hankkeita", 10),
    ("paatoteuttajana", "Päätoteuttajana", 14), ("teemoja", "Teemoja", 10), ("teemat", "Teemat", 80),
)


def project_rows(edition: Edition) -> list[dict[str, Any]]:
    """One row per funded project of section 7: theme, code, name, lead, implementers, period."""
    rows = []
    for theme in edition.themes:
        for project in theme.projects:
            lead = [i.name for i in project.implementers if i.lead]
            rows.append({
                "teema": theme.name,
                "koodi": project.code,
                "hanke": project.name,
                "paatoteuttaja": ", ".join(lead),
                "toteuttajat": ", ".join(f"{i.name} ({i.code})" if i.code else i.name for i in project.implementers),
                "aika": project.period,
                "kappale": project.passage_id,
            })
    return rows


def organisation_rows(edition: Edition) -> list[dict[str, Any]]:
    """Each implementing organisation: how many projects, how many as lead, in which themes
    (most projects first; organisations shared across themes are the ones to look at)."""
    found: dict[str, dict[str, Any]] = {}
    for theme in edition.themes:
        for project in theme.projects:
            for implementer in project.implementers:
                key = implementer.name.casefold()
                row = found.setdefault(key, {"organisaatio": implementer.name, "hankkeita": 0,
                                             "paatoteuttajana": 0, "_themes": []})
                row["hankkeita"] += 1
                row["paatoteuttajana"] += int(implementer.lead)
                if theme.name not in row["_themes"]:
                    row["_themes"].append(theme.name)
    rows = []
    for row in found.values():
        themes = row.pop("_themes")
        rows.append({**row, "teemoja": len(themes), "teemat": "; ".join(themes)})
    return sorted(rows, key=lambda r: (-r["teemoja"], -r["hankkeita"], r["organisaatio"].casefold()))


def projects_table(edition: Edition, fmt: str, lang: str = "fi") -> bytes:
    """The funded projects of an edition as XLSX or CSV (cells cannot become formulas), headers
    in `lang`."""
    from textkit.export import render_table

    columns = [(key, header if lang != "en" else column(key, "en").capitalize(), width)
               for key, header, width in PROJECT_COLUMNS]
    return render_table(columns, project_rows(edition), fmt,
                        title=f"{label('projects_sheet', lang)} {edition.year}", sheet=label("projects_sheet", lang))


# ---------------------------------------------------------------- basket table

BASKET_EDITABLE = ("kokoelma", "muistiinpano", "koodit", "poista")


def basket_rows(excerpts: Iterable[Any], topics: Sequence[str] | None = None) -> list[dict[str, Any]]:
    """One editable table row per excerpt; codes as comma-separated text, "poista" unticked.
    `topics` (one per excerpt, as `textkit.export.excerpt_topic_names` gives them: the user's
    topic name, else its label, "" outside the model) fill the read-only "aihe" column."""
    excerpts = list(excerpts)
    names = list(topics) if topics is not None else [""] * len(excerpts)
    if len(names) != len(excerpts):
        raise ValueError("one topic name per excerpt")
    return [
        {
            # The excerpt's start first (its whole text is the last column), then the editable
            # columns, so both are visible without scrolling sideways.
            "id": e.id,
            "esikatselu": preview(e.text),
            "kokoelma": e.collection,
            "muistiinpano": e.note,
            "koodit": ", ".join(e.codes),
            "poista": False,
            "teema": e.theme,
            "aihe": topic,
            "osio": e.section,
            "sivu": e.page or None,  # 0 = page unknown (a DOCX without saved pages)
            "vuosi": e.edition,
            "teksti": e.text,
        }
        for e, topic in zip(excerpts, names)
    ]


PREVIEW_CHARS = 140


def preview(text: str, limit: int = PREVIEW_CHARS) -> str:
    """The start of a text on one line, cut at a word, with "…" when cut."""
    flat = " ".join(text.split())
    if len(flat) <= limit:
        return flat
    cut = flat[:limit].rsplit(" ", 1)[0]
    return cut + " …"


def code_counts(excerpts: Iterable[Any]) -> list[tuple[str, int]]:
    """Every code of the excerpts with the number of excerpts that carry it, most used first."""
    counts: dict[str, int] = {}
    for e in excerpts:
        for code in dict.fromkeys(e.codes):
            counts[code] = counts.get(code, 0) + 1
    return sorted(counts.items(), key=lambda kv: (-kv[1], kv[0].lower()))


CODE_TABLE_UNCODED = "(ei koodia)"


def code_theme_rows(excerpts: Sequence[Any], lang: str = "fi") -> tuple[list[tuple[str, str, int]], list[dict[str, Any]]]:
    """The code × theme table: one row per code (most used first, uncoded excerpts last), one
    column per theme (in the order the themes first appear), counts of excerpts, and a total.
    Returns (columns as (key, header in `lang`, width) for the export, rows)."""
    themes = list(dict.fromkeys(e.theme for e in excerpts))
    codes = [c for c, _ in code_counts(excerpts)]
    uncoded = [e for e in excerpts if not e.codes]
    columns = ([("koodi", column("koodi", lang).capitalize(), 24)] + [(f"t{i}", theme, 18) for i, theme in enumerate(themes)]
               + [("yht", column("yht", lang), 10)])
    rows = []
    for code in codes + ([CODE_TABLE_UNCODED] if uncoded else []):
        chosen = uncoded if code == CODE_TABLE_UNCODED else [e for e in excerpts if code in e.codes]
        row: dict[str, Any] = {"koodi": label("uncoded", lang) if code == CODE_TABLE_UNCODED else code}
        for i, theme in enumerate(themes):
            row[f"t{i}"] = sum(1 for e in chosen if e.theme == theme)
        row["yht"] = len(chosen)
        rows.append(row)
    return columns, rows


@dataclass(frozen=True)
class BasketChange:
    excerpt_id: int
    remove: bool = False
    collection: str | None = None     # None = unchanged
    note: str | None = None
    codes: tuple[str, ...] | None = None


def basket_changes(before: Sequence[dict[str, Any]], after: Sequence[dict[str, Any]]) -> list[BasketChange]:
    """What the user changed in the basket table: per excerpt the edited fields, or removal."""
    old = {int(row["id"]): row for row in before}
    changes = []
    for row in after:
        excerpt_id = int(row["id"])
        was = old.get(excerpt_id)
        if was is None:
            continue
        if bool(row.get("poista")):
            changes.append(BasketChange(excerpt_id, remove=True))
            continue
        collection = _text(row.get("kokoelma"))
        note = _text(row.get("muistiinpano"))
        codes = split_codes(row.get("koodit"))
        change = BasketChange(
            excerpt_id,
            collection=collection if collection and collection != was["kokoelma"] else None,
            note=note if note != _text(was["muistiinpano"]) else None,
            codes=codes if codes != split_codes(was["koodit"]) else None,
        )
        if (change.collection, change.note, change.codes) != (None, None, None):
            changes.append(change)
    return changes


def pending_edits(saved: Sequence[dict[str, Any]], shown: Sequence[dict[str, Any]]) -> dict[int, dict[str, Any]]:
    """The unsaved edits of the basket table: excerpt id -> the editable cells that differ from
    the saved row. Kept in the session, so they survive leaving the page before saving."""
    old = {int(row["id"]): row for row in saved}
    pending: dict[int, dict[str, Any]] = {}
    for row in shown:
        was = old.get(int(row["id"]))
        if was is None:
            continue
        cells = {
            col: row.get(col)
            for col in BASKET_EDITABLE
            if _cell(col, row.get(col)) != _cell(col, was.get(col))
        }
        if cells:
            pending[int(row["id"])] = cells
    return pending


def with_pending(rows: Sequence[dict[str, Any]], pending: dict[int, dict[str, Any]]) -> list[dict[str, Any]]:
    """The basket rows with the unsaved edits applied (rows of excerpts gone meanwhile ignore theirs)."""
    return [{**row, **pending.get(int(row["id"]), {})} for row in rows]


def _cell(column: str, value: Any) -> Any:
    if column == "poista":
        return bool(value) if value == value else False   # NaN from an emptied cell
    if column == "koodit":
        return split_codes(value)
    return _text(value)


def split_codes(text: Any) -> tuple[str, ...]:
    """"arviointi, TE24 ;viestintä" -> ("arviointi", "TE24", "viestintä")."""
    return tuple(c for c in (part.strip() for part in re.split(r"[,;]", _text(text))) if c)


def _text(value: Any) -> str:
    # The table hands back None or NaN for emptied cells.
    if value is None or (isinstance(value, float) and value != value):
        return ""
    return str(value).strip()


def export_file_name(collection: str | None, fmt: str) -> str:
    """e.g. "otteet-te24-arviointi.xlsx"; "otteet.csv" for the whole basket."""
    stem = "otteet"
    if collection:
        slug = _SAFE_NAME_CHARS.sub("-", _ascii(collection).lower()).strip("-.")
        stem = f"{stem}-{slug}" if slug else stem
    return f"{stem}.{fmt}"


def _ascii(text: str) -> str:
    import unicodedata

    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")


# ---------------------------------------------------------------- topics


def topic_name(topic: Any) -> str:
    """How a topic is shown: 1-based number and its label, e.g. "3. hankehaku, haku, rahoitus"."""
    return topic_label(topic.id, getattr(topic, "name", "") or topic.label)


def topic_label(topic_id: int, label: str) -> str:
    """`topic_name` for records that carry a topic's id and label (shares, changes)."""
    return f"{topic_id + 1}. {label}"


def topic_rows(topics: Iterable[Any], lang: str = "fi") -> list[dict[str, Any]]:
    """The topic overview table: label, strongest terms, how many themes it reaches."""
    return headers((
        {
            "aihe": topic_name(topic),
            "sanat": ", ".join(term for term, _ in topic.terms[:8]),
            "teemoja": topic.themes_present,
            "levinneisyys": topic.spread,
            "toistuva": bool(topic.recurring),
        }
        for topic in topics
    ), lang)


def topic_share_rows(
    topics: Iterable[Any], table: str, *, names: dict[str, str] | None = None, keys: Sequence[str] | None = None
) -> list[dict[str, Any]]:
    """Long-form rows (aihe, ryhmä, osuus) of one prevalence table of the topics.

    table: "by_theme", "by_section", "by_edition" or "by_year"; `names` turns group
    keys into display names; `keys` keeps only those groups (e.g. sections 2 and 4).
    """
    rows = []
    for topic in topics:
        for key, share in getattr(topic, table).items():
            if keys is not None and key not in keys:
                continue
            rows.append(
                {
                    "aihe": topic_name(topic),
                    "aihe_id": topic.id,
                    "ryhmä": (names or {}).get(key, key),
                    "avain": key,
                    "osuus": float(share),
                }
            )
    return rows


def topic_passages(result: Any, topic_id: int) -> list[Any]:
    """All passages whose dominant topic is `topic_id`, strongest first (assignments of the model)."""
    chosen = [a for a in result.assignments if a.topic == topic_id]
    return sorted(chosen, key=lambda a: (-a.weight, a.passage_id))


def passages_by_id(editions: Iterable[Edition]) -> dict[str, Any]:
    return {p.id: p for e in editions for p in e.passages()}


# ---------------------------------------------------------------- themes and diffs


def funding_rows(header: Any, lang: str = "fi") -> list[dict[str, Any]]:
    """A theme header's funding figures a–d as table rows (as printed, and in euros), the names of
    the figures in `lang`."""
    def name(f: Any) -> str:
        fi, en = FUNDING_NAMES.get(f.key, (f.label, f.label))
        return en if lang == "en" else (f.label or fi)

    return headers(({"": f"{f.key})", "rahoitus": name(f), "raportissa": f.text, "euroa": format_euros(f.euros, lang)}
                    for f in header.funding), lang)


def key_term_rows(terms: Iterable[Any], lang: str = "fi") -> list[dict[str, Any]]:
    """Distinctive terms: lemma, G² keyness, count in the theme and per 1000 words."""
    return headers((
        {"sana": k.term, "G²": round(k.score, 1), "määrä": k.count, "/1000": round(k.per_1000, 2),
         "muualla /1000": round(k.per_1000_rest, 2)}
        for k in terms
    ), lang)


def shared_term_rows(terms: Iterable[Any]) -> list[dict[str, Any]]:
    """Shared terms in long form for the grouped chart: sana, A/B (the theme), määrä."""
    return [{"sana": s.term, "teema": side, "määrä": n}
            for s in terms for side, n in (("A", s.count_a), ("B", s.count_b))]


def topic_mix_rows(mix: Iterable[Any], names: Sequence[str]) -> list[dict[str, Any]]:
    """Long-form rows (aihe, teema, osuus) of a side-by-side topic mix."""
    return [
        {"aihe": topic_label(share.topic, share.label), "teema": name, "osuus": float(value)}
        for share in mix
        for name, value in zip(names, share.shares)
    ]


NEAR_DUPLICATE_FLOOR = 0.4     # a pair is a near-duplicate only above this similarity …
NEAR_DUPLICATE_MARGIN = 0.1    # … and this far above the 95th percentile of all pairs


def near_duplicate_pairs(matrix: Any) -> list[tuple[str, str, float]]:
    """Pairs of themes (ids, similarity) far more alike than the rest, e.g. themes that print the
    same paragraphs: above NEAR_DUPLICATE_FLOOR and the 95th percentile + NEAR_DUPLICATE_MARGIN."""
    ids = [h.theme_id for h in matrix.themes]
    pairs = [(ids[i], ids[j], float(matrix.matrix[i][j])) for i in range(len(ids)) for j in range(i + 1, len(ids))]
    if len(pairs) < 2:
        return []
    values = sorted(v for _, _, v in pairs)
    p95 = values[min(len(values) - 1, int(0.95 * (len(values) - 1)))]
    threshold = max(NEAR_DUPLICATE_FLOOR, p95 + NEAR_DUPLICATE_MARGIN)
    return sorted((p for p in pairs if p[2] > threshold), key=lambda p: -p[2])


def similarity_rows(matrix: Any) -> list[dict[str, Any]]:
    """Long-form rows of the theme × theme similarity matrix, themes as "number. name".

    The diagonal (a theme with itself, always 1) is left out: it would stretch the
    colour scale so that the real differences between themes all look pale. `lähes_sama`
    marks the near-duplicate pairs (`near_duplicate_pairs`), which the chart leaves out of
    its colour domain for the same reason.
    """
    labels = [theme_label(h) for h in matrix.themes]
    ids = [h.theme_id for h in matrix.themes]
    dup = {frozenset((a, b)) for a, b, _ in near_duplicate_pairs(matrix)}
    return [
        {"teema_a": labels[i], "teema_b": labels[j], "samankaltaisuus": float(value),
         "lähes_sama": frozenset((ids[i], ids[j])) in dup}
        for i, row in enumerate(matrix.matrix)
        for j, value in enumerate(row)
        if i != j
    ]


def term_change_rows(changes: Iterable[Any], from_year: int, to_year: int, lang: str = "fi") -> list[dict[str, Any]]:
    return headers((
        {"sana": c.term, str(from_year): c.count_from, str(to_year): c.count_to, "G²": round(c.score, 1)}
        for c in changes
    ), lang)


def topic_change_rows(changes: Iterable[Any], from_year: int, to_year: int, lang: str = "fi") -> list[dict[str, Any]]:
    return headers((
        {"aihe": topic_label(c.topic, c.label), str(from_year): format_percent(c.share_from, lang),
         str(to_year): format_percent(c.share_to, lang), "muutos": percentage_points(c.change, lang)}
        for c in changes
    ), lang)


def percentage_points(change: float, lang: str = "fi") -> str:
    """0.021 -> "+2,1 %-yks." (Finnish) / "+2.1 pp" (English)."""
    if lang == "en":
        return f"{change * 100:+.1f} pp"
    return f"{change * 100:+.1f}".replace(".", ",") + " %-yks."


# ---------------------------------------------------------------- editions (Aineisto)


def edition_rows(editions: Iterable[Edition], lang: str = "fi", state: "IndexState | None" = None) -> list[dict[str, Any]]:
    """The table of editions in use, headers in the user's language. With the `state` of a
    pending rebuild, a column says which editions the search index in use already holds."""
    rows = []
    for e in editions:
        row = {
            label("year", lang): e.year,
            label("col_title", lang): e.title,
            label("col_reporting_date", lang): e.reporting_date,
            label("col_file", lang): e.source,
            label("themes_count", lang): len(e.themes),
            label("passages_count", lang): len(e.passages()),
        }
        if state is not None and state.pending:
            row[label("col_indexed", lang)] = label("indexed_yes" if e.year in state.indexed else "indexed_pending", lang)
        rows.append(row)
    return rows


@dataclass(frozen=True)
class IndexState:
    """How the search index in use relates to the corpus right after a change in Aineisto."""
    pending: bool                 # the corpus changed; the index in use is the previous one
    building: bool                # a rebuild is running (in this or another session)
    indexed: tuple[int, ...]      # editions the index in use holds
    in_corpus: tuple[int, ...]    # editions of the corpus now


def index_state(status: str, running: bool, record: dict[str, Any], corpus_years: Iterable[int]) -> IndexState:
    """`status` as textkit.build.build_status gives it, `running` whether a build holds the lock,
    `record` the build record of the index in use."""
    indexed = tuple(sorted(int(y) for y in record.get("editions", ()) or ()))
    return IndexState(pending=status != "current", building=running, indexed=indexed,
                      in_corpus=tuple(sorted(int(y) for y in corpus_years)))


def index_state_note(state: IndexState, lang: str = "fi") -> str:
    """What a user sees while the index is rebuilt: which editions searches still use, and which
    the new index will have. The page updates itself when the new index is in place."""
    years = lambda ys: ", ".join(map(str, ys)) or "–"   # noqa: E731
    return label("index_pending", lang, indexed=years(state.indexed), corpus=years(state.in_corpus))


def parse_summary_rows(summary: ParseSummary, lang: str = "fi") -> list[dict[str, Any]]:
    """The per-theme rows of a parse summary, headers in the user's language."""
    headers = {"nro": label("col_number", lang), "teema": label("theme", lang),
               "osiot": label("col_sections", lang), "kappaleita": label("passages_count", lang)}
    return [{headers.get(k, k): v for k, v in row.items()} for row in summary.rows]


# ---------------------------------------------------------------- messages in English


def translate_error(message: str, lang: str = "fi") -> str:
    """A TextkitError message or parse warning in the user's language (textkit.messages holds the
    English form of every message textkit raises; Finnish mode shows the message as it is)."""
    from textkit.messages import to_english

    return to_english(message, lang)


# ---------------------------------------------------------------- all-themes change view (Vuosivertailu)

CHANGE_KINDS = ("new_terms", "gone_terms", "rising", "falling")   # label keys, in table order


def all_themes_rows(diff: Any, theme_names: dict[str, str], lang: str = "fi") -> list[dict[str, Any]]:
    """One row per matched theme of an `EditionDiff`: counts of new, gone, rising and falling terms
    and of rising and falling topics; most changed first. `theme_id` is kept for opening the theme."""
    rows = []
    for s in diff.themes:
        counts = (s.new_terms, s.gone_terms, s.rising_terms, s.falling_terms)
        rows.append({
            "theme_id": s.theme_id,
            label("theme", lang): theme_names.get(s.theme_id, s.name),
            **{label(k, lang): n for k, n in zip(CHANGE_KINDS, counts)},
            label("col_topics_up", lang): len(s.rising),
            label("col_topics_down", lang): len(s.falling),
        })
    kinds = [label(k, lang) for k in CHANGE_KINDS]
    return sorted(rows, key=lambda r: (-sum(r[k] for k in kinds), r[label("theme", lang)]))


def all_themes_chart_rows(rows: Sequence[dict[str, Any]], lang: str = "fi") -> list[dict[str, Any]]:
    """Long-form rows (teema, muutos, sanoja) of `all_themes_rows` for a grouped bar chart."""
    theme = label("theme", lang)
    return [{"teema": r[theme], "muutos": label(k, lang), "sanoja": r[label(k, lang)]}
            for r in rows for k in CHANGE_KINDS]


# ---------------------------------------------------------------- editions in Haku

_SPACES = re.compile(r"\s+")


def collapse_editions(hits: Iterable[Any]) -> list[tuple[Any, tuple[int, ...]]]:
    """Hits whose passage is the same text in the same theme and section of several editions,
    as one card: (the best-ranked hit, the editions it appears in, oldest first). Rank order kept."""
    cards: dict[tuple[str, int, str], list[Any]] = {}
    for hit in hits:
        key = (hit.theme_id, int(hit.section), _SPACES.sub(" ", hit.text).strip())
        cards.setdefault(key, []).append(hit)
    return [(group[0], tuple(sorted({int(h.edition) for h in group}))) for group in cards.values()]


def hits_per_theme_edition_rows(counts_by_edition: dict[int, dict[str, int]],
                                theme_names: dict[str, str]) -> list[dict[str, Any]]:
    """Rows (teema, vuosi, osumia) for the hits-per-theme chart split by edition."""
    return [
        {"teema": theme_names.get(theme_id, theme_id), "vuosi": str(year), "osumia": int(n)}
        for year, counts in sorted(counts_by_edition.items())
        for theme_id, n in counts.items()
        if n
    ]


# Example queries on the first page: a code, a word inside compounds, a phrase over inflected words.
EXAMPLE_QUERIES = ("TE24", "tekoäly", '"jatkuva oppiminen"')


def editions_line(editions: Iterable[Edition], lang: str = "fi") -> str:
    """e.g. "Aineistossa: vuosikatsaus 2024 (12 teemaa, 444 kappaletta)", newest first."""
    parts = [label("edition_summary", lang, year=e.year, themes=len(e.themes), passages=len(e.passages()))
             for e in sorted(editions, key=lambda e: -e.year)]
    return label("editions_loaded", lang, editions="; ".join(parts) or "–")

# Longest theme label in a bar chart, in pixels (longer ones end in "…", the tooltip has them
# whole): 170 leaves the bars room on a 390 px phone screen.
CHART_LABEL_LIMIT = 170


def theme_term_query(term: str, theme_id: str) -> str:
    """The Haku query for a term within one theme (a distinctive term's link)."""
    return f"{term} teema:{theme_id}"
