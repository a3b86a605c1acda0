"""Claims explorer: search and filters, a page per claim with its audit, a page per seed article."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from b12ms.knowledge import Knowledge

from .support import text_of


def listed_ids(page: str) -> list[str]:
    block = re.search(r'<ul class="claim-list".*?</ul>', page, flags=re.S)
    assert block is not None
    return re.findall(r'href="/claims/([a-z0-9_]+)"', block.group(0))


def test_no_query_lists_every_claim(client: TestClient, kb: Knowledge) -> None:
    page = client.get("/claims").text
    assert len(listed_ids(page)) == len(kb.evidence.claims)


def test_words_find_the_matching_claims_best_first(client: TestClient) -> None:
    ids = listed_ids(client.get("/claims?q=sublingual").text)
    assert ids[0] == "s001_sublingual_better"


def test_filters_narrow_by_verdict_seed_and_topic(client: TestClient, kb: Knowledge) -> None:
    seed = "001_6ba63f71083e4278.txt"
    page = client.get(f"/claims?verdict=not_supported&seed={seed}&topic=treatment_effect").text
    ids = listed_ids(page)
    expected = [
        c.id
        for c in kb.evidence.claims
        if c.verdict == "not_supported" and c.seed == seed and c.topic == "treatment_effect"
    ]
    assert ids and sorted(ids) == sorted(expected)
    assert re.search(r'<option value="not_supported" selected>', page)


def test_an_unknown_filter_is_ignored_and_said_so(client: TestClient, kb: Knowledge) -> None:
    page = client.get("/claims?verdict=maybe").text
    assert "Ignored an unknown verdict “maybe”" in text_of(page)
    assert len(listed_ids(page)) == len(kb.evidence.claims)


def test_nothing_found_says_what_to_try(client: TestClient) -> None:
    assert "No claim matches" in client.get("/claims?q=zzzzqqq").text


def test_a_claim_page_shows_explanation_grade_references_and_citation_audit(client: TestClient, kb: Knowledge) -> None:
    claim = next(c for c in kb.evidence.claims if c.citation_audit)
    page = client.get(f"/claims/{claim.id}").text
    text = text_of(page)
    assert claim.explanation in text
    assert "Did the article's source say this?" in text
    assert claim.citation_audit[0].actual in text
    for ref in claim.references:
        assert f'id="ref-{ref}"' in page


def test_conflicting_claims_point_at_each_other(client: TestClient, kb: Knowledge) -> None:
    claim = next(c for c in kb.evidence.claims if c.conflicts_with)
    page = client.get(f"/claims/{claim.id}").text
    assert f'href="/claims/{claim.conflicts_with[0]}"' in page


def test_an_unknown_claim_is_404_with_the_closest_suggested(client: TestClient) -> None:
    response = client.get("/claims/s001_sublingual_bettr")
    assert response.status_code == 404
    assert "s001_sublingual_better" in response.text


def test_a_seed_page_lists_its_claims_in_order_with_verdicts(client: TestClient, kb: Knowledge) -> None:
    seed = "000_105db47cc2cbf8e5.txt"
    page = client.get(f"/claims/seeds/{seed}").text
    expected = [c.id for c in sorted((c for c in kb.evidence.claims if c.seed == seed), key=lambda c: c.order)]
    assert re.findall(r'href="/claims/(s000_[a-z0-9_]+)"', page) == expected
    assert "The Overlap Between Multiple Sclerosis and Vitamin B12 Deficiency" in page


def test_an_unknown_seed_is_404(client: TestClient) -> None:
    assert client.get("/claims/seeds/nope.txt").status_code == 404
