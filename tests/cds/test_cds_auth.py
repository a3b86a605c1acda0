"""JWT authentication of CDS clients: one passing token, and one 401 for each way a token can fail."""

from __future__ import annotations

import json
import logging
import time
from pathlib import Path
from typing import Any

import jwt
import pytest
from cds_support import BASE_URL, PATIENT_VIEW, asgi, patient_view, settings
from ehr_simulator import ISSUER, FhirData, SigningKey, jwks, make_token, start_fhir_server

from b12ms.cds import check_cds_bind, create_cds_app
from b12ms.errors import ConfigError

DISCOVERY = "/cds-services"
SERVICE = f"/cds-services/{PATIENT_VIEW}"


@pytest.fixture(scope="module")
def jwks_file(tmp_path_factory, es384: SigningKey, rs384: SigningKey) -> Path:
    path = tmp_path_factory.mktemp("keys") / "ehr-jwks.json"
    path.write_text(json.dumps(jwks(es384, rs384)))
    return path


@pytest.fixture
def app(kb, jwks_file) -> Any:
    return create_cds_app(settings(trusted_issuers={ISSUER: str(jwks_file)}), knowledge=kb)


def _get(app: Any, token: str | None, path: str = DISCOVERY):
    headers = {"Authorization": f"Bearer {token}"} if token is not None else {}
    return asgi(app, "GET", path, headers=headers)


def test_a_valid_es384_token_for_discovery_passes(app, es384):
    response = _get(app, make_token(es384, BASE_URL + DISCOVERY))
    assert response.status_code == 200 and len(response.json()["services"]) == 2


def test_a_valid_rs384_token_for_a_service_call_passes(app, rs384):
    token = make_token(rs384, [BASE_URL + SERVICE, "https://other.example"])  # aud may be an array
    response = asgi(
        app,
        "POST",
        SERVICE,
        json=patient_view("us-ms-metformin-searchset"),
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 200


def _refused(app: Any, token: str | None, reason: str, caplog, path: str = DISCOVERY) -> None:
    with caplog.at_level(logging.WARNING, logger="b12ms.cds"):
        response = _get(app, token, path)
    assert response.status_code == 401
    assert response.json()["error"] == "unauthorised"
    assert response.headers["www-authenticate"] == "Bearer"
    assert reason in caplog.text, caplog.text


def test_no_token_is_refused(app, caplog):
    _refused(app, None, "no bearer token", caplog)


def test_alg_none_is_refused(app, caplog):
    token = jwt.encode(
        {
            "iss": ISSUER,
            "aud": BASE_URL + DISCOVERY,
            "exp": int(time.time()) + 60,
            "iat": int(time.time()),
            "jti": "n1",
        },
        None,
        algorithm="none",
        headers={"kid": "x"},
    )
    _refused(app, token, "algorithm 'none' is not allowed", caplog)


def test_a_shared_secret_hs256_token_is_refused(app, es384, caplog):
    token = make_token(es384, BASE_URL + DISCOVERY, alg="HS256", signing_key="a-shared-secret-of-32-bytes-at-least")
    _refused(app, token, "algorithm 'HS256' is not allowed", caplog)


def test_an_untrusted_issuer_is_refused(app, es384, caplog):
    _refused(
        app,
        make_token(es384, BASE_URL + DISCOVERY, issuer="https://evil.example"),
        "issuer 'https://evil.example' is not trusted",
        caplog,
    )


def test_a_token_for_another_endpoint_is_refused(app, es384, caplog):
    _refused(app, make_token(es384, BASE_URL + SERVICE), "aud does not name this endpoint", caplog)


def test_a_token_for_another_host_is_refused(app, es384, caplog):
    _refused(
        app, make_token(es384, "https://b12ms.example.org/cds-services"), "aud does not name this endpoint", caplog
    )


def test_an_expired_token_is_refused(app, es384, caplog):
    _refused(app, make_token(es384, BASE_URL + DISCOVERY, now=time.time() - 600, lifetime=300), "token expired", caplog)


def test_a_token_issued_in_the_future_is_refused(app, es384, caplog):
    _refused(app, make_token(es384, BASE_URL + DISCOVERY, now=time.time() + 600), "future", caplog)


def test_a_token_with_an_overlong_lifetime_is_refused(app, es384, caplog):
    _refused(app, make_token(es384, BASE_URL + DISCOVERY, lifetime=7 * 24 * 3600), "token lifetime", caplog)


@pytest.mark.parametrize("claim", ["jti", "iat", "exp", "aud", "iss"])
def test_a_token_missing_a_required_claim_is_refused(app, es384, caplog, claim):
    reason = "is not trusted" if claim == "iss" else f"claim {claim} is missing"
    _refused(app, make_token(es384, BASE_URL + DISCOVERY, drop=(claim,)), reason, caplog)


def test_a_replayed_jti_is_refused(app, es384, caplog):
    token = make_token(es384, BASE_URL + DISCOVERY)
    assert _get(app, token).status_code == 200
    _refused(app, token, "jti already used (replay)", caplog)


def test_an_unknown_kid_is_refused(app, caplog):
    stranger = SigningKey.generate("ES384", kid="not-in-the-set")
    _refused(app, make_token(stranger, BASE_URL + DISCOVERY), "kid 'not-in-the-set' is not in the JWK Set", caplog)


def test_a_token_signed_by_another_key_under_a_known_kid_is_refused(app, es384, caplog):
    impostor = SigningKey.generate("ES384", kid=es384.kid)
    _refused(app, make_token(impostor, BASE_URL + DISCOVERY), "signature does not verify", caplog)


def test_a_token_whose_alg_differs_from_its_key_is_refused(app, rs384, caplog):
    token = make_token(rs384, BASE_URL + DISCOVERY, alg="RS256")
    _refused(app, token, f"key '{rs384.kid}' is for RS384, not RS256", caplog)


def test_a_header_type_other_than_jwt_is_refused(app, es384, caplog):
    _refused(app, make_token(es384, BASE_URL + DISCOVERY, headers={"typ": "at+jwt"}), "header typ is not JWT", caplog)


def test_a_malformed_token_is_refused(app, caplog):
    _refused(app, "not.a.jwt", "malformed token", caplog)


def test_authentication_comes_before_reading_the_body(app, caplog):
    with caplog.at_level(logging.WARNING, logger="b12ms.cds"):
        response = asgi(app, "POST", SERVICE, content=b"{broken", headers={"content-type": "application/json"})
    assert response.status_code == 401


def test_refusals_never_log_patient_data(app, es384, caplog):
    with caplog.at_level(logging.INFO, logger="b12ms.cds"):
        asgi(
            app,
            "POST",
            SERVICE,
            json=patient_view("us-ms-metformin-searchset"),
            headers={"Authorization": f"Bearer {make_token(es384, BASE_URL + DISCOVERY)}"},
        )
    assert "401" in caplog.text and "us-1" not in caplog.text and "pg/mL" not in caplog.text


def test_a_jku_other_than_the_configured_url_is_refused_and_never_fetched(kb, es384, caplog):
    data = FhirData(token=None, jwks=jwks(es384))
    with start_fhir_server(data) as keys_server:
        jwks_url = keys_server.base_url + "/jwks.json"
        app = create_cds_app(settings(trusted_issuers={ISSUER: jwks_url}), knowledge=kb)
        token = make_token(es384, BASE_URL + DISCOVERY, headers={"jku": keys_server.base_url + "/other.json"})
        _refused(app, token, "is not the JWK Set URL configured", caplog)
        assert data.requests == []
        good = make_token(es384, BASE_URL + DISCOVERY, headers={"jku": jwks_url})
        assert _get(app, good).status_code == 200  # keys fetched from the configured URL


# --- Without trusted issuers: loopback only -----------------------------------------------------


def test_without_issuers_a_loopback_caller_needs_no_token(loopback_app):
    assert asgi(loopback_app, "GET", DISCOVERY).status_code == 200


def test_without_issuers_a_caller_from_another_machine_is_refused(loopback_app, caplog):
    with caplog.at_level(logging.WARNING, logger="b12ms.cds"):
        response = asgi(loopback_app, "GET", DISCOVERY, client=("10.1.2.3", 40000))
    assert response.status_code == 401
    assert "not on loopback" in caplog.text


def test_serving_beyond_loopback_without_issuers_is_refused_at_start_up(jwks_file):
    with pytest.raises(ConfigError, match="refusing to listen"):
        check_cds_bind("0.0.0.0", settings())
    check_cds_bind("0.0.0.0", settings(trusted_issuers={ISSUER: str(jwks_file)}))


@pytest.mark.parametrize("algorithms", [("HS256",), ("none",), ()])
def test_symmetric_or_no_algorithms_cannot_be_configured(algorithms):
    with pytest.raises(ConfigError, match="asymmetric"):
        settings(algorithms=algorithms)


def test_an_unreadable_jwks_file_is_a_config_error_at_start_up(kb, tmp_path):
    (tmp_path / "bad.json").write_text('{"keys": [{"kty": "oct", "k": "c2VjcmV0", "kid": "s"}]}')
    with pytest.raises(ConfigError, match="no usable public key"):
        create_cds_app(settings(trusted_issuers={ISSUER: str(tmp_path / "bad.json")}), knowledge=kb)


def test_a_plain_http_jwks_url_off_loopback_is_a_config_error():
    with pytest.raises(ConfigError, match="https"):
        settings(trusted_issuers={ISSUER: "http://keys.example.org/jwks.json"})
