"""order-select: checks on the orders a clinician has just selected.

- Folic acid selected while B12 status is unknown, indeterminate or deficient → warning: B12 first
  or with it (BSH 2014, NICE NG239; the ``folic_acid_caution`` flag's words).
- A B12 level (total or active) ordered for someone on established B12 injections → info: the
  result cannot show deficiency or response (NICE: response is judged by symptoms); suggestion:
  remove the draft order.
- A total B12 ordered during pregnancy → warning: active B12 is the test in pregnancy (NICE);
  suggestion: replace the draft with an active B12 order.

Only the selected orders are read (``context.selections`` → ``context.draftOrders``), and the
patient's data is fetched only when one of them matters (:func:`relevant_orders`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from fhir.resources.R4B.medicationrequest import MedicationRequest
from fhir.resources.R4B.servicerequest import ServiceRequest

from b12ms.cds.cards import CardKit, detail, reading_text
from b12ms.cds.models import Action, Card, Suggestion
from b12ms.errors import InputError, Problem
from b12ms.fhir.builder import codings
from b12ms.fhir.codes import CodeTable
from b12ms.fhir.mapping import FhirAssessment
from b12ms.fhir.medications import identify_medicine, medicine_name
from b12ms.fhir.resources import Located, ReferenceIndex, read_bundle
from b12ms.knowledge import Knowledge

__all__ = ["SelectedOrders", "order_select_cards", "relevant_orders"]

_UNSETTLED = ("no_result", "not_interpretable", "indeterminate", "deficiency_likely")
_B12_LEVELS = ("total_b12", "active_b12")


@dataclass(frozen=True)
class SelectedOrders:
    folic_acid: list[tuple[Located, str]]
    """Selected MedicationRequests containing folic acid, with the medicine's name."""
    b12_tests: list[tuple[Located, str]]
    """Selected ServiceRequests for a B12 level, with the analyte id."""

    def __bool__(self) -> bool:
        return bool(self.folic_acid or self.b12_tests)


def relevant_orders(
    draft_orders: dict[str, Any], selections: list[str], kb: Knowledge, table: CodeTable
) -> SelectedOrders:
    """The selected draft orders b12ms has something to say about; InputError for malformed orders."""
    problems: list[Problem] = []
    located = read_bundle(draft_orders, "context.draftOrders", problems)
    if problems:
        raise InputError(problems)
    index = ReferenceIndex(located)
    wanted = {index.key(s) for s in selections}
    folic = kb.with_role("folic_acid")
    folic_acid: list[tuple[Located, str]] = []
    b12_tests: list[tuple[Located, str]] = []
    for item in located:
        if item.ref not in wanted and index.key(item.full_url or "") not in wanted:
            continue
        if isinstance(item.resource, MedicationRequest):
            terms, _ = identify_medicine(item.resource, item, index, table)
            if any(term in folic for _, term in terms):
                folic_acid.append((item, medicine_name(item.resource, item, index)))
        elif isinstance(item.resource, ServiceRequest):
            analytes = {table.lab(system, code) for system, code, _ in codings(item.resource.code)}
            for analyte in _B12_LEVELS:
                if analyte in analytes:
                    b12_tests.append((item, analyte))
    return SelectedOrders(folic_acid, b12_tests)


def _on_established_injections(fa: FhirAssessment, kb: Knowledge, as_of: date) -> bool:
    """B12 by injection, started by today and within the injection window of its last dose (or ongoing)."""
    window = kb.limit("b12_treatment_window_intramuscular")
    for supplement in fa.mapping.snapshot.supplements:
        if kb.find_term("supplement", supplement.name) not in kb.with_role("b12_treatment"):
            continue
        if supplement.route != "intramuscular":
            continue
        if supplement.started is not None and supplement.started > as_of:
            continue
        if supplement.last_taken is None or (as_of - supplement.last_taken).days <= window:
            return True
    return False


def _resource_id(item: Located) -> str:
    return item.ref if "/" in item.ref and not item.ref.startswith(("urn:", "context.")) else item.full_url or item.ref


def order_select_cards(orders: SelectedOrders, fa: FhirAssessment, kit: CardKit, as_of: date) -> list[Card]:
    kb, a = kit.kb, fa.assessment
    cards: list[Card] = []
    if orders.folic_acid and a.status in _UNSETTLED:
        names = ", ".join(sorted({name for _, name in orders.folic_acid}))
        state = {"no_result": "unknown", "not_interpretable": "unknown (results cannot be read)"}.get(
            a.status, a.status.replace("_", " ")
        )
        flag = kb.flags["folic_acid_caution"]
        lead = f"**{flag.title}.** {flag.message}\n\nSelected: {names}. B12 status: {state}."
        suggestions: list[Suggestion] = []
        if a.status in ("no_result", "not_interpretable"):
            why = "B12 status is unknown; test B12 before folic acid (BSH 2014)"
            suggestions = [kit.order(t, why, recommended=i == 0) for i, t in enumerate(a.testing.first_tests)]
        cards.append(
            kit.card(
                f"Folic acid selected while B12 status is {state}: give B12 first or with it",
                "warning",
                detail(kb, a, fa.mapping.notes, lead=lead),
                ("folic-acid-caution", "Folic acid and B12"),
                suggestions,
                "at-most-one",
            )
        )
    for item, analyte in orders.b12_tests:
        name = kb.analytes[analyte].plain_name
        if _on_established_injections(fa, kb, as_of):
            remove = Suggestion(
                label=f"Remove the draft {name} order",
                uuid=kit.new_uuid(),
                isRecommended=True,
                actions=[
                    Action(type="delete", description=f"Remove the draft {name} order", resourceId=_resource_id(item))
                ],
            )
            flag = kb.flags["sample_after_b12_treatment"]
            lead = (
                f"**{flag.title}.** {flag.message}\n\nThe record shows B12 injections within the last "
                f"{kb.limit('b12_treatment_window_intramuscular'):g} days, so a {name} result now cannot show "
                "deficiency or response."
            )
            cards.append(
                kit.card(
                    f"{name} on established B12 injections is uninformative: judge response by symptoms",
                    "info",
                    detail(kb, a, lead=lead, flags=[]),
                    ("b12-on-treatment", "B12 test on treatment"),
                    [remove],
                    "at-most-one",
                )
            )
        elif analyte == "total_b12" and fa.mapping.snapshot.pregnant:
            order = kit.order("active_b12", "Active B12 is the test in pregnancy (NICE NG239)")
            replace = Suggestion(
                label="Order active B12 instead of total B12",
                uuid=kit.new_uuid(),
                isRecommended=True,
                actions=[
                    Action(
                        type="delete", description="Remove the draft total B12 order", resourceId=_resource_id(item)
                    ),
                    *(order.actions or []),
                ],
            )
            flag = kb.flags["pregnancy"]
            latest = [reading_text(kb, r) for r in a.labs if r.analyte == "active_b12" and r.used]
            lead = f"**{flag.title}.** {flag.message}" + (f"\n\nLatest active B12: {latest[0]}." if latest else "")
            cards.append(
                kit.card(
                    "Pregnancy: order active B12 rather than total B12 (NICE NG239)",
                    "warning",
                    detail(kb, a, lead=lead, flags=[]),
                    ("b12-pregnancy", "B12 test in pregnancy"),
                    [replace],
                    "at-most-one",
                )
            )
    return cards
