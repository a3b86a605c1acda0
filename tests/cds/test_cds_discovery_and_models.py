"""Discovery, the service registry, the spec models, and mounting the router in another app."""

from __future__ import annotations

from typing import Any

import pytest
from cds_support import BASE_URL, ORDER_SELECT, PATIENT_VIEW, asgi, patient_view, settings
from fastapi import FastAPI
from pydantic import ValidationError

from b12ms.cds import create_cds_router, default_services, register
from b12ms.cds.models import Card, CdsRequest, Source, Suggestion
from b12ms.cds.prefetch import render
from b12ms.errors import ConfigError
from b12ms.fhir.codes import code_table


def test_discovery_lists_both_services_with_their_hooks_and_prefetch(loopback_app, kb):
    response = asgi(loopback_app, "GET", "/cds-services")
    assert response.status_code == 200
    services = {s["id"]: s for s in response.json()["services"]}
    assert {k: s["hook"] for k, s in services.items()} == {PATIENT_VIEW: "patient-view", ORDER_SELECT: "order-select"}
    prefetch = services[PATIENT_VIEW]["prefetch"]
    assert prefetch["patient"] == "Patient/{{context.patientId}}"
    assert set(prefetch) == {
        "patient",
        "observations",
        "conditions",
        "medicationStatements",
        "medicationRequests",
        "medicationAdministrations",
    }
    for service in services.values():
        assert service["description"] and "null" not in str(service)


def test_the_observation_template_asks_for_every_code_of_the_code_table_newest_first(kb):
    template = default_services(code_table(kb))[0].prefetch["observations"]
    assert "_sort=-date" in template
    for system, code in code_table(kb).labs:
        assert f"{system}|{code}" in template
    assert "http://snomed.info/sct|271216009" in template and "http://loinc.org|16695-9" in template


def test_templates_are_filled_from_the_context():
    assert render("Patient/{{context.patientId}}", {"patientId": "abc", "userId": "u"}) == "Patient/abc"


def test_a_duplicate_service_id_is_a_config_error_at_start_up(kb):
    services = default_services(code_table(kb))
    with pytest.raises(ConfigError, match="registered twice"):
        register([*services, services[0]])
    with pytest.raises(ConfigError, match="registered twice"):
        create_cds_router(settings(), knowledge=kb, services=[services[0], services[0]])


def _card(**overrides: Any) -> Card:
    values: dict[str, Any] = {"summary": "B12 low", "indicator": "info", "source": Source(label="b12ms")}
    values.update(overrides)
    return Card(**values)


def test_a_card_summary_must_be_under_140_characters():
    _card(summary="x" * 139)
    with pytest.raises(ValidationError):
        _card(summary="x" * 140)


def test_a_card_with_suggestions_needs_a_selection_behaviour():
    with pytest.raises(ValidationError, match="selectionBehavior MUST"):
        _card(suggestions=[Suggestion(label="Order MMA")])


def test_an_indicator_outside_the_spec_is_refused():
    with pytest.raises(ValidationError):
        _card(indicator="danger")


def test_a_request_may_carry_a_namespaced_extension_but_no_unknown_field():
    body = patient_view("us-ms-metformin-searchset")
    CdsRequest.model_validate({**body, "extension": {"org.example.trace": {"id": 1}}})
    with pytest.raises(ValidationError):
        CdsRequest.model_validate({**body, "fhirSever": "https://typo.example"})


def test_fhir_authorization_needs_a_fhir_server():
    body = patient_view("us-ms-metformin-searchset")
    body["fhirAuthorization"] = {
        "access_token": "t",
        "token_type": "Bearer",
        "expires_in": 60,
        "scope": "s",
        "subject": "c",
    }
    with pytest.raises(ValidationError, match="fhirServer is required"):
        CdsRequest.model_validate(body)


def test_unknown_context_fields_from_newer_hook_versions_are_ignored(loopback_app):
    body = patient_view("us-ms-metformin-searchset")
    body["context"]["appointments"] = {"resourceType": "Bundle", "type": "collection"}
    assert asgi(loopback_app, "POST", f"/cds-services/{PATIENT_VIEW}", json=body).status_code == 200


def test_the_router_mounted_in_another_app_keeps_its_authentication_and_error_bodies(kb):
    host = FastAPI()
    host.include_router(create_cds_router(settings(), knowledge=kb), prefix="/api")
    assert asgi(host, "GET", "/api/cds-services").status_code == 200
    refused = asgi(
        host,
        "POST",
        f"/api/cds-services/{PATIENT_VIEW}",
        content=b"{",
        client=("192.0.2.7", 1),
        headers={"content-type": "application/json"},
    )
    assert refused.status_code == 401 and refused.json()["error"] == "unauthorised"
    missing = asgi(
        host,
        "POST",
        f"/api/cds-services/{PATIENT_VIEW}",
        json={"hook": "patient-view", "hookInstance": "h", "context": {"userId": "u", "patientId": "p"}},
    )
    assert missing.status_code == 412 and missing.json()["error"] == "precondition"


def test_the_audience_is_the_public_url_even_behind_a_prefix(kb, es384, tmp_path):
    import json

    from ehr_simulator import ISSUER, jwks, make_token

    (tmp_path / "jwks.json").write_text(json.dumps(jwks(es384)))
    base = BASE_URL + "/api"
    host = FastAPI()
    router = create_cds_router(
        settings(public_base_url=base, trusted_issuers={ISSUER: str(tmp_path / "jwks.json")}), knowledge=kb
    )
    host.include_router(router, prefix="/api")
    token = make_token(es384, base + "/cds-services")
    assert asgi(host, "GET", "/api/cds-services", headers={"Authorization": f"Bearer {token}"}).status_code == 200
