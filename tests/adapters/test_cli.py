"""The ``b12ms`` command line: formats, input errors with exit codes, stdin, --as-of, 80 columns.

Most tests run in-process through Typer's ``CliRunner`` for speed; a few run the installed
console script in a subprocess, as a person or a script would, to check the real entry point,
the real streams and the terminal width.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from b12ms._version import __version__
from b12ms.cli import app
from b12ms.knowledge import load_knowledge

RUNNER = CliRunner()

ORDINARY = {
    "as_of": "2026-03-01",
    "age": 44,
    "sex": "female",
    "ms": "diagnosed",
    "pregnant": False,
    "diet": "vegan",
    "symptoms": ["fatigue", "pins and needles"],
    "medications": ["metformin"],
    "labs": [{"analyte": "total_b12", "date": "2026-02-20", "value": 200, "unit": "ng/L"}],
}

# Everything that makes text long: an urgent banner, many flags, long references, a results table.
BUSY = {
    "age": 71,
    "sex": "male",
    "ms": "suspected",
    "black_family_background": True,
    "diet": "vegetarian",
    "conditions": ["autoimmune_gastritis", "liver_disease", "hypothyroidism"],
    "surgery": ["bariatric_surgery"],
    "medications": ["metformin", "omeprazole", "methotrexate"],
    "supplements": [{"name": "folic acid"}, {"name": "zinc", "dose_per_day": {"value": 75, "unit": "mg"}}],
    "exposures": ["nitrous oxide"],
    "symptoms": ["numbness", "paraesthesia", "balance problems", "cognitive difficulties"],
    "signs": ["positive_romberg", "symmetric_sensory_loss", "extensor_plantars"],
    "labs": [
        {"analyte": "total_b12", "date": "2026-02-20", "value": 410, "unit": "pg/mL"},
        {"analyte": "holotc", "date": "2026-02-20", "value": 31, "unit": "pmol/L"},
        {"analyte": "mma", "date": "2026-02-20", "value": 520, "unit": "nmol/L", "reference_range": {"high": 280}},
        {"analyte": "homocysteine", "date": "2026-02-20", "value": 38.5, "unit": "umol/L"},
        {"analyte": "folate", "date": "2026-02-20", "value": 2.1, "unit": "ng/mL"},
        {"analyte": "mcv", "date": "2026-02-20", "value": 108, "unit": "fL"},
        {"analyte": "haemoglobin", "date": "2026-02-20", "value": 10.9, "unit": "g/dL"},
        {"analyte": "egfr", "date": "2026-02-20", "value": 48, "unit": "mL/min/1.73m2"},
        {"analyte": "if_antibodies", "date": "2026-02-20", "result": "positive"},
    ],
}


def write(tmp_path: Path, data: Any, name: str = "snapshot.json") -> Path:
    path = tmp_path / name
    path.write_text(data if isinstance(data, str) else json.dumps(data), encoding="utf-8")
    return path


def invoke(*args: str | Path, stdin: str | None = None) -> Any:
    return RUNNER.invoke(app, [str(a) for a in args], input=stdin, env={"COLUMNS": "80"})


def error_lines(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.strip()]


def executable() -> str:
    found = shutil.which("b12ms") or str(Path(sys.executable).parent / "b12ms")
    assert Path(found).exists(), "the b12ms console script is not installed in this environment"
    return found


def run(*args: str | Path, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "COLUMNS": "80", "PYTHONIOENCODING": "utf-8"}
    env.pop("NO_COLOR", None)
    return subprocess.run(
        [executable(), *(str(a) for a in args)],
        input=stdin,
        capture_output=True,
        text=True,
        encoding="utf-8",
        env=env,
        timeout=60,
        check=False,
    )


def assert_fits_80_columns(text: str) -> None:
    too_long = [line for line in text.splitlines() if len(line) > 80]
    assert not too_long, f"{len(too_long)} lines are wider than 80 columns, e.g. {too_long[0]!r}"


# --- version ------------------------------------------------------------------------------------


def test_version_prints_the_package_version() -> None:
    result = invoke("--version")
    assert result.exit_code == 0
    assert result.stdout.strip() == f"b12ms {__version__}"


def test_installed_command_prints_its_version() -> None:
    completed = run("--version")
    assert completed.returncode == 0
    assert completed.stdout.strip() == f"b12ms {__version__}"
    assert completed.stderr == ""


# --- assess: formats ----------------------------------------------------------------------------


def test_assess_json_parses_and_carries_the_knowledge_hash(tmp_path: Path) -> None:
    result = invoke("assess", write(tmp_path, ORDINARY), "--format", "json")
    assert result.exit_code == 0, result.stderr
    body = json.loads(result.stdout)
    assert body["versions"]["knowledge_sha256"] == load_knowledge().sha256
    assert body["versions"]["b12ms"] == __version__
    assert body["status"] == "indeterminate"
    assert body["as_of"] == "2026-03-01"  # the snapshot's own as_of when --as-of is not given


def test_assess_text_leads_with_the_plain_headline_and_ends_with_versions(tmp_path: Path) -> None:
    result = invoke("assess", write(tmp_path, ORDINARY))
    assert result.exit_code == 0, result.stderr
    kb = load_knowledge()
    assert kb.status_wording["indeterminate"].headline in result.stdout.splitlines()[0]
    assert f"knowledge {kb.version}" in result.stdout
    assert "\x1b[" not in result.stdout  # no colour codes when not writing to a terminal


def test_assess_markdown_has_a_headline_results_table_and_references(tmp_path: Path) -> None:
    result = invoke("assess", write(tmp_path, ORDINARY), "-f", "markdown")
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "# " + load_knowledge().status_wording["indeterminate"].headline
    assert "## Results" in lines
    assert any(line.startswith("| Vitamin B12") and "200 ng/L" in line for line in lines)
    assert "## References" in lines
    assert any("[nice_ng239]" in line for line in lines)


def test_assess_reads_the_snapshot_from_standard_input(tmp_path: Path) -> None:
    from_file = invoke("assess", write(tmp_path, ORDINARY), "-f", "json")
    from_stdin = invoke("assess", "-", "-f", "json", stdin=json.dumps(ORDINARY))
    assert from_stdin.exit_code == 0, from_stdin.stderr
    assert json.loads(from_stdin.stdout) == json.loads(from_file.stdout)


def test_installed_command_reads_standard_input() -> None:
    completed = run("assess", "-", "--format", "json", stdin=json.dumps(ORDINARY))
    assert completed.returncode == 0, completed.stderr
    assert json.loads(completed.stdout)["status"] == "indeterminate"


def test_as_of_option_overrides_the_snapshot_date(tmp_path: Path) -> None:
    result = invoke("assess", write(tmp_path, ORDINARY), "-f", "json", "--as-of", "2026-06-30")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["as_of"] == "2026-06-30"


def test_as_of_without_a_snapshot_date_defaults_to_today(tmp_path: Path) -> None:
    undated = {k: v for k, v in ORDINARY.items() if k != "as_of"}
    result = invoke("assess", write(tmp_path, undated), "-f", "json")
    assert result.exit_code == 0, result.stderr
    today = date.today()  # read after the command ran; the command may have run just before midnight
    assert json.loads(result.stdout)["as_of"] in {today.isoformat(), (today - timedelta(days=1)).isoformat()}


def test_as_of_before_a_lab_date_is_an_input_error_naming_the_lab(tmp_path: Path) -> None:
    result = invoke("assess", write(tmp_path, ORDINARY), "--as-of", "2026-01-01")
    assert result.exit_code == 2
    assert error_lines(result.stderr) == ["error: labs[0].date: 2026-02-20 is after the assessment date 2026-01-01"]
    assert result.stdout == ""


def test_as_of_that_is_not_a_date_is_an_input_error(tmp_path: Path) -> None:
    result = invoke("assess", write(tmp_path, ORDINARY), "--as-of", "1 March")
    assert result.exit_code == 2
    assert "--as-of" in result.stderr
    assert "YYYY-MM-DD" in result.stderr


# --- assess: input errors -----------------------------------------------------------------------


def test_bad_unit_exits_2_naming_the_field(tmp_path: Path) -> None:
    bad = {"labs": [{"analyte": "total_b12", "date": "2026-02-20", "value": 200, "unit": "ng/dl"}]}
    result = invoke("assess", write(tmp_path, bad), "--as-of", "2026-03-01")
    assert result.exit_code == 2
    [line] = error_lines(result.stderr)
    assert line.startswith("error: labs[0].unit: ")
    assert "'ng/dl'" in line
    assert result.stdout == ""


def test_installed_command_exits_2_for_a_bad_unit(tmp_path: Path) -> None:
    bad = {"labs": [{"analyte": "total_b12", "date": "2026-02-20", "value": 200, "unit": "furlongs"}]}
    completed = run("assess", write(tmp_path, bad), "--as-of", "2026-03-01")
    assert completed.returncode == 2
    assert "labs[0].unit" in completed.stderr
    assert "Traceback" not in completed.stderr
    assert completed.stdout == ""


def test_every_problem_is_reported_on_its_own_error_line(tmp_path: Path) -> None:
    bad = {
        "labs": [
            {"analyte": "total_b12", "date": "2026-02-20", "value": 200, "unit": "furlongs"},
            {"analyte": "mma", "date": "2026-02-20", "value": 300, "unit": "umol/L"},
        ]
    }
    result = invoke("assess", write(tmp_path, bad), "--as-of", "2026-03-01")
    assert result.exit_code == 2
    lines = error_lines(result.stderr)
    assert len(lines) == 2
    assert all(line.startswith("error: ") for line in lines)
    assert lines[0].startswith("error: labs[0].unit: ")
    assert lines[1].startswith("error: labs[1].value: ")


def test_unknown_key_exits_2_naming_the_key_and_the_likely_one(tmp_path: Path) -> None:
    result = invoke("assess", write(tmp_path, {**ORDINARY, "symtoms": ["fatigue"]}))
    assert result.exit_code == 2
    [line] = error_lines(result.stderr)
    assert line.startswith("error: symtoms: ")
    assert "symptoms" in line


def test_unknown_key_inside_a_lab_exits_2_with_its_path(tmp_path: Path) -> None:
    lab = {"analyte": "total_b12", "date": "2026-02-20", "valeu": 200, "unit": "ng/L"}
    result = invoke("assess", write(tmp_path, {"labs": [lab]}))
    assert result.exit_code == 2
    assert any(line.startswith("error: labs[0].valeu: ") and "value" in line for line in error_lines(result.stderr))


def test_invalid_json_exits_2_with_line_and_column(tmp_path: Path) -> None:
    path = write(tmp_path, '{\n  "age": 40,\n  "labs": [,]\n}\n', "broken.json")
    result = invoke("assess", path)
    assert result.exit_code == 2
    [line] = error_lines(result.stderr)
    assert "not valid JSON" in line
    assert "line 3 column 12" in line
    assert "broken.json" in line


def test_invalid_json_on_standard_input_names_standard_input() -> None:
    result = invoke("assess", "-", stdin="{nope")
    assert result.exit_code == 2
    assert "standard input" in result.stderr
    assert "line 1 column 2" in result.stderr


def test_missing_file_exits_2_naming_the_file(tmp_path: Path) -> None:
    missing = tmp_path / "nobody.json"
    result = invoke("assess", missing)
    assert result.exit_code == 2
    [line] = error_lines(result.stderr)
    assert line.startswith("error: ")
    assert "not found" in line
    assert str(missing) in line


def test_installed_command_exits_2_for_a_missing_file_without_a_traceback(tmp_path: Path) -> None:
    completed = run("assess", tmp_path / "nobody.json")
    assert completed.returncode == 2
    assert "nobody.json" in completed.stderr
    assert "Traceback" not in completed.stderr


def test_unknown_format_is_a_usage_error(tmp_path: Path) -> None:
    result = invoke("assess", write(tmp_path, ORDINARY), "--format", "yaml")
    assert result.exit_code == 2
    assert result.stdout == ""


# --- knowledge ----------------------------------------------------------------------------------


def test_knowledge_json_contains_the_nice_bands_version_and_hash() -> None:
    result = invoke("knowledge", "--format", "json")
    assert result.exit_code == 0, result.stderr
    body = json.loads(result.stdout)
    kb = load_knowledge()
    assert (body["version"], body["sha256"]) == (kb.version, kb.sha256)
    bands = {b["id"]: (b["unit"], b["low_below"], b["normal_above"]) for b in body["bands"]}
    assert bands == {
        "nice_total_b12_ng_per_l": ("ng/L", 180, 350),
        "nice_total_b12_pmol_per_l": ("pmol/L", 133, 258),
        "nice_active_b12_pmol_per_l": ("pmol/L", 25, 70),
    }


def test_knowledge_markdown_lists_every_band_and_threshold_with_references() -> None:
    result = invoke("knowledge", "-f", "markdown")
    assert result.exit_code == 0, result.stderr
    kb = load_knowledge()
    assert result.stdout.startswith(f"# {kb.title} {kb.version}")
    rows = [line for line in result.stdout.splitlines() if line.startswith("| ")]
    for record_id in [*kb.bands, *kb.thresholds]:
        assert any(row.startswith(f"| {record_id} |") for row in rows), record_id
    assert any("low < 180; normal > 350 ng/L" in row and "nice_ng239" in row for row in rows)


def test_knowledge_text_shows_version_and_hash() -> None:
    result = invoke("knowledge")
    assert result.exit_code == 0, result.stderr
    kb = load_knowledge()
    assert f"{kb.title} {kb.version}" in result.stdout
    assert kb.sha256 in result.stdout


# --- 80 columns ---------------------------------------------------------------------------------


def test_assess_text_fits_an_80_column_terminal(tmp_path: Path) -> None:
    completed = run("assess", write(tmp_path, BUSY), "--as-of", "2026-03-01")
    assert completed.returncode == 0, completed.stderr
    assert "CONTACT A CLINICIAN TODAY" in completed.stdout
    assert_fits_80_columns(completed.stdout)


def test_knowledge_text_fits_an_80_column_terminal() -> None:
    completed = run("knowledge")
    assert completed.returncode == 0, completed.stderr
    assert_fits_80_columns(completed.stdout)


def test_busy_snapshot_is_assessed_the_same_by_the_installed_command_and_in_process(tmp_path: Path) -> None:
    path = write(tmp_path, BUSY)
    completed = run("assess", path, "-f", "json", "--as-of", "2026-03-01")
    in_process = invoke("assess", path, "-f", "json", "--as-of", "2026-03-01")
    assert completed.returncode == in_process.exit_code == 0
    assert json.loads(completed.stdout) == json.loads(in_process.stdout)
    body = json.loads(completed.stdout)
    assert body["urgency"] == "urgent"
    assert body["status"] == "deficiency_likely"


@pytest.mark.parametrize("output_format", ["text", "markdown"])
def test_busy_snapshot_renders_in_every_format(tmp_path: Path, output_format: str) -> None:
    result = invoke("assess", write(tmp_path, BUSY), "-f", output_format, "--as-of", "2026-03-01")
    assert result.exit_code == 0, result.stderr
    kb = load_knowledge()
    for flag_id in ("neuro_red_flags", "nitrous_oxide", "check_copper", "metformin"):
        assert kb.flags[flag_id].title in result.stdout, flag_id
    assert "kumar_2006_copper" in result.stdout  # the copper flag's source is cited
