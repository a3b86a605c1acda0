"""Missing tables, columns and files, unreadable files and unknown options are clear errors (exit 2)."""

from __future__ import annotations

from datetime import date

import pyarrow.parquet as pq
import pytest

from b12ms.errors import ConfigError, InputError
from b12ms.screen.api import screen_command, synth_command
from b12ms.screen.run import parse_lookback
from b12ms.screen.sources import FhirSource, LabsSource, OmopSource

from .cohort import Cohort, Person, omop_tables
from .spec_cases import tb

AS_OF = date(2026, 6, 1)
TABLES = omop_tables(Cohort([Person(1, "female", (tb(150),))]))


def _message(error: pytest.ExceptionInfo) -> str:
    return str(error.value)


def test_a_missing_omop_table_is_named(run_screen, tmp_path):
    for name in ("person", "measurement"):
        pq.write_table(TABLES[name], tmp_path / f"{name}.parquet")
    with pytest.raises(InputError) as error:
        run_screen(OmopSource(path=tmp_path))
    assert "condition_occurrence" in _message(error) and error.value.exit_code == 2


def test_a_missing_column_is_named_with_its_table(run_screen):
    tables = dict(TABLES, measurement=TABLES["measurement"].drop_columns(["unit_source_value"]))
    with pytest.raises(InputError) as error:
        run_screen(OmopSource(tables=tables))
    assert error.value.problems[0].path == "measurement.unit_source_value"


def test_an_unreadable_file_is_named(run_screen, tmp_path):
    for name, table in TABLES.items():
        pq.write_table(table, tmp_path / f"{name}.parquet")
    (tmp_path / "measurement.parquet").write_bytes(b"this is not parquet")
    with pytest.raises(InputError) as error:
        run_screen(OmopSource(path=tmp_path))
    assert "measurement.parquet" in _message(error)


def test_a_file_that_is_not_a_duckdb_database_is_named(run_screen, tmp_path):
    bad = tmp_path / "omop.duckdb"
    bad.write_text("nope", encoding="utf-8")
    with pytest.raises(InputError) as error:
        run_screen(OmopSource(path=bad))
    assert "omop.duckdb" in _message(error)


def test_fhir_folder_without_observations_is_an_error(run_screen, tmp_path):
    (tmp_path / "Patient.ndjson").write_text('{"resourceType": "Patient", "id": "1"}\n', encoding="utf-8")
    with pytest.raises(InputError) as error:
        run_screen(FhirSource(tmp_path))
    assert "Observation" in _message(error)


def test_flat_labs_without_a_code_column_is_an_error(run_screen, tmp_path):
    labs = tmp_path / "labs.csv"
    labs.write_text("person_id,value,unit,date\n1,150,ng/L,2026-05-01\n", encoding="utf-8")
    with pytest.raises(InputError) as error:
        run_screen(LabsSource(labs))
    assert "code" in _message(error)


def test_population_ms_needs_ms_facts(run_screen, tmp_path):
    labs = tmp_path / "labs.csv"
    labs.write_text("person_id,code,value,unit,date\n1,2132-9,150,ng/L,2026-05-01\n", encoding="utf-8")
    with pytest.raises(ConfigError):
        run_screen(LabsSource(labs), population="ms")


def test_an_unknown_engine_is_a_config_error(tmp_path):
    with pytest.raises(ConfigError) as error:
        screen_command(omop=tmp_path, as_of=AS_OF, out=tmp_path / "out", engine="polars")
    assert "polars" in _message(error) and error.value.exit_code == 2


@pytest.mark.parametrize(
    "sources",
    [{}, {"omop": "a", "labs": "b"}, {"persons": "p.csv", "omop_url": "duckdb://x"}],
    ids=["none", "two", "persons-without-labs"],
)
def test_exactly_one_source(tmp_path, sources):
    with pytest.raises(ConfigError):
        screen_command(as_of=AS_OF, out=tmp_path, **sources)


def test_a_source_that_does_not_exist_is_an_input_error(tmp_path):
    with pytest.raises(InputError):
        screen_command(omop=tmp_path / "missing.duckdb", as_of=AS_OF, out=tmp_path / "out")


@pytest.mark.parametrize(("text", "days"), [("365d", 365), ("52w", 364), ("12m", 360), ("1y", 365), ("90", 90)])
def test_lookback_spellings(text, days):
    assert parse_lookback(text) == days


@pytest.mark.parametrize("text", ["", "0d", "a year", "-5d", "3h"])
def test_bad_lookback_is_a_config_error(text):
    with pytest.raises(ConfigError):
        parse_lookback(text)


def test_synth_rejects_an_unknown_format(tmp_path):
    with pytest.raises(ConfigError):
        synth_command(persons=10, seed=1, out=tmp_path, output_format="xlsx")
