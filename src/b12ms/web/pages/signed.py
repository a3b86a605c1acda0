"""The answers behind a result page, carried in the page itself and signed, not kept on the server.

The result page embeds the validated snapshot and its assessment date in a hidden field, signed
with an HMAC (:class:`SignedAnswers`). "Download PDF", "Save to my history" and "Change my
answers" post it back; the server checks the signature, then assesses again (the engine is pure,
so the same snapshot, knowledge and date give the same answer).

Why not a server-side session or a temporary file: nothing a person types is stored unless they
press "save"; there is nothing to expire, clean up or leak after a crash; the page still works
after a restart (given the same secret). Why sign: so a PDF or a saved record is always built from
answers this server validated, never from a hand-edited field. Pinned by
``tests/web_pages/test_signed_answers.py``.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import date
from typing import Any

from b12ms.engine import PatientSnapshot

__all__ = ["ANSWERS_FIELD", "BadSignatureError", "SignedAnswers", "sign_answers", "verify_answers"]

ANSWERS_FIELD = "answers"
_VERSION = 1
_MAX_CHARS = 2_000_000


class BadSignatureError(ValueError):
    """The embedded answers were altered, truncated or signed with another secret."""


@dataclass(frozen=True, slots=True)
class SignedAnswers:
    snapshot: PatientSnapshot
    as_of: date


def _b64encode(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def _b64decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _mac(key: bytes, payload: bytes) -> bytes:
    return hmac.new(key, payload, hashlib.sha256).digest()


def sign_answers(key: bytes, snapshot: PatientSnapshot, as_of: date) -> str:
    """``payload.signature``, both base64url; the payload is the snapshot as JSON."""
    body: dict[str, Any] = {
        "v": _VERSION,
        "as_of": as_of.isoformat(),
        "snapshot": snapshot.model_dump(mode="json", exclude_none=True, exclude_defaults=True),
    }
    payload = json.dumps(body, separators=(",", ":"), sort_keys=True).encode("utf-8")
    return f"{_b64encode(payload)}.{_b64encode(_mac(key, payload))}"


def verify_answers(key: bytes, token: str | None) -> SignedAnswers:
    """The snapshot and date inside ``token``; :class:`BadSignatureError` if it is not ours."""
    if not token or len(token) > _MAX_CHARS or token.count(".") != 1:
        raise BadSignatureError("missing or malformed answers")
    encoded, signature = token.split(".")
    try:
        payload, given = _b64decode(encoded), _b64decode(signature)
    except (binascii.Error, ValueError):
        raise BadSignatureError("answers are not base64") from None
    if not hmac.compare_digest(_mac(key, payload), given):
        raise BadSignatureError("answers do not carry this server's signature")
    body = json.loads(payload)
    if body.get("v") != _VERSION:
        raise BadSignatureError("answers were signed by another version")
    return SignedAnswers(PatientSnapshot.model_validate(body["snapshot"]), date.fromisoformat(body["as_of"]))
