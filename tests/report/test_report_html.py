"""The report's HTML: what a clinician must find in it, escaping, purity and local-only resources."""

import json
import re
from datetime import date
from pathlib import Path

import pytest
from markupsafe import escape

import b12ms
from b12ms.render.assessment_text import DISCLAIMER
from b12ms.report.chart import HistoryPoint, TreatmentDate
from b12ms.report.context import treatment_dates_from_snapshot
from b12ms.report.render import render_report_html

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
GENERATED = date(2026, 11, 2)
# Examples that assess (bad-units is an input error by design; the diet day is not a snapshot).
ASSESSABLE = [
    "ms-normal-b12-asking-about-supplements.json",
    "ms-vegan-metformin.json",
    "pregnant-total-b12-only.json",
    "progressive-ms-biotin.json",
    "suspected-ms-nitrous-oxide.json",
]


@pytest.fixture(scope="module")
def kb():
    return b12ms.load_knowledge()


def _example(kb, name, **changes):
    data = json.loads((EXAMPLES / name).read_text()) | changes
    snapshot = b12ms.parse_snapshot(data)
    return snapshot, b12ms.assess(snapshot, kb, snapshot.as_of or date(2026, 11, 1))


def _report(kb, name, **kwargs):
    snapshot, assessment = _example(kb, name)
    return assessment, render_report_html(snapshot, assessment, kb, generated_on=GENERATED, **kwargs)


def _esc(text):
    """Escaped as Jinja escapes it (markupsafe writes &#39; where html.escape writes &#x27;)."""
    return str(escape(text))


@pytest.mark.parametrize("name", ASSESSABLE)
def test_every_example_shows_status_flags_option_sources_versions_hash_and_disclaimer(kb, name):
    assessment, page = _report(kb, name)
    assert _esc(kb.status_wording[assessment.status].headline) in page
    for flag in assessment.flags:
        assert _esc(kb.flags[flag.id].title) in page
    for item in assessment.management:
        assert _esc(kb.management[item.id].title) in page
        for ref in item.references:
            assert f'id="ref-{ref}"' in page
            assert _esc(kb.references[ref].citation) in page
    assert f"<td>{assessment.versions.b12ms}</td>" in page
    assert f"<td>{assessment.versions.knowledge}</td>" in page
    assert assessment.versions.knowledge_sha256 in page
    assert _esc(DISCLAIMER) in page
    assert "2026-11-02" in page


@pytest.mark.parametrize("name", ASSESSABLE)
def test_every_cited_reference_number_has_an_entry_in_the_reference_list(kb, name):
    _, page = _report(kb, name)
    cited = set(re.findall(r'href="#ref-([a-z0-9_]+)"', page))
    listed = set(re.findall(r'<li id="ref-([a-z0-9_]+)"', page))
    assert cited
    assert cited <= listed


def test_urgent_example_opens_with_the_banner(kb):
    assessment, page = _report(kb, "suspected-ms-nitrous-oxide.json")
    assert assessment.urgency == "urgent"
    first_element = re.search(r"<body>\s*<(\w+)[^>]*>", page)
    assert first_element is not None
    assert 'id="urgent-banner"' in first_element.group(0)
    assert _esc(kb.urgency_wording["urgent"].headline.upper()) in page


def test_a_report_that_is_not_urgent_has_no_banner(kb):
    assessment, page = _report(kb, "ms-vegan-metformin.json")
    assert assessment.urgency != "urgent"
    assert 'id="urgent-banner"' not in page


def test_hostile_medication_name_is_escaped_in_facts_and_findings(kb):
    hostile = "<script>alert(1)</script>"
    snapshot = b12ms.parse_snapshot(
        {
            "medications": [hostile],
            "supplements": [{"name": '"><img src=x onerror=alert(2)>'}],
            "labs": [{"analyte": "total_b12", "value": 150, "unit": "ng/L", "date": "2026-10-01"}],
        }
    )
    assessment = b12ms.assess(snapshot, kb, date(2026, 11, 1))
    assert any(hostile in finding.message for finding in assessment.findings)  # unknown names become findings
    page = render_report_html(snapshot, assessment, kb, generated_on=GENERATED)
    assert "<script" not in page
    assert "<img src=x" not in page
    assert page.count(_esc(hostile)) >= 2  # once in the facts, once in the findings
    assert "not recognised by b12ms" in page


def test_the_html_is_pure_same_inputs_same_page(kb):
    _, first = _report(kb, "progressive-ms-biotin.json")
    _, second = _report(kb, "progressive-ms-biotin.json")
    assert first == second


@pytest.mark.parametrize("name", ASSESSABLE)
def test_the_page_loads_nothing_from_the_network(kb, name):
    _, page = _report(kb, name)
    assert "<link" not in page
    assert "<script" not in page
    assert "@import" not in page
    assert "@font-face" not in page
    assert not re.search(r"""(src|url)\s*[=(]\s*["']?(https?:)?//""", page)


def test_entered_facts_are_shown_with_plain_labels(kb):
    snapshot, assessment = _example(kb, "suspected-ms-nitrous-oxide.json")
    page = render_report_html(snapshot, assessment, kb, generated_on=GENERATED)
    assert "23 years" in page
    assert "MS suspected, not diagnosed" in page
    for kind, name in [("exposure", "nitrous oxide"), ("sign", "positive_romberg"), ("symptom", "paraesthesia")]:
        term = kb.terms[kind][kb.find_term(kind, name)]
        assert _esc(term.label) in page


def test_supplement_dose_route_and_dates_are_listed(kb):
    snapshot, assessment = _example(
        kb,
        "ms-vegan-metformin.json",
        supplements=[
            {
                "name": "hydroxocobalamin",
                "route": "intramuscular",
                "dose_per_day": {"value": 1, "unit": "mg"},
                "started": "2026-10-25",
            }
        ],
    )
    page = render_report_html(snapshot, assessment, kb, generated_on=GENERATED)
    assert "1 mg a day; injection (intramuscular); started 2026-10-25" in page


def test_results_table_shows_entered_converted_band_and_lab_range(kb):
    _, page = _report(kb, "ms-vegan-metformin.json")
    assert "240 ng/L" in page
    assert "177.1 pmol/L" in page  # 240 ng/L in the canonical unit
    assert "145.3–568.8 pmol/L" in page  # the lab's 197–771 ng/L, converted
    assert 'class="band band-indeterminate"' in page
    assert "NICE bands for Vitamin B12 (total) in ng/L: low below 180" in page


def test_a_result_that_cannot_be_read_says_why(kb):
    _, page = _report(kb, "progressive-ms-biotin.json")
    assert "Not read" in page
    assert "biotin interference" in page


def test_a_single_result_draws_no_chart(kb):
    _, page = _report(kb, "ms-vegan-metformin.json")
    assert "data:image/svg+xml" not in page


def test_history_adds_a_chart_with_the_current_result(kb):
    history = [HistoryPoint("total_b12", date(2026, 3, 1), 300.0)]
    _, page = _report(kb, "ms-vegan-metformin.json", history=history)
    assert 'id="chart-total_b12"' in page
    assert "Vitamin B12 (total): 2 results" in page
    assert page.count("data:image/svg+xml;base64,") == 1


def test_treatment_dates_come_from_b12_and_biotin_supplements(kb):
    snapshot, _ = _example(
        kb,
        "ms-vegan-metformin.json",
        supplements=[
            {"name": "hydroxocobalamin", "route": "intramuscular", "started": "2026-10-25"},
            {"name": "biotin", "started": "2025-03-01", "last_taken": "2026-10-01"},
            {"name": "vitamin d", "started": "2025-01-01"},
        ],
    )
    marks = treatment_dates_from_snapshot(snapshot, kb)
    assert marks == [
        TreatmentDate(date(2026, 10, 25), "B12 injections started"),
        TreatmentDate(date(2025, 3, 1), "Biotin started"),
        TreatmentDate(date(2026, 10, 1), "Biotin last taken"),
    ]
