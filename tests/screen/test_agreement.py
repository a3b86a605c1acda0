"""The screen agrees with the pure engine, person by person (status, flags and next tests).

Hypothesis generates cohorts as sources hold them (labs in mixed units with bad rows, conditions,
medicines and supplements as free text, MS and pregnancy records); each person is assessed by the
pure engine from the snapshot ``cohort.snapshot`` builds, and the whole cohort is screened once.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings

from b12ms.engine import assess

from .cohort import AS_OF, Cohort, snapshot
from .conftest import read_persons, split
from .strategies import cohorts

DUCKDB = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
)
SPARK = settings(
    max_examples=4,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
)


def assert_agrees(kb, cohort: Cohort, result) -> int:
    screened = read_persons(result)
    assert set(screened) == {p.pid for p in cohort.people}
    for person in cohort.people:
        expected = assess(snapshot(kb, person), kb, AS_OF)
        got = screened[person.pid]
        where = f"person {person.pid}: {person}"
        assert got["status"] == expected.status, where
        assert split(got["flags"]) == {f.id for f in expected.flags}, where
        assert split(got["next_tests"]) == set(expected.next_tests), where
    return len(cohort.people)


@DUCKDB
@given(cohort=cohorts(max_people=25))
def test_screen_on_duckdb_agrees_with_the_pure_engine(kb, run_screen, cohort):
    assert_agrees(kb, cohort, run_screen(cohort))


@pytest.mark.spark
@SPARK
@given(cohort=cohorts(max_people=30))
def test_screen_on_spark_agrees_with_the_pure_engine(kb, run_screen, spark, cohort):
    assert_agrees(kb, cohort, run_screen(cohort, engine="spark", spark=spark))
