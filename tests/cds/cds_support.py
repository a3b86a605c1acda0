"""Shared by the CDS tests: the FHIR fixtures as prefetch, hook requests, settings, in-process calls."""

from __future__ import annotations

import asyncio
import copy
import json
import uuid
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

import httpx

from b12ms.cds import CdsSettings

FIXTURES = Path(__file__).resolve().parent.parent / "fhir" / "fixtures"
AS_OF = date(2026, 11, 1)
BASE_URL = "http://127.0.0.1:8010"
PATIENT_VIEW = "b12ms-patient-view"
ORDER_SELECT = "b12ms-order-select"
_SEARCH_KEYS = {
    "Observation": "observations",
    "Condition": "conditions",
    "MedicationStatement": "medicationStatements",
    "MedicationRequest": "medicationRequests",
    "MedicationAdministration": "medicationAdministrations",
}


@cache
def _read(name: str) -> str:
    return (FIXTURES / f"{name}.json").read_text(encoding="utf-8")


def fixture_bundle(name: str) -> dict[str, Any]:
    return copy.deepcopy(json.loads(_read(name)))


def searchset(entries: list[dict[str, Any]]) -> dict[str, Any]:
    """A searchset of entries (``{"resource": ...}``, with their fullUrl when they have one)."""
    return {
        "resourceType": "Bundle",
        "type": "searchset",
        "total": len(entries),
        "entry": [{**e, "search": {"mode": "match"}} for e in entries],
    }


def prefetch_from(resources_or_bundle: dict[str, Any] | list[dict[str, Any]]) -> dict[str, Any]:
    """The prefetch an EHR would send for these resources: the Patient, and one searchset per template."""
    if isinstance(resources_or_bundle, dict):
        entries = [e for e in resources_or_bundle.get("entry", []) if "resource" in e]
    else:
        entries = [{"resource": r} for r in resources_or_bundle]
    patients = [e["resource"] for e in entries if e["resource"]["resourceType"] == "Patient"]
    # A FHIR server answers searches with server references, not the bundle's urn:uuid ones.
    local = {
        e["fullUrl"]: f"Patient/{e['resource']['id']}"
        for e in entries
        if e.get("fullUrl") and e["resource"]["resourceType"] == "Patient"
    }
    for entry in entries:
        subject = entry["resource"].get("subject")
        if subject and subject.get("reference") in local:
            subject["reference"] = local[subject["reference"]]
    prefetch: dict[str, Any] = {"patient": patients[0] if patients else None}
    for kind, key in _SEARCH_KEYS.items():
        prefetch[key] = searchset([e for e in entries if e["resource"]["resourceType"] == kind])
    return prefetch


def patient_id(bundle: dict[str, Any]) -> str:
    return next(e["resource"]["id"] for e in bundle["entry"] if e["resource"]["resourceType"] == "Patient")


def hook_request(hook: str, pid: str, prefetch: dict[str, Any] | None = None, **extra: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "hook": hook,
        "hookInstance": str(uuid.uuid4()),
        "context": {"userId": "Practitioner/dr-1", "patientId": pid, **extra.pop("context", {})},
    }
    if prefetch is not None:
        body["prefetch"] = prefetch
    body.update(extra)
    return body


def patient_view(name: str) -> dict[str, Any]:
    bundle = fixture_bundle(name)
    return hook_request("patient-view", patient_id(bundle), prefetch_from(bundle))


def settings(**overrides: Any) -> CdsSettings:
    values: dict[str, Any] = {"public_base_url": BASE_URL, "today": lambda: AS_OF}
    values.update(overrides)
    return CdsSettings(**values)


def asgi(
    app: Any,
    method: str,
    path: str,
    *,
    json: Any = None,
    content: bytes | None = None,
    headers: dict[str, str] | None = None,
    client: tuple[str, int] = ("127.0.0.1", 50000),
) -> httpx.Response:
    """One request to an ASGI app in-process (as if from ``client``), with a running event loop."""

    async def run() -> httpx.Response:
        transport = httpx.ASGITransport(app=app, client=client)
        async with httpx.AsyncClient(transport=transport, base_url=BASE_URL) as http:
            return await http.request(method, path, json=json, content=content, headers=headers)

    return asyncio.run(run())
