"""Conventions shared by every knowledge record.

Every record is a frozen pydantic model that forbids unknown keys, so a typo in a data file
fails on load instead of being ignored. Cross-file checks (dangling reference ids, duplicate
ids) live in :mod:`b12ms.knowledge.loader`.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

_ID = re.compile(r"^[a-z][a-z0-9_]*$")


def _check_id(value: str) -> str:
    if not _ID.match(value):
        raise ValueError(f"id {value!r} must be lower_snake_case ascii (a-z, 0-9, _)")
    return value


Id = Annotated[str, AfterValidator(_check_id)]
"""A stable identifier: lower_snake_case, never reused for something else."""

RefIds = Annotated[tuple[Id, ...], Field(min_length=1)]
"""One or more bibliography ids; the loader checks that each resolves."""

Basis = Literal["guideline", "regulator", "licence", "product_policy", "research"]
"""Where a number or statement comes from.

``product_policy`` marks a choice b12ms makes where guidelines are silent; every text built from
such a record says so. ``research`` marks figures from papers that are not part of a guideline
(for example the cB12 index).
"""


class Record(BaseModel):
    """Base of all knowledge records: immutable, no unknown keys."""

    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)


class Reference(Record):
    """One bibliography entry."""

    id: Id
    kind: Literal[
        "guideline",
        "regulator",
        "licence",
        "systematic_review",
        "trial",
        "observational",
        "case_report",
        "review",
        "laboratory",
        "reference_values",
        "animal_study",
        "web_page",
        "article",
    ]
    citation: str = Field(min_length=10)
    what: str = Field(min_length=5, description="What the source is and why b12ms cites it")
    url: str | None = None
    doi: str | None = None
    pmid: str | None = None
    verified: Literal["primary", "secondary", "unverified"] = "secondary"
    accessed: date | None = None
