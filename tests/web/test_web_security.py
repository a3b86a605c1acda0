"""Security and privacy defaults: headers on every response, the bearer token, quiet logs."""

from __future__ import annotations

import logging

import pytest
from fastapi.testclient import TestClient
from web_support import TOKEN, Loaded, make_app

from b12ms.errors import KnowledgeError
from b12ms.web.security import CONTENT_SECURITY_POLICY, bearer_token_matches
from b12ms.web.settings import WebSettings

LAB = {"as_of": "2026-11-01", "labs": [{"analyte": "total_b12", "value": 987.6, "unit": "ng/L", "date": "2026-10-01"}]}


def assert_security_headers(response: object) -> None:
    headers = response.headers  # type: ignore[attr-defined]
    assert headers["content-security-policy"] == CONTENT_SECURITY_POLICY
    assert "frame-ancestors 'none'" in headers["content-security-policy"]
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["referrer-policy"] == "no-referrer"
    assert headers["cache-control"] == "no-store"


@pytest.fixture
def app_with_faults(loaded: Loaded) -> TestClient:
    """The real app plus two routes that fail the way a bug and a broken knowledge file do."""
    app = make_app(loaded)

    def bug() -> None:
        raise RuntimeError("patient Jane Doe B12 987.6 ng/L")

    def broken_knowledge() -> None:
        raise KnowledgeError("thresholds.toml: entry b12_low: value must be positive")

    app.add_api_route("/test/bug", bug)
    app.add_api_route("/test/knowledge", broken_knowledge)
    return TestClient(app)


def test_every_kind_of_response_carries_the_security_headers(client: TestClient, app_with_faults: TestClient) -> None:
    responses = [
        client.get("/healthz"),
        client.get("/api/v1/claims"),
        client.get("/openapi.json"),
        client.get("/nowhere"),
        client.post("/api/v1/assess", content=b"{", headers={"content-type": "application/json"}),
        client.post("/api/v1/assess", json={"agee": 1}),
        client.put("/api/v1/assess"),
        app_with_faults.get("/test/bug"),
    ]
    assert sorted({r.status_code for r in responses}) == [200, 400, 404, 405, 422, 500]
    for response in responses:
        assert_security_headers(response)


def test_a_bug_is_a_500_with_a_body_and_the_log_has_no_data(
    app_with_faults: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="b12ms"):
        response = app_with_faults.get("/test/bug")
    assert response.status_code == 500
    assert response.json()["error"] == "internal"
    assert "RuntimeError" in caplog.text
    assert "Jane" not in caplog.text
    assert "987" not in caplog.text
    assert "Jane" not in response.text


def test_a_knowledge_error_is_a_500_naming_the_file(app_with_faults: TestClient) -> None:
    response = app_with_faults.get("/test/knowledge")
    assert response.status_code == 500
    assert response.json()["error"] == "knowledge"
    assert "thresholds.toml" in response.json()["message"]


def test_access_log_has_method_path_status_only(client: TestClient, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO, logger="b12ms"):
        client.get("/api/v1/foods", params={"q": "secretfood"})
        client.post("/api/v1/assess", json=LAB)
    messages = [r.getMessage() for r in caplog.records if r.name == "b12ms.web.access"]
    assert [m.split()[:3] for m in messages] == [["GET", "/api/v1/foods", "200"], ["POST", "/api/v1/assess", "200"]]
    assert "secretfood" not in caplog.text
    assert "987" not in caplog.text


def test_token_is_required_on_the_api_when_configured(token_client: TestClient) -> None:
    missing = token_client.get("/api/v1/claims")
    wrong = token_client.get("/api/v1/claims", headers={"Authorization": "Bearer not-the-token-at-all"})
    right = token_client.get("/api/v1/claims", headers={"Authorization": f"Bearer {TOKEN}"})
    assert (missing.status_code, wrong.status_code, right.status_code) == (401, 401, 200)
    assert missing.json()["error"] == "unauthorised"
    assert missing.headers["www-authenticate"].startswith("Bearer")
    assert_security_headers(missing)


def test_token_also_guards_the_schema_and_posts(token_client: TestClient) -> None:
    assert token_client.get("/openapi.json").status_code == 401
    assert token_client.post("/api/v1/assess", json=LAB).status_code == 401


def test_healthz_needs_no_token(token_client: TestClient) -> None:
    assert token_client.get("/healthz").status_code == 200


def test_no_token_configured_means_no_check(client: TestClient) -> None:
    assert client.get("/api/v1/claims").status_code == 200


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (f"Bearer {TOKEN}", True),
        (f"bearer {TOKEN}", True),
        (f"Bearer {TOKEN}x", False),
        (f"Basic {TOKEN}", False),
        (TOKEN, False),
        ("Bearer ", False),
        (None, False),
    ],
)
def test_bearer_header_parsing(header: str | None, expected: bool) -> None:
    assert bearer_token_matches(header, TOKEN) is expected


def test_a_non_loopback_app_with_a_token_still_requires_it(loaded: Loaded) -> None:
    client = TestClient(make_app(loaded, WebSettings(host="0.0.0.0", token=TOKEN)))
    assert client.get("/api/v1/knowledge").status_code == 401
