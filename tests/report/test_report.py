"""The doctor-ready report: one template, rendered to HTML and through WeasyPrint to PDF."""

import html
import json
import shutil
import subprocess
from datetime import date
from pathlib import Path

import pytest

import b12ms
from b12ms.render.assessment_text import DISCLAIMER
from b12ms.report.chart import HistoryPoint, TreatmentDate, lab_history_svg
from b12ms.report.render import RefusedURLError, check_local_url, render_report_html, render_report_pdf

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
GENERATED = date(2026, 11, 21)


@pytest.fixture(scope="module")
def kb():
    return b12ms.load_knowledge()


def _example(kb, name):
    snapshot = b12ms.parse_snapshot(json.loads((EXAMPLES / name).read_text()))
    return snapshot, b12ms.assess(snapshot, kb, snapshot.as_of)


def test_html_carries_status_flags_options_versions_and_disclaimer(kb):
    snapshot, assessment = _example(kb, "ms-vegan-metformin.json")
    page = render_report_html(snapshot, assessment, kb, generated_on=GENERATED)
    assert html.escape(kb.status_wording[assessment.status].headline) in page
    for flag in assessment.flags:
        assert html.escape(kb.flags[flag.id].title) in page
    for item in assessment.management:
        assert html.escape(kb.management[item.id].title) in page
    assert kb.sha256[:12] in page
    assert assessment.versions.b12ms in page
    assert html.escape(DISCLAIMER) in page
    assert "2026-11-21" in page


def test_urgent_report_opens_with_the_banner(kb):
    snapshot, assessment = _example(kb, "suspected-ms-nitrous-oxide.json")
    page = render_report_html(snapshot, assessment, kb, generated_on=GENERATED)
    body = page[page.find("<body") :]
    banner = body.find('id="urgent-banner"')
    status = body.find(html.escape(kb.status_wording[assessment.status].headline))
    assert 0 <= banner < status
    assert html.escape(kb.urgency_wording["urgent"].headline.upper()) in page


def test_hostile_names_are_escaped(kb):
    snapshot = b12ms.parse_snapshot(
        {
            "medications": ["<script>alert(1)</script>"],
            "labs": [{"analyte": "total_b12", "value": 150, "unit": "ng/L", "date": "2026-10-01"}],
        }
    )
    assessment = b12ms.assess(snapshot, kb, date(2026, 11, 1))
    page = render_report_html(snapshot, assessment, kb, generated_on=GENERATED)
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;" in page


def test_pdf_is_a_pdf_whose_text_has_the_status(kb):
    snapshot, assessment = _example(kb, "ms-vegan-metformin.json")
    pdf = render_report_pdf(snapshot, assessment, kb, generated_on=GENERATED)
    assert pdf.startswith(b"%PDF")
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler-utils) is not installed; make test installs it")
    text = subprocess.run(["pdftotext", "-", "-"], input=pdf, capture_output=True, check=True).stdout.decode()
    assert kb.status_wording[assessment.status].headline in " ".join(text.split())


@pytest.mark.parametrize(
    "url", ["http://example.org/x.css", "https://cdn.example/font.woff", "file:///etc/passwd", "ftp://host/f"]
)
def test_the_fetcher_refuses_network_and_foreign_files(url):
    with pytest.raises(RefusedURLError):
        check_local_url(url)


def test_the_fetcher_allows_data_urls():
    check_local_url("data:image/svg+xml;base64,PHN2Zy8+")


def test_history_chart_shades_nice_bands_and_marks_treatment(kb):
    points = [
        HistoryPoint("total_b12", date(2026, 1, 10), 120.0),
        HistoryPoint("total_b12", date(2026, 6, 2), 240.0),
        HistoryPoint("total_b12", date(2026, 10, 1), 410.0),
    ]
    svg = lab_history_svg(points, "total_b12", kb, [TreatmentDate(date(2026, 2, 1), "B12 injections started")])
    assert svg.lstrip().startswith("<?xml") or "<svg" in svg
    for gid in ("band-low", "band-indeterminate", "band-normal", "lab-series", "treatment-0"):
        assert f'id="{gid}' in svg
