"""The server-rendered pages: start, assessment, result and PDF, claims, diet, forms, history.

Everything works without JavaScript; ``static/b12ms.js`` only enhances (rows added in place, units
filtered to the chosen test, food type-ahead). Pages are built for a strict Content Security Policy
(``script-src 'self'; style-src 'self'``): no inline script, style or event handler anywhere
(``tests/web_pages/test_pages_policy.py``), and every asset is served from ``/static``.

The lead mounts them like this::

    from b12ms.web.pages import PagesContext, create_pages_router, mount_static
    ctx = PagesContext(kb=kb, foods=foods, intakes=intakes, store_url=url,
                       csrf_secret=secret, access_token=settings.token)
    app.include_router(create_pages_router(ctx))
    mount_static(app)

Every POST needs the CSRF token the page put in its form (403 page otherwise); with an access token
set, every page but ``/login`` needs the sign-in cookie.
"""

from __future__ import annotations

from fastapi import APIRouter, FastAPI
from fastapi.staticfiles import StaticFiles

from b12ms.web.pages.assess_routes import add_assess_routes
from b12ms.web.pages.claims_routes import add_claims_routes
from b12ms.web.pages.context import PagesContext
from b12ms.web.pages.diet_routes import add_diet_routes
from b12ms.web.pages.forms_routes import add_forms_routes
from b12ms.web.pages.guard import ACCESS_COOKIE, LOGIN_PATH, page_route_class
from b12ms.web.pages.history_routes import add_history_routes
from b12ms.web.pages.login_routes import add_login_routes
from b12ms.web.pages.rendering import STATIC_DIR, TEMPLATES_DIR

__all__ = [
    "ACCESS_COOKIE",
    "LOGIN_PATH",
    "STATIC_DIR",
    "TEMPLATES_DIR",
    "PagesContext",
    "create_pages_router",
    "mount_static",
]


def create_pages_router(context: PagesContext) -> APIRouter:
    """All page routes, each guarded by the access check and (for POST) the CSRF check."""
    router = APIRouter(route_class=page_route_class(context), include_in_schema=False)
    add_login_routes(router, context)
    add_assess_routes(router, context)
    add_claims_routes(router, context)
    add_diet_routes(router, context)
    add_forms_routes(router, context)
    add_history_routes(router, context)
    return router


def mount_static(app: FastAPI, path: str = "/static") -> None:
    """Serve the pages' CSS, JavaScript and icons from this package (no CDN, no external fonts)."""
    app.mount(path, StaticFiles(directory=STATIC_DIR), name="static")
