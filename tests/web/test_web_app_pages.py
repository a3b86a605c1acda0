"""The assembled app: pages and API together, with and without an access token."""

import re

from fastapi.testclient import TestClient

from b12ms.web.app import create_app
from b12ms.web.settings import WebSettings

TOKEN = "a-long-enough-test-token-123"


def test_the_start_page_is_served_with_the_security_headers(loaded):
    client = TestClient(
        create_app(WebSettings(), knowledge=loaded.knowledge, foods=loaded.foods, intakes=loaded.intakes)
    )
    response = client.get("/")
    assert response.status_code == 200
    assert "b12ms" in response.text
    assert "script-src 'self'" in response.headers["content-security-policy"]


def test_with_a_token_the_api_needs_the_bearer_and_pages_need_the_login(loaded):
    client = TestClient(
        create_app(
            WebSettings(host="0.0.0.0", token=TOKEN),
            knowledge=loaded.knowledge,
            foods=loaded.foods,
            intakes=loaded.intakes,
        ),
        follow_redirects=False,
    )
    assert client.get("/api/v1/knowledge").status_code == 401
    assert client.get("/api/v1/knowledge", headers={"Authorization": f"Bearer {TOKEN}"}).status_code == 200
    page = client.get("/assess")
    assert page.status_code in (302, 303, 307, 401)
    login = client.get("/login")
    assert login.status_code == 200
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', login.text)
    assert csrf is not None
    signed_in = client.post("/login", data={"token": TOKEN, "csrf_token": csrf.group(1), "next": "/assess"})
    assert signed_in.status_code in (302, 303)
    assert client.get("/assess").status_code == 200


def test_static_assets_are_served_locally(loaded):
    client = TestClient(
        create_app(WebSettings(), knowledge=loaded.knowledge, foods=loaded.foods, intakes=loaded.intakes)
    )
    css = client.get("/static/b12ms.css")
    assert css.status_code == 200
    assert "http://" not in css.text
    assert "https://" not in css.text


def test_a_saved_assessment_has_a_stable_pdf_link(loaded, tmp_path):
    import json
    from pathlib import Path

    import b12ms
    from b12ms.store import open_store

    url = f"sqlite:///{tmp_path / 'h.db'}"
    example = Path(__file__).resolve().parents[2] / "examples" / "ms-vegan-metformin.json"
    snapshot = b12ms.parse_snapshot(json.loads(example.read_text()))
    assessment = b12ms.assess(snapshot, loaded.knowledge, snapshot.as_of)
    with open_store(url) as store:
        person = store.add_person("Pat")
        saved = store.save_assessment(person.id, snapshot, assessment, loaded.knowledge)
    app = create_app(WebSettings(db=url), knowledge=loaded.knowledge, foods=loaded.foods, intakes=loaded.intakes)
    with TestClient(app) as client:
        response = client.get(f"/assessments/{saved.id}/report.pdf")
        assert response.status_code == 200
        assert response.headers["content-type"] == "application/pdf"
        assert response.content.startswith(b"%PDF")
        assert client.get("/assessments/999999/report.pdf").status_code == 404
