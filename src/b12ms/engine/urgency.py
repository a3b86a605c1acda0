"""Step 7: how soon a clinician should see this (product policy from local NHS guidance)."""

from __future__ import annotations

from b12ms.engine.assessment import Status, Urgency
from b12ms.engine.normalise import Facts
from b12ms.engine.trace import Trace
from b12ms.knowledge import Knowledge


def decide_urgency(facts: Facts, status: Status, kb: Knowledge, trace: Trace) -> Urgency:
    red_flags = sorted(facts.signs & kb.with_role("red_flag"))
    neuro = sorted(facts.symptoms & kb.with_role("neuro_symptom"))
    nitrous = bool(facts.terms & kb.with_role("nitrous_oxide"))
    if red_flags:
        trace.finding("urgency", f"Urgent: red-flag signs ({', '.join(red_flags)}).")
        return "urgent"
    if nitrous and neuro:
        trace.finding("urgency", f"Urgent: nitrous oxide with neurological symptoms ({', '.join(neuro)}).")
        return "urgent"
    if status == "deficiency_likely":
        trace.finding("urgency", "Soon: deficiency is likely.")
        return "soon"
    if status in ("indeterminate", "not_interpretable") and neuro:
        trace.finding("urgency", f"Soon: unresolved result with neurological symptoms ({', '.join(neuro)}).")
        return "soon"
    trace.finding("urgency", "Routine.")
    return "routine"
