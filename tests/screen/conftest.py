"""Fixtures for the screening tests: the knowledge, one shared small Spark session, and ``run_screen``."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest

from b12ms.knowledge import load_knowledge
from b12ms.screen.run import ScreenOptions, ScreenResult, screen
from b12ms.screen.sources import OmopSource, Source

from .cohort import AS_OF, LOOKBACK, Cohort, omop_tables


@pytest.fixture(scope="session")
def kb():
    return load_knowledge()


@pytest.fixture(scope="session")
def spark() -> Iterator[Any]:
    """One Spark session for the whole test run: local[1], UI off, one shuffle partition, 127.0.0.1."""
    pytest.importorskip("pyspark")
    from b12ms.screen.backend import local_spark_session

    session = local_spark_session("local[1]", app_name="b12ms-tests")
    yield session
    session.stop()


def read_persons(result: ScreenResult) -> dict[Any, dict[str, Any]]:
    rows = pq.read_table(result.files["persons.parquet"]).to_pylist()
    return {r["person_id"]: r for r in rows}


def split(text: str) -> set[str]:
    return {x for x in text.split(";") if x}


@pytest.fixture
def run_screen(tmp_path: Path, kb) -> Callable[..., ScreenResult]:
    """``run_screen(source_or_cohort, engine=..., spark=..., **options)`` -> ScreenResult in a fresh folder."""
    counter = iter(range(10_000))

    def _run(source: Source | Cohort, *, engine: str = "duckdb", spark: Any = None, **options: Any) -> ScreenResult:
        if isinstance(source, Cohort):
            source = OmopSource(tables=omop_tables(source))
        opts = ScreenOptions(
            as_of=options.pop("as_of", AS_OF),
            lookback_days=options.pop("lookback_days", LOOKBACK),
            population=options.pop("population", "all"),
            engine=engine,
            **options,
        )
        out = tmp_path / f"out{next(counter)}"
        return screen(source, opts, out, knowledge=kb, spark_session=spark)

    return _run
