"""Mapping notes: what the FHIR adapter could not use, or used with a caveat, reported as findings.

The engine only sees a :class:`~b12ms.engine.PatientSnapshot`; what the FHIR input said that the
snapshot cannot carry (an unknown code, a unit b12ms does not read, an entered-in-error result, a
preliminary result) becomes a :class:`MappingNote`, and :func:`merge_notes` adds the notes to the
assessment's findings under a rule the knowledge holds, so nothing is dropped silently
(``tests/fhir/test_input_mapping.py::test_unknown_code_becomes_a_finding``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Literal

from b12ms.engine.assessment import Assessment, Finding
from b12ms.knowledge import Knowledge

__all__ = ["MappingNote", "NoteKind", "merge_notes"]

NoteKind = Literal["unknown_code", "unreadable", "record_status", "ignored", "server", "superseded", "caveat"]
"""What a note is about; the CDS cards use it (a result that cannot be read is shown on a card)."""


@dataclass(frozen=True, slots=True)
class MappingNote:
    """One thing the FHIR input said that the assessment did not use as given.

    ``message`` is a full sentence that starts with the resource (``Observation/abc: code 1234-5
    is not recognised; not used.``); ``analyte`` is set when a lab result of that analyte was not
    read, ``date`` when the record has one.
    """

    kind: NoteKind
    rule: str
    resource: str
    path: str
    message: str
    analyte: str | None = None
    date: date | None = None


def merge_notes(assessment: Assessment, notes: Iterable[MappingNote], kb: Knowledge) -> Assessment:
    """The assessment with the notes first among its findings, each citing its rule's references."""
    extra = [Finding(rule=n.rule, message=n.message, references=list(kb.rules[n.rule].references)) for n in notes]
    if not extra:
        return assessment
    return assessment.model_copy(update={"findings": extra + list(assessment.findings)})
