"""FHIR input → PatientSnapshot (+ notes), and the assessment of FHIR input.

::

    from b12ms.fhir import assess_fhir, fhir_to_snapshot
    snapshot, notes = fhir_to_snapshot(bundle_json, kb, as_of)
    result = assess_fhir(bundle_json, kb, as_of)   # result.assessment has the notes as findings

One person per input: a second Patient, or a resource about another patient, is an input error
(mixing two people's results is a hazard). Errors that the snapshot or the engine find (a value
outside the plausible range, a negative value) are reported at the FHIR location they came from.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, cast

from fhir.resources.R4B.operationoutcome import OperationOutcome
from fhir.resources.R4B.patient import Patient

from b12ms.engine import Assessment, PatientSnapshot, assess
from b12ms.errors import InputError, Problem
from b12ms.fhir.builder import Builder, concept_text
from b12ms.fhir.codes import code_table
from b12ms.fhir.conditions import map_condition
from b12ms.fhir.dates import age_range
from b12ms.fhir.medications import map_medication, supplement_json
from b12ms.fhir.notes import MappingNote, merge_notes
from b12ms.fhir.observations import map_observation
from b12ms.fhir.resources import Located, ReferenceIndex, read_fhir_input
from b12ms.inputs import validate_input
from b12ms.knowledge import Knowledge
from b12ms.knowledge.schema import VocabularyKind

__all__ = [
    "FhirAssessment",
    "FhirMapping",
    "OutOfScopeError",
    "assess_fhir",
    "assess_mapping",
    "fhir_to_snapshot",
    "map_fhir",
    "map_resources",
]

_MEDICINES = ("MedicationStatement", "MedicationRequest", "MedicationAdministration")
_SUBJECT_TYPES = ("Observation", "Condition", *_MEDICINES)
_QUIETLY_READ = ("Medication", "Bundle")  # read through references / never a clinical fact
_SNAPSHOT_LISTS: tuple[tuple[VocabularyKind, str], ...] = (
    ("condition", "conditions"),
    ("surgery", "surgery"),
    ("medication", "medications"),
    ("exposure", "exposures"),
    ("symptom", "symptoms"),
    ("sign", "signs"),
)
MIN_AGE, MAX_AGE = 16, 120


class OutOfScopeError(InputError):
    """The person is outside what b12ms assesses (NICE NG239 covers people aged 16 and over)."""


@dataclass(frozen=True)
class FhirMapping:
    """A snapshot built from FHIR, the notes about what was not used, and where each lab came from."""

    snapshot: PatientSnapshot
    notes: tuple[MappingNote, ...]
    lab_sources: tuple[str, ...]
    """The FHIR reference (``Observation/abc``) of each ``snapshot.labs[i]``."""
    patient: str | None
    """``Patient/<id>`` when the input names the person."""
    field_paths: Mapping[str, str]

    def locate(self, problem: Problem) -> Problem:
        """The problem with its snapshot path (``labs[2].value``) replaced by the FHIR location."""
        path = problem.path
        best = max(
            (k for k in self.field_paths if path == k or path.startswith((k + ".", k + "["))), key=len, default=None
        )
        if best is None:
            return problem
        message = problem.message
        if best.startswith("labs[") and "]" in best:
            ref = self.lab_sources[int(best[5 : best.index("]")])]
            message = f"{ref}: {message}"
        return Problem(self.field_paths[best] + path[len(best) :], message, problem.suggestion)


@dataclass(frozen=True)
class FhirAssessment:
    assessment: Assessment
    mapping: FhirMapping

    def used_observations(self) -> list[str]:
        """References of the Observations the assessment used (its basis)."""
        return [ref for ref, lab in zip(self.mapping.lab_sources, self.assessment.labs, strict=True) if lab.used]


def _reference(resource: Any) -> tuple[str | None, str]:
    for field in ("subject", "patient"):
        value = getattr(resource, field, None)
        if value is not None and value.reference:
            return str(value.reference), f".{field}.reference"
    return None, ""


def _one_person(located: Sequence[Located], index: ReferenceIndex, patient: str | None) -> str | None:
    """The person's key (``Patient/1``); InputError when the input mixes people."""
    problems: list[Problem] = []
    expected = patient
    patients = [item for item in located if item.type == "Patient"]
    for item in patients:
        key = index.key(item.full_url) if item.full_url else item.ref
        if expected is None:
            expected = key
        elif key != expected:
            problems.append(
                Problem(item.path, f"a second person ({key}, after {expected}): b12ms assesses one person at a time")
            )
    for item in located:
        if item.type not in _SUBJECT_TYPES:
            continue
        reference, at = _reference(item.resource)
        if reference is None:
            continue
        key = index.key(reference)
        if not key.startswith(("Patient/", "urn:")):
            problems.append(Problem(item.path + at, f"{item.ref}: the subject {key} is not a Patient"))
        elif expected is None:
            expected = key
        elif key != expected:
            problems.append(
                Problem(
                    item.path + at,
                    f"{item.ref} is about {key}, but this input is about {expected}: "
                    "b12ms assesses one person at a time",
                )
            )
    if problems:
        raise InputError(problems)
    return expected


def _map_patient(located: Located, b: Builder) -> None:
    patient = cast(Patient, located.resource)
    if patient.gender is not None:
        b.data["sex"] = patient.gender
        b.field_paths["sex"] = located.path + ".gender"
    if patient.birthDate is None:
        return
    at = located.path + ".birthDate"
    ages = age_range(patient.birthDate, b.as_of)
    if ages is None:
        raise InputError(Problem(at, f"{patient.birthDate!r} is not a date"))
    youngest, oldest = ages
    if oldest < MIN_AGE:
        raise OutOfScopeError(
            Problem(
                at,
                f"{located.ref} is {oldest} on {b.as_of}; b12ms follows NICE NG239, which "
                f"covers people aged {MIN_AGE} and over",
            )
        )
    if youngest > MAX_AGE or youngest < 0:
        raise InputError(Problem(at, f"{located.ref}: an age of {youngest} on {b.as_of} is not plausible"))
    age = max(youngest, MIN_AGE)
    if youngest != oldest:
        b.note(
            "caveat",
            located,
            f"the birth date {patient.birthDate} is partial; age taken as {age} (between {youngest} and {oldest}).",
            at=".birthDate",
        )
    b.data["age"] = age
    b.field_paths["age"] = at


def _server_outcome(located: Located, b: Builder) -> None:
    outcome = cast(OperationOutcome, located.resource)
    for issue in outcome.issue or []:
        if issue.severity in ("fatal", "error", "warning"):
            said = issue.diagnostics or concept_text(issue.details) or issue.code
            b.note("server", located, f"the FHIR server reported {issue.severity} '{said}'; some data may be missing.")


def _decide_pregnancy(b: Builder) -> None:
    fresh = []
    for item in b.pregnancy:
        if item.day is not None and (b.as_of - item.day).days > b.table.pregnancy_stale_after_days:
            if item.pregnant:
                b.note(
                    "record_status",
                    item.located,
                    f"pregnancy recorded on {item.day} is more than "
                    f"{b.table.pregnancy_stale_after_days} days before {b.as_of}; not taken as current.",
                    at=item.field,
                )
            continue
        fresh.append(item)
    if not fresh:
        return
    dated = sorted((i for i in fresh if i.day is not None), key=lambda i: cast(date, i.day))
    chosen = dated[-1] if dated else fresh[-1]
    if chosen.day is None:
        b.note("caveat", chosen.located, "pregnancy is recorded without a date; taken as current.")
    b.data["pregnant"] = chosen.pregnant
    b.field_paths["pregnant"] = chosen.located.path + chosen.field


def _superseded(b: Builder) -> None:
    """Say so when the newest result of a test could not be read and an older one decides."""
    for note in [n for n in b.notes if n.kind == "unreadable" and n.analyte is not None]:
        readable = [date.fromisoformat(lab["date"]) for lab in b.labs if lab["analyte"] == note.analyte]
        if readable and (note.date is None or note.date >= max(readable)):
            name = b.analyte_name(cast(str, note.analyte))
            when = f" ({note.date})" if note.date else ""
            b.notes.append(
                MappingNote(
                    "superseded",
                    "labs.latest",
                    note.resource,
                    note.path,
                    f"{note.resource}: the newest {name} result{when} could not be read, so the "
                    f"older result of {max(readable)} is the one used.",
                    note.analyte,
                    note.date,
                )
            )


def map_resources(located: Sequence[Located], kb: Knowledge, as_of: date, *, patient: str | None = None) -> FhirMapping:
    """Map located resources (one person's) to a snapshot; ``patient`` (``Patient/<id>``) when known."""
    index = ReferenceIndex(located)
    person = _one_person(located, index, patient)
    b = Builder(kb, code_table(kb), as_of, index)
    ignored: Counter[str] = Counter()
    for item in located:
        kind = item.type
        if kind == "Patient":
            _map_patient(item, b)
        elif kind == "Observation":
            map_observation(item, b)
        elif kind == "Condition":
            map_condition(item, b)
        elif kind in _MEDICINES:
            map_medication(item, b)
        elif kind == "OperationOutcome":
            _server_outcome(item, b)
        elif kind not in _QUIETLY_READ:
            ignored[kind] += 1
    if ignored:
        listed = ", ".join(f"{kind} ({count})" for kind, count in sorted(ignored.items()))
        b.notes.append(
            MappingNote(
                "ignored",
                "input.unknown_term",
                "",
                "",
                f"Resources of types b12ms does not read were not used: {listed}.",
            )
        )
    _superseded(b)
    _decide_pregnancy(b)
    if b.ms:
        b.data["ms"] = "diagnosed" if any(status == "diagnosed" for status, _ in b.ms) else "suspected"
    data: dict[str, Any] = {"as_of": as_of.isoformat(), **b.data}
    for kind, field in _SNAPSHOT_LISTS:
        if b.terms.get(kind):
            data[field] = b.terms[kind]
    supplements = supplement_json(b.supplements)
    for position, (_, source) in enumerate(supplements):
        b.field_paths[f"supplements[{position}]"] = source.path
    data["supplements"] = [entry for entry, _ in supplements]
    data["labs"] = b.labs
    paths = dict(b.field_paths)
    try:
        snapshot = validate_input(PatientSnapshot, data)
    except InputError as error:
        partial = FhirMapping(PatientSnapshot(), (), tuple(b.lab_refs), person, paths)
        raise InputError([partial.locate(p) for p in error.problems]) from None
    return FhirMapping(snapshot, tuple(b.notes), tuple(b.lab_refs), person, paths)


def map_fhir(data: Any, kb: Knowledge, as_of: date) -> FhirMapping:
    """Map a Bundle, a list of resources or one resource (decoded JSON) to a snapshot with notes."""
    return map_resources(read_fhir_input(data), kb, as_of)


def fhir_to_snapshot(data: Any, kb: Knowledge, as_of: date) -> tuple[PatientSnapshot, list[MappingNote]]:
    """The snapshot and the notes about what was not used; InputError names FHIR locations."""
    mapping = map_fhir(data, kb, as_of)
    return mapping.snapshot, list(mapping.notes)


def assess_mapping(mapping: FhirMapping, kb: Knowledge, as_of: date) -> FhirAssessment:
    """Assess a mapped snapshot; engine errors are reported at their FHIR locations."""
    try:
        assessment = assess(mapping.snapshot, kb, as_of)
    except InputError as error:
        raise InputError([mapping.locate(p) for p in error.problems]) from None
    if [r.analyte for r in assessment.labs] != [lab.analyte for lab in mapping.snapshot.labs]:
        # The engine returns one reading per snapshot lab, in order; the basis depends on it.
        raise RuntimeError("engine lab readings no longer line up with the snapshot labs")
    return FhirAssessment(merge_notes(assessment, mapping.notes, kb), mapping)


def assess_fhir(data: Any, kb: Knowledge, as_of: date) -> FhirAssessment:
    """Read FHIR input and assess it: the assessment carries the mapping notes among its findings."""
    return assess_mapping(map_fhir(data, kb, as_of), kb, as_of)
