"""``assess``: one pure function from a person's snapshot to an explained Assessment.

No files, no clock, no environment, no printing or logging: the caller passes the knowledge and
the date the assessment is made for, so any result can be reproduced exactly.
"""

from __future__ import annotations

from datetime import date

from b12ms._version import __version__
from b12ms.engine.assessment import Assessment, LabReading, Versions
from b12ms.engine.cb12 import compute_cb12
from b12ms.engine.flags import blood_count_signs, other_flags
from b12ms.engine.management import management_options
from b12ms.engine.normalise import Facts, normalise
from b12ms.engine.readability import Readable, decide_readability
from b12ms.engine.snapshot import PatientSnapshot
from b12ms.engine.status import band_of, decide_status
from b12ms.engine.testing import risk_factors, testing_advice
from b12ms.engine.trace import Trace
from b12ms.engine.urgency import decide_urgency
from b12ms.knowledge import Knowledge

__all__ = ["assess"]


def _report_inputs(facts: Facts, trace: Trace) -> None:
    for unknown in facts.unknown:
        hint = f"; did you mean {unknown.suggestion!r}?" if unknown.suggestion else ""
        trace.finding(
            "input.unknown_term",
            f"{unknown.path}: {unknown.name!r} is not a {unknown.kind} b12ms knows, so no rule used it{hint}",
        )
    for old in facts.superseded:
        trace.finding(
            "labs.latest",
            f"{old.analyte} of {old.date} (labs[{old.index}]) was superseded by a later result.",
        )


def _missing_facts(facts: Facts, trace: Trace) -> None:
    snapshot = facts.snapshot
    if not (facts.latest.keys() & {"total_b12", "active_b12"}):
        trace.missing("b12_result", "No total or active B12 result was given.")
    if snapshot.diet is None:
        trace.missing("diet", "Diet not given: a vegan or vegetarian diet is a NICE risk factor.")
    if snapshot.pregnant is None and snapshot.sex not in ("male",):
        trace.missing("pregnant", "Pregnancy not stated: in pregnancy active B12 is the test.")
    if snapshot.age is None:
        trace.missing("age", "Age not given.")


def _lab_readings(facts: Facts, readable: Readable, kb: Knowledge) -> list[LabReading]:
    out = []
    latest_ids = {id(r) for r in facts.latest.values()}
    for reading in facts.readings:
        is_latest = id(reading) in latest_ids
        used = is_latest and readable.usable.get(reading.analyte) is reading
        band = band_of(reading, kb) if reading.band_id is not None else None
        analyte = kb.analytes[reading.analyte]
        out.append(
            LabReading(
                analyte=reading.analyte,
                date=reading.date,
                value=reading.value,
                unit=reading.unit,
                result=reading.result,
                canonical_value=reading.canonical,
                canonical_unit=analyte.canonical_unit,
                band=band,
                reference_low=reading.ref_low,
                reference_high=reading.ref_high,
                used=used,
                not_read_because=(readable.not_read.get(reading.analyte, []) if is_latest else ["superseded"]),
            )
        )
    return out


def assess(snapshot: PatientSnapshot, knowledge: Knowledge, as_of: date) -> Assessment:
    """Assess one person's B12 status as of ``as_of``; raises InputError for unusable input."""
    kb = knowledge
    facts = normalise(snapshot, kb, as_of)
    trace = Trace(kb)
    _report_inputs(facts, trace)
    signs_from_labs = blood_count_signs(facts, kb, trace)
    testing = testing_advice(facts, kb, trace, signs_from_labs)
    readable = decide_readability(facts, kb, trace)
    status = decide_status(facts, readable, kb, trace)
    other_flags(facts, readable, status, kb, trace)
    urgency = decide_urgency(facts, status, kb, trace)
    cb12 = compute_cb12(facts, readable, kb, trace)
    _missing_facts(facts, trace)
    management = management_options(facts, status, kb, trace)
    return Assessment(
        versions=Versions(b12ms=__version__, knowledge=kb.version, knowledge_sha256=kb.sha256),
        as_of=as_of,
        status=status,
        testing=testing,
        next_tests=trace.next_tests,
        urgency=urgency,
        risk_factors=risk_factors(facts, kb),
        flags=trace.flags(),
        findings=trace.findings,
        cb12=cb12,
        management=management,
        missing=trace.missing_items,
        labs=_lab_readings(facts, readable, kb),
    )
