"""Match a snapshot against the knowledge: names to vocabulary ids, lab units to factors.

Pure: reads only its arguments. Lab problems (unknown analyte, unknown or wrong unit, a value
outside the plausibility window) are collected and raised together as one InputError, each
naming its field path and, where possible, the value that was probably meant. Vocabulary names
that match nothing are kept as unknown terms and reported back as findings.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Literal

from b12ms.engine.snapshot import LabResult, PatientSnapshot
from b12ms.errors import InputError, Problem
from b12ms.inputs import closest
from b12ms.knowledge import Knowledge
from b12ms.knowledge.schema import VocabularyKind
from b12ms.knowledge.units import clean_float, pretty_unit

Band = Literal["low", "indeterminate", "normal"]


@dataclass(frozen=True, slots=True)
class Reading:
    """One lab result after unit handling, in the analyte's canonical unit."""

    index: int
    analyte: str
    date: date
    value: float | None
    unit: str | None
    result: str | None
    canonical: float | None
    band_id: str | None
    band_value: float | None
    ref_low: float | None
    ref_high: float | None


@dataclass(frozen=True, slots=True)
class SupplementUse:
    index: int
    id: str
    dose_mg_per_day: float | None
    route: str | None
    started: date | None
    last_taken: date | None


@dataclass(frozen=True, slots=True)
class UnknownTerm:
    path: str
    kind: VocabularyKind
    name: str
    suggestion: str | None


@dataclass(frozen=True)
class Facts:
    """The snapshot in knowledge terms: what every rule module reads."""

    snapshot: PatientSnapshot
    as_of: date
    diet: str | None
    terms: frozenset[str]
    symptoms: frozenset[str]
    signs: frozenset[str]
    supplements: tuple[SupplementUse, ...]
    latest: dict[str, Reading]
    superseded: tuple[Reading, ...]
    unknown: tuple[UnknownTerm, ...]
    readings: tuple[Reading, ...] = field(default=())


def _match_terms(
    kb: Knowledge, kind: VocabularyKind, names: Sequence[str], path: str, unknown: list[UnknownTerm]
) -> list[str]:
    found: list[str] = []
    for index, name in enumerate(names):
        term = kb.find_term(kind, name)
        if term is None:
            unknown.append(UnknownTerm(f"{path}[{index}]", kind, name, closest(name, kb.term_names(kind))))
        elif term not in found:
            found.append(term)
    return found


def _fmt(value: float) -> str:
    return f"{value:.4g}" if abs(value) < 1e6 else f"{value:.3e}"


def _read_lab(kb: Knowledge, index: int, lab: LabResult, problems: list[Problem]) -> Reading | None:
    path = f"labs[{index}]"
    analyte_id = kb.find_analyte(lab.analyte)
    if analyte_id is None:
        hint = closest(lab.analyte, list(kb.analytes))
        problems.append(Problem(f"{path}.analyte", f"{lab.analyte!r} is not a test b12ms reads", hint))
        return None
    analyte = kb.analytes[analyte_id]
    if analyte.kind == "qualitative":
        if lab.result is None:
            problems.append(Problem(f"{path}.result", f"{analyte_id} needs a result ({', '.join(analyte.results)})"))
            return None
        result = lab.result.strip().lower()
        if result not in analyte.results:
            hint = closest(result, analyte.results)
            problems.append(Problem(f"{path}.result", f"must be one of {', '.join(analyte.results)}", hint))
            return None
        return Reading(index, analyte_id, lab.date, None, None, result, None, None, None, None, None)

    if lab.value is None:
        problems.append(Problem(f"{path}.value", f"{analyte_id} needs a numeric value with a unit"))
        return None
    if lab.unit is None or not lab.unit.strip():
        accepted = ", ".join(kb.unit_codes(analyte_id))
        problems.append(Problem(f"{path}.unit", f"is required for {analyte_id} (accepted: {accepted})"))
        return None
    fact = kb.unit_fact(analyte_id, lab.unit)
    if fact is None:
        accepted = ", ".join(kb.unit_codes(analyte_id))
        hint = closest(lab.unit, kb.unit_codes(analyte_id), cutoff=0.75)
        problems.append(
            Problem(f"{path}.unit", f"{lab.unit!r} is not a unit for {analyte_id} (accepted: {accepted})", hint)
        )
        return None

    canonical = clean_float(lab.value * fact.to_canonical)
    window = analyte.plausible
    if window is None:  # the schema requires a window for quantitative analytes
        raise ValueError(f"analyte {analyte_id} has no plausibility window")
    canonical_unit = pretty_unit(analyte.canonical_unit or "")
    if not window.low <= canonical <= window.high:
        suggestion = None
        # Prefer a unit of the same family as the one typed (ng/L -> ng/mL before nmol/L): a slip
        # of prefix is far more common than a slip between mass and molar units.
        others = [kb.unit_fact(analyte_id, code) for code in kb.unit_codes(analyte_id) if code != fact.code]
        candidates = sorted((o for o in others if o is not None), key=lambda o: o.family != fact.family)
        for other in candidates:
            code = other.code
            converted = clean_float(lab.value * other.to_canonical)
            if window.low <= converted <= window.high:
                suggestion = f"{lab.value:g} {pretty_unit(code)} = {_fmt(converted)} {canonical_unit}"
                break
        given = f"{lab.value:g} {pretty_unit(fact.code)}"
        if fact.code != analyte.canonical_unit:
            given += f" (= {_fmt(canonical)} {canonical_unit})"
        problems.append(
            Problem(
                f"{path}.value",
                f"{given} is outside the plausible range for {analyte_id} "
                f"({window.low:g} to {window.high:g} {canonical_unit}); check the unit",
                suggestion,
            )
        )
        return None

    band_value = clean_float(lab.value * fact.to_band_unit) if fact.to_band_unit is not None else None
    ref = lab.reference_range
    ref_low = clean_float(ref.low * fact.to_canonical) if ref and ref.low is not None else None
    ref_high = clean_float(ref.high * fact.to_canonical) if ref and ref.high is not None else None
    return Reading(
        index,
        analyte_id,
        lab.date,
        lab.value,
        fact.code,
        None,
        canonical,
        fact.band_id,
        band_value,
        ref_low,
        ref_high,
    )


def _supplements(
    kb: Knowledge, snapshot: PatientSnapshot, problems: list[Problem], unknown: list[UnknownTerm]
) -> tuple[SupplementUse, ...]:
    uses: list[SupplementUse] = []
    for index, supplement in enumerate(snapshot.supplements):
        path = f"supplements[{index}]"
        term = kb.find_term("supplement", supplement.name)
        if term is None:
            names = kb.term_names("supplement")
            unknown.append(UnknownTerm(f"{path}.name", "supplement", supplement.name, closest(supplement.name, names)))
            continue
        dose_mg = None
        if supplement.dose_per_day is not None:
            unit = supplement.dose_per_day.unit
            factor = kb.dose_units_to_mg.get(unit) or kb.dose_units_to_mg.get(unit.lower())
            if factor is None:
                hint = closest(unit, list(kb.dose_units_to_mg))
                problems.append(Problem(f"{path}.dose_per_day.unit", f"{unit!r} is not a dose unit b12ms reads", hint))
                continue
            dose_mg = clean_float(supplement.dose_per_day.value * factor)
        uses.append(SupplementUse(index, term, dose_mg, supplement.route, supplement.started, supplement.last_taken))
    return tuple(uses)


def normalise(snapshot: PatientSnapshot, kb: Knowledge, as_of: date) -> Facts:
    """Resolve names and units; raise InputError listing every lab or dose problem."""
    problems: list[Problem] = []
    unknown: list[UnknownTerm] = []
    readings: list[Reading] = []
    for index, lab in enumerate(snapshot.labs):
        if lab.date > as_of:
            problems.append(Problem(f"labs[{index}].date", f"{lab.date} is after the assessment date {as_of}"))
            continue
        reading = _read_lab(kb, index, lab, problems)
        if reading is not None:
            readings.append(reading)
    supplements = _supplements(kb, snapshot, problems, unknown)

    diet = None
    if snapshot.diet is not None:
        diet = kb.find_term("diet", snapshot.diet)
        if diet is None:
            unknown.append(UnknownTerm("diet", "diet", snapshot.diet, closest(snapshot.diet, kb.term_names("diet"))))
    if problems:
        raise InputError(problems)

    groups: list[tuple[VocabularyKind, Sequence[str], str]] = [
        ("condition", snapshot.conditions, "conditions"),
        ("surgery", snapshot.surgery, "surgery"),
        ("medication", snapshot.medications, "medications"),
        ("exposure", snapshot.exposures, "exposures"),
    ]
    terms: set[str] = set()
    for kind, names, path in groups:
        terms.update(_match_terms(kb, kind, names, path, unknown))
    symptoms = frozenset(_match_terms(kb, "symptom", snapshot.symptoms, "symptoms", unknown))
    signs = frozenset(_match_terms(kb, "sign", snapshot.signs, "signs", unknown))
    terms.update(s.id for s in supplements)
    if diet:
        terms.add(diet)

    # Latest result per analyte; on the same date the one listed last wins (it is usually a
    # correction). The others stay visible as superseded.
    latest: dict[str, Reading] = {}
    for reading in readings:
        current = latest.get(reading.analyte)
        if current is None or reading.date >= current.date:
            latest[reading.analyte] = reading
    used = {id(r) for r in latest.values()}
    superseded = tuple(r for r in readings if id(r) not in used)

    return Facts(
        snapshot=snapshot,
        as_of=as_of,
        diet=diet,
        terms=frozenset(terms),
        symptoms=symptoms,
        signs=signs,
        supplements=supplements,
        latest=latest,
        superseded=superseded,
        unknown=tuple(unknown),
        readings=tuple(readings),
    )
