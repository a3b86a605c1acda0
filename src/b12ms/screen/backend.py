"""The two engines the screening rules run on: DuckDB (embedded, default) and Spark (local or a cluster).

One small wrapper per engine hides the differences the rules must not see: how a small Arrow
table is registered, how an intermediate result is materialised, how results are written.

Two compatibility notes, each pinned by a test in ``tests/screen/test_backend.py``:

* ibis 12 with duckdb 2.0: ``Backend.sql``, ``to_pyarrow_batches``, ``list_tables`` and
  ``Table.cache`` fail (the DuckDB cursor lost ``fetch_arrow_table``/``fetch_record_batch``), and a
  failed call can leave the connection busy. This module uses only ``table``, ``create_table``,
  ``read_parquet``/``read_csv``, ``execute``/``to_pyarrow`` and ``to_parquet``/``to_csv`` on
  DuckDB, and the raw DuckDB connection (results always consumed) for DDL.
* ibis's Spark memtables go through pandas, which turns a nullable integer column into nulls and a
  null float into NaN (and Spark orders NaN above every number). Small tables therefore reach Spark
  as Parquet files, which keep types and nulls exactly.
"""

from __future__ import annotations

import atexit
import contextlib
import itertools
import shutil
import tempfile
from pathlib import Path
from typing import Any

import ibis  # type: ignore[import-untyped]
import pyarrow as pa  # type: ignore[import-untyped]
import pyarrow.csv as pa_csv  # type: ignore[import-untyped]
import pyarrow.parquet as pq  # type: ignore[import-untyped]

from b12ms.errors import ConfigError

__all__ = ["ENGINES", "Engine", "duckdb_engine", "local_spark_session", "spark_engine"]

ENGINES = ("duckdb", "spark")
_names = itertools.count()


class Engine:
    """An ibis backend plus the few operations the screen needs that differ between engines."""

    def __init__(self, name: str, con: Any, *, owns_session: Any = None) -> None:
        self.name = name
        self.con = con
        self._scratch = Path(tempfile.mkdtemp(prefix=f"b12ms-screen-{name}-"))
        self._owned_session = owns_session

    @property
    def scratch(self) -> Path:
        """A private temporary folder (spill files, staged tables), removed by ``close``."""
        return self._scratch

    def unique(self, stem: str) -> str:
        return f"b12ms_{stem}_{next(_names)}"

    # --- DuckDB-only helpers ------------------------------------------------------------------

    def run_sql(self, sql: str) -> list[tuple[Any, ...]]:
        """Run DDL or a query on DuckDB and consume its result (never leaves the connection busy)."""
        if self.name != "duckdb":
            raise RuntimeError("run_sql is for DuckDB")
        return list(self.con.con.execute(sql).fetchall())

    # --- common operations -------------------------------------------------------------------

    def register(self, stem: str, table: pa.Table) -> Any:
        """Make an Arrow table available as an ibis table on this engine."""
        name = self.unique(stem)
        # A column with no values at all has Arrow type null, which neither engine can store.
        fields = [pa.field(f.name, pa.string()) if pa.types.is_null(f.type) else f for f in table.schema]
        table = table.cast(pa.schema(fields))
        if self.name == "duckdb":
            return self.con.create_table(name, table, temp=True)
        path = self._scratch / f"{name}.parquet"
        pq.write_table(table, path)
        return self.con.read_parquet(str(path), table_name=name)

    def materialise(self, stem: str, expr: Any) -> Any:
        """Compute ``expr`` once and return a table that reads the stored result."""
        name = self.unique(stem)
        if self.name == "duckdb":
            return self.con.create_table(name, expr, temp=True)
        # Spark: write and read back (a checkpoint). A cached DataFrame keeps its whole lineage in
        # every later plan; plans then grow with each stage until the driver runs out of memory
        # printing them. A Parquet round trip cuts the lineage.
        path = self._scratch / name
        self.con.to_parquet(expr, str(path))
        return self.con.read_parquet(str(path / "*.parquet"), table_name=name)

    def to_arrow(self, expr: Any) -> pa.Table:
        return self.con.to_pyarrow(expr)

    def scalar(self, expr: Any) -> Any:
        return self.con.execute(expr)

    def write(self, expr: Any, parquet: Path, csv: Path) -> None:
        """Write a table to one Parquet file and one CSV file (streamed; no driver-side copy on DuckDB)."""
        if self.name == "duckdb":
            self.con.to_parquet(expr, parquet)
            self.con.to_csv(expr, csv)
            return
        batches = self.con.to_pyarrow_batches(expr)
        schema = batches.schema
        with pq.ParquetWriter(parquet, schema) as pw, pa_csv.CSVWriter(csv, schema) as cw:
            for batch in batches:
                pw.write_batch(batch)
                cw.write_batch(batch)

    def close(self) -> None:
        if self.name == "duckdb":
            with contextlib.suppress(Exception):  # the connection may already be closed
                self.con.disconnect()
        if self._owned_session is not None:
            self._owned_session.stop()
        shutil.rmtree(self._scratch, ignore_errors=True)

    def __enter__(self) -> Engine:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def duckdb_engine(*, memory_limit: str | None = None, threads: int | None = None) -> Engine:
    """An in-memory DuckDB that spills to its private scratch folder when memory runs short."""
    con = ibis.duckdb.connect()
    engine = Engine("duckdb", con)
    engine.run_sql(f"SET temp_directory = '{engine.scratch.as_posix()}'")
    engine.run_sql("SET preserve_insertion_order = false")
    if memory_limit:
        engine.run_sql(f"SET memory_limit = '{_check_size(memory_limit)}'")
    if threads:
        engine.run_sql(f"SET threads = {int(threads)}")
    return engine


def _check_size(text: str) -> str:
    import re

    if not re.fullmatch(r"\d+(\.\d+)?\s*(KB|MB|GB|TB|KiB|MiB|GiB|TiB)", text.strip(), flags=re.IGNORECASE):
        raise ConfigError(f"memory limit {text!r} must look like 2GB or 512MB")
    return text.strip()


def local_spark_session(master: str = "local[1]", *, app_name: str = "b12ms-screen", driver_memory: str = "2g") -> Any:
    """A small Spark session: UI off, bound to 127.0.0.1, warehouse in a temp dir; one shuffle
    partition on ``local[1]``. ``driver_memory`` applies only when this call starts the JVM."""
    try:
        from pyspark.sql import SparkSession
    except ImportError:
        raise ConfigError("--engine spark needs pyspark: pip install 'b12ms[spark]'") from None
    warehouse = tempfile.mkdtemp(prefix="b12ms-spark-warehouse-")
    atexit.register(shutil.rmtree, warehouse, True)  # nothing is stored there; remove it when Python exits
    builder = (
        SparkSession.builder.master(master)
        .appName(app_name)
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", "1" if master.startswith("local[1]") else "8")
        .config("spark.driver.bindAddress", "127.0.0.1")
        .config("spark.driver.host", "127.0.0.1")
        .config("spark.sql.warehouse.dir", warehouse)
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.sql.ansi.enabled", "false")
        .config("spark.driver.memory", driver_memory)
    )
    try:
        session = builder.getOrCreate()
    except Exception as error:  # Java missing, port in use, bad master URL...
        raise ConfigError(f"cannot start Spark ({master}): {error}") from None
    session.sparkContext.setLogLevel("ERROR")
    return session


def spark_engine(session: Any = None, *, master: str = "local[1]") -> Engine:
    """Spark through ibis; pass a session to share one (tests do), else one is started and owned."""
    owned = None
    if session is None:
        session = local_spark_session(master)
        owned = session
    con = ibis.pyspark.connect(session)
    return Engine("spark", con, owns_session=owned)
