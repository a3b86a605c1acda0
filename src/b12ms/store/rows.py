"""Row-level reads and writes shared by the store and the import, each on a caller's connection.

Nothing here opens or commits a transaction: the caller's ``with write()`` block is the unit of
work, so a save or an import lands whole or not at all (``test_a_killed_writer_leaves_every_committed_record``).
"""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, Row, Table
from sqlalchemy.dialects import postgresql, sqlite

from b12ms.engine import Assessment, PatientSnapshot
from b12ms.engine.assessment import LabReading
from b12ms.store import schema
from b12ms.store.records import Person, SavedAssessment, TreatmentEvent

__all__ = [
    "insert_assessment",
    "insert_ignoring_duplicates",
    "insert_lab",
    "insert_treatment",
    "lab_identity_key",
    "lab_values_from_reading",
    "person_from_row",
    "saved_from_row",
]


def insert_ignoring_duplicates(
    connection: Connection, table: Table, values: dict[str, Any], conflict_columns: list[str]
) -> bool:
    """Insert one row unless it collides with ``conflict_columns``' unique constraint; True if inserted.

    ON CONFLICT DO NOTHING rather than look-then-insert: the constraint decides, so two writers
    racing on PostgreSQL cannot both insert. Only a uniqueness conflict is ignored; a foreign key
    or CHECK failure still raises.
    """
    name = connection.dialect.name
    if name == "sqlite":
        statement: Any = sqlite.insert(table).values(values).on_conflict_do_nothing(index_elements=conflict_columns)
    elif name == "postgresql":
        statement = postgresql.insert(table).values(values).on_conflict_do_nothing(index_elements=conflict_columns)
    else:  # open_store admits only these two back ends
        raise NotImplementedError(f"no idempotent insert for {name}")
    return bool(connection.execute(statement).rowcount == 1)


def lab_identity_key(analyte: str, when: date, value: float | None, unit: str | None, result: str | None) -> str:
    """What makes two lab results the same result: analyte, date, value, unit and qualitative result.

    The reference range, the source and the canonical value are not part of it: a result saved
    again with a later assessment, or imported from another store, is the same measurement.
    """
    return json.dumps([analyte, when.isoformat(), value, unit, result], separators=(",", ":"), ensure_ascii=False)


def lab_values_from_reading(reading: LabReading) -> dict[str, Any]:
    """The lab_result columns for one of an assessment's readings (units already resolved)."""
    return {
        "analyte": reading.analyte,
        "date": reading.date,
        "value": reading.value,
        "unit": reading.unit,
        "result": reading.result,
        "canonical_value": reading.canonical_value,
        "canonical_unit": reading.canonical_unit,
        "reference_low": reading.reference_low,
        "reference_high": reading.reference_high,
    }


def insert_lab(connection: Connection, person_id: int, values: dict[str, Any], source: str) -> bool:
    """Insert a lab result unless the person already has the same one; True if inserted."""
    key = lab_identity_key(values["analyte"], values["date"], values["value"], values["unit"], values["result"])
    row = {**values, "person_id": person_id, "source": source, "identity_key": key}
    return insert_ignoring_duplicates(connection, schema.lab_result, row, ["person_id", "identity_key"])


def insert_treatment(connection: Connection, person_id: int, event: TreatmentEvent) -> bool:
    """Insert a treatment event unless the person has one of that kind, phase and date; True if inserted."""
    row = {"person_id": person_id, "kind": event.kind, "event": event.event, "date": event.date, "note": event.note}
    return insert_ignoring_duplicates(connection, schema.treatment_event, row, ["person_id", "kind", "event", "date"])


def insert_assessment(
    connection: Connection,
    person_id: int,
    uid: str,
    created_at: datetime,
    snapshot: PatientSnapshot,
    result: Assessment,
) -> int:
    """Insert one assessment row with its exact snapshot and output; return its id."""
    versions = result.versions
    inserted = connection.execute(
        schema.assessment.insert().values(
            uid=uid,
            person_id=person_id,
            as_of=result.as_of,
            created_at=created_at,
            status=result.status,
            urgency=result.urgency,
            snapshot_json=snapshot.model_dump_json(),
            assessment_json=result.model_dump_json(),
            b12ms_version=versions.b12ms,
            knowledge_version=versions.knowledge,
            knowledge_sha256=versions.knowledge_sha256,
        )
    )
    key = inserted.inserted_primary_key
    if key is None:  # every back end we admit returns the new id
        raise RuntimeError("the database did not return the new assessment's id")
    return int(key[0])


def person_from_row(row: Row[Any]) -> Person:
    return Person(id=row.id, uid=row.uid, display_name=row.display_name, created_at=row.created_at)


def saved_from_row(row: Row[Any]) -> SavedAssessment:
    return SavedAssessment(
        id=row.id,
        uid=row.uid,
        person_id=row.person_id,
        as_of=row.as_of,
        created_at=row.created_at,
        status=row.status,
        urgency=row.urgency,
        b12ms_version=row.b12ms_version,
        knowledge_version=row.knowledge_version,
        knowledge_sha256=row.knowledge_sha256,
    )
