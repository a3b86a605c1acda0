"""The output of the diet check: what ``b12ms diet --format json`` prints.

Pydantic models so that ``DietResult.model_dump(mode="json")`` *is* the JSON output (no JSON built
by hand). Every B12 figure is in micrograms; ``null`` means "not analysed in USDA SR26", never zero.
Built only by :func:`b12ms.diet.calculator.compute_diet`.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from b12ms.engine.assessment import Versions

__all__ = [
    "AbsorptionSummary",
    "DietResult",
    "FoodSourceResult",
    "ItemResult",
    "MealResult",
    "NotAnalysedItem",
    "NoteResult",
    "Provenance",
    "SupplementResult",
    "TargetResult",
]


class _OutputModel(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ItemResult(_OutputModel):
    path: str = Field(description="Where the item is in the input, e.g. meals[0].items[2]")
    meal_index: int
    meal: str
    query: str = Field(description="The `food` text as given")
    ndb_no: str
    description: str
    food_group: str | None
    amount: float
    unit: str
    portion_description: str | None = Field(description="The household portion, when unit is a portion")
    grams: float
    b12_ug_per_100g: float | None = Field(description="null = not analysed in USDA SR26, not zero")
    b12_ug: float | None = Field(description="null = not analysed in USDA SR26, not zero")
    caveats: tuple[str, ...] = Field(description="Ids of notes about this particular food")


class MealResult(_OutputModel):
    name: str
    b12_ug: float = Field(description="B12 of the analysed items of this meal")
    incomplete: bool
    absorbed_b12_ug_estimate: float


class SupplementResult(_OutputModel):
    name: str
    route: str
    dose_ug_per_day: float
    absorbed_b12_ug_estimate: float


class NotAnalysedItem(_OutputModel):
    path: str
    ndb_no: str
    description: str


class AbsorptionSummary(_OutputModel):
    """The absorbed estimate and the model behind it, so a reader can redo the arithmetic."""

    is_estimate: Literal[True] = True
    from_food: float
    from_supplements: float
    total: float
    model: str
    intrinsic_factor_capacity_ug_per_meal: float
    intrinsic_factor_fraction: float
    passive_fraction: float
    references: tuple[str, ...]


class TargetResult(_OutputModel):
    id: str
    short_name: str
    name: str
    life_stage: str
    value_ug_per_day: float
    references: tuple[str, ...]
    basis: str
    verified: str | None
    met_by_food: bool | None = Field(description="null when unanalysed foods leave it undecided")
    met_by_food_and_supplements: bool | None


class NoteResult(_OutputModel):
    id: str
    text: str
    references: tuple[str, ...]
    items: tuple[str, ...] = Field(default=(), description="Item paths the note is about, if any")


class FoodSourceResult(_OutputModel):
    reference: str
    name: str
    short_name: str
    file: str
    sha256: str


class Provenance(_OutputModel):
    package_version: str
    food_table: FoodSourceResult
    intakes_sha256: str


class DietResult(_OutputModel):
    """The answer of ``b12ms diet``; ``model_dump(mode="json")`` is its JSON output."""

    age: int
    life_stage: str
    diet: str
    items: tuple[ItemResult, ...]
    meals: tuple[MealResult, ...]
    supplements: tuple[SupplementResult, ...]
    food_b12_ug: float = Field(description="Analysed foods only; see `incomplete`")
    supplement_b12_ug: float
    total_b12_ug: float = Field(description="Food plus supplements")
    incomplete: bool = Field(description="True when any item's B12 was not analysed")
    not_analysed: tuple[NotAnalysedItem, ...]
    absorbed_b12_ug: AbsorptionSummary
    targets: tuple[TargetResult, ...]
    notes: tuple[NoteResult, ...]
    provenance: Provenance
    versions: Versions | None = Field(
        None, description="b12ms and knowledge versions and content hash, set by the adapter that ran the check"
    )
