"""``Assessment``: what the engine concludes, with the rule and references behind each part.

The field names and vocabularies are a public contract (CLI ``--format json``, the API, FHIR and
CDS adapters all serialise this model); change them only with a version bump.
"""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict

__all__ = [
    "Assessment",
    "Cb12Result",
    "Finding",
    "FlagOut",
    "LabReading",
    "ManagementItem",
    "Status",
    "Testing",
    "Urgency",
    "Versions",
]

Status = Literal["deficiency_likely", "indeterminate", "deficiency_unlikely", "not_interpretable", "no_result"]
Urgency = Literal["routine", "soon", "urgent"]
Indication = Literal["offer", "clinical_judgement", "not_indicated"]


class _Out(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Versions(_Out):
    b12ms: str
    knowledge: str
    knowledge_sha256: str


class Testing(_Out):
    indication: Indication
    first_tests: list[str]


class FlagOut(_Out):
    id: str
    severity: Literal["info", "warning", "critical"]
    message: str
    references: list[str]


class Finding(_Out):
    rule: str
    message: str
    references: list[str]


class Cb12Result(_Out):
    computable: bool
    value: float | None
    category: str | None
    reason: str


class ManagementItem(_Out):
    id: str
    text: str
    references: list[str]


class LabReading(_Out):
    """How one lab result was read: converted value, band and whether it was used."""

    analyte: str
    date: date
    value: float | None
    unit: str | None
    result: str | None
    canonical_value: float | None
    canonical_unit: str | None
    band: Literal["low", "indeterminate", "normal"] | None
    reference_low: float | None
    reference_high: float | None
    used: bool
    not_read_because: list[str]


class Assessment(_Out):
    versions: Versions
    as_of: date
    status: Status
    testing: Testing
    next_tests: list[str]
    urgency: Urgency
    risk_factors: list[str]
    flags: list[FlagOut]
    findings: list[Finding]
    cb12: Cb12Result
    management: list[ManagementItem]
    missing: list[str]
    labs: list[LabReading]
