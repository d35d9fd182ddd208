"""Corpus folder tests: manifest, loading, fingerprint and adding an edition.

Every test works on a copy of the corpus in a temporary folder. The "2025
edition" used here is SYNTHETIC: a slice of the real 2024 text stored under
another year, only to have two editions.
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path

import pytest

from textkit import corpus
from textkit.corpus import add_edition, corpus_fingerprint, load_editions, load_manifest, safe_filename
from textkit.errors import TextkitError

from conftest import EDITION_2024_FILE, ROOT, first_themes_2024


def _synthetic_edition_text() -> bytes:
    """SYNTHETIC edition: the real 2024 title lines and its first two themes."""
    return first_themes_2024(2).encode("utf-8")


def test_load_manifest_of_the_real_corpus():
    entries = load_manifest(ROOT / "corpus")
    assert entries == [
        {
            "year": 2024,
            "title": "ESR+ Valtakunnallisten teemojen toteutuskatsaus",
            "reporting_date": "2024-10-31",
            "file": "toteutuskatsaus-2024.txt",
        }
    ]


def test_load_editions_parses_and_caches(corpus_copy):
    first = load_editions()
    assert [e.year for e in first] == [2024]
    assert len(first[0].themes) == 12
    assert first[0].title == "ESR+ Valtakunnallisten teemojen toteutuskatsaus"
    assert load_editions(corpus_copy)[0] is first[0]  # cached: same file size and mtime


def test_fingerprint_changes_with_the_file_or_the_manifest(corpus_copy):
    before = corpus_fingerprint()
    assert before == corpus_fingerprint(corpus_copy)
    path = corpus_copy / EDITION_2024_FILE.name
    path.write_bytes(path.read_bytes() + b"\n")
    after_file = corpus_fingerprint()
    assert after_file != before
    manifest = corpus_copy / "editions.toml"
    manifest.write_text(manifest.read_text(encoding="utf-8") + "\n# muutos\n", encoding="utf-8")
    assert corpus_fingerprint() != after_file


def test_add_edition_writes_file_and_manifest(corpus_copy):
    edition = add_edition(_synthetic_edition_text(), "Toteutuskatsaus 2025.txt", 2025)
    assert edition.year == 2025 and len(edition.themes) == 2
    assert (corpus_copy / "Toteutuskatsaus-2025.txt").exists()
    data = tomllib.loads((corpus_copy / "editions.toml").read_text(encoding="utf-8"))
    assert [e["year"] for e in data["edition"]] == [2024, 2025]
    assert str(data["edition"][0]["reporting_date"]) == "2024-10-31"
    assert data["edition"][1]["file"] == "Toteutuskatsaus-2025.txt"
    assert [e.year for e in load_editions()] == [2024, 2025]
    assert not [p for p in corpus_copy.iterdir() if p.name.startswith(".")]  # no temporary files left
    # Ordinary shared documents, readable by the other users of the machine (not mkstemp's 0600).
    assert (corpus_copy / "Toteutuskatsaus-2025.txt").stat().st_mode & 0o777 == 0o644
    assert (corpus_copy / "editions.toml").stat().st_mode & 0o777 == 0o644


def test_add_edition_refuses_an_existing_year_unless_replace(corpus_copy):
    with pytest.raises(TextkitError, match="already has the 2024 edition"):
        add_edition(_synthetic_edition_text(), "uusi.txt", 2024)
    edition = add_edition(_synthetic_edition_text(), "uusi.txt", 2024, replace=True)
    assert len(edition.themes) == 2
    entries = load_manifest()
    assert [(e["year"], e["file"]) for e in entries] == [(2024, "uusi.txt")]
    assert not (corpus_copy / EDITION_2024_FILE.name).exists()


def test_add_edition_file_name_cannot_leave_the_folder(corpus_copy):
    add_edition(_synthetic_edition_text(), "../../ulos/Räätälöity katsaus.txt", 2026)
    assert (corpus_copy / "Raataloity-katsaus.txt").exists()
    assert not (corpus_copy.parent / "ulos").exists()
    assert safe_filename("..\\..\\x.pdf", 2027) == "x.pdf"
    assert safe_filename(".txt", 2027) == "toteutuskatsaus-2027.txt"
    assert safe_filename("editions.txt", 2027) == "editions-2027.txt"


@pytest.mark.parametrize(
    ("data", "name", "year", "message"),
    [
        (b"", "tyhja.txt", 2025, "tyhja.txt: the file is empty"),
        (b"MZ\x90\x00", "ohjelma.exe", 2025, "ohjelma.exe: unsupported file type '.exe'"),
        ("Kokousmuistio\n\nEi teemoja.".encode(), "muistio.txt", 2025, "muistio.txt: this does not look like"),
        (b"%PDF-1.4 broken", "rikki.pdf", 2025, "rikki.pdf: "),
        (b"abc", "katsaus.txt", 1066, "between 2000 and 2100"),
    ],
)
def test_add_edition_refuses_bad_files_and_writes_nothing(corpus_copy, data, name, year, message):
    manifest_before = (corpus_copy / "editions.toml").read_bytes()
    files_before = sorted(p.name for p in corpus_copy.iterdir())
    with pytest.raises(TextkitError, match=message.replace(".", r"\.").replace("(", r"\(")):
        add_edition(data, name, year)
    assert (corpus_copy / "editions.toml").read_bytes() == manifest_before
    assert sorted(p.name for p in corpus_copy.iterdir()) == files_before


def test_add_edition_refuses_too_large_files(corpus_copy, monkeypatch):
    monkeypatch.setattr(corpus, "MAX_UPLOAD_BYTES", 1000)
    with pytest.raises(TextkitError, match="too large"):
        add_edition(_synthetic_edition_text(), "iso.txt", 2025)


@pytest.mark.parametrize(
    ("manifest", "message"),
    [
        (None, "the corpus manifest is missing"),
        ("[[edition]\nyear = ", "not valid TOML"),
        ('[[edition]]\nyear = 2024\nfile = "a.txt"\n[[edition]]\nyear = 2024\nfile = "b.txt"\n', "year 2024 is listed twice"),
        ('[[edition]]\nyear = "kaksituhatta"\nfile = "a.txt"\n', "needs a year"),
        ('[[edition]]\nyear = 2024\nfile = "../a.txt"\n', "needs 'file'"),
    ],
)
def test_bad_manifest_messages(tmp_path, manifest, message):
    if manifest is not None:
        (tmp_path / "editions.toml").write_text(manifest, encoding="utf-8")
    with pytest.raises(TextkitError, match=message):
        load_manifest(tmp_path)


def test_manifest_entry_for_a_missing_file(tmp_path):
    (tmp_path / "editions.toml").write_text('[[edition]]\nyear = 2024\nfile = "poissa.txt"\n', encoding="utf-8")
    with pytest.raises(TextkitError, match="lists poissa.txt, which is not in"):
        load_editions(tmp_path)


def test_parse_path_takes_year_and_title_from_the_manifest(corpus_copy):
    from textkit.corpus import parse_path

    target = corpus_copy / "nimeton.txt"
    target.write_bytes(_synthetic_edition_text())
    manifest = corpus_copy / "editions.toml"
    manifest.write_text(
        manifest.read_text(encoding="utf-8")
        + '\n[[edition]]\nyear = 2023\ntitle = "Vanha katsaus"\nreporting_date = 2023-10-31\nfile = "nimeton.txt"\n',
        encoding="utf-8",
    )
    edition = parse_path(target)
    assert (edition.year, edition.title, edition.reporting_date) == (2023, "Vanha katsaus", "2023-10-31")
    assert os.path.basename(edition.source) == "nimeton.txt"
