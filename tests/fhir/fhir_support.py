"""Shared by the FHIR adapter tests: the fixture bundles and small builders for FHIR resources."""

from __future__ import annotations

import copy
import json
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

FIXTURES = Path(__file__).parent / "fixtures"
AS_OF = date(2026, 11, 1)


@cache
def _read(name: str) -> dict[str, Any]:
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


def fixture_bundle(name: str) -> dict[str, Any]:
    """A fresh copy of ``fixtures/<name>.json`` (tests may change it)."""
    return copy.deepcopy(_read(f"{name}.json"))


LOINC = "http://loinc.org"
SNOMED = "http://snomed.info/sct"
UCUM = "http://unitsofmeasure.org"


def observation(
    rid: str,
    code: str,
    value: float | None,
    unit: str | None,
    day: str = "2026-10-01",
    *,
    system: str = LOINC,
    status: str = "final",
    patient: str = "Patient/p1",
    **extra: Any,
) -> dict[str, Any]:
    out: dict[str, Any] = {
        "resourceType": "Observation",
        "id": rid,
        "status": status,
        "code": {"coding": [{"system": system, "code": code}]},
        "subject": {"reference": patient},
        "effectiveDateTime": day,
    }
    if value is not None:
        out["valueQuantity"] = {"value": value, **({"unit": unit, "system": UCUM, "code": unit} if unit else {})}
    out.update(extra)
    return out


def patient(rid: str = "p1", birth: str = "1980-04-02", gender: str = "female") -> dict[str, Any]:
    return {"resourceType": "Patient", "id": rid, "gender": gender, "birthDate": birth}


def condition(
    rid: str,
    system: str,
    code: str,
    *,
    clinical: str | None = "active",
    verification: str | None = None,
    patient: str = "Patient/p1",
    **extra: Any,
) -> dict[str, Any]:
    out: dict[str, Any] = {
        "resourceType": "Condition",
        "id": rid,
        "code": {"coding": [{"system": system, "code": code}]},
        "subject": {"reference": patient},
    }
    if clinical:
        out["clinicalStatus"] = {
            "coding": [{"system": "http://terminology.hl7.org/CodeSystem/condition-clinical", "code": clinical}]
        }
    if verification:
        out["verificationStatus"] = {
            "coding": [{"system": "http://terminology.hl7.org/CodeSystem/condition-ver-status", "code": verification}]
        }
    out.update(extra)
    return out


def collection(*resources: dict[str, Any]) -> dict[str, Any]:
    return {"resourceType": "Bundle", "type": "collection", "entry": [{"resource": r} for r in resources]}


def medication_statement(
    rid: str, text: str, *, status: str = "active", patient: str = "Patient/p1", **extra: Any
) -> dict[str, Any]:
    out: dict[str, Any] = {
        "resourceType": "MedicationStatement",
        "id": rid,
        "status": status,
        "medicationCodeableConcept": {"text": text},
        "subject": {"reference": patient},
    }
    out.update(extra)
    return out
