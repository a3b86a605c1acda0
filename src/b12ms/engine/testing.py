"""NICE 1.2 and 1.3: should this person be tested, and with which test first."""

from __future__ import annotations

from b12ms.engine.assessment import Testing
from b12ms.engine.normalise import Facts
from b12ms.engine.trace import Trace
from b12ms.knowledge import Knowledge


def risk_factors(facts: Facts, kb: Knowledge) -> list[str]:
    """NICE common risk factors present: diet, then conditions, surgery, medicines and exposures,
    each group sorted by id so the answer does not depend on the order the person typed them."""
    risk = kb.with_role("nice_risk_factor")
    ordered = [facts.diet] if facts.diet in risk else []
    for kind in ("condition", "surgery", "medication", "exposure"):
        ordered += sorted(t for t in facts.terms & risk if t in kb.terms[kind] and t not in ordered)
    return [t for t in ordered if t is not None]


def testing_advice(facts: Facts, kb: Knowledge, trace: Trace, blood_count_signs: list[str]) -> Testing:
    """Indication (offer / clinical_judgement / not_indicated) and the first tests."""
    nice_symptoms = kb.with_role("nice_symptom")
    symptoms = sorted(s for s in facts.symptoms | facts.signs if s in nice_symptoms) + blood_count_signs
    risks = risk_factors(facts, kb)
    if facts.snapshot.ms == "suspected":
        indication = "offer"
        why = "MS is suspected, and B12 deficiency is a standard mimic to exclude (product policy)"
    elif symptoms and risks:
        indication = "offer"
        why = f"symptoms or signs ({', '.join(symptoms)}) and risk factors ({', '.join(risks)}) (NICE 1.2)"
    elif symptoms:
        indication = "clinical_judgement"
        why = f"symptoms or signs ({', '.join(symptoms)}) but no common risk factor (NICE 1.2)"
    else:
        indication = "not_indicated"
        why = "no symptom or sign of B12 deficiency was recorded (NICE 1.2)"
    trace.finding("testing.indication", f"Testing: {indication.replace('_', ' ')}: {why}.")

    nitrous = bool(facts.terms & kb.with_role("nitrous_oxide"))
    if facts.snapshot.pregnant:
        first = ["active_b12"]
        trace.finding("testing.first_tests", "First test: active B12, because total B12 falls in pregnancy (NICE).")
    elif nitrous:
        first = ["homocysteine", "mma"]
        trace.finding(
            "testing.first_tests",
            "First test: homocysteine or MMA, because nitrous oxide inactivates B12 without lowering it (NICE).",
        )
    else:
        first = ["total_b12", "active_b12"]
        trace.finding("testing.first_tests", "First test: total B12 or active B12 (either), before any treatment.")
    return Testing(indication=indication, first_tests=first)
