"""MedicationStatement / MedicationRequest / MedicationAdministration → medicines and supplements.

The medicine is recognised by its codes (RxNorm and other codes held by vocabulary terms and the
proposed ``fhir_codes.toml``), else by ingredient names in its text (dm+d and RxNorm product names
start with the ingredient: "Hydroxocobalamin 1mg/1ml solution for injection ampoules"); a
``medicationReference`` is followed to the Medication in the input (or ``#contained``), including
its ingredients. Medicines count when current; supplements (B12, biotin, folic acid...) keep their
dates, route and daily dose, because the readability rules need the last dose before a sample.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any, cast

from fhir.resources.R4B.codeableconcept import CodeableConcept
from fhir.resources.R4B.dosage import Dosage
from fhir.resources.R4B.medication import Medication
from fhir.resources.R4B.medicationadministration import MedicationAdministration
from fhir.resources.R4B.medicationrequest import MedicationRequest
from fhir.resources.R4B.medicationstatement import MedicationStatement
from fhir.resources.R4B.resource import Resource

from b12ms.fhir.builder import Builder, SupplementEvidence, codings, concept_text
from b12ms.fhir.codes import CodeTable, Route, text_tokens
from b12ms.fhir.dates import day_of
from b12ms.fhir.resources import Located, ReferenceIndex
from b12ms.knowledge.schema import VocabularyKind

__all__ = ["identify_medicine", "map_medication", "medicine_name", "supplement_json"]

_IGNORED = {
    "MedicationStatement": {"entered-in-error", "not-taken", "intended"},
    "MedicationRequest": {"cancelled", "entered-in-error", "draft"},
    "MedicationAdministration": {"not-done", "entered-in-error"},
}
_PAST = {"completed", "stopped"}
_ORDER_INTENTS = {"order", "original-order", "reflex-order", "filler-order", "instance-order"}
_PERIOD_DAYS = {"h": 1 / 24, "d": 1.0, "wk": 7.0, "mo": 30.0, "a": 365.0}
_MEDICINE_KINDS: tuple[VocabularyKind, ...] = ("medication", "supplement")
_ROUTE_WORDS: dict[str, Route] = {
    "oral": "oral",
    "tablet": "oral",
    "tablets": "oral",
    "capsule": "oral",
    "capsules": "oral",
    "po": "oral",
    "sublingual": "sublingual",
    "sl": "sublingual",
    "intramuscular": "intramuscular",
    "im": "intramuscular",
    "injection": "intramuscular",
    "injections": "intramuscular",
    "ampoule": "intramuscular",
    "ampoules": "intramuscular",
}
"""Parenteral routes count as ``intramuscular``: the readability window for injections is the same."""


def _concepts(resource: Resource, located: Located, index: ReferenceIndex) -> list[CodeableConcept]:
    """The medicine's concepts: medicationCodeableConcept, or the referenced Medication and its ingredients."""
    concept = getattr(resource, "medicationCodeableConcept", None)
    if concept is not None:
        return [concept]
    reference = getattr(resource, "medicationReference", None)
    target = index.resolve(reference.reference, located) if reference is not None and reference.reference else None
    out: list[CodeableConcept] = []
    if isinstance(target, Medication):
        if target.code is not None:
            out.append(target.code)
        out += [i.itemCodeableConcept for i in target.ingredient or [] if i.itemCodeableConcept is not None]
    elif reference is not None and reference.display:
        out.append(CodeableConcept(text=reference.display))
    return out


def medicine_name(resource: Resource, located: Located, index: ReferenceIndex) -> str:
    for concept in _concepts(resource, located, index):
        text = concept_text(concept)
        if text:
            return text
    found = [f"{code} ({system})" for c in _concepts(resource, located, index) for system, code, _ in codings(c)]
    return ", ".join(found) or "a medicine without a code or name"


def identify_medicine(
    resource: Resource, located: Located, index: ReferenceIndex, table: CodeTable
) -> tuple[list[tuple[VocabularyKind, str]], bool]:
    """Vocabulary terms this medicine contains, and whether they were found by text only."""
    concepts = _concepts(resource, located, index)
    found: list[tuple[VocabularyKind, str]] = []
    for concept in concepts:
        for system, code, _ in codings(concept):
            term = table.term(system, code)
            if term is not None and term[0] in _MEDICINE_KINDS and term not in found:
                found.append(term)
    if found:
        return found, False
    for concept in concepts:
        texts = [concept.text] + [c.display for c in concept.coding or []]
        for text in texts:
            for term in table.terms_in_text(str(text)) if text else []:
                if term not in found:
                    found.append(term)
    return found, True


def _dosages(resource: Resource) -> list[Dosage]:
    if isinstance(resource, MedicationStatement):
        return list(resource.dosage or [])
    if isinstance(resource, MedicationRequest):
        return list(resource.dosageInstruction or [])
    return []


def _route(resource: Resource, names: list[str], table: CodeTable) -> Route | None:
    concepts = [d.route for d in _dosages(resource) if d.route is not None]
    if isinstance(resource, MedicationAdministration) and resource.dosage and resource.dosage.route:
        concepts.append(resource.dosage.route)
    for concept in concepts:
        for system, code, _ in codings(concept):
            if (system, code) in table.routes:
                return table.routes[(system, code)]
        names = [concept_text(concept) or "", *names]
    for text in names:
        for token in text_tokens(text):
            if token in _ROUTE_WORDS:
                return _ROUTE_WORDS[token]
    return None


def _dose_mg_per_day(resource: Resource, b: Builder) -> float | None:
    """Daily dose in mg from the first dosage with a dose; without timing, the dose counts as daily
    (the cautious reading for biotin, where a larger dose means the results are not read)."""
    if isinstance(resource, MedicationAdministration):
        dose = resource.dosage.dose if resource.dosage is not None else None
        repeat = None
    else:
        dosage = next((d for d in _dosages(resource) if d.doseAndRate and d.doseAndRate[0].doseQuantity), None)
        dose = dosage.doseAndRate[0].doseQuantity if dosage is not None and dosage.doseAndRate else None
        repeat = dosage.timing.repeat if dosage is not None and dosage.timing is not None else None
    if dose is None or dose.value is None:
        return None
    factor = None
    for unit in (dose.code, dose.unit):
        if unit and factor is None:
            factor = b.kb.dose_units_to_mg.get(str(unit)) or b.kb.dose_units_to_mg.get(str(unit).lower())
    if factor is None:
        return None
    per_day = 1.0
    if repeat is not None and repeat.period is not None and repeat.periodUnit in _PERIOD_DAYS:
        per_day = float(repeat.frequency or 1) / (float(repeat.period) * _PERIOD_DAYS[repeat.periodUnit])
    return round(float(dose.value) * factor * per_day, 6)


def _dates(resource: Resource, past: bool) -> tuple[date | None, date | None, str]:
    """(started, last taken, field) — last taken is None while the medicine is current."""
    if isinstance(resource, MedicationRequest):
        started = day_of(resource.authoredOn)
        if not past:
            return started, None, ".authoredOn"
        dispense = resource.dispenseRequest
        if dispense is not None and dispense.validityPeriod is not None and dispense.validityPeriod.end is not None:
            return started, day_of(dispense.validityPeriod.end), ".dispenseRequest.validityPeriod.end"
        supply = dispense.expectedSupplyDuration if dispense is not None else None
        if started is not None and supply is not None and supply.value is not None and supply.code in ("d", "wk"):
            days = float(supply.value) * (7 if supply.code == "wk" else 1)
            return started, started + timedelta(days=days), ".dispenseRequest.expectedSupplyDuration"
        return started, started, ".authoredOn"
    effective: Any = getattr(resource, "effectiveDateTime", None)
    period = getattr(resource, "effectivePeriod", None)
    if effective is not None:
        day = day_of(effective)
        if isinstance(resource, MedicationAdministration):
            return day, day, ".effectiveDateTime"
        return (None, day, ".effectiveDateTime") if past else (day, None, ".effectiveDateTime")
    if period is not None:
        end = day_of(period.end) if period.end is not None else None
        return (
            day_of(period.start),
            (end if past or isinstance(resource, MedicationAdministration) else None),
            (".effectivePeriod"),
        )
    return None, None, ""


def map_medication(located: Located, b: Builder) -> None:
    resource = located.resource
    kind = located.type
    status = str(getattr(resource, "status", "") or "")
    name = medicine_name(resource, located, b.index)
    if status in _IGNORED.get(kind, set()):
        b.note("record_status", located, f"{name!r} is {status}; not used.", at=".status")
        return
    intent = getattr(resource, "intent", None)
    if isinstance(resource, MedicationRequest) and intent not in _ORDER_INTENTS:
        b.note("record_status", located, f"{name!r} is a {intent}, not an order; not used.", at=".intent")
        return
    terms, by_text = identify_medicine(resource, located, b.index, b.table)
    if not terms:
        b.note("unknown_code", located, f"medicine {name!r} not recognised; not used.", at=".medication[x]")
        return
    past = status in _PAST or isinstance(resource, MedicationAdministration)
    started, last, at = _dates(resource, past)
    if started is not None and started > b.as_of:
        b.note("record_status", located, f"{name!r} starts after the assessment date {b.as_of}; not used.", at=at)
        return
    for term_kind, term in terms:
        if term_kind == "medication":
            if past:
                b.note(
                    "record_status",
                    located,
                    f"{name!r} is {status or 'given'}; not counted as a current medicine.",
                    at=".status",
                )
            else:
                b.add_term("medication", term, located)
            continue
        route = _route(resource, [name], b.table)
        dose = _dose_mg_per_day(resource, b)
        b.supplements.append(SupplementEvidence(term, route, started, last, not past, dose, located))
    if by_text and any(c for c in _concepts(resource, located, b.index) if codings(c)):
        b.note(
            "caveat",
            located,
            f"the codes of {name!r} are not in the code table; recognised by its name.",
            at=".medication[x]",
        )


def supplement_json(evidence: list[SupplementEvidence]) -> list[tuple[dict[str, Any], Located]]:
    """One snapshot supplement per (term, route): earliest start, latest last dose (none while
    current), largest daily dose; each with the first resource it came from."""
    groups: dict[tuple[str, Route | None], list[SupplementEvidence]] = {}
    for item in evidence:
        groups.setdefault((item.term, item.route), []).append(item)
    out: list[tuple[dict[str, Any], Located]] = []
    for (term, route), items in groups.items():
        entry: dict[str, Any] = {"name": term}
        if route is not None:
            entry["route"] = route
        starts = [i.started for i in items]
        if all(s is not None for s in starts):
            entry["started"] = min(cast(list[date], starts)).isoformat()
        lasts = [i.last_taken for i in items]
        if not any(i.current for i in items) and all(last is not None for last in lasts):
            entry["last_taken"] = max(cast(list[date], lasts)).isoformat()
        doses = [i.dose_mg_per_day for i in items if i.current and i.dose_mg_per_day is not None]
        doses = doses or [i.dose_mg_per_day for i in items if i.dose_mg_per_day is not None]
        if doses:
            entry["dose_per_day"] = {"value": max(doses), "unit": "mg"}
        if "started" in entry and "last_taken" in entry and entry["last_taken"] < entry["started"]:
            del entry["started"]  # an end before the start is a data slip; keep the later, safer date
        out.append((entry, items[0].located))
    return out
