"""The diet check: B12 eaten per item, per meal and per day, an absorbed estimate, and the targets.

:func:`compute_diet` is pure. It takes a validated :class:`DietInput`, the :class:`FoodTable` and
the :class:`Intakes` knowledge and returns a :class:`DietResult`; it reads no files and no clock and
never prints. Every fault in the input (an unknown or ambiguous food, an impossible amount, an
unknown unit, a missing portion) is collected and raised together as one
:class:`~b12ms.errors.InputError`, each problem at its field path (``meals[0].items[2].food``), so
a person fixes the whole file in one pass.

Three rules matter for safety:

* a food whose B12 was not analysed stays ``null``; it is never counted as zero, and the result is
  marked ``incomplete`` with the items listed (``tests/diet/test_diet_spec.py``);
* the absorbed amount is labelled an estimate and never exceeds what was eaten, because the model's
  two fractions add up to at most 1 (checked when ``intakes.toml`` loads);
* a target is "met" only when the analysed total reaches it; when some B12 is unknown and the known
  part falls short, whether it is met is ``null`` (unknown), not ``false``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from b12ms._version import __version__
from b12ms.diet.foods import Food, FoodTable
from b12ms.diet.intakes import AbsorptionModel, Intakes, LifeStage, NoteCondition
from b12ms.diet.result import (
    AbsorptionSummary,
    DietResult,
    FoodSourceResult,
    ItemResult,
    MealResult,
    NotAnalysedItem,
    NoteResult,
    Provenance,
    SupplementResult,
    TargetResult,
)
from b12ms.errors import InputError, Problem
from b12ms.inputs import closest

__all__ = [
    "PORTION_UNITS",
    "DietInput",
    "DietResult",
    "Dose",
    "Meal",
    "MealItem",
    "Supplement",
    "compute_diet",
    "estimate_absorbed_ug",
]

PORTION_UNITS = {"portion1": 1, "portion2": 2}
"""Household portions come from the food table itself (columns portion1_g and portion2_g)."""


class _InputModel(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False, str_strip_whitespace=True)


class MealItem(_InputModel):
    food: str = Field(min_length=1, description='An NDB number ("13327") or words from the description')
    amount: float = Field(gt=0, description="How much, in `unit`")
    unit: str = Field(min_length=1, description="g, oz, portion1 or portion2")


class Meal(_InputModel):
    name: str = Field(min_length=1)
    items: list[MealItem] = Field(min_length=1)


class Dose(_InputModel):
    value: float = Field(gt=0)
    unit: str = Field(min_length=1, description="ug (µg, mcg) or mg")


class Supplement(_InputModel):
    name: str = Field(min_length=1)
    # Injections are not a daily intake and bypass absorption altogether; the diet check leaves them
    # to the treatment pages. Sublingual B12 is counted like oral B12: it is largely swallowed.
    route: Literal["oral", "sublingual"]
    dose_per_day: Dose


class DietInput(_InputModel):
    """A day of eating, as given to ``b12ms diet FILE``."""

    age: int = Field(ge=0, le=130, description="Years; 130 is a typing-error guard, not a clinical limit")
    life_stage: LifeStage
    diet: Literal["omnivore", "pescatarian", "vegetarian", "vegan"]
    meals: list[Meal] = Field(min_length=1)
    supplements: list[Supplement] = Field(default_factory=list)


def estimate_absorbed_ug(dose_ug: float, model: AbsorptionModel) -> float:
    """B12 absorbed from one meal or one tablet: saturable intrinsic-factor uptake plus diffusion."""
    via_intrinsic_factor = min(model.intrinsic_factor_fraction.value * dose_ug, model.intrinsic_factor_capacity.value)
    return via_intrinsic_factor + model.passive_fraction.value * dose_ug


def _ug(value: float) -> float:
    # Three decimals: finer than any value in the table (two decimals per 100 g), and it keeps
    # floating-point noise such as 124.69500000000001 out of the JSON.
    return round(value, 3)


def _unit_choices(intakes: Intakes) -> list[str]:
    return [*intakes.mass_units, *PORTION_UNITS]


def _suggest_unit(given: str, intakes: Intakes) -> str | None:
    names = {name: name for name in _unit_choices(intakes)}
    for name, unit in intakes.mass_units.items():
        names.update(dict.fromkeys(unit.aliases, name))
    found = closest(given, names)
    return names[found] if found else None


def _portion_text(food: Food, unit_name: str) -> str | None:
    portion = food.household_portion(PORTION_UNITS[unit_name])
    return None if portion is None else f"{portion.description} = {portion.grams:g} g"


def _grams(item: MealItem, food: Food | None, path: str, intakes: Intakes) -> tuple[float, str | None]:
    """Grams of an item and its portion text; InputError for a unit that is unknown or missing.

    A portion unit can only be checked once the food is known, so ``food`` may be None only for
    mass units.
    """
    unit_name = item.unit.lower()
    if unit_name in PORTION_UNITS and food is not None:
        portion = food.household_portion(PORTION_UNITS[unit_name])
        if portion is None:
            others = [n for n in PORTION_UNITS if n != unit_name and _portion_text(food, n)]
            offered = "; ".join(f"{n} is {_portion_text(food, n)}" for n in others) or "it has no portions"
            raise InputError(
                Problem(
                    f"{path}.unit",
                    f"{food.label} has no {unit_name} in USDA SR26 ({offered}); or give g or oz",
                    suggestion=others[0] if others else "g",
                )
            )
        return item.amount * portion.grams, _portion_text(food, unit_name)
    found = intakes.mass_unit(item.unit)
    if found is None:
        choices = ", ".join(_unit_choices(intakes))
        raise InputError(
            Problem(
                f"{path}.unit",
                f"{item.unit!r} is not a unit b12ms knows for food; use one of {choices}",
                suggestion=_suggest_unit(item.unit, intakes),
            )
        )
    return item.amount * found[1].grams, None


def _check_item(
    item: MealItem, path: str, foods: FoodTable, intakes: Intakes
) -> tuple[Food, float, str | None] | list[Problem]:
    """The food, grams and portion text of one item, or every problem found with it."""
    problems: list[Problem] = []
    food: Food | None = None
    try:
        food = foods.resolve(item.food, path=f"{path}.food")
    except InputError as error:
        problems.extend(error.problems)
    grams, portion_text = 0.0, None
    if food is not None or item.unit.lower() not in PORTION_UNITS:
        try:
            grams, portion_text = _grams(item, food, path, intakes)
        except InputError as error:
            problems.extend(error.problems)
    limit = intakes.limits.max_grams_per_item.value
    if grams > limit:
        problems.append(
            Problem(
                f"{path}.amount",
                f"{item.amount:g} {item.unit} is {grams:,.0f} g, more than the {limit:,.0f} g per item "
                "b12ms accepts (product policy); check the amount and the unit",
            )
        )
    if problems or food is None:
        return problems
    return food, grams, portion_text


def _supplement_ug(supplement: Supplement, path: str, intakes: Intakes) -> float | list[Problem]:
    found = intakes.dose_unit(supplement.dose_per_day.unit)
    if found is None:
        names = {name: name for name in intakes.dose_units}
        for name, unit in intakes.dose_units.items():
            names.update(dict.fromkeys(unit.aliases, name))
        hint = closest(supplement.dose_per_day.unit, names)
        return [
            Problem(
                f"{path}.dose_per_day.unit",
                f"{supplement.dose_per_day.unit!r} is not a dose unit; use one of {', '.join(intakes.dose_units)}",
                suggestion=names[hint] if hint else None,
            )
        ]
    micrograms = supplement.dose_per_day.value * found[1].micrograms
    limit = intakes.limits.max_supplement_ug_per_day.value
    if micrograms > limit:
        return [
            Problem(
                f"{path}.dose_per_day.value",
                f"{micrograms:,.0f} µg a day is more than the {limit:,.0f} µg b12ms accepts "
                "(product policy); check the dose and the unit",
            )
        ]
    return micrograms


def _met(amount: float, target: float, *, unknown_part: bool) -> bool | None:
    if amount >= target:
        return True
    return None if unknown_part else False


def _notes(intakes: Intakes, conditions: set[NoteCondition], items: Sequence[ItemResult]) -> tuple[NoteResult, ...]:
    notes = [
        NoteResult(id=n.id, text=n.text, references=n.references) for n in intakes.notes if n.applies_when in conditions
    ]
    for caveat in intakes.food_caveats:
        paths = tuple(i.path for i in items if caveat.id in i.caveats)
        if paths:
            notes.append(NoteResult(id=caveat.id, text=caveat.text, references=caveat.references, items=paths))
    return tuple(notes)


def compute_diet(diet: DietInput, foods: FoodTable, intakes: Intakes) -> DietResult:
    """The diet check for one day. Raises :class:`InputError` listing every fault in ``diet``."""
    problems: list[Problem] = []
    checked: list[tuple[int, str, MealItem, Food, float, str | None]] = []
    for meal_index, meal in enumerate(diet.meals):
        for item_index, item in enumerate(meal.items):
            path = f"meals[{meal_index}].items[{item_index}]"
            outcome = _check_item(item, path, foods, intakes)
            if isinstance(outcome, list):
                problems.extend(outcome)
            else:
                checked.append((meal_index, path, item, *outcome))
    doses: list[float] = []
    for index, supplement in enumerate(diet.supplements):
        dose = _supplement_ug(supplement, f"supplements[{index}]", intakes)
        if isinstance(dose, list):
            problems.extend(dose)
        else:
            doses.append(dose)
    if problems:
        raise InputError(problems)

    items: list[ItemResult] = []
    meal_known_ug = [0.0] * len(diet.meals)
    meal_incomplete = [False] * len(diet.meals)
    for meal_index, path, item, food, grams, portion_text in checked:
        b12 = None if food.b12_ug_per_100g is None else food.b12_ug_per_100g * grams / 100
        if b12 is None:
            meal_incomplete[meal_index] = True
        else:
            meal_known_ug[meal_index] += b12
        items.append(
            ItemResult(
                path=path,
                meal_index=meal_index,
                meal=diet.meals[meal_index].name,
                query=item.food,
                ndb_no=food.ndb_no,
                description=food.description,
                food_group=food.food_group,
                amount=item.amount,
                unit=item.unit,
                portion_description=portion_text,
                grams=round(grams, 2),
                b12_ug_per_100g=food.b12_ug_per_100g,
                b12_ug=None if b12 is None else _ug(b12),
                caveats=tuple(c.id for c in intakes.food_caveats if c.applies_to(food.ndb_no, food.food_group)),
            )
        )

    model = intakes.absorption
    meals = tuple(
        MealResult(
            name=meal.name,
            b12_ug=_ug(meal_known_ug[i]),
            incomplete=meal_incomplete[i],
            absorbed_b12_ug_estimate=_ug(estimate_absorbed_ug(meal_known_ug[i], model)),
        )
        for i, meal in enumerate(diet.meals)
    )
    supplements = tuple(
        SupplementResult(
            name=s.name,
            route=s.route,
            dose_ug_per_day=_ug(dose),
            absorbed_b12_ug_estimate=_ug(estimate_absorbed_ug(dose, model)),
        )
        for s, dose in zip(diet.supplements, doses, strict=True)
    )
    food_ug, supplement_ug = sum(meal_known_ug), sum(doses)
    absorbed_food = sum(estimate_absorbed_ug(d, model) for d in meal_known_ug)
    absorbed_supplements = sum(estimate_absorbed_ug(d, model) for d in doses)
    incomplete = any(meal_incomplete)

    targets = intakes.targets_for(diet.life_stage, diet.age)
    conditions: set[NoteCondition] = {"always"}
    if diet.diet in ("vegetarian", "vegan"):
        conditions.add("plant_based_diet")
    if doses:
        conditions.add("supplement_taken")
    if incomplete:
        conditions.add("incomplete")
    if not targets:
        conditions.add("no_target_for_age")

    return DietResult(
        age=diet.age,
        life_stage=diet.life_stage,
        diet=diet.diet,
        items=tuple(items),
        meals=meals,
        supplements=supplements,
        food_b12_ug=_ug(food_ug),
        supplement_b12_ug=_ug(supplement_ug),
        total_b12_ug=_ug(food_ug + supplement_ug),
        incomplete=incomplete,
        not_analysed=tuple(
            NotAnalysedItem(path=i.path, ndb_no=i.ndb_no, description=i.description) for i in items if i.b12_ug is None
        ),
        absorbed_b12_ug=AbsorptionSummary(
            from_food=_ug(absorbed_food),
            from_supplements=_ug(absorbed_supplements),
            total=_ug(absorbed_food + absorbed_supplements),
            model=model.summary,
            intrinsic_factor_capacity_ug_per_meal=model.intrinsic_factor_capacity.value,
            intrinsic_factor_fraction=model.intrinsic_factor_fraction.value,
            passive_fraction=model.passive_fraction.value,
            references=tuple(
                dict.fromkeys(
                    model.intrinsic_factor_capacity.references
                    + model.intrinsic_factor_fraction.references
                    + model.passive_fraction.references
                )
            ),
        ),
        targets=tuple(
            TargetResult(
                id=t.id,
                short_name=t.short_name,
                name=t.name,
                life_stage=t.life_stage,
                value_ug_per_day=t.value,
                references=t.references,
                basis=t.basis,
                verified=t.verified,
                met_by_food=_met(food_ug, t.value, unknown_part=incomplete),
                met_by_food_and_supplements=_met(food_ug + supplement_ug, t.value, unknown_part=incomplete),
            )
            for t in targets
        ),
        notes=_notes(intakes, conditions, items),
        provenance=Provenance(
            package_version=__version__,
            food_table=FoodSourceResult(
                reference=intakes.food_source.reference,
                name=intakes.food_source.name,
                short_name=intakes.food_source.short_name,
                file=foods.source,
                sha256=foods.sha256,
            ),
            intakes_sha256=intakes.sha256,
        ),
    )
