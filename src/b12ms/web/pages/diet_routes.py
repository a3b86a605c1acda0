"""Diet check pages: a day of meals against the reference intakes, and a food search.

``GET /diet/foods`` is the plain search page (works without JavaScript); ``GET /diet/foods.json``
feeds the type-ahead in ``b12ms.js``. B12 that USDA did not analyse is shown as unknown, never as
zero, and a target is "unknown" when unknown foods could decide it (the library's rule).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from b12ms._version import __version__
from b12ms.diet import DietInput, DietResult, compute_diet
from b12ms.diet.calculator import PORTION_UNITS
from b12ms.engine.assessment import Versions
from b12ms.errors import InputError
from b12ms.inputs import validate_input
from b12ms.web.pages.assess_form import error_summary
from b12ms.web.pages.claims_routes import reference_rows
from b12ms.web.pages.context import PagesContext
from b12ms.web.pages.diet_form import diet_data, diet_errors, item_rows, meal_count, meal_name, supplement_rows
from b12ms.web.pages.form_values import FieldErrors, FormValues
from b12ms.web.pages.rendering import render_page

__all__ = ["add_diet_routes"]

LIFE_STAGES = (("adult", "Adult"), ("pregnant", "Pregnant"), ("breastfeeding", "Breastfeeding"))
DIETS = (
    ("omnivore", "Eats meat, fish, eggs and dairy"),
    ("pescatarian", "Eats fish but no meat"),
    ("vegetarian", "Vegetarian"),
    ("vegan", "Vegan"),
)
FOOD_UNITS = (
    ("g", "grams"),
    ("oz", "ounces"),
    ("portion1", "household portion 1"),
    ("portion2", "household portion 2"),
)
DOSE_UNITS = (("ug", "micrograms (µg)"), ("mg", "mg"))
SUPPLEMENT_ROUTES = (("oral", "By mouth"), ("sublingual", "Under the tongue or spray"))
MAX_QUERY = 100


def _food_rows(ctx: PagesContext, query: str, limit: int) -> list[dict[str, Any]]:
    rows = []
    for match in ctx.foods.search(query, limit=limit):
        food = match.food
        portions = [p for p in (food.portion1, food.portion2) if p is not None]
        rows.append(
            {
                "ndb_no": food.ndb_no,
                "description": food.description,
                "b12": food.b12_ug_per_100g,
                "portions": [f"{p.description} = {p.grams:g} g" for p in portions],
            }
        )
    return rows


def _form_data(values: FormValues, grow: str | None) -> dict[str, Any]:
    meals = []
    for meal in range(meal_count(values)):
        extra = 1 if grow == f"meals-{meal}-items" else 0
        meals.append({"index": meal, "name": meal_name(values, meal), "rows": item_rows(values, meal, extra)})
    return {
        "v": values,
        "meals": meals,
        "supplement_rows": supplement_rows(values, 1 if grow == "supplements" else 0),
        "life_stages": LIFE_STAGES,
        "diets": DIETS,
        "food_units": FOOD_UNITS,
        "dose_units": DOSE_UNITS,
        "supplement_routes": SUPPLEMENT_ROUTES,
    }


def _result_data(result: DietResult, ctx: PagesContext) -> dict[str, Any]:
    ids: list[str] = [ctx.intakes.food_source.reference]
    for target in result.targets:
        ids += target.references
    for note in result.notes:
        ids += note.references
    ids += result.absorbed_b12_ug.references
    return {"d": result, "diet_references": reference_rows(ctx.kb, ids)}


def add_diet_routes(router: APIRouter, ctx: PagesContext) -> None:
    @router.get("/diet", include_in_schema=False)
    async def diet_form(request: Request) -> Response:
        values = FormValues([("life_stage", "adult")])
        data = {**_form_data(values, None), "errors": FieldErrors(), "summary": [], "d": None}
        return render_page(request, ctx, "diet.html.j2", data)

    @router.post("/diet", include_in_schema=False)
    async def diet_submit(request: Request) -> Response:
        form = await request.form()
        values = FormValues(form.multi_items())
        grow = values.get("add") or None
        if grow:
            data = {**_form_data(values, grow), "errors": FieldErrors(), "summary": [], "d": None}
            return render_page(request, ctx, "diet.html.j2", data)
        plan, origins = diet_data(values)
        problems = []
        result = None
        try:
            diet = validate_input(DietInput, plan)
            result = compute_diet(diet, ctx.foods, ctx.intakes)
        except InputError as error:
            problems = list(error.problems)
        errors = diet_errors(origins, problems)
        if errors or result is None:
            data = {**_form_data(values, None), "errors": errors, "summary": error_summary(errors), "d": None}
            return render_page(request, ctx, "diet.html.j2", data, status=422)
        versions = Versions(b12ms=__version__, knowledge=ctx.kb.version, knowledge_sha256=ctx.kb.sha256)
        result = result.model_copy(update={"versions": versions})
        data = {**_form_data(values, None), "errors": errors, "summary": [], **_result_data(result, ctx)}
        return render_page(request, ctx, "diet.html.j2", data)

    @router.get("/diet/foods", include_in_schema=False)
    async def food_search(request: Request) -> Response:
        query = (request.query_params.get("q") or "").strip()[:MAX_QUERY]
        rows = _food_rows(ctx, query, 25) if query else []
        return render_page(request, ctx, "diet_foods.html.j2", {"query": query, "foods": rows, "units": PORTION_UNITS})

    @router.get("/diet/foods.json", include_in_schema=False)
    async def food_suggestions(request: Request) -> Response:
        query = (request.query_params.get("q") or "").strip()[:MAX_QUERY]
        rows = _food_rows(ctx, query, 12) if len(query) >= 2 else []
        return JSONResponse({"query": query, "foods": rows})
