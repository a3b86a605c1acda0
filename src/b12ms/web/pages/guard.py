"""The checks every page route passes first: the access token (when set) and the CSRF token.

Done in a route class rather than a middleware so the pages can answer with an HTML page (a login
form, a 403 page) while the JSON API keeps its own JSON errors, and so no request body is read
for routes that are not pages. Pinned by ``tests/web_pages/test_csrf.py`` and
``tests/web_pages/test_login.py``.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable, Coroutine
from typing import Any
from urllib.parse import quote

from fastapi.routing import APIRoute
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from b12ms.web.csrf import CSRF_COOKIE, CSRF_FIELD
from b12ms.web.pages.context import PagesContext
from b12ms.web.pages.rendering import render_page

__all__ = ["ACCESS_COOKIE", "LOGIN_PATH", "access_cookie_value", "has_access", "page_route_class", "safe_next"]

ACCESS_COOKIE = "b12ms_access"
LOGIN_PATH = "/login"
MAX_FORM_BYTES = 5 * 1024 * 1024
"""Largest form field or upload the pages read (an exported history is far smaller)."""


def access_cookie_value(ctx: PagesContext, token: str) -> str:
    """What the access cookie holds: an HMAC of the token, never the token itself."""
    return hmac.new(ctx.login_key, token.encode("utf-8"), hashlib.sha256).hexdigest()


def has_access(ctx: PagesContext, request: Request) -> bool:
    if ctx.access_token is None:
        return True
    given = request.cookies.get(ACCESS_COOKIE, "")
    return hmac.compare_digest(given.encode("utf-8", "replace"), access_cookie_value(ctx, ctx.access_token).encode())


def safe_next(target: str | None) -> str:
    """Only a path on this site (never ``//host`` or a scheme) may follow a login."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target


def error_page(request: Request, ctx: PagesContext, status: int, title: str, message: str) -> Response:
    return render_page(request, ctx, "error.html.j2", {"title": title, "message": message}, status=status)


def page_route_class(ctx: PagesContext) -> type[APIRoute]:
    """A route class that checks access and CSRF before the page's own handler runs."""

    class PageRoute(APIRoute):
        def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
            handler = super().get_route_handler()
            open_path = self.path == LOGIN_PATH

            async def guarded(request: Request) -> Response:
                if not open_path and not has_access(ctx, request):
                    if request.method in ("GET", "HEAD"):
                        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
                        return RedirectResponse(f"{LOGIN_PATH}?next={quote(target)}", status_code=303)
                    return error_page(
                        request, ctx, 401, "Please sign in", "This b12ms needs its access token: sign in and try again."
                    )
                if request.method == "POST":
                    form: Any = await request.form(max_part_size=MAX_FORM_BYTES)
                    token = form.get(CSRF_FIELD)
                    cookie = request.cookies.get(CSRF_COOKIE)
                    if not ctx.csrf.is_valid(cookie, token if isinstance(token, str) else None):
                        return error_page(
                            request,
                            ctx,
                            403,
                            "This form has expired",
                            "The form was sent without a valid security token (it may be from an old page, or "
                            "from another site). Go back, reload the page and send it again. Nothing was saved.",
                        )
                return await handler(request)

            return guarded

    return PageRoute
