"""What the result page shows, worked out from an Assessment so the template only lays it out.

Order follows what a reader needs first (as the terminal and report renderers do): the status in
one plain sentence, the urgent banner and why, what to do next, flags, options, what the evidence
says about B12 in MS for someone in this situation, then the reasons and sources for a clinician.
All words come from the knowledge; ids left in engine messages are replaced by plain labels.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from b12ms.claims import GRADE_LABELS, VERDICT_LABELS
from b12ms.engine import Assessment, PatientSnapshot
from b12ms.engine.assessment import LabReading
from b12ms.knowledge import Knowledge
from b12ms.knowledge.evidence_schema import Claim
from b12ms.knowledge.units import pretty_unit
from b12ms.render.labels import analyte_label, references_used, term_label
from b12ms.web.pages.assess_prefill import UnknownName, unknown_names
from b12ms.web.pages.rendering import plain_ids

__all__ = ["EVIDENCE_PICKS", "ResultView", "build_result_view", "pick_evidence"]

SEVERITY_LABELS = {"critical": "Act today", "warning": "Important", "info": "Good to know"}
INDICATION_LABELS = {
    "offer": "A B12 test should be offered",
    "clinical_judgement": "Whether to test is a clinical judgement",
    "not_indicated": "No B12 test is indicated from what was entered",
}
BAND_LABELS = {"low": "Low (NICE)", "indeterminate": "Indeterminate (NICE)", "normal": "Normal (NICE)"}

# Which graded claims speak to someone in this situation: (claim id, when). "ms" = MS diagnosed or
# suspected; statuses name the engine's status values; "fingolimod"/"biotin" = taking it.
# Every id is checked against the knowledge by tests/web_pages/test_result_page.py.
EVIDENCE_PICKS: tuple[tuple[str, frozenset[str]], ...] = (
    ("gl_exclude_b12_when_ms_suspected", frozenset({"ms"})),
    ("s000_symptom_overlap", frozenset({"ms"})),
    ("gl_ms_does_not_lower_b12", frozenset({"ms"})),
    ("s000_treating_deficiency_matters", frozenset({"deficiency_likely", "indeterminate"})),
    ("s000_deficient_benefits", frozenset({"deficiency_likely"})),
    ("gl_test_before_treatment", frozenset({"indeterminate", "no_result", "not_interpretable"})),
    ("s000_normal_levels_no_strong_evidence", frozenset({"deficiency_unlikely"})),
    ("s001_supplement_for_symptoms", frozenset({"deficiency_unlikely", "no_result"})),
    ("gl_b12_slows_ms", frozenset({"ms"})),
    ("gl_b12_boosts_fingolimod", frozenset({"fingolimod"})),
    ("gl_high_dose_biotin", frozenset({"biotin"})),
)


@dataclass(frozen=True)
class LabRow:
    test: str
    date: str
    result: str
    converted: str | None
    reading: str
    band: str | None
    lab_range: str | None


@dataclass(frozen=True)
class Item:
    title: str
    text: str
    references: list[str]
    kind: str = ""


@dataclass(frozen=True)
class ClaimSummary:
    id: str
    claim: str
    verdict: str
    verdict_label: str
    grade_label: str


@dataclass(frozen=True)
class ReferenceRow:
    id: str
    citation: str
    url: str | None


@dataclass
class ResultView:
    status: str
    headline: str
    sentence: str
    urgency: str
    urgency_headline: str
    urgency_text: str
    urgent_reasons: list[str]
    testing: str
    first_tests: list[str]
    next_tests: list[str]
    risk_factors: list[str]
    missing: list[str]
    labs: list[LabRow]
    flags: list[Item]
    management: list[Item]
    evidence: list[ClaimSummary]
    findings: list[Item]
    cb12: str
    unknown: list[UnknownName]
    references: list[ReferenceRow]
    versions: str
    as_of: str
    extra: dict[str, str] = field(default_factory=dict)


def _situation(snapshot: PatientSnapshot, assessment: Assessment, kb: Knowledge) -> set[str]:
    tags: set[str] = {assessment.status}
    if snapshot.ms in ("diagnosed", "suspected"):
        tags.add("ms")
    if any(kb.find_term("medication", m) == "fingolimod" for m in snapshot.medications):
        tags.add("fingolimod")
    if any(kb.find_term("supplement", s.name) == "biotin" for s in snapshot.supplements):
        tags.add("biotin")
    return tags


def pick_evidence(snapshot: PatientSnapshot, assessment: Assessment, kb: Knowledge) -> list[Claim]:
    tags = _situation(snapshot, assessment, kb)
    claims = kb.evidence.claims_by_id
    return [claims[claim_id] for claim_id, when in EVIDENCE_PICKS if when & tags and claim_id in claims]


def _lab_row(lab: LabReading, kb: Knowledge) -> LabRow:
    if lab.result is not None:
        result, converted = lab.result, None
    else:
        result = f"{lab.value:g} {pretty_unit(lab.unit or '')}"
        converted = None
        if lab.canonical_value is not None and lab.unit != lab.canonical_unit:
            converted = f"= {lab.canonical_value:.4g} {pretty_unit(lab.canonical_unit or '')}"
    if lab.used:
        reading = BAND_LABELS[lab.band] if lab.band else "Used"
    else:
        reading = "Not read: " + ", ".join(plain_ids(r, kb).replace("_", " ") for r in lab.not_read_because)
    lab_range = None
    if lab.reference_low is not None or lab.reference_high is not None:
        unit = pretty_unit(lab.canonical_unit or "")
        low = f"{lab.reference_low:.4g}" if lab.reference_low is not None else ""
        high = f"{lab.reference_high:.4g}" if lab.reference_high is not None else ""
        lab_range = f"{low}–{high} {unit}".strip()
    return LabRow(analyte_label(kb, lab.analyte), lab.date.isoformat(), result, converted, reading, lab.band, lab_range)


def _reasons_for_urgency(assessment: Assessment, kb: Knowledge) -> list[str]:
    """The engine's reason for "urgent", in plain words, then any critical flag's title."""
    reasons = []
    for finding in assessment.findings:
        if finding.rule == "urgency":
            text = plain_ids(finding.message, kb).removeprefix("Urgent: ")
            reasons.append(text[:1].upper() + text[1:])
    reasons += [f"{kb.flags[f.id].title}." for f in assessment.flags if f.severity == "critical"]
    return reasons


def build_result_view(snapshot: PatientSnapshot, assessment: Assessment, kb: Knowledge) -> ResultView:
    a = assessment
    wording = kb.status_wording[a.status]
    urgency = kb.urgency_wording[a.urgency]
    evidence = pick_evidence(snapshot, a, kb)
    flags = [Item(kb.flags[f.id].title, plain_ids(f.message, kb), f.references, f.severity) for f in a.flags]
    management = [Item(kb.management[m.id].title, m.text, m.references) for m in a.management]
    findings = [
        Item(kb.rules[f.rule].title if f.rule in kb.rules else f.rule, f.message, f.references, f.rule)
        for f in a.findings
    ]
    ref_ids = references_used(
        [f.references for f in a.flags]
        + [m.references for m in a.management]
        + [f.references for f in a.findings]
        + [list(c.references) for c in evidence]
    )
    references = [
        ReferenceRow(r, kb.references[r].citation, kb.references[r].url or _doi(kb, r))
        for r in ref_ids
        if r in kb.references
    ]
    cb12 = (
        f"{a.cb12.value:+.2f} ({a.cb12.category})"
        if a.cb12.computable and a.cb12.value is not None
        else f"not computed: {a.cb12.reason}"
    )
    v = a.versions
    return ResultView(
        status=a.status,
        headline=wording.headline,
        sentence=wording.text,
        urgency=a.urgency,
        urgency_headline=urgency.headline,
        urgency_text=urgency.text,
        urgent_reasons=_reasons_for_urgency(a, kb) if a.urgency == "urgent" else [],
        testing=INDICATION_LABELS[a.testing.indication],
        first_tests=[analyte_label(kb, t) for t in a.testing.first_tests],
        next_tests=[analyte_label(kb, t) for t in a.next_tests],
        risk_factors=[term_label(kb, r) for r in a.risk_factors],
        missing=[m.replace("_", " ") for m in a.missing],
        labs=[_lab_row(lab, kb) for lab in a.labs],
        flags=flags,
        management=management,
        evidence=[
            ClaimSummary(c.id, c.claim, c.verdict, VERDICT_LABELS[c.verdict], GRADE_LABELS[c.grade]) for c in evidence
        ],
        findings=findings,
        cb12=cb12,
        unknown=unknown_names(snapshot, kb),
        references=references,
        versions=f"b12ms {v.b12ms} · knowledge {v.knowledge} ({v.knowledge_sha256[:12]})",
        as_of=a.as_of.isoformat(),
    )


def _doi(kb: Knowledge, ref_id: str) -> str | None:
    doi = kb.references[ref_id].doi
    return f"https://doi.org/{doi}" if doi else None
