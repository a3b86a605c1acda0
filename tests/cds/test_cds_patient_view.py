"""patient-view: a card when there is something to say, following the CDS Hooks card rules."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from cds_support import PATIENT_VIEW, asgi, fixture_bundle, hook_request, patient_view, prefetch_from
from fhir.resources.R4B.servicerequest import ServiceRequest

import b12ms.cds.services

URL = f"/cds-services/{PATIENT_VIEW}"


def _cards(app: Any, body: dict[str, Any]) -> list[dict[str, Any]]:
    response = asgi(app, "POST", URL, json=body)
    assert response.status_code == 200, response.text
    return response.json()["cards"]


def _assert_spec_card(card: dict[str, Any], kb) -> None:
    assert len(card["summary"]) < 140
    assert card["indicator"] in ("info", "warning", "critical")
    assert card["uuid"]
    assert f"b12ms {b12ms.__version__}" in card["source"]["label"] and kb.version in card["source"]["label"]
    assert all(reason["display"] for reason in card["overrideReasons"])
    if card.get("suggestions"):
        assert card["selectionBehavior"] in ("at-most-one", "any")
        for suggestion in card["suggestions"]:
            assert suggestion["uuid"]
            for action in suggestion["actions"]:
                if action["type"] == "create":
                    request = ServiceRequest.model_validate(action["resource"])
                    assert (request.status, request.intent) == ("draft", "proposal")


def test_deficiency_likely_gives_one_warning_card_with_reasons_and_references(loopback_app, kb):
    (card,) = _cards(loopback_app, patient_view("us-ms-metformin-searchset"))
    _assert_spec_card(card, kb)
    assert card["indicator"] == "warning"
    assert card["summary"] == "B12 deficiency likely (B12 251 pg/mL, MMA 0.52 µmol/L): review treatment options"
    assert "MMA 0.52 µmol/L is above the laboratory's upper limit" in card["detail"]
    assert "**References**" in card["detail"] and "NICE guideline NG239" in card["detail"]
    assert "does not prescribe" in card["detail"]


def test_indeterminate_suggests_the_next_test_as_a_proposed_service_request(loopback_app, kb):
    (card,) = _cards(loopback_app, patient_view("uk-snomed-pmol-collection"))
    _assert_spec_card(card, kb)
    assert card["indicator"] == "warning"
    assert card["summary"].startswith("B12 result indeterminate (B12 190 pmol/L)")
    (suggestion,) = card["suggestions"]
    resource = suggestion["actions"][0]["resource"]
    assert resource["code"]["coding"][0]["code"] == "13964-2"
    assert resource["subject"] == {"reference": "Patient/uk-9434765919"}


def test_biotin_makes_results_unreadable_and_the_card_says_why(loopback_app, kb):
    (card,) = _cards(loopback_app, patient_view("ms-biotin-collection"))
    _assert_spec_card(card, kb)
    assert card["summary"] == "B12 results cannot be read (biotin): a repeat test is needed"
    assert "Biotin can make B12 results falsely normal" in card["detail"]
    assert [s["label"] for s in card["suggestions"]] == ["Order Vitamin B12 (total)", "Order Folate"]


def test_pregnancy_card_suggests_active_b12(loopback_app, kb):
    (card,) = _cards(loopback_app, patient_view("pregnant-collection"))
    _assert_spec_card(card, kb)
    assert "pregnancy" in card["summary"]
    (suggestion,) = card["suggestions"]
    assert suggestion["actions"][0]["resource"]["code"]["coding"][0]["code"] == "72160-5"


def test_no_card_when_b12_status_is_fine_and_no_flag_applies(loopback_app):
    assert _cards(loopback_app, patient_view("entered-in-error-collection")) == []


def test_an_unreadable_newest_result_gets_a_warning_card_even_when_an_older_one_is_fine(loopback_app, kb):
    (card,) = _cards(loopback_app, patient_view("unknown-codes-collection"))
    _assert_spec_card(card, kb)
    assert card["indicator"] == "warning"
    assert card["summary"] == "1 B12-related result in the record could not be read"
    assert "m[IU]/mL" in card["detail"] and "older result of 2024-06-20" in card["detail"]


def _ms_patient(**condition_extra: Any) -> list[dict[str, Any]]:
    return [
        {"resourceType": "Patient", "id": "p9", "gender": "female", "birthDate": "1990-02-02"},
        {
            "resourceType": "Condition",
            "id": "ms",
            "code": {"coding": [{"system": "http://snomed.info/sct", "code": "24700007"}]},
            "subject": {"reference": "Patient/p9"},
            **condition_extra,
        },
    ]


def test_testing_indicated_but_never_done_gives_an_info_card_offering_either_first_test(loopback_app, kb):
    suspected = {
        "verificationStatus": {
            "coding": [{"system": "http://terminology.hl7.org/CodeSystem/condition-ver-status", "code": "provisional"}]
        }
    }
    (card,) = _cards(loopback_app, hook_request("patient-view", "p9", prefetch_from(_ms_patient(**suspected))))
    _assert_spec_card(card, kb)
    assert card["indicator"] == "info"
    assert card["summary"].startswith("B12 test indicated (NICE NG239) but no result on record")
    assert card["selectionBehavior"] == "at-most-one"
    assert [s["isRecommended"] for s in card["suggestions"]] == [True, False]


def test_a_red_flag_sign_gives_a_critical_card(loopback_app, kb):
    resources = _ms_patient()
    resources.append(
        {
            "resourceType": "Condition",
            "id": "romberg",
            "code": {"text": "Romberg positive"},
            "subject": {"reference": "Patient/p9"},
        }
    )
    cards = _cards(loopback_app, hook_request("patient-view", "p9", prefetch_from(resources)))
    critical = [c for c in cards if c["indicator"] == "critical"]
    assert len(critical) == 1
    _assert_spec_card(critical[0], kb)
    assert "same-day" in critical[0]["detail"].lower() or "today" in critical[0]["detail"]


def test_data_that_cannot_be_assessed_gives_a_card_saying_so_never_no_cards(loopback_app, kb):
    bundle = fixture_bundle("us-ms-metformin-searchset")
    bundle["entry"][1]["resource"]["valueQuantity"].update(unit="ng/mL", code="ng/mL")  # a 1000x unit slip
    (card,) = _cards(loopback_app, hook_request("patient-view", "us-1", prefetch_from(bundle)))
    _assert_spec_card(card, kb)
    assert card["summary"].startswith("B12 status could not be assessed")
    assert "`prefetch.observations.entry[0].resource.valueQuantity.value`" in card["detail"]


def test_a_prefetch_about_another_patient_cannot_be_assessed(loopback_app):
    body = patient_view("us-ms-metformin-searchset")
    body["context"]["patientId"] = "someone-else"
    (card,) = _cards(loopback_app, body)
    assert card["summary"].startswith("B12 status could not be assessed")


def test_a_person_under_16_is_out_of_scope_so_no_card(loopback_app):
    resources = [{"resourceType": "Patient", "id": "kid", "birthDate": "2015-06-01"}]
    assert _cards(loopback_app, hook_request("patient-view", "kid", prefetch_from(resources))) == []


def test_a_wrong_hook_is_a_422(loopback_app):
    body = patient_view("us-ms-metformin-searchset")
    body["hook"] = "order-sign"
    response = asgi(loopback_app, "POST", URL, json=body)
    assert response.status_code == 422
    assert response.json()["problems"][0]["path"] == "hook"


def test_a_context_without_patient_id_is_a_422_naming_the_field(loopback_app):
    body = patient_view("us-ms-metformin-searchset")
    del body["context"]["patientId"]
    response = asgi(loopback_app, "POST", URL, json=body)
    assert response.status_code == 422
    assert [p["path"] for p in response.json()["problems"]] == ["context.patientId"]


def test_an_unknown_service_is_a_404_with_a_body(loopback_app):
    response = asgi(loopback_app, "POST", "/cds-services/nope", json=patient_view("us-ms-metformin-searchset"))
    assert response.status_code == 404 and response.json()["error"] == "not_found"


def test_invalid_json_is_a_400_with_a_body(loopback_app):
    response = asgi(loopback_app, "POST", URL, content=b"{not json", headers={"content-type": "application/json"})
    assert response.status_code == 400 and response.json()["error"] == "input"


def test_an_internal_error_is_a_500_with_a_body_and_a_log_without_patient_data(loopback_app, monkeypatch, caplog):
    def broken(*args: Any) -> list[Any]:
        raise RuntimeError("Observation value 251 for Patient/us-1")

    monkeypatch.setattr(b12ms.cds.services, "patient_view_cards", broken)
    with caplog.at_level(logging.ERROR, logger="b12ms.cds"):
        response = asgi(loopback_app, "POST", URL, json=patient_view("us-ms-metformin-searchset"))
    assert response.status_code == 500
    assert response.json()["error"] == "internal"
    assert "cards" not in response.json()
    assert "RuntimeError" in caplog.text
    assert "us-1" not in caplog.text and "251" not in caplog.text


def test_a_bug_outside_the_endpoints_is_still_a_500_with_a_json_body(make_app, monkeypatch):
    app = make_app()

    async def broken(request: Any) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(app.state.cds_runtime, "refusal", broken)
    response = asgi(app, "GET", "/cds-services")
    assert response.status_code == 500
    assert response.json()["error"] == "internal"


@pytest.mark.parametrize("name", ["us-ms-metformin-searchset", "uk-snomed-pmol-collection", "ms-biotin-collection"])
def test_the_info_log_carries_counts_not_patient_identifiers(loopback_app, caplog, name):
    with caplog.at_level(logging.INFO, logger="b12ms.cds"):
        _cards(loopback_app, patient_view(name))
    assert "card(s)" in caplog.text
    for secret in ("us-1", "uk-9434765919", "bio-7", "pg/mL", "pmol/L", "Rivera", "Okafor"):
        assert secret not in caplog.text
