"""Authenticating CDS clients (CDS Hooks 2.0, "Trusting CDS Clients").

Every call carries ``Authorization: Bearer <JWT>``. A token passes only if all hold:

- header: ``alg`` in the allowed asymmetric list (never ``none``, never HS*), ``typ`` JWT, ``kid``
  naming a key in the issuer's JWK Set; a ``jku``, if present, equals the URL configured for the
  issuer (an arbitrary ``jku`` is never fetched);
- ``iss`` is a trusted issuer; the signature verifies with that issuer's key;
- ``aud`` (string or array) contains the full URL of the endpoint called;
- ``exp`` not passed, ``iat`` not in the future and not older than the longest lifetime allowed,
  ``exp - iat`` within that lifetime (clock leeway applies);
- ``jti`` not seen before from that issuer (replay cache, kept until the token expires).

A failure raises :class:`Unauthorised` with a reason for the log (the caller answers 401); the
reason never carries patient data. Pinned by ``tests/cds/test_auth.py``.
"""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import jwt

from b12ms.cds.settings import CdsSettings, is_url
from b12ms.errors import ConfigError

__all__ = ["JwtVerifier", "ReplayCache", "Unauthorised"]

_REFETCH_AFTER_S = 60.0  # an unknown kid refetches a URL-configured JWKS at most once a minute


class Unauthorised(Exception):
    """The call is not authenticated; ``reason`` is for the server log only."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class ReplayCache:
    """``(iss, jti)`` pairs seen, each kept until its token's expiry (thread-safe)."""

    def __init__(self, clock: Callable[[], float] = time.time, purge_every_s: float = 60.0) -> None:
        self._seen: dict[tuple[str, str], float] = {}
        self._lock = threading.Lock()
        self._clock = clock
        self._purge_every_s = purge_every_s
        self._next_purge = clock() + purge_every_s

    def add(self, issuer: str, jti: str, expires_at: float) -> bool:
        """Remember the pair; False when it was already seen (a replay)."""
        now = self._clock()
        with self._lock:
            if now >= self._next_purge:  # drop expired pairs at most once a minute, not on every call
                self._seen = {k: v for k, v in self._seen.items() if v > now}
                self._next_purge = now + self._purge_every_s
            known = self._seen.get((issuer, jti))
            if known is not None and known > now:
                return False
            self._seen[(issuer, jti)] = expires_at
            return True

    def __len__(self) -> int:
        return len(self._seen)


@dataclass(frozen=True)
class _Key:
    jwk: jwt.PyJWK
    declared_alg: str | None
    """The JWK's own ``alg``, when it states one: the token must use that algorithm."""


@dataclass
class _IssuerKeys:
    source: str
    keys: dict[str, _Key]
    fetched_at: float


def _parse_jwks(data: Any, source: str) -> dict[str, _Key]:
    if not isinstance(data, dict) or not isinstance(data.get("keys"), list):
        raise ValueError(f"{source} is not a JWK Set (an object with a keys array)")
    keys: dict[str, _Key] = {}
    for raw in data["keys"]:
        if not isinstance(raw, dict) or not isinstance(raw.get("kid"), str) or raw.get("kty") == "oct":
            continue  # no kid: a token cannot name it; "oct": a shared secret, never trusted
        try:
            keys[raw["kid"]] = _Key(
                jwt.PyJWK.from_dict(raw), raw.get("alg") if isinstance(raw.get("alg"), str) else None
            )
        except (jwt.PyJWKError, jwt.InvalidKeyError, TypeError, KeyError, ValueError):
            continue  # unsupported or symmetric key types are skipped, as PyJWKSet does
    if not keys:
        raise ValueError(f"{source} holds no usable public key with a kid")
    return keys


class _KeyStore:
    def __init__(self, settings: CdsSettings) -> None:
        self._settings = settings
        self._issuers: dict[str, _IssuerKeys] = {}
        self._lock = asyncio.Lock()
        for issuer, source in settings.trusted_issuers.items():
            if not is_url(source):
                self._issuers[issuer] = _IssuerKeys(source, self._read_file(issuer, source), float("inf"))

    @staticmethod
    def _read_file(issuer: str, source: str) -> dict[str, _Key]:
        try:
            return _parse_jwks(json.loads(Path(source).read_text(encoding="utf-8")), source)
        except (OSError, UnicodeDecodeError, json.JSONDecodeError, ValueError) as error:
            raise ConfigError(f"trusted issuer {issuer!r}: cannot read its JWK Set file {source}: {error}") from None

    async def _fetch(self, issuer: str, url: str) -> None:
        try:
            async with httpx.AsyncClient(timeout=self._settings.http_timeout_s, follow_redirects=False) as client:
                response = await client.get(url, headers={"Accept": "application/json"})
                response.raise_for_status()
                keys = _parse_jwks(response.json(), url)
        except (httpx.HTTPError, ValueError) as error:
            raise Unauthorised(
                f"the JWK Set of issuer {issuer!r} could not be fetched ({type(error).__name__})"
            ) from None
        self._issuers[issuer] = _IssuerKeys(url, keys, time.monotonic())

    async def key(self, issuer: str, kid: str, jku: str | None) -> _Key:
        source = self._settings.trusted_issuers[issuer]
        if jku is not None and is_url(source) and jku != source:
            raise Unauthorised(f"jku {jku!r} is not the JWK Set URL configured for issuer {issuer!r}")
        if not is_url(source):
            found = self._issuers[issuer].keys.get(kid)
            if found is None:
                raise Unauthorised(f"kid {kid!r} is not in the JWK Set of issuer {issuer!r}")
            return found
        async with self._lock:
            cached = self._issuers.get(issuer)
            age = time.monotonic() - cached.fetched_at if cached is not None else float("inf")
            stale = age > self._settings.jwks_cache_s
            if cached is None or stale or (kid not in cached.keys and age > _REFETCH_AFTER_S):
                await self._fetch(issuer, source)
            found = self._issuers[issuer].keys.get(kid)
        if found is None:
            raise Unauthorised(f"kid {kid!r} is not in the JWK Set of issuer {issuer!r}")
        return found


class JwtVerifier:
    """Checks CDS client JWTs against the trusted issuers of the settings."""

    def __init__(self, settings: CdsSettings, clock: Callable[[], float] = time.time) -> None:
        self._settings = settings
        self._keys = _KeyStore(settings)
        self._clock = clock
        self.replay = ReplayCache(clock)

    async def verify(self, authorization: str | None, audience: str) -> dict[str, Any]:
        """The verified claims; raises :class:`Unauthorised` with the reason."""
        if not authorization or not authorization.lower().startswith("bearer "):
            raise Unauthorised("no bearer token")
        token = authorization[7:].strip()
        try:
            header = jwt.get_unverified_header(token)
            unverified = jwt.decode(token, options={"verify_signature": False})
        except jwt.PyJWTError as error:
            raise Unauthorised(f"malformed token ({type(error).__name__})") from None
        alg = header.get("alg")
        if alg not in self._settings.algorithms:
            raise Unauthorised(f"algorithm {alg!r} is not allowed")
        if str(header.get("typ", "")).upper() != "JWT":
            raise Unauthorised("header typ is not JWT")
        kid = header.get("kid")
        if not isinstance(kid, str) or not kid:
            raise Unauthorised("header kid is missing")
        issuer = unverified.get("iss")
        if not isinstance(issuer, str) or issuer not in self._settings.trusted_issuers:
            raise Unauthorised(f"issuer {issuer!r} is not trusted")
        jku = header.get("jku")
        key = await self._keys.key(issuer, kid, jku if isinstance(jku, str) else None)
        if key.declared_alg not in (None, alg):
            raise Unauthorised(f"key {kid!r} is for {key.declared_alg}, not {alg}")
        claims = self._decode(token, key.jwk, alg, audience, issuer)
        self._check_times(claims)
        jti = claims.get("jti")
        if not isinstance(jti, str) or not jti:
            raise Unauthorised("jti is missing")
        expires = float(claims["exp"]) + self._settings.clock_leeway_s
        if not self.replay.add(issuer, jti, expires):
            raise Unauthorised(f"jti already used (replay) from issuer {issuer!r}")
        return claims

    def _decode(self, token: str, key: jwt.PyJWK, alg: str, audience: str, issuer: str) -> dict[str, Any]:
        try:
            claims: dict[str, Any] = jwt.decode(
                token,
                key.key,
                algorithms=[alg],
                audience=audience,
                issuer=issuer,
                leeway=self._settings.clock_leeway_s,
                options={"require": ["iss", "aud", "exp", "iat", "jti"], "verify_iat": True},
            )
        except jwt.ExpiredSignatureError:
            raise Unauthorised("token expired") from None
        except jwt.InvalidAudienceError:
            raise Unauthorised(f"aud does not name this endpoint ({audience})") from None
        except jwt.ImmatureSignatureError:
            raise Unauthorised("token issued in the future (iat) or not yet valid (nbf)") from None
        except jwt.MissingRequiredClaimError as error:
            raise Unauthorised(f"claim {error.claim} is missing") from None
        except jwt.InvalidSignatureError:
            raise Unauthorised("signature does not verify") from None
        except (jwt.PyJWTError, TypeError, ValueError) as error:
            raise Unauthorised(f"token rejected ({type(error).__name__}: {error})") from None
        return claims

    def _check_times(self, claims: dict[str, Any]) -> None:
        now = self._clock()
        leeway = self._settings.clock_leeway_s
        lifetime = self._settings.max_token_lifetime_s
        try:
            iat, exp = float(claims["iat"]), float(claims["exp"])
        except (TypeError, ValueError):
            raise Unauthorised("iat or exp is not a number") from None
        if iat > now + leeway:
            raise Unauthorised("iat is in the future")
        if now - iat > lifetime + leeway:
            raise Unauthorised("iat is too old")
        if exp - iat > lifetime:
            raise Unauthorised(f"token lifetime exp - iat is longer than {lifetime} s")
