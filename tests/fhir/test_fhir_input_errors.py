"""Which inputs are accepted, and how a malformed one is reported (every problem, at its location)."""

from __future__ import annotations

import pytest
from fhir_support import AS_OF, collection, fixture_bundle, observation, patient

from b12ms.errors import InputError
from b12ms.fhir import OutOfScopeError, assess_fhir, fhir_to_snapshot, read_fhir_input


def _paths(error: InputError) -> list[str]:
    return [p.path for p in error.problems]


def test_a_list_of_resources_is_read_like_a_bundle(kb):
    snapshot, _ = fhir_to_snapshot([patient(), observation("b", "2132-9", 420, "pg/mL")], kb, AS_OF)
    assert snapshot.age == 46 and snapshot.labs[0].value == 420.0


def test_a_single_observation_is_read(kb):
    snapshot, _ = fhir_to_snapshot(observation("b", "14685-2", 300, "pmol/L"), kb, AS_OF)
    assert [(lab.analyte, lab.unit) for lab in snapshot.labs] == [("total_b12", "pmol/L")]


@pytest.mark.parametrize("kind", ["transaction", "batch", "searchset", "collection"])
def test_transaction_batch_searchset_and_collection_bundles_are_read(kb, kind):
    bundle = collection(patient(), observation("b", "2132-9", 420, "pg/mL"))
    bundle["type"] = kind
    bundle["entry"].append({"request": {"method": "DELETE", "url": "Observation/old"}})
    snapshot, _ = fhir_to_snapshot(bundle, kb, AS_OF)
    assert len(snapshot.labs) == 1


def test_a_history_bundle_is_refused_at_its_type(kb):
    bundle = collection(patient())
    bundle["type"] = "history"
    with pytest.raises(InputError) as caught:
        fhir_to_snapshot(bundle, kb, AS_OF)
    assert _paths(caught.value) == ["Bundle.type"]


def test_json_that_is_not_fhir_is_an_input_error(kb):
    with pytest.raises(InputError, match="expected a FHIR Bundle"):
        fhir_to_snapshot({"labs": []}, kb, AS_OF)


def test_a_malformed_quantity_unit_is_an_input_error_naming_its_location(kb):
    bundle = fixture_bundle("us-ms-metformin-searchset")
    bundle["entry"][3]["resource"]["valueQuantity"]["unit"] = 42
    with pytest.raises(InputError) as caught:
        assess_fhir(bundle, kb, AS_OF)
    assert _paths(caught.value) == ["Bundle.entry[3].resource.valueQuantity.unit"]


def test_a_bogus_status_is_an_input_error_although_the_fhir_library_accepts_it(kb):
    bundle = fixture_bundle("us-ms-metformin-searchset")
    bundle["entry"][1]["resource"]["status"] = "bogus"
    with pytest.raises(InputError) as caught:
        assess_fhir(bundle, kb, AS_OF)
    assert _paths(caught.value) == ["Bundle.entry[1].resource.status"]
    assert "'bogus' is not a Observation.status code" in str(caught.value)


def test_every_problem_is_reported_in_one_error(kb):
    bundle = fixture_bundle("uk-snomed-pmol-collection")
    del bundle["entry"][1]["resource"]["status"]
    bundle["entry"][5]["resource"]["clinicalStatus"]["coding"][0]["code"] = "gone"
    bundle["entry"][8]["resource"]["resourceType"] = "MedicationThing"
    with pytest.raises(InputError) as caught:
        assess_fhir(bundle, kb, AS_OF)
    assert sorted(_paths(caught.value)) == [
        "Bundle.entry[1].resource.status",
        "Bundle.entry[5].resource.clinicalStatus.coding[0].code",
        "Bundle.entry[8].resource.resourceType",
    ]


def test_an_unknown_field_is_reported_at_its_location(kb):
    with pytest.raises(InputError) as caught:
        read_fhir_input([observation("b", "2132-9", 420, "pg/mL", valu=1)])
    assert _paths(caught.value) == ["[0].valu"]


def test_two_patients_in_one_input_are_refused(kb):
    with pytest.raises(InputError, match="one person at a time"):
        fhir_to_snapshot(collection(patient("p1"), patient("p2")), kb, AS_OF)


def test_a_result_about_another_patient_is_refused_at_its_subject(kb):
    bundle = collection(patient("p1"), observation("b", "2132-9", 420, "pg/mL", patient="Patient/p2"))
    with pytest.raises(InputError) as caught:
        fhir_to_snapshot(bundle, kb, AS_OF)
    assert _paths(caught.value) == ["Bundle.entry[1].resource.subject.reference"]


def test_a_child_is_out_of_scope_which_is_an_input_error(kb):
    with pytest.raises(OutOfScopeError) as caught:
        fhir_to_snapshot(collection(patient(birth="2015-01-01")), kb, AS_OF)
    assert isinstance(caught.value, InputError)
    assert _paths(caught.value) == ["Bundle.entry[0].resource.birthDate"]


def test_a_partial_birth_date_gives_the_youngest_possible_age_with_a_note(kb):
    snapshot, notes = fhir_to_snapshot(collection(patient(birth="1980")), kb, AS_OF)
    assert snapshot.age == 45
    assert any("birth date 1980 is partial" in n.message for n in notes)


def test_a_value_outside_the_plausible_range_is_reported_at_the_fhir_value(kb):
    bundle = collection(patient(), observation("b12", "2132-9", 250, "ng/mL"))  # ng/mL for pg/mL: 1000x
    with pytest.raises(InputError) as caught:
        assess_fhir(bundle, kb, AS_OF)
    (problem,) = caught.value.problems
    assert problem.path == "Bundle.entry[1].resource.valueQuantity.value"
    assert problem.message.startswith("Observation/b12: 250 ng/mL")
    assert problem.suggestion == "250 ng/L = 184.5 pmol/L"


def test_a_negative_value_is_reported_at_the_fhir_value(kb):
    with pytest.raises(InputError) as caught:
        fhir_to_snapshot(collection(patient(), observation("b12", "2132-9", -3, "pg/mL")), kb, AS_OF)
    assert _paths(caught.value) == ["Bundle.entry[1].resource.valueQuantity.value"]
