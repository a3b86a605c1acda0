"""Run the app with uvicorn: ``run(settings)`` is what ``b12ms serve`` calls.

uvicorn gets :data:`~b12ms.web.access_log.LOG_CONFIG` (its own access log, which prints query
strings and client addresses, off; b12ms's access log on), no ``Server`` header, and the host
and port from :class:`~b12ms.web.settings.WebSettings`, which has already refused a reachable
host without a token. The check runs again here in case settings were built some other way.
"""

from __future__ import annotations

from typing import Any

import uvicorn
from fastapi import FastAPI

from b12ms.web.access_log import LOG_CONFIG
from b12ms.web.app import create_app
from b12ms.web.settings import WebSettings, check_bind

__all__ = ["build_server", "run"]


def build_server(
    settings: WebSettings, app: FastAPI | None = None, *, log_config: dict[str, Any] | None = LOG_CONFIG
) -> uvicorn.Server:
    """A configured uvicorn server (not started); ``log_config=None`` leaves logging alone (tests)."""
    check_bind(settings.host, settings.token)
    if app is None:
        from b12ms.web.secret import load_or_create_secret

        app = create_app(settings, secret=load_or_create_secret())
    config = uvicorn.Config(
        app,
        host=settings.host,
        port=settings.port,
        log_config=log_config,
        access_log=False,
        server_header=False,
        lifespan="on",
    )
    return uvicorn.Server(config)


def run(settings: WebSettings) -> None:
    """Serve until interrupted (Ctrl-C)."""
    build_server(settings).run()
