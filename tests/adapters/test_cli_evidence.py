"""The evidence and diet commands through the real CLI (in-process with Typer's runner)."""

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from b12ms.cli import app

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
runner = CliRunner()


def invoke(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args), env={"COLUMNS": "80"})
    return result.exit_code, result.stdout, result.stderr


def test_claims_lists_every_claim_with_verdict_and_grade_as_json():
    code, out, _ = invoke("claims", "--format", "json")
    assert code == 0
    document = json.loads(out)
    assert document["count"] == len(document["claims"]) >= 60
    for claim in document["claims"]:
        assert claim["verdict"] and claim["grade"] and claim["explanation"] and claim["references"]
        assert set(claim["reference_citations"]) == set(claim["references"])


def test_claims_search_ranks_the_matching_claim_first():
    code, out, _ = invoke("claims", "sublingual", "absorbed", "--format", "json")
    assert code == 0
    claims = json.loads(out)["claims"]
    assert claims
    assert "sublingual" in claims[0]["claim"].lower()


def test_claims_show_gives_the_citation_audit():
    code, out, _ = invoke("claims", "--format", "json")
    audited = next(c for c in json.loads(out)["claims"] if c["citation_audit"])
    code, out, _ = invoke("claims", "show", audited["id"], "--format", "json")
    assert code == 0
    claim = json.loads(out)
    assert claim["id"] == audited["id"]
    assert claim["citation_audit"][0]["status"] in {
        "verified",
        "wrong_source_details",
        "not_found",
        "topic_mismatch",
        "contradicts_claim",
    }


def test_claims_show_unknown_id_is_an_input_error_with_a_suggestion():
    code, out, _ = invoke("claims", "--format", "json")
    first = json.loads(out)["claims"][0]["id"]
    code, _, err = invoke("claims", "show", first[:-1])
    assert code == 2
    assert f"did you mean {first}" in err


def test_claims_text_fits_eighty_columns():
    code, out, _ = invoke("claims", "show", "s001_sublingual_better")
    assert code == 0
    assert max(len(line) for line in out.splitlines()) <= 80


def test_forms_json_has_four_forms_and_labels_seed_doses_as_claims():
    code, out, _ = invoke("forms", "--format", "json")
    assert code == 0
    data = json.loads(out)
    names = {f["id"] for f in data["forms"]}
    assert {"cyanocobalamin", "methylcobalamin", "hydroxocobalamin", "adenosylcobalamin"} <= names
    seed_doses = [d for f in data["forms"] for d in f["seed_doses"]]
    assert seed_doses and all(d["source"] == "seed_claim" for d in seed_doses)


def test_forms_text_renders():
    code, out, _ = invoke("forms")
    assert code == 0
    assert "Safety" in out


def test_references_lists_the_bibliography():
    code, out, _ = invoke("references", "--format", "json")
    assert code == 0
    ids = {r["id"] for r in json.loads(out)}
    assert {"nice_ng239", "bsh_2014", "mhra_2022_metformin", "usda_sr26"} <= ids


def test_foods_search_finds_canned_sardines():
    code, out, _ = invoke("foods", "search", "sardines", "canned", "in", "oil", "--format", "json")
    assert code == 0
    foods = json.loads(out)["foods"]
    assert foods[0]["description"] == "SARDINE,ATLANTIC,CND IN OIL,DRND SOL W/BONE"


def test_diet_json_carries_versions_and_totals():
    code, out, _ = invoke("diet", str(EXAMPLES / "diet-vegetarian-day.json"), "--format", "json")
    assert code == 0
    result = json.loads(out)
    assert result["versions"]["knowledge_sha256"]
    assert result["total_b12_ug"] == pytest.approx(result["food_b12_ug"] + result["supplement_b12_ug"])
    assert result["absorbed_b12_ug"]["total"] < result["total_b12_ug"]


def test_diet_with_an_unknown_ndb_number_names_the_item(tmp_path):
    plan = {
        "age": 40,
        "life_stage": "adult",
        "diet": "omnivore",
        "meals": [{"name": "lunch", "items": [{"food": "99999", "amount": 100, "unit": "g"}]}],
    }
    path = tmp_path / "diet.json"
    path.write_text(json.dumps(plan))
    code, _, err = invoke("diet", str(path))
    assert code == 2
    assert "meals[0].items[0].food" in err


def test_report_writes_a_pdf(tmp_path):
    target = tmp_path / "report.pdf"
    code, _, _ = invoke("report", str(EXAMPLES / "ms-vegan-metformin.json"), "-o", str(target))
    assert code == 0
    assert target.read_bytes().startswith(b"%PDF")


def test_assess_fhir_bundle_in_and_out(tmp_path):
    bundle = Path(__file__).resolve().parents[1] / "fhir" / "fixtures" / "ms-biotin-collection.json"
    code, out, _ = invoke("assess", "--fhir", str(bundle), "--as-of", "2026-11-01", "-f", "fhir")
    assert code == 0
    document = json.loads(out)
    assert document["resourceType"] == "Bundle"
    assert document["type"] == "collection"
    kinds = {entry["resource"]["resourceType"] for entry in document["entry"]}
    assert {"RiskAssessment", "Provenance"} <= kinds
