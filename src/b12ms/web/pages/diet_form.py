"""The diet form: meals of food rows and supplement rows, turned into a ``DietInput`` dict.

Field names: ``meals-1-name``, ``meals-1-items-0-food``/``-amount``/``-unit``, ``supplements-0-name``
/``-route``/``-dose_value``/``-dose_unit``. Empty rows and empty meals are skipped, and each entry
remembers its row so a library problem at ``meals[0].items[1].food`` is shown beside the box it
came from. A food typed as "15088 SARDINE,…" (how the type-ahead fills it in) is read as NDB
number 15088. Pinned by ``tests/web_pages/test_diet_pages.py``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from b12ms.errors import Problem
from b12ms.web.pages.form_values import FieldErrors, FormValues

__all__ = [
    "DEFAULT_MEALS",
    "DietOrigins",
    "diet_data",
    "diet_errors",
    "item_rows",
    "meal_count",
    "meal_name",
    "supplement_rows",
]

DEFAULT_MEALS = ("Breakfast", "Lunch", "Evening meal", "Snacks and drinks")
DEFAULT_ITEM_ROWS = 2
DEFAULT_SUPPLEMENT_ROWS = 1
MAX_ROWS = 30
_NDB_FIRST = re.compile(r"^\s*(\d{4,5})(?:\s|$)")
_PATH = re.compile(r"^(?P<head>meals\[(?P<meal>\d+)\](?:\.items\[(?P<item>\d+)\])?|supplements\[(?P<sup>\d+)\])")
_ITEM_PART = {"food": "food", "amount": "amount", "unit": "unit"}
_SUPPLEMENT_PART = {
    "name": "name",
    "route": "route",
    "dose_per_day.value": "dose_value",
    "dose_per_day.unit": "dose_unit",
}


def _highest(values: FormValues, prefix: str) -> int:
    pattern = re.compile(rf"^{re.escape(prefix)}-(\d+)-")
    found = [int(m.group(1)) for name in values.names() if (m := pattern.match(name))]
    return max(found, default=-1)


def meal_count(values: FormValues) -> int:
    return min(MAX_ROWS, max(len(DEFAULT_MEALS), _highest(values, "meals") + 1))


def item_rows(values: FormValues, meal: int, extra: int = 0) -> int:
    return min(MAX_ROWS, max(DEFAULT_ITEM_ROWS, _highest(values, f"meals-{meal}-items") + 1) + extra)


def supplement_rows(values: FormValues, extra: int = 0) -> int:
    return min(MAX_ROWS, max(DEFAULT_SUPPLEMENT_ROWS, _highest(values, "supplements") + 1) + extra)


def meal_name(values: FormValues, meal: int) -> str:
    return values.get(f"meals-{meal}-name") or (
        DEFAULT_MEALS[meal] if meal < len(DEFAULT_MEALS) else f"Meal {meal + 1}"
    )


@dataclass
class DietOrigins:
    """Where each entry of the diet dict came from, and numbers that were not numbers."""

    meals: dict[int, int] = field(default_factory=dict)
    items: dict[tuple[int, int], str] = field(default_factory=dict)
    supplements: dict[int, str] = field(default_factory=dict)
    problems: list[tuple[str, str]] = field(default_factory=list)

    def number(self, text: str, field_name: str, *, whole: bool = False) -> float | int | None:
        cleaned = text.strip()
        try:
            if whole:
                if not cleaned.isdigit():
                    raise ValueError(cleaned)
                return int(cleaned)
            return float(cleaned)
        except ValueError:
            message = "Enter a whole number" if whole else "Enter a number, like 150 or 0.5 (use a dot for decimals)"
            self.problems.append((field_name, message))
            return None


def _food(text: str) -> str:
    found = _NDB_FIRST.match(text)
    return found.group(1) if found else text


def diet_data(values: FormValues) -> tuple[dict[str, Any], DietOrigins]:
    origins = DietOrigins()
    data: dict[str, Any] = {}
    if values.get("age"):
        age = origins.number(values.get("age"), "age", whole=True)
        if age is not None:
            data["age"] = age
    for name in ("life_stage", "diet"):
        if values.get(name):
            data[name] = values.get(name)
    meals: list[dict[str, Any]] = []
    for meal in range(meal_count(values)):
        items: list[dict[str, Any]] = []
        for row in range(item_rows(values, meal)):
            prefix = f"meals-{meal}-items-{row}"
            food, amount = values.get(f"{prefix}-food"), values.get(f"{prefix}-amount")
            if not food and not amount:
                continue
            origins.items[(len(meals), len(items))] = prefix
            item: dict[str, Any] = {"food": _food(food), "unit": values.get(f"{prefix}-unit") or "g"}
            number = origins.number(amount, f"{prefix}-amount") if amount else None
            if number is not None:
                item["amount"] = number
            elif not amount:
                origins.problems.append((f"{prefix}-amount", "Enter how much, like 150 (grams) or 1 (portion)"))
            items.append(item)
        if items:
            origins.meals[len(meals)] = meal
            meals.append({"name": meal_name(values, meal), "items": items})
    data["meals"] = meals
    supplements: list[dict[str, Any]] = []
    for row in range(supplement_rows(values)):
        prefix = f"supplements-{row}"
        name, dose = values.get(f"{prefix}-name"), values.get(f"{prefix}-dose_value")
        if not name and not dose:
            continue
        origins.supplements[len(supplements)] = prefix
        supplement: dict[str, Any] = {"name": name, "route": values.get(f"{prefix}-route") or "oral"}
        value = origins.number(dose, f"{prefix}-dose_value") if dose else None
        if value is not None:
            supplement["dose_per_day"] = {"value": value, "unit": values.get(f"{prefix}-dose_unit") or "ug"}
        elif not dose:
            origins.problems.append((f"{prefix}-dose_value", "Enter the dose a day"))
        supplements.append(supplement)
    if supplements:
        data["supplements"] = supplements
    return data, origins


def _field(path: str, origins: DietOrigins) -> str | None:
    if path in ("age", "life_stage", "diet"):
        return path
    found = _PATH.match(path)
    if found is None:
        return None
    rest = path[len(found.group("head")) :].lstrip(".")
    if found.group("sup") is not None:
        prefix = origins.supplements.get(int(found.group("sup")))
        if prefix is None:
            return None
        return f"{prefix}-{_SUPPLEMENT_PART.get(rest, 'dose_value' if rest.startswith('dose') else 'name')}"
    meal = int(found.group("meal"))
    if found.group("item") is None:
        form_meal = origins.meals.get(meal)
        return None if form_meal is None else f"meals-{form_meal}-items-0-food"
    prefix = origins.items.get((meal, int(found.group("item"))))
    return None if prefix is None else f"{prefix}-{_ITEM_PART.get(rest, 'food')}"


def diet_errors(origins: DietOrigins, problems: list[Problem]) -> FieldErrors:
    errors = FieldErrors()
    for field_name, message in origins.problems:
        errors.by_field.setdefault(field_name, message)
    for problem in problems:
        name = _field(problem.path, origins)
        message = problem.message
        if message == "is required but missing":
            message = {"age": "Enter an age", "life_stage": "Choose one", "diet": "Choose one"}.get(
                problem.path, "This is required"
            )
        if problem.path == "meals" and "at least 1" in message:
            message = "Add at least one food with an amount"
        message = message[:1].upper() + message[1:]
        if problem.suggestion and problem.suggestion not in message:
            message += f" (did you mean {problem.suggestion}?)"
        if name is None:
            errors.general.append(message)
        elif name not in errors.by_field:
            errors.by_field[name] = message
    return errors
