"""The diet check: how much vitamin B12 a day of eating provides, against the reference intakes.

Knowledge comes from data files (the USDA SR26 food table, ``intakes.toml``, the search vocabulary);
the arithmetic is pure (:func:`compute_diet`); adapters render the :class:`DietResult` as JSON
(``model_dump(mode="json")``) or as text (:func:`render_diet_text`).

Typical use, as the CLI does it::

    foods, intakes = load_food_table(), load_intakes()
    diet = validate_input(DietInput, parse_json_text(text))
    result = compute_diet(diet, foods, intakes)
"""

from b12ms.diet.calculator import DietInput, compute_diet, estimate_absorbed_ug
from b12ms.diet.foods import Food, FoodMatch, FoodTable, Portion, load_food_table
from b12ms.diet.intakes import Intakes, load_intakes
from b12ms.diet.render import render_diet_text
from b12ms.diet.result import DietResult

__all__ = [
    "DietInput",
    "DietResult",
    "Food",
    "FoodMatch",
    "FoodTable",
    "Intakes",
    "Portion",
    "compute_diet",
    "estimate_absorbed_ug",
    "load_food_table",
    "load_intakes",
    "render_diet_text",
]
