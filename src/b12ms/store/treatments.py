"""Treatment dates for the charts, read from a snapshot's B12 and biotin supplements.

Which supplements count comes from the knowledge's roles (``b12_treatment``, ``interfering_biotin``),
not from names typed here, so an alias such as "hydroxocobalamin" is found the way the engine finds
it. Biotin is marked because it distorts immunoassays: a chart reader needs to see when it started.
"""

from __future__ import annotations

from b12ms.engine import PatientSnapshot
from b12ms.engine.snapshot import Supplement
from b12ms.knowledge import Knowledge
from b12ms.store.records import TreatmentEvent, TreatmentKind

__all__ = ["treatment_events_from_snapshot"]

_B12_KIND_BY_ROUTE: dict[str | None, TreatmentKind] = {
    "intramuscular": "b12_injection",
    "oral": "oral_b12",
    "sublingual": "sublingual_b12",
    None: "b12_route_not_stated",
}


def _kind(supplement: Supplement, knowledge: Knowledge) -> TreatmentKind | None:
    term = knowledge.find_term("supplement", supplement.name)
    if term is None:
        return None
    if term in knowledge.with_role("b12_treatment"):
        return _B12_KIND_BY_ROUTE[supplement.route]
    if term in knowledge.with_role("interfering_biotin"):
        return "biotin"
    return None


def treatment_events_from_snapshot(snapshot: PatientSnapshot, knowledge: Knowledge) -> list[TreatmentEvent]:
    """A "started" and a "last_taken" event for each dated B12 or biotin supplement."""
    events: list[TreatmentEvent] = []
    for supplement in snapshot.supplements:
        kind = _kind(supplement, knowledge)
        if kind is None:
            continue
        if supplement.started is not None:
            events.append(TreatmentEvent(kind, "started", supplement.started))
        if supplement.last_taken is not None:
            events.append(TreatmentEvent(kind, "last_taken", supplement.last_taken))
    return events
