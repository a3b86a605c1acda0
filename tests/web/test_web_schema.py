"""schemathesis drives every documented operation from the OpenAPI schema: no 5xx, no
undocumented status, every response matches its declared schema, schema-violating input is
refused.

One built-in check is left out: ``positive_data_acceptance`` expects every request the schema
allows to succeed, but a schema cannot say "a food that is in the table" or "a seed that exists";
those are 422 answers with a field path, by design.
"""

from __future__ import annotations

from typing import Any

import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

from b12ms.diet import load_food_table, load_intakes
from b12ms.knowledge import load_knowledge
from b12ms.web.app import create_app
from b12ms.web.settings import WebSettings

# Built at collection time because @schema.parametrize() needs the schema then.
APP = create_app(WebSettings(), knowledge=load_knowledge(), foods=load_food_table(), intakes=load_intakes())
schema = schemathesis.openapi.from_asgi("/openapi.json", APP)


@schema.parametrize()
@settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck))
def test_api_conforms_to_its_schema(case: schemathesis.Case[Any]) -> None:
    case.call_and_validate(excluded_checks=[positive_data_acceptance])


def test_a_number_is_not_accepted_as_a_date() -> None:
    snapshot = {"as_of": "2026-01-01", "supplements": [{"name": "cyanocobalamin", "started": 0}]}
    response = TestClient(APP).post("/api/v1/assess", json=snapshot)
    assert response.status_code == 422
