"""The answers embedded in a result page are signed: altered or foreign answers are refused."""

from __future__ import annotations

from datetime import date

import pytest
from fastapi.testclient import TestClient

from b12ms.engine.parse import parse_snapshot
from b12ms.web.csrf import derive_key
from b12ms.web.pages.signed import BadSignatureError, sign_answers, verify_answers

from .support import REALISTIC, SECRET, answers_field, post_form

KEY = derive_key(SECRET, "answers")
SNAPSHOT = parse_snapshot(
    {"age": 40, "labs": [{"analyte": "total_b12", "value": 150.0, "unit": "ng/L", "date": "2026-10-01"}]}
)


def test_signed_answers_read_back_the_same() -> None:
    token = sign_answers(KEY, SNAPSHOT, date(2026, 11, 1))
    back = verify_answers(KEY, token)
    assert back.snapshot == SNAPSHOT
    assert back.as_of == date(2026, 11, 1)


def test_a_changed_payload_is_refused() -> None:
    payload, signature = sign_answers(KEY, SNAPSHOT, date(2026, 11, 1)).split(".")
    tampered = ("A" if payload[0] != "A" else "B") + payload[1:]
    with pytest.raises(BadSignatureError):
        verify_answers(KEY, f"{tampered}.{signature}")


@pytest.mark.parametrize("token", [None, "", "no-dot", "a.b.c", "!!!.???"])
def test_malformed_answers_are_refused(token: str | None) -> None:
    with pytest.raises(BadSignatureError):
        verify_answers(KEY, token)


def test_answers_signed_for_csrf_are_not_answers() -> None:
    token = sign_answers(derive_key(SECRET, "csrf"), SNAPSHOT, date(2026, 11, 1))
    with pytest.raises(BadSignatureError):
        verify_answers(KEY, token)


def test_a_pdf_request_with_altered_answers_is_400(client: TestClient) -> None:
    page = post_form(client, "/assess", REALISTIC).text
    payload, signature = answers_field(page).split(".")
    response = post_form(client, "/assess/pdf", {"answers": payload[:-2] + "." + signature})
    assert response.status_code == 400
