"""The parse cache: a parsed edition is kept in models/parse-cache/ by file content and parser
version, reused by every process that loads the corpus (build, app), parsed again when the
file, its manifest entry or the parser changes, and rebuilt when the entry is damaged."""

from __future__ import annotations

import shutil

import pytest

import textkit.parse as parse_pkg
from conftest import EDITION_2024_FILE, FORM_FIXTURES
from textkit import corpus
from textkit.parse import cache
from textkit.types import to_dict


@pytest.fixture()
def counted(monkeypatch):
    """Count the real parses (the cache calls textkit.parse.parse_file for a miss)."""
    calls = []
    real = parse_pkg.parse_file

    def parse_file(path, *args, **kwargs):
        calls.append(str(path))
        return real(path, *args, **kwargs)

    monkeypatch.setattr(parse_pkg, "parse_file", parse_file)
    return calls


def _entries(models):
    return sorted((models / cache.CACHE_DIR).glob("*.json"))


def test_an_unchanged_file_is_not_parsed_again_and_comes_back_whole(tmp_path, counted):
    models = tmp_path / "models"
    first = cache.cached_parse(EDITION_2024_FILE, 2024, models_dir=models)
    again = cache.cached_parse(EDITION_2024_FILE, 2024, models_dir=models)
    assert len(counted) == 1 and len(_entries(models)) == 1
    assert to_dict(again) == to_dict(first)
    # Fields kept out of the JSON output (contacts) and the project records come back too.
    assert [t.contacts for t in again.themes] == [t.contacts for t in first.themes]
    assert again.themes[2].projects == first.themes[2].projects
    # A copy with the same bytes under the same name elsewhere is the same entry: no parse.
    copy = tmp_path / "elsewhere" / EDITION_2024_FILE.name
    copy.parent.mkdir()
    shutil.copy(EDITION_2024_FILE, copy)
    cache.cached_parse(copy, 2024, models_dir=models)
    assert len(counted) == 1


def test_a_changed_file_is_parsed_again_and_replaces_its_old_entry(tmp_path, counted):
    models = tmp_path / "models"
    path = tmp_path / EDITION_2024_FILE.name
    text = EDITION_2024_FILE.read_text(encoding="utf-8")
    path.write_text(text, encoding="utf-8")
    before = cache.cached_parse(path, 2024, models_dir=models)
    path.write_text(text.replace("Työmarkkinoiden kohtaanto", "Työmarkkinoiden kohtaanto ja liikkuvuus", 1),
                    encoding="utf-8")
    after = cache.cached_parse(path, 2024, models_dir=models)
    assert len(counted) == 2
    assert before.themes[0].name == "Työmarkkinoiden kohtaanto"
    assert after.themes[0].name == "Työmarkkinoiden kohtaanto ja liikkuvuus"
    assert len(_entries(models)) == 1  # the stale entry is gone
    # The same bytes parsed with another year (a manifest edit) are another entry.
    cache.cached_parse(path, 2023, models_dir=models)
    assert len(counted) == 3


def test_a_new_parser_version_parses_again(tmp_path, counted, monkeypatch):
    models = tmp_path / "models"
    cache.cached_parse(EDITION_2024_FILE, 2024, models_dir=models)
    monkeypatch.setattr(cache, "parser_version", lambda: "another-version")
    cache.cached_parse(EDITION_2024_FILE, 2024, models_dir=models)
    assert len(counted) == 2


def test_the_organisation_words_are_part_of_the_parser_version(tmp_path, monkeypatch):
    before = cache.parser_version()
    monkeypatch.setenv("TEXTKIT_CORPUS", str(tmp_path))
    (tmp_path / "organisations.toml").write_text('legal_forms = ["Oy"]\ntype_words = ["kaupunki"]\n',
                                                 encoding="utf-8")
    assert cache.parser_version() != before


@pytest.mark.parametrize("damage", [b"", b"{not json", b'{"__record": "Edition"}', b'{"__record": "os.system"}',
                                    b"[1, 2, 3]"])
def test_a_damaged_entry_is_ignored_and_rebuilt(tmp_path, counted, damage):
    models = tmp_path / "models"
    good = cache.cached_parse(EDITION_2024_FILE, 2024, models_dir=models)
    (entry,) = _entries(models)
    entry.write_bytes(damage)
    again = cache.cached_parse(EDITION_2024_FILE, 2024, models_dir=models)
    assert len(counted) == 2 and to_dict(again) == to_dict(good)
    cache.cached_parse(EDITION_2024_FILE, 2024, models_dir=models)
    assert len(counted) == 2  # the rebuilt entry is good again


def test_a_models_folder_that_cannot_be_written_only_means_no_cache(tmp_path, counted):
    blocked = tmp_path / "models"
    blocked.write_text("a file, not a folder", encoding="utf-8")
    edition = cache.cached_parse(EDITION_2024_FILE, 2024, models_dir=blocked)
    assert len(edition.themes) == 12 and blocked.read_text(encoding="utf-8") == "a file, not a folder"


def test_loading_the_corpus_reuses_the_cache_across_processes(tmp_path, corpus_copy, counted, monkeypatch):
    # load_editions is what `textkit build` and the app use; a new process starts with an empty
    # in-process cache, which clearing it stands in for here.
    pdf = corpus_copy / "toteutuskatsaus-2023-form.pdf"
    shutil.copy(FORM_FIXTURES / "toteutuskatsaus-2024-form.pdf", pdf)  # SYNTHETIC
    with open(corpus_copy / "editions.toml", "a", encoding="utf-8") as manifest:
        manifest.write('\n[[edition]]\nyear = 2023\nfile = "toteutuskatsaus-2023-form.pdf"\n')
    monkeypatch.setenv("TEXTKIT_MODELS", str(tmp_path / "models"))
    monkeypatch.setattr(corpus, "_cache", {})
    first = corpus.load_editions()
    assert sorted(counted) == sorted(str(corpus_copy / e.source) for e in first)
    monkeypatch.setattr(corpus, "_cache", {})
    second = corpus.load_editions()
    assert len(counted) == 2  # nothing parsed the second time
    assert [to_dict(e) for e in second] == [to_dict(e) for e in first]
