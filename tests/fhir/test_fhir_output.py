"""FHIR output (``--format fhir``): a collection Bundle that validates with fhir.resources.R4B."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path

from fhir.resources.R4B.bundle import Bundle
from fhir_support import AS_OF, fixture_bundle

from b12ms import assess, parse_snapshot
from b12ms.fhir import assess_fhir, assessment_to_bundle

RECORDED = datetime(2026, 11, 1, 9, 30, tzinfo=UTC)
EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def _by_type(bundle: dict) -> dict[str, list[dict]]:
    out: dict[str, list[dict]] = {}
    for entry in bundle["entry"]:
        out.setdefault(entry["resource"]["resourceType"], []).append(entry["resource"])
    return out


def _from_fixture(kb, name: str) -> tuple[dict, object]:
    result = assess_fhir(fixture_bundle(name), kb, AS_OF)
    return assessment_to_bundle(result.assessment, kb, recorded=RECORDED, mapping=result.mapping), result


def test_the_bundle_is_a_collection_that_validates_with_fhir_resources_r4b(kb):
    for name in (
        "us-ms-metformin-searchset",
        "uk-snomed-pmol-collection",
        "ms-biotin-collection",
        "pregnant-collection",
        "entered-in-error-collection",
        "unknown-codes-collection",
    ):
        bundle, _ = _from_fixture(kb, name)
        parsed = Bundle.model_validate(bundle)
        assert parsed.type == "collection"
        assert all(e.fullUrl.startswith("urn:uuid:") for e in parsed.entry)


def test_the_risk_assessment_carries_the_status_code_and_the_observations_used(kb):
    bundle, result = _from_fixture(kb, "uk-snomed-pmol-collection")
    (risk,) = _by_type(bundle)["RiskAssessment"]
    outcome = risk["prediction"][0]["outcome"]["coding"][0]
    assert outcome["code"] == "indeterminate"
    assert outcome["system"].endswith("/CodeSystem/b12-status")
    assert [b["reference"] for b in risk["basis"]] == result.used_observations()
    assert "Observation/uk-b12-2025" not in json.dumps(risk["basis"])  # superseded, so not the basis
    assert risk["subject"] == {"reference": "Patient/uk-9434765919"}


def test_each_finding_is_a_note_on_the_risk_assessment(kb):
    bundle, result = _from_fixture(kb, "unknown-codes-collection")
    (risk,) = _by_type(bundle)["RiskAssessment"]
    notes = [n["text"] for n in risk["note"]]
    assert notes == [f"[{f.rule}] {f.message}" for f in result.assessment.findings]
    assert any("Observation/abc: code 1234-5" in n for n in notes)


def test_a_detected_issue_per_warning_or_critical_flag(kb):
    bundle, _ = _from_fixture(kb, "ms-biotin-collection")
    issues = _by_type(bundle)["DetectedIssue"]
    assert [i["code"]["coding"][0]["code"] for i in issues] == ["biotin_interference"]
    assert issues[0]["severity"] == "moderate"
    assert issues[0]["detail"].startswith("High-dose biotin")


def test_an_info_flag_is_not_a_detected_issue(kb):
    bundle, result = _from_fixture(kb, "us-ms-metformin-searchset")
    assert [(f.id, f.severity) for f in result.assessment.flags] == [("metformin", "info")]
    assert "DetectedIssue" not in _by_type(bundle)


def test_a_proposed_service_request_with_a_loinc_code_per_next_test(kb):
    bundle, result = _from_fixture(kb, "pregnant-collection")
    (request,) = _by_type(bundle)["ServiceRequest"]
    assert result.assessment.next_tests == ["active_b12"]
    assert (request["status"], request["intent"]) == ("draft", "proposal")
    assert request["code"]["coding"][0] == {
        "system": "http://loinc.org",
        "code": "72160-5",
        "display": "Holo-transcobalamin II [Moles/volume] in Serum",
    }


def test_provenance_names_the_b12ms_and_knowledge_versions_and_hash(kb):
    bundle, result = _from_fixture(kb, "us-ms-metformin-searchset")
    resources = _by_type(bundle)
    (provenance,) = resources["Provenance"]
    (device,) = resources["Device"]
    versions = result.assessment.versions
    assert provenance["recorded"] == RECORDED.isoformat()
    shown = json.dumps(provenance) + json.dumps(device)
    for value in (versions.b12ms, versions.knowledge, versions.knowledge_sha256):
        assert value in shown
    targets = {t["reference"] for t in provenance["target"]}
    assert f"urn:uuid:{resources['RiskAssessment'][0]['id']}" in targets


def test_the_same_assessment_gives_the_same_bundle(kb):
    first, _ = _from_fixture(kb, "uk-snomed-pmol-collection")
    second, _ = _from_fixture(kb, "uk-snomed-pmol-collection")
    assert first == second


def test_a_plain_snapshot_gets_its_used_results_written_as_observations(kb):
    data = json.loads((EXAMPLES / "ms-vegan-metformin.json").read_text())
    assessment = assess(parse_snapshot(data), kb, date(2026, 11, 1))
    bundle = assessment_to_bundle(assessment, kb, recorded=RECORDED)
    Bundle.model_validate(bundle)
    resources = _by_type(bundle)
    observations = resources.get("Observation", [])
    assert len(observations) == sum(1 for r in assessment.labs if r.used)
    (risk,) = resources["RiskAssessment"]
    written = {f"urn:uuid:{o['id']}" for o in observations}
    assert {b["reference"] for b in risk.get("basis", [])} == written
    assert risk["subject"] == {"display": "the person assessed"}


def test_written_observations_use_the_loinc_code_of_their_unit_family(kb):
    snapshot = parse_snapshot(
        {"labs": [{"analyte": "total_b12", "date": "2026-10-01", "value": 180.0, "unit": "pmol/L"}]}
    )
    bundle = assessment_to_bundle(assess(snapshot, kb, AS_OF), kb, recorded=RECORDED)
    (observation,) = _by_type(bundle)["Observation"]
    assert observation["code"]["coding"][0]["code"] == "14685-2"  # molar, never the 16695-9 trap
    assert observation["valueQuantity"]["code"] == "pmol/L"
