"""Intake targets, the absorption model and the diet-check policies, from ``intakes.toml``.

The file is knowledge, not code: every number carries its unit, its references and its basis, and
each is checked here on load (unknown keys, duplicate ids, wrong units, fractions outside 0–1, a
life stage without a target). A broken file raises :class:`~b12ms.errors.KnowledgeError` naming the
file and the entry. Whether each reference id resolves is checked against the bibliography when the
caller passes ``known_reference_ids`` (the central knowledge loader does). Pinned by
``tests/diet/test_diet_spec.py``.
"""

from __future__ import annotations

import hashlib
import math
import tomllib
from collections.abc import Collection
from pathlib import Path
from typing import Literal, Self, TypeVar

from pydantic import Field, ValidationError, field_validator, model_validator

from b12ms.errors import KnowledgeError
from b12ms.inputs import field_path
from b12ms.knowledge.base import Basis, Id, Record, RefIds

__all__ = [
    "DEFAULT_INTAKES_PATH",
    "AbsorptionModel",
    "DoseUnit",
    "FoodCaveat",
    "FoodSource",
    "Intakes",
    "LifeStage",
    "Limits",
    "MassUnit",
    "Note",
    "NoteCondition",
    "SourcedNumber",
    "Target",
    "load_intakes",
]

DEFAULT_INTAKES_PATH = Path(__file__).resolve().parents[1] / "knowledge" / "data" / "intakes.toml"

LifeStage = Literal["adult", "pregnant", "breastfeeding"]
NoteCondition = Literal["always", "plant_based_diet", "supplement_taken", "incomplete", "no_target_for_age"]
Verified = Literal["primary", "secondary"]
"""The dossier's marks: [V] → primary, [S] → secondary. Unverified ([R]) figures are not encoded."""


class Sourced(Record):
    """Where a figure comes from. Only our own product policy may leave ``verified`` out."""

    references: RefIds
    basis: Basis
    verified: Verified | None = None
    why: str | None = None

    @model_validator(mode="after")
    def _verified_unless_policy(self) -> Self:
        if self.verified is None and self.basis != "product_policy":
            raise ValueError("needs `verified` (primary or secondary) unless basis is product_policy")
        return self


class SourcedNumber(Sourced):
    """A number with its unit and sources."""

    value: float
    unit: str

    @field_validator("value")
    @classmethod
    def _finite(cls, value: float) -> float:
        if not math.isfinite(value):
            raise ValueError("must be a finite number")
        return value

    def expect_unit(self, unit: str) -> None:
        if self.unit != unit:
            raise ValueError(f"unit must be {unit!r}, not {self.unit!r}")


class Target(Sourced):
    """A reference intake for one life stage, such as the US RDA of 2.4 µg/day for adults."""

    id: Id
    short_name: str = Field(min_length=2)
    name: str = Field(min_length=5)
    life_stage: LifeStage
    value: float = Field(gt=0, allow_inf_nan=False)
    unit: Literal["ug/day"]
    from_age_years: int = Field(ge=0)


class AbsorptionModel(Record):
    """Saturable intrinsic-factor uptake per meal plus passive diffusion (formula in intakes.toml)."""

    summary: str = Field(min_length=20)
    intrinsic_factor_capacity: SourcedNumber
    """Most B12 taken up through intrinsic factor from one meal or one tablet, µg."""
    intrinsic_factor_fraction: SourcedNumber
    """Share of a dose taken up through intrinsic factor below the capacity."""
    passive_fraction: SourcedNumber
    """Share of the whole dose taken up by passive diffusion."""

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        self.intrinsic_factor_capacity.expect_unit("ug/meal")
        if self.intrinsic_factor_capacity.value <= 0:
            raise ValueError("intrinsic_factor_capacity must be above 0")
        for fraction in (self.intrinsic_factor_fraction, self.passive_fraction):
            fraction.expect_unit("1")
            if not 0 < fraction.value <= 1:
                raise ValueError("fractions must be above 0 and at most 1")
        # Guarantees the estimate never exceeds the dose (tests/diet/test_diet_spec.py property).
        if self.intrinsic_factor_fraction.value + self.passive_fraction.value > 1:
            raise ValueError("intrinsic_factor_fraction + passive_fraction must not exceed 1")
        return self


class MassUnit(Sourced):
    """A unit for food amounts and its weight in grams."""

    grams: float = Field(gt=0, allow_inf_nan=False)
    aliases: tuple[str, ...] = ()


class DoseUnit(Sourced):
    """A unit for supplement doses and its size in micrograms."""

    micrograms: float = Field(gt=0, allow_inf_nan=False)
    aliases: tuple[str, ...] = ()


class Limits(Record):
    """Plausibility limits (product policy): beyond them b12ms asks instead of computing."""

    max_grams_per_item: SourcedNumber
    max_supplement_ug_per_day: SourcedNumber

    @model_validator(mode="after")
    def _units_and_values(self) -> Self:
        self.max_grams_per_item.expect_unit("g")
        self.max_supplement_ug_per_day.expect_unit("ug/day")
        if self.max_grams_per_item.value <= 0 or self.max_supplement_ug_per_day.value <= 0:
            raise ValueError("limits must be above 0")
        return self


class Note(Record):
    """A plain-language note shown with a diet result when its condition holds."""

    id: Id
    applies_when: NoteCondition
    text: str = Field(min_length=20)
    references: RefIds
    verified: Verified | None = None


class FoodCaveat(Record):
    """A warning attached to particular foods (by NDB number or USDA food group)."""

    id: Id
    ndb_numbers: tuple[str, ...] = ()
    food_groups: tuple[str, ...] = ()
    text: str = Field(min_length=20)
    references: RefIds
    verified: Verified | None = None

    @model_validator(mode="after")
    def _matches_something(self) -> Self:
        if not self.ndb_numbers and not self.food_groups:
            raise ValueError("needs ndb_numbers or food_groups")
        for ndb_no in self.ndb_numbers:
            if len(ndb_no) != 5 or not ndb_no.isdigit():
                raise ValueError(f"NDB number {ndb_no!r} must be 5 digits")
        return self

    def applies_to(self, ndb_no: str, food_group: str | None) -> bool:
        return ndb_no in self.ndb_numbers or (food_group is not None and food_group in self.food_groups)


class FoodSource(Record):
    """Which food-composition table the figures come from, shown with every result."""

    reference: Id
    name: str = Field(min_length=5)
    short_name: str = Field(min_length=3)


class Intakes(Record):
    """Everything the diet check knows besides the food table."""

    food_source: FoodSource
    targets: tuple[Target, ...] = Field(alias="target", min_length=1)
    absorption: AbsorptionModel
    mass_units: dict[str, MassUnit] = Field(alias="mass_unit", min_length=1)
    dose_units: dict[str, DoseUnit] = Field(alias="dose_unit", min_length=1)
    limits: Limits
    notes: tuple[Note, ...] = Field(alias="note")
    food_caveats: tuple[FoodCaveat, ...] = Field(alias="food_caveat", default=())
    sha256: str = Field(default="", description="SHA-256 of the file, set by load_intakes")

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        ids = [t.id for t in self.targets] + [n.id for n in self.notes] + [c.id for c in self.food_caveats]
        duplicates = sorted({i for i in ids if ids.count(i) > 1})
        if duplicates:
            raise ValueError(f"duplicate ids: {', '.join(duplicates)}")
        missing = [stage for stage in ("adult", "pregnant", "breastfeeding") if stage not in self.life_stages]
        if missing:
            raise ValueError(f"no target for life stage(s): {', '.join(missing)}")
        for kind, table in (("mass_unit", self.mass_units), ("dose_unit", self.dose_units)):
            names = [n.lower() for n in table] + [a.lower() for u in table.values() for a in u.aliases]
            clashes = sorted({n for n in names if names.count(n) > 1})
            if clashes:
                raise ValueError(f"{kind}: names or aliases used twice: {', '.join(clashes)}")
        return self

    @property
    def life_stages(self) -> frozenset[str]:
        return frozenset(t.life_stage for t in self.targets)

    def targets_for(self, life_stage: LifeStage, age_years: int) -> tuple[Target, ...]:
        """Targets stated for this life stage at this age, in file order."""
        return tuple(t for t in self.targets if t.life_stage == life_stage and age_years >= t.from_age_years)

    def mass_unit(self, name: str) -> tuple[str, MassUnit] | None:
        """``(canonical name, unit)`` for a unit name or alias (case-insensitive), or None."""
        return _find_unit(self.mass_units, name)

    def dose_unit(self, name: str) -> tuple[str, DoseUnit] | None:
        """``(canonical name, unit)`` for a dose unit name or alias (case-insensitive), or None."""
        return _find_unit(self.dose_units, name)

    def reference_ids(self) -> frozenset[str]:
        """Every bibliography id this file cites, for the dangling-reference check."""
        cited: set[str] = {self.food_source.reference}
        sourced: list[Sourced] = [*self.targets, *self.mass_units.values(), *self.dose_units.values()]
        sourced += [self.limits.max_grams_per_item, self.limits.max_supplement_ug_per_day]
        absorption = self.absorption
        sourced += [
            absorption.intrinsic_factor_capacity,
            absorption.intrinsic_factor_fraction,
            absorption.passive_fraction,
        ]
        for item in sourced:
            cited.update(item.references)
        for note in self.notes:
            cited.update(note.references)
        for caveat in self.food_caveats:
            cited.update(caveat.references)
        return frozenset(cited)


_Unit = TypeVar("_Unit", MassUnit, DoseUnit)


def _find_unit(table: dict[str, _Unit], name: str) -> tuple[str, _Unit] | None:
    wanted = name.strip().lower()
    for canonical, unit in table.items():
        if wanted == canonical.lower() or wanted in (alias.lower() for alias in unit.aliases):
            return canonical, unit
    return None


def load_intakes(path: Path = DEFAULT_INTAKES_PATH, *, known_reference_ids: Collection[str] | None = None) -> Intakes:
    """Read and validate ``intakes.toml``; problems raise :class:`KnowledgeError` naming the entry."""
    try:
        raw_bytes = path.read_bytes()
        data = tomllib.loads(raw_bytes.decode("utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        raise KnowledgeError(f"{path}: cannot read intakes: {error}") from None
    data["sha256"] = hashlib.sha256(raw_bytes).hexdigest()
    try:
        intakes = Intakes.model_validate(data)
    except ValidationError as error:
        faults = "; ".join(f"{field_path(e['loc']) or '(file)'}: {e['msg']}" for e in error.errors(include_url=False))
        raise KnowledgeError(f"{path}: {faults}") from None
    if known_reference_ids is not None:
        dangling = sorted(intakes.reference_ids() - set(known_reference_ids))
        if dangling:
            raise KnowledgeError(f"{path}: cites reference ids not in the bibliography: {', '.join(dangling)}")
    return intakes
