"""Rule 3 (samples that cannot be read), rule 5 (no result) and the eGFR part of rule 4."""

from __future__ import annotations

import pytest

from .helpers import SAMPLE_DAY, days_before_sample, flag_ids, lab, reading, supp

NORMAL_TOTAL = lab("total_b12", 500, "ng/L")  # would be deficiency_unlikely if read
INDETERMINATE_TOTAL = lab("total_b12", 250, "ng/L")
LOW_TOTAL = lab("total_b12", 150, "ng/L")


# --- Pregnancy ------------------------------------------------------------------------------------


def test_pregnant_with_total_b12_only_is_not_interpretable(run):
    a = run(pregnant=True, labs=[NORMAL_TOTAL])
    assert a.status == "not_interpretable"
    assert "pregnancy" in flag_ids(a)
    assert "active_b12" in a.next_tests
    assert reading(a, "total_b12").used is False


def test_pregnant_with_low_total_b12_only_is_not_read_as_deficiency(run):
    a = run(pregnant=True, labs=[LOW_TOTAL])
    assert a.status == "not_interpretable"
    assert "pregnancy" in flag_ids(a)


def test_pregnant_with_active_b12_reads_the_markers(run):
    a = run(pregnant=True, labs=[NORMAL_TOTAL, lab("active_b12", 100, "pmol/L")])
    assert a.status == "deficiency_unlikely"
    assert "pregnancy" not in flag_ids(a)


def test_pregnant_with_low_active_b12_is_deficiency_likely(run):
    a = run(pregnant=True, labs=[lab("active_b12", 20, "pmol/L")])
    assert a.status == "deficiency_likely"


def test_pregnant_total_b12_unread_but_mma_decides(run):
    a = run(pregnant=True, labs=[NORMAL_TOTAL, lab("mma", 0.5, "umol/L")])
    assert a.status == "deficiency_likely"
    assert "pregnancy" in flag_ids(a)
    assert reading(a, "total_b12").used is False


def test_not_pregnant_total_b12_is_read(run):
    a = run(pregnant=False, labs=[NORMAL_TOTAL])
    assert a.status == "deficiency_unlikely"
    assert "pregnancy" not in flag_ids(a)


# --- B12 replacement before the sample -------------------------------------------------------------


@pytest.mark.parametrize(
    ("route", "days_since_last_dose", "read"),
    [
        pytest.param("intramuscular", 90, False, id="IM last dose 90 days before: not read"),
        pytest.param("intramuscular", 91, True, id="IM last dose 91 days before: read"),
        pytest.param("oral", 30, False, id="oral last dose 30 days before: not read"),
        pytest.param("oral", 31, True, id="oral last dose 31 days before: read"),
        pytest.param("sublingual", 30, False, id="sublingual last dose 30 days before: not read"),
        pytest.param("sublingual", 31, True, id="sublingual last dose 31 days before: read"),
        pytest.param("intramuscular", 0, False, id="IM last dose on the sample day: not read"),
        pytest.param("oral", 1, False, id="oral last dose the day before: not read"),
    ],
)
def test_b12_treatment_window_after_last_dose(run, route, days_since_last_dose, read):
    a = run(
        labs=[NORMAL_TOTAL],
        supplements=[
            supp("b12", route=route, started="2026-01-01", last_taken=days_before_sample(days_since_last_dose))
        ],
    )
    assert reading(a, "total_b12").used is read
    if read:
        assert a.status == "deficiency_unlikely"
        assert "sample_after_b12_treatment" not in flag_ids(a)
    else:
        assert a.status == "not_interpretable"
        assert "sample_after_b12_treatment" in flag_ids(a)


@pytest.mark.parametrize(
    ("started", "last_taken", "read"),
    [
        pytest.param("2026-10-02", None, True, id="started the day after the sample: read"),
        pytest.param("2026-10-20", "2026-10-25", True, id="started and stopped after the sample: read"),
        pytest.param(SAMPLE_DAY.isoformat(), None, False, id="started on the sample day: not read"),
        pytest.param("2026-09-01", None, False, id="started before, no last dose (current use): not read"),
        pytest.param(None, None, False, id="no dates at all (began before, still taking): not read"),
        pytest.param(None, days_before_sample(10), False, id="no start date, last dose within window: not read"),
        pytest.param(None, days_before_sample(200), True, id="no start date, last dose long before: read"),
        pytest.param("2026-09-01", "2026-10-20", False, id="started before, last dose after the sample: not read"),
    ],
)
def test_b12_treatment_start_and_last_dose(run, started, last_taken, read):
    a = run(
        labs=[NORMAL_TOTAL],
        supplements=[supp("b12", route="intramuscular", started=started, last_taken=last_taken)],
    )
    assert reading(a, "total_b12").used is read
    assert a.status == ("deficiency_unlikely" if read else "not_interpretable")
    assert ("sample_after_b12_treatment" in flag_ids(a)) is not read


def test_b12_treatment_makes_active_b12_unreadable_too(run):
    a = run(labs=[lab("active_b12", 120, "pmol/L")], supplements=[supp("hydroxocobalamin", route="intramuscular")])
    assert a.status == "not_interpretable"
    assert "sample_after_b12_treatment" in flag_ids(a)


def test_b12_treatment_is_judged_per_sample(run):
    # a low total B12 taken before B12 was started is read; an active B12 taken after it is not
    a = run(
        labs=[lab("total_b12", 150, "ng/L", date="2026-09-01"), lab("active_b12", 150, "pmol/L", date="2026-10-15")],
        supplements=[supp("b12", route="oral", started="2026-10-01")],
    )
    assert reading(a, "total_b12").used is True
    assert reading(a, "active_b12").used is False
    assert a.status == "deficiency_likely"


def test_b12_treatment_leaves_mma_to_decide(run):
    a = run(labs=[NORMAL_TOTAL, lab("mma", 0.5, "umol/L")], supplements=[supp("b12", route="intramuscular")])
    assert reading(a, "total_b12").used is False
    assert reading(a, "mma").used is True
    assert a.status == "deficiency_likely"


# --- Biotin ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("biotin", "read"),
    [
        pytest.param(supp("biotin", 4.9), True, id="4.9 mg/day current: read"),
        pytest.param(supp("biotin", 5), False, id="5 mg/day current: not read"),
        pytest.param(supp("biotin", 300), False, id="300 mg/day (MS dose) current: not read"),
        pytest.param(supp("biotin", 5000, "ug"), False, id="5000 ug/day = 5 mg: not read"),
        pytest.param(supp("biotin", 4900, "mcg"), True, id="4900 mcg/day: read"),
        pytest.param(
            supp("biotin", 10, last_taken=days_before_sample(3)), False, id="last dose 3 days = 72 h: not read"
        ),
        pytest.param(supp("biotin", 10, last_taken=days_before_sample(4)), True, id="last dose 4 days before: read"),
        pytest.param(
            supp("biotin", 10, last_taken=days_before_sample(0)), False, id="last dose on sample day: not read"
        ),
        pytest.param(supp("biotin", 10, started="2026-10-02"), True, id="started after the sample: read"),
        pytest.param(supp("biotin"), False, id="no dose given: treated as possibly high-dose, not read"),
        pytest.param(supp("vitamin b7", 10), False, id="alias vitamin b7 10 mg: not read"),
    ],
)
def test_biotin_interference(run, biotin, read):
    a = run(labs=[NORMAL_TOTAL], supplements=[biotin])
    assert reading(a, "total_b12").used is read
    assert a.status == ("deficiency_unlikely" if read else "not_interpretable")
    assert ("biotin_interference" in flag_ids(a)) is not read


def test_biotin_makes_active_b12_and_folate_unreadable(run):
    a = run(
        labs=[lab("active_b12", 100, "pmol/L"), lab("folate", 20, "nmol/L")],
        supplements=[supp("biotin", 100)],
    )
    assert reading(a, "active_b12").used is False
    assert reading(a, "folate").used is False
    assert a.status == "not_interpretable"


@pytest.mark.parametrize(
    ("mma", "status"),
    [
        pytest.param(0.5, "deficiency_likely", id="raised MMA"),
        pytest.param(0.2, "deficiency_unlikely", id="normal MMA"),
    ],
)
def test_biotin_does_not_affect_mma(run, mma, status):
    a = run(labs=[NORMAL_TOTAL, lab("mma", mma, "umol/L")], supplements=[supp("biotin", 300)])
    assert reading(a, "total_b12").used is False
    assert reading(a, "mma").used is True
    assert a.status == status
    assert "biotin_interference" in flag_ids(a)


def test_biotin_does_not_affect_homocysteine(run):
    a = run(
        labs=[lab("homocysteine", 20, "umol/L"), lab("egfr", 90, "mL/min/1.73m2")],
        supplements=[supp("biotin", 300)],
    )
    assert reading(a, "homocysteine").used is True


# --- Nothing left to read / nothing at all --------------------------------------------------------


def test_both_b12_markers_unreadable_and_no_metabolites_is_not_interpretable(run):
    a = run(labs=[NORMAL_TOTAL, lab("active_b12", 100, "pmol/L")], supplements=[supp("biotin", 100)])
    assert a.status == "not_interpretable"


def test_no_labs_at_all_is_no_result(run):
    assert run(labs=[]).status == "no_result"


def test_only_blood_count_and_folate_is_no_result(run):
    a = run(labs=[lab("mcv", 90, "fL"), lab("haemoglobin", 140, "g/L"), lab("folate", 20, "nmol/L")])
    assert a.status == "no_result"


def test_homocysteine_alone_is_a_result(run):
    assert run(labs=[lab("homocysteine", 10, "umol/L")]).status != "no_result"


# --- Kidney function -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("egfr", "mma_read", "status", "renal_flag"),
    [
        pytest.param(29, False, "indeterminate", True, id="eGFR 29: MMA not read"),
        pytest.param(30, True, "deficiency_likely", True, id="eGFR 30: MMA read with caution"),
        pytest.param(59, True, "deficiency_likely", True, id="eGFR 59: MMA read with caution"),
        pytest.param(60, True, "deficiency_likely", False, id="eGFR 60: MMA read, no flag"),
    ],
)
def test_egfr_and_mma(run, egfr, mma_read, status, renal_flag):
    a = run(labs=[INDETERMINATE_TOTAL, lab("mma", 0.5, "umol/L"), lab("egfr", egfr, "mL/min/1.73m2")])
    assert reading(a, "mma").used is mma_read
    assert a.status == status
    assert ("renal_impairment" in flag_ids(a)) is renal_flag


def test_egfr_below_30_with_mma_only_is_not_interpretable(run):
    a = run(labs=[lab("mma", 0.5, "umol/L"), lab("egfr", 29, "mL/min/1.73m2")])
    assert a.status == "not_interpretable"
    assert "renal_impairment" in flag_ids(a)


def test_egfr_below_30_makes_homocysteine_unreadable(run):
    a = run(
        labs=[
            INDETERMINATE_TOTAL,
            lab("homocysteine", 25, "umol/L"),
            lab("folate", 20, "nmol/L"),
            lab("egfr", 29, "mL/min/1.73m2"),
        ]
    )
    assert reading(a, "homocysteine").used is False
    assert a.status == "indeterminate"
    assert "renal_impairment" in flag_ids(a)


def test_breastfeeding_alone_does_not_make_total_b12_unreadable(run):
    a = run(pregnant=False, breastfeeding=True, labs=[NORMAL_TOTAL])
    assert a.status == "deficiency_unlikely"
    assert "pregnancy" not in flag_ids(a)
