"""Rules 1 (testing), 6 (other flags), 7 (urgency), 8 (cB12) and 9 (management)."""

from __future__ import annotations

import math

import pytest

from .helpers import flag_ids, lab, management_ids, supp

LOW_TOTAL = lab("total_b12", 150, "ng/L")
INDETERMINATE_TOTAL = lab("total_b12", 250, "ng/L")
NORMAL_TOTAL = lab("total_b12", 500, "ng/L")

RED_FLAG_SIGNS = [
    "symmetric_sensory_loss",
    "positive_romberg",
    "absent_ankle_reflexes",
    "extensor_plantars",
    "bilateral_optic_neuropathy",
    "subacute_progressive_course",
    "symmetric_dorsal_column_mri",
]
MYELOPATHY_SIGNS = [
    "positive_romberg",
    "extensor_plantars",
    "subacute_progressive_course",
    "symmetric_dorsal_column_mri",
]
NEURO_SYMPTOMS = ["paraesthesia", "numbness", "balance_problems", "muscle_weakness"]


# =================================================================================================
# Rule 1: testing indication, risk factors and first tests
# =================================================================================================

RISK_FACTORS = [
    pytest.param({"diet": "vegetarian"}, "vegetarian", id="vegetarian"),
    pytest.param({"diet": "vegan"}, "vegan", id="vegan"),
    pytest.param({"diet": "low_animal"}, "low_animal", id="low animal diet"),
    pytest.param({"diet": "plant based"}, "vegan", id="vegan by alias"),
    pytest.param({"conditions": ["autoimmune_gastritis"]}, "autoimmune_gastritis", id="autoimmune gastritis"),
    pytest.param({"conditions": ["pernicious anaemia"]}, "autoimmune_gastritis", id="pernicious anaemia alias"),
    pytest.param({"conditions": ["coeliac_disease"]}, "coeliac_disease", id="coeliac"),
    pytest.param({"conditions": ["crohns_disease"]}, "crohns_disease", id="crohns"),
    pytest.param({"conditions": ["sjogrens"]}, "sjogrens", id="sjogrens"),
    pytest.param({"conditions": ["type1_diabetes"]}, "type1_diabetes", id="type 1 diabetes"),
    pytest.param({"conditions": ["autoimmune_thyroid_disease"]}, "autoimmune_thyroid_disease", id="autoimmune thyroid"),
    pytest.param(
        {"conditions": ["family_history_b12_deficiency"]}, "family_history_b12_deficiency", id="family history B12"
    ),
    pytest.param(
        {"conditions": ["family_history_autoimmune"]}, "family_history_autoimmune", id="family history autoimmune"
    ),
    pytest.param({"surgery": ["gastrectomy"]}, "gastrectomy", id="gastrectomy"),
    pytest.param({"surgery": ["bariatric_surgery"]}, "bariatric_surgery", id="bariatric surgery"),
    pytest.param({"surgery": ["ileal_resection"]}, "ileal_resection", id="ileal resection"),
    pytest.param(
        {"surgery": ["abdominal_pelvic_radiotherapy"]}, "abdominal_pelvic_radiotherapy", id="pelvic radiotherapy"
    ),
    pytest.param({"medications": ["metformin"]}, "metformin", id="metformin"),
    pytest.param({"medications": ["omeprazole"]}, "omeprazole", id="PPI"),
    pytest.param({"medications": ["famotidine"]}, "famotidine", id="H2 blocker"),
    pytest.param({"medications": ["colchicine"]}, "colchicine", id="colchicine"),
    pytest.param({"medications": ["topiramate"]}, "topiramate", id="antiepileptic"),
    pytest.param({"exposures": ["nitrous_oxide"]}, "nitrous_oxide", id="nitrous oxide"),
]


@pytest.mark.parametrize(("facts", "risk_id"), RISK_FACTORS)
def test_nice_risk_factor_is_listed_and_with_a_symptom_testing_is_offered(run, facts, risk_id):
    a = run(symptoms=["fatigue"], **facts)
    assert risk_id in a.risk_factors
    assert a.testing.indication == "offer"


NOT_RISK_FACTORS = [
    pytest.param({"medications": ["methotrexate"]}, id="methotrexate"),
    pytest.param({"medications": ["combined_oral_contraceptive"]}, id="combined pill"),
    pytest.param({"conditions": ["myeloma"]}, id="myeloma"),
    pytest.param({"conditions": ["hiv"]}, id="hiv"),
    pytest.param({"conditions": ["liver_disease"]}, id="liver disease"),
    pytest.param({"conditions": ["myeloproliferative_neoplasm"]}, id="myeloproliferative neoplasm"),
    pytest.param({"conditions": ["hypothyroidism"]}, id="hypothyroidism"),
    pytest.param({"diet": "omnivore"}, id="omnivore"),
    pytest.param({"diet": "pescatarian"}, id="pescatarian"),
    pytest.param({"ms": "diagnosed"}, id="MS itself"),
]


@pytest.mark.parametrize("facts", NOT_RISK_FACTORS)
def test_not_a_nice_risk_factor_so_symptoms_alone_are_clinical_judgement(run, facts):
    a = run(symptoms=["fatigue"], **facts)
    assert a.risk_factors == []
    assert a.testing.indication == "clinical_judgement"


def test_no_symptom_or_sign_is_not_indicated_even_with_a_risk_factor(run):
    a = run(diet="vegan", medications=["metformin"])
    assert a.testing.indication == "not_indicated"


def test_no_symptom_and_no_risk_factor_is_not_indicated(run):
    assert run().testing.indication == "not_indicated"


@pytest.mark.parametrize(
    "facts",
    [
        pytest.param({}, id="no symptom, no risk factor"),
        pytest.param({"symptoms": ["fatigue"]}, id="symptom, no risk factor"),
    ],
)
def test_suspected_ms_is_always_offered_a_test(run, facts):
    assert run(ms="suspected", **facts).testing.indication == "offer"


@pytest.mark.parametrize(
    ("facts", "labs"),
    [
        pytest.param({"signs": ["glossitis"]}, [], id="a sign counts like a symptom"),
        pytest.param({}, [lab("mcv", 105, "fL")], id="macrocytosis from the labs"),
        pytest.param({}, [lab("haemoglobin", 100, "g/L")], id="anaemia from the labs"),
    ],
)
def test_signs_and_blood_count_changes_count_as_symptoms_for_testing(run, facts, labs):
    a = run(diet="vegan", labs=labs, **facts)
    assert a.testing.indication == "offer"


def test_normal_blood_count_is_not_a_symptom(run):
    a = run(diet="vegan", labs=[lab("mcv", 90, "fL"), lab("haemoglobin", 140, "g/L")])
    assert a.testing.indication == "not_indicated"


@pytest.mark.parametrize(
    ("facts", "first"),
    [
        pytest.param({}, ["total_b12", "active_b12"], id="default: total or active B12"),
        pytest.param({"pregnant": True}, ["active_b12"], id="pregnant: active B12"),
        pytest.param({"exposures": ["nitrous_oxide"]}, ["homocysteine", "mma"], id="nitrous oxide: Hcy and MMA"),
    ],
)
def test_first_tests(run, facts, first):
    assert run(symptoms=["fatigue"], **facts).testing.first_tests == first


# =================================================================================================
# Rule 6: other flags
# =================================================================================================


@pytest.mark.parametrize(
    ("facts", "labs", "present"),
    [
        pytest.param({}, [INDETERMINATE_TOTAL, lab("folate", 5, "nmol/L")], True, id="low folate, indeterminate"),
        pytest.param({}, [INDETERMINATE_TOTAL, lab("folate", 6.9, "nmol/L")], True, id="folate 6.9 nmol/L"),
        pytest.param({}, [INDETERMINATE_TOTAL, lab("folate", 7, "nmol/L")], False, id="folate exactly 7 is not low"),
        pytest.param(
            {},
            [INDETERMINATE_TOTAL, lab("folate", 8, "nmol/L", reference_range={"low": 10})],
            True,
            id="folate below the lab's low limit",
        ),
        pytest.param(
            {},
            [INDETERMINATE_TOTAL, lab("folate", 6, "nmol/L", reference_range={"low": 5})],
            False,
            id="lab's low limit wins over 7",
        ),
        pytest.param({}, [LOW_TOTAL, lab("folate", 5, "nmol/L")], True, id="low folate, deficiency likely"),
        pytest.param({}, [NORMAL_TOTAL, lab("folate", 5, "nmol/L")], False, id="low folate, deficiency unlikely"),
        pytest.param({"supplements": [supp("folic_acid", 5)]}, [INDETERMINATE_TOTAL], True, id="folic acid, indet"),
        pytest.param({"supplements": [supp("folic_acid", 5)]}, [LOW_TOTAL], True, id="folic acid, likely"),
        pytest.param({"supplements": [supp("folic_acid", 5)]}, [], True, id="folic acid, no result"),
        pytest.param({"supplements": [supp("folic_acid", 5)]}, [NORMAL_TOTAL], False, id="folic acid, unlikely"),
        pytest.param({}, [INDETERMINATE_TOTAL, lab("folate", 20, "nmol/L")], False, id="normal folate, no folic acid"),
    ],
)
def test_folic_acid_caution_flag(run, facts, labs, present):
    assert ("folic_acid_caution" in flag_ids(run(labs=labs, **facts))) is present


@pytest.mark.parametrize(
    ("mcv", "present"),
    [
        pytest.param(100, False, id="MCV 100 fL is not macrocytosis"),
        pytest.param(100.1, True, id="MCV 100.1 fL is macrocytosis"),
        pytest.param(88, False, id="MCV 88 fL"),
    ],
)
def test_macrocytosis_flag(run, mcv, present):
    assert ("macrocytosis" in flag_ids(run(labs=[lab("mcv", mcv, "fL")]))) is present


@pytest.mark.parametrize(
    ("sex", "hb", "unit", "present"),
    [
        pytest.param("male", 129, "g/L", True, id="male 129 g/L"),
        pytest.param("male", 130, "g/L", False, id="male 130 g/L"),
        pytest.param("female", 119, "g/L", True, id="female 119 g/L"),
        pytest.param("female", 120, "g/L", False, id="female 120 g/L"),
        pytest.param("male", 12.9, "g/dL", True, id="male 12.9 g/dL"),
        pytest.param("female", 11.9, "g/dL", True, id="female 11.9 g/dL"),
        pytest.param("female", 12.5, "g/dL", False, id="female 12.5 g/dL"),
    ],
)
def test_anaemia_flag(run, sex, hb, unit, present):
    a = run(sex=sex, labs=[lab("haemoglobin", hb, unit)])
    assert ("anaemia" in flag_ids(a)) is present


def test_anaemia_without_sex_uses_the_female_threshold_and_lists_sex_as_missing(run):
    a = run(sex=None, labs=[lab("haemoglobin", 125, "g/L")])
    assert "anaemia" not in flag_ids(a)
    assert "sex" in a.missing


@pytest.mark.parametrize(
    ("facts", "labs", "present"),
    [
        pytest.param({}, [INDETERMINATE_TOTAL], True, id="indeterminate total B12"),
        pytest.param({}, [NORMAL_TOTAL], True, id="normal total B12"),
        pytest.param({}, [LOW_TOTAL], False, id="low total B12"),
        pytest.param({"symptoms": []}, [NORMAL_TOTAL], False, id="no symptoms"),
        pytest.param({"black_family_background": False}, [NORMAL_TOTAL], False, id="not black family background"),
        pytest.param({"black_family_background": None}, [NORMAL_TOTAL], False, id="background not given"),
    ],
)
def test_higher_b12_black_background_flag(run, facts, labs, present):
    overrides = {"black_family_background": True, "symptoms": ["fatigue"], **facts}
    a = run(labs=labs, **overrides)
    assert ("higher_b12_black_background" in flag_ids(a)) is present


@pytest.mark.parametrize(
    ("medications", "present"),
    [
        pytest.param(["metformin"], True, id="metformin"),
        pytest.param(["glucophage"], True, id="metformin by brand name"),
        pytest.param(["omeprazole"], False, id="another medicine"),
        pytest.param([], False, id="no medicine"),
    ],
)
def test_metformin_flag(run, medications, present):
    assert ("metformin" in flag_ids(run(medications=medications, labs=[NORMAL_TOTAL]))) is present


@pytest.mark.parametrize("sign", MYELOPATHY_SIGNS)
def test_check_copper_with_a_myelopathy_sign_when_deficiency_is_unlikely(run, sign):
    a = run(signs=[sign], labs=[NORMAL_TOTAL])
    assert a.status == "deficiency_unlikely"
    assert "check_copper" in flag_ids(a)
    assert "copper" in a.next_tests


@pytest.mark.parametrize(
    ("facts", "labs", "present"),
    [
        pytest.param({"signs": ["positive_romberg"]}, [LOW_TOTAL], False, id="myelopathy, deficiency likely"),
        pytest.param({"signs": ["positive_romberg"]}, [INDETERMINATE_TOTAL], False, id="myelopathy, indeterminate"),
        pytest.param(
            {"signs": ["positive_romberg"], "surgery": ["bariatric_surgery"]},
            [LOW_TOTAL],
            True,
            id="myelopathy+bariatric",
        ),
        pytest.param(
            {"signs": ["extensor_plantars"], "surgery": ["gastrectomy"]}, [LOW_TOTAL], True, id="myelopathy+gastrectomy"
        ),
        pytest.param(
            {"signs": ["extensor_plantars"], "surgery": ["gastric bypass"]}, [], True, id="myelopathy+bypass, no result"
        ),
        pytest.param({"surgery": ["gastrectomy"]}, [NORMAL_TOTAL], False, id="gastrectomy without myelopathy"),
        pytest.param(
            {"signs": ["extensor_plantars"], "surgery": ["ileal_resection"]}, [LOW_TOTAL], False, id="ileal resection"
        ),
        pytest.param({"signs": ["symmetric_sensory_loss"]}, [NORMAL_TOTAL], False, id="red flag but not myelopathy"),
        pytest.param({"supplements": [supp("zinc", 50)]}, [LOW_TOTAL], True, id="zinc 50 mg/day"),
        pytest.param({"supplements": [supp("zinc", 49.9)]}, [NORMAL_TOTAL], False, id="zinc 49.9 mg/day"),
        pytest.param({"supplements": [supp("zinc", 50)]}, [], True, id="zinc 50 mg/day, no result"),
        pytest.param({}, [NORMAL_TOTAL], False, id="nothing"),
    ],
)
def test_check_copper_flag(run, facts, labs, present):
    a = run(labs=labs, **facts)
    assert ("check_copper" in flag_ids(a)) is present
    assert ("copper" in a.next_tests) is present


@pytest.mark.parametrize("sign", RED_FLAG_SIGNS)
def test_every_red_flag_sign_raises_a_critical_neuro_red_flags_flag(run, sign):
    a = run(signs=[sign], labs=[NORMAL_TOTAL])
    flags = {f.id: f for f in a.flags}
    assert "neuro_red_flags" in flags
    assert flags["neuro_red_flags"].severity == "critical"
    assert flags["neuro_red_flags"].references
    assert a.flags[0].id == "neuro_red_flags"  # critical first


@pytest.mark.parametrize(
    "facts",
    [
        pytest.param({"signs": ["glossitis"]}, id="glossitis"),
        pytest.param({"signs": ["neutropenia"]}, id="neutropenia"),
        pytest.param({"symptoms": NEURO_SYMPTOMS}, id="neurological symptoms"),
    ],
)
def test_no_neuro_red_flags_without_a_red_flag_sign(run, facts):
    assert "neuro_red_flags" not in flag_ids(run(labs=[NORMAL_TOTAL], **facts))


def test_every_flag_carries_a_message_and_references(run):
    a = run(
        signs=["positive_romberg"],
        medications=["metformin"],
        exposures=["nitrous_oxide"],
        supplements=[supp("folic_acid", 5)],
        labs=[LOW_TOTAL, lab("mcv", 110, "fL"), lab("haemoglobin", 100, "g/L")],
    )
    assert {
        "neuro_red_flags",
        "metformin",
        "nitrous_oxide",
        "folic_acid_caution",
        "macrocytosis",
        "anaemia",
    } <= flag_ids(a)
    for flag in a.flags:
        assert flag.message
        assert flag.references


# =================================================================================================
# Rule 7: urgency
# =================================================================================================


@pytest.mark.parametrize("sign", RED_FLAG_SIGNS)
def test_any_red_flag_sign_is_urgent_even_with_a_normal_b12(run, sign):
    assert run(signs=[sign], labs=[NORMAL_TOTAL]).urgency == "urgent"


@pytest.mark.parametrize("symptom", NEURO_SYMPTOMS)
def test_nitrous_oxide_with_a_neurological_symptom_is_urgent(run, symptom):
    assert run(exposures=["nitrous_oxide"], symptoms=[symptom], labs=[]).urgency == "urgent"


@pytest.mark.parametrize(
    ("facts", "labs", "urgency"),
    [
        pytest.param({"exposures": ["nitrous_oxide"], "symptoms": ["fatigue"]}, [], "routine", id="N2O + fatigue"),
        pytest.param({"exposures": ["nitrous_oxide"]}, [LOW_TOTAL], "soon", id="N2O, no symptom, likely"),
        pytest.param({}, [LOW_TOTAL], "soon", id="deficiency likely"),
        pytest.param({"symptoms": ["fatigue"]}, [LOW_TOTAL], "soon", id="deficiency likely with fatigue"),
        pytest.param({"symptoms": ["numbness"]}, [INDETERMINATE_TOTAL], "soon", id="indeterminate + numbness"),
        pytest.param({"symptoms": ["paraesthesia"]}, [INDETERMINATE_TOTAL], "soon", id="indeterminate + paraesthesia"),
        pytest.param(
            {"symptoms": ["balance_problems"], "pregnant": True},
            [NORMAL_TOTAL],
            "soon",
            id="not interpretable + balance problems",
        ),
        pytest.param(
            {"symptoms": ["muscle_weakness"], "supplements": [supp("biotin", 300)]},
            [NORMAL_TOTAL],
            "soon",
            id="not interpretable (biotin) + muscle weakness",
        ),
        pytest.param({}, [INDETERMINATE_TOTAL], "routine", id="indeterminate, no symptom"),
        pytest.param({"symptoms": ["fatigue"]}, [INDETERMINATE_TOTAL], "routine", id="indeterminate + fatigue"),
        pytest.param({"pregnant": True}, [NORMAL_TOTAL], "routine", id="not interpretable, no symptom"),
        pytest.param({"symptoms": ["paraesthesia"]}, [NORMAL_TOTAL], "routine", id="unlikely + paraesthesia"),
        pytest.param({"symptoms": ["paraesthesia"]}, [], "routine", id="no result + paraesthesia"),
        pytest.param({}, [NORMAL_TOTAL], "routine", id="deficiency unlikely"),
    ],
)
def test_urgency_table(run, facts, labs, urgency):
    assert run(labs=labs, **facts).urgency == urgency


# =================================================================================================
# Rule 8: cB12
# =================================================================================================


def cb12_labs(holotc, b12, mma, hcy, *, b12_unit="pmol/L", mma_unit="umol/L"):
    return [
        lab("active_b12", holotc, "pmol/L"),
        lab("total_b12", b12, b12_unit),
        lab("mma", mma, mma_unit),
        lab("homocysteine", hcy, "umol/L"),
    ]


def cb12_formula(holotc, b12, mma, hcy, age):
    return math.log10((holotc * b12) / (mma * hcy)) - 3.79 / (1 + (age / 230) ** 2.6)


@pytest.mark.depends_on_r_constants
@pytest.mark.parametrize(
    ("markers", "age", "value", "category"),
    [
        pytest.param((60, 300, 0.20, 10), 40, 0.204, "adequate", id="worked example 1 (depends on [R] constants)"),
        pytest.param((20, 120, 0.80, 25), 40, -1.671, "possible_deficiency", id="worked example 2 (depends on [R])"),
        pytest.param((35, 180, 0.45, 18), 55, -0.809, "low_b12", id="worked example 3 (depends on [R] constants)"),
    ],
)
def test_cb12_worked_examples(run, markers, age, value, category):
    """Depends on [R] constants: the age factor 3.79/(1+(age/230)^2.6) is unverified."""
    a = run(age=age, labs=cb12_labs(*markers))
    assert a.cb12.computable is True
    assert a.cb12.value == pytest.approx(value, abs=1e-3)
    assert a.cb12.category == category


@pytest.mark.depends_on_r_constants
@pytest.mark.parametrize(
    ("markers", "category"),
    [
        pytest.param((10, 80, 2.0, 40), "probable_deficiency", id="probable deficiency (depends on [R])"),
        pytest.param((150, 1000, 0.10, 5), "elevated_b12", id="elevated B12 (depends on [R])"),
    ],
)
def test_cb12_extreme_categories(run, markers, category):
    """Depends on [R] constants."""
    a = run(age=40, labs=cb12_labs(*markers))
    assert a.cb12.value == pytest.approx(cb12_formula(*markers, 40), abs=1e-3)
    assert a.cb12.category == category


@pytest.mark.depends_on_r_constants
def test_cb12_converts_units_before_computing(run):
    """Depends on [R] constants: B12 in ng/L and MMA in nmol/L give the same cB12 as pmol/L and umol/L."""
    reference = run(labs=cb12_labs(60, 300, 0.20, 10))
    converted = run(labs=cb12_labs(60, 300 / 0.7378, 200, 10, b12_unit="ng/L", mma_unit="nmol/L"))
    assert converted.cb12.computable is True
    assert converted.cb12.value == pytest.approx(reference.cb12.value, abs=2e-3)


@pytest.mark.parametrize(
    ("score", "category"),
    [
        pytest.param(-2.6, "probable_deficiency", id="-2.6"),
        pytest.param(-2.5, "possible_deficiency", id="-2.5 belongs to possible deficiency"),
        pytest.param(-1.5, "low_b12", id="-1.5 belongs to low B12"),
        pytest.param(-0.5, "adequate", id="-0.5 belongs to adequate"),
        pytest.param(1.5, "adequate", id="1.5 belongs to adequate"),
        pytest.param(1.5001, "elevated_b12", id="above 1.5 is elevated"),
    ],
)
def test_cb12_category_boundaries(kb, score, category):
    found = [c.id for c in kb.cb12.categories if c.contains(score)]
    assert found == [category]


@pytest.mark.parametrize(
    ("overrides", "mentions"),
    [
        pytest.param({"labs": cb12_labs(60, 300, 0.2, 10)[1:]}, "active_b12", id="no active B12"),
        pytest.param(
            {"labs": cb12_labs(60, 300, 0.2, 10)[:1] + cb12_labs(60, 300, 0.2, 10)[2:]}, "total_b12", id="no total"
        ),
        pytest.param({"labs": cb12_labs(60, 300, 0.2, 10)[:2] + cb12_labs(60, 300, 0.2, 10)[3:]}, "mma", id="no MMA"),
        pytest.param({"labs": cb12_labs(60, 300, 0.2, 10)[:3]}, "homocysteine", id="no homocysteine"),
        pytest.param({"labs": cb12_labs(60, 300, 0.2, 10), "age": None}, "age", id="no age"),
        pytest.param(
            {"labs": cb12_labs(60, 300, 0.2, 10), "supplements": [supp("biotin", 300)]},
            "active_b12",
            id="B12 markers unreadable (biotin)",
        ),
        pytest.param(
            {"labs": [*cb12_labs(60, 300, 0.2, 10), lab("egfr", 20, "mL/min/1.73m2")]},
            "mma",
            id="metabolites unreadable (eGFR 20)",
        ),
        pytest.param({"labs": []}, "active_b12", id="no labs"),
    ],
)
def test_cb12_not_computable_gives_a_reason(run, overrides, mentions):
    a = run(**overrides)
    assert a.cb12.computable is False
    assert a.cb12.value is None
    assert a.cb12.category is None
    assert mentions in a.cb12.reason


# =================================================================================================
# Rule 9: management
# =================================================================================================


@pytest.mark.parametrize(
    ("facts", "expected", "absent"),
    [
        pytest.param({"symptoms": ["paraesthesia"]}, {"im_hydroxocobalamin_neuro"}, set(), id="neuro: IM neuro"),
        pytest.param({"symptoms": ["fatigue"]}, set(), {"im_hydroxocobalamin_neuro"}, id="no neuro: not IM neuro"),
        pytest.param({"conditions": ["autoimmune_gastritis"]}, {"oral_malabsorption"}, set(), id="malabsorption"),
        pytest.param({"surgery": ["ileal_resection"]}, {"oral_malabsorption"}, set(), id="ileal resection"),
        pytest.param({"diet": "vegan"}, {"oral_dietary"}, {"oral_malabsorption"}, id="vegan diet"),
        pytest.param({"exposures": ["nitrous_oxide"]}, {"nitrous_oxide_stop"}, set(), id="nitrous oxide"),
        pytest.param({}, {"review_after_treatment"}, {"review_pregnancy", "nitrous_oxide_stop"}, id="3-month review"),
        pytest.param({"breastfeeding": True}, {"review_pregnancy"}, {"review_after_treatment"}, id="breastfeeding"),
        pytest.param({"medications": ["metformin"]}, {"continue_metformin"}, set(), id="metformin"),
    ],
)
def test_management_when_deficiency_is_likely(run, facts, expected, absent):
    a = run(labs=[LOW_TOTAL], **facts)
    assert a.status == "deficiency_likely"
    ids = management_ids(a)
    assert expected <= ids
    assert not (absent & ids)


def test_management_in_pregnancy_reviews_after_one_month(run):
    a = run(pregnant=True, labs=[lab("active_b12", 20, "pmol/L")])
    assert a.status == "deficiency_likely"
    assert "review_pregnancy" in management_ids(a)
    assert "review_after_treatment" not in management_ids(a)


@pytest.mark.parametrize(
    ("ms", "present"),
    [pytest.param("diagnosed", True, id="MS diagnosed"), pytest.param("no", False, id="no MS")],
)
def test_extra_b12_has_no_benefit_in_ms_when_deficiency_is_unlikely(run, ms, present):
    a = run(ms=ms, labs=[NORMAL_TOTAL])
    assert a.status == "deficiency_unlikely"
    assert ("ms_extra_b12_no_benefit" in management_ids(a)) is present


def test_ms_extra_b12_option_is_not_given_when_deficiency_is_likely(run):
    assert "ms_extra_b12_no_benefit" not in management_ids(run(labs=[LOW_TOTAL]))


def test_continue_metformin_when_deficiency_is_unlikely_too(run):
    assert "continue_metformin" in management_ids(run(medications=["metformin"], labs=[NORMAL_TOTAL]))


def test_every_management_option_has_text_and_references(run):
    a = run(
        symptoms=["paraesthesia"],
        conditions=["autoimmune_gastritis"],
        exposures=["nitrous_oxide"],
        medications=["metformin"],
        labs=[LOW_TOTAL],
    )
    assert {"im_hydroxocobalamin_neuro", "oral_malabsorption", "nitrous_oxide_stop", "continue_metformin"} <= (
        management_ids(a)
    )
    for item in a.management:
        assert item.text
        assert item.references
