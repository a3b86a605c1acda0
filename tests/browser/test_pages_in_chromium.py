"""The pages in a real Chromium: a person fills the form and reads the answer; the rest works too.

Each test leaves screenshots in ``test-artifacts/browser/``; the ``page`` fixture fails a test on
any console error, so a Content-Security-Policy violation (an inline style the policy blocked, say)
cannot pass unseen.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from b12ms.knowledge import load_knowledge

from .conftest import ARTIFACTS, PHONE, shoot

pytestmark = pytest.mark.browser

KB = load_knowledge()
FOCUS_YELLOW = "rgb(255, 221, 0)"


def fill_realistic_person(page: Page, base_url: str) -> None:
    """A woman of 52 with MS, vegan, on metformin, with a borderline B12 and a raised MMA."""
    page.goto(f"{base_url}/assess")
    page.get_by_label("Age in years").fill("52")
    page.get_by_role("group", name="Sex").get_by_label("Female").check()
    page.get_by_role("group", name="Multiple sclerosis (MS)").get_by_label("Diagnosed").check()
    page.get_by_label("What do you usually eat?").select_option("vegan")
    page.get_by_label("Medicine 1").fill("metformin")
    page.get_by_label("Medicine 2").fill("Losec")
    page.get_by_label("Tiredness that has no other explanation").check()
    page.get_by_label("Pins and needles or tingling").check()
    first, second = page.locator("fieldset.lab-row").nth(0), page.locator("fieldset.lab-row").nth(1)
    first.get_by_label("Test").select_option("total_b12")
    first.get_by_label("Result", exact=True).fill("240")
    first.get_by_label("Unit").select_option("ng/L")
    first.get_by_label("Date of sample").fill("2026-10-12")
    second.get_by_label("Test").select_option("mma")
    second.get_by_label("Result", exact=True).fill("410")
    second.get_by_label("Unit").select_option("nmol/L")
    second.get_by_label("Date of sample").fill("2026-10-20")
    second.get_by_label("Lab's range to (optional)").fill("280")


def submit(page: Page) -> None:
    page.get_by_role("button", name="Get my answer").last.click()
    page.wait_for_load_state()


def test_a_realistic_person_fills_the_form_and_reads_the_status(page: Page, base_url: str) -> None:
    page.goto(f"{base_url}/")
    shoot(page, "start")
    fill_realistic_person(page, base_url)
    shoot(page, "form-filled")
    submit(page)
    wording = KB.status_wording["deficiency_likely"]
    expect(page.locator("h1")).to_have_text(wording.headline)
    expect(page.locator(".status-sentence")).to_have_text(wording.text)
    expect(page.locator(".urgent-banner")).to_have_count(0)
    expect(page.get_by_role("cell", name="Indeterminate (NICE)")).to_be_visible()
    shoot(page, "result")


def test_an_urgent_case_opens_with_the_banner(page: Page, base_url: str) -> None:
    page.goto(f"{base_url}/assess")
    page.get_by_label("Age in years").fill("23")
    page.get_by_role("group", name="Multiple sclerosis (MS)").get_by_label("Suspected: being investigated").check()
    page.get_by_role("group", name="Have you used nitrous oxide (laughing gas) for fun?").get_by_label("Yes").check()
    page.get_by_label("Pins and needles or tingling").check()
    page.get_by_label("Falls over when standing with eyes closed").check()
    row = page.locator("fieldset.lab-row").first
    row.get_by_label("Test").select_option("total_b12")
    row.get_by_label("Result", exact=True).fill("310")
    row.get_by_label("Unit").select_option("pg/mL")
    row.get_by_label("Date of sample").fill("2026-10-30")
    submit(page)
    banner = page.get_by_role("alert")
    expect(banner).to_be_visible()
    expect(banner.locator("h2")).to_contain_text(KB.urgency_wording["urgent"].headline)
    expect(banner).to_contain_text("Falls over when standing with eyes closed")
    box = banner.bounding_box()
    assert box is not None and box["y"] < 300  # the first thing on the page, above the fold
    shoot(page, "result-urgent")


def tab_to(page: Page, element_id: str, limit: int = 400) -> None:
    """Press Tab until the element with ``element_id`` has focus (keyboard only, bounded)."""
    for _ in range(limit):
        if page.evaluate("document.activeElement && document.activeElement.id") == element_id:
            return
        page.keyboard.press("Tab")
    pytest.fail(f"Tab never reached #{element_id}")


def test_the_form_can_be_completed_with_the_keyboard_alone(page: Page, base_url: str) -> None:
    page.goto(f"{base_url}/assess")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip-link"
    assert page.evaluate("getComputedStyle(document.activeElement).backgroundColor") == FOCUS_YELLOW
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"

    tab_to(page, "age")
    page.keyboard.type("52")
    tab_to(page, "sex")  # the first radio of the group; arrows move the choice
    page.keyboard.press("Space")
    tab_to(page, "ms")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")  # No -> Suspected -> Diagnosed
    tab_to(page, "diet")
    page.keyboard.type("Vegan")
    tab_to(page, "medications-0")
    page.keyboard.type("metformin")
    tab_to(page, "symptoms")
    page.keyboard.press("Space")
    tab_to(page, "labs-0-analyte")
    page.keyboard.type("Vitamin B12 (total)")
    tab_to(page, "labs-0-value")
    page.keyboard.type("150")
    tab_to(page, "labs-0-unit")
    page.keyboard.type("ng/L")
    tab_to(page, "labs-0-date")
    page.keyboard.type("10102026")  # the same in dd/mm and mm/dd order, whatever the browser locale

    assert page.locator("#ms-diagnosed").is_checked()
    assert page.locator("#labs-0-unit").input_value() == "ng/L"
    assert page.locator("#labs-0-date").input_value() == "2026-10-10"
    assert page.locator("#labs-1-analyte").input_value() == ""

    page.keyboard.press("Shift+Tab")  # back out of the date, then forward to the real button
    for _ in range(400):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.textContent.trim()") == "Get my answer":
            break
    assert page.evaluate("getComputedStyle(document.activeElement).backgroundColor") == FOCUS_YELLOW
    page.keyboard.press("Enter")
    page.wait_for_load_state()
    expect(page.locator("h1")).to_have_text(KB.status_wording["deficiency_likely"].headline)
    shoot(page, "result-keyboard", phone=False)


def test_errors_are_shown_beside_the_fields_with_the_values_kept(page: Page, base_url: str) -> None:
    fill_realistic_person(page, base_url)
    page.locator("#labs-0-unit").select_option("nmol/L")
    page.get_by_label("Age in years").fill("12")
    submit(page)
    summary = page.locator(".error-summary")
    expect(summary).to_be_focused()
    expect(page.locator("#age-error")).to_contain_text("16 and over")
    expect(page.locator("#labs-0-value-error")).to_contain_text("plausible range")
    expect(page.locator("#labs-0-value")).to_have_value("240")
    summary.get_by_role("link").first.click()
    shoot(page, "form-errors")


def test_add_another_result_adds_a_row_in_place(page: Page, base_url: str) -> None:
    page.goto(f"{base_url}/assess")
    url = page.url
    page.get_by_role("button", name="Add another result").click()
    expect(page.locator("fieldset.lab-row")).to_have_count(4)
    assert page.url == url
    assert page.evaluate("document.activeElement.id") == "labs-3-analyte"
    page.locator("#labs-3-analyte").select_option("mma")
    units = page.locator("#labs-3-unit option").all_text_contents()
    assert units == ["Choose a unit", "µmol/L", "nmol/L"]


@pytest.mark.parametrize("page", [{"java_script_enabled": False}], indirect=True)
def test_everything_works_without_javascript(page: Page, base_url: str) -> None:
    page.goto(f"{base_url}/assess")
    page.get_by_role("button", name="Add another result").click()
    page.wait_for_load_state()
    expect(page.locator("fieldset.lab-row")).to_have_count(4)
    fill_realistic_person(page, base_url)
    submit(page)
    expect(page.locator("h1")).to_have_text(KB.status_wording["deficiency_likely"].headline)


def test_download_pdf(page: Page, base_url: str) -> None:
    fill_realistic_person(page, base_url)
    submit(page)
    with page.expect_download() as download_info:
        page.get_by_role("button", name="Download PDF for your doctor").click()
    download = download_info.value
    assert download.suggested_filename == "b12ms-report-2026-11-01.pdf"
    target = ARTIFACTS / download.suggested_filename
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    download.save_as(target)
    assert target.read_bytes().startswith(b"%PDF-")


def test_history_chart_is_rendered_with_the_nice_bands(page: Page, base_url: str) -> None:
    for value, when in (("150", "2026-03-01"), ("240", "2026-10-12")):
        fill_realistic_person(page, base_url)
        row = page.locator("fieldset.lab-row").first
        row.get_by_label("Result", exact=True).fill(value)
        row.get_by_label("Date of sample").fill(when)
        submit(page)
        people = page.locator("#person_id")
        if people.count() and people.locator("option", has_text="Chart test").count():
            people.select_option(label="Chart test")
        elif people.count():
            people.select_option("new")
            page.get_by_label("New person's name").fill("Chart test")
        else:
            page.get_by_label("Name to save it under").fill("Chart test")
        page.get_by_role("button", name="Save this result").click()
        page.wait_for_load_state()
    expect(page.get_by_role("heading", name="Chart test")).to_be_visible()
    chart = page.get_by_role("img", name=re.compile(r"Vitamin B12 \(total\) over time, 2 results"))
    expect(chart).to_be_visible()
    box = chart.bounding_box()
    assert box is not None and box["width"] > 400 and box["height"] > 150
    band = page.locator("#chart-total_b12-band-low path").first
    assert band.evaluate("el => getComputedStyle(el).fill") == "rgb(244, 199, 195)"  # not blocked by the CSP
    assert page.locator("#chart-total_b12-lab-series").count() == 1
    shoot(page, "history-chart")


def test_claims_search_and_filter(page: Page, base_url: str) -> None:
    page.goto(f"{base_url}/claims")
    page.get_by_label("Words from the claim").fill("sublingual")
    page.keyboard.press("Enter")
    page.wait_for_load_state()
    first = page.locator(".claim-list > li").first
    expect(first).to_contain_text("Not supported")
    expect(first.get_by_role("link")).to_contain_text("under the tongue")
    page.get_by_label("Words from the claim").fill("methylcobalamin")
    page.get_by_label("Verdict").select_option("insufficient_evidence")
    page.get_by_role("button", name="Search").click()
    page.wait_for_load_state()
    assert "verdict=insufficient_evidence" in page.url
    expect(page.locator(".claim-list > li")).to_have_count(4)
    expect(page.locator(".claim-list .verdict").first).to_contain_text("Insufficient evidence")
    shoot(page, "claims-search")
    page.goto(f"{base_url}/claims/s001_low_b12_in_ms")
    expect(page.locator("main .verdict").first).to_contain_text("Contradicted")
    shoot(page, "claim")
    page.goto(f"{base_url}/claims/seeds/001_6ba63f71083e4278.txt")
    shoot(page, "seed")


def test_diet_food_search_as_you_type(page: Page, base_url: str) -> None:
    page.goto(f"{base_url}/diet")
    page.get_by_label("Age in years").fill("40")
    page.get_by_label("How do you eat?").select_option("pescatarian")
    box = page.locator("#meals-0-items-0-food")
    box.press_sequentially("sardine", delay=30)
    suggestions = page.locator("#food-suggestions option")
    expect(suggestions.first).to_have_attribute("value", re.compile(r"^\d{5} SARDINE"))
    box.fill(suggestions.first.get_attribute("value") or "")
    page.locator("#meals-0-items-0-amount").fill("1")
    page.locator("#meals-0-items-0-unit").select_option("portion1")
    page.locator("#meals-1-items-0-food").fill("01188")  # B12 not analysed
    page.locator("#meals-1-items-0-amount").fill("30")
    page.get_by_role("button", name="Add up my B12").last.click()
    page.wait_for_load_state()
    expect(page.locator(".diet-result")).to_contain_text("unknown (not analysed)")
    expect(page.locator(".diet-result")).to_contain_text("at least")
    shoot(page, "diet-result")


@pytest.mark.parametrize("path", ["/forms", "/history", "/diet/foods?q=egg", "/login"])
def test_other_pages_render_without_console_errors(page: Page, base_url: str, path: str) -> None:
    page.goto(f"{base_url}{path}")
    expect(page.locator("h1")).to_have_count(1)
    name = path.strip("/").split("?")[0].replace("/", "-") or "start"
    shoot(page, name)


def test_the_page_reads_on_paper(page: Page, base_url: str) -> None:
    fill_realistic_person(page, base_url)
    submit(page)
    page.emulate_media(media="print")
    expect(page.locator(".site-nav")).to_be_hidden()
    expect(page.locator(".take-away")).to_be_hidden()
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.pdf(path=str(ARTIFACTS / "result-printed.pdf"))
    page.set_viewport_size(PHONE)
    expect(page.locator("h1")).to_be_visible()
