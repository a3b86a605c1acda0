"""The CDS Hooks HTTP surface: discovery, service calls and feedback, as a router or a whole app.

::

    from b12ms.cds import CdsSettings, create_cds_app, create_cds_router
    app.include_router(create_cds_router(settings))      # inside the main web app
    create_cds_app(settings)                               # standalone (``b12ms cds-serve``)

Errors are answered by the endpoints themselves, so the router behaves the same in any app:

=====================================================  ======  ============================
cause                                                  status  body
=====================================================  ======  ============================
no/invalid JWT, or a non-loopback caller without JWT   401     ``unauthorised`` (reason logged)
unknown service id                                     404     ``not_found``
data missing and not obtainable (prefetch + fetch)     412     ``precondition``
request or hook context invalid                        422     ``input`` with field paths
patient data invalid (unit slip, malformed resource)   200     one warning card saying so
knowledge or settings invalid; any bug                 500     ``knowledge`` / ``config`` / ``internal``
=====================================================  ======  ============================

Never ``{"cards": []}`` for an error. Logs carry the service id, counts, timings and reasons,
never patient identifiers or values.
"""

from __future__ import annotations

import logging
import threading
import time
import traceback
from collections.abc import Callable, Coroutine
from datetime import UTC
from typing import TYPE_CHECKING, Any, cast

from fastapi import APIRouter, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from fastapi.routing import APIRoute
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from b12ms._version import __version__
from b12ms.cds.auth import JwtVerifier, Unauthorised
from b12ms.cds.models import CdsRequest, CdsResponse, Discovery, ErrorOut, FeedbackOut, FeedbackRequest, ProblemOut
from b12ms.cds.prefetch import PrefetchUnavailable
from b12ms.cds.services import CdsService, ServiceCall, default_services, register
from b12ms.cds.settings import CdsSettings, is_loopback_host
from b12ms.errors import B12msError, ConfigError, InputError, KnowledgeError, Problem
from b12ms.fhir.codes import code_table
from b12ms.inputs import field_path
from b12ms.knowledge import Knowledge, load_knowledge

if TYPE_CHECKING:
    from b12ms.store import Store

__all__ = ["CdsRuntime", "create_cds_app", "create_cds_router"]

logger = logging.getLogger("b12ms.cds")

_RESPONSES: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorOut, "description": "The body is not valid JSON"},
    401: {"model": ErrorOut, "description": "No valid JWT from a trusted issuer (or, without issuers, not loopback)"},
    404: {"model": ErrorOut, "description": "No CDS service with this id"},
    412: {"model": ErrorOut, "description": "The data the service needs was not prefetched and cannot be fetched"},
    422: {"model": ErrorOut, "description": "The request or the hook context is invalid; problems name fields"},
    500: {"model": ErrorOut, "description": "The knowledge or settings are invalid, or a bug"},
}


def _error(status: int, kind: str, message: str, problems: tuple[Problem, ...] | list[Problem] = ()) -> JSONResponse:
    body = ErrorOut.model_validate(
        {"error": kind, "message": message, "problems": [ProblemOut.model_validate(p.as_dict()) for p in problems]}
    )
    return JSONResponse(body.model_dump(mode="json"), status_code=status)


def _log_bug(error: BaseException, where: str) -> None:
    # The message may quote patient data; the log keeps the type and the stack (file, line, function).
    frames = traceback.extract_tb(error.__traceback__)
    stack = " <- ".join(f"{f.filename}:{f.lineno} in {f.name}" for f in reversed(frames))
    logger.error("internal error %s in %s at %s", type(error).__name__, where, stack)


def _b12ms_error(error: B12msError, where: str) -> JSONResponse:
    if isinstance(error, InputError):
        count = len(error.problems)
        return _error(422, "input", f"the request has {count} problem{'s' if count != 1 else ''}", error.problems)
    if isinstance(error, KnowledgeError | ConfigError):
        kind = "knowledge" if isinstance(error, KnowledgeError) else "config"
        logger.error("%s error in %s", kind, where)
        return _error(500, kind, str(error))
    _log_bug(error, where)
    return _error(500, "internal", f"internal error ({type(error).__name__}): the server log has the details")


class CdsRuntime:
    """The state of one CDS service: settings, knowledge, services, JWT verifier, feedback store."""

    def __init__(self, settings: CdsSettings, kb: Knowledge, services: list[CdsService] | None = None) -> None:
        self.settings = settings
        self.kb = kb
        self.table = code_table(kb)
        self.services = register(default_services(self.table) if services is None else services)
        self.verifier = JwtVerifier(settings) if settings.requires_jwt else None
        self._store: Store | None = None
        self._store_lock = threading.Lock()

    async def refusal(self, request: Request) -> JSONResponse | None:
        """None when the caller may proceed, else the 401 answer. Runs before the body is read."""
        path = request.url.path
        suffix = path[path.find("/cds-services") :] if "/cds-services" in path else path
        if self.verifier is None:
            host = request.client.host if request.client else ""
            if is_loopback_host(host):
                return None
            reason = "caller is not on loopback and no trusted issuer is configured"
        else:
            try:
                await self.verifier.verify(request.headers.get("authorization"), self.settings.public_base_url + suffix)
                return None
            except Unauthorised as error:
                reason = error.reason
        logger.warning("CDS call refused (401): %s [%s %s]", reason, request.method, suffix)
        response = _error(401, "unauthorised", "not authenticated")
        response.headers["WWW-Authenticate"] = "Bearer"
        return response

    def store(self) -> Store:
        """The feedback store, opened (and migrated) on first use."""
        with self._store_lock:
            if self._store is None:
                from b12ms.store import default_db_url, open_store

                self._store = open_store(self.settings.store_url or default_db_url())
            return self._store

    def close(self) -> None:
        with self._store_lock:
            if self._store is not None:
                self._store.close()
                self._store = None


def _feedback_problems(body: FeedbackRequest) -> list[Problem]:
    return [
        Problem(f"feedback[{i}].overrideReason", "belongs only to an overridden card")
        for i, item in enumerate(body.feedback)
        if item.overrideReason is not None and item.outcome != "overridden"
    ]


def _authenticated_route(runtime: CdsRuntime) -> type[APIRoute]:
    """Routes that authenticate before FastAPI reads or validates the body (a dependency would run
    after the JSON is decoded, so a broken body would get 400 before an unauthenticated caller got
    401; pinned by ``test_authentication_comes_before_reading_the_body``)."""

    class AuthenticatedRoute(APIRoute):
        def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
            handler = super().get_route_handler()

            async def authenticated(request: Request) -> Response:
                refused = await runtime.refusal(request)
                return refused if refused is not None else await handler(request)

            return authenticated

    return AuthenticatedRoute


def create_cds_router(
    settings: CdsSettings, *, knowledge: Knowledge | None = None, services: list[CdsService] | None = None
) -> APIRouter:
    """The CDS Hooks routes (``/cds-services...``) for any FastAPI app; ``router.cds_runtime`` holds the state."""
    runtime = CdsRuntime(settings, knowledge if knowledge is not None else load_knowledge(), services)
    router = APIRouter(route_class=_authenticated_route(runtime), tags=["CDS Hooks"])

    @router.get(
        "/cds-services",
        response_model=Discovery,
        response_model_exclude_none=True,
        responses={k: v for k, v in _RESPONSES.items() if k in (401, 500)},
    )
    async def discovery() -> Discovery:
        """CDS Hooks discovery: the services this server hosts, with their prefetch templates."""
        return Discovery(services=[s.describe() for s in runtime.services.values()])

    @router.post(
        "/cds-services/{service_id}", response_model=CdsResponse, response_model_exclude_none=True, responses=_RESPONSES
    )
    async def call_service(service_id: str, body: CdsRequest) -> Any:
        """Call a CDS service: cards when there is something to say."""
        started = time.perf_counter()
        service = runtime.services.get(service_id)
        if service is None:
            return _error(404, "not_found", f"no CDS service {service_id!r}")
        if body.hook != service.hook:
            return _error(422, "input", "wrong hook", [Problem("hook", f"this service answers {service.hook!r}")])
        call = ServiceCall(service_id, body, settings, runtime.kb, runtime.table, settings.today(), service.prefetch)
        try:
            cards = await service.handler(call)
        except PrefetchUnavailable as error:
            logger.warning("CDS %s: 412, %s", service_id, error.reason)
            return _error(412, "precondition", f"the data this service needs could not be obtained: {error.reason}")
        except B12msError as error:
            return _b12ms_error(error, f"CDS service {service_id}")
        except Exception as error:
            _log_bug(error, f"CDS service {service_id}")
            return _error(500, "internal", f"internal error ({type(error).__name__}): the server log has the details")
        elapsed = (time.perf_counter() - started) * 1000
        logger.info("CDS %s: %d card(s) in %.1f ms", service_id, len(cards), elapsed)
        return CdsResponse(cards=cards)

    @router.post("/cds-services/{service_id}/feedback", response_model=FeedbackOut, responses=_RESPONSES)
    def feedback(service_id: str, body: FeedbackRequest) -> Any:
        """Record what the clinician did with cards (accepted / overridden), idempotently."""
        if service_id not in runtime.services:
            return _error(404, "not_found", f"no CDS service {service_id!r}")
        problems = _feedback_problems(body)
        if problems:
            return _error(422, "input", "the feedback has problems", problems)
        stored = 0
        try:
            store = runtime.store()
            for item in body.feedback:
                stored += store.record_cds_feedback(
                    service_id=service_id,
                    card_uuid=item.card,
                    outcome=item.outcome,
                    outcome_timestamp=item.outcomeTimestamp.astimezone(UTC),
                    override_reason=item.overrideReason.model_dump(exclude_none=True) if item.overrideReason else None,
                    accepted_suggestions=(
                        [s.model_dump() for s in item.acceptedSuggestions] if item.acceptedSuggestions else None
                    ),
                )
        except B12msError as error:
            return _b12ms_error(error, f"CDS feedback {service_id}")
        except Exception as error:
            _log_bug(error, f"CDS feedback {service_id}")
            return _error(500, "internal", f"internal error ({type(error).__name__}): the server log has the details")
        logger.info("CDS %s feedback: %d new, %d already recorded", service_id, stored, len(body.feedback) - stored)
        return FeedbackOut(stored=stored, already_recorded=len(body.feedback) - stored)

    router.cds_runtime = runtime  # type: ignore[attr-defined]
    return router


def _validation_problems(error: RequestValidationError) -> list[Problem]:
    problems = []
    for item in error.errors():
        loc = [p for p in item.get("loc", ()) if isinstance(p, str | int)]
        if loc and loc[0] in ("body", "path", "query", "header"):
            loc = loc[1:]
        message = str(item.get("msg", "is not valid")).removeprefix("Value error, ")
        problems.append(
            Problem(field_path(loc), "is required but missing" if item.get("type") == "missing" else message)
        )
    return problems or [Problem("", "the request is not valid")]


class _InternalErrors:
    """A bug outside the endpoints (a dependency, a handler) still answers JSON with a body."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def tracking(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, tracking)
        except Exception as error:
            _log_bug(error, f"{scope.get('method')} {scope.get('path')}")
            if not started:
                response = _error(500, "internal", f"internal error ({type(error).__name__})")
                await response(scope, receive, send)


def create_cds_app(settings: CdsSettings, *, knowledge: Knowledge | None = None) -> FastAPI:
    """A standalone FastAPI app serving only the CDS Hooks routes (``b12ms cds-serve``)."""
    app = FastAPI(title="b12ms CDS Hooks service", version=__version__, docs_url=None, redoc_url=None)
    router = create_cds_router(settings, knowledge=knowledge)
    app.include_router(router)
    app.state.cds_runtime = router.cds_runtime  # type: ignore[attr-defined]

    async def validation(request: Request, error: Exception) -> JSONResponse:
        error = cast(RequestValidationError, error)  # registered for this type only
        if any(item.get("type") == "json_invalid" for item in error.errors()):
            return _error(400, "input", "the request body is not valid JSON", [Problem("", "not valid JSON")])
        problems = _validation_problems(error)
        return _error(422, "input", f"the request has {len(problems)} problem(s)", problems)

    async def http_error(request: Request, error: Exception) -> JSONResponse:
        error = cast(StarletteHTTPException, error)  # registered for this type only
        kind = {401: "unauthorised", 404: "not_found"}.get(error.status_code, "input")
        response = _error(error.status_code, kind, str(error.detail))
        response.headers.update(error.headers or {})
        return response

    async def undecodable(request: Request, error: Exception) -> JSONResponse:
        return _error(400, "input", "the request body is not valid JSON", [Problem("", "not UTF-8 text")])

    app.add_exception_handler(RequestValidationError, validation)
    app.add_exception_handler(StarletteHTTPException, http_error)
    app.add_exception_handler(UnicodeDecodeError, undecodable)
    app.add_middleware(_InternalErrors)
    return app
