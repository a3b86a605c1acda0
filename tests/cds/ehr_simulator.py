"""An EHR for the tests: a CDS client that signs JWTs, a small FHIR server, and loopback HTTP servers.

- :class:`SigningKey` — an asymmetric key generated in the test (EC P-384 / ES384 or RSA / RS384),
  with its public JWK Set.
- :class:`EhrClient` — calls discovery, services and feedback over real HTTP with a fresh JWT per
  call (``aud`` = the full URL called, a new ``jti`` each time), as CDS Hooks 2.0 asks.
- :func:`fhir_server_app` — a FHIR R4 server holding resources in memory: reads, searches by
  ``patient`` and ``code`` (``system|code`` tokens), ``_count`` paging with ``next`` links, a bearer
  token check, switchable failures and delays; also serves a JWK Set at ``/jwks.json``.
- :class:`LoopbackServer` — runs any ASGI app with uvicorn on 127.0.0.1 in a thread.
"""

from __future__ import annotations

import asyncio
import json
import socket
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
import jwt
import uvicorn
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

ISSUER = "https://ehr.example.org"


@dataclass
class SigningKey:
    alg: str
    kid: str
    private: Any

    @classmethod
    def generate(cls, alg: str = "ES384", kid: str | None = None) -> SigningKey:
        if alg.startswith("ES"):
            curve = {"ES256": ec.SECP256R1(), "ES384": ec.SECP384R1(), "ES512": ec.SECP521R1()}[alg]
            private: Any = ec.generate_private_key(curve)
        else:
            private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        return cls(alg, kid or f"{alg.lower()}-{uuid.uuid4().hex[:8]}", private)

    def public_jwk(self, *, with_alg: bool = True) -> dict[str, Any]:
        algorithm = jwt.algorithms.ECAlgorithm if self.alg.startswith("ES") else jwt.algorithms.RSAAlgorithm
        data = json.loads(algorithm.to_jwk(self.private.public_key()))
        data.update({"kid": self.kid, "use": "sig"})
        if with_alg:
            data["alg"] = self.alg
        return data


def jwks(*keys: SigningKey) -> dict[str, Any]:
    return {"keys": [k.public_jwk() for k in keys]}


def make_token(
    key: SigningKey,
    audience: str | list[str],
    *,
    issuer: str = ISSUER,
    lifetime: int = 300,
    now: float | None = None,
    claims: dict[str, Any] | None = None,
    drop: tuple[str, ...] = (),
    headers: dict[str, Any] | None = None,
    alg: str | None = None,
    signing_key: Any = None,
) -> str:
    """A CDS client JWT; ``claims`` override, ``drop`` removes claims, ``headers`` add to the header."""
    issued = time.time() if now is None else now
    payload: dict[str, Any] = {
        "iss": issuer,
        "sub": "ehr-client",
        "aud": audience,
        "exp": int(issued + lifetime),
        "iat": int(issued),
        "jti": str(uuid.uuid4()),
        "tenant": "hospital-a",
    }
    payload.update(claims or {})
    for name in drop:
        payload.pop(name, None)
    header = {"kid": key.kid, "typ": "JWT", **(headers or {})}
    return jwt.encode(
        payload, signing_key if signing_key is not None else key.private, algorithm=alg or key.alg, headers=header
    )


@dataclass
class EhrClient:
    """A CDS client: every call carries ``Authorization: Bearer <fresh JWT>`` unless ``key`` is None."""

    base_url: str
    key: SigningKey | None
    issuer: str = ISSUER
    timeout: float = 10.0
    sent_tokens: list[str] = field(default_factory=list)

    def _headers(self, url: str) -> dict[str, str]:
        if self.key is None:
            return {}
        token = make_token(self.key, url, issuer=self.issuer)
        self.sent_tokens.append(token)
        return {"Authorization": f"Bearer {token}"}

    def get(self, path: str) -> httpx.Response:
        url = f"{self.base_url}{path}"
        return httpx.get(url, headers=self._headers(url), timeout=self.timeout)

    def post(self, path: str, body: dict[str, Any]) -> httpx.Response:
        url = f"{self.base_url}{path}"
        return httpx.post(url, json=body, headers=self._headers(url), timeout=self.timeout)

    def discovery(self) -> httpx.Response:
        return self.get("/cds-services")

    def call(self, service_id: str, body: dict[str, Any]) -> httpx.Response:
        return self.post(f"/cds-services/{service_id}", body)

    def feedback(self, service_id: str, items: list[dict[str, Any]]) -> httpx.Response:
        return self.post(f"/cds-services/{service_id}/feedback", {"feedback": items})


# --- A small FHIR server ----------------------------------------------------------------------


@dataclass
class FhirData:
    """What the FHIR server holds and how it behaves (tests change these between calls)."""

    resources: list[dict[str, Any]] = field(default_factory=list)
    token: str | None = "ehr-access-token"
    page_size: int = 50
    fail: dict[str, int] = field(default_factory=dict)
    """resourceType → HTTP status to answer instead of data."""
    delay_s: float = 0.0
    requests: list[str] = field(default_factory=list)
    jwks: dict[str, Any] = field(default_factory=lambda: {"keys": []})

    def load(self, bundle: dict[str, Any]) -> None:
        self.resources = [e["resource"] for e in bundle.get("entry", []) if "resource" in e]


def _patient_of(resource: dict[str, Any]) -> str | None:
    ref = (resource.get("subject") or resource.get("patient") or {}).get("reference")
    return ref.rsplit("/", 1)[-1] if isinstance(ref, str) else None


def _matches_code(resource: dict[str, Any], tokens: list[str]) -> bool:
    codings = (resource.get("code") or {}).get("coding") or []
    pairs = {f"{c.get('system')}|{c.get('code')}" for c in codings}
    return bool(pairs & set(tokens))


def fhir_server_app(data: FhirData, base_url_holder: list[str]) -> Starlette:
    def outcome(status: int, text: str) -> JSONResponse:
        body = {
            "resourceType": "OperationOutcome",
            "issue": [{"severity": "error", "code": "processing", "diagnostics": text}],
        }
        return JSONResponse(body, status_code=status, media_type="application/fhir+json")

    async def guard(request: Request, kind: str) -> JSONResponse | None:
        data.requests.append(f"{request.method} {request.url.path}?{request.url.query}")
        if data.delay_s:
            await asyncio.sleep(data.delay_s)
        if data.token is not None and request.headers.get("authorization") != f"Bearer {data.token}":
            return outcome(401, "missing or wrong access token")
        if kind in data.fail:
            return outcome(data.fail[kind], "simulated failure")
        return None

    async def read(request: Request) -> JSONResponse:
        kind, rid = request.path_params["kind"], request.path_params["rid"]
        refused = await guard(request, kind)
        if refused is not None:
            return refused
        for resource in data.resources:
            if resource.get("resourceType") == kind and resource.get("id") == rid:
                return JSONResponse(resource, media_type="application/fhir+json")
        return outcome(404, f"{kind}/{rid} not found")

    async def search(request: Request) -> JSONResponse:
        kind = request.path_params["kind"]
        refused = await guard(request, kind)
        if refused is not None:
            return refused
        params = request.query_params
        found = [r for r in data.resources if r.get("resourceType") == kind]
        if "patient" in params:
            found = [r for r in found if _patient_of(r) == params["patient"]]
        if "code" in params:
            found = [r for r in found if _matches_code(r, params["code"].split(","))]
        if params.get("_sort") == "-date":
            found.sort(key=lambda r: str(r.get("effectiveDateTime", "")), reverse=True)
        count = min(int(params.get("_count", data.page_size)), data.page_size)
        page = int(params.get("_page", "0"))
        chunk = found[page * count : (page + 1) * count]
        bundle: dict[str, Any] = {
            "resourceType": "Bundle",
            "type": "searchset",
            "total": len(found),
            "entry": [
                {
                    "fullUrl": f"{base_url_holder[0]}/fhir/{r['resourceType']}/{r.get('id')}",
                    "resource": r,
                    "search": {"mode": "match"},
                }
                for r in chunk
            ],
            "link": [{"relation": "self", "url": str(request.url)}],
        }
        if (page + 1) * count < len(found):
            query = dict(params) | {"_page": str(page + 1), "_count": str(count)}
            next_url = f"{base_url_holder[0]}/fhir/{kind}?" + "&".join(f"{k}={v}" for k, v in query.items())
            bundle["link"].append({"relation": "next", "url": next_url})
        return JSONResponse(bundle, media_type="application/fhir+json")

    async def keys(request: Request) -> JSONResponse:
        return JSONResponse(data.jwks)

    return Starlette(
        routes=[
            Route("/jwks.json", keys),
            Route("/fhir/{kind}/{rid}", read),
            Route("/fhir/{kind}", search),
        ]
    )


class LoopbackServer:
    """Serve an ASGI app on 127.0.0.1 (a free port) in a background thread; ``base_url`` is known
    before the app is built, so a CDS app can use it as its public URL (the JWT audience)."""

    def __init__(self, app_for: Callable[[str], Any]) -> None:
        self._socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._socket.bind(("127.0.0.1", 0))
        self.base_url = f"http://127.0.0.1:{self._socket.getsockname()[1]}"
        self.app = app_for(self.base_url)
        config = uvicorn.Config(self.app, log_level="warning", lifespan="off", access_log=False)
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, kwargs={"sockets": [self._socket]}, daemon=True)

    def __enter__(self) -> LoopbackServer:
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                raise RuntimeError("the loopback server did not start")
            time.sleep(0.01)
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=10)
        self._socket.close()


def start_fhir_server(data: FhirData) -> LoopbackServer:
    holder: list[str] = []

    def build(base_url: str) -> Starlette:
        holder.append(base_url)
        return fhir_server_app(data, holder)

    return LoopbackServer(build)
