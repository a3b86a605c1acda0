"""Assessment → a FHIR R4 ``collection`` Bundle (``--format fhir``), validated with ``fhir.resources.R4B``.

Contents:

- ``RiskAssessment``: the status as a code from the b12ms status CodeSystem, ``basis`` → the
  Observations used (the input's own references when the input was FHIR, else Observations
  written into the Bundle), each finding as a ``note`` ("[rule] message").
- one ``DetectedIssue`` per warning or critical flag (severity moderate / high);
- one ``ServiceRequest`` per next test (``status: draft``, ``intent: proposal``, LOINC code);
- a ``Device`` for b12ms and a ``Provenance`` naming the b12ms version, the knowledge version and
  its sha256 (and the FHIR code table's version and sha256, while it lives outside the knowledge).

Resource ids are UUIDs derived from the assessment's content, so the same assessment gives the same
Bundle; only ``recorded`` (the Provenance time, passed in by the caller) varies.
"""

from __future__ import annotations

import hashlib
import uuid
from datetime import datetime
from typing import Any

from fhir.resources.R4B.bundle import Bundle

from b12ms.engine.assessment import Assessment, LabReading
from b12ms.fhir.codes import LOINC, UCUM, CodeTable, code_table
from b12ms.fhir.mapping import FhirMapping
from b12ms.knowledge import Knowledge

__all__ = ["assessment_to_bundle", "lab_codings", "service_request"]

_NAMESPACE = uuid.UUID("6f1f3c52-5d0e-4a4e-9a0e-b12b12b12b12")
_UCUM_SPELLING = {"mL/min/1.73m2": "mL/min/{1.73_m2}"}
_SEVERITY = {"critical": "high", "warning": "moderate"}


def lab_codings(kb: Knowledge, analyte: str, unit: str | None = None) -> list[dict[str, str]]:
    """LOINC codings b12ms writes for an analyte (never the ``emit = false`` ones); the one whose
    property (mass / molar) fits ``unit`` first."""
    codes = [c for c in kb.analytes[analyte].loinc if c.emit]
    fact = kb.unit_fact(analyte, unit) if unit else None
    if fact is not None:
        wanted = "mass" if "[mass]" in fact.family else "molar" if "[substance]" in fact.family else None
        codes.sort(key=lambda c: c.property != wanted)
    return [{"system": LOINC, "code": c.code, "display": c.display} for c in codes]


def service_request(kb: Knowledge, analyte: str, subject: dict[str, str], reason: str | None = None) -> dict[str, Any]:
    """A proposed test (``status: draft``, ``intent: proposal``): what a CDS suggestion creates."""
    name = kb.analytes[analyte].name
    codings = lab_codings(kb, analyte)[:1]
    code: dict[str, Any] = {"text": name, **({"coding": codings} if codings else {})}
    request: dict[str, Any] = {
        "resourceType": "ServiceRequest",
        "status": "draft",
        "intent": "proposal",
        "category": [
            {"coding": [{"system": "http://snomed.info/sct", "code": "108252007", "display": "Laboratory procedure"}]}
        ],
        "code": code,
        "subject": subject,
    }
    if reason:
        request["reasonCode"] = [{"text": reason}]
    return request


def _coding(table: CodeTable, system: str, code: str, display: str) -> dict[str, str]:
    return {"system": f"{table.b12ms_codesystem_base}/{system}", "code": code, "display": display}


class _Ids:
    """Content-derived UUIDs: the same assessment always gets the same ids."""

    def __init__(self, assessment: Assessment) -> None:
        self._seed = hashlib.sha256(assessment.model_dump_json().encode("utf-8")).hexdigest()

    def __call__(self, name: str) -> str:
        return str(uuid.uuid5(_NAMESPACE, f"{self._seed}:{name}"))


def _observation(kb: Knowledge, reading: LabReading, subject: dict[str, str], rid: str) -> dict[str, Any]:
    analyte = kb.analytes[reading.analyte]
    observation: dict[str, Any] = {
        "resourceType": "Observation",
        "id": rid,
        "status": "final",
        "category": [
            {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/observation-category", "code": "laboratory"}]}
        ],
        "code": {"coding": lab_codings(kb, reading.analyte, reading.unit), "text": analyte.name},
        "subject": subject,
        "effectiveDateTime": reading.date.isoformat(),
    }
    if not observation["code"]["coding"]:
        del observation["code"]["coding"]
    if reading.value is not None and reading.unit is not None:
        ucum = _UCUM_SPELLING.get(reading.unit, reading.unit)
        observation["valueQuantity"] = {"value": reading.value, "unit": reading.unit, "system": UCUM, "code": ucum}
    elif reading.result is not None:
        observation["valueString"] = reading.result
    return observation


def _basis(
    kb: Knowledge, assessment: Assessment, mapping: FhirMapping | None, subject: dict[str, str], ids: _Ids
) -> tuple[list[dict[str, str]], list[dict[str, Any]]]:
    """References for RiskAssessment.basis, and the Observations to write when the input had none."""
    refs: list[dict[str, str]] = []
    written: list[dict[str, Any]] = []
    for position, reading in enumerate(assessment.labs):
        if not reading.used:
            continue
        source = mapping.lab_sources[position] if mapping is not None else None
        if source is not None and ("/" in source or source.startswith("urn:")) and not source.startswith("Bundle."):
            refs.append({"reference": source})
            continue
        rid = ids(f"observation:{position}")
        written.append(_observation(kb, reading, subject, rid))
        refs.append({"reference": f"urn:uuid:{rid}"})
    return refs, written


def assessment_to_bundle(
    assessment: Assessment, kb: Knowledge, *, recorded: datetime, mapping: FhirMapping | None = None
) -> dict[str, Any]:
    """The assessment as a FHIR R4 collection Bundle (JSON-ready dict), validated before it is returned."""
    table = code_table(kb)
    ids = _Ids(assessment)
    subject = (
        {"reference": mapping.patient}
        if mapping is not None and mapping.patient
        else {"display": "the person assessed"}
    )
    basis, observations = _basis(kb, assessment, mapping, subject, ids)
    wording = kb.status_wording[assessment.status]
    urgency = kb.urgency_wording[assessment.urgency]
    testing = assessment.testing.indication.replace("_", " ")
    risk_id = ids("risk-assessment")
    risk: dict[str, Any] = {
        "resourceType": "RiskAssessment",
        "id": risk_id,
        "status": "final",
        "code": {"coding": [_coding(table, "assessment", "b12-status", "Vitamin B12 status (NICE NG239)")]},
        "subject": subject,
        "occurrenceDateTime": assessment.as_of.isoformat(),
        "prediction": [
            {
                "outcome": {
                    "coding": [_coding(table, "b12-status", assessment.status, wording.headline)],
                    "text": wording.text,
                },
                "rationale": f"Urgency: {urgency.headline}. Testing: {testing}.",
            }
        ],
        "note": [{"text": f"[{f.rule}] {f.message}"} for f in assessment.findings],
    }
    if basis:
        risk["basis"] = basis
    if assessment.management:
        risk["mitigation"] = " ".join(f"{m.text}" for m in assessment.management)
    risk_ref = {"reference": f"urn:uuid:{risk_id}"}
    resources: list[dict[str, Any]] = [risk]
    for index, flag in enumerate(f for f in assessment.flags if f.severity in _SEVERITY):
        issue: dict[str, Any] = {
            "resourceType": "DetectedIssue",
            "id": ids(f"flag:{index}:{flag.id}"),
            "status": "final",
            "code": {"coding": [_coding(table, "flag", flag.id, kb.flags[flag.id].title)]},
            "severity": _SEVERITY[flag.severity],
            "patient": subject,
            "identifiedDateTime": assessment.as_of.isoformat(),
            "detail": flag.message,
            "evidence": [{"detail": [risk_ref]}],
        }
        url = next((kb.references[r].url for r in flag.references if kb.references[r].url), None)
        if url:
            issue["reference"] = url
        resources.append(issue)
    for analyte in assessment.next_tests:
        request = service_request(kb, analyte, subject, reason="Suggested by b12ms to settle the B12 status")
        request["id"] = ids(f"next-test:{analyte}")
        request["reasonReference"] = [risk_ref]
        resources.append(request)
    resources.extend(observations)
    device_id = ids("device")
    versions = assessment.versions
    device = {
        "resourceType": "Device",
        "id": device_id,
        "deviceName": [{"name": "b12ms", "type": "user-friendly-name"}],
        "version": [
            {"type": {"text": "software"}, "value": versions.b12ms},
            {"type": {"text": "knowledge"}, "value": versions.knowledge},
            {"type": {"text": "knowledge sha256"}, "value": versions.knowledge_sha256},
        ],
    }
    provenance = {
        "resourceType": "Provenance",
        "id": ids("provenance"),
        "target": [{"reference": f"urn:uuid:{r['id']}"} for r in resources],
        "occurredDateTime": assessment.as_of.isoformat(),
        "recorded": recorded.isoformat(),
        "agent": [
            {
                "type": {
                    "coding": [
                        {
                            "system": "http://terminology.hl7.org/CodeSystem/provenance-participant-type",
                            "code": "assembler",
                        }
                    ]
                },
                "who": {
                    "reference": f"urn:uuid:{device_id}",
                    "display": f"b12ms {versions.b12ms} (knowledge {versions.knowledge})",
                },
            }
        ],
        "entity": [
            {
                "role": "source",
                "what": {
                    "identifier": {"system": "urn:b12ms:knowledge", "value": versions.knowledge},
                    "display": f"b12ms knowledge {versions.knowledge} sha256 {versions.knowledge_sha256}",
                },
            },
            {
                "role": "source",
                "what": {
                    "identifier": {"system": "urn:b12ms:fhir-code-table", "value": table.data_version},
                    "display": f"b12ms FHIR code table {table.data_version} sha256 {table.data_sha256}",
                },
            },
            *({"role": "source", "what": ref} for ref in basis),
        ],
    }
    resources += [device, provenance]
    bundle = {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [{"fullUrl": f"urn:uuid:{r['id']}", "resource": r} for r in resources],
    }
    Bundle.model_validate(bundle)  # a failure here is a bug in this module, so it keeps its traceback
    return bundle
