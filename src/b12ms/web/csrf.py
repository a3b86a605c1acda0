"""Stateless CSRF protection for the HTML pages: a signed double-submit token.

Each browser gets a random id in a cookie (:data:`CSRF_COOKIE`, HttpOnly, SameSite=Lax). Every
form carries a token that is an HMAC of that id under the server's secret (:data:`CSRF_FIELD`). A
POST is accepted only when the token in the form is the HMAC of the id in the cookie.

Why signed rather than a plain double-submit (cookie value = form value): a plain double-submit
is defeated by anyone who can plant a cookie for the site (a sibling sub-domain, a man in the
middle on plain HTTP); with the HMAC they would also need the secret. Why stateless: the server
keeps no sessions, so nothing about a visitor is stored unless they choose to save a result.

Pinned by ``tests/web_pages/test_csrf.py``.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

__all__ = ["CSRF_COOKIE", "CSRF_FIELD", "CsrfSigner", "derive_key"]

CSRF_COOKIE = "b12ms_csrf"
CSRF_FIELD = "csrf_token"
_ID_BYTES = 32
_MAX_ID_CHARS = 64  # a longer cookie is not one we set


def derive_key(secret: bytes, purpose: str) -> bytes:
    """A key for one purpose only, so a token made for one use is never valid for another."""
    return hmac.new(secret, b"b12ms-pages/" + purpose.encode("utf-8"), hashlib.sha256).digest()


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


class CsrfSigner:
    """Makes and checks the CSRF token bound to one browser id."""

    def __init__(self, secret: bytes) -> None:
        if len(secret) < 16:
            raise ValueError("the CSRF secret must be at least 16 bytes")
        self._key = derive_key(secret, "csrf")

    @staticmethod
    def new_browser_id() -> str:
        return secrets.token_urlsafe(_ID_BYTES)

    @staticmethod
    def looks_like_browser_id(value: str | None) -> bool:
        return bool(value) and value is not None and len(value) <= _MAX_ID_CHARS and value.isascii()

    def token_for(self, browser_id: str) -> str:
        """The form token for ``browser_id`` (the same id always gives the same token)."""
        return _b64(hmac.new(self._key, browser_id.encode("ascii"), hashlib.sha256).digest())

    def is_valid(self, browser_id: str | None, token: str | None) -> bool:
        """True only when both are present and ``token`` was made for ``browser_id``; constant-time."""
        if not token or not self.looks_like_browser_id(browser_id) or browser_id is None:
            return False
        expected = self.token_for(browser_id)
        return hmac.compare_digest(expected.encode("ascii"), token.encode("utf-8", "replace"))
