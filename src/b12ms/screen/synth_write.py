"""Write a synthetic cohort (``synth.synth_chunks``) as OMOP Parquet, an OMOP DuckDB file, FHIR
Bulk Data NDJSON or a flat lab CSV with a persons CSV — the inputs ``screen`` reads.

``run_synth`` is what ``b12ms synth`` calls. Files are written chunk by chunk, so memory stays
flat however many people are asked for.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa  # type: ignore[import-untyped]
import pyarrow.compute as pc  # type: ignore[import-untyped]
import pyarrow.csv as pa_csv  # type: ignore[import-untyped]
import pyarrow.parquet as pq  # type: ignore[import-untyped]

from b12ms.errors import ConfigError
from b12ms.knowledge import Knowledge
from b12ms.screen.synth import MS_TEXTS, SynthSpec, synth_chunks

__all__ = ["FORMATS", "run_synth"]

FORMATS = ("omop-duckdb", "omop-parquet", "fhir-ndjson", "labs-csv")


def _plain(table: pa.Table) -> pa.Table:
    """Dictionary-encoded text as plain strings (DuckDB would otherwise make ENUMs of them)."""
    fields = [pa.field(f.name, pa.string()) if pa.types.is_dictionary(f.type) else f for f in table.schema]
    return table.cast(pa.schema(fields))


class _ParquetOut:
    def __init__(self, out: Path) -> None:
        self.out = out
        self.writers: dict[str, Any] = {}

    def write(self, tables: dict[str, pa.Table]) -> None:
        for name, table in tables.items():
            table = _plain(table)
            if name not in self.writers:
                self.writers[name] = pq.ParquetWriter(self.out / f"{name}.parquet", table.schema)
            self.writers[name].write_table(table)

    def close(self) -> None:
        for writer in self.writers.values():
            writer.close()


class _DuckDBOut:
    def __init__(self, out: Path) -> None:
        path = out / "omop.duckdb"
        if path.exists():
            path.unlink()
        self.con = duckdb.connect(str(path))
        self.created: set[str] = set()

    def write(self, tables: dict[str, pa.Table]) -> None:
        for name, table in tables.items():
            self.con.register("chunk", _plain(table))
            if name not in self.created:
                self.con.execute(f"CREATE TABLE {name} AS SELECT * FROM chunk")
                self.created.add(name)
            else:
                self.con.execute(f"INSERT INTO {name} SELECT * FROM chunk")
            self.con.unregister("chunk")

    def close(self) -> None:
        self.con.close()


class _LabsOut:
    def __init__(self, out: Path, spec: SynthSpec) -> None:
        self.out, self.spec = out, spec
        self.labs: Any = None
        self.persons: Any = None

    def write(self, tables: dict[str, pa.Table]) -> None:
        m, c, p = tables["measurement"], tables["condition_occurrence"], tables["person"]
        labs = pa.table({
            "person_id": m["person_id"], "code": m["measurement_source_value"].cast(pa.string()),
            "value": m["value_as_number"], "unit": m["unit_source_value"].cast(pa.string()),
            "date": m["measurement_date"], "result": m["value_source_value"].cast(pa.string()),
        })  # fmt: skip
        ms_ids = pc.filter(c["person_id"], pc.is_in(c["condition_source_value"].cast(pa.string()), pa.array(MS_TEXTS)))
        persons = pa.table({
            "person_id": p["person_id"], "sex": pc.if_else(pc.equal(p["gender_concept_id"], 8532), "female", "male"),
            "birth_year": p["year_of_birth"], "ms": pc.if_else(pc.is_in(p["person_id"], ms_ids), "yes", "no"),
        })  # fmt: skip
        if self.labs is None:
            self.labs = pa_csv.CSVWriter(self.out / "labs.csv", labs.schema)
            self.persons = pa_csv.CSVWriter(self.out / "persons.csv", persons.schema)
        self.labs.write_table(labs)
        self.persons.write_table(persons)

    def close(self) -> None:
        for writer in (self.labs, self.persons):
            if writer is not None:
                writer.close()


_SUBJECT = "{'reference': 'Patient/' || CAST(person_id AS VARCHAR)}"
_LOINC = "{'coding': [{'system': 'http://loinc.org', 'code': measurement_source_value}]}"
_FHIR = {
    "Patient": "SELECT 'Patient' AS resourceType, CAST(person_id AS VARCHAR) AS id, "
    "CASE gender_concept_id WHEN 8532 THEN 'female' ELSE 'male' END AS gender, "
    "CAST(year_of_birth AS VARCHAR) || '-07-01' AS birthDate FROM person",
    "Observation.quantity": "SELECT 'Observation' AS resourceType, 'm' || measurement_id AS id, 'final' AS status, "
    f"{_SUBJECT} AS subject, {_LOINC} AS code, "
    "{'value': value_as_number, 'unit': unit_source_value, 'system': 'http://unitsofmeasure.org', "
    "'code': unit_source_value} AS valueQuantity, measurement_date AS effectiveDateTime FROM measurement "
    "WHERE value_as_number IS NOT NULL AND unit_source_value IS NOT NULL",
    "Observation.nounit": "SELECT 'Observation' AS resourceType, 'm' || measurement_id AS id, 'final' AS status, "
    f"{_SUBJECT} AS subject, {_LOINC} AS code, "
    "{'value': value_as_number} AS valueQuantity, measurement_date AS effectiveDateTime FROM measurement "
    "WHERE value_as_number IS NOT NULL AND unit_source_value IS NULL",
    "Observation.coded": "SELECT 'Observation' AS resourceType, 'm' || measurement_id AS id, 'final' AS status, "
    f"{_SUBJECT} AS subject, {_LOINC} AS code, "
    "{'text': value_source_value} AS valueCodeableConcept, measurement_date AS effectiveDateTime FROM measurement "
    "WHERE value_source_value IS NOT NULL",
    "Observation.novalue": "SELECT 'Observation' AS resourceType, 'm' || measurement_id AS id, 'final' AS status, "
    f"{_SUBJECT} AS subject, {_LOINC} AS code, "
    "measurement_date AS effectiveDateTime FROM measurement "
    "WHERE value_as_number IS NULL AND value_source_value IS NULL",
    "Condition": "SELECT 'Condition' AS resourceType, 'c' || condition_occurrence_id AS id, "
    f"{_SUBJECT} AS subject, {{'text': condition_source_value}} AS code, condition_start_date AS onsetDateTime "
    "FROM condition_occurrence",
    "Condition.pregnancy": "SELECT 'Condition' AS resourceType, 'o' || observation_id AS id, "
    f"{_SUBJECT} AS subject, {{'coding': [{{'system': 'http://snomed.info/sct', 'code': '77386006'}}], "
    "'text': observation_source_value} AS code, observation_date AS onsetDateTime FROM observation "
    "WHERE observation_source_value = 'Pregnant'",
    "MedicationStatement": "SELECT 'MedicationStatement' AS resourceType, 'd' || drug_exposure_id AS id, "
    f"'active' AS status, {_SUBJECT} AS subject, {{'text': drug_source_value}} AS medicationCodeableConcept, "
    "{'start': drug_exposure_start_date, 'end': drug_exposure_end_date} AS effectivePeriod, "
    "[{'route': {'text': route_source_value}}] AS dosage FROM drug_exposure",
}


class _FhirOut:
    def __init__(self, out: Path) -> None:
        self.out, self.con, self.chunk = out, duckdb.connect(), 0

    def write(self, tables: dict[str, pa.Table]) -> None:
        for name, table in tables.items():
            self.con.register(name, _plain(table))
        for stem, sql in _FHIR.items():
            path = (self.out / f"{stem}.{self.chunk:03d}.ndjson").as_posix()
            self.con.execute(f"COPY ({sql}) TO '{path}' (FORMAT JSON)")
        if self.chunk == 0:  # two lines a reader must survive: not JSON, and blank
            (self.out / "Observation.broken.ndjson").write_text(
                '{"resourceType": "Observation", "id": \n\n', encoding="utf-8"
            )
        for name in tables:
            self.con.unregister(name)
        self.chunk += 1

    def close(self) -> None:
        self.con.close()


def run_synth(
    persons: int,
    seed: int,
    out: Path,
    output_format: str,
    knowledge: Knowledge | None = None,
    *,
    on_chunk: Callable[[int, int], None] | None = None,
    chunk_size: int = 250_000,
) -> dict[str, Any]:
    """Make ``persons`` people with ``seed`` and write them to ``out`` in ``output_format``."""
    from b12ms.knowledge import load_knowledge

    if output_format not in FORMATS:
        raise ConfigError(f"--format: unknown format {output_format!r} (choose from {', '.join(FORMATS)})")
    if persons < 1:
        raise ConfigError("--persons must be at least 1")
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise ConfigError(f"--out: cannot create {out}: {error}") from None
    kb = knowledge or load_knowledge()
    spec = SynthSpec(persons=persons, seed=seed, chunk_size=chunk_size)
    writer: _ParquetOut | _DuckDBOut | _LabsOut | _FhirOut
    if output_format == "omop-parquet":
        writer = _ParquetOut(out)
    elif output_format == "omop-duckdb":
        writer = _DuckDBOut(out)
    elif output_format == "labs-csv":
        writer = _LabsOut(out, spec)
    else:
        writer = _FhirOut(out)
    started = time.perf_counter()
    rows: dict[str, int] = {}
    done = 0
    try:
        for tables in synth_chunks(spec, kb):
            writer.write(tables)
            for name, table in tables.items():
                rows[name] = rows.get(name, 0) + table.num_rows
            done += tables["person"].num_rows
            if on_chunk is not None:
                on_chunk(done, persons)
    finally:
        writer.close()
    return {
        "persons": persons,
        "seed": seed,
        "format": output_format,
        "out": str(out),
        "rows": rows,
        "end_date": spec.end_date.isoformat(),
        "seconds": round(time.perf_counter() - started, 2),
    }
