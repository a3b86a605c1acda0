"""CSRF: every form POST needs the token bound to this browser's cookie; anything else is a 403 page."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from b12ms.web.csrf import CSRF_COOKIE, CsrfSigner

from .support import REALISTIC, SECRET, csrf_token, text_of


def test_a_token_is_valid_only_for_the_browser_it_was_made_for() -> None:
    signer = CsrfSigner(SECRET)
    mine, theirs = signer.new_browser_id(), signer.new_browser_id()
    assert signer.is_valid(mine, signer.token_for(mine))
    assert not signer.is_valid(theirs, signer.token_for(mine))


def test_a_token_made_with_another_secret_is_refused() -> None:
    browser = CsrfSigner.new_browser_id()
    assert not CsrfSigner(SECRET).is_valid(browser, CsrfSigner(b"another-secret-0123456789").token_for(browser))


@pytest.mark.parametrize(("browser", "token"), [(None, "x"), ("abc", None), ("", ""), ("a" * 500, "x")])
def test_missing_or_oversized_parts_are_refused(browser: str | None, token: str | None) -> None:
    assert not CsrfSigner(SECRET).is_valid(browser, token)


def test_a_short_secret_is_refused() -> None:
    with pytest.raises(ValueError, match="16 bytes"):
        CsrfSigner(b"short")


def test_the_first_page_sets_an_httponly_samesite_lax_cookie(client: TestClient) -> None:
    response = client.get("/assess")
    cookie = response.headers["set-cookie"]
    assert cookie.startswith(f"{CSRF_COOKIE}=")
    assert "HttpOnly" in cookie
    assert "SameSite=lax" in cookie


def test_a_post_without_a_token_is_403_and_says_nothing_was_saved(client: TestClient) -> None:
    client.get("/assess")
    response = client.post("/assess", data=REALISTIC)
    assert response.status_code == 403
    assert "text/html" in response.headers["content-type"]
    assert "Nothing was saved" in text_of(response.text)


def test_a_post_with_a_forged_token_is_403(client: TestClient) -> None:
    client.get("/assess")
    response = client.post("/assess", data={**REALISTIC, "csrf_token": "forged"})
    assert response.status_code == 403


def test_a_token_taken_from_another_browser_is_403(client: TestClient) -> None:
    other = TestClient(client.app)
    stolen = csrf_token(other.get("/assess").text)
    client.get("/assess")
    assert client.post("/assess", data={**REALISTIC, "csrf_token": stolen}).status_code == 403


def test_a_post_with_the_pages_token_is_answered(client: TestClient) -> None:
    token = csrf_token(client.get("/assess").text)
    assert client.post("/assess", data={**REALISTIC, "csrf_token": token}).status_code == 200


def test_every_form_on_every_page_carries_the_token(client: TestClient) -> None:
    for path in ("/", "/assess"):
        page = client.get(path).text
        forms = page.count('method="post"')
        assert page.count('name="csrf_token"') >= forms, path
