"""The real thing over HTTP: uvicorn on 127.0.0.1 (a free port), called with httpx, then stopped."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator

import httpx
import pytest
from web_support import Loaded, make_app

from b12ms.errors import ConfigError
from b12ms.web.access_log import LOG_CONFIG
from b12ms.web.security import CONTENT_SECURITY_POLICY
from b12ms.web.server import build_server
from b12ms.web.settings import WebSettings

SNAPSHOT = {
    "as_of": "2026-11-01",
    "labs": [{"analyte": "total_b12", "value": 150, "unit": "ng/L", "date": "2026-10-01"}],
}


@pytest.fixture
def base_url(loaded: Loaded) -> Iterator[str]:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    settings = WebSettings(port=port)
    server = build_server(settings, make_app(loaded, settings), log_config=None)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and thread.is_alive() and time.monotonic() < deadline:
        time.sleep(0.02)
    assert server.started, "uvicorn did not start within 10 s"
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()
        assert not thread.is_alive(), "uvicorn did not stop within 10 s"


def test_healthz_and_assess_over_real_http(base_url: str) -> None:
    with httpx.Client(base_url=base_url, timeout=10) as http:
        health = http.get("/healthz")
        assessed = http.post("/api/v1/assess", json=SNAPSHOT)
    assert health.status_code == 200
    assert health.json()["status"] == "ok"
    assert health.headers["content-security-policy"] == CONTENT_SECURITY_POLICY
    assert "server" not in health.headers
    assert assessed.status_code == 200
    assert assessed.json()["status"] == "deficiency_likely"


def test_build_server_refuses_a_reachable_host_without_a_token(loaded: Loaded) -> None:
    settings = WebSettings(host="0.0.0.0", token="a-long-enough-token-123")
    unsafe = object.__new__(WebSettings)  # settings built around the validation, as a careless caller might
    for name in ("host", "port", "db", "token"):
        object.__setattr__(unsafe, name, getattr(settings, name))
    object.__setattr__(unsafe, "token", None)
    with pytest.raises(ConfigError):
        build_server(unsafe, make_app(loaded))


def test_the_served_log_config_silences_uvicorns_access_log() -> None:
    assert LOG_CONFIG["loggers"]["uvicorn.access"]["handlers"] == []
    assert LOG_CONFIG["loggers"]["uvicorn.access"]["propagate"] is False
