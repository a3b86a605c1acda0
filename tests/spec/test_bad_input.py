"""Units and bad input: accepted unit spellings, unit and plausibility errors, unknown names and keys."""

from __future__ import annotations

import math

import pytest

from b12ms.engine import PatientSnapshot
from b12ms.errors import InputError
from b12ms.inputs import validate_input

from .helpers import flag_ids, lab, reading, snapshot_dict, supp

# --- Unit spellings that are accepted -------------------------------------------------------------


@pytest.mark.parametrize(
    ("analyte", "value", "unit", "canonical"),
    [
        pytest.param("mma", 0.5, "µmol/L", 0.5, id="MMA µmol/L (micro sign)"),
        pytest.param("mma", 0.5, "μmol/L", 0.5, id="MMA μmol/L (Greek mu)"),
        pytest.param("mma", 0.5, "umol/L", 0.5, id="MMA umol/L"),
        pytest.param("mma", 0.5, "umol/l", 0.5, id="MMA umol/l"),
        pytest.param("mma", 0.5, "nmol/mL", 0.5, id="MMA nmol/mL = umol/L"),
        pytest.param("mma", 500, "nmol/L", 0.5, id="MMA nmol/L = umol/L x 1000"),
        pytest.param("homocysteine", 12, "µmol/L", 12, id="Hcy µmol/L"),
        pytest.param("homocysteine", 12, "μmol/L", 12, id="Hcy μmol/L"),
        pytest.param("homocysteine", 0.012, "mmol/L", 12, id="Hcy mmol/L"),
        pytest.param("total_b12", 500, "pg/ml", 368.9, id="B12 pg/ml = ng/L"),
        pytest.param("total_b12", 500, "pg/mL", 368.9, id="B12 pg/mL = ng/L"),
        pytest.param("total_b12", 500, "ng/L", 368.9, id="B12 ng/L x 0.7378 = pmol/L"),
        pytest.param("total_b12", 0.5, "ng/mL", 368.9, id="B12 ng/mL = 1000 ng/L"),
        pytest.param("total_b12", 0.3, "nmol/L", 300, id="B12 nmol/L = 1000 pmol/L"),
        pytest.param("haemoglobin", 12.5, "g/dL", 125, id="Hb g/dL -> g/L"),
        pytest.param("haemoglobin", 12.5, "g/dl", 125, id="Hb g/dl -> g/L"),
        pytest.param("haemoglobin", 125, "g/L", 125, id="Hb g/L"),
        pytest.param("folate", 3, "µg/L", 6.797, id="folate µg/L -> nmol/L"),
        pytest.param("folate", 3, "ng/mL", 6.797, id="folate ng/mL -> nmol/L"),
        pytest.param("mcv", 95, "fl", 95, id="MCV fl"),
        pytest.param("egfr", 75, "mL/min/1.73m2", 75, id="eGFR"),
        pytest.param("egfr", 75, "ml/min/1.73 m2", 75, id="eGFR spelled with a space"),
    ],
)
def test_accepted_unit_spellings_convert_to_the_canonical_unit(run, analyte, value, unit, canonical):
    a = run(labs=[lab(analyte, value, unit)])
    assert reading(a, analyte).canonical_value == pytest.approx(canonical, rel=1e-3)


def test_haemoglobin_in_g_per_dl_is_compared_in_g_per_l(run):
    a = run(sex="female", labs=[lab("haemoglobin", 11.9, "g/dL")])
    assert reading(a, "haemoglobin").canonical_unit == "g/L"
    assert "anaemia" in flag_ids(a)


@pytest.mark.parametrize(
    "name", ["b12", "Vitamin B12", "serum b12", "2132-9", "cobalamin"], ids=lambda n: f"analyte name {n!r}"
)
def test_total_b12_is_recognised_by_its_aliases_and_loinc_code(run, name):
    a = run(labs=[lab(name, 500, "ng/L")])
    assert reading(a, "total_b12").band == "normal"


# --- Units that are refused -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "bad_lab",
    [
        pytest.param(lab("mma", 0.2, None), id="MMA with no unit"),
        pytest.param(lab("total_b12", 300, None), id="B12 with no unit"),
        pytest.param(lab("total_b12", 300, " "), id="B12 with a blank unit"),
        pytest.param(lab("total_b12", 300, "mg/furlong"), id="unknown unit"),
        pytest.param(lab("total_b12", 300, "g/dL"), id="B12 in g/dL (wrong quantity)"),
        pytest.param(lab("active_b12", 50, "ng/L"), id="active B12 in a mass unit"),
        pytest.param(lab("mma", 0.2, "mg/dL"), id="MMA in mg/dL"),
        pytest.param(lab("haemoglobin", 8, "mmol/L"), id="Hb in mmol/L"),
        pytest.param(lab("mcv", 90, "g/L"), id="MCV in g/L (wrong dimension)"),
        pytest.param(lab("egfr", 60, "mL/min"), id="eGFR without body surface"),
    ],
)
def test_missing_unknown_or_wrong_dimension_unit_is_an_input_error_naming_the_unit_field(run, bad_lab):
    with pytest.raises(InputError) as raised:
        run(labs=[lab("folate", 20, "nmol/L"), bad_lab])
    paths = [p.path for p in raised.value.problems]
    assert paths == ["labs[1].unit"]


# --- Plausibility windows --------------------------------------------------------------------------


def _micro(text: str) -> str:
    """µ (micro sign) and μ (Greek mu) are the same symbol to a reader."""
    return text.replace("μ", "µ")


def test_mma_200_umol_per_l_is_refused_and_suggests_nmol_per_l(run):
    with pytest.raises(InputError) as raised:
        run(labs=[lab("mma", 200, "µmol/L")])
    (problem,) = raised.value.problems
    assert problem.path == "labs[0].value"
    assert problem.suggestion is not None
    assert "200 nmol/L = 0.2 µmol/L" in _micro(problem.suggestion)


@pytest.mark.parametrize(
    ("bad_lab", "suggested"),
    [
        pytest.param(lab("haemoglobin", 12, "g/L"), "12 g/dL = 120 g/L", id="Hb 12 g/L suggests g/dL"),
        pytest.param(lab("homocysteine", 15000, "umol/L"), "15000 nmol/L = 15 µmol/L", id="Hcy 15000 suggests nmol/L"),
        pytest.param(lab("homocysteine", 0.015, "umol/L"), "0.015 mmol/L = 15 µmol/L", id="Hcy 0.015 suggests mmol/L"),
        pytest.param(lab("mma", 350, "umol/L"), "350 nmol/L = 0.35 µmol/L", id="MMA 350 suggests nmol/L"),
    ],
)
def test_implausible_value_names_the_value_field_and_suggests_the_likely_unit(run, bad_lab, suggested):
    with pytest.raises(InputError) as raised:
        run(labs=[bad_lab])
    (problem,) = raised.value.problems
    assert problem.path == "labs[0].value"
    assert problem.suggestion is not None
    assert suggested in _micro(problem.suggestion)


@pytest.mark.parametrize(
    "bad_lab",
    [
        pytest.param(lab("total_b12", 0.3, "ng/L"), id="B12 0.3 ng/L (ng/mL typed as ng/L)"),
        pytest.param(lab("total_b12", 0.2, "pmol/L"), id="B12 0.2 pmol/L (nmol/L typed as pmol/L)"),
        pytest.param(lab("total_b12", 300000, "pmol/L"), id="B12 300000 pmol/L"),
        pytest.param(lab("active_b12", 0.5, "pmol/L"), id="active B12 0.5 pmol/L"),
        pytest.param(lab("mcv", 9, "fL"), id="MCV 9 fL"),
        pytest.param(lab("egfr", 500, "mL/min/1.73m2"), id="eGFR 500"),
        pytest.param(lab("folate", 500, "nmol/L"), id="folate 500 nmol/L"),
    ],
)
def test_value_outside_the_plausibility_window_is_an_input_error_naming_the_value(run, bad_lab):
    with pytest.raises(InputError) as raised:
        run(labs=[bad_lab])
    assert [p.path for p in raised.value.problems] == ["labs[0].value"]


@pytest.mark.parametrize(
    ("bad_lab", "expected_units"),
    [
        pytest.param(
            lab("total_b12", 0.3, "ng/L"),
            ("ng/mL", "µg/L"),
            id="0.3 ng/L suggests ng/mL",
        ),
        pytest.param(
            lab("total_b12", 0.3, "pg/mL"),
            ("ng/mL", "µg/L"),
            id="0.3 pg/mL suggests ng/mL",
        ),
        pytest.param(lab("total_b12", 0.2, "pmol/L"), ("nmol/L",), id="0.2 pmol/L suggests nmol/L"),
    ],
)
def test_b12_typed_a_thousandfold_too_small_suggests_the_larger_unit_of_the_same_family(run, bad_lab, expected_units):
    """ng/mL typed as ng/L is the slip to catch (hazard H1): suggest the unit in the family that was typed."""
    with pytest.raises(InputError) as raised:
        run(labs=[bad_lab])
    (problem,) = raised.value.problems
    assert problem.path == "labs[0].value"
    assert problem.suggestion is not None
    suggested_unit = _micro(problem.suggestion).split(" = ")[0].split(" ", 1)[1]
    assert suggested_unit in expected_units


@pytest.mark.parametrize(
    ("value", "path"),
    [
        pytest.param(-1, "labs[0].value", id="negative"),
        pytest.param(float("nan"), "labs[0].value", id="NaN"),
        pytest.param(math.inf, "labs[0].value", id="infinity"),
    ],
)
def test_negative_or_non_finite_lab_values_are_input_errors(run, value, path):
    with pytest.raises(InputError) as raised:
        run(labs=[lab("total_b12", value, "ng/L")])
    assert [p.path for p in raised.value.problems] == [path]


@pytest.mark.parametrize(
    ("overrides", "path"),
    [
        pytest.param({"supplements": [supp("biotin", -5)]}, "supplements[0].dose_per_day.value", id="negative dose"),
        pytest.param(
            {"labs": [lab("mma", 0.2, "umol/L", reference_range={"high": -1})]},
            "labs[0].reference_range.high",
            id="negative reference limit",
        ),
        pytest.param(
            {"labs": [lab("mma", 0.2, "umol/L", reference_range={"low": 0.3, "high": 0.2})]},
            "labs[0].reference_range",
            id="reference range low above high",
        ),
        pytest.param({"labs": [lab("total_b12", None, "ng/L")]}, "labs[0]", id="lab with neither value nor result"),
        pytest.param(
            {"labs": [lab("total_b12", 300, "ng/L", result="positive")]}, "labs[0]", id="lab with value and result"
        ),
        pytest.param({"labs": [lab("total_b12", 300, "ng/L", date="2026-13-01")]}, "labs[0].date", id="bad date"),
        pytest.param({"labs": [lab("total_b12", 300, "ng/L", date="2026-12-01")]}, "labs[0].date", id="future date"),
        pytest.param({"labs": [lab("vitamin b13", 300, "ng/L")]}, "labs[0].analyte", id="unknown analyte"),
        pytest.param({"labs": [lab("if_antibodies", None, None, result="pos")]}, "labs[0].result", id="bad result"),
        pytest.param({"age": 15}, "age", id="age under 16"),
        pytest.param({"age": "forty"}, "age", id="age not a number"),
        pytest.param({"sex": "F"}, "sex", id="sex not in the list"),
        pytest.param({"ms": "yes"}, "ms", id="ms not in the list"),
        pytest.param(
            {"supplements": [supp("b12", started="2026-10-01", last_taken="2026-09-01")]},
            "supplements[0]",
            id="last dose before start",
        ),
        pytest.param(
            {"supplements": [supp("biotin", 5, "tablets")]}, "supplements[0].dose_per_day.unit", id="unknown dose unit"
        ),
    ],
)
def test_other_bad_input_is_an_input_error_naming_its_field(run, overrides, path):
    with pytest.raises(InputError) as raised:
        run(**overrides)
    assert [p.path for p in raised.value.problems] == [path]


# --- Unknown names: findings, not errors ------------------------------------------------------------


@pytest.mark.parametrize(
    ("overrides", "path", "suggestion"),
    [
        pytest.param({"medications": ["metfromin"]}, "medications[0]", "metformin", id="medication metfromin"),
        pytest.param({"symptoms": ["fatigeu"]}, "symptoms[0]", "fatigue", id="symptom fatigeu"),
        pytest.param({"diet": "vegn"}, "diet", "vegan", id="diet vegn"),
        pytest.param({"conditions": ["coeliac_diseas"]}, "conditions[0]", "coeliac_disease", id="condition"),
        pytest.param({"surgery": ["gastrectomyy"]}, "surgery[0]", "gastrectomy", id="surgery"),
        pytest.param({"signs": ["glosssitis"]}, "signs[0]", "glossitis", id="sign"),
        pytest.param({"exposures": ["nitrous_oxyde"]}, "exposures[0]", "nitrous_oxide", id="exposure"),
        pytest.param({"supplements": [supp("biotn", 300)]}, "supplements[0].name", "biotin", id="supplement"),
    ],
)
def test_unknown_vocabulary_name_is_a_finding_with_a_suggestion_not_an_error(run, overrides, path, suggestion):
    a = run(labs=[lab("total_b12", 500, "ng/L")], **overrides)
    unknown = [f for f in a.findings if f.rule == "input.unknown_term"]
    assert len(unknown) == 1
    assert path in unknown[0].message
    assert f"'{suggestion}'" in unknown[0].message
    assert unknown[0].references


def test_misspelt_medicine_takes_no_part_in_the_rules(run):
    a = run(medications=["metfromin"], symptoms=["fatigue"], labs=[lab("total_b12", 500, "ng/L")])
    assert "metformin" not in flag_ids(a)
    assert a.risk_factors == []
    assert a.testing.indication == "clinical_judgement"


def test_misspelt_biotin_is_reported_and_the_sample_is_read(run):
    a = run(supplements=[supp("biotn", 300)], labs=[lab("total_b12", 500, "ng/L")])
    assert a.status == "deficiency_unlikely"
    assert any(f.rule == "input.unknown_term" for f in a.findings)


def test_vocabulary_names_match_ignoring_case_spaces_and_hyphens(run):
    a = run(
        medications=["Metformin"],
        symptoms=["Pins-and-Needles"],
        conditions=["CROHNS"],
        labs=[lab("total_b12", 500, "ng/L")],
    )
    assert not [f for f in a.findings if f.rule == "input.unknown_term"]
    assert {"metformin", "crohns_disease"} <= set(a.risk_factors)


# --- Unknown JSON keys ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "path", "suggestion"),
    [
        pytest.param(snapshot_dict(symptom=["fatigue"]), "symptom", "symptoms", id="symptom -> symptoms"),
        pytest.param(snapshot_dict(medication=["metformin"]), "medication", "medications", id="medication"),
        pytest.param(snapshot_dict(sign=["glossitis"]), "sign", "signs", id="sign -> signs"),
        pytest.param(snapshot_dict(pregnent=True), "pregnent", "pregnant", id="pregnent -> pregnant"),
        pytest.param(
            snapshot_dict(labs=[{"analyte": "mma", "date": "2026-10-01", "value": 0.2, "units": "umol/L"}]),
            "labs[0].units",
            "unit",
            id="labs[0].units -> unit",
        ),
        pytest.param(
            snapshot_dict(labs=[lab("mma", 0.2, "umol/L", reference_range={"hihg": 0.3})]),
            "labs[0].reference_range.hihg",
            "high",
            id="reference_range.hihg -> high",
        ),
        pytest.param(
            snapshot_dict(supplements=[{"nmae": "biotin"}]),
            "supplements[0].nmae",
            "name",
            id="supplements[0].nmae -> name",
        ),
        pytest.param(
            snapshot_dict(supplements=[{"name": "biotin", "dose_per_day": {"value": 5, "units": "mg"}}]),
            "supplements[0].dose_per_day.units",
            "unit",
            id="dose_per_day.units -> unit",
        ),
    ],
)
def test_unknown_json_key_is_an_input_error_naming_the_key_with_a_suggestion(data, path, suggestion):
    with pytest.raises(InputError) as raised:
        validate_input(PatientSnapshot, data)
    problems = [p for p in raised.value.problems if p.path == path]
    assert len(problems) == 1
    assert problems[0].suggestion == suggestion


# --- Every problem names a field path ------------------------------------------------------------


def test_every_structural_problem_names_its_field_path():
    data = snapshot_dict(
        symptom=["fatigue"],
        age=12,
        labs=[lab("total_b12", -3, "ng/L"), {"analyte": "mma", "value": 0.2, "unit": "umol/L"}],
        supplements=[{"name": "biotin", "dose_per_day": {"value": "lots", "unit": "mg"}}],
    )
    with pytest.raises(InputError) as raised:
        validate_input(PatientSnapshot, data)
    paths = {p.path for p in raised.value.problems}
    assert all(p.path for p in raised.value.problems)
    assert {"symptom", "age", "labs[0].value", "labs[1].date", "supplements[0].dose_per_day.value"} <= paths


def test_every_lab_problem_is_reported_together_each_with_its_field_path(run):
    with pytest.raises(InputError) as raised:
        run(
            labs=[
                lab("total_b12", 300, None),
                lab("mma", 200, "umol/L"),
                lab("vitamin b13", 3, "ng/L"),
                lab("active_b12", 50, "ng/L"),
            ]
        )
    paths = [p.path for p in raised.value.problems]
    assert paths == ["labs[0].unit", "labs[1].value", "labs[2].analyte", "labs[3].unit"]
    for problem in raised.value.problems:
        assert problem.message
        assert problem.path in str(raised.value)


@pytest.mark.parametrize(
    ("kind", "name", "term"),
    [
        pytest.param("conditions", "Crohn's disease", "crohns_disease", id="Crohn's disease"),
        pytest.param("conditions", "Sjogren's syndrome", "sjogrens", id="Sjogren's syndrome"),
        pytest.param("conditions", "Hashimoto's", "autoimmune_thyroid_disease", id="Hashimoto's"),
    ],
)
def test_possessive_spelling_of_a_risk_factor_is_recognised(run, kind, name, term):
    a = run(symptoms=["fatigue"], **{kind: [name]})
    assert term in a.risk_factors
