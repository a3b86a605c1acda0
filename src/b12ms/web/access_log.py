"""A privacy-preserving access log, and the logging set-up ``b12ms serve`` hands to uvicorn.

Each request gives one line: method, path *without* the query string, status and duration. No
query string (``/api/v1/foods?q=…`` may hold what a person eats), no body, no client address, no
header. uvicorn's own access log (which prints the query string and the client) is switched off.
Nothing here configures logging at import: :data:`LOG_CONFIG` is applied by uvicorn in
:func:`b12ms.web.server.run` only.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["LOG_CONFIG", "AccessLogMiddleware", "loggable_path"]

access_logger = logging.getLogger("b12ms.web.access")

MAX_PATH_CHARS = 200

LOG_CONFIG: dict[str, Any] = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"stderr": {"class": "logging.StreamHandler", "formatter": "plain", "stream": "ext://sys.stderr"}},
    "loggers": {
        "uvicorn": {"handlers": ["stderr"], "level": "INFO", "propagate": False},
        "uvicorn.error": {"level": "INFO"},
        "uvicorn.access": {"handlers": [], "level": "CRITICAL", "propagate": False},
        "b12ms": {"handlers": ["stderr"], "level": "INFO", "propagate": False},
    },
}


def loggable_path(path: str) -> str:
    """The path with control characters replaced (no forged log lines) and cut to a safe length."""
    cleaned = "".join(c if c.isprintable() else "?" for c in path)
    return cleaned if len(cleaned) <= MAX_PATH_CHARS else cleaned[:MAX_PATH_CHARS] + "…"


class AccessLogMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 0

        async def send_recording(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, send_recording)
        finally:
            elapsed_ms = (time.perf_counter() - started) * 1000
            access_logger.info(
                "%s %s %d %.1fms", scope.get("method", "?"), loggable_path(scope.get("path", "")), status, elapsed_ms
            )
