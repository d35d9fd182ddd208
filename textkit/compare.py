"""Theme comparison and year-over-year diff.

- `compare_themes(a, b)`: each theme's distinctive terms against the rest of its
  edition (log-likelihood G² keyness with the log ratio as effect size), the terms
  both use, their topic mix side by side, their headers side by side.
- `compare_all()`: cosine similarity of all themes over TF-IDF of their lemmas.
- `diff_theme(theme, from_year, to_year)` / `diff_all(...)`: terms and topics that are
  new, gone, rising or falling between two editions, with the passages that show them.

Everything counts the lemmas of sections 2–5 that the topic model uses
(`textkit.topics.load_documents`), so compare, diff and topics agree on what a word is.
Themes are matched across editions by id, plus the editable alias list
`corpus/theme_aliases.toml` for renamed themes.
"""

from __future__ import annotations

import difflib
import math
import tomllib
from collections import Counter
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Mapping, Sequence

from textkit.errors import TextkitError
from textkit.types import Edition, Funding, Theme

ALIASES_FILE = "theme_aliases.toml"
G2_CRITICAL = 6.63        # χ²(1), p < 0.01: a term is distinctive / changed only above this
MIN_COUNT = 3             # … and only if it occurs at least this often where it is claimed to be typical
N_TERMS = 15
N_EXAMPLES = 2
TOPIC_CHANGE = 0.03       # a topic rose/fell when its share changed by at least 3 points
TOPIC_ABSENT = 0.02       # … is new/gone when its share was below 2 % on the other side
SNIPPET_CHARS = 90
# A term that nearly every theme uses says nothing about what two themes share: with at least
# SHARED_MIN_THEMES themes, shared terms used by this share of all themes are left out.
SHARED_MAX_SPREAD = 0.75
SHARED_MIN_THEMES = 4
# A distinctive term must be spread over at least this many passages of its theme: one passage
# repeating a word (a heading, a list) is not what the theme is about.
DISTINCTIVE_MIN_PASSAGES = 2
# Voikko word classes that never name a subject: adverbs (esillä, edelleen), pronouns,
# conjunctions, adpositions, interjections, numerals and the negation verb.
CLOSED_WORD_CLASSES = frozenset(
    {"seikkasana", "asemosana", "sidesana", "suhdesana", "huudahdussana", "lukusana", "kieltosana"}
)


# ---------------------------------------------------------------- records


@dataclass(frozen=True)
class KeyTerm:
    term: str                 # lemma
    score: float              # G² log-likelihood (higher = more distinctive)
    log_ratio: float          # effect size: log2 of the relative-frequency ratio (Hardie's Log Ratio)
    count: int                # in the theme
    count_rest: int           # in the rest of the edition (or the other edition)
    per_1000: float           # per 1000 lemmas in the theme
    per_1000_rest: float


@dataclass(frozen=True)
class SharedTerm:
    term: str
    count_a: int
    count_b: int
    score: float              # geometric mean of the per-1000 rates × how few themes use the term


@dataclass(frozen=True)
class ThemeHeader:
    theme_id: str
    number: int
    name: str
    ministry: str
    period: str
    funding: tuple[Funding, ...]
    paid_share: float | None  # d) paid costs / a) public funding framework


@dataclass(frozen=True)
class TopicShare:
    topic: int
    label: str
    shares: tuple[float, ...]  # one per compared theme (or edition), in order


@dataclass(frozen=True)
class ThemeComparison:
    edition: int
    themes: tuple[ThemeHeader, ThemeHeader]
    similarity: float                          # cosine over TF-IDF of the edition's themes
    distinctive: tuple[tuple[KeyTerm, ...], tuple[KeyTerm, ...]]
    shared: tuple[SharedTerm, ...]
    topic_mix: tuple[TopicShare, ...]


@dataclass(frozen=True)
class SimilarityMatrix:
    edition: int
    themes: tuple[ThemeHeader, ...]
    matrix: tuple[tuple[float, ...], ...]      # cosine similarity, rows/columns in theme order
    closest: tuple[tuple[str, str, float], ...]  # most similar pairs, strongest first


@dataclass(frozen=True)
class Example:
    passage_id: str
    section: int
    snippet: str              # the sentence part around the first occurrence
    text: str


@dataclass(frozen=True)
class TermChange:
    term: str
    count_from: int
    count_to: int
    per_1000_from: float
    per_1000_to: float
    score: float              # G² between the two editions' texts of the theme
    log_ratio: float          # log2(rate to / rate from), smoothed
    examples: tuple[Example, ...]


@dataclass(frozen=True)
class TopicChange:
    topic: int
    label: str
    share_from: float
    share_to: float
    change: float
    examples: tuple[Example, ...]


@dataclass(frozen=True)
class ThemeDiff:
    theme_id: str
    theme_id_from: str        # differs from theme_id when matched through the alias list
    name_from: str
    name_to: str
    from_year: int
    to_year: int
    new_terms: tuple[TermChange, ...]
    gone_terms: tuple[TermChange, ...]
    rising_terms: tuple[TermChange, ...]
    falling_terms: tuple[TermChange, ...]
    new_topics: tuple[TopicChange, ...]
    gone_topics: tuple[TopicChange, ...]
    rising_topics: tuple[TopicChange, ...]
    falling_topics: tuple[TopicChange, ...]
    # How many terms of each kind there are in all; the lists above show the top N_TERMS.
    term_counts: Mapping[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class ThemeTopicSummary:
    theme_id: str
    name: str
    rising: tuple[TopicChange, ...]
    falling: tuple[TopicChange, ...]
    new_terms: int                              # all new terms of the theme (not only the ones shown)
    gone_terms: int
    top_new_terms: tuple[str, ...] = ()         # the top N_TERMS of them by G²
    top_gone_terms: tuple[str, ...] = ()
    rising_terms: int = 0                       # all rising / falling terms (G² between the editions)
    falling_terms: int = 0


@dataclass(frozen=True)
class EditionDiff:
    from_year: int
    to_year: int
    topics: tuple[TopicChange, ...]            # every topic's share of the whole edition, biggest change first
    themes: tuple[ThemeTopicSummary, ...]      # matched themes
    only_from: tuple[str, ...]                 # theme ids without a match in the later edition
    only_to: tuple[str, ...]


# ---------------------------------------------------------------- public functions


def compare_themes(theme_a: str, theme_b: str, *, edition: int | None = None,
                   corpus_dir: Path | None = None, models_dir: Path | None = None) -> ThemeComparison:
    """Two themes of one edition side by side (default: the latest edition)."""
    editions = _editions(corpus_dir)
    ed = _edition(editions, edition)
    a, b = _find_theme(ed, theme_a), _find_theme(ed, theme_b)
    if a.id == b.id:
        raise TextkitError(f"Valitse kaksi eri teemaa (molemmat ovat {a.id}).")
    docs = _edition_documents(ed.year, corpus_dir, models_dir)
    counts = _theme_counts(docs)
    spread = _theme_spread(docs)
    distinctive = tuple(tuple(_keyness(counts, t.id, spread.get(t.id, Counter()))) for t in (a, b))
    names, sim = _similarity(counts)
    mix = _topic_mix([[d.passage_id for d in docs if d.theme_id == t.id] for t in (a, b)],
                     corpus_dir, models_dir)
    return ThemeComparison(
        edition=ed.year,
        themes=(theme_header(a), theme_header(b)),
        similarity=round(sim[names.index(a.id)][names.index(b.id)], 4) if a.id in names and b.id in names else 0.0,
        distinctive=distinctive,
        shared=tuple(_shared(counts, a.id, b.id)),
        topic_mix=mix,
    )


def compare_all(*, edition: int | None = None, corpus_dir: Path | None = None,
                models_dir: Path | None = None) -> SimilarityMatrix:
    """Cosine similarity of all themes of an edition over TF-IDF of their section 2–5 lemmas."""
    ed = _edition(_editions(corpus_dir), edition)
    counts = _theme_counts(_edition_documents(ed.year, corpus_dir, models_dir))
    names, sim = _similarity(counts)
    themes = [t for t in ed.themes if t.id in names]
    order = [names.index(t.id) for t in themes]
    matrix = tuple(tuple(round(sim[i][j], 4) for j in order) for i in order)
    pairs = sorted(
        ((themes[i].id, themes[j].id, matrix[i][j]) for i in range(len(themes)) for j in range(i + 1, len(themes))),
        key=lambda p: (-p[2], p[0], p[1]),
    )
    return SimilarityMatrix(ed.year, tuple(theme_header(t) for t in themes), matrix, tuple(pairs[:10]))


def diff_theme(theme: str, from_year: int, to_year: int, *, corpus_dir: Path | None = None,
               models_dir: Path | None = None) -> ThemeDiff:
    """What changed in one theme between two editions: terms and topics new, gone, rising, falling."""
    editions = _editions(corpus_dir)
    old, new = _edition_pair(editions, from_year, to_year)
    aliases = load_aliases(corpus_dir)
    t_old, t_new = _matched_theme(theme, old, new, aliases)
    docs_old = [d for d in _edition_documents(old.year, corpus_dir, models_dir) if d.theme_id == t_old.id]
    docs_new = [d for d in _edition_documents(new.year, corpus_dir, models_dir) if d.theme_id == t_new.id]
    all_terms = _term_changes(docs_old, docs_new)
    terms = _top(all_terms)
    topics = _topic_changes(docs_old, docs_new, corpus_dir, models_dir)
    return ThemeDiff(
        theme_id=t_new.id, theme_id_from=t_old.id, name_from=t_old.name, name_to=t_new.name,
        from_year=old.year, to_year=new.year,
        new_terms=terms["new"], gone_terms=terms["gone"], rising_terms=terms["rising"], falling_terms=terms["falling"],
        new_topics=topics["new"], gone_topics=topics["gone"], rising_topics=topics["rising"],
        falling_topics=topics["falling"], term_counts={kind: len(v) for kind, v in all_terms.items()},
    )


def diff_all(from_year: int, to_year: int, *, corpus_dir: Path | None = None,
             models_dir: Path | None = None) -> EditionDiff:
    """Which topics grew or shrank between two editions, overall and per matched theme."""
    editions = _editions(corpus_dir)
    old, new = _edition_pair(editions, from_year, to_year)
    aliases = load_aliases(corpus_dir)
    pairs = _theme_pairs(old, new, aliases)
    if not pairs:
        raise TextkitError(
            f"Vuosien {old.year} ja {new.year} katsauksilla ei ole yhteisiä teemoja. Jos teemoja on nimetty "
            f"uudelleen, lisää vanhat tunnisteet tiedostoon corpus/{ALIASES_FILE}."
        )
    docs_old = _edition_documents(old.year, corpus_dir, models_dir)
    docs_new = _edition_documents(new.year, corpus_dir, models_dir)
    overall = _topic_changes(docs_old, docs_new, corpus_dir, models_dir, with_examples=False)["all"]
    summaries = []
    for t_old, t_new in pairs:
        d_old = [d for d in docs_old if d.theme_id == t_old.id]
        d_new = [d for d in docs_new if d.theme_id == t_new.id]
        changes = _topic_changes(d_old, d_new, corpus_dir, models_dir)
        terms = _term_changes(d_old, d_new, with_examples=False)   # all of them: count first, then cut
        summaries.append(ThemeTopicSummary(
            t_new.id, t_new.name,
            rising=changes["new"] + changes["rising"], falling=changes["gone"] + changes["falling"],
            new_terms=len(terms["new"]), gone_terms=len(terms["gone"]),
            top_new_terms=tuple(t.term for t in terms["new"][:N_TERMS]),
            top_gone_terms=tuple(t.term for t in terms["gone"][:N_TERMS]),
            rising_terms=len(terms["rising"]), falling_terms=len(terms["falling"]),
        ))
    matched_old = {o.id for o, _ in pairs}
    matched_new = {n.id for _, n in pairs}
    return EditionDiff(
        old.year, new.year, overall, tuple(summaries),
        only_from=tuple(t.id for t in old.themes if t.id not in matched_old),
        only_to=tuple(t.id for t in new.themes if t.id not in matched_new),
    )


def load_aliases(corpus_dir: Path | None = None) -> dict[str, str]:
    """Old theme id → current theme id, from `corpus/theme_aliases.toml` (missing file: none)."""
    from textkit.paths import corpus_dir as default_corpus

    path = Path(corpus_dir or default_corpus()) / ALIASES_FILE
    if not path.exists():
        return {}
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise TextkitError(f"{path}: teema-aliasten tiedosto ei ole kelvollista TOMLia ({exc}).") from None
    table = data.get("aliases", {})
    if not isinstance(table, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in table.items()):
        raise TextkitError(f'{path}: [aliases]-taulun rivien pitää olla muotoa "vanha-tunniste" = "uusi-tunniste".')
    return dict(table)


def theme_header(theme: Theme) -> ThemeHeader:
    """The header facts of a theme, with the paid share d / a of its funding (None when unknown)."""
    by_key = {f.key: f for f in theme.funding}
    a, d = by_key.get("a"), by_key.get("d")
    paid = round(d.euros / a.euros, 4) if a and d and a.euros and d.euros is not None else None
    return ThemeHeader(theme.id, theme.number, theme.name, theme.ministry, theme.period, tuple(theme.funding), paid)


# ---------------------------------------------------------------- text rendering (for the CLI)


def format_comparison(c: ThemeComparison) -> str:
    a, b = c.themes
    lines = [f"Teemavertailu, katsaus {c.edition}", ""]
    rows = [("Teema", f"{a.number}. {a.name}", f"{b.number}. {b.name}"),
            ("Tunniste", a.theme_id, b.theme_id),
            ("Ministeriö", a.ministry, b.ministry),
            ("Toteutusaika", a.period, b.period)]
    for fa, fb in zip(a.funding, b.funding):
        rows.append((f"{fa.key}) {fa.label}", fa.text, fb.text))
    rows.append(("Maksettu osuus (d/a)", _pct(a.paid_share), _pct(b.paid_share)))
    lines += _columns(rows)
    lines += ["", f"Samankaltaisuus (kosini, TF-IDF): {c.similarity:.2f}", ""]
    for header, terms in zip(c.themes, c.distinctive):
        lines.append(f"Tunnusomaiset sanat: {header.number}. {header.name} (G², log-suhde, määrä teemassa/muualla)")
        lines += [f"  {t.term:28} G²={t.score:7.1f}  LR={t.log_ratio:5.2f}  {t.count}/{t.count_rest}" for t in terms]
        if not terms:
            lines.append("  (ei tilastollisesti merkitseviä sanoja)")
        lines.append("")
    lines.append("Yhteiset sanat (määrä A / B)")
    lines += [f"  {s.term:28} {s.count_a}/{s.count_b}" for s in c.shared] or ["  (ei yhteisiä sanoja)"]
    if c.topic_mix:
        lines += ["", "Aiheiden osuudet (A / B)"]
        lines += [f"  {m.topic + 1:2}. {m.label[:40]:40} {m.shares[0]:6.1%} {m.shares[1]:6.1%}" for m in c.topic_mix]
    return "\n".join(lines)


def format_matrix(m: SimilarityMatrix) -> str:
    lines = [f"Teemojen samankaltaisuus (kosini, TF-IDF osioista 2–5), katsaus {m.edition}", ""]
    nums = [f"{t.number:>5}" for t in m.themes]
    lines.append("      " + "".join(nums))
    for t, row in zip(m.themes, m.matrix):
        lines.append(f"{t.number:>5} " + "".join(f"{v:5.2f}" for v in row))
    lines += ["", "Teemat:"]
    lines += [f"  {t.number:>2}. {t.name} ({t.theme_id})" for t in m.themes]
    lines += ["", "Samankaltaisimmat parit:"]
    names = {t.theme_id: t.number for t in m.themes}
    lines += [f"  {names[a]:>2} – {names[b]:>2}  {s:.2f}" for a, b, s in m.closest]
    return "\n".join(lines)


def format_theme_diff(d: ThemeDiff) -> str:
    title = d.name_to if d.name_from == d.name_to else f"{d.name_from} → {d.name_to}"
    lines = [f"Muutokset {d.from_year} → {d.to_year}: {title}", ""]
    terms = f"määrä {d.from_year} → {d.to_year}, G²"
    topics = "osuus teeman tekstistä"
    for caption, unit, changes, describe, kind in (
        ("Uudet sanat", terms, d.new_terms, _term_change_line, "new"),
        ("Poistuneet sanat", terms, d.gone_terms, _term_change_line, "gone"),
        ("Yleistyneet sanat", terms, d.rising_terms, _term_change_line, "rising"),
        ("Harvinaistuneet sanat", terms, d.falling_terms, _term_change_line, "falling"),
        ("Uudet aiheet", topics, d.new_topics, _topic_change_line, ""),
        ("Poistuneet aiheet", topics, d.gone_topics, _topic_change_line, ""),
        ("Kasvaneet aiheet", topics, d.rising_topics, _topic_change_line, ""),
        ("Pienentyneet aiheet", topics, d.falling_topics, _topic_change_line, ""),
    ):
        total = d.term_counts.get(kind, 0) if kind else 0
        shown = f"; {total}, näytetään {len(changes)}" if total > len(changes) else ""
        lines.append(f"{caption} ({unit}{shown})")
        for change in changes:
            lines.append(describe(change))
            lines += [f"      [{e.passage_id}] {e.snippet}" for e in change.examples]
        if not changes:
            lines.append("  –")
        lines.append("")
    return "\n".join(lines).rstrip()


def format_edition_diff(d: EditionDiff) -> str:
    lines = [f"Aiheiden muutokset {d.from_year} → {d.to_year} (osuus katsauksen tekstistä)", ""]
    lines += [f"{_topic_change_line(t)}  ({t.change:+.1%})" for t in d.topics]
    lines += ["", "Teemoittain (kasvaneet / pienentyneet aiheet, uusia / poistuneita sanoja)"]
    for s in d.themes:
        up = ", ".join(f"{t.label} ({t.change:+.0%})" for t in s.rising[:2]) or "–"
        down = ", ".join(f"{t.label} ({t.change:+.0%})" for t in s.falling[:2]) or "–"
        lines.append(f"  {s.name}\n      ↑ {up}\n      ↓ {down}\n      sanoja +{s.new_terms} / −{s.gone_terms}, yleistyneitä {s.rising_terms}, harvinaistuneita {s.falling_terms}")
        if s.top_new_terms:
            more = f" (+{s.new_terms - len(s.top_new_terms)} muuta)" if s.new_terms > len(s.top_new_terms) else ""
            lines.append("      uudet: " + ", ".join(s.top_new_terms) + more)
        if s.top_gone_terms:
            more = f" (+{s.gone_terms - len(s.top_gone_terms)} muuta)" if s.gone_terms > len(s.top_gone_terms) else ""
            lines.append("      poistuneet: " + ", ".join(s.top_gone_terms) + more)
    if d.only_from:
        lines += ["", f"Vain vuoden {d.from_year} katsauksessa: " + ", ".join(d.only_from)]
    if d.only_to:
        lines += ["", f"Vain vuoden {d.to_year} katsauksessa: " + ", ".join(d.only_to)]
    return "\n".join(lines)


# ---------------------------------------------------------------- private helpers


def _editions(corpus_dir: Path | None) -> list[Edition]:
    from textkit.corpus import load_editions

    editions = load_editions(corpus_dir)
    if not editions:
        raise TextkitError("Aineistossa ei ole yhtään vuosikatsausta (corpus/editions.toml on tyhjä).")
    return editions


def _edition(editions: Sequence[Edition], year: int | None) -> Edition:
    if year is None:
        return editions[-1]
    for e in editions:
        if e.year == year:
            return e
    raise TextkitError(f"Vuoden {year} katsausta ei ole aineistossa. Saatavilla: "
                       + ", ".join(str(e.year) for e in editions) + ".")


def _edition_pair(editions: Sequence[Edition], from_year: int, to_year: int) -> tuple[Edition, Edition]:
    if from_year == to_year:
        raise TextkitError(f"--from ja --to ovat molemmat {from_year}: valitse kaksi eri vuosikatsausta.")
    return _edition(editions, from_year), _edition(editions, to_year)


def _find_theme(edition: Edition, query: str) -> Theme:
    """A theme by id, by number, or by a part of its id that fits one theme only ("kohtaanto");
    else suggest close ones."""
    q = query.strip().lower()
    for t in edition.themes:
        if t.id == q or (q.isdigit() and int(q) == t.number):
            return t
    partial = [t for t in edition.themes if q in t.id] if q else []
    if len(partial) == 1:
        return partial[0]
    raise TextkitError(_unknown_theme_message(query, edition.themes, edition.year))


def _unknown_theme_message(query: str, themes: Sequence[Theme], year: int) -> str:
    q = query.strip().lower()
    by_key = {t.id: t for t in themes}
    by_key.update({t.name.lower(): t for t in themes})
    close = difflib.get_close_matches(q, list(by_key), n=5, cutoff=0.4)
    close += [t.id for t in themes if q and q in t.id and t.id not in close]   # ambiguous parts
    suggestions = list(dict.fromkeys(by_key[c].id for c in close))[:3]
    hint = ("Tarkoititko: " + ", ".join(suggestions) + "?") if suggestions else \
        "Teemat: " + ", ".join(f"{t.number} {t.id}" for t in themes)
    return f"Tuntematon teema '{query}' vuoden {year} katsauksessa. {hint} (Teeman voi antaa myös numerona.)"


def _canonical(theme_id: str, aliases: dict[str, str]) -> str:
    seen = set()
    while theme_id in aliases and theme_id not in seen:
        seen.add(theme_id)
        theme_id = aliases[theme_id]
    return theme_id


def _theme_pairs(old: Edition, new: Edition, aliases: dict[str, str]) -> list[tuple[Theme, Theme]]:
    by_canonical = {_canonical(t.id, aliases): t for t in old.themes}
    return [(by_canonical[_canonical(t.id, aliases)], t) for t in new.themes
            if _canonical(t.id, aliases) in by_canonical]


def _matched_theme(query: str, old: Edition, new: Edition, aliases: dict[str, str]) -> tuple[Theme, Theme]:
    q = query.strip().lower()
    pairs = _theme_pairs(old, new, aliases)
    if not pairs:
        raise TextkitError(
            f"Vuosien {old.year} ja {new.year} katsauksilla ei ole yhteisiä teemoja. Jos teemoja on nimetty "
            f"uudelleen, lisää vanhat tunnisteet tiedostoon corpus/{ALIASES_FILE}."
        )
    for t_old, t_new in pairs:
        if q in (t_old.id, t_new.id) or _canonical(q, aliases) == _canonical(t_new.id, aliases):
            return t_old, t_new
    if q.isdigit():
        for t_old, t_new in pairs:
            if int(q) == t_new.number:
                return t_old, t_new
    partial = [p for p in pairs if q in p[1].id or q in p[0].id] if q else []
    if len(partial) == 1:
        return partial[0]
    for edition in (new, old):
        if any(t.id == q for t in edition.themes):
            other = old if edition is new else new
            raise TextkitError(
                f"Teema '{query}' on vain vuoden {edition.year} katsauksessa, ei vuoden {other.year}. "
                f"Jos se on nimetty uudelleen, lisää rivi \"vanha-tunniste\" = \"uusi-tunniste\" tiedoston "
                f"corpus/{ALIASES_FILE} [aliases]-tauluun."
            )
    raise TextkitError(_unknown_theme_message(query, [p[1] for p in pairs], new.year))


def _edition_documents(year: int, corpus_dir: Path | None, models_dir: Path | None) -> list[Any]:
    from textkit.topics import load_documents

    docs = [d for d in load_documents(models_dir=models_dir, corpus_dir=corpus_dir) if d.edition == year]
    if not docs:
        raise TextkitError(f"Vuoden {year} katsauksessa ei ole tekstiä osioissa 2–5.")
    return docs


def _theme_counts(docs: Sequence[Any]) -> dict[str, Counter]:
    counts: dict[str, Counter] = {}
    for d in docs:
        counts.setdefault(d.theme_id, Counter()).update(d.lemmas.split())
    return counts


def _theme_spread(docs: Sequence[Any]) -> dict[str, Counter]:
    """Per theme: in how many of its passages each lemma occurs."""
    spread: dict[str, Counter] = {}
    for d in docs:
        spread.setdefault(d.theme_id, Counter()).update(set(d.lemmas.split()))
    return spread


def _is_subject_term(term: str) -> bool:
    """False for stop/boilerplate/report-frame lemmas and closed-class words (by Voikko class)."""
    from textkit.analysis import is_stop_lemma, word_class
    from textkit.topics import REPORT_FRAME_WORDS

    if is_stop_lemma(term) or term in REPORT_FRAME_WORDS:
        return False
    return word_class(term) not in CLOSED_WORD_CLASSES


def _g2(a: int, b: int, c: int, d: int) -> float:
    """Log-likelihood G² of a term seen a times in c tokens versus b times in d tokens (Rayson & Garside)."""
    e1 = c * (a + b) / (c + d)
    e2 = d * (a + b) / (c + d)
    g = 0.0
    if a:
        g += a * math.log(a / e1)
    if b:
        g += b * math.log(b / e2)
    return 2 * g


def _log_ratio(a: int, b: int, c: int, d: int) -> float:
    """Hardie's Log Ratio with 0.5 added to zero counts."""
    return math.log2(((a or 0.5) / c) / ((b or 0.5) / d))


def _keyness(counts: dict[str, Counter], theme_id: str, spread: Counter | None = None) -> list[KeyTerm]:
    """The theme's terms by G² against the rest of the edition: subject words only (see
    `_is_subject_term`), each in at least DISTINCTIVE_MIN_PASSAGES passages (`spread`)."""
    target = counts.get(theme_id, Counter())
    rest = Counter()
    for other, c in counts.items():
        if other != theme_id:
            rest.update(c)
    c_total, d_total = sum(target.values()), sum(rest.values())
    if not c_total or not d_total:
        return []
    terms = []
    for term, a in target.items():
        b = rest.get(term, 0)
        if a < MIN_COUNT or a / c_total <= b / d_total:
            continue
        if spread is not None and spread.get(term, 0) < DISTINCTIVE_MIN_PASSAGES:
            continue
        g = _g2(a, b, c_total, d_total)
        if g >= G2_CRITICAL and _is_subject_term(term):
            terms.append(KeyTerm(term, round(g, 2), round(_log_ratio(a, b, c_total, d_total), 2), a, b,
                                 round(1000 * a / c_total, 2), round(1000 * b / d_total, 2)))
    terms.sort(key=lambda t: (-t.score, t.term))
    return terms[:N_TERMS]


def _shared(counts: dict[str, Counter], a_id: str, b_id: str) -> list[SharedTerm]:
    a, b = counts.get(a_id, Counter()), counts.get(b_id, Counter())
    na, nb = sum(a.values()) or 1, sum(b.values()) or 1
    n_themes = len(counts)
    shared = []
    for term in set(a) & set(b):
        if a[term] < 2 or b[term] < 2:
            continue
        df = sum(1 for c in counts.values() if term in c)
        if n_themes >= SHARED_MIN_THEMES and df >= SHARED_MAX_SPREAD * n_themes:
            continue
        score = math.sqrt((1000 * a[term] / na) * (1000 * b[term] / nb)) * math.log(1 + n_themes / df)
        shared.append(SharedTerm(term, a[term], b[term], round(score, 3)))
    shared.sort(key=lambda s: (-s.score, s.term))
    return shared[:N_TERMS]


def _similarity(counts: dict[str, Counter]) -> tuple[list[str], list[list[float]]]:
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.metrics.pairwise import cosine_similarity

    names = sorted(counts)
    docs = [" ".join(term for term, n in sorted(counts[name].items()) for _ in range(n)) for name in names]
    X = TfidfVectorizer(token_pattern=r"\S+", lowercase=False, sublinear_tf=True).fit_transform(docs)
    return names, cosine_similarity(X).tolist()


def _topics_result(corpus_dir: Path | None, models_dir: Path | None):
    from textkit.topics import topics

    try:
        return topics(models_dir=models_dir, corpus_dir=corpus_dir)
    except TextkitError:
        return None   # e.g. a corpus too small for the default k: compare without the topic mix


def _topic_mix(groups: list[list[str]], corpus_dir: Path | None, models_dir: Path | None) -> tuple[TopicShare, ...]:
    result = _topics_result(corpus_dir, models_dir)
    if result is None:
        return ()
    mixes = [result.topic_mix(ids) for ids in groups]
    return tuple(TopicShare(t.id, t.name or t.label, tuple(round(m[t.id], 4) for m in mixes)) for t in result.topics)


def _top(changes: dict[str, tuple]) -> dict[str, tuple]:
    """The first N_TERMS of each kind (the lists people read)."""
    return {kind: v[:N_TERMS] for kind, v in changes.items()}


def _term_changes(old: Sequence[Any], new: Sequence[Any], *, with_examples: bool = True) -> dict[str, tuple]:
    """Every new, gone, rising and falling term, strongest first (uncut: callers count, then cut)."""
    a_counts = Counter(w for d in old for w in d.lemmas.split())
    b_counts = Counter(w for d in new for w in d.lemmas.split())
    na, nb = sum(a_counts.values()), sum(b_counts.values())
    out: dict[str, list[TermChange]] = {"new": [], "gone": [], "rising": [], "falling": []}
    if not na or not nb:
        return {k: () for k in out}
    for term in set(a_counts) | set(b_counts):
        a, b = a_counts.get(term, 0), b_counts.get(term, 0)
        g = _g2(b, a, nb, na)
        rising = b / nb > a / na
        if a == 0 and b >= MIN_COUNT:
            kind = "new"
        elif b == 0 and a >= MIN_COUNT:
            kind = "gone"
        elif a and b and g >= G2_CRITICAL and max(a, b) >= MIN_COUNT:
            kind = "rising" if rising else "falling"
        else:
            continue
        out[kind].append(TermChange(term, a, b, round(1000 * a / na, 2), round(1000 * b / nb, 2), round(g, 2),
                                    round(_log_ratio(b, a, nb, na), 2), ()))
    ranked = {k: sorted(v, key=lambda t: (-t.score, t.term)) for k, v in out.items()}
    if with_examples:   # only for the ones shown: finding examples re-analyses passages
        ranked = {k: [replace(t, examples=_examples(new if t.count_to / nb > t.count_from / na else old, t.term))
                      if i < N_TERMS else t for i, t in enumerate(v)] for k, v in ranked.items()}
    return {k: tuple(v) for k, v in ranked.items()}


def _topic_changes(old: Sequence[Any], new: Sequence[Any], corpus_dir: Path | None, models_dir: Path | None,
                   *, with_examples: bool = True) -> dict[str, tuple]:
    result = _topics_result(corpus_dir, models_dir)
    empty = {"new": (), "gone": (), "rising": (), "falling": (), "all": ()}
    if result is None:
        return empty
    before = result.topic_mix(d.passage_id for d in old)
    after = result.topic_mix(d.passage_id for d in new)
    changes = []
    for t in result.topics:
        a, b = before[t.id], after[t.id]
        examples: tuple[Example, ...] = ()
        if with_examples:
            side = new if b >= a else old
            ranked = sorted((d for d in side if result.doc_topics.get(d.passage_id)),
                            key=lambda d: (-result.doc_topics[d.passage_id][t.id], d.passage_id))
            examples = tuple(Example(d.passage_id, d.section, _shorten(d.text, 2 * SNIPPET_CHARS), d.text)
                             for d in ranked[:N_EXAMPLES] if result.doc_topics[d.passage_id][t.id] > 0)
        changes.append(TopicChange(t.id, t.name or t.label, round(a, 4), round(b, 4), round(b - a, 4), examples))
    out: dict[str, list[TopicChange]] = {"new": [], "gone": [], "rising": [], "falling": []}
    for c in changes:
        if c.share_from < TOPIC_ABSENT and c.share_to >= TOPIC_ABSENT + TOPIC_CHANGE:
            out["new"].append(c)
        elif c.share_to < TOPIC_ABSENT and c.share_from >= TOPIC_ABSENT + TOPIC_CHANGE:
            out["gone"].append(c)
        elif c.change >= TOPIC_CHANGE:
            out["rising"].append(c)
        elif c.change <= -TOPIC_CHANGE:
            out["falling"].append(c)
    ordered = {k: tuple(sorted(v, key=lambda c: (-abs(c.change), c.topic))) for k, v in out.items()}
    ordered["all"] = tuple(sorted(changes, key=lambda c: (-abs(c.change), c.topic)))
    return ordered


def _examples(docs: Sequence[Any], term: str) -> tuple[Example, ...]:
    found = [d for d in docs if term in d.lemmas.split()]
    found.sort(key=lambda d: (-d.lemmas.split().count(term), d.passage_id))
    return tuple(Example(d.passage_id, d.section, _snippet(d.text, term), d.text) for d in found[:N_EXAMPLES])


def _snippet(text: str, lemma: str) -> str:
    """The text around the first word whose lemma is `lemma` (via the shared analyser)."""
    from textkit.analysis import get_analyzer

    for token in get_analyzer().tokens(text):
        if token.lemma == lemma:
            start = max(0, token.start - SNIPPET_CHARS)
            end = min(len(text), token.end + SNIPPET_CHARS)
            return ("…" if start else "") + " ".join(text[start:end].split()) + ("…" if end < len(text) else "")
    return _shorten(text, 2 * SNIPPET_CHARS)


def _shorten(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit].rsplit(" ", 1)[0] + "…"


def _term_change_line(t: TermChange) -> str:
    return f"  {t.term:28} {t.count_from:3} → {t.count_to:3}  G²={t.score:6.1f}"


def _topic_change_line(t: TopicChange) -> str:
    return f"  {t.topic + 1:2}. {t.label[:40]:40} {t.share_from:6.1%} → {t.share_to:6.1%}"


def _pct(share: float | None) -> str:
    return "–" if share is None else f"{share:.1%}"


def _columns(rows: list[tuple[str, str, str]]) -> list[str]:
    w0 = max(len(r[0]) for r in rows)
    w1 = min(48, max(len(r[1]) for r in rows))
    return [f"{r[0]:{w0}}  {r[1][:48]:{w1}}  {r[2][:48]}" for r in rows]
