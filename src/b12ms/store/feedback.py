"""CDS Hooks feedback outcomes, stored idempotently for the CDS Hooks service.

CDS Hooks 2.0, "Feedback": the EHR POSTs ``{"feedback": [{"card": uuid, "outcome": "accepted" |
"overridden", "acceptedSuggestions": [{"id": ...}], "overrideReason": {"reason": Coding,
"userComment": str}, "outcomeTimestamp": instant}]}`` to ``{baseUrl}/cds-services/{id}/feedback``.
An EHR may send the same report again; (service, card, outcomeTimestamp) identifies an outcome,
so a resend is recognised and changes nothing (``test_the_same_feedback_twice_is_stored_once``).
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any, get_args

from sqlalchemy import Connection, select

from b12ms.errors import InputError, Problem
from b12ms.store import schema
from b12ms.store.records import CdsFeedback, FeedbackOutcome
from b12ms.store.rows import insert_ignoring_duplicates

__all__ = ["insert_feedback", "select_feedback"]


def _problems(
    service_id: str, card_uuid: str, outcome: str, outcome_timestamp: datetime, override_reason: object
) -> list[Problem]:
    problems = []
    if not service_id:
        problems.append(Problem("service_id", "is required"))
    if not card_uuid:
        problems.append(Problem("card", "is required"))
    if outcome not in get_args(FeedbackOutcome):
        problems.append(Problem("outcome", "must be accepted or overridden"))
    if outcome_timestamp.tzinfo is None or outcome_timestamp.utcoffset() is None:
        problems.append(Problem("outcomeTimestamp", "needs a time zone"))
    if override_reason is not None and outcome != "overridden":
        problems.append(Problem("overrideReason", "belongs only to an overridden card"))
    return problems


def _json_or_none(value: object) -> str | None:
    return None if value is None else json.dumps(value, sort_keys=True, ensure_ascii=False)


def insert_feedback(
    connection: Connection,
    *,
    service_id: str,
    card_uuid: str,
    outcome: FeedbackOutcome,
    outcome_timestamp: datetime,
    hook_instance: str | None,
    override_reason: dict[str, Any] | None,
    accepted_suggestions: list[dict[str, Any]] | None,
    received_at: datetime,
) -> bool:
    """Insert one outcome unless already recorded; True if inserted. InputError for a malformed one."""
    problems = _problems(service_id, card_uuid, outcome, outcome_timestamp, override_reason)
    if problems:
        raise InputError(problems)
    values = {
        "service_id": service_id,
        "card_uuid": card_uuid,
        "hook_instance": hook_instance,
        "outcome": outcome,
        "override_reason_json": _json_or_none(override_reason),
        "accepted_suggestions_json": _json_or_none(accepted_suggestions),
        "outcome_timestamp": outcome_timestamp,
        "received_at": received_at,
    }
    return insert_ignoring_duplicates(
        connection, schema.cds_feedback, values, ["service_id", "card_uuid", "outcome_timestamp"]
    )


def select_feedback(connection: Connection, service_id: str | None) -> list[CdsFeedback]:
    """Recorded outcomes (of one service, or all), oldest outcome first."""
    table = schema.cds_feedback
    query = select(table).order_by(table.c.outcome_timestamp, table.c.id)
    if service_id is not None:
        query = query.where(table.c.service_id == service_id)
    return [
        CdsFeedback(
            service_id=row.service_id,
            card_uuid=row.card_uuid,
            outcome=row.outcome,
            outcome_timestamp=row.outcome_timestamp,
            hook_instance=row.hook_instance,
            override_reason=None if row.override_reason_json is None else json.loads(row.override_reason_json),
            accepted_suggestions=(
                None if row.accepted_suggestions_json is None else json.loads(row.accepted_suggestions_json)
            ),
            received_at=row.received_at,
        )
        for row in connection.execute(query)
    ]
