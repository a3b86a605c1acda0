"""Diet pages: totals against targets, unknown B12 shown as unknown, errors beside their boxes."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from b12ms.web.pages.diet_form import diet_data
from b12ms.web.pages.form_values import FormValues

from .support import field_error, post_form, text_of

DAY = {
    "age": "40",
    "life_stage": "adult",
    "diet": "pescatarian",
    "meals-0-items-0-food": "15088 SARDINE,ATLANTIC,CND IN OIL,DRND SOL W/BONE",  # as the type-ahead fills it
    "meals-0-items-0-amount": "1",
    "meals-0-items-0-unit": "portion1",
    "meals-2-items-1-food": "01129",
    "meals-2-items-1-amount": "50",
    "meals-2-items-1-unit": "g",
}
UNKNOWN_B12_FOOD = "01188"  # KRAFT CHEEZ WHIZ: B12 not analysed in USDA SR26


def diet(client: TestClient, form: dict[str, str]) -> object:
    return post_form(client, "/diet", form, token_from="/diet")


def test_rows_become_meals_and_an_ndb_number_typed_first_is_the_food() -> None:
    data, origins = diet_data(FormValues(DAY.items()))
    assert [m["name"] for m in data["meals"]] == ["Breakfast", "Evening meal"]
    assert data["meals"][0]["items"][0] == {"food": "15088", "unit": "portion1", "amount": 1.0}
    assert origins.items[(1, 0)] == "meals-2-items-1"


def test_a_day_is_added_up_against_the_targets(client: TestClient) -> None:
    response = diet(client, DAY)
    assert response.status_code == 200  # type: ignore[attr-defined]
    text = text_of(response.text)  # type: ignore[attr-defined]
    assert "From food: 13.88 µg" in text
    assert "1 × (1 cup, drained = 149 g)" in text
    assert "UK RNI" in text and "Met" in text


def test_unknown_b12_is_shown_as_unknown_and_targets_become_unknown(client: TestClient) -> None:
    form = {
        "age": "40",
        "life_stage": "adult",
        "diet": "vegan",
        "meals-0-items-0-food": UNKNOWN_B12_FOOD,
        "meals-0-items-0-amount": "30",
    }
    page = diet(client, form).text  # type: ignore[attr-defined]
    text = text_of(page)
    assert "unknown (not analysed)" in text
    assert "From food: at least 0.00 µg (B12 is unknown for 1 food, so the real amount may be higher)" in text
    assert "Unknown" in text
    assert "0.00 µg unknown" not in text


def test_an_ambiguous_food_is_shown_beside_its_box_with_candidates(client: TestClient) -> None:
    page = diet(client, {**DAY, "meals-1-items-0-food": "egg", "meals-1-items-0-amount": "2"}).text  # type: ignore[attr-defined]
    message = field_error(page, "meals-1-items-0-food")
    assert message is not None and "NDB number" in message
    assert 'value="egg"' in page


def test_a_food_without_an_amount_is_asked_for_one(client: TestClient) -> None:
    page = diet(client, {**DAY, "meals-1-items-0-food": "01129"}).text  # type: ignore[attr-defined]
    assert "Enter how much" in (field_error(page, "meals-1-items-0-amount") or "")


def test_nothing_eaten_is_an_error_not_an_empty_answer(client: TestClient) -> None:
    response = diet(client, {"age": "40", "life_stage": "adult", "diet": "vegan"})
    assert response.status_code == 422  # type: ignore[attr-defined]
    assert "Add at least one food" in response.text  # type: ignore[attr-defined]


def test_add_another_food_works_without_javascript(client: TestClient) -> None:
    page = diet(client, {**DAY, "add": "meals-0-items"}).text  # type: ignore[attr-defined]
    assert 'name="meals-0-items-2-food"' in page


def test_the_plain_food_search_lists_foods_with_numbers_and_portions(client: TestClient) -> None:
    page = client.get("/diet/foods?q=sardine").text
    assert "NDB 15088" in page
    assert "1 cup, drained = 149 g" in page


def test_the_type_ahead_feed_gives_null_for_unanalysed_b12(client: TestClient) -> None:
    data = client.get("/diet/foods.json?q=cheez whiz").json()
    assert any(food["ndb_no"] == UNKNOWN_B12_FOOD and food["b12"] is None for food in data["foods"])
    assert client.get("/diet/foods.json?q=a").json()["foods"] == []


def test_food_boxes_offer_suggestions_through_a_datalist(client: TestClient) -> None:
    page = client.get("/diet").text
    assert re.search(r'list="food-suggestions" data-food-search', page)
    assert '<datalist id="food-suggestions">' in page
