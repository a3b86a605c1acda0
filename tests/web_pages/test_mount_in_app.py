"""The pages mount into the lead's app factory beside the JSON API, under its security headers."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient

from b12ms.web.app import create_app
from b12ms.web.pages import PagesContext, create_pages_router, mount_static
from b12ms.web.security import CONTENT_SECURITY_POLICY
from b12ms.web.settings import WebSettings

from .conftest import Loaded
from .support import REALISTIC, SECRET, post_form


def test_pages_and_api_share_one_app(loaded: Loaded, tmp_path: Path) -> None:
    app = create_app(WebSettings(), knowledge=loaded.kb, foods=loaded.foods, intakes=loaded.intakes)
    if not any(getattr(route, "path", None) == "/assess" for route in app.routes):  # not mounted by the app yet
        context = PagesContext(
            kb=loaded.kb,
            foods=loaded.foods,
            intakes=loaded.intakes,
            store_url=f"sqlite:///{tmp_path / 'h.db'}",
            csrf_secret=SECRET,
        )
        app.include_router(create_pages_router(context))
        mount_static(app)
    with TestClient(app) as client:
        page = client.get("/")
        assert page.status_code == 200
        assert page.headers["content-security-policy"] == CONTENT_SECURITY_POLICY
        assert client.get("/static/b12ms.css").status_code == 200
        assert client.get("/api/v1/claims?q=sublingual").status_code == 200
        assert (
            post_form(
                client, "/assess", {**REALISTIC, "labs-0-date": "2020-01-01", "labs-1-date": "2020-01-02"}
            ).status_code
            == 200
        )
