"""Helpers for the page tests: a minimal app (FastAPI + the pages + /static) and form helpers.

Shared with ``tests/browser``, which serves the same app with uvicorn.
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient

from b12ms.diet import FoodTable, Intakes
from b12ms.knowledge import Knowledge
from b12ms.web.pages import PagesContext, create_pages_router, mount_static
from b12ms.web.security import CONTENT_SECURITY_POLICY

SECRET = b"pages-test-secret-0123456789abcdef"
TODAY = date(2026, 11, 1)
TOKEN = "pages-test-token-0123456789"
CSP = CONTENT_SECURITY_POLICY  # the policy the app sends (b12ms.web.security)

FormData = Mapping[str, str | Sequence[str]]

# A realistic person: MS diagnosed, vegan, on metformin and omeprazole, borderline B12, raised MMA.
REALISTIC: dict[str, str | list[str]] = {
    "age": "52",
    "sex": "female",
    "ms": "diagnosed",
    "pregnant": "no",
    "diet": "vegan",
    "medications-0": "metformin",
    "medications-1": "Losec",
    "medications-2": "fingolimod",
    "symptoms": ["fatigue", "paraesthesia", "cognitive_difficulties"],
    "labs-0-analyte": "total_b12",
    "labs-0-value": "240",
    "labs-0-unit": "ng/L",
    "labs-0-date": "2026-10-12",
    "labs-0-ref_low": "197",
    "labs-0-ref_high": "771",
    "labs-1-analyte": "mma",
    "labs-1-value": "410",
    "labs-1-unit": "nmol/L",
    "labs-1-date": "2026-10-20",
    "labs-1-ref_high": "280",
}

# Suspected MS after nitrous oxide, with red-flag signs: urgent.
URGENT: dict[str, str | list[str]] = {
    "age": "23",
    "sex": "male",
    "ms": "suspected",
    "diet": "omnivore",
    "nitrous_oxide": "yes",
    "symptoms": ["paraesthesia", "balance_problems", "numbness"],
    "signs": ["positive_romberg", "symmetric_dorsal_column_mri"],
    "labs-0-analyte": "total_b12",
    "labs-0-value": "310",
    "labs-0-unit": "pg/mL",
    "labs-0-date": "2026-10-30",
}


def build_app(
    kb: Knowledge,
    foods: FoodTable,
    intakes: Intakes,
    *,
    store_url: str,
    token: str | None = None,
    csp: bool = False,
) -> tuple[FastAPI, PagesContext]:
    """The pages on a bare FastAPI app, as the lead's app factory mounts them."""
    context = PagesContext(
        kb=kb,
        foods=foods,
        intakes=intakes,
        store_url=store_url,
        csrf_secret=SECRET,
        access_token=token,
        today=lambda: TODAY,
    )
    app = FastAPI(docs_url=None, redoc_url=None, openapi_url=None)
    app.include_router(create_pages_router(context))
    mount_static(app)
    if csp:

        @app.middleware("http")
        async def add_csp(request: Any, call_next: Any) -> Any:
            response = await call_next(request)
            response.headers["Content-Security-Policy"] = CSP
            return response

    return app, context


def csrf_token(page: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert found, "the page has no CSRF token"
    return found.group(1)


def answers_field(page: str) -> str:
    found = re.search(r'name="answers" value="([^"]+)"', page)
    assert found, "the page carries no signed answers"
    return html.unescape(found.group(1))


def text_of(page: str) -> str:
    """The page's visible words, tags removed and spaces collapsed."""
    body = re.sub(r"<(script|style)\b.*?</\1>", " ", page, flags=re.S)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", body)).split())


def post_form(client: TestClient, path: str, data: FormData, *, token_from: str = "/assess", **kwargs: Any) -> Any:
    """POST ``data`` with the CSRF token of the page at ``token_from`` (which also sets the cookie)."""
    token = csrf_token(client.get(token_from).text)
    return client.post(path, data={**data, "csrf_token": token}, **kwargs)


def field_error(page: str, name: str) -> str | None:
    """The error message shown beside the field ``name``, if any."""
    found = re.search(rf'<p class="error-message" id="{re.escape(name)}-error">(.*?)</p>', page, flags=re.S)
    return text_of(found.group(1)).removeprefix("Error: ") if found else None
