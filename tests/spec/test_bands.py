"""Rule 2 (NICE 1.4): total and active B12 bands, units, the rounding gap and combined markers."""

from __future__ import annotations

import pytest

from .helpers import flag_ids, lab, reading

STATUS_OF_BAND = {"low": "deficiency_likely", "indeterminate": "indeterminate", "normal": "deficiency_unlikely"}


def _band_case(value, unit, band):
    return pytest.param(value, unit, band, id=f"{value:g} {unit} is {band}")


# --- Total B12 in the unit NICE states it ---------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "unit", "band"),
    [
        _band_case(179.9, "ng/L", "low"),
        _band_case(180, "ng/L", "indeterminate"),
        _band_case(350, "ng/L", "indeterminate"),
        _band_case(350.1, "ng/L", "normal"),
        _band_case(132.9, "pmol/L", "low"),
        _band_case(133, "pmol/L", "indeterminate"),
        _band_case(258, "pmol/L", "indeterminate"),
        _band_case(258.1, "pmol/L", "normal"),
    ],
)
def test_total_b12_boundaries_in_nice_units(run, value, unit, band):
    a = run(labs=[lab("total_b12", value, unit)])
    assert reading(a, "total_b12").band == band
    assert a.status == STATUS_OF_BAND[band]


def test_exactly_180_ng_per_l_is_indeterminate(run):
    a = run(labs=[lab("total_b12", 180, "ng/L")])
    assert a.status == "indeterminate"
    assert "mma" in a.next_tests


def test_exactly_350_ng_per_l_is_indeterminate_not_normal(run):
    assert run(labs=[lab("total_b12", 350, "ng/L")]).status == "indeterminate"


def test_exactly_133_pmol_per_l_is_indeterminate(run):
    assert run(labs=[lab("total_b12", 133, "pmol/L")]).status == "indeterminate"


def test_exactly_258_pmol_per_l_is_indeterminate_not_normal(run):
    assert run(labs=[lab("total_b12", 258, "pmol/L")]).status == "indeterminate"


# --- Active B12 ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "band"),
    [
        pytest.param(24.9, "low", id="24.9 is low"),
        pytest.param(25, "indeterminate", id="25 is indeterminate"),
        pytest.param(70, "indeterminate", id="70 is indeterminate"),
        pytest.param(70.1, "normal", id="70.1 is normal"),
    ],
)
def test_active_b12_boundaries(run, value, band):
    a = run(labs=[lab("active_b12", value, "pmol/L")])
    assert reading(a, "active_b12").band == band
    assert a.status == STATUS_OF_BAND[band]


def test_active_b12_alias_holotc_is_read_as_active_b12(run):
    a = run(labs=[lab("holoTC", 24.9, "pmol/L")])
    assert reading(a, "active_b12").band == "low"
    assert a.status == "deficiency_likely"


# --- Other units: converted to the nearest NICE unit first -----------------------------------------


@pytest.mark.parametrize(
    ("value", "unit", "band"),
    [
        # pg/mL is the same quantity as ng/L
        _band_case(179.9, "pg/mL", "low"),
        _band_case(180, "pg/mL", "indeterminate"),
        _band_case(350, "pg/mL", "indeterminate"),
        _band_case(350.1, "pg/mL", "normal"),
        _band_case(180, "pg/ml", "indeterminate"),
        # ng/mL = 1000 ng/L
        _band_case(0.1799, "ng/mL", "low"),
        _band_case(0.18, "ng/mL", "indeterminate"),
        _band_case(0.35, "ng/mL", "indeterminate"),
        _band_case(0.3501, "ng/mL", "normal"),
        # nmol/L = 1000 pmol/L, compared with NICE's pmol/L figures
        _band_case(0.1329, "nmol/L", "low"),
        _band_case(0.133, "nmol/L", "indeterminate"),
        _band_case(0.258, "nmol/L", "indeterminate"),
        _band_case(0.2581, "nmol/L", "normal"),
    ],
)
def test_total_b12_in_other_units_is_banded_in_the_nearest_nice_unit(run, value, unit, band):
    a = run(labs=[lab("total_b12", value, unit)])
    assert reading(a, "total_b12").band == band
    assert a.status == STATUS_OF_BAND[band]


def test_0_18_ng_per_ml_is_the_same_as_180_ng_per_l(run):
    in_ng_ml = run(labs=[lab("total_b12", 0.18, "ng/mL")])
    in_ng_l = run(labs=[lab("total_b12", 180, "ng/L")])
    assert reading(in_ng_ml, "total_b12").band == reading(in_ng_l, "total_b12").band == "indeterminate"
    assert reading(in_ng_ml, "total_b12").canonical_value == pytest.approx(
        reading(in_ng_l, "total_b12").canonical_value
    )


def test_0_133_nmol_per_l_is_the_same_as_133_pmol_per_l(run):
    a = run(labs=[lab("total_b12", 0.133, "nmol/L")])
    assert reading(a, "total_b12").canonical_value == pytest.approx(133)
    assert reading(a, "total_b12").canonical_unit == "pmol/L"
    assert a.status == "indeterminate"


def test_ng_per_l_is_converted_to_pmol_per_l_with_factor_0_7378_for_display(run):
    a = run(labs=[lab("total_b12", 1000, "ng/L")])
    assert reading(a, "total_b12").canonical_value == pytest.approx(737.8, abs=0.05)


# --- The rounding gap: NICE's two unit families disagree near the cut-offs, both are correct ------


def test_132_9_pmol_per_l_is_low_although_it_is_about_180_ng_per_l(run):
    a = run(labs=[lab("total_b12", 132.9, "pmol/L")])
    assert reading(a, "total_b12").band == "low"
    assert a.status == "deficiency_likely"


def test_180_ng_per_l_is_indeterminate_although_it_is_below_133_pmol_per_l(run):
    a = run(labs=[lab("total_b12", 180, "ng/L")])
    r = reading(a, "total_b12")
    assert r.canonical_value < 133  # 180 x 0.7378 = 132.8 pmol/L
    assert r.band == "indeterminate"  # but compared with NICE's ng/L figure, never converted first
    assert a.status == "indeterminate"


def test_350_ng_per_l_is_indeterminate_although_it_is_above_258_pmol_per_l(run):
    a = run(labs=[lab("total_b12", 350, "ng/L")])
    r = reading(a, "total_b12")
    assert r.canonical_value > 258  # 350 x 0.7378 = 258.2 pmol/L
    assert r.band == "indeterminate"


def test_258_1_pmol_per_l_is_normal_although_it_is_below_350_ng_per_l(run):
    a = run(labs=[lab("total_b12", 258.1, "pmol/L")])  # = 349.8 ng/L
    assert reading(a, "total_b12").band == "normal"
    assert a.status == "deficiency_unlikely"


# --- Both markers: active B12 governs, except low + normal (discordant) -------------------------

TOTAL = {"low": 150, "indeterminate": 250, "normal": 500}  # ng/L
ACTIVE = {"low": 20, "indeterminate": 50, "normal": 100}  # pmol/L

COMBINED = [
    ("low", "low", "deficiency_likely", False),
    ("low", "indeterminate", "indeterminate", False),
    ("low", "normal", "indeterminate", True),
    ("indeterminate", "low", "deficiency_likely", False),
    ("indeterminate", "indeterminate", "indeterminate", False),
    ("indeterminate", "normal", "deficiency_unlikely", False),
    ("normal", "low", "indeterminate", True),
    ("normal", "indeterminate", "indeterminate", False),
    ("normal", "normal", "deficiency_unlikely", False),
]


@pytest.mark.parametrize(
    ("total_band", "active_band", "status", "discordant"),
    [pytest.param(*row, id=f"total {row[0]} + active {row[1]} -> {row[2]}") for row in COMBINED],
)
def test_combined_total_and_active_b12(run, total_band, active_band, status, discordant):
    a = run(labs=[lab("total_b12", TOTAL[total_band], "ng/L"), lab("active_b12", ACTIVE[active_band], "pmol/L")])
    assert reading(a, "total_b12").band == total_band
    assert reading(a, "active_b12").band == active_band
    assert a.status == status
    assert ("discordant_markers" in flag_ids(a)) is discordant
    if status == "indeterminate":
        assert "mma" in a.next_tests


@pytest.mark.parametrize(
    ("mma", "status"),
    [
        pytest.param(0.5, "deficiency_likely", id="raised MMA"),
        pytest.param(0.2, "deficiency_unlikely", id="normal MMA"),
    ],
)
def test_discordant_markers_are_settled_by_mma(run, mma, status):
    a = run(
        labs=[
            lab("total_b12", TOTAL["low"], "ng/L"),
            lab("active_b12", ACTIVE["normal"], "pmol/L"),
            lab("mma", mma, "umol/L"),
        ]
    )
    assert a.status == status
    assert "discordant_markers" in flag_ids(a)


def test_latest_total_b12_result_is_the_one_read(run):
    a = run(
        labs=[
            lab("total_b12", 150, "ng/L", date="2026-06-01"),
            lab("total_b12", 500, "ng/L", date="2026-10-01"),
        ]
    )
    assert a.status == "deficiency_unlikely"
