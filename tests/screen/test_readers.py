"""Every source format gives the same answers for the same people; concept tables are used; bad rows are counted."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq
import pytest

from b12ms.screen.sources import FhirSource, LabsSource, OmopSource
from b12ms.screen.synth_write import run_synth

from .cohort import Cohort, Event, Person, omop_tables
from .conftest import read_persons, split
from .spec_cases import CASES, MMA, TB_MASS, lab, tb

SPEC_COHORT = Cohort([case.person(pid) for pid, case in enumerate(CASES, start=1)])


def _answers(result) -> dict:
    return {pid: (r["status"], r["flags"], r["next_tests"], r["findings"]) for pid, r in read_persons(result).items()}


@pytest.fixture(scope="module")
def synth_dirs(tmp_path_factory, kb) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("synth")
    out = {}
    for fmt in ("omop-parquet", "omop-duckdb", "fhir-ndjson", "labs-csv"):
        out[fmt] = root / fmt
        run_synth(1500, 7, out[fmt], fmt, kb, chunk_size=600)
    return out


def test_omop_parquet_folder_duckdb_file_and_csv_folder_agree(run_screen, tmp_path):
    tables = omop_tables(SPEC_COHORT)
    parquet_dir, csv_dir = tmp_path / "parquet", tmp_path / "csv"
    parquet_dir.mkdir()
    csv_dir.mkdir()
    db = duckdb.connect(str(tmp_path / "omop.duckdb"))
    db.execute("CREATE SCHEMA cdm")
    for name, table in tables.items():
        pq.write_table(table, parquet_dir / f"{name}.parquet")
        pa_csv.write_csv(table, csv_dir / f"{name.upper()}.csv")
        db.register("t", table)
        db.execute(f"CREATE TABLE cdm.{name} AS SELECT * FROM t")
        db.unregister("t")
    db.close()
    in_memory = _answers(run_screen(SPEC_COHORT))
    assert _answers(run_screen(OmopSource(path=parquet_dir))) == in_memory
    assert _answers(run_screen(OmopSource(path=csv_dir))) == in_memory
    assert _answers(run_screen(OmopSource(path=tmp_path / "omop.duckdb"))) == in_memory
    assert _answers(run_screen(OmopSource(url=f"duckdb://{tmp_path / 'omop.duckdb'}"))) == in_memory


def test_all_formats_of_one_synthetic_cohort_give_the_same_answers(run_screen, synth_dirs):
    omop = _answers(run_screen(OmopSource(path=synth_dirs["omop-parquet"])))
    assert _answers(run_screen(OmopSource(path=synth_dirs["omop-duckdb"] / "omop.duckdb"))) == omop
    fhir = _answers(run_screen(FhirSource(synth_dirs["fhir-ndjson"])))
    # OMOP alone can still read a row whose source code is local when its concept id is standard.
    m = pq.read_table(synth_dirs["omop-parquet"] / "measurement.parquet").to_pylist()
    rescued = {
        str(r["person_id"]) for r in m if r["measurement_source_value"] == "LOCAL-B12" and r["measurement_concept_id"]
    }
    assert len(rescued) < 0.02 * len(fhir)
    assert {str(k): v for k, v in omop.items() if str(k) not in rescued} == {
        k: v for k, v in fhir.items() if k not in rescued
    }
    labs_dir = synth_dirs["labs-csv"]
    flat = _answers(run_screen(LabsSource(labs_dir / "labs.csv", labs_dir / "persons.csv")))
    # The flat format holds no medicines or conditions; where none were recorded, the answers agree.
    assert set(flat) == set(fhir)
    assert sum(flat[k][0] == fhir[k][0] for k in flat) > 0.9 * len(flat)


def test_fhir_reader_counts_lines_that_are_not_json(run_screen, synth_dirs):
    result = run_screen(FhirSource(synth_dirs["fhir-ndjson"]))
    observation = result.summary["facts"]["files"]["Observation"]
    assert observation["invalid_json"] == 1
    assert observation["blank"] >= 1


def test_concept_tables_resolve_measurements_units_conditions_and_descendants(run_screen):
    person = Person(1, "female", (), (Event("condition", "ms", "local MS code", 400),))
    tables = omop_tables(Cohort([person, Person(2, "male")]))
    concept = pa.table(
        {
            "concept_id": [900001, 900002, 900003, 900004],
            "vocabulary_id": ["LOINC", "UCUM", "SNOMED", "SNOMED"],
            "concept_code": ["2132-9", "ng/L", "24700007", "426373005"],
            "concept_name": ["Cobalamin", "nanogram per liter", "Multiple sclerosis", "Relapsing remitting MS"],
        }
    )
    ancestor = pa.table({"ancestor_concept_id": [900003], "descendant_concept_id": [900004]})
    measurement = pa.table(
        {
            "measurement_id": [1, 2],
            "person_id": [1, 2],
            "measurement_concept_id": [900001, 900001],
            "measurement_date": pa.array(["2026-05-01", "2026-05-01"]).cast(pa.date32()),
            "value_as_number": [150.0, 150.0],
            "unit_concept_id": [900002, 0],
            "unit_source_value": [None, None],
            "measurement_source_value": ["local", "local"],
        }
    )
    conditions = pa.table(
        {
            "condition_occurrence_id": [1],
            "person_id": [1],
            "condition_concept_id": [900004],
            "condition_start_date": pa.array(["2020-01-01"]).cast(pa.date32()),
            "condition_end_date": pa.array([None], pa.date32()),
            "condition_source_value": ["local MS code"],
        }
    )
    tables.update(measurement=measurement, condition_occurrence=conditions, concept=concept, concept_ancestor=ancestor)
    result = run_screen(OmopSource(tables=tables), population="ms")
    persons = read_persons(result)
    assert list(persons) == [1]  # MS through a SNOMED descendant of 24700007
    assert persons[1]["status"] == "deficiency_likely"  # B12 through LOINC, ng/L through UCUM
    assert result.summary["rows"]["labs"]["excluded"]["unknown_unit"] == 1  # person 2: unit concept 0, no text


def test_flat_labs_accept_names_as_well_as_codes_and_survive_bad_values(run_screen, tmp_path):
    labs = tmp_path / "labs.csv"
    labs.write_text(
        "person_id,analyte,value,unit,date\n"
        "a,Vitamin B12,150,ng/L,2026-05-01\n"
        "b,holoTC,80,pmol/L,2026-05-01\n"
        "c,B12,not a number,ng/L,2026-05-01\n"
        "d,B12,300,ng/L,yesterday\n"
        "e,unobtainium,1,ng/L,2026-05-01\n",
        encoding="utf-8",
    )
    result = run_screen(LabsSource(labs))
    persons = read_persons(result)
    assert persons["a"]["status"] == "deficiency_likely"
    assert persons["b"]["status"] == "deficiency_unlikely"
    assert {persons[p]["status"] for p in "cde"} == {"no_result"}
    excluded = result.summary["rows"]["labs"]["excluded"]
    assert (excluded["missing_value"], excluded["missing_date"], excluded["unmapped_code"]) == (1, 1, 1)


def test_flat_labs_with_persons_screen_the_ms_population_and_find_the_untested(run_screen, tmp_path):
    labs, persons = tmp_path / "labs.parquet", tmp_path / "persons.csv"
    dates = pa.array(["2026-05-01"] * 2).cast(pa.date32())
    columns = {"person_id": [1, 2], "code": [TB_MASS, MMA], "value": [400.0, 0.5], "unit": ["ng/L", "umol/L"]}
    pq.write_table(pa.table({**columns, "date": dates}), labs)
    persons.write_text("person_id,sex,ms\n1,F,yes\n2,M,no\n3,female,diagnosed\n", encoding="utf-8")
    result = run_screen(LabsSource(labs, persons), population="ms")
    screened = read_persons(result)
    assert sorted(screened) == ["1", "3"]
    assert split(screened["3"]["findings"]) == {"never_tested"}
    assert result.summary["rows"]["labs"]["excluded"]["not_in_population"] == 1


def test_same_day_results_in_a_flat_file_keep_file_order(run_screen, tmp_path):
    labs = tmp_path / "labs.csv"
    rows = [tb(150), tb(400)]
    labs.write_text(
        "person_id,code,value,unit,date\n" + "".join(f"1,{r.code},{r.value},{r.unit},2026-05-01\n" for r in rows),
        encoding="utf-8",
    )
    assert read_persons(run_screen(LabsSource(labs)))["1"]["status"] == "deficiency_unlikely"
    labs.write_text(
        "person_id,code,value,unit,date\n" + "".join(f"1,{r.code},{r.value},{r.unit},2026-05-01\n" for r in rows[::-1]),
        encoding="utf-8",
    )
    assert read_persons(run_screen(LabsSource(labs)))["1"]["status"] == "deficiency_likely"


def test_lab_rows_of_people_missing_from_the_persons_table_are_counted(run_screen):
    tables = omop_tables(Cohort([Person(1, "female", (tb(150), lab(MMA, 0.5, "umol/L")))]))
    tables["person"] = tables["person"].slice(0, 0)
    result = run_screen(OmopSource(tables=tables))
    assert result.summary["rows"]["labs"]["excluded"]["unknown_person"] == 2
    assert result.summary["persons"]["screened"] == 0


@pytest.mark.spark
def test_spark_reads_every_format_and_agrees_with_duckdb(run_screen, synth_dirs, spark, tmp_path):
    csv_dir = tmp_path / "csv"
    csv_dir.mkdir()
    for name in ("person", "measurement", "condition_occurrence", "drug_exposure", "observation"):
        table = pq.read_table(synth_dirs["omop-parquet"] / f"{name}.parquet")
        pa_csv.write_csv(table.slice(0, 4000), csv_dir / f"{name}.csv")
    labs_dir = synth_dirs["labs-csv"]
    for source in (
        OmopSource(path=synth_dirs["omop-parquet"]),
        OmopSource(path=csv_dir),
        OmopSource(path=synth_dirs["omop-duckdb"] / "omop.duckdb"),
        FhirSource(synth_dirs["fhir-ndjson"]),
        LabsSource(labs_dir / "labs.csv", labs_dir / "persons.csv"),
    ):
        on_duckdb = run_screen(source)
        on_spark = run_screen(source, engine="spark", spark=spark)
        assert _answers(on_spark) == _answers(on_duckdb), source
        assert on_spark.summary["rows"] == on_duckdb.summary["rows"], source


def test_any_database_ibis_connects_to(run_screen, tmp_path):
    """--omop-url with a non-DuckDB database (SQLite here: dates are text) streams the tables in."""
    import sqlite3

    db = sqlite3.connect(tmp_path / "omop.sqlite")
    for name, table in omop_tables(SPEC_COHORT).items():
        columns = table.column_names
        types = {"int64": "INTEGER", "double": "REAL", "string": "TEXT", "date32[day]": "DATE"}
        declared = ", ".join(f"{f.name} {types[str(f.type)]}" for f in table.schema)
        db.execute(f"CREATE TABLE {name} ({declared})")
        rows = [tuple(str(v) if hasattr(v, "isoformat") else v for v in row.values()) for row in table.to_pylist()]
        db.executemany(f"INSERT INTO {name} VALUES ({', '.join('?' * len(columns))})", rows)
    db.commit()
    db.close()
    on_url = run_screen(OmopSource(url=f"sqlite://{tmp_path / 'omop.sqlite'}"))
    assert _answers(on_url) == _answers(run_screen(SPEC_COHORT))


def test_unverified_concept_ids_are_used_only_when_trusted(run_screen):
    tables = omop_tables(Cohort([Person(1, "female")]))
    tables["measurement"] = pa.table(
        {
            "measurement_id": [1],
            "person_id": [1],
            "measurement_concept_id": [3009035],  # cobalamin (molar): an unverified id in codes.toml
            "measurement_date": pa.array(["2026-05-01"]).cast(pa.date32()),
            "value_as_number": [100.0],
            "unit_concept_id": [0],
            "unit_source_value": ["pmol/L"],
            "measurement_source_value": ["local code"],
        }
    )
    assert read_persons(run_screen(OmopSource(tables=tables)))[1]["status"] == "no_result"
    trusted = run_screen(OmopSource(tables=tables), trust_unverified_concepts=True)
    assert read_persons(trusted)[1]["status"] == "deficiency_likely"
