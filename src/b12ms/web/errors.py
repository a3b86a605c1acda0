"""Map errors to HTTP at the edge: one JSON shape (:class:`~b12ms.web.models.ErrorBody`) for all.

- body not JSON, or not text → 400, ``input`` (one problem at path "");
- :class:`~b12ms.errors.InputError` → 422, ``input``, one problem per field path;
- :class:`NotFoundError` → 404, ``not_found``, the closest id suggested;
- :class:`~b12ms.errors.KnowledgeError` / :class:`~b12ms.errors.ConfigError` → 500, ``knowledge`` / ``config``;
- any other exception → 500, ``internal``; the log gets its type and stack, never its message.

Request validation re-runs the library's own :func:`~b12ms.inputs.validate_input` on the body,
so the API reports exactly the messages the CLI prints (``tests/web/test_api.py``).
"""

from __future__ import annotations

import logging
import traceback
from typing import Any, cast

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from b12ms.errors import B12msError, ConfigError, InputError, KnowledgeError, Problem
from b12ms.inputs import closest, field_path, parse_json_text, validate_input
from b12ms.web.models import ErrorKind, error_body

__all__ = ["InternalErrorMiddleware", "NotFoundError", "install_error_handlers"]

logger = logging.getLogger("b12ms.web")
MAX_LOGGED_FRAMES = 8


class NotFoundError(InputError):
    """The thing named in the path does not exist (HTTP 404); the problem suggests the closest."""

    http_status = 404


def _b12ms_error(request: Request, error: Exception) -> JSONResponse:
    if isinstance(error, NotFoundError):
        return JSONResponse(error_body("not_found", str(error), error.problems), status_code=404)
    if isinstance(error, InputError):
        return JSONResponse(error_body("input", _summary(error.problems), error.problems), status_code=422)
    kind: ErrorKind
    if isinstance(error, KnowledgeError):
        kind = "knowledge"
    elif isinstance(error, ConfigError):
        kind = "config"
    else:  # a new subclass of B12msError nobody mapped yet: still an error, never a success
        _log_bug(error, request.scope)
        return _internal_response(error)
    logger.error("%s error on %s %s", kind, request.method, request.url.path)
    return JSONResponse(error_body(kind, str(error)), status_code=500)


def _summary(problems: tuple[Problem, ...]) -> str:
    count = len(problems)
    return f"the input has {count} problem{'s' if count != 1 else ''}"


def _body_model(request: Request) -> type[BaseModel] | None:
    route = request.scope.get("route")
    if not isinstance(route, APIRoute) or route.body_field is None:
        return None
    annotation = route.body_field.field_info.annotation
    return annotation if isinstance(annotation, type) and issubclass(annotation, BaseModel) else None


def _generic_problem(item: dict[str, Any]) -> Problem:
    """A problem from a FastAPI error on a query or path parameter (``loc`` = ("query", "verdict"))."""
    loc = [p for p in item.get("loc", ()) if isinstance(p, str | int)]
    path = field_path(loc[1:] if loc and loc[0] in ("query", "path", "header", "body") else loc)
    if item.get("type") == "literal_error":
        expected = str(item.get("ctx", {}).get("expected", ""))
        given = item.get("input")
        choices = [c.strip().strip("'") for c in expected.replace(" or ", ",").split(",")]
        hint = closest(str(given), [c for c in choices if c]) if given is not None else None
        return Problem(path, f"must be one of {expected}, not {given!r}", hint)
    return Problem(path, str(item.get("msg", "is not valid")))


def _where(item: dict[str, Any]) -> object:
    loc = item.get("loc") or ("",)
    return loc[0]


def _body_problems(request: Request, body: Any, items: list[dict[str, Any]]) -> list[Problem]:
    model = _body_model(request)
    if model is not None:
        try:
            validate_input(model, body)
        except InputError as library_error:
            return list(library_error.problems)
    # No model, or FastAPI refused what the library accepts: report FastAPI's view, never nothing.
    return [_generic_problem(item) for item in items]


def _request_validation_error(request: Request, error: Exception) -> JSONResponse:
    failure = cast(RequestValidationError, error)  # registered for this type only
    items = [dict(item) for item in failure.errors()]
    if any(item.get("type") == "json_invalid" for item in items):
        problems = _json_problems(failure.body)
        return JSONResponse(error_body("input", "the request body is not valid JSON", problems), status_code=400)
    problems = [_generic_problem(item) for item in items if _where(item) != "body"]
    body_items = [item for item in items if _where(item) == "body"]
    if body_items:
        problems.extend(_body_problems(request, failure.body, body_items))
    if not problems:
        problems = [Problem("", "the request is not valid")]
    return JSONResponse(error_body("input", _summary(tuple(problems)), problems), status_code=422)


def _json_problems(body: Any) -> list[Problem]:
    if isinstance(body, str):
        try:
            parse_json_text(body, source="the request body")
        except InputError as error:
            return list(error.problems)
    return [Problem("", "the request body is not valid JSON")]


def _http_error(request: Request, error: Exception) -> JSONResponse:
    failure = cast(StarletteHTTPException, error)  # registered for this type only
    if failure.status_code == 400:
        # FastAPI raises this when the body cannot be decoded at all (bytes that are not UTF-8).
        problem = Problem("", "the request body is not valid JSON: it could not be decoded as text")
        return JSONResponse(error_body("input", "the request body is not valid JSON", [problem]), status_code=400)
    kind: ErrorKind = "not_found" if failure.status_code == 404 else "http"
    return JSONResponse(error_body(kind, str(failure.detail)), status_code=failure.status_code, headers=failure.headers)


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(B12msError, _b12ms_error)
    app.add_exception_handler(RequestValidationError, _request_validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)


def _log_bug(error: BaseException, scope: Scope) -> None:
    # The exception's message may quote the input (a lab value, a name), so the log carries the
    # exception type and the stack (file, line, function) only. Pinned by test_security.py.
    frames = traceback.extract_tb(error.__traceback__)[-MAX_LOGGED_FRAMES:]
    stack = " <- ".join(f"{f.filename}:{f.lineno} in {f.name}" for f in reversed(frames))
    logger.error(
        "internal error %s on %s %s at %s", type(error).__name__, scope.get("method"), scope.get("path"), stack
    )


def _internal_response(error: BaseException) -> JSONResponse:
    message = f"internal error ({type(error).__name__}): a bug in b12ms; the server log has the details"
    return JSONResponse(error_body("internal", message), status_code=500)


class InternalErrorMiddleware:
    """Turn an unexpected exception into a 500 JSON body (inside the security middleware, so the
    response still carries the security headers) and log it without the request's data."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def send_tracking(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, send_tracking)
        except Exception as error:
            _log_bug(error, scope)
            if not started:
                await _internal_response(error)(scope, receive, send)
