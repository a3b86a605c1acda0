"""The JSON API through a real app and the real knowledge: answers equal the library's, errors
name their field paths with the CLI's messages, every error has the one JSON shape."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from web_support import Loaded

from b12ms import __version__, assess, parse_snapshot
from b12ms.diet import DietInput, compute_diet
from b12ms.errors import InputError
from b12ms.inputs import validate_input

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
JSON = {"content-type": "application/json"}


def example(name: str) -> Any:
    return json.loads((EXAMPLES / name).read_text(encoding="utf-8"))


def snapshot_without_date() -> dict[str, Any]:
    return {"age": 44, "labs": [{"analyte": "total_b12", "value": 150, "unit": "ng/L", "date": "2026-01-10"}]}


# --- assess ---------------------------------------------------------------------------------------


def test_assess_answers_exactly_what_the_library_answers(client: TestClient, loaded: Loaded) -> None:
    data = example("ms-vegan-metformin.json")
    response = client.post("/api/v1/assess", json=data)
    expected = assess(parse_snapshot(data), loaded.knowledge, date(2026, 11, 1))
    assert response.status_code == 200
    assert response.json() == expected.model_dump(mode="json")


def test_assess_uses_the_as_of_query_when_the_snapshot_has_no_date(client: TestClient) -> None:
    response = client.post("/api/v1/assess", params={"as_of": "2026-02-01"}, json=snapshot_without_date())
    assert response.status_code == 200
    assert response.json()["as_of"] == "2026-02-01"


def test_assess_prefers_the_snapshots_own_date_to_the_query(client: TestClient) -> None:
    data = {**snapshot_without_date(), "as_of": "2026-03-01"}
    response = client.post("/api/v1/assess", params={"as_of": "2026-02-01"}, json=data)
    assert response.json()["as_of"] == "2026-03-01"


def test_assess_defaults_to_today(client: TestClient) -> None:
    response = client.post("/api/v1/assess", json=snapshot_without_date())
    assert response.json()["as_of"] == date.today().isoformat()


def test_wrong_unit_is_422_naming_labs_0_unit_with_the_cli_message(client: TestClient, loaded: Loaded) -> None:
    data = {
        "as_of": "2026-11-01",
        "labs": [{"analyte": "total_b12", "value": 250, "unit": "mg/dL", "date": "2026-10-01"}],
    }
    response = client.post("/api/v1/assess", json=data)
    body = response.json()
    assert response.status_code == 422
    assert body["error"] == "input"
    assert [p["path"] for p in body["problems"]] == ["labs[0].unit"]
    try:
        assess(parse_snapshot(data), loaded.knowledge, date(2026, 11, 1))
    except InputError as error:
        assert body["problems"] == [p.as_dict() for p in error.problems]
    else:
        raise AssertionError("the library accepted a wrong unit")


def test_structural_errors_use_the_library_messages_with_suggestions(client: TestClient) -> None:
    data = {**snapshot_without_date(), "agee": 44, "sex": "femal"}
    response = client.post("/api/v1/assess", json=data)
    problems = {p["path"]: p for p in response.json()["problems"]}
    assert response.status_code == 422
    assert problems["agee"]["suggestion"] == "age"
    assert problems["sex"]["suggestion"] == "female"
    try:
        validate_input(type(parse_snapshot(snapshot_without_date())), data)
    except InputError as error:
        assert response.json()["problems"] == [p.as_dict() for p in error.problems]


def test_body_that_is_not_json_is_400_with_the_same_shape(client: TestClient) -> None:
    response = client.post("/api/v1/assess", content=b'{"age": 44,', headers=JSON)
    body = response.json()
    assert response.status_code == 400
    assert body["error"] == "input"
    assert body["problems"][0]["path"] == ""
    assert "not valid JSON" in body["problems"][0]["message"]


def test_body_that_is_not_text_is_400(client: TestClient) -> None:
    response = client.post("/api/v1/assess", content=b'{"age": "\xff"}', headers=JSON)
    assert response.status_code == 400
    assert response.json()["error"] == "input"


def test_a_bad_as_of_query_is_422_naming_the_parameter(client: TestClient) -> None:
    response = client.post("/api/v1/assess", params={"as_of": "yesterday"}, json=snapshot_without_date())
    assert response.status_code == 422
    assert [p["path"] for p in response.json()["problems"]] == ["as_of"]


# --- claims ---------------------------------------------------------------------------------------


def test_claims_without_a_query_lists_every_claim(client: TestClient, loaded: Loaded) -> None:
    body = client.get("/api/v1/claims").json()
    assert body["knowledge"] == loaded.knowledge.version
    assert body["count"] == len(loaded.knowledge.evidence.claims) == len(body["claims"])


def test_claims_search_ranks_by_words(client: TestClient) -> None:
    body = client.get("/api/v1/claims", params={"q": "methylcobalamin"}).json()
    assert body["count"] >= 1
    assert all("methylcobalamin" in json.dumps(c).lower() for c in body["claims"])


def test_claims_filters_by_verdict_topic_and_seed(client: TestClient, loaded: Loaded) -> None:
    some = loaded.knowledge.evidence.claims[0]
    params = {"verdict": some.verdict, "topic": some.topic, "seed": some.seed}
    body = client.get("/api/v1/claims", params=params).json()
    assert some.id in [c["id"] for c in body["claims"]]
    assert all((c["verdict"], c["topic"], c["seed"]) == (some.verdict, some.topic, some.seed) for c in body["claims"])


def test_unknown_verdict_is_422_with_a_suggestion(client: TestClient) -> None:
    response = client.get("/api/v1/claims", params={"verdict": "supportd"})
    assert response.status_code == 422
    assert response.json()["problems"][0] | {"message": ""} == {
        "path": "verdict",
        "message": "",
        "suggestion": "supported",
    }


def test_unknown_seed_is_422_naming_seed(client: TestClient) -> None:
    response = client.get("/api/v1/claims", params={"seed": "guidelin"})
    assert response.status_code == 422
    assert response.json()["problems"][0]["path"] == "seed"
    assert response.json()["problems"][0]["suggestion"] == "guideline"


def test_one_claim_in_full_with_its_citations(client: TestClient, loaded: Loaded) -> None:
    claim = loaded.knowledge.evidence.claims[0]
    body = client.get(f"/api/v1/claims/{claim.id}").json()
    assert body["id"] == claim.id
    assert set(body["reference_citations"]) == set(claim.references)


def test_unknown_claim_is_404_suggesting_the_closest_id(client: TestClient, loaded: Loaded) -> None:
    claim_id = loaded.knowledge.evidence.claims[0].id
    response = client.get(f"/api/v1/claims/{claim_id[:-1]}")
    assert response.status_code == 404
    assert response.json()["error"] == "not_found"
    assert response.json()["problems"][0]["suggestion"] == claim_id


# --- diet and foods -------------------------------------------------------------------------------


def test_diet_answers_what_the_library_answers_with_versions(client: TestClient, loaded: Loaded) -> None:
    data = example("diet-vegetarian-day.json")
    response = client.post("/api/v1/diet", json=data)
    expected = compute_diet(validate_input(DietInput, data), loaded.foods, loaded.intakes).model_dump(mode="json")
    body = response.json()
    assert response.status_code == 200
    assert body["versions"] == {
        "b12ms": __version__,
        "knowledge": loaded.knowledge.version,
        "knowledge_sha256": loaded.knowledge.sha256,
    }
    assert {**body, "versions": None} == expected


def test_diet_unknown_food_is_422_naming_the_item(client: TestClient) -> None:
    data = example("diet-vegetarian-day.json")
    data["meals"][0]["items"][0]["food"] = "qqqzzzxx"
    response = client.post("/api/v1/diet", json=data)
    assert response.status_code == 422
    assert "meals[0].items[0].food" in [p["path"] for p in response.json()["problems"]]


def test_foods_search_finds_sardines(client: TestClient) -> None:
    body = client.get("/api/v1/foods", params={"q": "sardines canned in oil", "limit": 3}).json()
    assert body["query"] == "sardines canned in oil"
    assert 1 <= len(body["foods"]) <= 3
    assert "SARDINE" in body["foods"][0]["description"]


def test_foods_search_needs_words(client: TestClient) -> None:
    response = client.get("/api/v1/foods")
    assert response.status_code == 422
    assert response.json()["problems"][0]["path"] == "q"


# --- knowledge, health, unknown paths -------------------------------------------------------------


def test_knowledge_has_version_hash_and_thresholds(client: TestClient, loaded: Loaded) -> None:
    body = client.get("/api/v1/knowledge").json()
    assert (body["version"], body["sha256"]) == (loaded.knowledge.version, loaded.knowledge.sha256)
    assert body["thresholds"]
    assert body["references"] == len(loaded.knowledge.references)


def test_healthz_reports_versions(client: TestClient, loaded: Loaded) -> None:
    assert client.get("/healthz").json() == {
        "status": "ok",
        "b12ms": __version__,
        "knowledge": loaded.knowledge.version,
    }


def test_unknown_path_is_404_in_the_error_shape(client: TestClient) -> None:
    response = client.get("/api/v1/nothing")
    assert response.status_code == 404
    assert response.json() == {"error": "not_found", "message": "Not Found", "problems": []}


def test_interactive_docs_are_off_but_the_schema_is_served(client: TestClient) -> None:
    assert client.get("/docs").status_code == 404
    schema = client.get("/openapi.json").json()
    assert "/api/v1/assess" in schema["paths"]
    for path, operations in schema["paths"].items():
        if path.startswith("/cds-services"):
            continue  # CDS Hooks routes document their own statuses (tests/cds)
        for method, operation in operations.items():
            documented = set(operation["responses"])
            expected = {"500"} if path == "/healthz" else {"400", "401", "422", "500"}
            assert expected <= documented, (method, path)


def test_fhir_bundles_are_assessed_through_the_api(client: TestClient) -> None:
    import json
    from pathlib import Path

    bundle = json.loads(
        (Path(__file__).resolve().parents[1] / "fhir" / "fixtures" / "ms-biotin-collection.json").read_text()
    )
    response = client.post("/api/v1/fhir/assess?as_of=2026-11-01", json=bundle)
    assert response.status_code == 200
    assert "biotin_interference" in {flag["id"] for flag in response.json()["flags"]}
    as_fhir = client.post("/api/v1/fhir/assess?as_of=2026-11-01&format=fhir", json=bundle)
    assert as_fhir.status_code == 200
    assert as_fhir.json()["resourceType"] == "Bundle"
    broken = client.post("/api/v1/fhir/assess", json={"resourceType": "Bundle", "type": "collection", "entry": [1]})
    assert broken.status_code == 422
    assert broken.json()["problems"][0]["path"].startswith("Bundle.entry[0]")
