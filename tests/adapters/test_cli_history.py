"""`b12ms history` through the CLI, on a real SQLite file in a temporary folder."""

import json
from pathlib import Path

from typer.testing import CliRunner

from b12ms.cli import app

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
runner = CliRunner()


def invoke(*args: str):
    return runner.invoke(app, list(args))


def test_add_list_export_import_round_trip(tmp_path):
    db, copy, exported = tmp_path / "h.db", tmp_path / "copy.db", tmp_path / "history.json"
    first = invoke("history", "add", str(EXAMPLES / "ms-vegan-metformin.json"), "--person", "Ann", "--db", str(db))
    assert first.exit_code == 0, first.output
    assert "new person: Ann" in first.stdout
    second = invoke("history", "add", str(EXAMPLES / "progressive-ms-biotin.json"), "--person", "Ann", "--db", str(db))
    assert "new person" not in second.stdout
    listing = invoke("history", "list", "--db", str(db))
    assert "Ann: 2 saved assessment(s)" in listing.stdout
    assert invoke("history", "export", "-o", str(exported), "--db", str(db)).exit_code == 0
    document = json.loads(exported.read_text())
    assert invoke("history", "import", str(exported), "--db", str(copy)).exit_code == 0
    again = tmp_path / "again.json"
    assert invoke("history", "export", "-o", str(again), "--db", str(copy)).exit_code == 0
    assert json.loads(again.read_text()) == document


def test_unknown_person_is_an_input_error_with_the_nearest_name(tmp_path):
    db = tmp_path / "h.db"
    invoke("history", "add", str(EXAMPLES / "ms-vegan-metformin.json"), "--person", "Ann", "--db", str(db))
    result = invoke("history", "list", "--person", "Anne", "--db", str(db))
    assert result.exit_code == 2
    assert "did you mean Ann" in result.stderr


def test_importing_a_document_that_is_not_a_history_names_the_problem(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"format": "something-else"}))
    result = invoke("history", "import", str(bad), "--db", str(tmp_path / "h.db"))
    assert result.exit_code == 2
    assert "error:" in result.stderr
