"""The whole exchange over real HTTP on loopback: an EHR that signs JWTs, the CDS service, a FHIR server.

The CDS service trusts the EHR's issuer with keys published at the FHIR server's ``/jwks.json``
(fetched once, then cached); the EHR calls discovery, patient-view (with and without prefetch),
order-select and feedback, each with a fresh JWT whose ``aud`` is the URL it calls.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from cds_support import AS_OF, ORDER_SELECT, PATIENT_VIEW, fixture_bundle, hook_request, patient_view
from ehr_simulator import ISSUER, EhrClient, FhirData, LoopbackServer, SigningKey, jwks, start_fhir_server

from b12ms.cds import CdsSettings, create_cds_app
from b12ms.store import open_store


@dataclass
class Ehr:
    client: EhrClient
    fhir_base: str
    fhir: FhirData
    store_url: str


@pytest.fixture(scope="module")
def ehr(kb, es384: SigningKey, tmp_path_factory) -> Iterator[Ehr]:
    data = FhirData(jwks=jwks(es384))
    data.load(fixture_bundle("us-ms-metformin-searchset"))
    store_url = f"sqlite:///{tmp_path_factory.mktemp('store') / 'b12ms.db'}"
    with start_fhir_server(data) as fhir:

        def cds_app(base_url: str) -> Any:
            settings = CdsSettings(
                public_base_url=base_url,
                trusted_issuers={ISSUER: fhir.base_url + "/jwks.json"},
                store_url=store_url,
                today=lambda: AS_OF,
                http_timeout_s=5,
            )
            return create_cds_app(settings, knowledge=kb)

        with LoopbackServer(cds_app) as cds:
            yield Ehr(EhrClient(cds.base_url, es384), fhir.base_url + "/fhir", data, store_url)
            cds.app.state.cds_runtime.close()


def test_discovery_over_http_with_a_signed_jwt(ehr):
    response = ehr.client.discovery()
    assert response.status_code == 200
    assert {s["id"] for s in response.json()["services"]} == {PATIENT_VIEW, ORDER_SELECT}


def test_patient_view_with_prefetch_over_http(ehr):
    response = ehr.client.call(PATIENT_VIEW, patient_view("us-ms-metformin-searchset"))
    assert response.status_code == 200
    (card,) = response.json()["cards"]
    assert card["summary"].startswith("B12 deficiency likely")


def test_patient_view_without_prefetch_fetches_from_the_fhir_server(ehr):
    ehr.fhir.requests.clear()
    body = hook_request(
        "patient-view",
        "us-1",
        fhirServer=ehr.fhir_base,
        fhirAuthorization={
            "access_token": "ehr-access-token",
            "token_type": "Bearer",
            "expires_in": 300,
            "scope": "patient/*.read",
            "subject": "b12ms",
            "patient": "us-1",
        },
    )
    response = ehr.client.call(PATIENT_VIEW, body)
    assert response.status_code == 200, response.text
    assert response.json()["cards"][0]["summary"].startswith("B12 deficiency likely")
    assert len([r for r in ehr.fhir.requests if "/fhir/" in r]) == 6


def test_order_select_over_http(ehr):
    folic = {
        "resourceType": "MedicationRequest",
        "id": "fa",
        "status": "draft",
        "intent": "order",
        "medicationCodeableConcept": {"text": "Folic acid 400 microgram tablets"},
        "subject": {"reference": "Patient/us-1"},
    }
    body = patient_view("us-ms-metformin-searchset")
    body.update(hook="order-select")
    body["context"].update(
        selections=["MedicationRequest/fa"],
        draftOrders={"resourceType": "Bundle", "type": "collection", "entry": [{"resource": folic}]},
    )
    response = ehr.client.call(ORDER_SELECT, body)
    assert response.status_code == 200
    assert response.json()["cards"][0]["indicator"] == "warning"


def test_feedback_on_a_card_is_stored_over_http(ehr):
    card = ehr.client.call(PATIENT_VIEW, patient_view("uk-snomed-pmol-collection")).json()["cards"][0]
    suggestion = card["suggestions"][0]["uuid"]
    item = {
        "card": card["uuid"],
        "outcome": "accepted",
        "acceptedSuggestions": [{"id": suggestion}],
        "outcomeTimestamp": "2026-11-01T10:00:00Z",
    }
    assert ehr.client.feedback(PATIENT_VIEW, [item]).json() == {"stored": 1, "already_recorded": 0}
    assert ehr.client.feedback(PATIENT_VIEW, [item]).json() == {"stored": 0, "already_recorded": 1}
    with open_store(ehr.store_url) as store:
        assert [f.card_uuid for f in store.list_cds_feedback(PATIENT_VIEW)] == [card["uuid"]]


def test_an_unsigned_call_and_a_replayed_token_are_refused_over_http(ehr):
    unsigned = httpx.get(f"{ehr.client.base_url}/cds-services", timeout=5)
    assert unsigned.status_code == 401
    assert ehr.client.discovery().status_code == 200
    replay = httpx.get(
        f"{ehr.client.base_url}/cds-services",
        timeout=5,
        headers={"Authorization": f"Bearer {ehr.client.sent_tokens[-1]}"},
    )
    assert replay.status_code == 401
