"""Sign-in for pages when the app has an access token (it listens beyond this computer).

The person types the token once; the page sets a cookie holding an HMAC of it (never the token),
HttpOnly and SameSite=Lax, so every later page request carries proof without the token itself.
"""

from __future__ import annotations

import hmac

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from b12ms.web.pages.context import PagesContext
from b12ms.web.pages.guard import ACCESS_COOKIE, LOGIN_PATH, access_cookie_value, safe_next
from b12ms.web.pages.rendering import render_page, set_cookie

__all__ = ["add_login_routes"]

_EIGHT_HOURS = 8 * 60 * 60


def add_login_routes(router: APIRouter, ctx: PagesContext) -> None:
    @router.get(LOGIN_PATH, include_in_schema=False)
    async def login_form(request: Request) -> Response:
        target = safe_next(request.query_params.get("next"))
        return render_page(request, ctx, "login.html.j2", {"next": target, "error": None})

    @router.post(LOGIN_PATH, include_in_schema=False)
    async def login(request: Request) -> Response:
        form = await request.form()
        given, target = form.get("token"), safe_next(str(form.get("next") or "/"))
        expected = ctx.access_token
        if expected is None:
            return RedirectResponse(target, status_code=303)
        if not isinstance(given, str) or not hmac.compare_digest(given.strip().encode(), expected.encode()):
            data = {"next": target, "error": "That access token is not right. Check it and try again."}
            return render_page(request, ctx, "login.html.j2", data, status=401)
        response = RedirectResponse(target, status_code=303)
        set_cookie(response, request, ACCESS_COOKIE, access_cookie_value(ctx, expected), max_age=_EIGHT_HOURS)
        return response

    @router.post("/logout", include_in_schema=False)
    async def logout(request: Request) -> Response:
        response = RedirectResponse(LOGIN_PATH if ctx.access_token else "/", status_code=303)
        response.delete_cookie(ACCESS_COOKIE, path="/")
        return response
