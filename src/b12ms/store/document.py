"""The history export format (``b12ms-history``, version 1) and the import that reads it back.

A document holds people with everything saved for them: lab results, treatment events and
assessments (each with the exact snapshot it was made from). Database ids never appear; records
are matched by identity so that importing into a store that already holds some of them adds only
what is new (``test_importing_twice_adds_nothing_the_second_time``):

- a person by ``uid`` (a matched person keeps the display name this store gives them); a
  *different* person with the same display name is a conflict the user must resolve (merging
  two people's results by name would put one person's labs on another's chart);
- an assessment by ``uid``;
- a lab result by analyte, date, value, unit and result (see :func:`rows.lab_identity_key`);
- a treatment event by kind, phase and date.

Every list is written in a fixed order that does not depend on database ids, so export → import
into an empty store → export gives the same document (``test_export_import_export_is_lossless``).
Validation uses ``extra="forbid"`` models; a bad document raises InputError naming JSON paths.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import fields
from datetime import date
from typing import Annotated, Any, Literal
from uuid import UUID

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, StringConstraints, model_validator
from sqlalchemy import Connection, select

from b12ms._version import __version__
from b12ms.engine import Assessment, PatientSnapshot
from b12ms.errors import InputError, Problem
from b12ms.inputs import validate_input
from b12ms.store import rows, schema
from b12ms.store.records import ImportSummary, TreatmentEvent, TreatmentKind, TreatmentPhase

__all__ = ["FORMAT_ID", "FORMAT_VERSION", "HistoryDocument", "export_document", "import_document", "parse_document"]

FORMAT_ID = "b12ms-history"
FORMAT_VERSION = 1

DisplayName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=80)]
ShortText = Annotated[str, StringConstraints(min_length=1, max_length=40)]
Amount = Annotated[float, Field(ge=0, allow_inf_nan=False)]


class _Doc(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class LabResultDoc(_Doc):
    analyte: ShortText
    date: date
    value: Amount | None = None
    unit: ShortText | None = None
    result: ShortText | None = None
    canonical_value: Amount | None = None
    canonical_unit: ShortText | None = None
    reference_low: Amount | None = None
    reference_high: Amount | None = None
    source: ShortText

    @model_validator(mode="after")
    def _value_or_result(self) -> LabResultDoc:
        if (self.value is None) == (self.result is None):
            raise ValueError("a lab result has either a value or a result, not both and not neither")
        return self


class TreatmentEventDoc(_Doc):
    kind: TreatmentKind
    event: TreatmentPhase
    date: date
    note: str | None = None


class AssessmentDoc(_Doc):
    uid: UUID
    created_at: AwareDatetime
    snapshot: PatientSnapshot
    assessment: Assessment


class PersonDoc(_Doc):
    uid: UUID
    display_name: DisplayName
    created_at: AwareDatetime
    lab_results: tuple[LabResultDoc, ...] = ()
    treatment_events: tuple[TreatmentEventDoc, ...] = ()
    assessments: tuple[AssessmentDoc, ...] = ()


class HistoryDocument(_Doc):
    format: Literal["b12ms-history"]
    format_version: Literal[1]
    b12ms_version: str
    people: tuple[PersonDoc, ...] = ()


# --- export ------------------------------------------------------------------------------------


def _person_doc(connection: Connection, person: Any) -> PersonDoc:
    lab, event, saved = schema.lab_result, schema.treatment_event, schema.assessment
    labs = connection.execute(
        select(lab).where(lab.c.person_id == person.id).order_by(lab.c.date, lab.c.analyte, lab.c.identity_key)
    )
    events = connection.execute(
        select(event).where(event.c.person_id == person.id).order_by(event.c.date, event.c.kind, event.c.event)
    )
    assessments = connection.execute(
        select(saved).where(saved.c.person_id == person.id).order_by(saved.c.as_of, saved.c.created_at, saved.c.uid)
    )
    lab_fields = list(LabResultDoc.model_fields)
    return PersonDoc(
        uid=UUID(person.uid),
        display_name=person.display_name,
        created_at=person.created_at,
        lab_results=tuple(LabResultDoc(**{name: row._mapping[name] for name in lab_fields}) for row in labs),
        treatment_events=tuple(
            TreatmentEventDoc(kind=row.kind, event=row.event, date=row.date, note=row.note) for row in events
        ),
        assessments=tuple(
            AssessmentDoc(
                uid=UUID(row.uid),
                created_at=row.created_at,
                snapshot=PatientSnapshot.model_validate_json(row.snapshot_json),
                assessment=Assessment.model_validate_json(row.assessment_json),
            )
            for row in assessments
        ),
    )


def export_document(connection: Connection, person_ids: Sequence[int] | None) -> dict[str, Any]:
    """The history of ``person_ids`` (everyone when None) as a JSON-ready ``b12ms-history`` document."""
    query = select(schema.person).order_by(schema.person.c.display_name)
    if person_ids is not None:
        query = query.where(schema.person.c.id.in_(list(person_ids)))
    people = tuple(_person_doc(connection, person) for person in connection.execute(query))
    document = HistoryDocument(
        format=FORMAT_ID, format_version=FORMAT_VERSION, b12ms_version=__version__, people=people
    )
    return document.model_dump(mode="json")


# --- import ------------------------------------------------------------------------------------


def _duplicates_within(document: HistoryDocument) -> list[Problem]:
    problems: list[Problem] = []
    uids: set[UUID] = set()
    names: set[str] = set()
    assessment_uids: set[UUID] = set()
    for i, person in enumerate(document.people):
        if person.uid in uids:
            problems.append(Problem(f"people[{i}].uid", "appears twice in the document"))
        if person.display_name in names:
            problems.append(Problem(f"people[{i}].display_name", "is used by another person in the document"))
        uids.add(person.uid)
        names.add(person.display_name)
        for j, saved in enumerate(person.assessments):
            if saved.uid in assessment_uids:
                problems.append(Problem(f"people[{i}].assessments[{j}].uid", "appears twice in the document"))
            assessment_uids.add(saved.uid)
    return problems


def parse_document(data: Any) -> HistoryDocument:
    """Validate decoded JSON as a history document; InputError lists every problem with its path."""
    if not isinstance(data, dict):
        raise InputError("a b12ms history export is a JSON object")
    version = data.get("format_version")
    if data.get("format") == FORMAT_ID and isinstance(version, int) and version > FORMAT_VERSION:
        raise InputError(
            Problem(
                "format_version",
                f"is {version}, written by a newer b12ms; this one reads version {FORMAT_VERSION}: upgrade b12ms",
            )
        )
    document = validate_input(HistoryDocument, data)
    problems = _duplicates_within(document)
    if problems:
        raise InputError(problems)
    return document


def _match_people(connection: Connection, document: HistoryDocument) -> list[int | None]:
    """The store's id for each person in the document (None: new); InputError on any conflict."""
    person, saved = schema.person, schema.assessment
    matches: list[int | None] = []
    problems: list[Problem] = []
    for i, entry in enumerate(document.people):
        found = connection.execute(select(person.c.id).where(person.c.uid == str(entry.uid))).scalar_one_or_none()
        if found is None:
            clash = connection.execute(select(person.c.id).where(person.c.display_name == entry.display_name)).first()
            if clash is not None:
                problems.append(
                    Problem(
                        f"people[{i}].display_name",
                        "a different person in this store has this name; rename one of them, then import again",
                    )
                )
        for j, item in enumerate(entry.assessments):
            owner = connection.execute(
                select(saved.c.person_id).where(saved.c.uid == str(item.uid))
            ).scalar_one_or_none()
            if owner is not None and owner != found:
                problems.append(
                    Problem(f"people[{i}].assessments[{j}].uid", "is saved for a different person in this store")
                )
        matches.append(found)
    if problems:
        raise InputError(problems)
    return matches


def import_document(connection: Connection, data: Any) -> ImportSummary:
    """Add what ``data`` holds that the store does not; the caller's transaction makes it all-or-nothing.

    Imported records keep their own uids and timestamps, which is what makes a re-import a no-op.
    """
    document = parse_document(data)
    matches = _match_people(connection, document)
    counts = {field.name: 0 for field in fields(ImportSummary)}
    for entry, person_id in zip(document.people, matches, strict=True):
        if person_id is None:
            inserted = connection.execute(
                schema.person.insert().values(
                    uid=str(entry.uid), display_name=entry.display_name, created_at=entry.created_at
                )
            ).inserted_primary_key
            if inserted is None:
                raise RuntimeError("the database did not return the new person's id")
            person_id = int(inserted[0])
            counts["people_added"] += 1
        else:
            counts["people_matched"] += 1
        for lab in entry.lab_results:
            values = lab.model_dump(exclude={"source"})
            added = rows.insert_lab(connection, person_id, values, lab.source)
            counts["lab_results_added" if added else "lab_results_skipped"] += 1
        for event in entry.treatment_events:
            added = rows.insert_treatment(
                connection, person_id, TreatmentEvent(event.kind, event.event, event.date, event.note)
            )
            counts["treatment_events_added" if added else "treatment_events_skipped"] += 1
        for item in entry.assessments:
            exists = connection.execute(
                select(schema.assessment.c.id).where(schema.assessment.c.uid == str(item.uid))
            ).first()
            if exists is not None:
                counts["assessments_skipped"] += 1
                continue
            rows.insert_assessment(
                connection, person_id, str(item.uid), item.created_at, item.snapshot, item.assessment
            )
            counts["assessments_added"] += 1
    return ImportSummary(**counts)
