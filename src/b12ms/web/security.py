"""Security headers on every response, and the bearer-token check when a token is configured.

A pure ASGI middleware (no request body is read or buffered here). It sits outside the error
middleware, so a 401, a 404 and a 500 carry the same headers as a 200
(``tests/web/test_security.py``). The token is compared in constant time; ``/healthz`` stays open
so a supervisor can probe the process without the secret.
"""

from __future__ import annotations

import hmac
from collections.abc import Iterable

from fastapi.responses import JSONResponse
from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from b12ms.web.models import error_body

__all__ = ["CONTENT_SECURITY_POLICY", "SECURITY_HEADERS", "SecurityMiddleware", "bearer_token_matches"]

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
)

SECURITY_HEADERS: tuple[tuple[str, str], ...] = (
    ("Content-Security-Policy", CONTENT_SECURITY_POLICY),
    ("X-Content-Type-Options", "nosniff"),
    ("Referrer-Policy", "no-referrer"),
    ("X-Frame-Options", "DENY"),  # frame-ancestors for browsers that predate CSP level 2
    ("Cross-Origin-Opener-Policy", "same-origin"),
    ("Cache-Control", "no-store"),  # answers hold health data: keep them out of shared caches
)

EXEMPT_PATHS = frozenset({"/healthz"})
BEARER_PREFIXES = ("/api/", "/openapi.json")
"""Machine routes that need the bearer token. Pages check access themselves (a login form sets an
HttpOnly cookie, :mod:`b12ms.web.pages.guard`); ``/cds-services`` checks the EHR's signed JWT (or
allows loopback callers only, :mod:`b12ms.cds.auth`); ``/static`` holds only public CSS/JS."""


def bearer_token_matches(authorization: str | None, token: str) -> bool:
    """True when ``Authorization: Bearer <token>`` carries exactly ``token`` (constant-time)."""
    if not authorization:
        return False
    scheme, _, given = authorization.partition(" ")
    if scheme.lower() != "bearer":
        return False
    return hmac.compare_digest(given.strip().encode("utf-8"), token.encode("utf-8"))


class SecurityMiddleware:
    """Add :data:`SECURITY_HEADERS`; when ``token`` is set, answer 401 to requests without it."""

    def __init__(self, app: ASGIApp, *, token: str | None = None, exempt_paths: Iterable[str] = EXEMPT_PATHS) -> None:
        self.app = app
        self._token = token
        self._exempt = frozenset(exempt_paths)

    def _authorised(self, scope: Scope, token: str) -> bool:
        path = scope["path"]
        if path in self._exempt or not path.startswith(BEARER_PREFIXES):
            return True
        return bearer_token_matches(Headers(scope=scope).get("authorization"), token)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in SECURITY_HEADERS:
                    headers[name] = value
            await send(message)

        if self._token is not None and not self._authorised(scope, self._token):
            response = JSONResponse(
                error_body("unauthorised", "this server requires a bearer token (Authorization: Bearer …)"),
                status_code=401,
                headers={"WWW-Authenticate": 'Bearer realm="b12ms"'},
            )
            await response(scope, receive, send_with_headers)
            return
        await self.app(scope, receive, send_with_headers)
