"""order-select: folic acid before B12 is settled, B12 levels on injections, total B12 in pregnancy."""

from __future__ import annotations

from typing import Any

from cds_support import ORDER_SELECT, asgi, fixture_bundle, hook_request, patient_id, prefetch_from

URL = f"/cds-services/{ORDER_SELECT}"
LOINC = "http://loinc.org"


def folic_acid_order(rid: str = "folic", pid: str = "p9") -> dict[str, Any]:
    return {
        "resourceType": "MedicationRequest",
        "id": rid,
        "status": "draft",
        "intent": "order",
        "medicationCodeableConcept": {
            "coding": [
                {"system": "http://www.nlm.nih.gov/research/umls/rxnorm", "code": "4511", "display": "folic acid"}
            ],
            "text": "Folic acid 5mg tablets",
        },
        "subject": {"reference": f"Patient/{pid}"},
    }


def lab_order(rid: str, code: str, pid: str) -> dict[str, Any]:
    return {
        "resourceType": "ServiceRequest",
        "id": rid,
        "status": "draft",
        "intent": "order",
        "code": {"coding": [{"system": LOINC, "code": code}]},
        "subject": {"reference": f"Patient/{pid}"},
    }


def order_select(
    pid: str, prefetch: dict[str, Any] | None, *orders: dict[str, Any], selected: list[str] | None = None
) -> dict[str, Any]:
    draft = {"resourceType": "Bundle", "type": "collection", "entry": [{"resource": o} for o in orders]}
    selections = selected or [f"{o['resourceType']}/{o['id']}" for o in orders]
    return hook_request("order-select", pid, prefetch, context={"selections": selections, "draftOrders": draft})


def _cards(app: Any, body: dict[str, Any]) -> list[dict[str, Any]]:
    response = asgi(app, "POST", URL, json=body)
    assert response.status_code == 200, response.text
    return response.json()["cards"]


NO_B12 = [{"resourceType": "Patient", "id": "p9", "gender": "female", "birthDate": "1985-01-01"}]


def test_folic_acid_while_b12_is_unknown_warns_and_offers_a_b12_test_first(loopback_app):
    (card,) = _cards(loopback_app, order_select("p9", prefetch_from(NO_B12), folic_acid_order()))
    assert card["indicator"] == "warning"
    assert card["summary"] == "Folic acid selected while B12 status is unknown: give B12 first or with it"
    assert "Folic acid 5mg tablets" in card["detail"]
    assert card["selectionBehavior"] == "at-most-one"
    codes = [s["actions"][0]["resource"]["code"]["coding"][0]["code"] for s in card["suggestions"]]
    assert codes == ["2132-9", "72160-5"]


def test_folic_acid_while_deficiency_is_likely_warns_without_proposing_a_test(loopback_app):
    bundle = fixture_bundle("us-ms-metformin-searchset")
    (card,) = _cards(loopback_app, order_select("us-1", prefetch_from(bundle), folic_acid_order(pid="us-1")))
    assert card["summary"].startswith("Folic acid selected while B12 status is deficiency likely")
    assert "suggestions" not in card


def test_folic_acid_when_b12_status_is_fine_gives_no_card(loopback_app):
    bundle = fixture_bundle("entered-in-error-collection")
    assert _cards(loopback_app, order_select("eie-5", prefetch_from(bundle), folic_acid_order(pid="eie-5"))) == []


def _on_injections(pid: str = "p9") -> list[dict[str, Any]]:
    return [
        *NO_B12,
        {
            "resourceType": "MedicationAdministration",
            "id": "inj-1",
            "status": "completed",
            "medicationCodeableConcept": {"text": "Hydroxocobalamin 1mg/1ml solution for injection ampoules"},
            "subject": {"reference": f"Patient/{pid}"},
            "effectiveDateTime": "2026-09-20",
        },
    ]


def test_a_b12_level_on_established_injections_is_uninformative_and_the_draft_can_be_removed(loopback_app):
    body = order_select("p9", prefetch_from(_on_injections()), lab_order("sr-b12", "2132-9", "p9"))
    (card,) = _cards(loopback_app, body)
    assert card["indicator"] == "info"
    assert card["summary"].startswith("Vitamin B12 (total) on established B12 injections is uninformative")
    (suggestion,) = card["suggestions"]
    assert suggestion["actions"] == [
        {
            "type": "delete",
            "description": "Remove the draft Vitamin B12 (total) order",
            "resourceId": "ServiceRequest/sr-b12",
        }
    ]


def test_total_b12_ordered_in_pregnancy_suggests_active_b12_instead(loopback_app):
    bundle = fixture_bundle("pregnant-collection")
    pid = patient_id(bundle)
    (card,) = _cards(loopback_app, order_select(pid, prefetch_from(bundle), lab_order("sr-1", "2132-9", pid)))
    assert card["summary"] == "Pregnancy: order active B12 rather than total B12 (NICE NG239)"
    (suggestion,) = card["suggestions"]
    delete, create = suggestion["actions"]
    assert (delete["type"], delete["resourceId"]) == ("delete", "ServiceRequest/sr-1")
    assert create["type"] == "create" and create["resource"]["code"]["coding"][0]["code"] == "72160-5"


def test_active_b12_ordered_in_pregnancy_gives_no_card(loopback_app):
    bundle = fixture_bundle("pregnant-collection")
    pid = patient_id(bundle)
    assert _cards(loopback_app, order_select(pid, prefetch_from(bundle), lab_order("sr-1", "72160-5", pid))) == []


def test_an_unrelated_selection_gives_no_card_and_needs_no_patient_data(loopback_app):
    hba1c = lab_order("sr-a1c", "4548-4", "p9")
    assert _cards(loopback_app, order_select("p9", None, hba1c)) == []


def test_only_selected_orders_are_checked(loopback_app):
    body = order_select(
        "p9",
        prefetch_from(NO_B12),
        folic_acid_order(),
        lab_order("sr-a1c", "4548-4", "p9"),
        selected=["ServiceRequest/sr-a1c"],
    )
    assert _cards(loopback_app, body) == []


def test_malformed_draft_orders_are_a_422_naming_the_field(loopback_app):
    broken = folic_acid_order()
    broken["status"] = "pending"
    response = asgi(loopback_app, "POST", URL, json=order_select("p9", prefetch_from(NO_B12), broken))
    assert response.status_code == 422
    assert response.json()["problems"][0]["path"] == "context.draftOrders.entry[0].resource.status"
