"""The specification cases (spec_cases.py) on all three engines: pure, DuckDB and Spark."""

from __future__ import annotations

import pytest

from b12ms.engine import assess

from .cohort import AS_OF, Cohort, snapshot
from .conftest import read_persons, split
from .spec_cases import CASES

COHORT = Cohort([case.person(pid) for pid, case in enumerate(CASES, start=1)])
IDS = [case.name for case in CASES]


@pytest.mark.parametrize(("pid", "case"), list(enumerate(CASES, start=1)), ids=IDS)
def test_pure_engine(kb, pid, case):
    a = assess(snapshot(kb, case.person(pid)), kb, AS_OF)
    assert (a.status, {f.id for f in a.flags}, set(a.next_tests)) == (case.status, case.flags, case.next_tests)


def _check_screen(result) -> list[str]:
    screened = read_persons(result)
    wrong = []
    for pid, case in enumerate(CASES, start=1):
        row = screened[pid]
        got = (row["status"], split(row["flags"]), split(row["next_tests"]), split(row["findings"]))
        want = (case.status, set(case.flags), set(case.next_tests), set(case.findings))
        if got != want:
            wrong.append(f"{case.name}: got {got}, want {want}")
    return wrong


def test_duckdb_screen(run_screen):
    assert _check_screen(run_screen(COHORT)) == []


@pytest.mark.spark
def test_spark_screen(run_screen, spark):
    assert _check_screen(run_screen(COHORT, engine="spark", spark=spark)) == []
