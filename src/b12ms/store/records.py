"""What the history store hands back: small frozen records, no database types.

Adapters (the CLI, the web pages, the report) read these; none of them needs SQLAlchemy.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Literal

from b12ms.engine import Assessment, PatientSnapshot

__all__ = [
    "CHART_ANALYTES",
    "CdsFeedback",
    "FeedbackOutcome",
    "ImportSummary",
    "LabPoint",
    "Person",
    "SavedAssessment",
    "StoredAssessment",
    "TreatmentEvent",
    "TreatmentKind",
    "TreatmentPhase",
]

# The analytes the history page charts, in the order it shows them.
CHART_ANALYTES: tuple[str, ...] = ("total_b12", "active_b12", "mma", "homocysteine", "folate")

TreatmentKind = Literal["b12_injection", "oral_b12", "sublingual_b12", "b12_route_not_stated", "biotin"]
# "started" and "last_taken" come from a snapshot's supplements; "given" is one dose (an injection).
TreatmentPhase = Literal["started", "last_taken", "given"]
FeedbackOutcome = Literal["accepted", "overridden"]


@dataclass(frozen=True, slots=True)
class Person:
    id: int
    uid: str
    display_name: str
    created_at: datetime


@dataclass(frozen=True, slots=True)
class SavedAssessment:
    """One saved assessment as a list shows it (the documents themselves are not parsed)."""

    id: int
    uid: str
    person_id: int
    as_of: date
    created_at: datetime
    status: str
    urgency: str
    b12ms_version: str
    knowledge_version: str
    knowledge_sha256: str


@dataclass(frozen=True, slots=True)
class StoredAssessment:
    """A saved assessment with the exact snapshot it was made from."""

    saved: SavedAssessment
    snapshot: PatientSnapshot
    assessment: Assessment


@dataclass(frozen=True, slots=True)
class LabPoint:
    """One point of an analyte's chart, in the analyte's canonical unit."""

    date: date
    value: float
    unit: str


@dataclass(frozen=True, slots=True)
class TreatmentEvent:
    kind: TreatmentKind
    event: TreatmentPhase
    date: date
    note: str | None = None


@dataclass(frozen=True, slots=True)
class CdsFeedback:
    service_id: str
    card_uuid: str
    outcome: FeedbackOutcome
    outcome_timestamp: datetime
    hook_instance: str | None
    override_reason: dict[str, object] | None
    accepted_suggestions: list[dict[str, object]] | None
    received_at: datetime


@dataclass(frozen=True, slots=True)
class ImportSummary:
    """Counts of what an import added and what it found already present (and so skipped)."""

    people_added: int = 0
    people_matched: int = 0
    assessments_added: int = 0
    assessments_skipped: int = 0
    lab_results_added: int = 0
    lab_results_skipped: int = 0
    treatment_events_added: int = 0
    treatment_events_skipped: int = 0
