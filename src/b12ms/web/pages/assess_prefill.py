"""From a snapshot back to the form ("change my answers"), and names b12ms did not recognise."""

from __future__ import annotations

from dataclasses import dataclass

from b12ms.engine import PatientSnapshot
from b12ms.inputs import closest
from b12ms.knowledge import Knowledge
from b12ms.knowledge.schema import VocabularyKind
from b12ms.web.pages.form_values import FormValues

__all__ = ["UnknownName", "unknown_names", "values_from_snapshot"]


@dataclass(frozen=True, slots=True)
class UnknownName:
    where: str
    name: str
    suggestion: str | None


_UNKNOWN_GROUPS: tuple[tuple[VocabularyKind, str, str], ...] = (
    ("condition", "conditions", "Conditions"),
    ("surgery", "surgery", "Operations"),
    ("medication", "medications", "Medicines"),
    ("symptom", "symptoms", "Symptoms"),
    ("sign", "signs", "Signs"),
)


def _suggest(kb: Knowledge, kind: VocabularyKind, name: str) -> str | None:
    near = closest(name, kb.term_names(kind))
    term = kb.find_term(kind, near) if near else None
    return kb.terms[kind][term].label if term else None


def unknown_names(snapshot: PatientSnapshot, kb: Knowledge) -> list[UnknownName]:
    """Names b12ms did not recognise (so no rule used them), with the closest known label."""
    out: list[UnknownName] = []
    for kind, attribute, where in _UNKNOWN_GROUPS:
        for name in getattr(snapshot, attribute):
            if kb.find_term(kind, name) is None:
                out.append(UnknownName(where, name, _suggest(kb, kind, name)))
    for supplement in snapshot.supplements:
        if kb.find_term("supplement", supplement.name) is None:
            out.append(UnknownName("Supplements", supplement.name, _suggest(kb, "supplement", supplement.name)))
    return out


def values_from_snapshot(snapshot: PatientSnapshot, kb: Knowledge) -> FormValues:
    """The form filled in from a snapshot (for "change my answers")."""
    values = FormValues()
    if snapshot.age is not None:
        values.set("age", str(snapshot.age))
    for name in ("sex", "ms"):
        value = getattr(snapshot, name)
        if value is not None:
            values.set(name, value)
    if snapshot.diet is not None:
        values.set("diet", kb.find_term("diet", snapshot.diet) or snapshot.diet)
    for name in ("pregnant", "breastfeeding", "black_family_background"):
        flag = getattr(snapshot, name)
        if flag is not None:
            values.set(name, "yes" if flag else "no")
    groups: tuple[tuple[str, VocabularyKind, str], ...] = (
        ("conditions", "condition", "conditions_other"),
        ("surgery", "surgery", "surgery_other"),
    )
    for group, kind, other in groups:
        names = list(getattr(snapshot, group))
        known = [n for n in names if n in kb.terms[kind]]
        values.set(group, known)
        for i, name in enumerate(n for n in names if n not in kb.terms[kind]):
            values.set(f"{other}-{i}", name)
    for i, name in enumerate(snapshot.medications):
        values.set(f"medications-{i}", name)
    if any(kb.find_term("exposure", e) == "nitrous_oxide" for e in snapshot.exposures):
        values.set("nitrous_oxide", "yes")
    values.set("symptoms", list(snapshot.symptoms))
    values.set("signs", list(snapshot.signs))
    for i, supplement in enumerate(snapshot.supplements):
        prefix = f"supplements-{i}"
        values.set(f"{prefix}-name", supplement.name)
        if supplement.dose_per_day is not None:
            values.set(f"{prefix}-dose_value", f"{supplement.dose_per_day.value:g}")
            values.set(f"{prefix}-dose_unit", supplement.dose_per_day.unit)
        for key in ("route", "started", "last_taken"):
            value = getattr(supplement, key)
            if value is not None:
                values.set(f"{prefix}-{key}", str(value))
    for i, lab in enumerate(snapshot.labs):
        prefix = f"labs-{i}"
        analyte_id = kb.find_analyte(lab.analyte)
        fact = kb.unit_fact(analyte_id, lab.unit) if analyte_id and lab.unit else None
        values.set(f"{prefix}-analyte", analyte_id or lab.analyte)
        values.set(f"{prefix}-value", lab.result if lab.result is not None else f"{lab.value:g}")
        values.set(f"{prefix}-unit", fact.code if fact else lab.unit or "")
        values.set(f"{prefix}-date", lab.date.isoformat())
        if lab.reference_range is not None:
            for key, bound in (("ref_low", lab.reference_range.low), ("ref_high", lab.reference_range.high)):
                if bound is not None:
                    values.set(f"{prefix}-{key}", f"{bound:g}")
    return values
