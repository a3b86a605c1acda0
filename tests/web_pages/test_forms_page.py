"""Forms, routes and safety: claimed doses kept apart from guideline regimens, all sourced."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from b12ms.knowledge import Knowledge

from .support import text_of


def test_every_form_route_and_safety_fact_is_shown(client: TestClient, kb: Knowledge) -> None:
    text = text_of(client.get("/forms").text)
    forms = kb.evidence.forms
    names = [f.name for f in forms.form] + [r.name for r in forms.route] + [s.title for s in forms.safety]
    assert [name for name in names if name not in text] == []


def test_claimed_doses_are_listed_apart_from_guideline_regimens(client: TestClient, kb: Knowledge) -> None:
    page = client.get("/forms").text
    text = text_of(page)
    form = next(f for f in kb.evidence.forms.form if f.seed_doses and f.regimens)
    section = text[text.index(form.name) :]
    stated = section.index("What guidelines and licences state")
    claimed = section.index("What articles claim (graded, not advice)")
    assert form.regimens[0].dose in section[stated:claimed] or form.regimens[0].dose in section[stated:]
    assert form.seed_doses[0].dose in section[claimed:]


def test_every_reference_cited_on_the_page_is_listed(client: TestClient) -> None:
    page = client.get("/forms").text
    linked = set(re.findall(r'href="#ref-([a-z0-9_]+)"', page))
    listed = set(re.findall(r'<li id="ref-([a-z0-9_]+)"', page))
    assert linked and linked <= listed
