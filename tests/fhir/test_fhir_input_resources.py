"""How each kind of resource is read: statuses, dates, values, units, conditions and medicines."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from fhir_support import AS_OF, SNOMED, UCUM, collection, condition, medication_statement, observation, patient

from b12ms.fhir import assess_fhir, fhir_to_snapshot

ICD10 = "http://hl7.org/fhir/sid/icd-10"


@pytest.fixture
def read(kb):
    """``read(*resources)`` → (snapshot, note messages) for one patient born 1980 plus the resources."""

    def _read(*resources: dict[str, Any]):
        snapshot, notes = fhir_to_snapshot(collection(patient(), *resources), kb, AS_OF)
        return snapshot, [n.message for n in notes]

    return _read


# --- Observations ---------------------------------------------------------------------------


def test_a_preliminary_result_is_used_with_a_finding(read):
    snapshot, notes = read(observation("b", "2132-9", 420, "pg/mL", status="preliminary"))
    assert len(snapshot.labs) == 1
    assert any("preliminary result; it was used" in n for n in notes)


def test_a_registered_observation_has_no_result_and_is_reported(read):
    snapshot, notes = read(observation("b", "2132-9", None, None, status="registered"))
    assert list(snapshot.labs) == []
    assert notes == ["Observation/b: has no result yet (status registered); not used."]


def test_a_result_dated_after_the_assessment_date_is_not_used(read):
    snapshot, notes = read(observation("b", "2132-9", 420, "pg/mL", day="2026-12-01"))
    assert list(snapshot.labs) == []
    assert any("after the assessment date 2026-11-01" in n for n in notes)


def test_a_date_time_keeps_the_calendar_day_it_was_recorded_on(read):
    snapshot, _ = read(observation("b", "2132-9", 420, "pg/mL", day="2026-10-05T23:30:00-05:00"))
    assert snapshot.labs[0].date == date(2026, 10, 5)


def test_an_effective_period_starts_on_the_sample_day(read):
    obs = observation("b", "2132-9", 420, "pg/mL")
    del obs["effectiveDateTime"]
    obs["effectivePeriod"] = {"start": "2026-09-30T08:00:00Z", "end": "2026-10-01T08:00:00Z"}
    snapshot, _ = read(obs)
    assert snapshot.labs[0].date == date(2026, 9, 30)


def test_a_partial_date_is_not_read_and_says_why(read):
    snapshot, notes = read(observation("b", "2132-9", 420, "pg/mL", day="2026-10"))
    assert list(snapshot.labs) == []
    assert any("partial date '2026-10'" in n for n in notes)


def test_the_report_time_is_used_when_there_is_no_effective_time(read):
    obs = observation("b", "2132-9", 420, "pg/mL", issued="2026-10-03T12:00:00Z")
    del obs["effectiveDateTime"]
    snapshot, notes = read(obs)
    assert snapshot.labs[0].date == date(2026, 10, 3)
    assert any("report time (issued)" in n for n in notes)


def test_the_ucum_code_is_read_before_the_display_unit(read):
    obs = observation("b", "2132-9", 420, None)
    obs["valueQuantity"] = {"value": 420, "unit": "picograms per millilitre", "system": UCUM, "code": "pg/mL"}
    snapshot, _ = read(obs)
    assert snapshot.labs[0].unit == "pg/mL"


def test_a_non_ucum_unit_code_falls_back_to_the_unit_text(read):
    obs = observation("b", "2132-9", 300, None)
    obs["valueQuantity"] = {"value": 300, "unit": "pmol/L", "system": "http://lab.example/units", "code": "PMOLL"}
    snapshot, _ = read(obs)
    assert snapshot.labs[0].unit == "pmol/L"


def test_a_value_given_as_a_bound_is_read_at_the_bound_and_said_so(read):
    obs = observation("b", "14685-2", 50, "pmol/L")
    obs["valueQuantity"]["comparator"] = "<"
    snapshot, notes = read(obs)
    assert snapshot.labs[0].value == 50.0
    assert any("reported as '<50 pmol/L'" in n and "may be lower" in n for n in notes)


def test_a_text_value_is_reported_not_guessed(read):
    obs = observation("b", "2132-9", None, None, valueString="<150")
    snapshot, notes = read(obs)
    assert list(snapshot.labs) == []
    assert any("text value '<150'" in n for n in notes)


def test_a_reference_range_in_another_unit_is_dropped_with_a_note(read):
    obs = observation("b", "2132-9", 420, "pg/mL", referenceRange=[{"low": {"value": 145, "unit": "pmol/L"}}])
    snapshot, notes = read(obs)
    assert snapshot.labs[0].reference_range is None
    assert any("reference range" in n and "another unit" in n for n in notes)


def test_intrinsic_factor_antibodies_read_from_a_snomed_value(read):
    obs = observation(
        "if",
        "31443-5",
        None,
        None,
        valueCodeableConcept={"coding": [{"system": SNOMED, "code": "10828004", "display": "Positive"}]},
    )
    snapshot, _ = read(obs)
    assert [(lab.analyte, lab.result) for lab in snapshot.labs] == [("if_antibodies", "positive")]


def test_the_same_sample_in_mass_and_molar_units_gives_the_same_status(kb):
    # 300 ng/L = 221 pmol/L: both indeterminate (NICE bands in each unit family).
    mass = assess_fhir(collection(patient(), observation("b", "2132-9", 300, "pg/mL")), kb, AS_OF)
    molar = assess_fhir(collection(patient(), observation("b", "14685-2", 221, "pmol/L")), kb, AS_OF)
    assert mass.assessment.status == molar.assessment.status == "indeterminate"


# --- Conditions -----------------------------------------------------------------------------


def test_refuted_ms_is_ignored_with_a_finding(read):
    snapshot, notes = read(condition("ms", SNOMED, "24700007", verification="refuted"))
    assert snapshot.ms is None
    assert any("is refuted; ignored" in n for n in notes)


def test_a_resolved_condition_is_ignored_with_a_finding(read):
    snapshot, notes = read(condition("c", ICD10, "K90.0", clinical="resolved"))
    assert list(snapshot.conditions) == []
    assert any("not current (clinical status resolved)" in n for n in notes)


def test_an_abatement_before_the_assessment_date_ends_a_condition_without_a_status(read):
    snapshot, _ = read(condition("c", ICD10, "K90.0", clinical=None, abatementDateTime="2020-01-01"))
    assert list(snapshot.conditions) == []


def test_ms_in_remission_still_counts(read):
    snapshot, notes = read(condition("ms", SNOMED, "426373005", clinical="remission"))
    assert snapshot.ms == "diagnosed" and notes == []


def test_provisional_ms_is_suspected_so_testing_is_offered(kb):
    result = assess_fhir(
        collection(patient(), condition("ms", SNOMED, "24700007", verification="provisional")), kb, AS_OF
    )
    assert result.mapping.snapshot.ms == "suspected"
    assert result.assessment.testing.indication == "offer"


def test_an_icd10_subcode_matches_its_category_with_or_without_the_dot(read):
    snapshot, _ = read(condition("c1", ICD10, "K50.10"), condition("c2", "http://hl7.org/fhir/sid/icd-10-cm", "G35D"))
    assert list(snapshot.conditions) == ["crohns_disease"]
    assert snapshot.ms == "diagnosed"


def test_a_local_code_is_not_mistaken_for_loinc(read):
    snapshot, notes = read(observation("b", "2132-9", 420, "pg/mL", system="http://lab.example/codes"))
    assert list(snapshot.labs) == []
    assert any("not recognised" in n for n in notes)


def test_a_pregnancy_recorded_long_ago_is_not_current(read):
    preg = condition("p", SNOMED, "77386006", onsetDateTime="2024-01-10")
    snapshot, notes = read(preg)
    assert snapshot.pregnant is None
    assert any("more than 300 days before" in n for n in notes)


def test_the_latest_pregnancy_status_wins(read):
    status = {"system": "http://loinc.org", "code": "82810-3"}

    def preg(rid: str, day: str, value: str) -> dict[str, Any]:
        return {
            "resourceType": "Observation",
            "id": rid,
            "status": "final",
            "code": {"coding": [status]},
            "effectiveDateTime": day,
            "valueCodeableConcept": {"coding": [{"system": SNOMED, "code": value}]},
        }

    snapshot, _ = read(preg("a", "2026-06-01", "77386006"), preg("b", "2026-10-20", "60001007"))
    assert snapshot.pregnant is False


# --- Medicines ------------------------------------------------------------------------------


def test_a_contained_medication_is_followed_through_its_reference(read):
    statement = medication_statement(
        "m",
        "unused",
        contained=[
            {
                "resourceType": "Medication",
                "id": "med",
                "code": {"text": "Hydroxocobalamin 1mg/1ml solution for injection"},
            }
        ],
        effectivePeriod={"start": "2026-01-05"},
    )
    del statement["medicationCodeableConcept"]
    statement["medicationReference"] = {"reference": "#med"}
    snapshot, _ = read(statement)
    (b12,) = snapshot.supplements
    assert (b12.name, b12.route, b12.started) == ("b12", "intramuscular", date(2026, 1, 5))


def test_a_medication_in_the_bundle_is_found_through_its_ingredients(read):
    medication = {
        "resourceType": "Medication",
        "id": "combo",
        "ingredient": [
            {
                "itemCodeableConcept": {
                    "coding": [{"system": "http://www.nlm.nih.gov/research/umls/rxnorm", "code": "4511"}]
                }
            }
        ],
    }
    request = {
        "resourceType": "MedicationRequest",
        "id": "r",
        "status": "active",
        "intent": "order",
        "medicationReference": {"reference": "Medication/combo"},
        "subject": {"reference": "Patient/p1"},
        "authoredOn": "2026-09-01",
    }
    snapshot, _ = read(medication, request)
    assert [s.name for s in snapshot.supplements] == ["folic_acid"]


def test_stopped_metformin_is_not_a_current_medicine_and_says_so(read):
    snapshot, notes = read(medication_statement("m", "Metformin 500mg tablets", status="stopped"))
    assert list(snapshot.medications) == []
    assert any("not counted as a current medicine" in n for n in notes)


def test_a_draft_or_cancelled_request_is_not_used(read):
    draft = {
        "resourceType": "MedicationRequest",
        "id": "d",
        "status": "draft",
        "intent": "order",
        "medicationCodeableConcept": {"text": "Metformin 500mg tablets"},
        "subject": {"reference": "Patient/p1"},
    }
    snapshot, notes = read(draft)
    assert list(snapshot.medications) == []
    assert any("is draft; not used" in n for n in notes)


def test_b12_injections_recorded_as_administrations_give_first_and_last_dose(read):
    def given(rid: str, day: str) -> dict[str, Any]:
        return {
            "resourceType": "MedicationAdministration",
            "id": rid,
            "status": "completed",
            "medicationCodeableConcept": {"text": "Hydroxocobalamin 1mg/1ml solution for injection ampoules"},
            "subject": {"reference": "Patient/p1"},
            "effectiveDateTime": day,
        }

    snapshot, _ = read(given("a1", "2026-05-02"), given("a2", "2026-08-01"), given("a3", "2026-07-01"))
    (b12,) = snapshot.supplements
    assert (b12.started, b12.last_taken, b12.route) == (date(2026, 5, 2), date(2026, 8, 1), "intramuscular")


def test_low_dose_biotin_does_not_block_b12_results(kb):
    biotin = medication_statement(
        "bio",
        "Biotin 2.5mg tablets",
        dosage=[
            {
                "doseAndRate": [{"doseQuantity": {"value": 2.5, "unit": "mg"}}],
                "timing": {"repeat": {"frequency": 1, "period": 1, "periodUnit": "d"}},
            }
        ],
    )
    result = assess_fhir(collection(patient(), biotin, observation("b", "2132-9", 420, "pg/mL")), kb, AS_OF)
    assert result.mapping.snapshot.supplements[0].dose_per_day.value == 2.5
    assert result.assessment.status == "deficiency_unlikely"
