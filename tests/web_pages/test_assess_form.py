"""The assessment form: form rows become a snapshot, and every problem shows beside its field."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from b12ms.errors import Problem
from b12ms.knowledge import Knowledge
from b12ms.web.pages.assess_form import field_for_path, map_problems, snapshot_data
from b12ms.web.pages.assess_prefill import values_from_snapshot
from b12ms.web.pages.form_values import FormValues

from .support import REALISTIC, URGENT, field_error, post_form, text_of


def values(data: dict[str, str | list[str]]) -> FormValues:
    items: list[tuple[str, str]] = []
    for name, value in data.items():
        items += [(name, v) for v in value] if isinstance(value, list) else [(name, value)]
    return FormValues(items)


def test_empty_rows_are_skipped_and_each_entry_remembers_its_row(kb: Knowledge) -> None:
    data, origins = snapshot_data(
        values({"labs-2-analyte": "folate", "labs-2-value": "9.1", "labs-2-unit": "ug/L", "labs-2-date": "2026-10-01"}),
        kb,
    )
    assert data["labs"] == [{"analyte": "folate", "value": 9.1, "unit": "ug/L", "date": "2026-10-01"}]
    assert field_for_path("labs[0].unit", origins) == "labs-2-unit"
    assert field_for_path("labs[0].reference_range.high", origins) == "labs-2-ref_high"
    assert field_for_path("labs[0]", origins) == "labs-2-value"


def test_numbers_are_numbers_and_answers_are_booleans(kb: Knowledge) -> None:
    data, origins = snapshot_data(values(REALISTIC), kb)
    assert data["age"] == 52
    assert data["pregnant"] is False
    assert data["labs"][0]["reference_range"] == {"low": 197.0, "high": 771.0}
    assert data["medications"] == ["metformin", "Losec", "fingolimod"]
    assert not origins.problems


def test_text_in_a_number_box_is_a_problem_at_that_box(kb: Knowledge) -> None:
    _, origins = snapshot_data(values({"age": "fifty", "labs-0-analyte": "mma", "labs-0-value": "4,1"}), kb)
    errors = map_problems(origins.problems, origins, kb)
    assert set(errors.by_field) == {"age", "labs-0-value"}


def test_a_qualitative_test_sends_its_result_as_text(kb: Knowledge) -> None:
    data, _ = snapshot_data(
        values({"labs-0-analyte": "if_antibodies", "labs-0-value": "positive", "labs-0-date": "2026-10-01"}), kb
    )
    assert data["labs"] == [{"analyte": "if_antibodies", "result": "positive", "date": "2026-10-01"}]


def test_a_problem_with_no_field_goes_to_the_summary(kb: Knowledge) -> None:
    _, origins = snapshot_data(values({}), kb)
    errors = map_problems([Problem("", "something general")], origins, kb)
    assert errors.general == ["Something general"]


def test_a_wrong_unit_is_shown_beside_the_unit_with_every_value_kept(client: TestClient) -> None:
    response = post_form(client, "/assess", {**REALISTIC, "labs-0-unit": "nmol/L"})
    assert response.status_code == 422
    page = response.text
    message = field_error(page, "labs-0-unit") or field_error(page, "labs-0-value")
    assert message is not None and "plausible" in message
    assert 'value="240"' in page
    assert re.search(r'<option value="nmol/L" data-analyte="total_b12" selected>', page)
    assert re.search(r'value="vegan" selected', page)
    assert 'aria-invalid="true"' in page


def test_every_problem_is_reported_in_one_pass(client: TestClient) -> None:
    form = {**URGENT, "age": "12", "labs-0-unit": "mmol/L", "labs-1-analyte": "folate", "labs-1-value": "abc"}
    page = post_form(client, "/assess", form).text
    assert "16 and over" in (field_error(page, "age") or "")
    assert "not a unit for Vitamin B12 (total)" in (field_error(page, "labs-0-unit") or "")
    assert "Enter a number" in (field_error(page, "labs-1-value") or "")
    assert field_error(page, "labs-1-date") == "Enter the date the sample was taken"
    summary = re.search(r'<div class="error-summary".*?</div>', page, flags=re.S)
    assert summary is not None
    assert 'href="#labs-0-unit"' in summary.group(0)
    assert "Lab result 1, unit" in text_of(summary.group(0))


def test_a_sample_dated_after_today_is_refused_at_its_date(client: TestClient) -> None:
    page = post_form(client, "/assess", {**URGENT, "labs-0-date": "2027-01-01"}).text
    assert "after the assessment date" in (field_error(page, "labs-0-date") or "")


def test_supplement_dates_in_the_wrong_order_are_shown_at_the_last_date(client: TestClient) -> None:
    form = {
        **REALISTIC,
        "supplements-0-name": "B12",
        "supplements-0-started": "2026-09-01",
        "supplements-0-last_taken": "2026-08-01",
    }
    page = post_form(client, "/assess", form).text
    assert "before started" in (field_error(page, "supplements-0-last_taken") or "")


def test_add_another_result_works_without_javascript(client: TestClient) -> None:
    page = post_form(client, "/assess", {**REALISTIC, "add": "labs"}).text
    assert 'name="labs-3-analyte"' in page
    assert 'value="410"' in page  # nothing typed is lost
    assert "error-summary" not in page


def test_the_form_labels_every_symptom_plainly_with_the_clinical_term_beside(client: TestClient, kb: Knowledge) -> None:
    page = client.get("/assess").text
    term = kb.terms["sign"]["positive_romberg"]
    assert term.label in page
    assert f"({term.clinical})" in page


def test_medicine_names_come_from_the_vocabulary_as_a_datalist(client: TestClient) -> None:
    page = client.get("/assess").text
    datalist = re.search(r'<datalist id="medication-names">(.*?)</datalist>', page, flags=re.S)
    assert datalist is not None
    assert 'value="Gilenya"' in datalist.group(1) or 'value="gilenya"' in datalist.group(1)
    assert 'list="medication-names"' in page


def test_lab_units_are_the_analytes_accepted_units(client: TestClient, kb: Knowledge) -> None:
    page = client.get("/assess").text
    group = re.search(r'<optgroup label="MMA \(methylmalonic acid\)" data-analyte="mma">(.*?)</optgroup>', page, re.S)
    assert group is not None
    assert re.findall(r'value="([^"]+)"', group.group(1)) == kb.unit_codes("mma")


def test_changing_answers_brings_the_form_back_filled_in(client: TestClient, kb: Knowledge) -> None:
    from .support import answers_field

    result = post_form(client, "/assess", REALISTIC).text
    page = post_form(client, "/assess/edit", {"answers": answers_field(result)}).text
    assert 'value="52"' in page
    assert 'value="Losec"' in page
    assert re.search(r'value="fatigue" checked', page)


def test_form_values_round_trip_through_a_snapshot(kb: Knowledge) -> None:
    from b12ms.engine.parse import parse_snapshot

    data, _ = snapshot_data(values(REALISTIC), kb)
    snapshot = parse_snapshot(data)
    again, _ = snapshot_data(values_from_snapshot(snapshot, kb), kb)
    assert parse_snapshot(again) == snapshot
