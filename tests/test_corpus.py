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

from conftest import EDITION_2024_FILE, ROOT, first_themes_2024, shifted_themes_2024


def _synthetic_edition_text(year: int = 2024) -> bytes:
    """SYNTHETIC edition: the real 2024 title lines and its first two themes, years moved to `year`."""
    return shifted_themes_2024(2, year).encode("utf-8")


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
    edition = add_edition(_synthetic_edition_text(2025), "Toteutuskatsaus 2025.txt", 2025)
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
    with pytest.raises(TextkitError, match="on jo vuosikatsaus 2024"):
        add_edition(_synthetic_edition_text(), "uusi.txt", 2024)
    edition = add_edition(_synthetic_edition_text(), "uusi.txt", 2024, replace=True)
    assert len(edition.themes) == 2
    entries = load_manifest()
    assert [(e["year"], e["file"]) for e in entries] == [(2024, "uusi.txt")]
    assert not (corpus_copy / EDITION_2024_FILE.name).exists()


def test_add_edition_file_name_cannot_leave_the_folder(corpus_copy):
    add_edition(_synthetic_edition_text(2026), "../../ulos/Räätälöity katsaus.txt", 2026)
    assert (corpus_copy / "Raataloity-katsaus.txt").exists()
    assert not (corpus_copy.parent / "ulos").exists()
    assert safe_filename("..\\..\\x.pdf", 2027) == "x.pdf"
    assert safe_filename(".txt", 2027) == "toteutuskatsaus-2027.txt"
    assert safe_filename("editions.txt", 2027) == "editions-2027.txt"


@pytest.mark.parametrize(
    ("data", "name", "year", "message"),
    [
        (b"", "tyhja.txt", 2025, "tyhja.txt: tiedosto on tyhjä"),
        (b"MZ\x90\x00", "ohjelma.exe", 2025, "ohjelma.exe: tiedostotyyppi '.exe' ei käy"),
        ("Kokousmuistio\n\nEi teemoja.".encode(), "muistio.txt", 2025, "muistio.txt: tämä ei näytä"),
        (b"%PDF-1.4 broken", "rikki.pdf", 2025, "rikki.pdf: "),
        (b"abc", "katsaus.txt", 1066, "väliltä 2000–2100"),
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
    with pytest.raises(TextkitError, match="liian suuri"):
        add_edition(_synthetic_edition_text(2025), "iso.txt", 2025)


@pytest.mark.parametrize(
    ("manifest", "message"),
    [
        (None, "aineiston luettelo puuttuu"),
        ("[[edition]\nyear = ", "ei ole kelvollista TOMLia"),
        ('[[edition]]\nyear = 2024\nfile = "a.txt"\n[[edition]]\nyear = 2024\nfile = "b.txt"\n', "vuosi 2024 on luettelossa kahdesti"),
        ('[[edition]]\nyear = "kaksituhatta"\nfile = "a.txt"\n', "puuttuu vuosi"),
        ('[[edition]]\nyear = 2024\nfile = "../a.txt"\n', "puuttuu 'file'"),
    ],
)
def test_bad_manifest_messages(tmp_path, manifest, message):
    if manifest is not None:
        (tmp_path / "editions.toml").write_text(manifest, encoding="utf-8")
    with pytest.raises(TextkitError, match=message):
        load_manifest(tmp_path)


def test_manifest_entry_for_a_missing_file(tmp_path):
    (tmp_path / "editions.toml").write_text('[[edition]]\nyear = 2024\nfile = "poissa.txt"\n', encoding="utf-8")
    with pytest.raises(TextkitError, match="tiedostoa poissa.txt ei ole kansiossa"):
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


# ---------------------------------------------------------------- year check, removing an edition


def test_a_year_other_than_the_reporting_date_is_refused_unless_accepted(corpus_copy):
    data = _synthetic_edition_text(2025)          # "Katsaus 31.10.2025"
    manifest_before = (corpus_copy / "editions.toml").read_bytes()
    with pytest.raises(TextkitError, match=r"raportointipäivä on 31\.10\.2025, mutta .* annettu 2023"):
        add_edition(data, "katsaus.txt", 2023)
    assert (corpus_copy / "editions.toml").read_bytes() == manifest_before
    edition = add_edition(data, "katsaus.txt", 2023, accept_year_mismatch=True)
    assert edition.year == 2023 and edition.reporting_date == "2025-10-31"
    assert [e["year"] for e in load_manifest()] == [2023, 2024]


def test_year_mismatch_names_both_years_and_is_quiet_when_they_agree(edition_2024):
    assert corpus.year_mismatch(edition_2024) is None
    assert corpus.year_mismatch(edition_2024, 2024) is None
    message = corpus.year_mismatch(edition_2024, 2025)
    assert "31.10.2024" in message and "2025" in message


def test_remove_edition_takes_it_out_of_the_manifest_and_keeps_the_file_aside(corpus_copy):
    add_edition(_synthetic_edition_text(2025), "Katsaus 2025.txt", 2025)
    removed = corpus.remove_edition(2025)
    assert removed["file"] == "Katsaus-2025.txt"
    assert [e["year"] for e in load_manifest()] == [2024]
    assert [e.year for e in load_editions()] == [2024]
    assert not (corpus_copy / "Katsaus-2025.txt").exists()
    (kept,) = (corpus_copy / corpus.REMOVED_DIR).iterdir()
    assert kept.name.endswith("-Katsaus-2025.txt") and kept.read_bytes() == _synthetic_edition_text(2025)


def test_remove_edition_refuses_an_unknown_year_and_the_last_edition(corpus_copy):
    manifest_before = (corpus_copy / "editions.toml").read_bytes()
    with pytest.raises(TextkitError, match=r"ei ole vuosikatsausta 2019 \(on: 2024\)"):
        corpus.remove_edition(2019)
    with pytest.raises(TextkitError, match="ainoa"):
        corpus.remove_edition(2024)
    assert (corpus_copy / "editions.toml").read_bytes() == manifest_before
    assert (corpus_copy / EDITION_2024_FILE.name).exists()


def test_cli_corpus_add_list_remove(corpus_copy, built_models, tmp_path, monkeypatch, capsys):
    import shutil

    from textkit.build import build_status
    from textkit.cli import main
    from textkit.index import search

    models = tmp_path / "models"
    shutil.copytree(built_models, models)          # the 2024 edition, built
    monkeypatch.setenv("TEXTKIT_MODELS", str(models))
    later = tmp_path / "katsaus-2025.txt"
    later.write_bytes(_synthetic_edition_text(2025))

    # A year other than the reporting date's is refused with a hint, and nothing is stored.
    assert main(["corpus", "add", str(later), "--year", "2023"]) == 2
    assert "raportointipäivä on 31.10.2025" in capsys.readouterr().err
    assert [e["year"] for e in load_manifest()] == [2024]

    assert main(["corpus", "add", str(later)]) == 0          # year from the file name; rebuilds
    assert "Lisätty vuosikatsaus 2025" in capsys.readouterr().out
    assert main(["corpus", "list", "--json"]) == 0
    import json

    assert [e["year"] for e in json.loads(capsys.readouterr().out)] == [2024, 2025]
    assert search("kunta", edition=2025, models_dir=models).total > 0

    monkeypatch.setattr("sys.stdin.isatty", lambda: False)
    assert main(["corpus", "remove", "2025"]) == 2           # no confirmation, no removal
    assert "--yes" in capsys.readouterr().err
    assert main(["corpus", "remove", "2025", "--yes", "--no-build"]) == 0
    assert "Poistettu vuosikatsaus 2025" in capsys.readouterr().out
    assert [e["year"] for e in load_manifest()] == [2024]
    # Until the rebuild, the previous index stays in place, whole; the next search rebuilds it.
    assert build_status(models) == "stale"
    assert "2025" in _index_editions(models)
    with pytest.raises(TextkitError, match="2025 katsausta ei ole hakuindeksissä"):
        search("kunta", edition=2025, models_dir=models)
    assert _index_editions(models) == ["2024"] and build_status(models) == "current"
    assert main(["corpus", "remove", "2024", "--yes"]) == 2
    assert "ainoa" in capsys.readouterr().err


def _index_editions(models: Path) -> list[str]:
    """The edition years in the index folder as it is on disk (no staleness check, no rebuild)."""
    from whoosh import index as whoosh_index

    ix = whoosh_index.open_dir(str(models / "index"))
    with ix.reader() as reader:
        return sorted(t if isinstance(t, str) else t.decode() for t in reader.field_terms("edition"))
