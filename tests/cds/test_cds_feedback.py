"""Feedback: outcomes (accepted / overridden, with the override reason) stored idempotently."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from cds_support import PATIENT_VIEW, asgi

from b12ms.store import open_store

URL = f"/cds-services/{PATIENT_VIEW}/feedback"


@pytest.fixture
def store_url(tmp_path) -> str:
    return f"sqlite:///{tmp_path / 'b12ms.db'}"


@pytest.fixture
def app(make_app, store_url) -> Any:
    app = make_app(store_url=store_url)
    yield app
    app.state.cds_runtime.close()


ACCEPTED = {
    "card": "card-1",
    "outcome": "accepted",
    "acceptedSuggestions": [{"id": "sugg-1"}],
    "outcomeTimestamp": "2026-11-01T09:15:00Z",
}
OVERRIDDEN = {
    "card": "card-2",
    "outcome": "overridden",
    "outcomeTimestamp": "2026-11-01T09:16:00+01:00",
    "overrideReason": {
        "reason": {
            "code": "patient-declined",
            "system": "https://b12ms.org/fhir/CodeSystem/override-reason",
            "display": "Patient declined",
        },
        "userComment": "Prefers to wait for the neurology appointment",
    },
}


def test_feedback_is_stored_and_reads_back(app, store_url):
    response = asgi(app, "POST", URL, json={"feedback": [ACCEPTED, OVERRIDDEN]})
    assert response.status_code == 200
    assert response.json() == {"stored": 2, "already_recorded": 0}
    with open_store(store_url) as store:
        stored = store.list_cds_feedback(PATIENT_VIEW)
    assert [(f.card_uuid, f.outcome) for f in stored] == [("card-2", "overridden"), ("card-1", "accepted")]
    overridden = stored[0]
    assert overridden.outcome_timestamp == datetime(2026, 11, 1, 8, 16, tzinfo=UTC)
    assert overridden.override_reason["reason"]["code"] == "patient-declined"
    assert stored[1].accepted_suggestions == [{"id": "sugg-1"}]


def test_the_same_feedback_twice_is_stored_once(app, store_url):
    assert asgi(app, "POST", URL, json={"feedback": [ACCEPTED]}).json() == {"stored": 1, "already_recorded": 0}
    assert asgi(app, "POST", URL, json={"feedback": [ACCEPTED]}).json() == {"stored": 0, "already_recorded": 1}
    with open_store(store_url) as store:
        assert len(store.list_cds_feedback()) == 1


def test_an_override_reason_on_an_accepted_card_is_a_422_and_nothing_is_stored(app, store_url):
    wrong = {**ACCEPTED, "overrideReason": {"userComment": "?"}}
    response = asgi(app, "POST", URL, json={"feedback": [OVERRIDDEN, wrong]})
    assert response.status_code == 422
    assert response.json()["problems"][0]["path"] == "feedback[1].overrideReason"
    with open_store(store_url) as store:
        assert store.list_cds_feedback() == []


def test_a_timestamp_without_a_time_zone_is_a_422(app):
    response = asgi(app, "POST", URL, json={"feedback": [{**ACCEPTED, "outcomeTimestamp": "2026-11-01T09:15:00"}]})
    assert response.status_code == 422
    assert response.json()["problems"][0]["path"] == "feedback[0].outcomeTimestamp"


def test_an_unknown_outcome_is_a_422(app):
    response = asgi(app, "POST", URL, json={"feedback": [{**ACCEPTED, "outcome": "ignored"}]})
    assert response.status_code == 422


def test_feedback_for_an_unknown_service_is_a_404(app):
    response = asgi(app, "POST", "/cds-services/nope/feedback", json={"feedback": [ACCEPTED]})
    assert response.status_code == 404
