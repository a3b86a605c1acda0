"""Spec tests for the diet check: unit conversions, portions, unknown values, inputs, targets.

Expected B12 figures are worked out by hand from rows read in usda_sr26_b12.csv (B12 per 100 g;
household portions):

    13327 BEEF, VAR MEATS&BY-PRODUCTS, LIVER, CKD, PAN-FRIED   83.13 µg; portion1 82 g (1 slice);
                                                               no portion2
    01129 EGG,WHL,CKD,HARD-BOILED                              1.11 µg; portion1 136 g (1 cup,
                                                               chopped); portion2 8.5 g (1 tbsp)
    15088 SARDINE,ATLANTIC,CND IN OIL,DRND SOL W/BONE          8.94 µg; portion1 149 g (1 cup,
                                                               drained); portion2 28.35 g (1 oz)
    06364 CAMPBELL'S RED & WHITE,MANHATTAN CLAM CHOWDER,COND   blank = not analysed; portion1 126 g
    16174 TEMPEH,CKD                                           0.14 µg; no portions
    42063 PECTIN,LIQUID                                        portion1 described, no weight given
"""

from __future__ import annotations

import json
import time
import tomllib
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from b12ms.diet import (
    DietInput,
    compute_diet,
    estimate_absorbed_ug,
    load_food_table,
    load_intakes,
    render_diet_text,
)
from b12ms.diet.foods import DEFAULT_FOOD_TABLE_PATH, FoodTable
from b12ms.diet.intakes import DEFAULT_INTAKES_PATH, AbsorptionModel, Intakes, SourcedNumber
from b12ms.diet.render import WIDTH
from b12ms.diet.result import DietResult
from b12ms.errors import InputError, KnowledgeError
from b12ms.inputs import validate_input
from b12ms.knowledge.base import Reference

OZ_G = 28.3495


@pytest.fixture(scope="module")
def foods() -> FoodTable:
    return load_food_table()


@pytest.fixture(scope="module")
def intakes() -> Intakes:
    return load_intakes()


def diet_with(items: list[dict[str, Any]], **overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "age": 40,
        "life_stage": "adult",
        "diet": "omnivore",
        "meals": [{"name": "breakfast", "items": items}],
    }
    data.update(overrides)
    return data


def run(data: dict[str, Any], foods: FoodTable, intakes: Intakes) -> DietResult:
    return compute_diet(validate_input(DietInput, data), foods, intakes)


def problems_of(error: pytest.ExceptionInfo[InputError]) -> dict[str, str]:
    return {p.path: str(p) for p in error.value.problems}


# --- grams and B12 per item ----------------------------------------------------------------------

GRAMS_AND_B12 = [
    # food,   amount, unit,       grams,         b12 µg = per-100 g value × grams / 100
    ("13327", 100, "g", 100.0, 83.13),
    ("13327", 2, "oz", 2 * OZ_G, 83.13 * 2 * OZ_G / 100),
    ("13327", 1, "portion1", 82.0, 83.13 * 82 / 100),
    ("01129", 1, "portion1", 136.0, 1.11 * 136 / 100),
    ("01129", 2, "portion2", 17.0, 1.11 * 17 / 100),
    ("15088", 150, "g", 150.0, 8.94 * 150 / 100),
    ("15088", 0.5, "portion1", 74.5, 8.94 * 74.5 / 100),
    ("15088", 3, "portion2", 85.05, 8.94 * 85.05 / 100),
    ("15088", 3, "OZ", 3 * OZ_G, 8.94 * 3 * OZ_G / 100),
    ("16174", 1, "ounce", OZ_G, 0.14 * OZ_G / 100),
]


@pytest.mark.parametrize(("food", "amount", "unit", "grams", "b12_ug"), GRAMS_AND_B12)
def test_grams_and_b12_of_an_item_follow_the_unit_and_the_table(
    foods: FoodTable, intakes: Intakes, food: str, amount: float, unit: str, grams: float, b12_ug: float
) -> None:
    result = run(diet_with([{"food": food, "amount": amount, "unit": unit}]), foods, intakes)
    item = result.items[0]
    assert item.ndb_no == food
    assert item.grams == pytest.approx(grams, abs=0.005)
    assert item.b12_ug == pytest.approx(b12_ug, abs=0.0005)


def test_an_ndb_number_written_without_its_leading_zero_is_the_same_food(foods: FoodTable, intakes: Intakes) -> None:
    result = run(diet_with([{"food": "1129", "amount": 50, "unit": "g"}]), foods, intakes)
    assert result.items[0].ndb_no == "01129"


def test_portion_items_say_which_household_measure_they_used(foods: FoodTable, intakes: Intakes) -> None:
    result = run(diet_with([{"food": "01129", "amount": 1, "unit": "portion1"}]), foods, intakes)
    assert result.items[0].portion_description == "1 cup, chopped = 136 g"


def test_meal_and_day_totals_add_the_items_and_count_supplements_separately(foods: FoodTable, intakes: Intakes) -> None:
    data = diet_with(
        [
            {"food": "13327", "amount": 100, "unit": "g"},
            {"food": "01129", "amount": 1, "unit": "portion1"},
            {"food": "sardines canned in oil", "amount": 150, "unit": "g"},
        ],
        supplements=[{"name": "b12", "route": "oral", "dose_per_day": {"value": 250, "unit": "ug"}}],
    )
    data["meals"].append({"name": "lunch", "items": [{"food": "15088", "amount": 100, "unit": "g"}]})
    result = run(data, foods, intakes)
    breakfast = 83.13 + 1.11 * 1.36 + 8.94 * 1.5
    assert result.meals[0].b12_ug == pytest.approx(breakfast, abs=0.001)
    assert result.meals[1].b12_ug == pytest.approx(8.94, abs=0.001)
    assert result.food_b12_ug == pytest.approx(breakfast + 8.94, abs=0.001)
    assert result.supplement_b12_ug == 250
    assert result.total_b12_ug == pytest.approx(breakfast + 8.94 + 250, abs=0.001)


# --- absorption estimate -------------------------------------------------------------------------


def test_absorbed_estimate_saturates_per_meal_and_adds_one_percent_diffusion(
    foods: FoodTable, intakes: Intakes
) -> None:
    data = diet_with(
        [{"food": "13327", "amount": 100, "unit": "g"}, {"food": "15088", "amount": 100, "unit": "g"}],
        supplements=[{"name": "tablet", "route": "oral", "dose_per_day": {"value": 250, "unit": "ug"}}],
    )
    result = run(data, foods, intakes)
    meal_dose = 83.13 + 8.94
    assert result.meals[0].absorbed_b12_ug_estimate == pytest.approx(1.5 + 0.01 * meal_dose, abs=0.001)
    # A 250 µg tablet: intrinsic factor saturates at 1.5 µg; diffusion adds 1 % of 250 µg.
    assert result.supplements[0].absorbed_b12_ug_estimate == pytest.approx(1.5 + 2.5)
    summary = result.absorbed_b12_ug
    assert summary.is_estimate is True
    assert summary.total == pytest.approx(summary.from_food + summary.from_supplements, abs=0.001)
    assert "iom_1998_dri_b12" in summary.references


def test_small_meals_absorb_about_half_below_the_intrinsic_factor_cap(intakes: Intakes) -> None:
    assert estimate_absorbed_ug(1.0, intakes.absorption) == pytest.approx(0.5 + 0.01)


def test_the_same_b12_split_over_two_meals_absorbs_more_than_in_one(foods: FoodTable, intakes: Intakes) -> None:
    one_meal = run(diet_with([{"food": "13327", "amount": 100, "unit": "g"}]), foods, intakes)
    data = diet_with([{"food": "13327", "amount": 50, "unit": "g"}])
    data["meals"].append({"name": "dinner", "items": [{"food": "13327", "amount": 50, "unit": "g"}]})
    two_meals = run(data, foods, intakes)
    assert two_meals.food_b12_ug == pytest.approx(one_meal.food_b12_ug)
    assert two_meals.absorbed_b12_ug.from_food > one_meal.absorbed_b12_ug.from_food


def _model(capacity: float, via_if: float, passive: float) -> AbsorptionModel:
    def number(value: float, unit: str) -> SourcedNumber:
        return SourcedNumber(value=value, unit=unit, references=("test",), basis="research", verified="primary")

    return AbsorptionModel(
        summary="A test model with the same shape as intakes.toml",
        intrinsic_factor_capacity=number(capacity, "ug/meal"),
        intrinsic_factor_fraction=number(via_if, "1"),
        passive_fraction=number(passive, "1"),
    )


@st.composite
def absorption_models(draw: st.DrawFn) -> AbsorptionModel:
    via_if = draw(st.floats(0.01, 0.99))
    passive = draw(st.floats(0.001, 1 - via_if))
    return _model(draw(st.floats(0.1, 10)), via_if, passive)


doses = st.floats(min_value=0, max_value=20_000, allow_nan=False)


@given(model=absorption_models(), dose=doses, extra=st.floats(min_value=0.001, max_value=5_000))
def test_absorbed_estimate_never_exceeds_the_dose_and_grows_with_it(
    model: AbsorptionModel, dose: float, extra: float
) -> None:
    absorbed = estimate_absorbed_ug(dose, model)
    assert 0 <= absorbed <= dose + 1e-9
    assert estimate_absorbed_ug(dose + extra, model) > absorbed


@given(dose=doses, extra=st.floats(min_value=0.001, max_value=5_000))
def test_the_shipped_absorption_model_never_exceeds_the_dose_and_grows_with_it(dose: float, extra: float) -> None:
    model = load_intakes().absorption
    assert estimate_absorbed_ug(dose, model) <= dose + 1e-9
    assert estimate_absorbed_ug(dose + extra, model) > estimate_absorbed_ug(dose, model)


def test_a_model_whose_fractions_exceed_one_is_rejected_on_load() -> None:
    with pytest.raises(ValueError, match="must not exceed 1"):
        _model(1.5, 0.995, 0.01)


# --- not analysed stays unknown ------------------------------------------------------------------


def test_a_not_analysed_food_stays_null_and_marks_the_result_incomplete(foods: FoodTable, intakes: Intakes) -> None:
    data = diet_with([{"food": "15088", "amount": 10, "unit": "g"}, {"food": "06364", "amount": 1, "unit": "portion1"}])
    result = run(data, foods, intakes)
    chowder = result.items[1]
    assert chowder.b12_ug is None
    assert chowder.b12_ug_per_100g is None
    assert chowder.grams == 126
    assert result.incomplete is True
    assert result.meals[0].incomplete is True
    assert [(m.path, m.ndb_no) for m in result.not_analysed] == [("meals[0].items[1]", "06364")]
    assert result.food_b12_ug == pytest.approx(0.894)  # the analysed part only, never 0 for the chowder
    assert "not_analysed_is_not_zero" in {n.id for n in result.notes}
    as_json = result.model_dump(mode="json")
    assert as_json["items"][1]["b12_ug"] is None
    assert as_json["incomplete"] is True


def test_an_incomplete_total_below_a_target_leaves_the_target_undecided(foods: FoodTable, intakes: Intakes) -> None:
    data = diet_with([{"food": "15088", "amount": 10, "unit": "g"}, {"food": "06364", "amount": 1, "unit": "portion1"}])
    targets = run(data, foods, intakes).targets
    assert {t.id: t.met_by_food for t in targets} == {
        "us_rda_adult": None,
        "uk_rni_adult": None,
        "efsa_ai_adult": None,
    }


def test_an_incomplete_total_that_already_reaches_a_target_meets_it(foods: FoodTable, intakes: Intakes) -> None:
    data = diet_with([{"food": "15088", "amount": 30, "unit": "g"}, {"food": "06364", "amount": 1, "unit": "portion1"}])
    targets = {t.id: t.met_by_food for t in run(data, foods, intakes).targets}
    # 30 g sardines = 2.68 µg: reaches the US RDA and UK RNI whatever the chowder holds, not yet EFSA's 4 µg.
    assert targets == {"us_rda_adult": True, "uk_rni_adult": True, "efsa_ai_adult": None}


def test_a_complete_total_below_a_target_does_not_meet_it(foods: FoodTable, intakes: Intakes) -> None:
    targets = run(diet_with([{"food": "15088", "amount": 10, "unit": "g"}]), foods, intakes).targets
    assert {t.met_by_food for t in targets} == {False}


def test_blank_cells_load_as_none_never_zero(foods: FoodTable) -> None:
    chowder = foods.get("06364")
    assert chowder is not None
    assert chowder.b12_ug_per_100g is None
    assert chowder.folate_dfe_ug_per_100g is None
    assert chowder.portion2 is None
    not_analysed = sum(1 for food in foods if food.b12_ug_per_100g is None)
    assert not_analysed == 1233  # blank B12 cells counted in the CSV


def test_a_portion_described_without_a_weight_counts_as_no_portion(foods: FoodTable) -> None:
    pectin = foods.get("42063")
    assert pectin is not None
    assert pectin.portion1 is None


def test_the_table_keeps_all_foods_and_their_ndb_numbers_as_text(foods: FoodTable) -> None:
    assert len(foods) == 8463
    butter = foods.get("01001")
    assert butter is not None
    assert butter.description == "BUTTER,WITH SALT"
    assert foods.get("1001") is None  # get() takes the exact 5-character id; resolve() pads


# --- input errors --------------------------------------------------------------------------------


def test_an_ambiguous_food_name_is_an_input_error_listing_candidates(foods: FoodTable, intakes: Intakes) -> None:
    with pytest.raises(InputError) as error:
        run(diet_with([{"food": "beef liver", "amount": 100, "unit": "g"}]), foods, intakes)
    (problem,) = error.value.problems
    assert problem.path == "meals[0].items[0].food"
    for ndb_no in ("13325", "13326", "13327"):
        assert ndb_no in problem.message
    assert problem.suggestion == "13325"
    assert error.value.exit_code == 2


def test_an_unknown_ndb_number_names_the_item(foods: FoodTable, intakes: Intakes) -> None:
    data = diet_with([{"food": "13327", "amount": 100, "unit": "g"}, {"food": "99999", "amount": 1, "unit": "g"}])
    with pytest.raises(InputError) as error:
        run(data, foods, intakes)
    assert list(problems_of(error)) == ["meals[0].items[1].food"]
    assert "99999" in error.value.problems[0].message


@pytest.mark.parametrize("amount", [-100, 0])
def test_an_amount_must_be_more_than_zero(foods: FoodTable, intakes: Intakes, amount: float) -> None:
    with pytest.raises(InputError) as error:
        run(diet_with([{"food": "13327", "amount": amount, "unit": "g"}]), foods, intakes)
    assert list(problems_of(error)) == ["meals[0].items[0].amount"]


@pytest.mark.parametrize(
    ("amount", "unit"),
    [(2001, "g"), (100, "oz"), (14, "portion1")],  # 2001 g; 2835 g; 14 × 149 g = 2086 g of sardines
)
def test_an_absurd_amount_is_an_input_error_naming_the_item(
    foods: FoodTable, intakes: Intakes, amount: float, unit: str
) -> None:
    with pytest.raises(InputError) as error:
        run(diet_with([{"food": "15088", "amount": amount, "unit": unit}]), foods, intakes)
    assert list(problems_of(error)) == ["meals[0].items[0].amount"]
    assert "2,000 g" in error.value.problems[0].message


def test_the_largest_plausible_amount_is_accepted(foods: FoodTable, intakes: Intakes) -> None:
    result = run(diet_with([{"food": "15088", "amount": 2000, "unit": "g"}]), foods, intakes)
    assert result.items[0].grams == 2000


@pytest.mark.parametrize(
    ("unit", "suggestion"),
    [("gr", "g"), ("ounze", "oz"), ("portoin1", "portion1"), ("portoin2", "portion2"), ("cup", None)],
)
def test_an_unknown_unit_is_an_input_error_with_a_suggestion(
    foods: FoodTable, intakes: Intakes, unit: str, suggestion: str | None
) -> None:
    with pytest.raises(InputError) as error:
        run(diet_with([{"food": "01129", "amount": 1, "unit": unit}]), foods, intakes)
    (problem,) = error.value.problems
    assert problem.path == "meals[0].items[0].unit"
    assert problem.suggestion == suggestion


def test_a_missing_portion2_is_an_input_error_naming_the_item(foods: FoodTable, intakes: Intakes) -> None:
    data = diet_with([{"food": "01129", "amount": 1, "unit": "g"}, {"food": "13327", "amount": 1, "unit": "portion2"}])
    with pytest.raises(InputError) as error:
        run(data, foods, intakes)
    (problem,) = error.value.problems
    assert problem.path == "meals[0].items[1].unit"
    assert "portion2" in problem.message
    assert "1 slice = 82 g" in problem.message
    assert problem.suggestion == "portion1"


def test_a_food_without_portions_suggests_grams(foods: FoodTable, intakes: Intakes) -> None:
    with pytest.raises(InputError) as error:
        run(diet_with([{"food": "16174", "amount": 1, "unit": "portion1"}]), foods, intakes)
    assert error.value.problems[0].suggestion == "g"


def test_every_fault_in_a_file_is_reported_at_once(foods: FoodTable, intakes: Intakes) -> None:
    data = diet_with(
        [
            {"food": "99999", "amount": 1, "unit": "g"},
            {"food": "13327", "amount": 1, "unit": "portion2"},
            {"food": "egg", "amount": 1, "unit": "g"},
            {"food": "15088", "amount": 5, "unit": "kg"},
        ],
        supplements=[{"name": "b12", "route": "oral", "dose_per_day": {"value": 1, "unit": "mgs"}}],
    )
    with pytest.raises(InputError) as error:
        run(data, foods, intakes)
    assert set(problems_of(error)) == {
        "meals[0].items[0].food",
        "meals[0].items[1].unit",
        "meals[0].items[2].food",
        "meals[0].items[3].unit",
        "supplements[0].dose_per_day.unit",
    }


def test_an_unknown_field_or_life_stage_is_an_input_error_with_its_path(foods: FoodTable, intakes: Intakes) -> None:
    data = diet_with([{"food": "15088", "amount": 1, "unit": "g", "amout": 2}], life_stage="pregant")
    with pytest.raises(InputError) as error:
        run(data, foods, intakes)
    problems = {p.path: p for p in error.value.problems}
    assert problems["life_stage"].suggestion == "pregnant"
    assert problems["meals[0].items[0].amout"].suggestion == "amount"


# --- supplements ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("value", "unit", "micrograms"), [(250, "ug", 250), (250, "mcg", 250), (1, "mg", 1000)])
def test_supplement_doses_are_converted_to_micrograms(
    foods: FoodTable, intakes: Intakes, value: float, unit: str, micrograms: float
) -> None:
    data = diet_with(
        [{"food": "15088", "amount": 10, "unit": "g"}],
        supplements=[{"name": "b12", "route": "oral", "dose_per_day": {"value": value, "unit": unit}}],
    )
    assert run(data, foods, intakes).supplements[0].dose_ug_per_day == micrograms


def test_an_absurd_supplement_dose_is_an_input_error(foods: FoodTable, intakes: Intakes) -> None:
    data = diet_with(
        [{"food": "15088", "amount": 10, "unit": "g"}],
        supplements=[{"name": "b12", "route": "oral", "dose_per_day": {"value": 50, "unit": "mg"}}],
    )
    with pytest.raises(InputError) as error:
        run(data, foods, intakes)
    assert list(problems_of(error)) == ["supplements[0].dose_per_day.value"]


def test_an_injection_is_not_a_daily_diet_supplement(foods: FoodTable, intakes: Intakes) -> None:
    data = diet_with(
        [{"food": "15088", "amount": 10, "unit": "g"}],
        supplements=[{"name": "b12", "route": "intramuscular", "dose_per_day": {"value": 1, "unit": "mg"}}],
    )
    with pytest.raises(InputError) as error:
        run(data, foods, intakes)
    assert list(problems_of(error)) == ["supplements[0].route"]


# --- targets -------------------------------------------------------------------------------------

TARGETS = [
    ("adult", 40, {"us_rda_adult": 2.4, "uk_rni_adult": 1.5, "efsa_ai_adult": 4.0}),
    ("pregnant", 30, {"us_rda_pregnant": 2.6, "uk_rni_pregnant": 1.5, "efsa_ai_pregnant": 4.5}),
    (
        "breastfeeding",
        30,
        {"us_rda_breastfeeding": 2.8, "uk_rni_breastfeeding": 2.0, "efsa_ai_breastfeeding": 5.0},
    ),
    ("adult", 16, {"us_rda_adult": 2.4, "uk_rni_adult": 1.5}),  # EFSA's adult AI starts at 18
    ("adult", 14, {"us_rda_adult": 2.4}),  # the UK RNI is stated from 15
]


@pytest.mark.parametrize(("life_stage", "age", "expected"), TARGETS)
def test_targets_follow_life_stage_and_age(
    foods: FoodTable, intakes: Intakes, life_stage: str, age: int, expected: dict[str, float]
) -> None:
    data = diet_with([{"food": "15088", "amount": 10, "unit": "g"}], life_stage=life_stage, age=age)
    result = run(data, foods, intakes)
    assert {t.id: t.value_ug_per_day for t in result.targets} == expected
    assert all(t.references for t in result.targets)


def test_under_14s_get_no_target_and_a_note_saying_so(foods: FoodTable, intakes: Intakes) -> None:
    result = run(diet_with([{"food": "15088", "amount": 10, "unit": "g"}], age=10), foods, intakes)
    assert result.targets == ()
    assert "no_target_for_age" in {n.id for n in result.notes}


def test_the_uk_lactation_rni_is_marked_as_a_secondary_source(intakes: Intakes) -> None:
    (uk,) = [t for t in intakes.targets if t.id == "uk_rni_breastfeeding"]
    assert uk.verified == "secondary"


# --- notes, output, knowledge --------------------------------------------------------------------


def test_notes_cover_fortified_foods_analogues_older_people_and_medicines(foods: FoodTable, intakes: Intakes) -> None:
    result = run(diet_with([{"food": "15088", "amount": 10, "unit": "g"}]), foods, intakes)
    ids = {n.id for n in result.notes}
    assert {
        "fortified_foods_vary",
        "algae_and_tempeh_analogues",
        "over_50_absorb_less",
        "medicines_reduce_food_b12",
        "absorbed_is_an_estimate",
    } <= ids
    assert "plant_based_diets" not in ids
    assert all(n.references for n in result.notes)


def test_food_caveats_name_the_items_they_concern(foods: FoodTable, intakes: Intakes) -> None:
    data = diet_with([{"food": "15159", "amount": 85, "unit": "g"}, {"food": "tempeh", "amount": 50, "unit": "g"}])
    notes = {n.id: n for n in run(data, foods, intakes).notes}
    assert notes["clams_revised_value"].items == ("meals[0].items[0]",)
    assert notes["algae_tempeh_inactive"].items == ("meals[0].items[1]",)


def test_json_output_has_the_documented_shape(foods: FoodTable, intakes: Intakes) -> None:
    data = diet_with(
        [{"food": "13327", "amount": 100, "unit": "g"}],
        supplements=[{"name": "b12", "route": "oral", "dose_per_day": {"value": 250, "unit": "ug"}}],
    )
    out = json.loads(json.dumps(run(data, foods, intakes).model_dump(mode="json")))
    assert {"ndb_no", "description", "grams", "b12_ug"} <= set(out["items"][0])
    assert {"items", "meals", "total_b12_ug", "incomplete", "absorbed_b12_ug", "targets", "notes"} <= set(out)
    assert out["absorbed_b12_ug"]["is_estimate"] is True
    assert out["provenance"]["food_table"]["reference"] == "usda_sr26"
    assert len(out["provenance"]["food_table"]["sha256"]) == 64


def test_text_output_fits_80_columns_and_calls_absorption_an_estimate(foods: FoodTable, intakes: Intakes) -> None:
    data = diet_with(
        [
            {"food": "13327", "amount": 100, "unit": "g"},
            {"food": "06364", "amount": 1, "unit": "portion1"},
            {"food": "15159", "amount": 1, "unit": "portion2"},
        ],
        supplements=[
            {
                "name": "a very long supplement name indeed",
                "route": "oral",
                "dose_per_day": {"value": 1, "unit": "mg"},
            }
        ],
    )
    text = render_diet_text(run(data, foods, intakes))
    assert max(len(line) for line in text.splitlines()) <= WIDTH
    assert "estimate" in text
    assert "not analysed" in text


def test_intakes_cite_only_known_references() -> None:
    nutrition = DEFAULT_INTAKES_PATH.parent / "references" / "nutrition.toml"
    references = [Reference.model_validate(r) for r in tomllib.loads(nutrition.read_text("utf-8"))["reference"]]
    ids = {r.id for r in references}
    assert ids == {"iom_1998_dri_b12", "efsa_2015_b12", "uk_coma_1991_rni", "usda_sr26", "nih_ods_b12"}
    defined_elsewhere = {"b12ms_policy", "mhra_2022_metformin"}
    load_intakes(known_reference_ids=ids | defined_elsewhere)  # raises on a dangling id
    with pytest.raises(KnowledgeError, match="b12ms_policy"):
        load_intakes(known_reference_ids=ids)


def test_every_reference_the_intakes_cite_is_in_the_bibliography() -> None:
    ids = {
        entry["id"]
        for path in (DEFAULT_INTAKES_PATH.parent / "references").glob("*.toml")
        for entry in tomllib.loads(path.read_text("utf-8")).get("reference", [])
    }
    assert load_intakes().reference_ids() <= ids


def test_a_broken_intakes_file_names_the_entry(tmp_path: Path) -> None:
    text = DEFAULT_INTAKES_PATH.read_text("utf-8").replace("value = 0.01", "value = 0.6", 1)
    broken = tmp_path / "intakes.toml"
    broken.write_text(text, "utf-8")
    with pytest.raises(KnowledgeError, match=r"absorption.*must not exceed 1"):
        load_intakes(broken)


def test_a_bad_cell_in_the_food_table_names_line_and_column(tmp_path: Path) -> None:
    lines = DEFAULT_FOOD_TABLE_PATH.read_text("utf-8").splitlines(keepends=True)
    assert lines[2].startswith("01002,")  # file line 3: BUTTER,WHIPPED, B12 0.13
    lines[2] = lines[2].replace(",0.13,", ",n/a,", 1)
    broken = tmp_path / "foods.csv"
    broken.write_text("".join(lines), "utf-8")
    with pytest.raises(KnowledgeError, match=r"line 3, column b12_ug_per_100g: 'n/a'"):
        load_food_table(broken)


def test_loading_and_answering_a_diet_takes_well_under_a_second() -> None:
    start = time.perf_counter()
    foods, intakes = load_food_table(), load_intakes()
    run(diet_with([{"food": "sardines canned in oil", "amount": 100, "unit": "g"}]), foods, intakes)
    assert time.perf_counter() - start < 1.0
