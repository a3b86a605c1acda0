"""Starting the standalone service: trusted-issuer options and the loopback-only default."""

from __future__ import annotations

import pytest
from cds_support import settings

from b12ms.cds import parse_trusted_issuers, run_cds_server
from b12ms.errors import ConfigError


def test_trusted_issuers_parse_as_issuer_equals_keys():
    parsed = parse_trusted_issuers(
        ["https://ehr.example.org=/etc/b12ms/ehr.json", "https://idp.example/t?x=1=https://idp.example/jwks"]
    )
    assert parsed == {
        "https://ehr.example.org": "/etc/b12ms/ehr.json",
        "https://idp.example/t?x=1": "https://idp.example/jwks",
    }


@pytest.mark.parametrize("items", [["no-equals-sign"], ["=keys.json"], ["iss="], ["a=k1", "a=k2"]])
def test_malformed_or_repeated_issuers_are_config_errors(items):
    with pytest.raises(ConfigError):
        parse_trusted_issuers(items)


def test_the_server_refuses_a_reachable_host_without_issuers_before_it_starts():
    with pytest.raises(ConfigError, match="refusing to listen"):
        run_cds_server(settings(), host="192.0.2.10", port=8010)
