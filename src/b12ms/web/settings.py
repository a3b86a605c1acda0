"""Settings of the web app, built once at the edge (``b12ms serve``) and passed in.

Privacy default: the app listens on 127.0.0.1. A host that other machines can reach is refused
unless a token is configured (``B12MS_TOKEN`` or ``--token-file``); the app then requires that
token as a bearer credential (:mod:`b12ms.web.security`). Pinned by ``tests/web/test_settings.py``.
"""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from b12ms.errors import ConfigError

__all__ = ["DEFAULT_HOST", "DEFAULT_PORT", "MIN_TOKEN_CHARS", "TOKEN_ENV", "WebSettings", "check_bind", "is_loopback"]

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8000
TOKEN_ENV = "B12MS_TOKEN"
MIN_TOKEN_CHARS = 16
"""A shorter token is guessable; ``python -c 'import secrets; print(secrets.token_urlsafe())'`` gives 43."""


def is_loopback(host: str) -> bool:
    """True for ``localhost``, 127.0.0.0/8 and ::1 (brackets allowed); other names are not trusted."""
    name = host.strip().strip("[]").lower()
    if name == "localhost":
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def check_bind(host: str, token: str | None) -> None:
    """Refuse a host other machines can reach unless a token is configured."""
    if is_loopback(host):
        return
    if not token:
        raise ConfigError(
            f"refusing to listen on {host!r} without a token: other machines could read health data. "
            f"Set {TOKEN_ENV} or pass --token-file, or keep the default host {DEFAULT_HOST}"
        )


@dataclass(frozen=True, slots=True)
class WebSettings:
    """Where the app listens, which store it uses and the token it requires (if any).

    Validated on construction, so a ``WebSettings`` that exists is safe to serve.
    """

    host: str = DEFAULT_HOST
    port: int = DEFAULT_PORT
    db: str | None = None
    """A store path or URL; None lets the store choose its default location."""
    token: str | None = field(default=None, repr=False)
    public_url: str | None = None
    """The URL EHRs use to reach the CDS services (the JWT audience); default http://host:port."""

    def __post_init__(self) -> None:
        if isinstance(self.port, bool) or not isinstance(self.port, int) or not 0 <= self.port <= 65535:
            raise ConfigError(f"port must be a whole number from 0 to 65535, not {self.port!r}")
        if self.token is not None and len(self.token) < MIN_TOKEN_CHARS:
            raise ConfigError(f"the token must be at least {MIN_TOKEN_CHARS} characters long")
        check_bind(self.host, self.token)

    @classmethod
    def from_env_and_args(
        cls,
        *,
        host: str | None = None,
        port: int | None = None,
        db: str | Path | None = None,
        token_file: str | Path | None = None,
        environ: Mapping[str, str] | None = None,
    ) -> WebSettings:
        """Settings from command-line values, falling back to the environment, then the defaults.

        The token comes from ``token_file`` when given (surrounding whitespace removed), else from
        ``B12MS_TOKEN``; an empty variable counts as unset, an empty file is an error.
        """
        env = os.environ if environ is None else environ
        from_env = env.get(TOKEN_ENV, "").strip() or None
        token = _read_token_file(Path(token_file)) if token_file is not None else from_env
        return cls(
            host=DEFAULT_HOST if host is None else host,
            port=DEFAULT_PORT if port is None else port,
            db=None if db is None else str(db),
            token=token,
        )


def _read_token_file(path: Path) -> str:
    try:
        token = path.read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        raise ConfigError(f"token file not found: {path}") from None
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigError(f"cannot read token file {path}: {error}") from None
    if not token:
        raise ConfigError(f"token file {path} is empty")
    return token
