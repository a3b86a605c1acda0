"""FHIR input, end to end on realistic bundles: what is read, what is assessed, what is reported."""

from __future__ import annotations

from datetime import date

from fhir_support import AS_OF, fixture_bundle

from b12ms.fhir import assess_fhir, fhir_to_snapshot


def _messages(result) -> list[str]:
    return [f.message for f in result.assessment.findings]


def test_us_searchset_with_loinc_mass_units_reads_every_result_and_finds_deficiency_likely(kb):
    result = assess_fhir(fixture_bundle("us-ms-metformin-searchset"), kb, AS_OF)
    snapshot = result.mapping.snapshot
    assert (snapshot.age, snapshot.sex, snapshot.ms) == (51, "female", "diagnosed")
    b12 = snapshot.labs[0]
    assert (b12.analyte, b12.value, b12.unit, b12.date) == ("total_b12", 251.0, "pg/mL", date(2026, 10, 5))
    assert (b12.reference_range.low, b12.reference_range.high) == (232.0, 1245.0)
    assert list(snapshot.medications) == ["metformin"]
    assert list(snapshot.symptoms) == ["numbness"]
    assessment = result.assessment
    assert assessment.status == "deficiency_likely"  # indeterminate B12, MMA above the lab's upper limit
    assert "metformin" in [f.id for f in assessment.flags]
    assert result.used_observations()[:2] == ["Observation/us-b12-2026", "Observation/us-mma-2026"]


def test_us_metformin_product_code_is_recognised_by_its_ingredient_name_and_says_so(kb):
    result = assess_fhir(fixture_bundle("us-ms-metformin-searchset"), kb, AS_OF)
    assert any(
        m.startswith("MedicationRequest/us-metformin:") and "recognised by its name" in m for m in _messages(result)
    )


def test_uk_collection_with_snomed_b12_in_pmol_per_l_is_indeterminate_and_asks_for_mma(kb):
    result = assess_fhir(fixture_bundle("uk-snomed-pmol-collection"), kb, AS_OF)
    assessment = result.assessment
    assert assessment.status == "indeterminate"
    assert assessment.next_tests == ["mma"]
    latest = next(r for r in assessment.labs if r.analyte == "total_b12" and r.used)
    assert (latest.value, latest.unit, latest.band) == (190.0, "pmol/L", "indeterminate")
    assert result.used_observations()[0] == "Observation/uk-b12-2026"
    snapshot = result.mapping.snapshot
    assert list(snapshot.conditions) == ["coeliac_disease"]
    assert list(snapshot.medications) == ["omeprazole"]
    assert list(snapshot.symptoms) == ["paraesthesia"]
    assert result.mapping.patient == "Patient/uk-9434765919"  # urn:uuid subjects resolved to the Patient


def test_uk_older_result_is_listed_as_superseded(kb):
    result = assess_fhir(fixture_bundle("uk-snomed-pmol-collection"), kb, AS_OF)
    older = next(r for r in result.assessment.labs if r.date == date(2025, 4, 2))
    assert not older.used and older.not_read_because == ["superseded"]


def test_ms_patient_on_high_dose_biotin_has_b12_and_folate_unread(kb):
    result = assess_fhir(fixture_bundle("ms-biotin-collection"), kb, AS_OF)
    (biotin,) = result.mapping.snapshot.supplements
    assert (biotin.name, biotin.route, biotin.started, biotin.last_taken) == ("biotin", "oral", date(2025, 3, 1), None)
    assert biotin.dose_per_day is not None and biotin.dose_per_day.value == 300.0  # 100 mg three times a day
    assessment = result.assessment
    assert assessment.status == "not_interpretable"
    assert [f.id for f in assessment.flags] == ["biotin_interference"]
    for reading in assessment.labs:
        assert reading.not_read_because == ["biotin_interference"]


def test_pregnant_patient_total_b12_is_not_read_and_active_b12_is_next(kb):
    result = assess_fhir(fixture_bundle("pregnant-collection"), kb, AS_OF)
    assert result.mapping.snapshot.pregnant is True
    assert result.mapping.snapshot.ms == "diagnosed"  # MS in remission is still MS
    assessment = result.assessment
    assert assessment.status == "not_interpretable"
    assert assessment.next_tests == ["active_b12"]
    assert "pregnancy" in [f.id for f in assessment.flags]


def test_entered_in_error_and_cancelled_results_are_skipped_and_reported(kb):
    result = assess_fhir(fixture_bundle("entered-in-error-collection"), kb, AS_OF)
    labs = result.mapping.snapshot.labs
    assert [(lab.analyte, lab.value) for lab in labs] == [("total_b12", 495.0)]  # the 95 pg/mL was an error
    assert result.assessment.status == "deficiency_unlikely"
    messages = _messages(result)
    assert "Observation/eie-b12-wrong: Vitamin B12 (total) is marked entered-in-error; not used." in messages
    assert "Observation/eie-mma: MMA (methylmalonic acid) was cancelled; not used." in messages


def test_unknown_codes_units_and_resource_types_become_findings_never_silent_drops(kb):
    result = assess_fhir(fixture_bundle("unknown-codes-collection"), kb, AS_OF)
    by_message = {f.message: f.rule for f in result.assessment.findings}
    assert by_message["Observation/abc: code 1234-5 (http://loinc.org) not recognised; not used."] == (
        "input.unknown_term"
    )
    unit = next(m for m in by_message if m.startswith("Observation/unk-b12-new: unit 'm[IU]/mL'"))
    assert "not read" in unit
    assert any(m.startswith("Condition/unk-htn: condition 38341003") for m in by_message)
    assert any(m.startswith("MedicationStatement/unk-paracetamol: medicine 'Paracetamol") for m in by_message)
    assert "Resources of types b12ms does not read were not used: Encounter (1)." in by_message


def test_when_the_newest_b12_cannot_be_read_the_finding_says_an_older_one_decided(kb):
    result = assess_fhir(fixture_bundle("unknown-codes-collection"), kb, AS_OF)
    superseded = [f for f in result.assessment.findings if f.rule == "labs.latest" and "newest" in f.message]
    assert len(superseded) == 1
    assert "older result of 2024-06-20 is the one used" in superseded[0].message


def test_every_mapping_note_reaches_the_findings_under_a_rule_the_knowledge_holds(kb):
    for name in (
        "us-ms-metformin-searchset",
        "uk-snomed-pmol-collection",
        "unknown-codes-collection",
        "entered-in-error-collection",
        "ms-biotin-collection",
        "pregnant-collection",
    ):
        snapshot, notes = fhir_to_snapshot(fixture_bundle(name), kb, AS_OF)
        result = assess_fhir(fixture_bundle(name), kb, AS_OF)
        findings = [(f.rule, f.message) for f in result.assessment.findings]
        for note in notes:
            assert note.rule in kb.rules
            assert (note.rule, note.message) in findings
        assert result.mapping.snapshot == snapshot
