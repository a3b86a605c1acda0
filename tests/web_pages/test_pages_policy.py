"""Every page obeys the strict CSP and the accessibility basics, without a browser.

No inline script, style attribute or event handler (CSP ``script-src 'self'; style-src 'self'``),
every asset local, one ``h1``, landmarks and a skip link, and a label for every form control.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from fastapi.testclient import TestClient

from .support import REALISTIC, URGENT, answers_field, post_form

GET_PAGES = [
    "/",
    "/assess",
    "/login",
    "/claims",
    "/claims?q=myelin&verdict=supported",
    "/claims/s001_low_b12_in_ms",
    "/claims/seeds/001_6ba63f71083e4278.txt",
    "/diet",
    "/diet/foods?q=sardine",
    "/forms",
    "/history",
    "/history/people/404",
]
DIET_DAY = {
    "age": "40",
    "life_stage": "adult",
    "diet": "vegan",
    "meals-0-items-0-food": "01188",
    "meals-0-items-0-amount": "30",
    "meals-1-items-0-food": "egg",
    "meals-1-items-0-amount": "1",
}


class _Audit(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.controls: list[dict[str, str | None]] = []
        self.label_for: set[str] = set()
        self.ids: list[str] = []
        self.problems: list[str] = []
        self.tags: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        self.tags.append(tag)
        if attributes.get("id"):
            self.ids.append(attributes["id"])
        for name in attributes:
            if name.startswith("on"):
                self.problems.append(f"inline handler {name} on <{tag}>")
        if "style" in attributes:
            self.problems.append(f"inline style on <{tag}>")
        if tag == "style":
            self.problems.append("<style> element")
        if tag == "script" and not attributes.get("src"):
            self.problems.append("inline <script>")
        for attribute in ("src", "href", "action"):
            value = attributes.get(attribute) or ""
            external = re.match(r"^(https?:)?//", value)
            if external and not (tag == "a" and attribute == "href"):
                self.problems.append(f"external {attribute} on <{tag}>: {value}")
        if tag == "label" and attributes.get("for"):
            self.label_for.add(attributes["for"] or "")
        if tag in ("input", "select", "textarea") and attributes.get("type") not in ("hidden", "submit"):
            self.controls.append(attributes)


def audit(page: str) -> _Audit:
    parser = _Audit()
    parser.feed(page)
    return parser


def pages(client: TestClient) -> dict[str, str]:
    found = {path: client.get(path).text for path in GET_PAGES}
    found["result"] = post_form(client, "/assess", REALISTIC).text
    found["urgent result"] = post_form(client, "/assess", URGENT).text
    found["form with errors"] = post_form(client, "/assess", {**REALISTIC, "age": "x"}).text
    found["diet with an error"] = post_form(client, "/diet", DIET_DAY, token_from="/diet").text
    day = {k: v for k, v in DIET_DAY.items() if not k.startswith("meals-1")}
    found["diet result"] = post_form(client, "/diet", day, token_from="/diet").text
    answers = answers_field(found["result"])
    found["person with charts"] = post_form(client, "/history/save", {"answers": answers, "new_person": "Mum"}).text
    found["saved result"] = client.get("/history/assessments/1").text
    return found


def test_no_inline_script_style_or_handler_and_no_external_asset(client: TestClient) -> None:
    for name, page in pages(client).items():
        assert audit(page).problems == [], name


def test_every_form_control_has_a_label(client: TestClient) -> None:
    for name, page in pages(client).items():
        result = audit(page)
        unlabelled = [c.get("name") for c in result.controls if c.get("id") not in result.label_for]
        assert unlabelled == [], name


def test_ids_are_unique(client: TestClient) -> None:
    for name, page in pages(client).items():
        ids = audit(page).ids
        assert len(ids) == len(set(ids)), (name, sorted({i for i in ids if ids.count(i) > 1}))


def test_one_h1_landmarks_and_a_skip_link(client: TestClient) -> None:
    for name, page in pages(client).items():
        tags = audit(page).tags
        assert tags.count("h1") == 1, name
        assert {"header", "nav", "main", "footer"} <= set(tags), name
        assert '<a class="skip-link" href="#main">' in page
        assert '<html lang="en-GB">' in page


@pytest.mark.parametrize("asset", ["/static/b12ms.css", "/static/print.css", "/static/b12ms.js", "/static/favicon.svg"])
def test_assets_are_served_locally(client: TestClient, asset: str) -> None:
    response = client.get(asset)
    assert response.status_code == 200
    assert "http://" not in response.text.replace("http://www.w3.org/2000/svg", "")
    assert "https://" not in response.text


def test_the_print_stylesheet_hides_navigation_and_forms(client: TestClient) -> None:
    css = client.get("/static/print.css").text
    assert ".site-nav" in css and ".no-print" in css
    assert 'media="print"' in client.get("/").text
