"""The result page: the status first, an urgent banner when urgent, then reasons and sources."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from b12ms.knowledge import Knowledge
from b12ms.web.pages.result_view import EVIDENCE_PICKS

from .support import REALISTIC, URGENT, answers_field, post_form, text_of


def main_text(page: str) -> str:
    found = re.search(r"<main\b.*?</main>", page, flags=re.S)
    assert found is not None
    return text_of(found.group(0))


def test_the_status_sentence_comes_first(client: TestClient, kb: Knowledge) -> None:
    page = post_form(client, "/assess", REALISTIC).text
    wording = kb.status_wording["deficiency_likely"]
    assert main_text(page).startswith(f"{wording.headline} {wording.text}")
    assert "urgent-banner" not in page


def test_an_urgent_result_opens_with_the_contact_a_clinician_today_banner(client: TestClient, kb: Knowledge) -> None:
    page = post_form(client, "/assess", URGENT).text
    urgent = kb.urgency_wording["urgent"]
    text = main_text(page)
    assert text.startswith(f"! {urgent.headline} {urgent.text} Why:")
    assert "Falls over when standing with eyes closed" in text  # the reason, in plain words
    assert 'role="alert"' in page
    assert re.search(r"<title>Urgent: ", page)


def test_names_b12ms_does_not_know_are_reported_back(client: TestClient) -> None:
    page = post_form(client, "/assess", {**REALISTIC, "medications-3": "Frobnizol"}).text
    assert "Medicines: “Frobnizol”" in text_of(page)


def test_each_finding_names_its_rule_and_references_in_the_clinician_section(client: TestClient) -> None:
    page = post_form(client, "/assess", REALISTIC).text
    details = re.search(r'<details class="clinician-details".*?</details>', page, flags=re.S)
    assert details is not None
    assert "<code>metabolic.mma</code>" in details.group(0)
    assert 'href="#ref-nice_ng239"' in details.group(0)


def test_every_reference_link_has_its_entry(client: TestClient) -> None:
    page = post_form(client, "/assess", URGENT).text
    linked = set(re.findall(r'href="#ref-([a-z0-9_]+)"', page))
    listed = set(re.findall(r'<li id="ref-([a-z0-9_]+)"', page))
    assert linked and linked <= listed


def test_the_evidence_section_grades_claims_for_this_situation(client: TestClient) -> None:
    page = post_form(client, "/assess", REALISTIC).text
    section = re.search(r'aria-labelledby="evidence-title".*?</section>', page, flags=re.S)
    assert section is not None
    assert 'href="/claims/gl_b12_boosts_fingolimod"' in section.group(0)  # she takes fingolimod
    assert "Insufficient evidence" in text_of(section.group(0))


@pytest.mark.parametrize(("claim_id", "when"), EVIDENCE_PICKS)
def test_every_picked_claim_exists(kb: Knowledge, claim_id: str, when: frozenset[str]) -> None:
    assert claim_id in kb.evidence.claims_by_id
    assert when


def test_the_result_offers_pdf_save_and_change(client: TestClient) -> None:
    page = post_form(client, "/assess", REALISTIC).text
    for action in ("/assess/pdf", "/history/save", "/assess/edit"):
        assert f'action="{action}"' in page


def test_download_pdf_gives_a_pdf_attachment(client: TestClient) -> None:
    page = post_form(client, "/assess", REALISTIC).text
    response = post_form(client, "/assess/pdf", {"answers": answers_field(page)})
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/pdf"
    assert response.headers["content-disposition"] == 'attachment; filename="b12ms-report-2026-11-01.pdf"'
    assert response.content.startswith(b"%PDF-")


def test_hostile_text_is_escaped(client: TestClient) -> None:
    page = post_form(client, "/assess", {**REALISTIC, "medications-3": "<script>alert(1)</script>"}).text
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
