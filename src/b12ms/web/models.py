"""Response models of the JSON API that the library does not already define.

Declared so the OpenAPI schema is complete (schemathesis validates every response against it).
``Assessment`` and ``DietResult`` come from the library unchanged.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from b12ms.errors import Problem
from b12ms.knowledge.evidence_schema import Claim

__all__ = [
    "ERROR_RESPONSES",
    "AnalyteOut",
    "ClaimOut",
    "ClaimsOut",
    "ErrorBody",
    "ErrorKind",
    "FoodOut",
    "FoodsOut",
    "HealthOut",
    "KnowledgeOut",
    "ProblemOut",
    "error_body",
]

ErrorKind = Literal["input", "not_found", "unauthorised", "knowledge", "config", "internal", "http"]


class _Out(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ProblemOut(_Out):
    path: str = Field(description="Field path such as labs[0].unit; empty for the input as a whole")
    message: str
    suggestion: str | None = Field(description="What was probably meant, when b12ms can tell")


class ErrorBody(_Out):
    """Every error response has this shape; ``problems`` is filled for input errors."""

    error: ErrorKind
    message: str
    problems: list[ProblemOut] = Field(default_factory=list)


def error_body(kind: ErrorKind, message: str, problems: tuple[Problem, ...] | list[Problem] = ()) -> dict[str, Any]:
    """The JSON-ready body of an error response (built by the model, never by hand)."""
    items = [ProblemOut.model_validate(p.as_dict()) for p in problems]
    return ErrorBody(error=kind, message=message, problems=items).model_dump(mode="json")


ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorBody, "description": "The body is not valid JSON"},
    401: {"model": ErrorBody, "description": "A token is configured and the bearer token is missing or wrong"},
    422: {"model": ErrorBody, "description": "The input is wrong; each problem names its field path"},
    500: {"model": ErrorBody, "description": "The knowledge or settings are invalid, or a bug"},
}
"""Documented on every API route (``responses=``)."""


class HealthOut(_Out):
    status: Literal["ok"]
    b12ms: str
    knowledge: str


class ClaimOut(Claim):
    """A graded claim, as ``b12ms claims --format json`` prints it."""

    reference_citations: dict[str, str] = Field(description="Reference id → citation")


class ClaimsOut(_Out):
    knowledge: str
    count: int
    claims: list[ClaimOut]


class FoodOut(_Out):
    ndb_no: str
    description: str
    food_group: str | None
    b12_ug_per_100g: float | None = Field(description="null = not analysed in USDA SR26, not zero")


class FoodsOut(_Out):
    query: str
    foods: list[FoodOut]


class AnalyteOut(_Out):
    id: str
    name: str
    canonical_unit: str | None = Field(description="null for qualitative tests")
    units: list[str]
    loinc: list[str]


class KnowledgeOut(_Out):
    """The knowledge version, content hash, bands and thresholds with their references."""

    version: str
    sha256: str
    bands: list[dict[str, Any]]
    thresholds: list[dict[str, Any]]
    cb12: dict[str, Any]
    analytes: list[AnalyteOut]
    references: int = Field(description="How many references the bibliography holds")
