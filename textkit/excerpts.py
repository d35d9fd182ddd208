"""The excerpt basket: quotations an evaluator collects, kept in SQLite.

One file, `models_dir()/excerpts.sqlite3` by default (or any path the user
chooses). It is user data, not a build artefact: rebuilding the index never
touches it, and every excerpt keeps its own copy of the quoted text and of
everything its citation needs (edition, theme name, section title, page), so
excerpts stay citable even when a new build numbers the passages differently.

Safety, because this is the one file in models/ a user cannot rebuild:
- WAL journal and a busy timeout, so two app sessions (or the app and the CLI)
  can read and write at the same time;
- a database that is damaged, not ours, from a newer textkit, or locked for
  too long raises a `TextkitError` naming the file; it is never recreated,
  truncated or overwritten;
- the schema is versioned (`PRAGMA user_version`); `_MIGRATIONS` upgrades
  old files in place after copying them aside.
"""

from __future__ import annotations

import json
import re
import sqlite3
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Iterable, Iterator, Sequence

from textkit.errors import TextkitError
from textkit.paths import models_dir

DB_FILENAME = "excerpts.sqlite3"
SCHEMA_VERSION = 1
DEFAULT_COLLECTION = "Oletus"
DEFAULT_EDITION_TITLE = "ESR+ Valtakunnallisten teemojen toteutuskatsaus"
BUSY_TIMEOUT_SECONDS = 5.0
_MAX_NAME_CHARS = 200

_WHITESPACE = re.compile(r"\s+")
_PASSAGE_ID = re.compile(r"^(?P<year>\d{4})-")


@dataclass(frozen=True)
class PassageRef:
    """Everything an excerpt needs from a passage: its place in the report and its text.

    `Hit`s from search carry the same attributes (except `edition_title`), so
    `Basket.add` takes either.
    """

    edition: int
    edition_title: str
    theme_id: str
    theme: str
    section: int
    section_title: str
    page: int
    passage_id: str
    text: str


@dataclass(frozen=True)
class Excerpt:
    """A quotation in the basket, with its own copy of everything its citation needs."""

    id: int
    collection: str
    edition: int
    edition_title: str
    theme_id: str
    theme: str
    section: int
    section_title: str
    page: int
    passage_id: str     # id at the time of adding; informative only, may differ after a rebuild
    text: str           # the quoted text: the whole passage or the chosen sentences
    query: str = ""     # the search that found it
    note: str = ""
    codes: tuple[str, ...] = ()
    added_at: str = ""  # ISO 8601, UTC


@dataclass(frozen=True)
class Collection:
    name: str
    count: int


def default_db_path() -> Path:
    return models_dir() / DB_FILENAME


class Basket:
    """The excerpt database. Cheap to create; each call opens its own short connection,
    so one `Basket` can be shared between threads (e.g. Streamlit sessions)."""

    def __init__(self, path: str | Path | None = None, *, timeout: float = BUSY_TIMEOUT_SECONDS):
        self.path = Path(path) if path is not None else default_db_path()
        self.timeout = timeout
        self._open()

    # -------------------------------------------------------------- reading

    def excerpts(self, collection: str | None = None, *, code: str | None = None) -> list[Excerpt]:
        """Excerpts in the order they were added, optionally of one collection and/or one code."""
        sql = f"SELECT {_COLUMNS} FROM excerpts"
        params: tuple[Any, ...] = ()
        if collection is not None:
            sql += " WHERE collection = ?"
            params = (_clean_name(collection, "collection"),)
        sql += " ORDER BY id"
        with self._transaction(write=False) as conn:
            excerpts = [_row_to_excerpt(row) for row in conn.execute(sql, params)]
        if code is not None:
            wanted = _fold(code)
            excerpts = [e for e in excerpts if any(_fold(c) == wanted for c in e.codes)]
        return excerpts

    def get(self, excerpt_id: int) -> Excerpt:
        with self._transaction(write=False) as conn:
            return self._get(conn, excerpt_id)

    def collections(self) -> list[Collection]:
        """Collections that hold excerpts, by name, with their sizes."""
        sql = "SELECT collection, COUNT(*) FROM excerpts GROUP BY collection ORDER BY collection COLLATE NOCASE"
        with self._transaction(write=False) as conn:
            return [Collection(name, count) for name, count in conn.execute(sql)]

    def collection(self, name: str) -> list[Excerpt]:
        """The excerpts of one collection; TextkitError if it has none (nothing to export)."""
        excerpts = self.excerpts(name)
        if not excerpts:
            known = ", ".join(f"{c.name} ({c.count})" for c in self.collections()) or "none yet"
            raise TextkitError(
                f"Kokoelmassa {_clean_name(name, 'collection')!r} ei ole otteita tiedostossa {self.path}. "
                f"Kokoelmat: {known}."
            )
        return excerpts

    # -------------------------------------------------------------- writing

    def add(
        self,
        source: Any,
        *,
        collection: str = DEFAULT_COLLECTION,
        note: str = "",
        codes: Iterable[str] = (),
        query: str = "",
        text: str | None = None,
    ) -> tuple[Excerpt, bool]:
        """Put a passage (a `PassageRef` or a search `Hit`) into a collection.

        `text` quotes part of the passage (it must occur in the passage); the
        default is the whole passage. Returns `(excerpt, created)`. Adding the
        same quotation of the same section to the same collection again does not
        duplicate it: the existing excerpt is returned, with the new codes added
        and the note filled in if it was empty.
        """
        collection = _clean_name(collection, "collection")
        codes = _clean_codes(codes)
        note = (note or "").strip()
        quoted = _quoted_text(source, text)
        fields = {
            "collection": collection,
            **passage_place(source),
            "text": quoted,
            "query": (query or "").strip(),
            "note": note,
            "codes": json.dumps(list(codes), ensure_ascii=False),
            "added_at": _now(),
        }
        with self._transaction(write=True) as conn:
            existing = conn.execute(
                "SELECT id FROM excerpts WHERE collection = ? AND edition = ? AND theme_id = ?"
                " AND section = ? AND text = ?",
                (collection, fields["edition"], fields["theme_id"], fields["section"], quoted),
            ).fetchone()
            if existing:
                old = self._get(conn, existing[0])
                merged = _clean_codes(old.codes + codes)
                conn.execute(
                    "UPDATE excerpts SET codes = ?, note = ? WHERE id = ?",
                    (json.dumps(list(merged), ensure_ascii=False), old.note or note, old.id),
                )
                return self._get(conn, old.id), False
            names = ", ".join(fields)
            marks = ", ".join(f":{k}" for k in fields)
            cursor = conn.execute(f"INSERT INTO excerpts ({names}) VALUES ({marks})", fields)
            return self._get(conn, cursor.lastrowid), True

    def edit(
        self,
        excerpt_id: int,
        *,
        note: str | None = None,
        codes: Iterable[str] | None = None,
        collection: str | None = None,
    ) -> Excerpt:
        """Change the note, replace the codes, or move the excerpt to another collection.
        Arguments left as None stay as they are."""
        changes: dict[str, Any] = {}
        if note is not None:
            changes["note"] = note.strip()
        if codes is not None:
            changes["codes"] = json.dumps(list(_clean_codes(codes)), ensure_ascii=False)
        if collection is not None:
            changes["collection"] = _clean_name(collection, "collection")
        with self._transaction(write=True) as conn:
            old = self._get(conn, excerpt_id)
            if not changes:
                return old
            assignments = ", ".join(f"{k} = :{k}" for k in changes)
            try:
                conn.execute(f"UPDATE excerpts SET {assignments} WHERE id = :id", {**changes, "id": old.id})
            except sqlite3.IntegrityError:
                raise TextkitError(
                    f"Kokoelmassa {changes['collection']!r} on jo tämä lainaus "
                    f"(otetta {old.id} ei siirretty)."
                ) from None
            return self._get(conn, old.id)

    def remove(self, excerpt_id: int) -> Excerpt:
        """Delete one excerpt; returns what was deleted."""
        with self._transaction(write=True) as conn:
            old = self._get(conn, excerpt_id)
            conn.execute("DELETE FROM excerpts WHERE id = ?", (old.id,))
            return old

    # -------------------------------------------------------------- private

    def _get(self, conn: sqlite3.Connection, excerpt_id: int) -> Excerpt:
        try:
            key = int(excerpt_id)
        except (TypeError, ValueError):
            raise TextkitError(f"Otteen tunnisteen pitää olla numero, ei {excerpt_id!r}.") from None
        row = conn.execute(f"SELECT {_COLUMNS} FROM excerpts WHERE id = ?", (key,)).fetchone()
        if row is None:
            raise TextkitError(f"Otetta {key} ei ole tiedostossa {self.path} (ks. `textkit basket list`).")
        return _row_to_excerpt(row)

    def _open(self) -> None:
        """Check the file, create or migrate the schema, switch to WAL. Never replaces a file."""
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except (FileExistsError, NotADirectoryError):
            raise TextkitError(
                f"Tiedostoa {self.path} ei voi käyttää otetietokantana: {self.path.parent} on tiedosto, ei kansio."
            ) from None
        except OSError as exc:
            raise TextkitError(f"Otetietokannan {self.path} kansiota ei voi luoda: {exc.strerror}.") from None
        if self.path.is_dir():
            raise TextkitError(f"Otetietokannan polku {self.path} on kansio; anna tiedostonimi.")
        existed = self.path.exists() and self.path.stat().st_size > 0
        if existed:
            # Everything about an existing file is checked over a read-only connection first:
            # a damaged or foreign file is refused before anything (the WAL switch, a
            # migration) could change a byte of it.
            self._check_existing()
        with self._guard():
            conn = self._connect()
            try:
                version = conn.execute("PRAGMA user_version").fetchone()[0]
                if version < SCHEMA_VERSION:
                    self._migrate(conn, existed)
                if conn.execute("PRAGMA journal_mode").fetchone()[0].lower() != "wal":
                    conn.execute("PRAGMA journal_mode = WAL")
            finally:
                conn.close()

    def _check_existing(self) -> None:
        """Refuse a damaged, foreign or newer database, reading it only."""
        with self._guard():
            conn = sqlite3.connect(f"{self.path.resolve().as_uri()}?mode=ro", uri=True, timeout=self.timeout,
                                   isolation_level=None, check_same_thread=False)
            try:
                conn.execute(f"PRAGMA busy_timeout = {int(self.timeout * 1000)}")
                problems = [row[0] for row in conn.execute("PRAGMA quick_check")]
                if problems != ["ok"]:
                    raise TextkitError(_damaged_message(self.path, "; ".join(problems[:3])))
                version = conn.execute("PRAGMA user_version").fetchone()[0]
                if version > SCHEMA_VERSION:
                    raise TextkitError(
                        f"Otetietokannan {self.path} on kirjoittanut uudempi textkit "
                        f"(skeema {version}, tämä versio tuntee {SCHEMA_VERSION}). Päivitä textkit; "
                        "tiedostoa ei muutettu."
                    )
                tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
                columns = {r[1] for r in conn.execute("PRAGMA table_info(excerpts)")}
            finally:
                conn.close()
        expected = {c.strip() for c in _COLUMNS.split(",")}
        ours = version == 0 and not tables or version > 0 and expected <= columns
        if not ours:
            raise TextkitError(_foreign_message(self.path, tables))

    def _migrate(self, conn: sqlite3.Connection, existed: bool) -> None:
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        if existed and version > 0:
            # Keep a copy of the old file before changing its schema (the backup API
            # also copies what is still in the WAL).
            backup = sqlite3.connect(self.path.with_name(f"{self.path.name}.v{version}.bak"))
            try:
                conn.backup(backup)
            finally:
                backup.close()
        conn.execute("BEGIN IMMEDIATE")
        try:
            # Another session may have created or migrated the schema meanwhile.
            version = conn.execute("PRAGMA user_version").fetchone()[0]
            if version == 0:
                foreign = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
                if foreign:
                    raise TextkitError(_foreign_message(self.path, foreign))
            for step in _MIGRATIONS[version:SCHEMA_VERSION]:
                step(conn)
            conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
            conn.execute("COMMIT")
        except BaseException:
            conn.rollback()
            raise

    def _connect(self) -> sqlite3.Connection:
        # Autocommit mode; transactions are explicit (BEGIN IMMEDIATE for writes, so a
        # writer waits for the lock up front instead of failing on upgrade under WAL).
        conn = sqlite3.connect(self.path, timeout=self.timeout, isolation_level=None, check_same_thread=False)
        conn.execute(f"PRAGMA busy_timeout = {int(self.timeout * 1000)}")
        return conn

    @contextmanager
    def _transaction(self, *, write: bool) -> Iterator[sqlite3.Connection]:
        if not self.path.exists():
            # Moved aside or deleted while the app kept this Basket: start a new, empty one
            # rather than failing on a schema-less file.
            self._open()
        with self._guard():
            conn = self._connect()
            try:
                conn.execute("BEGIN IMMEDIATE" if write else "BEGIN")
                yield conn
                conn.execute("COMMIT")
            except BaseException:
                if conn.in_transaction:
                    conn.rollback()
                raise
            finally:
                conn.close()

    @contextmanager
    def _guard(self) -> Iterator[None]:
        """Turn SQLite's errors into messages that name the file and say what to do."""
        try:
            yield
        except sqlite3.OperationalError as exc:
            detail = str(exc)
            if "locked" in detail or "busy" in detail:
                raise TextkitError(
                    f"Otetietokanta {self.path} on toisen ohjelman tai istunnon lukitsema "
                    f"(odotettiin {self.timeout:g} s). Yritä hetken päästä uudelleen; mitään ei muutettu."
                ) from None
            if "unable to open" in detail:
                raise TextkitError(
                    f"Otetietokantaa {self.path} ei voi avata: kansio puuttuu tai siihen ei voi kirjoittaa."
                ) from None
            if "readonly" in detail:
                raise TextkitError(f"Otetietokanta {self.path} on vain luku -tilassa; mitään ei muutettu.") from None
            if "malformed" in detail or "not a database" in detail:
                raise TextkitError(_damaged_message(self.path, detail)) from None
            raise TextkitError(f"Otetietokantaa {self.path} ei voitu käyttää: {detail}.") from None
        except sqlite3.DatabaseError as exc:
            raise TextkitError(_damaged_message(self.path, str(exc))) from None


def find_passage(passage_id: str, editions: Sequence[Any] | None = None) -> PassageRef:
    """Look a passage id (e.g. "2024-01-2-003") up in the corpus."""
    passage_id = (passage_id or "").strip()
    if editions is None:
        from textkit.corpus import load_editions

        editions = load_editions()
    match = _PASSAGE_ID.match(passage_id)
    for edition in editions:
        if match and int(match["year"]) != edition.year:
            continue
        for theme in edition.themes:
            for section in theme.sections:
                # An id of a list item that has joined its lead-in finds the passage holding it.
                wanted = dict(section.absorbed_ids).get(passage_id, passage_id)
                for passage in section.passages:
                    if passage.id == wanted:
                        return PassageRef(
                            edition=edition.year,
                            edition_title=edition.title or DEFAULT_EDITION_TITLE,
                            theme_id=theme.id,
                            theme=theme.name,
                            section=section.number,
                            section_title=section.title,
                            page=passage.page,
                            passage_id=passage.id,
                            text=passage.text,
                        )
    raise TextkitError(
        f"Kappaletta {passage_id!r} ei ole aineistossa. Kappaleiden tunnisteet ovat muotoa 2024-01-2-003 "
        "(vuosi-teema-osio-järjestysnumero); `textkit search HAKU --json` näyttää ne."
    )


def select_sentences(text: str, first: int, last: int | None = None) -> str:
    """Sentences `first`..`last` (1-based, inclusive) of a passage, exactly as they stand in it."""
    from textkit.analysis import get_analyzer

    last = first if last is None else last
    spans = get_analyzer().sentences(text)
    if not 1 <= first <= last <= len(spans):
        raise TextkitError(
            f"Virkkeet {first}–{last} ovat kappaleen ulkopuolella; kappaleessa on {len(spans)} virkettä."
        )
    return text[spans[first - 1][0] : spans[last - 1][1]].strip()


def passage_place(source: Any, default_title: str | None = None) -> dict[str, Any]:
    """Where a passage (`PassageRef`) or a search `Hit` stands in the report: the fields an
    `Excerpt` copies from it, typed. A source without an edition title gets `default_title`,
    else the manifest's title for its year."""
    edition = int(source.edition)
    return {
        "edition": edition,
        "edition_title": getattr(source, "edition_title", None) or default_title or edition_title(edition),
        "theme_id": source.theme_id,
        "theme": source.theme,
        "section": int(source.section),
        "section_title": source.section_title,
        "page": int(source.page or 0),
        "passage_id": source.passage_id,
    }


def edition_title(year: int) -> str:
    """The title of an edition from the manifest (the series title if the manifest lacks it)."""
    from textkit.corpus import load_manifest

    try:
        entries = load_manifest()
    except TextkitError:
        return DEFAULT_EDITION_TITLE
    return next((e["title"] for e in entries if e["year"] == year and e["title"]), DEFAULT_EDITION_TITLE)


# ---------------------------------------------------------------- private helpers


def _migrate_0_to_1(conn: sqlite3.Connection) -> None:
    conn.execute(
        """
        CREATE TABLE excerpts (
            id            INTEGER PRIMARY KEY AUTOINCREMENT,
            collection    TEXT    NOT NULL,
            edition       INTEGER NOT NULL,
            edition_title TEXT    NOT NULL,
            theme_id      TEXT    NOT NULL,
            theme         TEXT    NOT NULL,
            section       INTEGER NOT NULL,
            section_title TEXT    NOT NULL,
            page          INTEGER NOT NULL,
            passage_id    TEXT    NOT NULL,
            text          TEXT    NOT NULL,
            query         TEXT    NOT NULL DEFAULT '',
            note          TEXT    NOT NULL DEFAULT '',
            codes         TEXT    NOT NULL DEFAULT '[]',
            added_at      TEXT    NOT NULL,
            -- the same quotation of the same section once per collection; not the
            -- passage id, which a rebuild may renumber
            UNIQUE (collection, edition, theme_id, section, text)
        )
        """
    )


# _MIGRATIONS[v] upgrades schema version v to v + 1. Append, never edit.
_MIGRATIONS = [_migrate_0_to_1]

_COLUMNS = (
    "id, collection, edition, edition_title, theme_id, theme, section, section_title, "
    "page, passage_id, text, query, note, codes, added_at"
)


def _row_to_excerpt(row: Sequence[Any]) -> Excerpt:
    (id_, collection, edition, title, theme_id, theme, section, section_title,
     page, passage_id, text, query, note, codes, added_at) = row
    return Excerpt(
        id=id_, collection=collection, edition=edition, edition_title=title, theme_id=theme_id,
        theme=theme, section=section, section_title=section_title, page=page, passage_id=passage_id,
        text=text, query=query, note=note, codes=tuple(json.loads(codes)), added_at=added_at,
    )


def _quoted_text(source: Any, text: str | None) -> str:
    passage = source.text or ""
    if text is None or not text.strip():
        return passage.strip()
    quoted = text.strip()
    if quoted not in passage and _WHITESPACE.sub(" ", quoted) not in _WHITESPACE.sub(" ", passage):
        raise TextkitError(
            f"Lainattu teksti ei ole kappaleesta {source.passage_id}; lainaa se täsmälleen "
            "(tai jätä teksti pois, niin koko kappale otetaan)."
        )
    return quoted


def _clean_name(name: str, what: str) -> str:
    cleaned = _WHITESPACE.sub(" ", name or "").strip()
    if not cleaned:
        raise TextkitError("Kokoelman nimi ei voi olla tyhjä.")
    if len(cleaned) > _MAX_NAME_CHARS:
        raise TextkitError(f"Kokoelman nimi on yli {_MAX_NAME_CHARS} merkkiä pitkä.")
    return cleaned


def _clean_codes(codes: Iterable[str]) -> tuple[str, ...]:
    if isinstance(codes, str):
        codes = [codes]
    seen: dict[str, str] = {}
    for code in codes:
        cleaned = _WHITESPACE.sub(" ", code or "").strip()
        if cleaned and _fold(cleaned) not in seen:
            seen[_fold(cleaned)] = cleaned
    return tuple(seen.values())


def _fold(text: str) -> str:
    return _WHITESPACE.sub(" ", text).strip().casefold()


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def _foreign_message(path: Path, tables: Sequence[str]) -> str:
    listing = ", ".join(tables[:5]) if tables else "–"
    return (
        f"{path} on SQLite-tietokanta mutta ei textkitin otetietokanta "
        f"(sen taulut: {listing}). Valitse toinen tiedosto; tätä ei muutettu."
    )


def _damaged_message(path: Path, detail: str) -> str:
    return (
        f"Otetietokanta {path} on rikki tai ei ole SQLite-tietokanta ({detail}). "
        "textkit ei ole muuttanut sitä. Palauta se varmuuskopiosta tai siirrä se syrjään, niin kori alkaa tyhjänä."
    )
