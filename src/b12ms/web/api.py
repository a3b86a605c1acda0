"""The JSON API, version 1: thin routes that parse, call the library and return its models.

Every route documents its error statuses (``responses=``) so the OpenAPI schema is complete and a
schemathesis run finds no undocumented status (``tests/web/test_schema.py``). Bodies are
validated by the library's own models; :mod:`b12ms.web.errors` turns a failure into the same
field-path messages the CLI prints.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, cast

from fastapi import APIRouter, Depends, Query, Request

from b12ms._version import __version__
from b12ms.claims import claim_json, get_claim, search_claims
from b12ms.diet import DietInput, DietResult, FoodTable, Intakes, compute_diet
from b12ms.engine import Assessment, PatientSnapshot, assess
from b12ms.engine.assessment import Versions
from b12ms.errors import InputError, Problem
from b12ms.inputs import closest
from b12ms.knowledge import Knowledge
from b12ms.knowledge.evidence_schema import Topic, Verdict
from b12ms.render.knowledge_text import knowledge_summary
from b12ms.web.errors import NotFoundError
from b12ms.web.models import (
    ERROR_RESPONSES,
    ClaimOut,
    ClaimsOut,
    ErrorBody,
    FoodOut,
    FoodsOut,
    HealthOut,
    KnowledgeOut,
)

__all__ = ["api_router", "health_router"]

api_router = APIRouter(prefix="/api/v1", responses=ERROR_RESPONSES)
health_router = APIRouter()


def _knowledge(request: Request) -> Knowledge:
    return cast(Knowledge, request.app.state.knowledge)


def _foods(request: Request) -> FoodTable:
    return cast(FoodTable, request.app.state.foods)


def _intakes(request: Request) -> Intakes:
    return cast(Intakes, request.app.state.intakes)


ISO_DATE = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"

KnowledgeDep = Annotated[Knowledge, Depends(_knowledge)]


@health_router.get(
    "/healthz",
    response_model=HealthOut,
    tags=["service"],
    responses={500: {"model": ErrorBody, "description": "A bug"}},
)
def healthz(kb: KnowledgeDep) -> HealthOut:
    """Liveness: the process answers and its knowledge is loaded. Needs no token."""
    return HealthOut(status="ok", b12ms=__version__, knowledge=kb.version)


@api_router.post("/assess", response_model=Assessment, tags=["assessment"])
def assess_snapshot(
    snapshot: PatientSnapshot,
    kb: KnowledgeDep,
    as_of: Annotated[
        str | None,
        Query(
            pattern=ISO_DATE,
            json_schema_extra={"format": "date"},
            description="Assessment date (YYYY-MM-DD) when the snapshot has no as_of; default: today",
        ),
    ] = None,
) -> Assessment:
    """Assess one person's B12 status from a snapshot (facts and lab results).

    The date is the snapshot's ``as_of``, else the ``as_of`` query parameter, else today.
    """
    # A str, not a date: pydantic would read as_of=0 as 1970-01-01 (a Unix timestamp).
    # The query is checked even when the snapshot's own date wins: a bad parameter is an error.
    query_date = _parse_date(as_of, "as_of") if as_of is not None else None
    when = snapshot.as_of or query_date or date.today()  # the clock lives at the edge
    return assess(snapshot, kb, when)


def _parse_date(text: str, path: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InputError(Problem(path, f"{text!r} is not a date in the form YYYY-MM-DD")) from None


@api_router.get("/claims", response_model=ClaimsOut, tags=["claims"])
def list_claims(
    kb: KnowledgeDep,
    q: Annotated[str | None, Query(max_length=200, description="Words to search for; empty lists all")] = None,
    verdict: Annotated[Verdict | None, Query(description="Only claims with this verdict")] = None,
    seed: Annotated[str | None, Query(max_length=100, description="Only claims from this seed article")] = None,
    topic: Annotated[Topic | None, Query(description="Only claims about this topic")] = None,
) -> ClaimsOut:
    """Graded claims about B12 and MS, best match first, as ``b12ms claims --format json``."""
    if seed is not None:
        seeds = sorted({claim.seed for claim in kb.evidence.claims})
        if seed not in seeds:
            raise InputError(Problem("seed", f"no claims come from seed {seed!r}", closest(seed, seeds)))
    found = [
        claim
        for claim in search_claims(kb, q)
        if (verdict is None or claim.verdict == verdict)
        and (seed is None or claim.seed == seed)
        and (topic is None or claim.topic == topic)
    ]
    claims = [ClaimOut.model_validate(claim_json(claim, kb)) for claim in found]
    return ClaimsOut(knowledge=kb.version, count=len(claims), claims=claims)


@api_router.get(
    "/claims/{id}",
    response_model=ClaimOut,
    tags=["claims"],
    responses={404: {"model": ErrorBody, "description": "No claim has this id; the closest is suggested"}},
)
def show_claim(id: str, kb: KnowledgeDep) -> ClaimOut:
    """One claim in full: verdict, certainty, explanation, sources and citation check."""
    try:
        claim = get_claim(kb, id)
    except InputError as error:
        raise NotFoundError(list(error.problems)) from None
    return ClaimOut.model_validate(claim_json(claim, kb))


@api_router.post("/diet", response_model=DietResult, tags=["diet"])
def check_diet(
    plan: DietInput,
    kb: KnowledgeDep,
    foods: Annotated[FoodTable, Depends(_foods)],
    intakes: Annotated[Intakes, Depends(_intakes)],
) -> DietResult:
    """How much B12 a day of eating gives, against the UK, US and EU reference intakes."""
    result = compute_diet(plan, foods, intakes)
    versions = Versions(b12ms=__version__, knowledge=kb.version, knowledge_sha256=kb.sha256)
    return result.model_copy(update={"versions": versions})


@api_router.get("/foods", response_model=FoodsOut, tags=["diet"])
def search_foods(
    foods: Annotated[FoodTable, Depends(_foods)],
    q: Annotated[str, Query(min_length=1, max_length=200, description="Words describing the food")],
    limit: Annotated[int, Query(ge=1, le=100, description="How many foods to list")] = 10,
) -> FoodsOut:
    """Find foods in the USDA SR26 table by words (abbreviations such as CKD and W/ understood)."""
    rows = [
        FoodOut(
            ndb_no=match.food.ndb_no,
            description=match.food.description,
            food_group=match.food.food_group,
            b12_ug_per_100g=match.food.b12_ug_per_100g,
        )
        for match in foods.search(q, limit=limit)
    ]
    return FoodsOut(query=q, foods=rows)


@api_router.get("/knowledge", response_model=KnowledgeOut, tags=["knowledge"])
def knowledge(kb: KnowledgeDep) -> KnowledgeOut:
    """The knowledge version, its content hash, and every band and threshold with its references."""
    return KnowledgeOut.model_validate(knowledge_summary(kb))


@api_router.post(
    "/fhir/assess",
    tags=["assessment", "FHIR"],
    response_model=None,
    responses={
        200: {
            "description": "The Assessment (JSON), or with format=fhir a FHIR R4 collection Bundle",
            "content": {"application/json": {"schema": {"type": "object"}}},
        }
    },
)
async def assess_fhir_bundle(
    request: Request,
    kb: KnowledgeDep,
    as_of: Annotated[
        str | None,
        Query(pattern=ISO_DATE, json_schema_extra={"format": "date"}, description="Assessment date; default today"),
    ] = None,
    format: Annotated[
        str, Query(pattern="^(json|fhir)$", description="json: the Assessment; fhir: a FHIR R4 Bundle")
    ] = "json",
) -> dict[str, object]:
    """Assess FHIR R4 input (a Bundle or a list of resources), mapped as ``b12ms assess --fhir`` does.

    Unknown codes and units become findings; a malformed resource is a 422 naming its location
    (``Bundle.entry[3].resource.valueQuantity.unit``).
    """
    import json
    from datetime import UTC, datetime

    from b12ms.fhir import assess_fhir, assessment_to_bundle

    when = _parse_date(as_of, "as_of") if as_of is not None else date.today()
    try:
        data = json.loads(await request.body())
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise InputError(Problem("", f"the body is not JSON: {error}")) from None
    result = assess_fhir(data, kb, when)
    if format == "fhir":
        return assessment_to_bundle(result.assessment, kb, recorded=datetime.now(UTC), mapping=result.mapping)
    return result.assessment.model_dump(mode="json")
