"""The excerpt basket: adding, de-duplicating, editing, persistence, concurrency and damaged files.

Passages here are SYNTHETIC `PassageRef`s (their texts are lines of the 2024
report or obviously made-up strings); the real-corpus lookup is tested at the end.
"""

from __future__ import annotations

import sqlite3
import threading
from datetime import datetime

import pytest

from textkit import excerpts as excerpts_mod
from textkit.cli import main
from textkit.errors import TextkitError
from textkit.excerpts import Basket, PassageRef
from textkit.export import cite

SECTION_2 = "2) Kuvaus valtakunnallisen teeman konkreettisesta toiminnasta 31.10.2024 mennessä (max. 4000 merkkiä)."

# SYNTHETIC passage records (text: two lines of the 2024 report, theme 11 section 2 list).
LIST_PASSAGE = PassageRef(
    edition=2024,
    edition_title="ESR+ Valtakunnallisten teemojen toteutuskatsaus",
    theme_id="synthetic-osallisuus",
    theme="Sosiaalinen osallisuus (SYNTHETIC)",
    section=2,
    section_title=SECTION_2,
    page=41,
    passage_id="2024-11-2-007",
    text="-Vammaisten henkilöiden oikeuksien vahvistaminen YK:n vammaissopimuksen mukaisesti. "
    "-Sukupuolten tasa-arvon edistäminen.",
)
OTHER_PASSAGE = PassageRef(
    edition=2024,
    edition_title="ESR+ Valtakunnallisten teemojen toteutuskatsaus",
    theme_id="synthetic-kohtaanto",
    theme="Työmarkkinoiden kohtaanto",
    section=4,
    section_title="4) Suunnitelmat tulevalle vuodelle (max. 2000 merkkiä)",
    page=5,
    passage_id="2024-01-4-002",
    text="SYNTHETIC: Hankehaku avataan keväällä; työllisyysalueet ja ELY-keskukset ovat mukana.",
)


@pytest.fixture()
def db(tmp_path):
    return tmp_path / "excerpts.sqlite3"


@pytest.fixture()
def basket(db):
    return Basket(db)


def test_default_location_is_models_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("TEXTKIT_MODELS", str(tmp_path / "models"))
    basket = Basket()
    assert basket.path == tmp_path / "models" / "excerpts.sqlite3"
    assert basket.path.exists()


def test_add_keeps_everything_the_citation_needs(basket):
    excerpt, created = basket.add(
        LIST_PASSAGE, collection="Raportti", note="  hyvä esimerkki ", codes=["osallisuus", "YK"], query="vammais*"
    )
    assert created
    assert excerpt.id > 0
    assert excerpt.collection == "Raportti"
    assert (excerpt.edition, excerpt.theme, excerpt.section, excerpt.page) == (2024, LIST_PASSAGE.theme, 2, 41)
    assert excerpt.passage_id == "2024-11-2-007"
    assert excerpt.text == LIST_PASSAGE.text
    assert excerpt.note == "hyvä esimerkki"
    assert excerpt.codes == ("osallisuus", "YK")
    assert excerpt.query == "vammais*"
    assert datetime.fromisoformat(excerpt.added_at).tzinfo is not None
    assert basket.get(excerpt.id) == excerpt
    assert cite(excerpt) == (
        'ESR+ Valtakunnallisten teemojen toteutuskatsaus 2024, teema "Sosiaalinen osallisuus (SYNTHETIC)", '
        "osio 2 (Kuvaus valtakunnallisen teeman konkreettisesta toiminnasta 31.10.2024 mennessä), s. 41."
    )


def test_same_passage_twice_is_one_excerpt_with_merged_codes(basket):
    first, created = basket.add(LIST_PASSAGE, codes=["TE24"])
    again, created_again = basket.add(LIST_PASSAGE, codes=["te24", "hankehaku"], note="myöhempi huomio")
    assert created and not created_again
    assert again.id == first.id
    assert again.codes == ("TE24", "hankehaku")  # case-insensitive, first spelling kept
    assert again.note == "myöhempi huomio"       # the empty note was filled in
    assert len(basket.excerpts()) == 1


def test_same_passage_in_another_collection_or_another_quote_is_separate(basket):
    basket.add(LIST_PASSAGE)
    basket.add(LIST_PASSAGE, collection="Toinen")
    part, created = basket.add(LIST_PASSAGE, text="-Sukupuolten tasa-arvon edistäminen.")
    assert created
    assert part.text == "-Sukupuolten tasa-arvon edistäminen."
    assert [(c.name, c.count) for c in basket.collections()] == [("Oletus", 2), ("Toinen", 1)]


def test_quote_must_come_from_the_passage(basket):
    with pytest.raises(TextkitError, match="ei ole kappaleesta 2024-11-2-007"):
        basket.add(LIST_PASSAGE, text="Tätä lausetta ei ole katsauksessa.")
    assert basket.excerpts() == []


def test_edit_note_codes_and_collection(basket):
    excerpt, _ = basket.add(LIST_PASSAGE, note="vanha", codes=["a"])
    edited = basket.edit(excerpt.id, note="uusi huomio", codes=["b", " c "], collection="Loppuraportti")
    assert (edited.note, edited.codes, edited.collection) == ("uusi huomio", ("b", "c"), "Loppuraportti")
    assert edited.text == excerpt.text and edited.added_at == excerpt.added_at
    cleared = basket.edit(excerpt.id, codes=[])
    assert cleared.codes == () and cleared.note == "uusi huomio"
    assert basket.excerpts("Oletus") == []
    assert basket.excerpts("Loppuraportti") == [cleared]


def test_moving_onto_an_existing_copy_is_refused(basket):
    a, _ = basket.add(LIST_PASSAGE, collection="A")
    basket.add(LIST_PASSAGE, collection="B")
    with pytest.raises(TextkitError, match="on jo tämä lainaus"):
        basket.edit(a.id, collection="B")
    assert basket.get(a.id).collection == "A"


def test_remove_and_unknown_ids(basket):
    excerpt, _ = basket.add(LIST_PASSAGE)
    assert basket.remove(excerpt.id) == excerpt
    assert basket.excerpts() == []
    with pytest.raises(TextkitError, match=f"Otetta {excerpt.id} ei ole"):
        basket.remove(excerpt.id)
    with pytest.raises(TextkitError, match="pitää olla numero"):
        basket.get("abc")


def test_filter_by_code_and_empty_collection_message(basket):
    basket.add(LIST_PASSAGE, codes=["Osallisuus"])
    basket.add(OTHER_PASSAGE, codes=["hankehaku"], collection="Haut")
    assert [e.passage_id for e in basket.excerpts(code="osallisuus")] == ["2024-11-2-007"]
    with pytest.raises(TextkitError, match=r"'Puuttuva' ei ole otteita.*Haut \(1\), Oletus \(1\)"):
        basket.collection("Puuttuva")
    with pytest.raises(TextkitError, match="nimi ei voi olla tyhjä"):
        basket.add(LIST_PASSAGE, collection="   ")


def test_survives_reopening_and_a_changed_corpus(db, tmp_path, monkeypatch):
    excerpt, _ = Basket(db).add(OTHER_PASSAGE, note="säilyy", codes=["ä", "ö"])
    # A rebuild may renumber passages or the corpus may change: the excerpt has its own copy.
    monkeypatch.setenv("TEXTKIT_CORPUS", str(tmp_path / "empty-corpus"))
    reopened = Basket(db)
    assert reopened.excerpts() == [excerpt]
    assert cite(reopened.get(excerpt.id)) == cite(excerpt)


def test_a_basket_whose_file_was_moved_aside_starts_afresh(db, tmp_path):
    basket = Basket(db)
    basket.add(LIST_PASSAGE)
    db.rename(tmp_path / "vanha.sqlite3")
    for suffix in ("-wal", "-shm"):
        db.with_name(db.name + suffix).unlink(missing_ok=True)
    assert basket.excerpts() == []
    basket.add(OTHER_PASSAGE)
    assert [e.passage_id for e in Basket(db).excerpts()] == ["2024-01-4-002"]


def test_database_uses_wal_and_a_schema_version(db):
    Basket(db)
    conn = sqlite3.connect(db)
    try:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert conn.execute("PRAGMA user_version").fetchone()[0] == excerpts_mod.SCHEMA_VERSION
    finally:
        conn.close()


def test_two_sessions_write_at_the_same_time(db):
    one, two = Basket(db), Basket(db)
    errors: list[Exception] = []

    def add_many(basket: Basket, collection: str) -> None:
        try:
            for i in range(40):
                passage = PassageRef(**{**OTHER_PASSAGE.__dict__, "text": f"{OTHER_PASSAGE.text} ({i})"})
                basket.add(passage, collection=collection)
                basket.excerpts(collection)
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=add_many, args=(b, name)) for b, name in ((one, "Yksi"), (two, "Kaksi"))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert {(c.name, c.count) for c in Basket(db).collections()} == {("Yksi", 40), ("Kaksi", 40)}


def test_readers_are_not_blocked_by_a_writer(db):
    basket = Basket(db)
    basket.add(LIST_PASSAGE)
    writer = sqlite3.connect(db, isolation_level=None)
    try:
        writer.execute("BEGIN IMMEDIATE")
        writer.execute("UPDATE excerpts SET note = 'kesken'")
        assert [e.note for e in Basket(db, timeout=0.1).excerpts()] == [""]  # sees the last commit
    finally:
        writer.execute("ROLLBACK")
        writer.close()


def test_locked_database_says_so_and_changes_nothing(db):
    basket = Basket(db, timeout=0.1)
    basket.add(LIST_PASSAGE)
    holder = sqlite3.connect(db, isolation_level=None)
    try:
        holder.execute("BEGIN IMMEDIATE")
        with pytest.raises(TextkitError, match=rf"{db.name} on toisen ohjelman tai istunnon lukitsema"):
            basket.add(OTHER_PASSAGE)
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert [e.passage_id for e in basket.excerpts()] == ["2024-11-2-007"]
    basket.add(OTHER_PASSAGE)  # works again once the lock is gone
    assert len(basket.excerpts()) == 2


def test_file_that_is_not_a_database_is_reported_and_left_alone(db):
    garbage = b"Muistiinpanoja, ei tietokanta.\n" * 200
    db.write_bytes(garbage)
    with pytest.raises(TextkitError, match=rf"{db} on rikki tai ei ole SQLite-tietokanta.*ei ole muuttanut sitä"):
        Basket(db)
    assert db.read_bytes() == garbage


def test_damaged_database_is_reported_and_left_alone(db):
    Basket(db).add(OTHER_PASSAGE)
    conn = sqlite3.connect(db)
    conn.executemany(  # fill several pages quickly
        "INSERT INTO excerpts (collection, edition, edition_title, theme_id, theme, section, section_title,"
        " page, passage_id, text, added_at) SELECT collection, edition, edition_title, theme_id, theme, section,"
        " section_title, page, passage_id, text || ?, added_at FROM excerpts WHERE id = 1",
        [(f" {i} " + "x" * 200,) for i in range(300)],
    )
    conn.commit()
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.execute("PRAGMA journal_mode = DELETE")
    conn.close()
    data = bytearray(db.read_bytes())
    page = 4096
    data[3 * page : 6 * page] = b"\xff\x00\x13" * page  # scribble over three b-tree pages
    db.write_bytes(bytes(data))
    with pytest.raises(TextkitError, match="damaged"):
        Basket(db)
    assert db.read_bytes() == bytes(data)


def test_other_sqlite_database_is_not_taken_over(db):
    conn = sqlite3.connect(db)
    conn.execute("CREATE TABLE budget (euros INTEGER)")
    conn.commit()
    conn.close()
    with pytest.raises(TextkitError, match="ei textkitin otetietokanta"):
        Basket(db)
    conn = sqlite3.connect(db)
    assert [r[0] for r in conn.execute("SELECT name FROM sqlite_master")] == ["budget"]
    conn.close()


@pytest.mark.parametrize("user_version", [0, 1])
def test_foreign_database_with_our_schema_version_is_left_byte_for_byte(db, user_version, capsys):
    # SYNTHETIC: another program's database (rollback journal, its own tables, user_version set).
    conn = sqlite3.connect(db)
    conn.execute("CREATE TABLE budget (euros INTEGER)")
    conn.execute("INSERT INTO budget VALUES (1200)")
    conn.execute(f"PRAGMA user_version = {user_version}")
    conn.commit()
    conn.close()
    before = db.read_bytes()
    with pytest.raises(TextkitError, match=r"ei textkitin otetietokanta \(sen taulut: budget\).*ei muutettu"):
        Basket(db)
    assert db.read_bytes() == before
    assert not db.with_name(db.name + "-wal").exists()
    assert main(["basket", "list", "--db", str(db)]) == 2
    assert "ei textkitin otetietokanta" in capsys.readouterr().err
    assert db.read_bytes() == before


def test_newer_schema_is_refused(db):
    Basket(db).add(LIST_PASSAGE)
    conn = sqlite3.connect(db)
    conn.execute(f"PRAGMA user_version = {excerpts_mod.SCHEMA_VERSION + 1}")
    conn.close()
    with pytest.raises(TextkitError, match="kirjoittanut uudempi textkit"):
        Basket(db)


def test_migration_hook_upgrades_in_place_and_keeps_a_copy(db, monkeypatch):
    excerpt, _ = Basket(db).add(LIST_PASSAGE, note="ennen päivitystä")

    def add_colour(conn):
        conn.execute("ALTER TABLE excerpts ADD COLUMN colour TEXT NOT NULL DEFAULT ''")

    monkeypatch.setattr(excerpts_mod, "SCHEMA_VERSION", 2)
    monkeypatch.setattr(excerpts_mod, "_MIGRATIONS", [*excerpts_mod._MIGRATIONS, add_colour])
    upgraded = Basket(db)
    assert upgraded.excerpts() == [excerpt]
    conn = sqlite3.connect(db)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == 2
    conn.close()
    backup = db.with_name(f"{db.name}.v1.bak")
    old = sqlite3.connect(backup)
    assert old.execute("SELECT note FROM excerpts").fetchall() == [("ennen päivitystä",)]
    assert old.execute("PRAGMA user_version").fetchone()[0] == 1
    old.close()


def test_path_that_is_a_folder_is_refused(tmp_path):
    with pytest.raises(TextkitError, match="on kansio"):
        Basket(tmp_path)


# ---------------------------------------------------------------- the real 2024 edition


ISSUE_CITATION = (
    'ESR+ Valtakunnallisten teemojen toteutuskatsaus 2024, teema "Työmarkkinoiden kohtaanto", '
    "osio 2 (Kuvaus valtakunnallisen teeman konkreettisesta toiminnasta 31.10.2024 mennessä), s. 3."
)


def test_find_passage_in_the_2024_edition():
    ref = excerpts_mod.find_passage("2024-01-2-001")
    assert (ref.edition, ref.theme, ref.section, ref.page) == (2024, "Työmarkkinoiden kohtaanto", 2, 3)
    assert cite(ref) == ISSUE_CITATION
    with pytest.raises(TextkitError, match="Kappaletta '2024-99-2-001' ei ole aineistossa"):
        excerpts_mod.find_passage("2024-99-2-001")


def test_select_sentences_quotes_exactly():
    text = excerpts_mod.find_passage("2024-01-2-001").text
    first_two = excerpts_mod.select_sentences(text, 1, 2)
    assert text.startswith(first_two) and len(first_two) < len(text)
    with pytest.raises(TextkitError, match="kappaleen ulkopuolella"):
        excerpts_mod.select_sentences(text, 1, 999)


def test_cli_basket_round_trip(tmp_path, capsys):
    import json

    db = str(tmp_path / "kori.sqlite3")
    assert main(["basket", "add", "2024-04-2-005", "--db", db, "--code", "hanke", "--note", "lista"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("Added #1 [Oletus] ESR+ Valtakunnallisten teemojen toteutuskatsaus 2024, teema ")
    # 2024-04-2-005 was a list item of its own; it has joined its lead-in, and its old id finds it there.
    assert "joita ovat: - julkiset neuvonta- ja ohjaus-" in out
    assert main(["basket", "add", "2024-04-2-005", "--db", db]) == 0
    assert "Already in the basket" in capsys.readouterr().out
    assert main(["basket", "add", "2024-01-2-001", "--db", db, "--sentences", "1", "--collection", "Raportti",
                 "--query", "kohtaanto", "--json"]) == 0
    added = json.loads(capsys.readouterr().out)
    assert added["created"] and added["citation"] == ISSUE_CITATION and added["query"] == "kohtaanto"
    assert main(["basket", "edit", "1", "--db", db, "--code", "a", "--code", "b", "--collection", "Raportti"]) == 0
    capsys.readouterr()
    assert main(["basket", "collections", "--db", db, "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == [{"name": "Raportti", "count": 2}]
    assert main(["basket", "list", "--db", db, "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert [e["codes"] for e in listed] == [["a", "b"], []]
    assert main(["basket", "remove", "2", "--db", db]) == 0
    assert "Removed #2" in capsys.readouterr().out
    assert main(["basket", "remove", "2", "--db", db]) == 2
    assert "Otetta 2 ei ole" in capsys.readouterr().err
    assert main(["basket", "add", "2024-77-2-001", "--db", db]) == 2
    assert "Kappaletta '2024-77-2-001' ei ole" in capsys.readouterr().err


def test_rebuilding_models_keeps_the_basket(tmp_path, monkeypatch):
    from textkit import build, index, topics

    models = tmp_path / "models"
    monkeypatch.setenv("TEXTKIT_MODELS", str(models))

    # Stand-ins for the slow builders: what matters is how build_models swaps models/ around the basket.
    def fake_index(editions, folder, progress=None):
        (folder / "index").mkdir()
        (folder / "index" / "segment").write_text("SYNTHETIC", encoding="utf-8")
        return 1

    monkeypatch.setattr(index, "build_index", fake_index)
    monkeypatch.setattr(topics, "build_topics", lambda editions, folder, progress=None, **kw: None)
    basket = Basket()
    excerpt, _ = basket.add(LIST_PASSAGE, note="säilyy")
    inode = basket.path.stat().st_ino
    for _ in range(2):
        build.build_models(force=True, models_dir=models)
    assert (models / "index" / "segment").exists()
    assert basket.path.stat().st_ino == inode
    assert basket.excerpts() == [excerpt]
    assert Basket().excerpts() == [excerpt]
