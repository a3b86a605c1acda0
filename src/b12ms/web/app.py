"""The app factory: ``create_app(settings)`` builds a FastAPI app; nothing is built at import.

The knowledge, the food table and the reference intakes load once here, so a broken knowledge
file fails before the server binds (``KnowledgeError``, mapped by the CLI) and requests never
read files. Middleware, outermost first:

1. :class:`~b12ms.web.access_log.AccessLogMiddleware` — one line per request, no data;
2. :class:`~b12ms.web.security.SecurityMiddleware` — headers on every response, bearer token;
3. :class:`~b12ms.web.errors.InternalErrorMiddleware` — a bug becomes a 500 with a body.

The interactive docs pages (``/docs``, ``/redoc``) are off: they load scripts from a CDN, which
the Content-Security-Policy forbids and an offline, no-telemetry app should not do. The schema
itself is served at ``/openapi.json``.
"""

from __future__ import annotations

import inspect
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI

from b12ms._version import __version__
from b12ms.diet import FoodTable, Intakes, load_food_table, load_intakes
from b12ms.knowledge import Knowledge, load_knowledge
from b12ms.web.access_log import AccessLogMiddleware
from b12ms.web.api import api_router, health_router
from b12ms.web.errors import InternalErrorMiddleware, install_error_handlers
from b12ms.web.security import SecurityMiddleware
from b12ms.web.settings import WebSettings, is_loopback

__all__ = ["create_app"]

DESCRIPTION = (
    "Evidence-graded decision support about vitamin B12 for people with MS. It informs a "
    "conversation with a clinician; it never prescribes. Every error is JSON: "
    '`{"error": kind, "message": text, "problems": [{"path", "message", "suggestion"}]}`.'
)

NO_TELEMETRY = {"tracing": False, "metrics": False, "logs": False, "operation_spans": False, "auto_configure": False}
"""FastAPI ≥ 0.165 ships OpenTelemetry hooks that record bodies and exception messages when a
provider is configured in the environment; b12ms sends nothing anywhere, so all are off."""


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    yield
    context = getattr(app.state, "pages_context", None)
    if context is not None:
        context.close()  # the history store's connections


def create_app(
    settings: WebSettings,
    *,
    knowledge: Knowledge | None = None,
    foods: FoodTable | None = None,
    intakes: Intakes | None = None,
    secret: bytes | None = None,
    pages: bool = True,
    cds: bool = True,
) -> FastAPI:
    """A new app serving the pages, the JSON API under ``/api/v1`` and ``/healthz``.

    ``knowledge``, ``foods`` and ``intakes`` default to the packaged data; pass already loaded
    ones to share them between apps (tests build many apps from one load). ``secret`` signs CSRF
    tokens, sign-in cookies and the answers a result page carries; ``b12ms serve`` passes a
    stable one kept beside the database (:func:`b12ms.web.secret.load_or_create_secret`), and
    without it a random one is made per app.
    """
    options: dict[str, Any] = {}
    if "telemetry" in inspect.signature(FastAPI.__init__).parameters:
        options["telemetry"] = NO_TELEMETRY
    app = FastAPI(
        lifespan=_lifespan,
        title="b12ms",
        version=__version__,
        description=DESCRIPTION,
        docs_url=None,
        redoc_url=None,
        openapi_url="/openapi.json",
        **options,
    )
    app.state.settings = settings
    app.state.knowledge = knowledge if knowledge is not None else load_knowledge()
    app.state.foods = foods if foods is not None else load_food_table()
    app.state.intakes = intakes if intakes is not None else load_intakes()

    install_error_handlers(app)
    app.include_router(health_router)
    app.include_router(api_router)
    if pages:
        from b12ms.web.pages import PagesContext, create_pages_router, mount_static
        from b12ms.web.secret import store_url_for

        context = PagesContext(
            kb=app.state.knowledge,
            foods=app.state.foods,
            intakes=app.state.intakes,
            store_url=store_url_for(settings.db),
            csrf_secret=secret,
            access_token=settings.token,
        )
        app.include_router(create_pages_router(context))
        mount_static(app)
        app.state.pages_context = context
    # CDS Hooks needs a URL EHRs can call (the JWT audience): on loopback it is known; on another
    # host it must be given (--public-url, https), else the CDS routes stay off.
    if cds and (settings.public_url or is_loopback(settings.host)):
        from b12ms.cds.app import create_cds_router
        from b12ms.cds.settings import CdsSettings
        from b12ms.web.secret import store_url_for

        shown = f"[{settings.host}]" if ":" in settings.host else settings.host
        cds_settings = CdsSettings(
            public_base_url=settings.public_url or f"http://{shown}:{settings.port}",
            store_url=store_url_for(settings.db),
        )
        app.include_router(create_cds_router(cds_settings, knowledge=app.state.knowledge))

    # add_middleware wraps what is already there, so the last added runs first.
    app.add_middleware(InternalErrorMiddleware)
    app.add_middleware(SecurityMiddleware, token=settings.token)
    app.add_middleware(AccessLogMiddleware)
    return app
