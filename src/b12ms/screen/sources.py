"""Where the data comes from, and opening it on an engine as OMOP tables or fact tables.

``OmopSource``  a DuckDB file, a folder of Parquet/CSV files named after the tables, an ibis URL,
               or Arrow tables in memory;
``FhirSource``  a folder of FHIR Bulk Data NDJSON files;
``LabsSource``  a flat lab table (CSV or Parquet) with an optional persons table.

Every failure to find or read something is an InputError naming the table, file or column.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa  # type: ignore[import-untyped]
import pyarrow.parquet as pq  # type: ignore[import-untyped]

from b12ms.errors import ConfigError, InputError, Problem
from b12ms.screen.backend import Engine, duckdb_engine
from b12ms.screen.readers.omop import OMOP_OPTIONAL, OMOP_REQUIRED

__all__ = ["FhirSource", "LabsSource", "OmopSource", "Source", "open_omop_tables", "source_from_args"]

OMOP_TABLES = (*OMOP_REQUIRED, *OMOP_OPTIONAL)


@dataclass(frozen=True)
class OmopSource:
    path: Path | None = None
    url: str | None = None
    tables: Mapping[str, pa.Table] | None = field(default=None, compare=False)
    schema: str | None = None

    def describe(self) -> dict[str, Any]:
        where = str(self.path) if self.path else (_redact(self.url) if self.url else "in-memory tables")
        return {"format": "omop", "location": where}


@dataclass(frozen=True)
class FhirSource:
    directory: Path

    def describe(self) -> dict[str, Any]:
        return {"format": "fhir-ndjson", "location": str(self.directory)}


@dataclass(frozen=True)
class LabsSource:
    labs: Path
    persons: Path | None = None

    def describe(self) -> dict[str, Any]:
        return {"format": "labs", "location": str(self.labs), "persons": str(self.persons) if self.persons else None}


Source = OmopSource | FhirSource | LabsSource


def _redact(url: str) -> str:
    """Never write a password from a connection URL into outputs."""
    import re

    return re.sub(r"//([^:/@]+):[^@]*@", r"//\1:***@", url)


def source_from_args(
    *,
    omop: str | Path | None = None,
    omop_url: str | None = None,
    fhir_ndjson: str | Path | None = None,
    labs: str | Path | None = None,
    persons: str | Path | None = None,
) -> Source:
    """The one source named by CLI-style arguments (exactly one of omop, omop_url, fhir_ndjson, labs)."""
    given = {
        k: v
        for k, v in {"--omop": omop, "--omop-url": omop_url, "--fhir-ndjson": fhir_ndjson, "--labs": labs}.items()
        if v
    }
    if len(given) != 1:
        names = ", ".join(given) or "none"
        raise ConfigError(f"give exactly one source (--omop, --omop-url, --fhir-ndjson or --labs); got {names}")
    if persons and not labs:
        raise ConfigError("--persons goes with --labs")
    if omop is not None:
        path = Path(omop)
        if not path.exists():
            raise InputError(Problem("--omop", f"{path} does not exist"))
        return OmopSource(path=path)
    if omop_url is not None:
        return OmopSource(url=omop_url)
    if fhir_ndjson is not None:
        directory = Path(fhir_ndjson)
        if not directory.is_dir():
            raise InputError(Problem("--fhir-ndjson", f"{directory} is not a folder"))
        return FhirSource(directory)
    labs_path = Path(labs or "")
    persons_path = Path(persons) if persons else None
    for option, checked in (("--labs", labs_path), ("--persons", persons_path)):
        if checked is not None and not checked.is_file():
            raise InputError(Problem(option, f"{checked} is not a file"))
    return LabsSource(labs_path, persons_path)


# --- OMOP tables on an engine --------------------------------------------------------------------


def _table_files(directory: Path) -> dict[str, Path]:
    """CDM table name -> file or folder, matching names case-insensitively."""
    found: dict[str, Path] = {}
    for entry in sorted(directory.iterdir()):
        name = entry.name.lower()
        for suffix in (".parquet", ".csv.gz", ".csv", ""):
            if name.endswith(suffix) and (suffix or entry.is_dir()):
                stem = name[: len(name) - len(suffix)] if suffix else name
                if stem in OMOP_TABLES and stem not in found:
                    found[stem] = entry
                break
    return found


def _read_file(engine: Engine, table: str, path: Path) -> Any:
    name = engine.unique(table)
    try:
        if path.is_dir():
            pattern = str(path / "*.parquet")
            return engine.con.read_parquet(pattern, table_name=name)
        if path.name.lower().endswith(".parquet"):
            return engine.con.read_parquet(str(path), table_name=name)
        if engine.name == "spark":
            return engine.con.read_csv(str(path), table_name=name, header=True, inferSchema=True)
        return engine.con.read_csv(str(path), table_name=name)
    except Exception as error:  # every engine raises its own types for unreadable files
        raise InputError(Problem(table, f"cannot read {path}: {_first_line(error)}")) from None


def _first_line(error: BaseException) -> str:
    text = str(error).strip().splitlines()
    return text[0][:300] if text else type(error).__name__


def _missing_table(table: str, where: str) -> InputError:
    return InputError(Problem(table, f"OMOP table {table!r} is missing from {where}"))


def _from_directory(engine: Engine, directory: Path) -> dict[str, Any]:
    files = _table_files(directory)
    for table in OMOP_REQUIRED:
        if table not in files:
            raise InputError(
                Problem(table, f"OMOP table {table!r} is missing from {directory} (looked for {table}.parquet, "
                        f"{table}.csv, {table}.csv.gz or a {table}/ folder of Parquet files)")
            )  # fmt: skip
    return {table: _read_file(engine, table, path) for table, path in files.items()}


def _duckdb_schema(engine: Engine, alias: str, wanted: str | None) -> str:
    rows = engine.run_sql(
        f"select table_schema, lower(table_name) from information_schema.tables where table_catalog = '{alias}'"
    )
    by_schema: dict[str, set[str]] = {}
    for schema, table in rows:
        by_schema.setdefault(schema, set()).add(table)
    if wanted is not None:
        if wanted not in by_schema:
            raise InputError(Problem("--omop", f"schema {wanted!r} is not in the database"))
        return wanted
    for schema in sorted(by_schema, key=lambda s: (s != "main", s)):
        if "measurement" in by_schema[schema]:
            return schema
    raise _missing_table("measurement", "the DuckDB database (no schema holds it)")


def _from_duckdb_file(engine: Engine, path: Path, schema: str | None) -> dict[str, Any]:
    alias = engine.unique("src")
    try:
        engine.run_sql(f"ATTACH '{path.as_posix()}' AS {alias} (READ_ONLY)")
    except Exception as error:
        raise InputError(Problem("--omop", f"cannot open {path} as a DuckDB database: {_first_line(error)}")) from None
    chosen = _duckdb_schema(engine, alias, schema)
    present = {
        t.lower(): t
        for (t,) in engine.run_sql(
            f"select table_name from information_schema.tables where table_catalog = '{alias}' "
            f"and table_schema = '{chosen}'"
        )
    }
    for table in OMOP_REQUIRED:
        if table not in present:
            raise _missing_table(table, f"{path} (schema {chosen})")
    return {t: engine.con.table(present[t], database=(alias, chosen)) for t in OMOP_TABLES if t in present}


def _stage_to_parquet(source_con: Any, tables: dict[str, Any], engine: Engine) -> dict[str, Any]:
    """Copy tables from another backend into Parquet files in the engine's scratch folder, streamed."""
    out: dict[str, Any] = {}
    for name, table in tables.items():
        path = engine.scratch / f"staged_{name}.parquet"
        if getattr(source_con, "name", "") == "duckdb":
            source_con.to_parquet(table, path)
        else:
            batches = source_con.to_pyarrow_batches(table)
            with pq.ParquetWriter(path, batches.schema) as writer:
                for batch in batches:
                    writer.write_batch(batch)
        out[name] = engine.con.read_parquet(str(path), table_name=engine.unique(name))
    return out


def _from_url(engine: Engine, url: str) -> dict[str, Any]:
    import ibis  # type: ignore[import-untyped]

    if url.startswith("duckdb://"):
        path = Path(url.removeprefix("duckdb://"))
        if not path.exists():
            raise InputError(Problem("--omop-url", f"{path} does not exist"))
        return open_omop_tables(engine, OmopSource(path=path))
    try:
        source_con = ibis.connect(url)
    except Exception as error:
        raise InputError(Problem("--omop-url", f"cannot connect to {_redact(url)}: {_first_line(error)}")) from None
    tables: dict[str, Any] = {}
    for table in OMOP_TABLES:
        try:
            tables[table] = source_con.table(table)
        except Exception:
            if table in OMOP_REQUIRED:
                raise _missing_table(table, _redact(url)) from None
    return _stage_to_parquet(source_con, tables, engine)


def open_omop_tables(engine: Engine, source: OmopSource) -> dict[str, Any]:
    """CDM table name -> ibis table on ``engine`` (required tables checked; optional ones if present)."""
    if source.tables is not None:
        missing = [t for t in OMOP_REQUIRED if t not in source.tables]
        if missing:
            raise _missing_table(missing[0], "the tables given")
        return {t: engine.register(t, source.tables[t]) for t in OMOP_TABLES if t in source.tables}
    if source.url is not None:
        return _from_url(engine, source.url)
    path = source.path
    if path is None:
        raise ConfigError("an OMOP source needs a path, a URL or tables")
    if path.is_dir():
        return _from_directory(engine, path)
    if engine.name == "duckdb":
        return _from_duckdb_file(engine, path, source.schema)
    with duckdb_engine() as helper:  # Spark reads a DuckDB file through staged Parquet copies
        tables = _from_duckdb_file(helper, path, source.schema)
        return _stage_to_parquet(helper.con, tables, engine)
