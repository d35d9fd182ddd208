"""`textkit projects`: the funded projects of section 7 listed as text, JSON, CSV and XLSX."""

from __future__ import annotations

import csv
import io
import json

import pytest

from textkit import cli
from textkit.projects import format_projects, list_projects


def test_one_theme_lists_its_records_with_the_lead_marked():
    found = list_projects(theme="3")
    assert found.theme.startswith("maahanmuuttaneiden") and found.count == 11
    text = format_projects(found)
    assert "R-00493  Kotoa kohti työelämää" in text
    assert "Espoon kaupunki (S30298) – päätoteuttaja, Espoon seudun koulutuskuntayhtymä Omnia (S30297)" in text


def test_the_organisation_filter_finds_projects_across_themes():
    found = list_projects(organisation="ESPOON")
    assert found.count == 2
    assert {t.number for t in found.edition.themes if t.projects} == {3, 7}


def test_cli_json_and_csv(capsysbinary):
    assert cli.main(["projects", "--json"]) == 0
    data = json.loads(capsysbinary.readouterr().out.decode("utf-8"))
    assert data["edition"] == 2024 and data["count"] == len(data["projects"]) == 80
    keio = next(p for p in data["projects"] if p["code"] == "R-01402")
    assert keio["theme_number"] == 1 and keio["implementers"][0] == {"name": "Lab-ammattikorkeakoulu Oy", "code": "S30977", "lead": True}

    assert cli.main(["projects", "--theme", "11", "--format", "csv"]) == 0
    rows = list(csv.reader(io.StringIO(capsysbinary.readouterr().out.decode("utf-8-sig")), delimiter=";"))
    assert rows[0][:3] == ["Teema", "Koodi", "Hanke"]
    assert [r[1] for r in rows[1:]] == ["S30030", "R-00440"]
    assert rows[2][4] == "SOS-Lapsikylä, Nuorten Akatemia, Opetushallitus"


def test_cli_writes_xlsx(tmp_path, capsys):
    from openpyxl import load_workbook

    out = tmp_path / "hankkeet.xlsx"
    assert cli.main(["projects", "--theme", "10", "--out", str(out)]) == 0
    assert "3 hanketta" in capsys.readouterr().out
    sheet = load_workbook(out).active
    assert [c.value for c in sheet[2]][1:3] == ["S30813", "Syrjimättä"]


@pytest.mark.parametrize("argv, message", [
    (["projects", "--theme", "ei-ole"], "Tuntematon teema"),
    (["projects", "--format", "xlsx"], "--out"),
    (["projects", "--edition", "1999"], "1999"),
])
def test_cli_bad_input_exits_2_with_a_finnish_message(argv, message, capsys):
    assert cli.main(argv) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err
