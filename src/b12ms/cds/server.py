"""Running the standalone CDS Hooks service (``b12ms cds-serve``) and reading its options."""

from __future__ import annotations

from collections.abc import Sequence

from b12ms.cds.settings import DEFAULT_CDS_HOST, DEFAULT_CDS_PORT, CdsSettings, check_cds_bind
from b12ms.errors import ConfigError

__all__ = ["parse_trusted_issuers", "run_cds_server"]


def parse_trusted_issuers(items: Sequence[str]) -> dict[str, str]:
    """``["https://ehr.example/iss=/etc/b12ms/ehr-jwks.json", ...]`` → {issuer: JWKS file or URL}.

    The issuer is everything before the last ``=`` that is followed by a path or URL, so issuers that
    are URLs with query strings still parse; each issuer may appear once."""
    out: dict[str, str] = {}
    for item in items:
        issuer, sep, source = item.rpartition("=")
        if not sep or not issuer.strip() or not source.strip():
            raise ConfigError(f"trusted issuer {item!r}: expected ISSUER=JWKS_FILE_OR_URL")
        if issuer in out:
            raise ConfigError(f"trusted issuer {issuer!r} is given twice")
        out[issuer.strip()] = source.strip()
    return out


def run_cds_server(settings: CdsSettings, *, host: str = DEFAULT_CDS_HOST, port: int = DEFAULT_CDS_PORT) -> None:
    """Serve until interrupted; refuses a non-loopback host unless trusted issuers are configured."""
    check_cds_bind(host, settings)
    import uvicorn

    from b12ms.cds.app import create_cds_app

    uvicorn.run(create_cds_app(settings), host=host, port=port, log_level="info", server_header=False)
