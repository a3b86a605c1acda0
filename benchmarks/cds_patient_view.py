"""CDS Hooks patient-view speed with a full prefetch of 200 Observations (CDS Hooks target: ~500 ms).

Three figures, p50 and p99 of many calls:
- in-process, library: FHIR → snapshot → assessment → cards (no HTTP, no JSON);
- in-process, ASGI: the whole app (request JSON parsed and validated, response serialised), no sockets;
- over HTTP: uvicorn on 127.0.0.1 and an httpx client, as an EHR would call it.
Baseline (the ratio): the pure engine on the same snapshot, so the ratio says what FHIR + CDS add.
Run: .venv/bin/python benchmarks/cds_patient_view.py
"""

from __future__ import annotations

import asyncio
import socket
import statistics
import sys
import threading
import time
import uuid
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import httpx
import uvicorn

sys.path.insert(0, str(Path(__file__).parent))
from _common import median_seconds, report

from b12ms.cds import CdsSettings, create_cds_app
from b12ms.cds.cards import CardKit, patient_view_cards
from b12ms.engine import assess
from b12ms.fhir import assess_mapping, map_resources
from b12ms.fhir.codes import code_table
from b12ms.fhir.resources import read_fhir_input
from b12ms.knowledge import load_knowledge

AS_OF = date(2026, 11, 1)
PATIENT = "bench-1"
# (LOINC, unit, value): B12 history, folate, blood counts, MMA, kidney function.
SERIES = [
    ("2132-9", "pg/mL", 310.0),
    ("14685-2", "pmol/L", 240.0),
    ("2284-8", "ng/mL", 9.5),
    ("718-7", "g/dL", 13.1),
    ("787-2", "fL", 94.0),
    ("13964-2", "umol/L", 0.31),
    ("98979-8", "mL/min/{1.73_m2}", 84.0),
    ("13965-9", "umol/L", 12.0),
]


def _observation(index: int) -> dict[str, Any]:
    code, unit, value = SERIES[index % len(SERIES)]
    day = AS_OF - timedelta(days=7 * index + 3)
    return {
        "fullUrl": f"https://ehr.example.org/fhir/Observation/o{index}",
        "resource": {
            "resourceType": "Observation",
            "id": f"o{index}",
            "status": "final",
            "category": [
                {
                    "coding": [
                        {"system": "http://terminology.hl7.org/CodeSystem/observation-category", "code": "laboratory"}
                    ]
                }
            ],
            "code": {"coding": [{"system": "http://loinc.org", "code": code}]},
            "subject": {"reference": f"Patient/{PATIENT}"},
            "effectiveDateTime": day.isoformat(),
            "valueQuantity": {
                "value": round(value * (1 + (index % 5) / 50), 2),
                "unit": unit,
                "system": "http://unitsofmeasure.org",
                "code": unit,
            },
        },
        "search": {"mode": "match"},
    }


def _searchset(entries: list[dict[str, Any]]) -> dict[str, Any]:
    return {"resourceType": "Bundle", "type": "searchset", "total": len(entries), "entry": entries}


def prefetch() -> dict[str, Any]:
    subject = {"reference": f"Patient/{PATIENT}"}
    ms = {
        "resourceType": "Condition",
        "id": "ms",
        "subject": subject,
        "clinicalStatus": {
            "coding": [{"system": "http://terminology.hl7.org/CodeSystem/condition-clinical", "code": "active"}]
        },
        "code": {"coding": [{"system": "http://snomed.info/sct", "code": "426373005"}]},
    }
    numbness = {"resourceType": "Condition", "id": "numb", "subject": subject, "code": {"text": "Numbness"}}
    metformin = {
        "resourceType": "MedicationRequest",
        "id": "met",
        "status": "active",
        "intent": "order",
        "subject": subject,
        "authoredOn": "2020-01-01",
        "medicationCodeableConcept": {
            "coding": [
                {"system": "http://www.nlm.nih.gov/research/umls/rxnorm", "code": "6809", "display": "metformin"}
            ]
        },
    }
    return {
        "patient": {"resourceType": "Patient", "id": PATIENT, "gender": "female", "birthDate": "1972-08-19"},
        "observations": _searchset([_observation(i) for i in range(200)]),
        "conditions": _searchset([{"resource": ms}, {"resource": numbness}]),
        "medicationStatements": _searchset([]),
        "medicationRequests": _searchset([{"resource": metformin}]),
        "medicationAdministrations": _searchset([]),
    }


def body() -> dict[str, Any]:
    return {
        "hook": "patient-view",
        "hookInstance": str(uuid.uuid4()),
        "context": {"userId": "Practitioner/1", "patientId": PATIENT},
        "prefetch": prefetch(),
    }


def percentiles(fn: Callable[[], object], *, repeat: int, warmup: int = 5) -> tuple[float, float]:
    for _ in range(warmup):
        fn()
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - start)
    cuts = statistics.quantiles(samples, n=100, method="inclusive")
    return statistics.median(samples), cuts[98]


def show(name: str, p50: float, p99: float, baseline: float) -> None:
    report(f"{name} p50", p50, baseline_s=baseline, target="target < 500 ms")
    print(f"{name + ' p99':<46}        {p99 * 1000:9.3f} ms")


def _check(response: httpx.Response) -> None:
    if response.status_code != 200 or not response.json()["cards"]:
        raise RuntimeError(f"patient-view answered {response.status_code}: {response.text[:200]}")


class _Server:
    def __init__(self, app: Any, sock: socket.socket) -> None:
        self.server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off", access_log=False))
        self.thread = threading.Thread(target=self.server.run, kwargs={"sockets": [sock]}, daemon=True)

    def __enter__(self) -> _Server:
        self.thread.start()
        while not self.server.started:
            time.sleep(0.01)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join()


def main() -> None:
    kb = load_knowledge()
    table = code_table(kb)
    data = body()
    located = read_fhir_input(
        _searchset(
            [{"resource": data["prefetch"]["patient"]}]
            + [
                e
                for key in ("observations", "conditions", "medicationRequests")
                for e in data["prefetch"][key]["entry"]
            ]
        )
    )
    mapping = map_resources(located, kb, AS_OF, patient=f"Patient/{PATIENT}")
    snapshot = mapping.snapshot
    baseline = median_seconds(lambda: assess(snapshot, kb, AS_OF), repeat=200)
    report("baseline: engine only (200 labs)", baseline)

    def library() -> None:
        found = read_fhir_input(
            _searchset(
                [{"resource": data["prefetch"]["patient"]}]
                + [
                    e
                    for key in ("observations", "conditions", "medicationRequests")
                    for e in data["prefetch"][key]["entry"]
                ]
            )
        )
        result = assess_mapping(map_resources(found, kb, AS_OF, patient=f"Patient/{PATIENT}"), kb, AS_OF)
        patient_view_cards(result, CardKit(kb, table, f"Patient/{PATIENT}"))

    show("in-process library (FHIR->cards)", *percentiles(library, repeat=200), baseline)

    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    base = f"http://127.0.0.1:{sock.getsockname()[1]}"
    app = create_cds_app(CdsSettings(public_base_url=base, today=lambda: AS_OF), knowledge=kb)
    url = "/cds-services/b12ms-patient-view"

    async def asgi_calls(repeat: int) -> list[float]:
        transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 50000))
        samples = []
        async with httpx.AsyncClient(transport=transport, base_url=base) as client:
            for index in range(repeat + 5):
                start = time.perf_counter()
                response = await client.post(url, json=data)
                if index >= 5:
                    samples.append(time.perf_counter() - start)
                _check(response)
        return samples

    samples = asyncio.run(asgi_calls(200))
    cuts = statistics.quantiles(samples, n=100, method="inclusive")
    show("in-process ASGI (whole app, no sockets)", statistics.median(samples), cuts[98], baseline)

    with _Server(app, sock), httpx.Client(base_url=base, timeout=10) as client:

        def over_http() -> None:
            response = client.post(url, json=data)
            _check(response)

        show("over HTTP on loopback (uvicorn + httpx)", *percentiles(over_http, repeat=200), baseline)


if __name__ == "__main__":
    main()
