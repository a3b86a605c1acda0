"""The b12ms CDS services, keyed by id (a duplicate id is a ConfigError at start-up).

``b12ms-patient-view`` (hook ``patient-view``) and ``b12ms-order-select`` (hook ``order-select``)
share the prefetch templates: both need the B12 status. Each service call: validate the hook's
context, gather the data (prefetch, else fetch, else 412), map FHIR → snapshot, assess, and build
cards. Patient data that cannot be assessed gives a card saying so; a person under 16 (outside
NICE NG239) gives no card — the service does not apply, which is not an error.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from b12ms.cds.cards import CardKit, could_not_assess_card, patient_view_cards
from b12ms.cds.models import Card, CdsRequest, OrderSelectContext, PatientViewContext, ServiceDescription
from b12ms.cds.order_select import order_select_cards, relevant_orders
from b12ms.cds.prefetch import gather, patient_prefetch
from b12ms.cds.settings import CdsSettings
from b12ms.errors import ConfigError, InputError, Problem
from b12ms.fhir.codes import CodeTable
from b12ms.fhir.mapping import FhirAssessment, OutOfScopeError, assess_mapping, map_resources
from b12ms.inputs import validate_input
from b12ms.knowledge import Knowledge

__all__ = ["CdsService", "ServiceCall", "default_services", "register"]

logger = logging.getLogger("b12ms.cds")

PATIENT_VIEW_ID = "b12ms-patient-view"
ORDER_SELECT_ID = "b12ms-order-select"


@dataclass(frozen=True)
class ServiceCall:
    service_id: str
    request: CdsRequest
    settings: CdsSettings
    kb: Knowledge
    table: CodeTable
    as_of: date
    prefetch: Mapping[str, str]


@dataclass(frozen=True)
class CdsService:
    id: str
    hook: str
    title: str
    description: str
    prefetch: Mapping[str, str]
    usage: str
    handler: Callable[[ServiceCall], Awaitable[list[Card]]]

    def describe(self) -> ServiceDescription:
        return ServiceDescription(
            hook=self.hook,
            title=self.title,
            description=self.description,
            id=self.id,
            prefetch=dict(self.prefetch),
            usageRequirements=self.usage,
        )


def register(services: Iterable[CdsService]) -> dict[str, CdsService]:
    """Services by id; two services with one id is a configuration error."""
    out: dict[str, CdsService] = {}
    for service in services:
        if service.id in out:
            raise ConfigError(f"CDS service id {service.id!r} is registered twice")
        out[service.id] = service
    return out


def _context(model: type[PatientViewContext], call: ServiceCall) -> Any:
    try:
        return validate_input(model, call.request.context)
    except InputError as error:
        raise InputError(
            [Problem(f"context.{p.path}".rstrip("."), p.message, p.suggestion) for p in error.problems]
        ) from None


async def _assess(call: ServiceCall, context: PatientViewContext, kit: CardKit) -> FhirAssessment | list[Card]:
    """The assessment, or the cards to answer instead (none when out of scope, one when not assessable)."""
    try:
        gathered = await gather(call.prefetch, call.request, call.request.context, call.settings)
        mapping = map_resources(gathered.located, call.kb, call.as_of, patient=f"Patient/{context.patientId}")
        if gathered.notes:
            mapping = dataclasses.replace(mapping, notes=(*gathered.notes, *mapping.notes))
        return assess_mapping(mapping, call.kb, call.as_of)
    except OutOfScopeError:
        logger.info("CDS %s: person out of scope (NICE NG239 covers 16 and over): no card", call.service_id)
        return []
    except InputError as error:
        logger.warning(
            "CDS %s: patient data not assessable (%d problem(s)): one card saying so",
            call.service_id,
            len(error.problems),
        )
        return [could_not_assess_card(error.problems, kit)]


async def _patient_view(call: ServiceCall) -> list[Card]:
    context = _context(PatientViewContext, call)
    kit = CardKit(call.kb, call.table, f"Patient/{context.patientId}")
    assessed = await _assess(call, context, kit)
    return assessed if isinstance(assessed, list) else patient_view_cards(assessed, kit)


async def _order_select(call: ServiceCall) -> list[Card]:
    context = _context(OrderSelectContext, call)
    orders = relevant_orders(context.draftOrders, context.selections, call.kb, call.table)
    if not orders:
        return []  # nothing selected that b12ms has an opinion on: no data needed, no card
    kit = CardKit(call.kb, call.table, f"Patient/{context.patientId}")
    assessed = await _assess(call, context, kit)
    return assessed if isinstance(assessed, list) else order_select_cards(orders, assessed, kit, call.as_of)


def default_services(table: CodeTable) -> list[CdsService]:
    prefetch = patient_prefetch(table)
    usage = (
        "Adults (16 and over). Needs the patient, B12-related Observations, Conditions and medicine records "
        "(prefetch, or fhirServer access). b12ms informs; it does not prescribe."
    )
    return [
        CdsService(
            id=PATIENT_VIEW_ID,
            hook="patient-view",
            title="Vitamin B12 status (NICE NG239) for people with or at risk of MS",
            description=(
                "Shows a card when B12 deficiency is likely or indeterminate (with the next tests), when a "
                "neurological red flag needs same-day review, when testing is indicated but was never done, and "
                "when results cannot be read (biotin, after B12 treatment, pregnancy). No card when B12 status is "
                "fine and no caution applies."
            ),
            prefetch=prefetch,
            usage=usage,
            handler=_patient_view,
        ),
        CdsService(
            id=ORDER_SELECT_ID,
            hook="order-select",
            title="B12 checks on selected orders",
            description=(
                "Warns when folic acid is selected while B12 status is unknown, indeterminate or deficient; notes "
                "that a B12 level is uninformative on established B12 injections; suggests active B12 instead of "
                "total B12 in pregnancy."
            ),
            prefetch=prefetch,
            usage=usage,
            handler=_order_select,
        ),
    ]
