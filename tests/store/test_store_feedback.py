"""CDS Hooks feedback: stored once however often the EHR resends it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest

from b12ms.errors import InputError
from b12ms.store import Store

WHEN = datetime(2026, 11, 1, 9, 30, tzinfo=UTC)
REASON = {"reason": {"system": "http://example.org/override", "code": "already-treated"}, "userComment": "on IM"}


def test_the_same_feedback_twice_is_stored_once(store: Store) -> None:
    first = store.record_cds_feedback(
        service_id="b12ms-results", card_uuid="c1", outcome="overridden", outcome_timestamp=WHEN, override_reason=REASON
    )
    again = store.record_cds_feedback(
        service_id="b12ms-results", card_uuid="c1", outcome="overridden", outcome_timestamp=WHEN, override_reason=REASON
    )
    assert (first, again) == (True, False)
    [stored] = store.list_cds_feedback()
    assert (stored.card_uuid, stored.outcome, stored.override_reason) == ("c1", "overridden", REASON)
    assert stored.outcome_timestamp == WHEN


def test_feedback_with_the_same_instant_in_another_offset_is_a_duplicate(store: Store) -> None:
    store.record_cds_feedback(service_id="s", card_uuid="c1", outcome="accepted", outcome_timestamp=WHEN)
    in_paris = WHEN.astimezone(timezone(timedelta(hours=1)))
    assert not store.record_cds_feedback(service_id="s", card_uuid="c1", outcome="accepted", outcome_timestamp=in_paris)


def test_a_later_outcome_for_the_same_card_is_a_new_record(store: Store) -> None:
    store.record_cds_feedback(service_id="s", card_uuid="c1", outcome="accepted", outcome_timestamp=WHEN)
    later = WHEN + timedelta(minutes=5)
    assert store.record_cds_feedback(
        service_id="s", card_uuid="c1", outcome="accepted", outcome_timestamp=later, accepted_suggestions=[{"id": "x"}]
    )
    assert store.record_cds_feedback(service_id="other", card_uuid="c1", outcome="accepted", outcome_timestamp=WHEN)
    assert [f.accepted_suggestions for f in store.list_cds_feedback("s")] == [None, [{"id": "x"}]]


@pytest.mark.parametrize(
    ("changes", "path"),
    [
        ({"outcome": "ignored"}, "outcome"),
        ({"outcome_timestamp": datetime(2026, 11, 1, 9, 30)}, "outcomeTimestamp"),
        ({"outcome": "accepted", "override_reason": REASON}, "overrideReason"),
        ({"card_uuid": ""}, "card"),
    ],
)
def test_malformed_feedback_is_an_input_error_naming_the_field(
    store: Store, changes: dict[str, Any], path: str
) -> None:
    arguments = {"service_id": "s", "card_uuid": "c1", "outcome": "overridden", "outcome_timestamp": WHEN, **changes}
    with pytest.raises(InputError) as caught:
        store.record_cds_feedback(**arguments)
    assert [p.path for p in caught.value.problems] == [path]
    assert store.list_cds_feedback() == []
