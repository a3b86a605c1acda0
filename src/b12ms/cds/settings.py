"""Settings of the CDS Hooks service, built once at the edge and passed in (validated on construction).

Trust: ``trusted_issuers`` maps each CDS client's JWT ``iss`` to where its public keys are — a JWKS
file path or an ``https://`` URL (``http://`` only for a loopback host). Only listed issuers are
accepted and a token's ``jku`` is never fetched unless it is exactly the URL configured for its
issuer. With no issuer configured the service accepts loopback callers only, and it refuses to
listen on a host other machines can reach (``check_cds_bind``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from types import MappingProxyType
from urllib.parse import urlsplit

from b12ms.errors import ConfigError

__all__ = [
    "ALLOWED_ALGORITHMS",
    "DEFAULT_CDS_HOST",
    "DEFAULT_CDS_PORT",
    "CdsSettings",
    "check_cds_bind",
    "is_loopback_host",
    "is_url",
]

DEFAULT_CDS_HOST = "127.0.0.1"
DEFAULT_CDS_PORT = 8010
ALLOWED_ALGORITHMS = ("ES256", "ES384", "ES512", "RS256", "RS384", "RS512", "PS256", "PS384", "PS512")
"""Asymmetric only: the spec forbids ``none`` and shared-secret (HS*) algorithms; ES384/RS384 recommended."""


def is_loopback_host(host: str) -> bool:
    import ipaddress

    name = host.strip().strip("[]").lower()
    if name == "localhost":
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def is_url(value: str) -> bool:
    return value.startswith(("https://", "http://"))


def _check_url(value: str, what: str) -> str:
    parts = urlsplit(value)
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise ConfigError(f"{what}: {value!r} is not an http(s) URL")
    if parts.scheme == "http" and not is_loopback_host(parts.hostname):
        raise ConfigError(f"{what}: {value!r} must use https (http is allowed only on a loopback host)")
    return value


def _utc_today() -> date:
    return datetime.now(UTC).date()


@dataclass(frozen=True)
class CdsSettings:
    """Everything the CDS service needs; ``public_base_url`` is what clients call (the JWT ``aud``
    is ``{public_base_url}/cds-services...``)."""

    public_base_url: str = f"http://{DEFAULT_CDS_HOST}:{DEFAULT_CDS_PORT}"
    trusted_issuers: Mapping[str, str] = field(default_factory=dict)
    store_url: str | None = None
    """Store for feedback (``sqlite:///path``); None lets the store choose its default location."""
    http_timeout_s: float = 5.0
    """Timeout of each request to the EHR's FHIR server (connect, read, write and pool)."""
    jwks_cache_s: float = 3600.0
    algorithms: tuple[str, ...] = ALLOWED_ALGORITHMS
    clock_leeway_s: int = 30
    max_token_lifetime_s: int = 3600
    """Longest ``exp - iat`` accepted, and the oldest ``iat`` accepted (bounds the replay cache)."""
    max_fetch_pages: int = 10
    fhir_server_allowlist: tuple[str, ...] = ()
    """URL prefixes the service may fetch from; empty allows any https server (or loopback http)."""
    today: Callable[[], date] = _utc_today
    """The clock at the edge: the assessment date of each call."""

    def __post_init__(self) -> None:
        _check_url(self.public_base_url, "public_base_url")
        object.__setattr__(self, "public_base_url", self.public_base_url.rstrip("/"))
        issuers = dict(self.trusted_issuers)
        for issuer, keys in issuers.items():
            if not issuer:
                raise ConfigError("trusted_issuers: an issuer must not be empty")
            if is_url(keys):
                _check_url(keys, f"trusted_issuers[{issuer!r}]")
        object.__setattr__(self, "trusted_issuers", MappingProxyType(issuers))
        bad = [a for a in self.algorithms if a not in ALLOWED_ALGORITHMS]
        if bad or not self.algorithms:
            raise ConfigError(
                f"algorithms: only asymmetric JWT algorithms are allowed ({', '.join(ALLOWED_ALGORITHMS)})"
            )
        if not 0 < self.http_timeout_s <= 60:
            raise ConfigError("http_timeout_s must be above 0 and at most 60 seconds")
        if not 0 <= self.clock_leeway_s <= 300:
            raise ConfigError("clock_leeway_s must be between 0 and 300 seconds")
        if not 0 < self.max_token_lifetime_s <= 86400:
            raise ConfigError("max_token_lifetime_s must be above 0 and at most one day")
        for prefix in self.fhir_server_allowlist:
            _check_url(prefix, "fhir_server_allowlist")

    @property
    def requires_jwt(self) -> bool:
        return bool(self.trusted_issuers)


def check_cds_bind(host: str, settings: CdsSettings) -> None:
    """Refuse a host other machines can reach when no trusted issuer is configured."""
    if not is_loopback_host(host) and not settings.requires_jwt:
        raise ConfigError(
            f"refusing to listen on {host!r} without trusted issuers: any machine could call the CDS service. "
            f"Configure trusted issuers (JWT), or keep the default host {DEFAULT_CDS_HOST}"
        )
