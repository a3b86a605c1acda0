"""With an access token set, pages ask for it once through a sign-in form that sets a cookie."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from b12ms.web.pages import ACCESS_COOKIE

from .conftest import Loaded
from .support import REALISTIC, TOKEN, build_app, csrf_token


@pytest.fixture
def locked(loaded: Loaded, tmp_path: Path) -> Iterator[TestClient]:
    app, context = build_app(
        loaded.kb, loaded.foods, loaded.intakes, store_url=f"sqlite:///{tmp_path / 'h.db'}", token=TOKEN
    )
    with TestClient(app, follow_redirects=False) as client:
        yield client
    context.close()


def sign_in(client: TestClient, token: str, next_path: str = "/assess") -> object:
    form = client.get(f"/login?next={next_path}").text
    return client.post("/login", data={"token": token, "next": next_path, "csrf_token": csrf_token(form)})


def test_a_page_without_the_cookie_redirects_to_sign_in(locked: TestClient) -> None:
    response = locked.get("/assess")
    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=/assess"


def test_a_post_without_the_cookie_is_refused_before_anything_runs(locked: TestClient) -> None:
    response = locked.post("/assess", data=REALISTIC)
    assert response.status_code == 401


def test_the_right_token_sets_a_cookie_that_is_not_the_token(locked: TestClient) -> None:
    response = sign_in(locked, TOKEN)
    assert response.status_code == 303  # type: ignore[attr-defined]
    assert response.headers["location"] == "/assess"  # type: ignore[attr-defined]
    cookie = locked.cookies.get(ACCESS_COOKIE)
    assert cookie and TOKEN not in cookie
    assert locked.get("/assess").status_code == 200


def test_a_wrong_token_is_refused_with_the_form_again(locked: TestClient) -> None:
    response = sign_in(locked, "not-the-token")
    assert response.status_code == 401  # type: ignore[attr-defined]
    assert ACCESS_COOKIE not in locked.cookies
    assert locked.get("/assess").status_code == 303


def test_sign_in_never_sends_a_person_to_another_site(locked: TestClient) -> None:
    response = sign_in(locked, TOKEN, next_path="//evil.example/")
    assert response.headers["location"] == "/"  # type: ignore[attr-defined]


def test_signing_in_needs_the_csrf_token_too(locked: TestClient) -> None:
    locked.get("/login")
    assert locked.post("/login", data={"token": TOKEN, "next": "/"}).status_code == 403


def test_sign_out_removes_the_cookie(locked: TestClient) -> None:
    sign_in(locked, TOKEN)
    page = locked.get("/assess").text
    locked.post("/logout", data={"csrf_token": csrf_token(page)})
    assert locked.get("/assess").status_code == 303
