"""Observation → lab results (and pregnancy status) for the snapshot.

Status: ``entered-in-error`` and ``cancelled`` are skipped and reported, ``registered`` (no result
yet) too; ``preliminary`` and ``unknown`` are used with a finding. The code is looked up in the
code table (LOINC and SNOMED CT from ``analytes.toml``); the unit is the UCUM ``code`` when the
Quantity says it is UCUM, else the ``unit`` text, and it must be one the knowledge lists for that
analyte. Whatever cannot be read becomes a note naming the resource, never a silent drop.
"""

from __future__ import annotations

from datetime import date
from typing import Any, cast

from fhir.resources.R4B.observation import Observation
from fhir.resources.R4B.quantity import Quantity

from b12ms.fhir.builder import Builder, PregnancyEvidence, codings, concept_text, describe_codes
from b12ms.fhir.codes import UCUM
from b12ms.fhir.dates import day_of
from b12ms.fhir.resources import Located

__all__ = ["map_observation", "observation_day"]

_SKIPPED = {"entered-in-error": "is marked entered-in-error", "cancelled": "was cancelled"}
_QUALITATIVE_WORDS = {
    "positive": "positive",
    "detected": "positive",
    "negative": "negative",
    "not detected": "negative",
}


def observation_day(obs: Observation) -> tuple[object, str]:
    """The raw clinically relevant time and the field it came from (effective[x], else issued)."""
    if obs.effectiveDateTime is not None:
        return obs.effectiveDateTime, ".effectiveDateTime"
    if obs.effectivePeriod is not None and (obs.effectivePeriod.start or obs.effectivePeriod.end):
        if obs.effectivePeriod.start is not None:
            return obs.effectivePeriod.start, ".effectivePeriod.start"
        return obs.effectivePeriod.end, ".effectivePeriod.end"
    if obs.effectiveInstant is not None:
        return obs.effectiveInstant, ".effectiveInstant"
    if obs.issued is not None:
        return obs.issued, ".issued"
    return None, ""


def _day(obs: Observation, located: Located, b: Builder, what: str, analyte: str | None) -> tuple[date | None, str]:
    raw, at = observation_day(obs)
    day = day_of(raw)
    if raw is None:
        b.note("unreadable", located, f"{what} has no date (effective[x] or issued); not read.", analyte=analyte)
    elif day is None:
        b.note(
            "unreadable",
            located,
            f"{what} has a partial date {raw!r}; a result needs a day, so it was not read.",
            at=at,
            analyte=analyte,
        )
    elif at == ".issued":
        b.note("caveat", located, f"{what} has no effective date; the report time (issued) {day} was used.", at=at)
    return day, at


def map_observation(located: Located, b: Builder) -> None:
    obs = cast(Observation, located.resource)
    found = codings(obs.code)
    if any((system, code) in b.table.pregnancy_status for system, code, _ in found):
        _pregnancy_status(obs, located, b)
        return
    analytes = sorted({a for system, code, _ in found if (a := b.table.lab(system, code)) is not None})
    if obs.status in _SKIPPED:
        what = b.analyte_name(analytes[0]) if len(analytes) == 1 else "this observation"
        b.note("record_status", located, f"{what} {_SKIPPED[obs.status]}; not used.", at=".status")
        return
    if obs.status == "registered":
        b.note("record_status", located, "has no result yet (status registered); not used.", at=".status")
        return
    if not analytes:
        b.note("unknown_code", located, f"code {describe_codes(obs.code)} not recognised; not used.", at=".code")
        return
    if len(analytes) > 1:
        b.note("unknown_code", located, f"codes for different tests ({', '.join(analytes)}); not used.", at=".code")
        return
    analyte = analytes[0]
    name = b.analyte_name(analyte)
    day, day_at = _day(obs, located, b, name, analyte)
    if day is None:
        return
    what = f"{name} of {day}"
    if day > b.as_of:
        b.note("record_status", located, f"{what} is dated after the assessment date {b.as_of}; not used.", at=day_at)
        return
    if obs.status == "preliminary":
        b.note(
            "caveat",
            located,
            f"{what} is a preliminary result; it was used, but check for the final result.",
            at=".status",
        )
    elif obs.status == "unknown":
        b.note("caveat", located, f"{what} has status 'unknown'; it was used as if final.", at=".status")
    if obs.dataAbsentReason is not None:
        reason = concept_text(obs.dataAbsentReason) or describe_codes(obs.dataAbsentReason)
        b.note(
            "unreadable",
            located,
            f"{what} has no value ({reason}); not read.",
            at=".dataAbsentReason",
            analyte=analyte,
            day=day,
        )
        return
    if b.kb.analytes[analyte].kind == "qualitative":
        _qualitative(obs, located, b, analyte, what, day, day_at)
    else:
        _quantitative(obs, located, b, analyte, what, day, day_at)


def _unit_of(quantity: Quantity, b: Builder, analyte: str, at: str) -> tuple[str | None, str, list[str]]:
    """(unit spelling the knowledge accepts, field it came from, what the Quantity offered)."""
    offered: list[tuple[str, str]] = []
    if quantity.code and quantity.system in (None, UCUM):
        offered.append((str(quantity.code), f"{at}.code"))
    if quantity.unit:
        offered.append((str(quantity.unit), f"{at}.unit"))
    for text, field in offered:
        if b.kb.unit_fact(analyte, text) is not None:
            return text, field, [t for t, _ in offered]
    return None, offered[0][1] if offered else at, [t for t, _ in offered]


def _quantitative(
    obs: Observation, located: Located, b: Builder, analyte: str, what: str, day: date, day_at: str
) -> None:
    quantity = obs.valueQuantity
    if quantity is None or quantity.value is None:
        given = "a text value" if obs.valueString is not None else "no numeric value"
        shown = f" {obs.valueString!r}" if obs.valueString is not None else ""
        b.note(
            "unreadable",
            located,
            f"{what} has {given}{shown} (valueQuantity needed); not read.",
            at=".valueString" if obs.valueString is not None else ".valueQuantity",
            analyte=analyte,
            day=day,
        )
        return
    unit, unit_at, offered = _unit_of(quantity, b, analyte, ".valueQuantity")
    value = float(quantity.value)
    if unit is None:
        accepted = ", ".join(b.kb.unit_codes(analyte))
        if offered:
            given = " / ".join(repr(u) for u in dict.fromkeys(offered))
            message = f"unit {given} is not a unit b12ms reads for {what} (accepted: {accepted}); not read."
        else:
            message = f"{what} has a value without a unit; not read."
        b.note("unreadable", located, message, at=unit_at, analyte=analyte, day=day)
        return
    if quantity.comparator is not None:
        direction = "lower" if quantity.comparator.startswith("<") else "higher"
        b.note(
            "caveat",
            located,
            f"{what} was reported as '{quantity.comparator}{value:g} {unit}': read as {value:g}, "
            f"although the true value may be {direction}.",
            at=".valueQuantity.comparator",
        )
    lab: dict[str, Any] = {"analyte": analyte, "date": day.isoformat(), "value": value, "unit": unit}
    fields = {"value": ".valueQuantity.value", "unit": unit_at, "date": day_at, "analyte": ".code"}
    reference = _reference_range(obs, located, b, analyte, unit, what)
    if reference is not None:
        lab["reference_range"], fields["reference_range"] = reference
    b.add_lab(located, lab, fields)


def _reference_range(
    obs: Observation, located: Located, b: Builder, analyte: str, unit: str, what: str
) -> tuple[dict[str, float], str] | None:
    wanted = b.kb.unit_fact(analyte, unit)
    for index, rng in enumerate(obs.referenceRange or []):
        bounds = {"low": rng.low, "high": rng.high}
        if all(q is None or q.value is None for q in bounds.values()):
            continue
        at = f".referenceRange[{index}]"
        out: dict[str, float] = {}
        for name, quantity in bounds.items():
            if quantity is None or quantity.value is None:
                continue
            own, _, offered = _unit_of(quantity, b, analyte, at)
            fact = b.kb.unit_fact(analyte, own) if own else None
            if offered and (fact is None or wanted is None or fact.code != wanted.code):
                b.note(
                    "caveat",
                    located,
                    f"the reference range of {what} is in another unit ({offered[0]!r}); "
                    "the laboratory range was not used.",
                    at=f"{at}.{name}",
                )
                return None
            out[name] = float(quantity.value)
        if "low" in out and "high" in out and out["low"] >= out["high"]:
            b.note(
                "caveat",
                located,
                f"the reference range of {what} has low {out['low']:g} not below high "
                f"{out['high']:g}; the laboratory range was not used.",
                at=at,
            )
            return None
        return out, at
    return None


def _qualitative(
    obs: Observation, located: Located, b: Builder, analyte: str, what: str, day: date, day_at: str
) -> None:
    allowed = b.kb.analytes[analyte].results
    candidates: list[tuple[str | None, str]] = []
    concept = obs.valueCodeableConcept
    for system, code, display in codings(concept):
        candidates.append((b.table.qualitative.get((system, code)), ".valueCodeableConcept"))
        candidates.append((_QUALITATIVE_WORDS.get((display or "").strip().lower()), ".valueCodeableConcept"))
    if concept is not None and concept.text:
        candidates.append((_QUALITATIVE_WORDS.get(str(concept.text).strip().lower()), ".valueCodeableConcept.text"))
    if obs.valueString is not None:
        candidates.append((_QUALITATIVE_WORDS.get(str(obs.valueString).strip().lower()), ".valueString"))
    if obs.valueBoolean is not None:
        candidates.append(("positive" if obs.valueBoolean else "negative", ".valueBoolean"))
    for index, interpretation in enumerate(obs.interpretation or []):
        for system, code, _ in codings(interpretation):
            candidates.append((b.table.qualitative.get((system, code)), f".interpretation[{index}]"))
    results = {(r, at) for r, at in candidates if r is not None and r in allowed}
    if len({r for r, _ in results}) != 1:
        problem = "contradictory results" if results else "no result b12ms reads (positive or negative)"
        b.note("unreadable", located, f"{what} has {problem}; not read.", at=".value[x]", analyte=analyte, day=day)
        return
    result, at = sorted(results)[0]
    b.add_lab(
        located,
        {"analyte": analyte, "date": day.isoformat(), "result": result},
        {"result": at, "date": day_at, "analyte": ".code"},
    )


def _pregnancy_status(obs: Observation, located: Located, b: Builder) -> None:
    if obs.status in _SKIPPED or obs.status == "registered":
        b.note("record_status", located, f"pregnancy status is marked {obs.status}; not used.", at=".status")
        return
    values = {(s, c) for s, c, _ in codings(obs.valueCodeableConcept)}
    if values & b.table.pregnant_values:
        pregnant = True
    elif values & b.table.not_pregnant_values:
        pregnant = False
    else:
        b.note(
            "unreadable",
            located,
            f"pregnancy status value {describe_codes(obs.valueCodeableConcept)} not recognised; not used.",
            at=".valueCodeableConcept",
        )
        return
    day, at = _day(obs, located, b, "pregnancy status", None)
    if day is not None:
        b.pregnancy.append(PregnancyEvidence(day, pregnant, located, at))
