"""The state one mapping run builds up: snapshot parts, their FHIR sources, and the notes.

Resource mappers (:mod:`.observations`, :mod:`.conditions`, :mod:`.medications`) write here;
:mod:`.mapping` turns it into a :class:`~b12ms.engine.PatientSnapshot`. Every snapshot field
remembers the FHIR path it came from, so an error the engine raises about ``labs[2].value`` is
reported as ``Bundle.entry[5].resource.valueQuantity.value``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from fhir.resources.R4B.codeableconcept import CodeableConcept

from b12ms.fhir.codes import CodeTable, Route
from b12ms.fhir.notes import MappingNote, NoteKind
from b12ms.fhir.resources import Located, ReferenceIndex
from b12ms.knowledge import Knowledge
from b12ms.knowledge.schema import VocabularyKind

__all__ = ["Builder", "PregnancyEvidence", "SupplementEvidence", "codings", "concept_text"]

Coding = tuple[str, str, str | None]
"""(system, code, display) of one coding; missing system or code is the empty string."""


def codings(concept: CodeableConcept | None) -> list[Coding]:
    if concept is None:
        return []
    return [(c.system or "", c.code or "", c.display) for c in concept.coding or [] if c.code]


def concept_text(concept: CodeableConcept | None) -> str | None:
    """The concept's text, else its first coding display."""
    if concept is None:
        return None
    if concept.text:
        return str(concept.text)
    for coding in concept.coding or []:
        if coding.display:
            return str(coding.display)
    return None


def describe_codes(concept: CodeableConcept | None) -> str:
    found = codings(concept)
    if found:
        return ", ".join(f"{code} ({system or 'no system'})" for system, code, _ in found)
    text = concept_text(concept)
    return f"text {text!r} without a code" if text else "no code"


@dataclass(frozen=True, slots=True)
class PregnancyEvidence:
    day: date | None
    pregnant: bool
    located: Located
    field: str


@dataclass(frozen=True, slots=True)
class SupplementEvidence:
    term: str
    route: Route | None
    started: date | None
    last_taken: date | None
    current: bool
    dose_mg_per_day: float | None
    located: Located


_RULE_BY_KIND: dict[NoteKind, str] = {
    "unknown_code": "input.unknown_term",
    "unreadable": "input.unknown_term",
    "ignored": "input.unknown_term",
    "server": "input.missing",
    "superseded": "labs.latest",
}


@dataclass
class Builder:
    kb: Knowledge
    table: CodeTable
    as_of: date
    index: ReferenceIndex
    notes: list[MappingNote] = field(default_factory=list)
    data: dict[str, Any] = field(default_factory=dict)
    labs: list[dict[str, Any]] = field(default_factory=list)
    lab_refs: list[str] = field(default_factory=list)
    field_paths: dict[str, str] = field(default_factory=dict)
    terms: dict[VocabularyKind, list[str]] = field(default_factory=dict)
    supplements: list[SupplementEvidence] = field(default_factory=list)
    pregnancy: list[PregnancyEvidence] = field(default_factory=list)
    ms: list[tuple[str, Located]] = field(default_factory=list)
    unread: list[tuple[str, date | None, str]] = field(default_factory=list)

    def note(
        self,
        kind: NoteKind,
        located: Located,
        message: str,
        *,
        at: str = "",
        analyte: str | None = None,
        day: date | None = None,
    ) -> None:
        """Record a note; ``at`` is the field inside the resource (``.valueQuantity.unit``)."""
        rule = _RULE_BY_KIND.get(kind, self.table.status_rule)
        ref = located.ref
        self.notes.append(MappingNote(kind, rule, ref, located.path + at, f"{ref}: {message}", analyte, day))
        if kind == "unreadable" and analyte is not None:
            self.unread.append((analyte, day, ref))

    def add_lab(self, located: Located, lab: dict[str, Any], fields: dict[str, str]) -> None:
        index = len(self.labs)
        self.labs.append(lab)
        self.lab_refs.append(located.ref)
        self.field_paths[f"labs[{index}]"] = located.path
        for name, at in fields.items():
            self.field_paths[f"labs[{index}].{name}"] = located.path + at

    def add_term(self, kind: VocabularyKind, term: str, located: Located) -> None:
        names = self.terms.setdefault(kind, [])
        if term not in names:
            self.field_paths[f"{_SNAPSHOT_FIELD[kind]}[{len(names)}]"] = located.path + ".code"
            names.append(term)

    def analyte_name(self, analyte: str) -> str:
        return self.kb.analytes[analyte].plain_name


_SNAPSHOT_FIELD: dict[VocabularyKind, str] = {
    "condition": "conditions",
    "surgery": "surgery",
    "medication": "medications",
    "exposure": "exposures",
    "symptom": "symptoms",
    "sign": "signs",
    "supplement": "supplements",
    "diet": "diet",
}
