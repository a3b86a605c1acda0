"""People as the tests describe them, written two ways: as source tables and as PatientSnapshots.

A ``Person`` holds lab rows and event rows as a source would (a LOINC code or junk, a value and
a unit spelling, dates as days before the screening date). ``omop_tables`` writes a cohort as OMOP
CDM tables; ``snapshot`` builds, independently of the screening code, the PatientSnapshot the pure
engine should see for the same person: the labs it can read (a lab the pure engine would refuse is
left out, as the screen excludes it), inside the lookback window, and the conditions, medicines and
supplements current in that window. Comparing the pure engine on the snapshot with the screen on
the tables is the agreement test.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import pyarrow as pa
from pydantic import ValidationError

from b12ms.engine import PatientSnapshot
from b12ms.engine.normalise import normalise
from b12ms.errors import InputError
from b12ms.knowledge import Knowledge
from b12ms.screen.codes import load_codes

AS_OF = date(2026, 6, 1)
LOOKBACK = 365


@dataclass(frozen=True)
class Lab:
    code: str  # a LOINC code, or junk
    value: float | None
    unit: str | None
    day: int  # days before AS_OF (negative: after it)
    result: str | None = None
    ref_low: float | None = None
    ref_high: float | None = None


@dataclass(frozen=True)
class Event:
    table: str  # condition | drug | observation
    term: str | None  # the term the text names (None: nothing b12ms knows)
    text: str
    start: int  # days before AS_OF
    end: int | None = None  # days before AS_OF; None: open
    route: str | None = None


@dataclass(frozen=True)
class Person:
    pid: int
    sex: str | None = None
    labs: tuple[Lab, ...] = ()
    events: tuple[Event, ...] = ()


@dataclass
class Cohort:
    people: list[Person] = field(default_factory=list)

    def lab_rows(self) -> Iterable[tuple[int, Person, Lab]]:
        row = 0
        for person in self.people:
            for lab in person.labs:
                row += 1
                yield row, person, lab


def _day(offset: int) -> date:
    return AS_OF - timedelta(days=offset)


_GENDER = {"male": 8507, "female": 8532}


def omop_tables(cohort: Cohort) -> dict[str, pa.Table]:
    """The cohort as OMOP CDM tables (concept ids 0; codes and text in the source-value columns)."""
    persons = cohort.people
    m: dict[str, list[Any]] = {k: [] for k in (
        "measurement_id", "person_id", "measurement_concept_id", "measurement_date", "value_as_number",
        "unit_concept_id", "unit_source_value", "measurement_source_value", "value_source_value",
        "range_low", "range_high",
    )}  # fmt: skip
    for row, person, lab in cohort.lab_rows():
        m["measurement_id"].append(row)
        m["person_id"].append(person.pid)
        m["measurement_concept_id"].append(0)
        m["measurement_date"].append(_day(lab.day))
        m["value_as_number"].append(lab.value)
        m["unit_concept_id"].append(0)
        m["unit_source_value"].append(lab.unit)
        m["measurement_source_value"].append(lab.code)
        m["value_source_value"].append(lab.result)
        m["range_low"].append(lab.ref_low)
        m["range_high"].append(lab.ref_high)
    columns = {
        "condition_occurrence": ("condition_occurrence_id", "person_id", "condition_concept_id",
                                 "condition_start_date", "condition_end_date", "condition_source_value"),
        "drug_exposure": ("drug_exposure_id", "person_id", "drug_concept_id", "drug_exposure_start_date",
                          "drug_exposure_end_date", "drug_source_value", "route_source_value"),
        "observation": ("observation_id", "person_id", "observation_concept_id", "observation_date",
                        "observation_source_value"),
    }  # fmt: skip
    tables: dict[str, dict[str, list[Any]]] = {name: {k: [] for k in cols} for name, cols in columns.items()}
    counters = {"condition": 0, "drug": 0, "observation": 0}
    for person in persons:
        for ev in person.events:
            counters[ev.table] += 1
            n = counters[ev.table]
            end = _day(ev.end) if ev.end is not None else None
            if ev.table == "condition":
                t = tables["condition_occurrence"]
                for k, v in zip(t, (n, person.pid, 0, _day(ev.start), end, ev.text), strict=True):
                    t[k].append(v)
            elif ev.table == "drug":
                t = tables["drug_exposure"]
                for k, v in zip(t, (n, person.pid, 0, _day(ev.start), end, ev.text, ev.route), strict=True):
                    t[k].append(v)
            else:
                t = tables["observation"]
                for k, v in zip(t, (n, person.pid, 0, _day(ev.start), ev.text), strict=True):
                    t[k].append(v)
    types = {
        "measurement_date": pa.date32(), "condition_start_date": pa.date32(), "condition_end_date": pa.date32(),
        "drug_exposure_start_date": pa.date32(), "drug_exposure_end_date": pa.date32(), "observation_date": pa.date32(),
        "value_as_number": pa.float64(), "range_low": pa.float64(), "range_high": pa.float64(),
        "unit_source_value": pa.string(), "value_source_value": pa.string(), "route_source_value": pa.string(),
        "measurement_source_value": pa.string(), "condition_source_value": pa.string(),
        "drug_source_value": pa.string(), "observation_source_value": pa.string(),
    }  # fmt: skip

    def table(cols: dict[str, list[Any]]) -> pa.Table:
        return pa.table({k: pa.array(v, type=types.get(k, pa.int64())) for k, v in cols.items()})

    out = {name: table(cols) for name, cols in tables.items()}
    out["measurement"] = table(m)
    out["person"] = pa.table(
        {
            "person_id": pa.array([p.pid for p in persons], pa.int64()),
            "gender_concept_id": pa.array([_GENDER.get(p.sex or "", 0) for p in persons], pa.int64()),
            "year_of_birth": pa.array([1980] * len(persons), pa.int64()),
        }
    )
    return out


# --- the reference mapping: a person's rows -> PatientSnapshot -----------------------------------


def _result_value(text: str | None) -> str | None:
    if text is None:
        return None
    results = load_codes().results
    key = text.strip().lower()
    if key in results.positive:
        return "positive"
    if key in results.negative:
        return "negative"
    return None


def _lab_dict(kb: Knowledge, lab: Lab) -> dict[str, Any] | None:
    analyte = kb.find_analyte(lab.code)
    if analyte is None:
        return None
    out: dict[str, Any] = {"analyte": lab.code, "date": _day(lab.day).isoformat()}
    if kb.analytes[analyte].kind == "qualitative":
        result = _result_value(lab.result)
        if result is None:
            return None
        out["result"] = result
        return out
    out["value"] = lab.value
    out["unit"] = lab.unit
    if lab.ref_low is not None or lab.ref_high is not None:
        out["reference_range"] = {"low": lab.ref_low, "high": lab.ref_high}
    return out


def _readable(kb: Knowledge, lab: dict[str, Any]) -> bool:
    """Would the pure engine accept this lab on its own? (Its own validation decides.)"""
    try:
        normalise(PatientSnapshot.model_validate({"labs": [lab]}), kb, AS_OF)
    except (InputError, ValidationError):
        return False
    return True


def _current(ev: Event) -> bool:
    if ev.end is not None and ev.end > ev.start:  # ends before it starts: a bad row
        return False
    if ev.term == "ms":
        return ev.start >= 0
    if ev.term == "pregnancy":
        return 0 <= ev.start <= (load_codes().pregnancy.recent_days or 0)
    return ev.start >= 0 and (ev.end is None or ev.end <= LOOKBACK)


def snapshot(kb: Knowledge, person: Person) -> PatientSnapshot:
    labs = []
    for lab in person.labs:
        if not 0 <= lab.day <= LOOKBACK:
            continue
        as_dict = _lab_dict(kb, lab)
        if as_dict is not None and _readable(kb, as_dict):
            labs.append(as_dict)
    conditions, medications, supplements = [], [], []
    pregnant = None
    codes = load_codes()
    for ev in person.events:
        if ev.term is None or not _current(ev):
            continue
        if ev.term == "pregnancy":
            pregnant = True
        elif ev.term == "ms":
            continue
        elif ev.term in kb.terms["condition"]:
            conditions.append(ev.term)
        elif ev.term in kb.terms["medication"]:
            medications.append(ev.term)
        elif ev.term in kb.terms["supplement"]:
            supplement: dict[str, Any] = {"name": ev.term, "started": _day(ev.start).isoformat()}
            if ev.end is not None:
                supplement["last_taken"] = _day(ev.end).isoformat()
            route = codes.route_of(ev.route)
            if route is not None:
                supplement["route"] = route
            supplements.append(supplement)
    return PatientSnapshot.model_validate(
        {
            "sex": person.sex,
            "pregnant": pregnant,
            "conditions": conditions,
            "medications": medications,
            "supplements": supplements,
            "labs": labs,
        }
    )
