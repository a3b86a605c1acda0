"""schemathesis over the CDS service's OpenAPI schema: generated requests never cause a server error,
and every answer matches the documented statuses and schemas.

The app trusts the test's issuer; each generated call carries a fresh JWT for the URL it calls, so
the generated bodies reach validation and the services (not only the 401 path).

``positive_data_acceptance`` is left out: the spec makes some fields conditional in ways a schema
cannot say (``fhirServer`` is required when ``fhirAuthorization`` is given), so a 422 naming the
rule is the right answer to such a "schema-valid" request.
"""

from __future__ import annotations

import json
import tempfile
from collections import Counter
from pathlib import Path

import schemathesis
from cds_support import BASE_URL, settings
from ehr_simulator import ISSUER, SigningKey, jwks, make_token
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

from b12ms.cds import create_cds_app
from b12ms.knowledge import load_knowledge

_KEY = SigningKey.generate("ES384")
STATUSES: Counter[int] = Counter()


def _app():
    keys = Path(tempfile.mkdtemp(prefix="b12ms-cds-")) / "jwks.json"
    keys.write_text(json.dumps(jwks(_KEY)))
    return create_cds_app(settings(trusted_issuers={ISSUER: str(keys)}), knowledge=load_knowledge())


schema = schemathesis.openapi.from_asgi("/openapi.json", _app())


@schema.parametrize()
@hypothesis_settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
def test_generated_requests_never_cause_a_server_error(case):
    path = case.formatted_path
    token = make_token(_KEY, BASE_URL + path)
    response = case.call_and_validate(
        headers={"Authorization": f"Bearer {token}"}, excluded_checks=[positive_data_acceptance]
    )
    STATUSES[response.status_code] += 1


def test_the_generated_requests_got_past_authentication():
    # Runs after the generated tests (file order): most calls must reach validation or a service.
    assert STATUSES, "the schemathesis tests did not run"
    assert sum(n for status, n in STATUSES.items() if status != 401) > STATUSES[401]
