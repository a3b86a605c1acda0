"""The history store's tables (SQLAlchemy Core), written once here and built by the migrations.

Portable on purpose: plain types that SQLite and PostgreSQL both have, timestamps kept as UTC
ISO-8601 text so that equality (and so de-duplication) never depends on a driver's time-zone
handling, and every uniqueness rule the import relies on is a real constraint in the database.

Tables: ``person`` (a pseudonym the user chooses, never a real-world identifier we ask for),
``lab_result``, ``treatment_event``, ``assessment``, ``cds_feedback`` and ``schema_version``.
A person's rows go when the person goes (``ON DELETE CASCADE``; pinned by
``test_deleting_a_person_removes_their_rows``).
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import (
    CheckConstraint,
    Column,
    Date,
    Dialect,
    Double,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.types import TypeDecorator

__all__ = [
    "UTCDateTime",
    "assessment",
    "cds_feedback",
    "lab_result",
    "metadata",
    "person",
    "schema_version",
    "treatment_event",
]


class UTCDateTime(TypeDecorator[datetime]):
    """An aware datetime stored as fixed-width UTC text (``2026-11-01T09:30:00.000000+00:00``).

    Fixed width makes the text sort in time order; normalising to UTC makes two spellings of
    one instant the same key (``test_feedback_with_the_same_instant_in_another_offset_is_a_duplicate``).
    """

    impl = String(32)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> str | None:
        if value is None:
            return None
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError("the history store keeps aware datetimes only (give a time zone)")
        return value.astimezone(UTC).isoformat(timespec="microseconds")

    def process_result_value(self, value: str | None, dialect: Dialect) -> datetime | None:
        return None if value is None else datetime.fromisoformat(value)


# Stable constraint names keep future ALTER migrations writable on both back ends.
metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

schema_version = Table(
    "schema_version",
    metadata,
    Column("version", Integer, primary_key=True, autoincrement=False),
    Column("description", Text, nullable=False),
    Column("applied_at", UTCDateTime, nullable=False),
)

person = Table(
    "person",
    metadata,
    Column("id", Integer, primary_key=True),
    # Stable across stores: export/import match people by uid, never by database id.
    Column("uid", String(36), nullable=False, unique=True),
    Column("display_name", String(80), nullable=False, unique=True),
    Column("created_at", UTCDateTime, nullable=False),
    # Ids appear in page addresses; never reusing one means a stale link cannot show another person.
    sqlite_autoincrement=True,
)

lab_result = Table(
    "lab_result",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("person_id", ForeignKey("person.id", ondelete="CASCADE"), nullable=False),
    Column("analyte", String(40), nullable=False),  # the knowledge's analyte id, not the name typed
    Column("date", Date, nullable=False),
    Column("value", Double),  # as reported, in ``unit``
    Column("unit", String(40)),
    Column("result", String(40)),  # qualitative tests (positive / negative)
    Column("canonical_value", Double),  # the engine's conversion: what the charts plot
    Column("canonical_unit", String(40)),
    Column("reference_low", Double),  # the laboratory's range, in canonical_unit
    Column("reference_high", Double),
    Column("source", String(40), nullable=False),
    # analyte, date, value, unit and result as canonical JSON: the record's identity. A column
    # rather than a five-column UNIQUE because NULLs never collide in SQL uniqueness.
    Column("identity_key", String(400), nullable=False),
    UniqueConstraint("person_id", "identity_key"),
    CheckConstraint("(value IS NULL) <> (result IS NULL)", name="value_or_result"),
    Index(None, "person_id", "analyte", "date"),
)

treatment_event = Table(
    "treatment_event",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("person_id", ForeignKey("person.id", ondelete="CASCADE"), nullable=False),
    Column("kind", String(40), nullable=False),  # b12_injection, oral_b12, ..., biotin
    Column("event", String(20), nullable=False),  # started, last_taken, given
    Column("date", Date, nullable=False),
    Column("note", Text),
    UniqueConstraint("person_id", "kind", "event", "date"),
)

assessment = Table(
    "assessment",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("uid", String(36), nullable=False, unique=True),
    Column("person_id", ForeignKey("person.id", ondelete="CASCADE"), nullable=False),
    Column("as_of", Date, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    # Copied out of assessment_json so that lists need not parse every document.
    Column("status", String(40), nullable=False),
    Column("urgency", String(20), nullable=False),
    # The exact input and output, as JSON text: text keeps every digit the engine produced.
    Column("snapshot_json", Text, nullable=False),
    Column("assessment_json", Text, nullable=False),
    Column("b12ms_version", String(40), nullable=False),
    Column("knowledge_version", String(40), nullable=False),
    Column("knowledge_sha256", String(64), nullable=False),
    Index(None, "person_id", "as_of"),
    sqlite_autoincrement=True,  # as for person: a saved assessment's address is never reused
)

# CDS Hooks feedback (spec 2.0, "Feedback"): one row per card outcome an EHR reports. The EHR may
# resend a report, so (service, card, outcomeTimestamp) is unique and a resend changes nothing.
cds_feedback = Table(
    "cds_feedback",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("service_id", String(200), nullable=False),
    Column("card_uuid", String(100), nullable=False),
    Column("hook_instance", String(100)),
    Column("outcome", String(20), nullable=False),
    Column("override_reason_json", Text),  # {"reason": Coding, "userComment": str}, as sent
    Column("accepted_suggestions_json", Text),  # [{"id": ...}], as sent
    Column("outcome_timestamp", UTCDateTime, nullable=False),
    Column("received_at", UTCDateTime, nullable=False),
    UniqueConstraint("service_id", "card_uuid", "outcome_timestamp"),
    CheckConstraint("outcome IN ('accepted', 'overridden')", name="outcome"),
)
