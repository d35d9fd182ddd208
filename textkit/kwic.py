"""Reading a query's hits as a concordancer does: KWIC lines, collocates and relative frequencies.

- `concordance(query, …)`: every match of the search as one key-word-in-context line (left
  context, the matched form, right context, theme, section, page), built on the search's own
  match spans, so a phrase is one line and the forms are exactly the ones the search matched.
- `sort_lines(lines, by)`: by the words left of the match (1L, 2L, 3L), right of it (1R, 2R,
  3R), by form, by theme or in document order, with Finnish alphabetical order (… z å ä ö).
- `collocates(concordance, passages)`: lemmas most associated with the matches within ±5 words,
  by log-likelihood (G²) and by mutual information, as AntConc shows them.
- `frequencies(concordance, passages)`: hits and occurrences per theme, section and edition,
  as counts and per 1,000 words of the scope, and the theme × section table.

Words are counted with one rule (`WORD`: runs of letters and digits, joined by - : ' as in
"TE24:ssä" or "TE-palvelut"), the same for the rates' denominators and the collocates' windows.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Sequence

from textkit.errors import TextkitError

CONTEXT_CHARS = 60        # characters of context on each side of a match
WINDOW = 5                # collocation window: words on each side
MIN_TOGETHER = 2          # a collocate must occur at least this often in the windows
N_COLLOCATES = 30
SORT_KEYS = ("order", "left", "right", "form", "theme")
SORT_WORDS = 3            # words compared on the sorted side (AntConc's 1R 2R 3R)

WORD = re.compile(r"[^\W_]+(?:[-:'’][^\W_]+)*")
_SPACE_RUN = re.compile(r"\s+")
# Finnish alphabetical order puts å ä ö after z (Python's code points would put å after ä).
_FINNISH_ORDER = str.maketrans({"å": "{", "ä": "|", "ö": "}", "w": "v"})


# ---------------------------------------------------------------- records


@dataclass(frozen=True)
class KwicLine:
    """One match in its context."""

    passage_id: str
    edition: int
    theme_id: str
    theme: str
    section: int
    section_title: str
    page: int
    left: str               # context before the match (whitespace runs as one space)
    form: str               # the matched text as it stands ("kuntien", "jatkuvan oppimisen")
    right: str              # context after the match
    start: int              # character offsets of the match in the passage
    end: int
    match: str = ""         # how it matched: "whole", "part", "synonym", "prefix", "phrase" (Hit.match_kinds)


@dataclass(frozen=True)
class FormCount:
    form: str               # lowercased matched form
    count: int
    match: str = ""         # how it matched (as KwicLine.match)


@dataclass(frozen=True)
class Concordance:
    query: str
    parsed: str
    lines: tuple[KwicLine, ...]                 # document order
    forms: tuple[FormCount, ...]                # every matched form, most frequent first
    passages: int                               # passages with a match (the search's hits)
    hidden_by_scope: dict[int, int] = field(default_factory=dict)
    sections: tuple[int, ...] | None = None     # the scope as asked
    theme: str | None = None
    edition: int | None = None
    # Passage texts by id, for sentences and collocates; not part of the JSON.
    texts: dict[str, str] = field(default_factory=dict, repr=False, compare=False, metadata={"private": True})


@dataclass(frozen=True)
class Collocate:
    lemma: str
    together: int           # occurrences within ±WINDOW words of a match
    left: int               # … of them before the match
    right: int              # … after it
    frequency: int          # occurrences in the whole scope
    ll: float               # log-likelihood G² (Dunning), association strength with significance
    mi: float               # mutual information, log2(observed / expected)


@dataclass(frozen=True)
class FrequencyRow:
    key: str                # theme id, section number or edition year (as text)
    label: str
    hits: int               # passages with a match
    occurrences: int        # matches
    words: int              # words of the scope in this theme / section / edition
    per_1000: float         # occurrences per 1,000 words


@dataclass(frozen=True)
class Frequencies:
    words: int
    occurrences: int
    per_1000: float
    by_theme: tuple[FrequencyRow, ...]
    by_section: tuple[FrequencyRow, ...]
    by_edition: tuple[FrequencyRow, ...]
    cells: tuple[tuple[str, int, int], ...]     # (theme id, section, hits) for the heatmap


# ---------------------------------------------------------------- public functions


def concordance(query: str, *, sections: Iterable[int] | None = None, theme: str | None = None,
                edition: int | None = None, width: int = CONTEXT_CHARS, models_dir: Path | None = None,
                progress=None) -> Concordance:
    """All matches of a search (every hit, not a top N) as KWIC lines in document order."""
    from textkit.index import DEFAULT_SECTIONS, search

    sections = DEFAULT_SECTIONS if sections is None else tuple(sections)
    result = search(query, sections=sections, theme=theme, edition=edition, limit=0,
                    models_dir=models_dir, progress=progress)
    return concordance_of(result, width=width, sections=sections, theme=theme, edition=edition)


def concordance_of(result: Any, *, width: int = CONTEXT_CHARS, sections: Iterable[int] | None = None,
                   theme: str | None = None, edition: int | None = None) -> Concordance:
    """The KWIC lines of a search result's hits (`textkit.index.SearchResult`)."""
    if width < 10:
        raise TextkitError(f"Kontekstin leveys {width} on liian pieni: anna vähintään 10 merkkiä.")
    lines = [line for hit in result.hits for line in lines_of_hit(hit, width)]
    lines = sort_lines(lines, "order")
    return Concordance(
        query=result.query, parsed=result.parsed, lines=tuple(lines), forms=form_counts(lines),
        passages=len(result.hits), hidden_by_scope=dict(getattr(result, "hidden_by_scope", {}) or {}),
        sections=tuple(sorted(sections)) if sections is not None else None, theme=theme, edition=edition,
        texts={hit.passage_id: hit.text for hit in result.hits},
    )


def lines_of_hit(hit: Any, width: int = CONTEXT_CHARS) -> list[KwicLine]:
    """One line per match span of a search hit."""
    spans = getattr(hit, "spans", ()) or _spans_from_matches(hit.text, hit.matches)
    kinds = tuple(getattr(hit, "match_kinds", ()) or ())
    kinds = kinds if len(kinds) == len(spans) else ("",) * len(spans)
    return [
        KwicLine(
            passage_id=hit.passage_id, edition=int(hit.edition), theme_id=hit.theme_id, theme=hit.theme,
            section=int(hit.section), section_title=hit.section_title, page=int(hit.page or 0),
            left=left_context(hit.text, start, width), form=_one_line(hit.text[start:end]),
            right=right_context(hit.text, end, width), start=start, end=end, match=kind,
        )
        for (start, end), kind in zip(spans, kinds)
    ]


def left_context(text: str, start: int, width: int = CONTEXT_CHARS) -> str:
    """Up to `width` characters before `start`, on one line, beginning at a word boundary."""
    piece = _one_line(text[max(0, start - width - 30):start])
    if len(piece) <= width:
        return piece if start - width - 30 <= 0 else _after_first_space(piece)
    return _after_first_space(piece[-width:])


def right_context(text: str, end: int, width: int = CONTEXT_CHARS) -> str:
    """Up to `width` characters after `end`, on one line, ending at a word boundary."""
    piece = _one_line(text[end:end + width + 30])
    if len(piece) <= width:
        return piece if end + width + 30 >= len(text) else _before_last_space(piece)
    return _before_last_space(piece[:width])


def sort_lines(lines: Iterable[KwicLine], by: str = "order", *, descending: bool = False) -> list[KwicLine]:
    """Lines sorted as a concordancer sorts them; ties in document order.

    by: "left" (the word just before the match, then the one before it, …), "right" (the words
    just after), "form" (the matched form, then the right context), "theme" (theme name) or
    "order" (edition, theme, section, passage, position)."""
    if by not in SORT_KEYS:
        raise TextkitError(f"Lajittelu {by!r} ei käy: valitse {', '.join(SORT_KEYS)}.")
    lines = list(lines)
    order = {id(line): i for i, line in enumerate(sorted(lines, key=_document_order))}

    def key(line: KwicLine) -> tuple:
        if by == "left":
            words = [collation_key(w) for w in reversed(WORD.findall(line.left))][:SORT_WORDS]
        elif by == "right":
            words = [collation_key(w) for w in WORD.findall(line.right)][:SORT_WORDS]
        elif by == "form":
            words = [collation_key(line.form)] + [collation_key(w) for w in WORD.findall(line.right)][:SORT_WORDS]
        elif by == "theme":
            words = [collation_key(line.theme)]
        else:
            words = []
        return (words, order[id(line)])

    ordered = sorted(lines, key=key, reverse=descending)
    return ordered


def collation_key(text: str) -> str:
    """Finnish alphabetical sort key: case-insensitive, å ä ö after z, w as v."""
    return text.lower().translate(_FINNISH_ORDER)


def form_counts(lines: Iterable[KwicLine]) -> tuple[FormCount, ...]:
    """Every matched form (lowercased) with its number of lines and how it matched, most
    frequent first."""
    counts = Counter((line.form.lower(), line.match) for line in lines)
    return tuple(FormCount(f, n, kind) for (f, kind), n in
                 sorted(counts.items(), key=lambda kv: (-kv[1], collation_key(kv[0][0]), kv[0][1])))


def filter_forms(lines: Iterable[KwicLine], forms: Iterable[str]) -> list[KwicLine]:
    """Only the lines whose matched form is one of `forms` (compared lowercased)."""
    wanted = {f.lower() for f in forms}
    return [line for line in lines if line.form.lower() in wanted]


def sentence_at(text: str, offset: int) -> tuple[int, str]:
    """The sentence of `text` that holds character `offset`: (1-based number, sentence text),
    as `textkit.excerpts.select_sentences` numbers them (a KWIC line adds that sentence)."""
    from textkit.excerpts import select_sentences
    from textkit.analysis import get_analyzer

    spans = get_analyzer().sentences(text)
    for i, (start, end) in enumerate(spans, start=1):
        if offset < end:
            return i, select_sentences(text, i)
    if not spans:
        raise TextkitError("Kappaleessa ei ole virkkeitä.")
    return len(spans), select_sentences(text, len(spans))


def scope_passages(editions: Sequence[Any], conc: Concordance) -> list[Any]:
    """The passages the concordance's search ran over: its sections (or the query's own osio:),
    its theme and edition (or the query's teema: / vuosi:, as far as its hits show them)."""
    from textkit.query import parse_query

    parsed = parse_query(conc.query)
    sections = _query_sections(parsed) or conc.sections
    themes = {conc.theme} if conc.theme else None
    if parsed.filters("theme"):
        themes = {line.theme_id for line in conc.lines} or themes
    years = {int(conc.edition)} if conc.edition else None
    if parsed.filters("edition"):
        years = {int(v) for f in parsed.filters("edition") for v in f.values}
    theme_ids = _resolve_themes(editions, themes) if themes else None
    return [
        p for e in editions if years is None or e.year in years
        for p in e.passages(tuple(sections) if sections else None)
        if theme_ids is None or p.theme_id in theme_ids
    ]


def word_count(text: str) -> int:
    """Words of a text by the one rule of this module (`WORD`)."""
    return sum(1 for _ in WORD.finditer(text))


def frequencies(conc: Concordance, passages: Sequence[Any], theme_names: dict[str, str] | None = None,
                lang: str = "fi") -> Frequencies:
    """Hits and occurrences per theme, section and edition, as counts and per 1,000 words of the
    scope (`passages`: the scope's passages, e.g. from `scope_passages`). Themes and sections of
    the scope without a match are listed with 0, so the rates compare."""
    from textkit.ui import section_name

    words = {p.id: word_count(p.text) for p in passages}
    place = {p.id: (p.theme_id, p.section, p.edition) for p in passages}
    for line in conc.lines:   # a hit outside `passages` still counts (and its words)
        if line.passage_id not in place:
            text = conc.texts.get(line.passage_id, "")
            words[line.passage_id] = word_count(text)
            place[line.passage_id] = (line.theme_id, line.section, line.edition)
    names = dict(theme_names or {})
    names.update({line.theme_id: line.theme for line in conc.lines if line.theme_id not in names})
    hits_in = {line.passage_id for line in conc.lines}
    occurrences = Counter(line.passage_id for line in conc.lines)

    def rows(axis: int, label) -> tuple[FrequencyRow, ...]:
        keys: dict[Any, dict[str, int]] = {}
        for pid, where in place.items():
            slot = keys.setdefault(where[axis], {"hits": 0, "occ": 0, "words": 0})
            slot["words"] += words[pid]
            slot["occ"] += occurrences.get(pid, 0)
            slot["hits"] += pid in hits_in
        return tuple(
            FrequencyRow(str(k), label(k), v["hits"], v["occ"], v["words"], _per_1000(v["occ"], v["words"]))
            for k, v in keys.items()
        )

    by_theme = sorted(rows(0, lambda k: names.get(k, k)), key=lambda r: (-r.per_1000, -r.occurrences, r.label))
    by_section = sorted(rows(1, lambda k: section_name(int(k), lang)), key=lambda r: int(r.key))
    by_edition = sorted(rows(2, str), key=lambda r: int(r.key))
    cells = Counter((place[pid][0], place[pid][1]) for pid in hits_in)
    total_words = sum(words.values())
    return Frequencies(
        words=total_words, occurrences=len(conc.lines), per_1000=_per_1000(len(conc.lines), total_words),
        by_theme=tuple(by_theme), by_section=tuple(by_section), by_edition=tuple(by_edition),
        cells=tuple((theme_id, section, n) for (theme_id, section), n in sorted(cells.items())),
    )


def collocates(conc: Concordance, passages: Sequence[Any], *, window: int = WINDOW,
               min_together: int = MIN_TOGETHER, top: int = N_COLLOCATES, by: str = "ll",
               analyzer: Any = None) -> tuple[Collocate, ...]:
    """The lemmas most associated with the matches within ±`window` words, as AntConc computes
    them: observed O = occurrences in the windows, expected E = window words × frequency in the
    scope / words in the scope; MI = log2(O / E); G² from the 2 × 2 table (in the windows or not,
    this lemma or another). Stop words, numbers and punctuation are not collocates; the matched
    words themselves are not counted. `by`: "ll" or "mi" (ties by the other)."""
    if by not in ("ll", "mi"):
        raise TextkitError(f"Kollokaattien järjestys {by!r} ei käy: valitse ll tai mi.")
    if analyzer is None:
        from textkit.analysis import get_analyzer

        analyzer = get_analyzer()
    spans_of: dict[str, list[tuple[int, int]]] = {}
    for line in conc.lines:
        spans_of.setdefault(line.passage_id, []).append((line.start, line.end))
    texts = {p.id: p.text for p in passages}
    texts.update({pid: t for pid, t in conc.texts.items() if pid not in texts})

    frequency: Counter[str] = Counter()
    together: Counter[str] = Counter()
    left: Counter[str] = Counter()
    total_words = 0
    window_words = 0
    for pid, text in texts.items():
        tokens = [(m.start(), m.end(), _content_lemma(analyzer, m.group(0))) for m in WORD.finditer(text)]
        total_words += len(tokens)
        frequency.update(lemma for _, _, lemma in tokens if lemma)
        for start, end in spans_of.get(pid, ()):
            inside = [i for i, (s, e, _) in enumerate(tokens) if s < end and e > start]
            if not inside:
                continue
            first, last = inside[0], inside[-1]
            nodes = set(inside)
            before = [i for i in range(max(0, first - window), first) if i not in nodes]
            after = [i for i in range(last + 1, min(len(tokens), last + 1 + window)) if i not in nodes]
            window_words += len(before) + len(after)
            for i in before + after:
                lemma = tokens[i][2]
                if lemma:
                    together[lemma] += 1
                    if i < first:
                        left[lemma] += 1
    node_lemmas = _node_lemmas(conc, analyzer)
    found = []
    for lemma, o11 in together.items():
        if o11 < min_together or lemma in node_lemmas:
            continue
        f_c = frequency[lemma]
        expected = window_words * f_c / total_words if total_words else 0.0
        mi = math.log2(o11 / expected) if expected else 0.0
        found.append(Collocate(lemma, o11, left[lemma], o11 - left[lemma], f_c,
                               round(_log_likelihood(o11, window_words, f_c, total_words), 2), round(mi, 2)))
    if by == "ll":
        found.sort(key=lambda c: (-c.ll, -c.mi, c.lemma))
    else:
        found.sort(key=lambda c: (-c.mi, -c.ll, c.lemma))
    return tuple(found[:top])


def collocate_query(query: str, lemma: str) -> str:
    """The query that reads a collocate with the node: both words in one passage."""
    from textkit.query import _lex

    has_or = any(kind == "op" and value == "OR" for kind, value in _lex(query))
    node = f"({query.strip()})" if has_or else query.strip()
    return f"{node} {lemma}"


# ---------------------------------------------------------------- export and text


EXPORT_COLUMNS = (
    ("left", "Vasen konteksti", 45),
    ("form", "Osuma", 18),
    ("right", "Oikea konteksti", 45),
    ("theme", "Teema", 30),
    ("section", "Osio", 6),
    ("page", "Sivu", 6),
    ("edition", "Painos", 8),
    ("citation", "Lähdeviite", 50),
    ("passage_id", "Kohdan tunnus", 15),
)


def export_rows(lines: Iterable[KwicLine]) -> list[dict[str, Any]]:
    """Rows for the XLSX/CSV export, each with its full citation."""
    from textkit.export import cite

    return [{"left": line.left, "form": line.form, "right": line.right, "theme": line.theme,
             "section": line.section, "page": line.page or None, "edition": line.edition,
             "citation": cite(line), "passage_id": line.passage_id} for line in lines]


def render_lines(lines: Sequence[KwicLine], fmt: str, *, title: str = "") -> bytes:
    """The concordance as XLSX or CSV (formula-safe, through `textkit.export.render_table`)."""
    from textkit.export import render_table

    if not lines:
        raise TextkitError("Ei vietävää: konkordanssissa ei ole rivejä.")
    return render_table(EXPORT_COLUMNS, export_rows(lines), fmt, title=title, sheet="Konkordanssi")


def format_concordance(conc: Concordance, lines: Sequence[KwicLine] | None = None, *,
                       width: int = CONTEXT_CHARS, color: bool = False) -> str:
    """Aligned KWIC lines for a terminal: left context right-aligned, the form in the middle."""
    from textkit.ui import count, hidden_note

    lines = conc.lines if lines is None else lines
    head = [f"Konkordanssi: {conc.query}  →  {conc.parsed}",
            f"{count(len(conc.lines), 'occurrence')} {conc.passages} kappaleessa"]
    if conc.hidden_by_scope:
        head.append(hidden_note(conc.hidden_by_scope) + " (--sections all näyttää ne)")
    if conc.forms:
        head.append("Muodot: " + ", ".join(f"{f.form} {f.count}" + (f" ({_KIND_FI.get(f.match, f.match)})" if f.match else "")
                                           for f in conc.forms))
    if not lines:
        return "\n".join(head + ["Ei osumia."])
    form_width = min(30, max(len(line.form) for line in lines))
    body = []
    for line in lines:
        form = line.form.center(form_width)
        if color:
            form = f"\x1b[1;33m{form}\x1b[0m"
        body.append(f"{line.left[-width:]:>{width}}  {form}  {line.right[:width]:<{width}}  "
                    f"[{line.passage_id}, s. {line.page}]")
    return "\n".join(head + [""] + body)


def format_frequencies(freq: Frequencies) -> str:
    """The frequency tables as text: hits, occurrences, words and occurrences per 1,000 words."""
    out = [f"Esiintymiä {freq.occurrences}, sanoja {freq.words}, {_decimal(freq.per_1000)} / 1 000 sanaa"]
    for title, rows in (("Teemoittain", freq.by_theme), ("Osioittain", freq.by_section),
                        ("Vuosittain", freq.by_edition)):
        out += ["", f"{title} (osumia, esiintymiä, sanoja, / 1 000 sanaa)"]
        out += [f"  {r.label[:60]:60} {r.hits:5} {r.occurrences:5} {r.words:7} {_decimal(r.per_1000):>8}" for r in rows]
    return "\n".join(out)


def format_collocates(found: Sequence[Collocate]) -> str:
    """Collocates as text: lemma, together (left + right), frequency in the scope, LL, MI."""
    out = [f"Kollokaatit ±{WINDOW} sanaa (yhdessä = vasemmalla + oikealla, määrä rajauksessa, LL, MI)"]
    out += [f"  {c.lemma:28} {c.together:4} = {c.left} + {c.right}  {c.frequency:5}  "
            f"LL {_decimal(c.ll):>7}  MI {_decimal(c.mi):>5}" for c in found] or ["  (ei kollokaatteja)"]
    return "\n".join(out)


# ---------------------------------------------------------------- private helpers


_KIND_FI = {"whole": "sana", "part": "yhdyssanan osa", "synonym": "synonyymi", "prefix": "katkaisu", "phrase": "fraasi"}


def _document_order(line: KwicLine) -> tuple:
    # Passage ids are "<year>-<theme number>-<section>-<ordinal>": their order is the report's.
    return (line.edition, line.passage_id, line.start)


def _one_line(text: str) -> str:
    return _SPACE_RUN.sub(" ", text)


def _after_first_space(piece: str) -> str:
    i = piece.find(" ")
    return piece[i + 1:] if 0 <= i < len(piece) - 1 else piece


def _before_last_space(piece: str) -> str:
    i = piece.rfind(" ")
    return piece[:i] if i > 0 else piece


def _spans_from_matches(text: str, matches: Sequence[str]) -> list[tuple[int, int]]:
    # Hits from before Hit.spans: the matches are in order, so find them one after another.
    spans, cursor = [], 0
    for m in matches:
        i = text.find(m, cursor)
        if i < 0:
            continue
        spans.append((i, i + len(m)))
        cursor = i + len(m)
    return spans


def _content_lemma(analyzer: Any, surface: str) -> str:
    """The lemma of a word if it can be a collocate ('' for stop words and numbers)."""
    from textkit.analysis import is_stop_lemma

    info = analyzer.analyze_word(surface)
    if not info.is_word or is_stop_lemma(info.lemma, surface):
        return ""
    return info.lemma


def _node_lemmas(conc: Concordance, analyzer: Any) -> set[str]:
    return {analyzer.analyze_word(w).lemma for f in conc.forms for w in WORD.findall(f.form)}


def _log_likelihood(o11: int, window_words: int, f_c: int, total: int) -> float:
    """Dunning's G² of the 2 × 2 table: rows in a window / elsewhere, columns this lemma / others."""
    o12 = window_words - o11
    o21 = f_c - o11
    o22 = total - window_words - o21
    observed = (o11, o12, o21, o22)
    if min(observed) < 0 or not total:
        return 0.0
    rows = (o11 + o12, o21 + o22)
    cols = (o11 + o21, o12 + o22)
    expected = (rows[0] * cols[0] / total, rows[0] * cols[1] / total,
                rows[1] * cols[0] / total, rows[1] * cols[1] / total)
    g2 = 2 * sum(o * math.log(o / e) for o, e in zip(observed, expected) if o > 0 and e > 0)
    # Negative association (fewer than expected) gets a negative sign, as AntConc shows it.
    return g2 if o11 >= expected[0] else -g2


def _decimal(value: float) -> str:
    return f"{value:.2f}".replace(".", ",")


def _per_1000(occurrences: int, words: int) -> float:
    return round(1000 * occurrences / words, 3) if words else 0.0


def _query_sections(parsed: Any) -> tuple[int, ...] | None:
    found = {int(v) for f in parsed.filters("section") for v in f.values}
    return tuple(sorted(found)) or None


def _resolve_themes(editions: Sequence[Any], themes: set[str]) -> set[str]:
    """Theme ids from ids, numbers or unambiguous parts of an id, as search takes them."""
    ids = {t.id: t for e in editions for t in e.themes}
    found = set()
    for value in themes:
        key = str(value).strip().lower()
        if key in ids:
            found.add(key)
        elif key.isdigit():
            found |= {t.id for t in ids.values() if t.number == int(key)}
        else:
            found |= {i for i in ids if len(key) >= 3 and key in i}
    return found
