"""``PatientSnapshot``: one person's facts and lab results, as b12ms accepts them (JSON shape).

This model checks structure only (types, required fields, no unknown keys, dates, values that
can never be right such as negative or NaN numbers). Matching names against the vocabularies,
units and plausibility windows needs the knowledge and happens in :mod:`b12ms.engine.normalise`,
which reports unknown names as findings rather than errors.
"""

from __future__ import annotations

import math
from datetime import date
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, field_validator, model_validator

__all__ = ["Dose", "LabResult", "PatientSnapshot", "ReferenceRange", "Supplement"]


def _date_text(value: Any) -> Any:
    # Input models are strict (no number read as a date, no false read as 0); dates arrive as
    # ISO text from JSON and are parsed here, so "2026-10-01" passes and 0 or "01/10/2026" fail.
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            raise ValueError(f"{value!r} is not a date written YYYY-MM-DD") from None
    raise ValueError("must be a date written YYYY-MM-DD")


IsoDate = Annotated[date, BeforeValidator(_date_text)]


class _Input(BaseModel):
    # strict: JSON types must be the right ones (true is not 1, "150" is not 150); a person's
    # data is checked, never coerced.
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True, strict=True)


def _finite_non_negative(value: float) -> float:
    if math.isnan(value) or math.isinf(value):
        raise ValueError("must be a finite number")
    if value < 0:
        raise ValueError(f"must not be negative (got {value:g})")
    return value


class Dose(_Input):
    value: float
    unit: str = Field(min_length=1)

    _check_value = field_validator("value")(_finite_non_negative)


class Supplement(_Input):
    name: str = Field(min_length=1)
    dose_per_day: Dose | None = None
    route: Literal["oral", "sublingual", "intramuscular"] | None = None
    started: IsoDate | None = None
    last_taken: IsoDate | None = None

    @model_validator(mode="after")
    def _dates_in_order(self) -> Supplement:
        if self.started and self.last_taken and self.last_taken < self.started:
            raise ValueError("last_taken is before started")
        return self


class ReferenceRange(_Input):
    """The laboratory's own range, in the same unit as the result."""

    low: float | None = None
    high: float | None = None

    _check_low = field_validator("low")(lambda v: v if v is None else _finite_non_negative(v))
    _check_high = field_validator("high")(lambda v: v if v is None else _finite_non_negative(v))

    @model_validator(mode="after")
    def _ordered(self) -> ReferenceRange:
        if self.low is not None and self.high is not None and self.low >= self.high:
            raise ValueError("reference_range low must be below high")
        return self


class LabResult(_Input):
    analyte: str = Field(min_length=1)
    date: IsoDate
    value: float | None = None
    unit: str | None = None
    result: str | None = Field(None, description="For qualitative tests, e.g. positive / negative")
    reference_range: ReferenceRange | None = None

    @field_validator("value")
    @classmethod
    def _value_is_a_number(cls, value: float | None) -> float | None:
        return None if value is None else _finite_non_negative(value)

    @model_validator(mode="after")
    def _value_or_result(self) -> LabResult:
        if self.value is None and self.result is None:
            raise ValueError("a lab result needs a value with a unit, or a result such as 'positive'")
        if self.value is not None and self.result is not None:
            raise ValueError("give either value (with unit) or result, not both")
        return self


class PatientSnapshot(_Input):
    """Everything b12ms knows about one person at one time. Only the labs' core fields are required."""

    as_of: IsoDate | None = None
    age: int | None = Field(None, ge=16, le=120, description="Years; NICE NG239 covers people aged 16 and over")
    sex: Literal["female", "male", "other", "unknown"] | None = None
    ms: Literal["no", "suspected", "diagnosed"] | None = None
    pregnant: bool | None = None
    breastfeeding: bool | None = None
    black_family_background: bool | None = None
    diet: str | None = None
    conditions: list[str] = Field(default_factory=list)
    surgery: list[str] = Field(default_factory=list)
    medications: list[str] = Field(default_factory=list)
    supplements: list[Supplement] = Field(default_factory=list)
    exposures: list[str] = Field(default_factory=list)
    symptoms: list[str] = Field(default_factory=list)
    signs: list[str] = Field(default_factory=list)
    labs: list[LabResult] = Field(default_factory=list)
