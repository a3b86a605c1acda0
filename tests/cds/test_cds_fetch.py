"""Missing prefetch: fetched from the EHR's FHIR server (a real one on loopback), else 412."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from cds_support import PATIENT_VIEW, asgi, fixture_bundle, hook_request, patient_view, prefetch_from
from ehr_simulator import FhirData, start_fhir_server

URL = f"/cds-services/{PATIENT_VIEW}"


@pytest.fixture(scope="module")
def fhir() -> Iterator[tuple[str, FhirData]]:
    data = FhirData()
    with start_fhir_server(data) as server:
        yield server.base_url + "/fhir", data


@pytest.fixture
def server(fhir) -> tuple[str, FhirData]:
    base, data = fhir
    data.load(fixture_bundle("uk-snomed-pmol-collection"))
    for resource in data.resources:  # a server stores server references, not the bundle's urn:uuid ones
        if "subject" in resource:
            resource["subject"] = {"reference": "Patient/uk-9434765919"}
    data.token, data.fail, data.delay_s, data.page_size = "ehr-access-token", {}, 0.0, 50
    data.requests.clear()
    return base, data


def _access(base: str, token: str = "ehr-access-token") -> dict[str, Any]:
    return {
        "fhirServer": base,
        "fhirAuthorization": {
            "access_token": token,
            "token_type": "Bearer",
            "expires_in": 300,
            "scope": "patient/Patient.read patient/Observation.read",
            "subject": "b12ms-cds",
            "patient": "uk-9434765919",
        },
    }


def _summaries(response) -> list[str]:
    assert response.status_code == 200, response.text
    return [c["summary"] for c in response.json()["cards"]]


def test_without_prefetch_everything_is_fetched_with_the_access_token(loopback_app, server):
    base, data = server
    expected = _summaries(asgi(loopback_app, "POST", URL, json=patient_view("uk-snomed-pmol-collection")))
    body = hook_request("patient-view", "uk-9434765919", **_access(base))
    assert _summaries(asgi(loopback_app, "POST", URL, json=body)) == expected
    paths = sorted(r.split("?")[0] for r in data.requests)
    assert paths == [
        "GET /fhir/Condition",
        "GET /fhir/MedicationAdministration",
        "GET /fhir/MedicationRequest",
        "GET /fhir/MedicationStatement",
        "GET /fhir/Observation",
        "GET /fhir/Patient/uk-9434765919",
    ]
    observation_query = next(r for r in data.requests if r.startswith("GET /fhir/Observation"))
    assert "_sort=-date" in observation_query and "271216009" in observation_query


def test_only_the_keys_the_client_left_out_are_fetched(loopback_app, server):
    base, data = server
    prefetch = prefetch_from(fixture_bundle("uk-snomed-pmol-collection"))
    del prefetch["observations"]
    body = hook_request("patient-view", "uk-9434765919", prefetch, **_access(base))
    assert _summaries(asgi(loopback_app, "POST", URL, json=body))[0].startswith("B12 result indeterminate")
    assert [r.split("?")[0] for r in data.requests] == ["GET /fhir/Observation"]


def test_a_null_prefetch_means_no_data_and_is_not_fetched(loopback_app, server):
    base, data = server
    prefetch = prefetch_from(fixture_bundle("uk-snomed-pmol-collection"))
    prefetch["medicationStatements"] = None
    asgi(loopback_app, "POST", URL, json=hook_request("patient-view", "uk-9434765919", prefetch, **_access(base)))
    assert data.requests == []


def test_an_operation_outcome_in_the_prefetch_is_fetched_again(loopback_app, server):
    base, data = server
    prefetch = prefetch_from(fixture_bundle("uk-snomed-pmol-collection"))
    prefetch["conditions"] = {"resourceType": "OperationOutcome", "issue": [{"severity": "error", "code": "timeout"}]}
    response = asgi(
        loopback_app, "POST", URL, json=hook_request("patient-view", "uk-9434765919", prefetch, **_access(base))
    )
    assert response.status_code == 200
    assert [r.split("?")[0] for r in data.requests] == ["GET /fhir/Condition"]


def test_missing_prefetch_and_no_fhir_server_is_a_412_never_an_empty_card_list(loopback_app):
    response = asgi(loopback_app, "POST", URL, json=hook_request("patient-view", "uk-9434765919"))
    assert response.status_code == 412
    assert response.json()["error"] == "precondition" and "cards" not in response.json()


def test_a_failing_fhir_server_is_a_412(loopback_app, server):
    base, data = server
    data.fail["Observation"] = 500
    response = asgi(loopback_app, "POST", URL, json=hook_request("patient-view", "uk-9434765919", **_access(base)))
    assert response.status_code == 412
    assert "HTTP 500" in response.json()["message"]


def test_a_refused_access_token_is_a_412(loopback_app, server):
    base, _ = server
    body = hook_request("patient-view", "uk-9434765919", **_access(base, token="stale"))
    assert asgi(loopback_app, "POST", URL, json=body).status_code == 412


def test_a_slow_fhir_server_times_out_into_a_412(make_app, server):
    base, data = server
    data.delay_s = 1.0
    app = make_app(http_timeout_s=0.2)
    response = asgi(app, "POST", URL, json=hook_request("patient-view", "uk-9434765919", **_access(base)))
    assert response.status_code == 412
    assert "ReadTimeout" in response.json()["message"]


def test_an_unreachable_fhir_server_is_a_412(loopback_app):
    body = hook_request("patient-view", "uk-9434765919", **_access("http://127.0.0.1:9/fhir"))
    assert asgi(loopback_app, "POST", URL, json=body).status_code == 412


def test_plain_http_to_a_non_loopback_server_is_refused(loopback_app):
    body = hook_request("patient-view", "uk-9434765919", **_access("http://ehr.example.org/fhir"))
    response = asgi(loopback_app, "POST", URL, json=body)
    assert response.status_code == 412 and "https" in response.json()["message"]


def test_a_fhir_server_off_the_allow_list_is_refused(make_app, server):
    base, data = server
    app = make_app(fhir_server_allowlist=("https://ehr.example.org/fhir",))
    response = asgi(app, "POST", URL, json=hook_request("patient-view", "uk-9434765919", **_access(base)))
    assert response.status_code == 412
    assert data.requests == []


def test_paginated_results_are_followed_through_next_links(loopback_app, server):
    base, data = server
    data.page_size = 2
    body = hook_request("patient-view", "uk-9434765919", **_access(base))
    assert _summaries(asgi(loopback_app, "POST", URL, json=body))[0].startswith("B12 result indeterminate")
    observation_pages = [r for r in data.requests if r.startswith("GET /fhir/Observation")]
    assert len(observation_pages) == 2  # four Observations, two per page


def test_a_paginated_prefetch_is_completed_from_the_server(loopback_app, server):
    base, data = server
    prefetch = prefetch_from(fixture_bundle("uk-snomed-pmol-collection"))
    observations = prefetch["observations"]
    observations["entry"] = observations["entry"][:1]  # only the first page, newest result first...
    observations["link"] = [{"relation": "next", "url": f"{base}/Observation?patient=uk-9434765919&_count=1&_page=1"}]
    data.page_size = 1
    response = asgi(
        loopback_app, "POST", URL, json=hook_request("patient-view", "uk-9434765919", prefetch, **_access(base))
    )
    assert response.status_code == 200
    assert len([r for r in data.requests if r.startswith("GET /fhir/Observation")]) == 3  # pages 1, 2 and 3
