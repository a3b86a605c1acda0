"""The engine wrappers, including the compatibility notes in backend.py, and knowledge-as-data."""

from __future__ import annotations

import ast
import inspect

import pyarrow as pa
import pytest

import b12ms.screen.events
import b12ms.screen.labs
import b12ms.screen.rules
from b12ms.screen.backend import duckdb_engine, spark_engine

NULLABLE = pa.table({"i": pa.array([1, None, 3], pa.int64()), "f": pa.array([None, 2.5, None], pa.float64())})


def _roundtrip(engine):
    t = engine.register("nullable", NULLABLE)
    stored = engine.materialise("again", t.mutate(big=t.f > 1e300))
    return engine.to_arrow(stored.order_by("i"))


def test_duckdb_keeps_nulls_and_cleans_up():
    with duckdb_engine() as engine:
        scratch = engine.scratch
        out = _roundtrip(engine)
    assert out["i"].to_pylist() == [1, 3, None]
    assert out["big"].to_pylist() == [None, None, False]
    assert not scratch.exists()


@pytest.mark.spark
def test_spark_keeps_nullable_integers_and_null_floats(spark):
    # ibis's own Spark memtable would make i all null and f NaN (which Spark orders above 1e300).
    with spark_engine(spark) as engine:
        out = _roundtrip(engine)
    assert out["i"].to_pylist() == [1, 3, None]
    assert out["big"].to_pylist() == [None, None, False]


_ALLOWED = {0, 1, 10.0, 11, 1e-200, 1e200}  # row numbering and 12-significant-digit rounding


@pytest.mark.parametrize("module", [b12ms.screen.rules, b12ms.screen.labs, b12ms.screen.events])
def test_rule_modules_type_no_thresholds(module):
    numbers = [
        node.value
        for node in ast.walk(ast.parse(inspect.getsource(module)))
        if isinstance(node, ast.Constant) and type(node.value) in (int, float)
    ]
    assert set(numbers) <= _ALLOWED, f"{module.__name__} holds numbers {sorted(set(numbers) - _ALLOWED)}"
