"""What the report template shows, worked out in Python so the template only lays it out.

Every word for an id comes from the knowledge (through :mod:`b12ms.render.labels`); the few words
here describe input fields (``ms: suspected``) that the knowledge has no vocabulary for. Values stay
plain strings: the Jinja environment escapes them, so a hostile name typed by a person can never
become markup (``tests/report/test_report_html.py::test_hostile_medication_name_is_escaped``).
"""

from __future__ import annotations

import base64
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from b12ms.engine.assessment import Assessment, LabReading
from b12ms.engine.snapshot import PatientSnapshot, Supplement
from b12ms.knowledge import Knowledge
from b12ms.knowledge.schema import BandSet, VocabularyKind
from b12ms.knowledge.units import pretty_unit
from b12ms.render.assessment_text import DISCLAIMER
from b12ms.render.labels import analyte_label, references_used, term_label
from b12ms.report.chart import HistoryPoint, TreatmentDate, band_set_for, lab_history_svg

__all__ = ["CHART_ANALYTES", "report_context", "treatment_dates_from_snapshot"]

# Same order as the history store's charts (b12ms.store.records.CHART_ANALYTES), not imported from
# there because the store needs SQLAlchemy and a report must not.
CHART_ANALYTES: tuple[str, ...] = ("total_b12", "active_b12", "mma", "homocysteine", "folate")

_MS = {"no": "No MS", "suspected": "MS suspected, not diagnosed", "diagnosed": "MS diagnosed"}
_INDICATION = {
    "offer": "Offer a test",
    "clinical_judgement": "Clinical judgement",
    "not_indicated": "No test indicated",
}
_ROUTE = {"oral": "by mouth", "sublingual": "under the tongue", "intramuscular": "injection (intramuscular)"}
_TREATMENT_WORDS = {"intramuscular": "B12 injections", "oral": "Oral B12", "sublingual": "Sublingual B12"}


@dataclass(frozen=True)
class Term:
    label: str
    clinical: str | None
    recognised: bool


@dataclass(frozen=True)
class Fact:
    label: str
    value: str | None = None
    terms: list[Term] = field(default_factory=list)
    is_list: bool = False


@dataclass(frozen=True)
class Chart:
    analyte: str
    title: str
    data_uri: str
    points: int


def _number(value: float) -> str:
    return f"{value:.0f}" if abs(value) >= 1000 else f"{value:.4g}"


def _yes_no(value: bool | None) -> str | None:
    return None if value is None else ("Yes" if value else "No")


def _terms(kb: Knowledge, kind: VocabularyKind, names: Sequence[str]) -> list[Term]:
    out: list[Term] = []
    for name in names:
        term_id = kb.find_term(kind, name)
        if term_id is None:
            out.append(Term(name, None, recognised=False))
        else:
            term = kb.terms[kind][term_id]
            clinical = term.clinical if term.clinical.lower() != term.label.lower() else None
            out.append(Term(term.label, clinical, recognised=True))
    return out


def _supplement_line(kb: Knowledge, supplement: Supplement) -> Term:
    [term] = _terms(kb, "supplement", [supplement.name])
    parts: list[str] = []
    if supplement.dose_per_day is not None:
        parts.append(f"{_number(supplement.dose_per_day.value)} {pretty_unit(supplement.dose_per_day.unit)} a day")
    if supplement.route is not None:
        parts.append(_ROUTE[supplement.route])
    if supplement.started is not None:
        parts.append(f"started {supplement.started.isoformat()}")
    if supplement.last_taken is not None:
        parts.append(f"last taken {supplement.last_taken.isoformat()}")
    detail = "; ".join(parts) if parts else "dose, route and dates not given"
    return Term(f"{term.label}: {detail}", term.clinical, term.recognised)


def _facts(snapshot: PatientSnapshot, kb: Knowledge) -> list[Fact]:
    s = snapshot
    return [
        Fact("Age", f"{s.age} years" if s.age is not None else None),
        Fact("Sex", s.sex.capitalize() if s.sex else None),
        Fact("MS", _MS[s.ms] if s.ms else None),
        Fact("Pregnant", _yes_no(s.pregnant)),
        Fact("Breastfeeding", _yes_no(s.breastfeeding)),
        Fact("Black family background", _yes_no(s.black_family_background)),
        Fact("Diet", is_list=True, terms=_terms(kb, "diet", [s.diet] if s.diet else [])),
        Fact("Conditions", is_list=True, terms=_terms(kb, "condition", s.conditions)),
        Fact("Surgery", is_list=True, terms=_terms(kb, "surgery", s.surgery)),
        Fact("Medicines", is_list=True, terms=_terms(kb, "medication", s.medications)),
        Fact("Supplements", is_list=True, terms=[_supplement_line(kb, x) for x in s.supplements]),
        Fact("Exposures", is_list=True, terms=_terms(kb, "exposure", s.exposures)),
        Fact("Symptoms", is_list=True, terms=_terms(kb, "symptom", s.symptoms)),
        Fact("Signs found on examination", is_list=True, terms=_terms(kb, "sign", s.signs)),
    ]


def _range_text(lab: LabReading) -> str | None:
    unit = pretty_unit(lab.canonical_unit or "")
    low, high = lab.reference_low, lab.reference_high
    if low is not None and high is not None:
        return f"{_number(low)}–{_number(high)} {unit}"
    if high is not None:
        return f"up to {_number(high)} {unit}"
    if low is not None:
        return f"from {_number(low)} {unit}"
    return None


def _lab_row(lab: LabReading, kb: Knowledge) -> dict[str, Any]:
    if lab.result is not None:
        entered = lab.result
    elif lab.value is not None:
        entered = f"{_number(lab.value)} {pretty_unit(lab.unit or '')}".strip()
    else:
        entered = "—"
    converted = None
    if lab.canonical_value is not None and lab.unit != lab.canonical_unit:
        converted = f"{_number(lab.canonical_value)} {pretty_unit(lab.canonical_unit or '')}"
    return {
        "test": analyte_label(kb, lab.analyte),
        "date": lab.date.isoformat(),
        "entered": entered,
        "converted": converted,
        "band": lab.band,
        "used": lab.used,
        "not_read": [r.replace("_", " ") for r in lab.not_read_because],
        "range": _range_text(lab),
    }


def _bands_used(assessment: Assessment, kb: Knowledge) -> list[BandSet]:
    """The NICE band sets the results were read against, in the unit each result was given in."""
    found: dict[str, BandSet] = {}
    for lab in assessment.labs:
        if lab.band is None or lab.unit is None:
            continue
        fact = kb.unit_fact(lab.analyte, lab.unit)
        band_id = fact.band_id if fact else None
        band = kb.bands.get(band_id) if band_id else band_set_for(kb, lab.analyte)
        if band is not None:
            found.setdefault(band.id, band)
    return list(found.values())


def treatment_dates_from_snapshot(snapshot: PatientSnapshot, kb: Knowledge) -> list[TreatmentDate]:
    """Start and last dates of B12 and biotin supplements, found by role as the engine finds them."""
    marks: list[TreatmentDate] = []
    for supplement in snapshot.supplements:
        term = kb.find_term("supplement", supplement.name)
        if term is None:
            continue
        if term in kb.with_role("b12_treatment"):
            what = _TREATMENT_WORDS.get(supplement.route or "", "B12 (route not given)")
        elif term in kb.with_role("interfering_biotin"):
            what = "Biotin"
        else:
            continue
        if supplement.started is not None:
            marks.append(TreatmentDate(supplement.started, f"{what} started"))
        if supplement.last_taken is not None:
            marks.append(TreatmentDate(supplement.last_taken, f"{what} last taken"))
    return marks


def _charts(
    assessment: Assessment,
    kb: Knowledge,
    history: Sequence[HistoryPoint],
    treatment_dates: Sequence[date | TreatmentDate],
) -> list[Chart]:
    """One chart per analyte that has at least two results, counting this report's own results."""
    points = list(history)
    seen = {(p.analyte, p.date, round(p.value, 6)) for p in points}
    for lab in assessment.labs:
        if lab.used and lab.canonical_value is not None:
            key = (lab.analyte, lab.date, round(lab.canonical_value, 6))
            if key not in seen:
                seen.add(key)
                points.append(HistoryPoint(lab.analyte, lab.date, lab.canonical_value))
    charts: list[Chart] = []
    for analyte in CHART_ANALYTES:
        count = sum(1 for p in points if p.analyte == analyte)
        if count < 2:
            continue
        svg = lab_history_svg(points, analyte, kb, treatment_dates)
        uri = "data:image/svg+xml;base64," + base64.b64encode(svg.encode("utf-8")).decode("ascii")
        charts.append(Chart(analyte, analyte_label(kb, analyte), uri, count))
    return charts


def report_context(
    snapshot: PatientSnapshot,
    assessment: Assessment,
    kb: Knowledge,
    *,
    history: Sequence[HistoryPoint] | None,
    treatment_dates: Sequence[date | TreatmentDate] | None,
    generated_on: date,
) -> dict[str, Any]:
    a = assessment
    bands = _bands_used(a, kb)
    ref_ids = references_used(
        [f.references for f in a.flags]
        + [m.references for m in a.management]
        + [f.references for f in a.findings]
        + [list(b.references) for b in bands]
        + ([list(kb.cb12.references)] if a.cb12.computable else [])
    )
    marks = treatment_dates if treatment_dates is not None else treatment_dates_from_snapshot(snapshot, kb)
    return {
        "a": a,
        "kb": kb,
        "urgent": a.urgency == "urgent",
        "urgency": kb.urgency_wording[a.urgency],
        "status": kb.status_wording[a.status],
        "indication": _INDICATION.get(a.testing.indication, a.testing.indication.replace("_", " ")),
        "first_tests": [analyte_label(kb, t) for t in a.testing.first_tests],
        "next_tests": [analyte_label(kb, t) for t in a.next_tests],
        "risk_factors": [term_label(kb, r) for r in a.risk_factors],
        "missing": [m.replace("_", " ") for m in a.missing],
        "facts": _facts(snapshot, kb),
        "labs": [_lab_row(lab, kb) for lab in a.labs],
        "bands": [
            {
                "analyte": analyte_label(kb, b.analyte),
                "unit": pretty_unit(b.unit),
                "low_below": _number(b.low_below),
                "normal_above": _number(b.normal_above),
                "references": list(b.references),
            }
            for b in bands
        ],
        "charts": _charts(a, kb, history or [], marks),
        "flags": [{"out": f, "title": kb.flags[f.id].title} for f in a.flags],
        "management": [{"item": m, "title": kb.management[m.id].title} for m in a.management],
        "ref_number": {ref: i for i, ref in enumerate(ref_ids, start=1)},
        "references": [(ref, kb.references.get(ref)) for ref in ref_ids],
        "generated_on": generated_on.isoformat(),
        "disclaimer": DISCLAIMER,
    }
