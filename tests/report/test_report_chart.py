"""The lab history chart: NICE bands shaded from the knowledge, treatment dates as lines, no global state."""

import subprocess
import sys
from datetime import date

import pytest

import b12ms
from b12ms.report.chart import HistoryPoint, TreatmentDate, band_set_for, lab_history_svg

pytest.importorskip("matplotlib", reason="charts need the 'report' extra (matplotlib)")


@pytest.fixture(scope="module")
def kb():
    return b12ms.load_knowledge()


TOTAL = [
    HistoryPoint("total_b12", date(2026, 1, 10), 120.0),
    HistoryPoint("total_b12", date(2026, 6, 2), 240.0),
    HistoryPoint("total_b12", date(2026, 10, 1), 410.0),
]


def test_total_b12_chart_shades_the_three_nice_bands_and_draws_treatment_lines(kb):
    marks = [TreatmentDate(date(2026, 2, 1), "B12 injections started"), date(2026, 8, 1)]
    svg = lab_history_svg(TOTAL, "total_b12", kb, marks)
    assert svg.lstrip().startswith("<?xml")
    for gid in ("band-low", "band-indeterminate", "band-normal", "lab-series", "treatment-0", "treatment-1"):
        assert f'<g id="{gid}"' in svg
    assert 'id="treatment-2"' not in svg


def test_total_b12_bands_are_the_pmol_per_l_figures(kb):
    band = band_set_for(kb, "total_b12")
    assert band is not None
    assert band.unit == "pmol/L" == kb.analytes["total_b12"].canonical_unit


def test_active_b12_chart_is_shaded_too(kb):
    points = [HistoryPoint("active_b12", date(2026, 1, 1), 30.0), HistoryPoint("active_b12", date(2026, 5, 1), 80.0)]
    svg = lab_history_svg(points, "active_b12", kb, [])
    assert '<g id="band-indeterminate"' in svg
    assert 'id="treatment-0"' not in svg


def test_an_analyte_without_nice_bands_has_no_shading(kb):
    points = [HistoryPoint("mma", date(2026, 1, 1), 0.2), HistoryPoint("mma", date(2026, 5, 1), 0.5)]
    svg = lab_history_svg(points, "mma", kb, [date(2026, 3, 1)])
    assert "band-low" not in svg
    assert '<g id="lab-series"' in svg
    assert '<g id="treatment-0"' in svg


def test_points_of_other_analytes_are_ignored_and_output_is_repeatable(kb):
    mixed = [*TOTAL, HistoryPoint("folate", date(2026, 2, 2), 20.0)]
    assert lab_history_svg(mixed, "total_b12", kb, []) == lab_history_svg(TOTAL, "total_b12", kb, [])


def test_importing_and_drawing_leave_pyplot_and_weasyprint_alone():
    code = (
        "import sys, datetime, b12ms, b12ms.report;"
        "assert 'matplotlib' not in sys.modules and 'weasyprint' not in sys.modules, 'heavy import at import time';"
        "from b12ms.report import HistoryPoint, lab_history_svg;"
        "kb = b12ms.load_knowledge();"
        "p = [HistoryPoint('total_b12', datetime.date(2026, m, 1), 100.0 * m) for m in (1, 2)];"
        "lab_history_svg(p, 'total_b12', kb, []);"
        "assert 'matplotlib.pyplot' not in sys.modules, 'pyplot was imported'"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=120)
