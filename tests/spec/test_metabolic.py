"""Rule 4 (MMA and homocysteine) and the step-3 modifiers: nitrous oxide, spurious low/high, IF antibodies."""

from __future__ import annotations

import pytest

from .helpers import flag_ids, lab, reading

LOW_TOTAL = lab("total_b12", 150, "ng/L")
INDETERMINATE_TOTAL = lab("total_b12", 250, "ng/L")
NORMAL_TOTAL = lab("total_b12", 500, "ng/L")
GOOD_FOLATE = lab("folate", 20, "nmol/L")
GOOD_EGFR = lab("egfr", 90, "mL/min/1.73m2")


def mma(value, unit="umol/L", **kw):
    return lab("mma", value, unit, **kw)


def hcy(value, unit="umol/L", **kw):
    return lab("homocysteine", value, unit, **kw)


# --- MMA after an indeterminate B12 ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("mma_lab", "status"),
    [
        pytest.param(mma(0.28), "deficiency_unlikely", id="0.28 umol/L (at the default limit): unlikely"),
        pytest.param(mma(0.281), "deficiency_likely", id="0.281 umol/L: likely"),
        pytest.param(mma(280, "nmol/L"), "deficiency_unlikely", id="280 nmol/L: unlikely"),
        pytest.param(mma(281, "nmol/L"), "deficiency_likely", id="281 nmol/L: likely"),
        pytest.param(mma(0.30, reference_range={"high": 0.35}), "deficiency_unlikely", id="lab limit 0.35 wins (up)"),
        pytest.param(mma(0.25, reference_range={"high": 0.20}), "deficiency_likely", id="lab limit 0.20 wins (down)"),
        pytest.param(mma(0.35, reference_range={"high": 0.35}), "deficiency_unlikely", id="at the lab limit: unlikely"),
        pytest.param(
            mma(300, "nmol/L", reference_range={"high": 350}), "deficiency_unlikely", id="lab limit in nmol/L"
        ),
        pytest.param(
            mma(260, "nmol/L", reference_range={"high": 250}), "deficiency_likely", id="above lab limit in nmol/L"
        ),
    ],
)
def test_mma_settles_an_indeterminate_b12(run, mma_lab, status):
    a = run(labs=[INDETERMINATE_TOTAL, mma_lab])
    assert a.status == status


def test_exactly_0_28_umol_per_l_mma_is_not_raised(run):
    assert run(labs=[INDETERMINATE_TOTAL, mma(0.28)]).status == "deficiency_unlikely"


def test_mma_in_nmol_per_l_is_converted_to_umol_per_l(run):
    a = run(labs=[INDETERMINATE_TOTAL, mma(450, "nmol/L")])
    assert reading(a, "mma").canonical_value == pytest.approx(0.45)


@pytest.mark.parametrize(
    ("value", "status"),
    [pytest.param(0.5, "deficiency_likely", id="raised"), pytest.param(0.2, "deficiency_unlikely", id="normal")],
)
def test_mma_alone_without_b12_decides_the_same_way(run, value, status):
    assert run(labs=[mma(value)]).status == status


def test_indeterminate_b12_without_mma_stays_indeterminate_and_asks_for_mma(run):
    a = run(labs=[INDETERMINATE_TOTAL])
    assert a.status == "indeterminate"
    assert "mma" in a.next_tests


def test_mma_decides_even_when_homocysteine_is_raised(run):
    a = run(labs=[INDETERMINATE_TOTAL, mma(0.2), hcy(25), GOOD_FOLATE, GOOD_EGFR])
    assert a.status == "deficiency_unlikely"


# --- Homocysteine alone ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("hcy_lab", "status"),
    [
        pytest.param(hcy(20), "deficiency_likely", id="20 umol/L: likely"),
        pytest.param(hcy(15.1), "deficiency_likely", id="15.1 umol/L: likely"),
        pytest.param(hcy(15), "indeterminate", id="15 umol/L (at the default limit): indeterminate"),
        pytest.param(hcy(8), "indeterminate", id="8 umol/L: normal Hcy never lowers the status"),
        pytest.param(hcy(14, reference_range={"high": 12}), "deficiency_likely", id="lab limit 12 wins (down)"),
        pytest.param(hcy(18, reference_range={"high": 20}), "indeterminate", id="lab limit 20 wins (up)"),
    ],
)
def test_homocysteine_alone_can_only_raise_the_status(run, hcy_lab, status):
    a = run(labs=[INDETERMINATE_TOTAL, hcy_lab, GOOD_FOLATE, GOOD_EGFR])
    assert a.status == status
    if status == "indeterminate":
        assert "mma" in a.next_tests


CONFOUNDED = [
    pytest.param({"conditions": ["hypothyroidism"]}, [GOOD_FOLATE, GOOD_EGFR], id="hypothyroidism"),
    pytest.param({"conditions": ["underactive thyroid"]}, [GOOD_FOLATE, GOOD_EGFR], id="hypothyroidism by alias"),
    pytest.param({"medications": ["methotrexate"]}, [GOOD_FOLATE, GOOD_EGFR], id="methotrexate"),
    pytest.param({}, [lab("folate", 5, "nmol/L"), GOOD_EGFR], id="folate 5 nmol/L (below 7)"),
    pytest.param({}, [lab("folate", 6.9, "nmol/L"), GOOD_EGFR], id="folate 6.9 nmol/L"),
    pytest.param(
        {}, [lab("folate", 8, "nmol/L", reference_range={"low": 10}), GOOD_EGFR], id="folate below the lab's low"
    ),
    pytest.param({}, [GOOD_FOLATE, lab("egfr", 59, "mL/min/1.73m2")], id="eGFR 59"),
    pytest.param({}, [GOOD_FOLATE, lab("egfr", 30, "mL/min/1.73m2")], id="eGFR 30"),
    pytest.param({}, [GOOD_EGFR], id="folate not measured"),
]


@pytest.mark.parametrize(("facts", "other_labs"), CONFOUNDED)
def test_raised_homocysteine_with_a_confounder_cannot_decide(run, facts, other_labs):
    a = run(labs=[INDETERMINATE_TOTAL, hcy(25), *other_labs], **facts)
    assert a.status == "indeterminate"
    assert "hcy_confounded" in flag_ids(a)
    assert "mma" in a.next_tests


@pytest.mark.parametrize(
    "other_labs",
    [
        pytest.param([lab("folate", 7, "nmol/L"), GOOD_EGFR], id="folate exactly 7 nmol/L is not low"),
        pytest.param([GOOD_FOLATE, lab("egfr", 60, "mL/min/1.73m2")], id="eGFR exactly 60"),
        pytest.param([GOOD_FOLATE], id="eGFR not given"),
    ],
)
def test_raised_homocysteine_without_confounder_makes_deficiency_likely(run, other_labs):
    a = run(labs=[INDETERMINATE_TOTAL, hcy(25), *other_labs])
    assert a.status == "deficiency_likely"
    assert "hcy_confounded" not in flag_ids(a)


def test_homocysteine_alone_without_b12_can_make_deficiency_likely(run):
    assert run(labs=[hcy(25), GOOD_FOLATE, GOOD_EGFR]).status == "deficiency_likely"


def test_normal_homocysteine_alone_without_b12_is_indeterminate(run):
    a = run(labs=[hcy(8), GOOD_FOLATE, GOOD_EGFR])
    assert a.status == "indeterminate"
    assert "mma" in a.next_tests


# --- Nitrous oxide --------------------------------------------------------------------------------

N2O = {"exposures": ["nitrous_oxide"]}


@pytest.mark.parametrize(
    ("labs", "status"),
    [
        pytest.param([NORMAL_TOTAL, mma(0.2), hcy(10)], "deficiency_unlikely", id="normal B12, MMA and Hcy normal"),
        pytest.param([NORMAL_TOTAL, mma(0.5)], "deficiency_likely", id="normal B12, raised MMA"),
        pytest.param([NORMAL_TOTAL, hcy(20)], "deficiency_likely", id="normal B12, raised Hcy (no folate)"),
        pytest.param([NORMAL_TOTAL, mma(0.2), hcy(20)], "deficiency_likely", id="normal B12, normal MMA, raised Hcy"),
        pytest.param([NORMAL_TOTAL, mma(0.2)], "indeterminate", id="normal B12, MMA normal, no Hcy"),
        pytest.param([NORMAL_TOTAL, hcy(10)], "indeterminate", id="normal B12, Hcy normal, no MMA"),
        pytest.param([INDETERMINATE_TOTAL, mma(0.2), hcy(10)], "deficiency_unlikely", id="indet B12, both normal"),
        pytest.param([lab("active_b12", 100, "pmol/L")], "indeterminate", id="normal active B12, nothing else"),
        pytest.param([LOW_TOTAL], "deficiency_likely", id="low B12 stays likely"),
        pytest.param([LOW_TOTAL, mma(0.2), hcy(10)], "deficiency_likely", id="low B12 with normal metabolites"),
        pytest.param([mma(0.5)], "deficiency_likely", id="raised MMA, no B12"),
        pytest.param([hcy(20)], "deficiency_likely", id="raised Hcy, no B12"),
        pytest.param(
            [NORMAL_TOTAL, mma(0.3, reference_range={"high": 0.4}), hcy(10)],
            "deficiency_unlikely",
            id="lab MMA limit applies",
        ),
    ],
)
def test_nitrous_oxide_pathway(run, labs, status):
    a = run(labs=labs, **N2O)
    assert a.status == status
    assert "nitrous_oxide" in flag_ids(a)


@pytest.mark.parametrize(
    "b12", [pytest.param(NORMAL_TOTAL, id="normal B12"), pytest.param(INDETERMINATE_TOTAL, id="indeterminate B12")]
)
def test_nitrous_oxide_with_b12_not_low_and_no_metabolites_asks_for_both(run, b12):
    a = run(labs=[b12], **N2O)
    assert a.status == "indeterminate"
    assert {"homocysteine", "mma"} <= set(a.next_tests)


def test_nitrous_oxide_by_alias_laughing_gas(run):
    a = run(labs=[NORMAL_TOTAL], exposures=["laughing gas"])
    assert a.status == "indeterminate"
    assert "nitrous_oxide" in flag_ids(a)


def test_nitrous_oxide_with_egfr_below_30_cannot_read_raised_mma(run):
    a = run(labs=[NORMAL_TOTAL, mma(0.5), hcy(10), lab("egfr", 25, "mL/min/1.73m2")], **N2O)
    assert a.status == "indeterminate"
    assert "renal_impairment" in flag_ids(a)
    assert reading(a, "mma").used is False


def test_nitrous_oxide_with_egfr_45_reads_metabolites_with_caution(run):
    a = run(labs=[NORMAL_TOTAL, mma(0.2), hcy(10), lab("egfr", 45, "mL/min/1.73m2")], **N2O)
    assert a.status == "deficiency_unlikely"
    assert "renal_impairment" in flag_ids(a)


def test_nitrous_oxide_with_egfr_below_30_and_only_metabolites_is_not_interpretable(run):
    a = run(labs=[mma(0.5), hcy(25), lab("egfr", 20, "mL/min/1.73m2")], **N2O)
    assert a.status == "not_interpretable"


# --- Spuriously low total B12 ---------------------------------------------------------------------

LOW_CAUSES = [
    pytest.param({"conditions": ["myeloma"]}, id="myeloma"),
    pytest.param({"conditions": ["multiple myeloma"]}, id="myeloma by alias"),
    pytest.param({"conditions": ["hiv"]}, id="hiv"),
    pytest.param({"medications": ["combined_oral_contraceptive"]}, id="combined pill"),
    pytest.param({"medications": ["the pill"]}, id="combined pill by alias"),
]


@pytest.mark.parametrize("cause", LOW_CAUSES)
def test_low_total_b12_with_a_spuriously_lowering_cause_is_indeterminate(run, cause):
    a = run(labs=[LOW_TOTAL], **cause)
    assert a.status == "indeterminate"
    assert "spuriously_low_b12" in flag_ids(a)
    assert "mma" in a.next_tests


@pytest.mark.parametrize(
    ("value", "status"),
    [
        pytest.param(0.5, "deficiency_likely", id="raised MMA"),
        pytest.param(0.2, "deficiency_unlikely", id="normal MMA"),
    ],
)
def test_spuriously_low_total_b12_is_settled_by_mma(run, value, status):
    a = run(labs=[LOW_TOTAL, mma(value)], conditions=["myeloma"])
    assert a.status == status
    assert "spuriously_low_b12" in flag_ids(a)


def test_low_total_b12_without_a_lowering_cause_is_deficiency_likely(run):
    a = run(labs=[LOW_TOTAL])
    assert a.status == "deficiency_likely"
    assert "spuriously_low_b12" not in flag_ids(a)


def test_spuriously_low_does_not_apply_to_a_normal_total_b12(run):
    a = run(labs=[NORMAL_TOTAL], conditions=["hiv"])
    assert a.status == "deficiency_unlikely"
    assert "spuriously_low_b12" not in flag_ids(a)


# --- Spuriously high total B12 --------------------------------------------------------------------

HIGH_CAUSES = [
    pytest.param("liver_disease", id="liver disease"),
    pytest.param("cirrhosis", id="liver disease by alias"),
    pytest.param("myeloproliferative_neoplasm", id="myeloproliferative neoplasm"),
    pytest.param("polycythaemia vera", id="MPN by alias"),
]


@pytest.mark.parametrize("condition", HIGH_CAUSES)
def test_normal_total_b12_with_a_spuriously_raising_cause_is_indeterminate(run, condition):
    a = run(labs=[NORMAL_TOTAL], conditions=[condition])
    assert a.status == "indeterminate"
    assert "spuriously_high_b12" in flag_ids(a)
    assert "mma" in a.next_tests


@pytest.mark.parametrize(
    ("value", "status"),
    [
        pytest.param(0.5, "deficiency_likely", id="raised MMA"),
        pytest.param(0.2, "deficiency_unlikely", id="normal MMA"),
    ],
)
def test_spuriously_high_total_b12_is_settled_by_mma(run, value, status):
    a = run(labs=[NORMAL_TOTAL, mma(value)], conditions=["liver_disease"])
    assert a.status == status
    assert "spuriously_high_b12" in flag_ids(a)


def test_low_total_b12_with_liver_disease_stays_deficiency_likely(run):
    a = run(labs=[LOW_TOTAL], conditions=["liver_disease"])
    assert a.status == "deficiency_likely"
    assert "spuriously_high_b12" not in flag_ids(a)


# --- Intrinsic factor antibodies --------------------------------------------------------------------

IFAB_POSITIVE = lab("if_antibodies", None, None, result="positive")
IFAB_NEGATIVE = lab("if_antibodies", None, None, result="negative")


@pytest.mark.parametrize(
    "b12", [pytest.param(NORMAL_TOTAL, id="normal total B12"), pytest.param(INDETERMINATE_TOTAL, id="indet total")]
)
def test_positive_if_antibodies_with_total_b12_not_low_is_at_least_indeterminate(run, b12):
    a = run(labs=[b12, IFAB_POSITIVE])
    assert a.status == "indeterminate"
    assert "if_antibody_interference" in flag_ids(a)
    assert "mma" in a.next_tests


def test_positive_if_antibodies_with_low_total_b12_stays_deficiency_likely(run):
    a = run(labs=[LOW_TOTAL, IFAB_POSITIVE])
    assert a.status == "deficiency_likely"
    assert "if_antibody_interference" not in flag_ids(a)


def test_negative_if_antibodies_do_not_change_a_normal_b12(run):
    a = run(labs=[NORMAL_TOTAL, IFAB_NEGATIVE])
    assert a.status == "deficiency_unlikely"
    assert "if_antibody_interference" not in flag_ids(a)


@pytest.mark.parametrize(
    ("value", "status"),
    [
        pytest.param(0.5, "deficiency_likely", id="raised MMA"),
        pytest.param(0.2, "deficiency_unlikely", id="normal MMA"),
    ],
)
def test_positive_if_antibodies_are_settled_by_mma(run, value, status):
    a = run(labs=[NORMAL_TOTAL, IFAB_POSITIVE, mma(value)])
    assert a.status == status
    assert "if_antibody_interference" in flag_ids(a)


def test_if_antibody_result_is_case_insensitive(run):
    a = run(labs=[NORMAL_TOTAL, lab("IFAB", None, None, result="Positive")])
    assert "if_antibody_interference" in flag_ids(a)


def test_raised_mma_after_a_normal_b12_does_not_change_deficiency_unlikely(run):
    # rule 2: a normal band is deficiency_unlikely unless a step-3 modifier applies; MMA is for indeterminate
    a = run(labs=[NORMAL_TOTAL, mma(0.5)])
    assert a.status == "deficiency_unlikely"
