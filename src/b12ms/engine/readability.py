"""Which results can be read at all: pregnancy, B12 treatment, biotin, kidney function.

A result that cannot be read is kept (it shows in the output with the reason) but takes no part
in deciding the status. These are product-policy rules built on NICE's "test before treatment",
"active B12 in pregnancy" and laboratory advice on biotin; the knowledge holds the numbers.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from b12ms.engine.normalise import Facts, Reading, SupplementUse
from b12ms.engine.trace import Trace
from b12ms.knowledge import Knowledge

B12_MARKERS = ("total_b12", "active_b12")
BIOTIN_SENSITIVE = ("total_b12", "active_b12", "folate")
METABOLITES = ("mma", "homocysteine")


@dataclass
class Readable:
    usable: dict[str, Reading]
    not_read: dict[str, list[str]] = field(default_factory=dict)

    def drop(self, analyte: str, reason: str) -> None:
        if analyte in self.usable:
            del self.usable[analyte]
        reasons = self.not_read.setdefault(analyte, [])
        if reason not in reasons:
            reasons.append(reason)


def _b12_treatment_affects(use: SupplementUse, sample: date, kb: Knowledge) -> bool:
    if use.started is not None and sample < use.started:
        return False
    if use.last_taken is None:
        return True  # no last dose given: still taking it
    window_id = (
        "b12_treatment_window_oral" if use.route in ("oral", "sublingual") else ("b12_treatment_window_intramuscular")
    )
    return (sample - use.last_taken).days <= kb.limit(window_id)


def _biotin_affects(use: SupplementUse, sample: date, kb: Knowledge) -> bool:
    if use.dose_mg_per_day is not None and use.dose_mg_per_day < kb.limit("biotin_interfering_dose"):
        return False
    if use.started is not None and sample < use.started:
        return False
    if use.last_taken is None or use.last_taken >= sample:
        return True
    # Dates only: a last dose d calendar days before the sample counts as d x 24 hours before.
    return (sample - use.last_taken).days * 24 <= kb.limit("biotin_washout")


def current_high_dose_biotin(facts: Facts, kb: Knowledge) -> list[SupplementUse]:
    biotin = kb.with_role("interfering_biotin")
    return [u for u in facts.supplements if u.id in biotin and _biotin_affects(u, facts.as_of, kb)]


def decide_readability(facts: Facts, kb: Knowledge, trace: Trace) -> Readable:
    readable = Readable(usable=dict(facts.latest))
    b12_uses = [u for u in facts.supplements if u.id in kb.with_role("b12_treatment")]
    biotin_uses = [u for u in facts.supplements if u.id in kb.with_role("interfering_biotin")]

    for analyte in B12_MARKERS:
        reading = facts.latest.get(analyte)
        if reading is None:
            continue
        for use in b12_uses:
            if _b12_treatment_affects(use, reading.date, kb):
                readable.drop(analyte, "sample_after_b12_treatment")
                trace.flag("sample_after_b12_treatment", f"{analyte} of {reading.date}")
                route = use.route or "route not given, so the 90-day injection window was used"
                trace.finding(
                    "readability.after_treatment",
                    f"{analyte} of {reading.date} was taken during or after B12 replacement ({route}); not read.",
                )
                break

    for analyte in BIOTIN_SENSITIVE:
        reading = facts.latest.get(analyte)
        if reading is None:
            continue
        for use in biotin_uses:
            if _biotin_affects(use, reading.date, kb):
                readable.drop(analyte, "biotin_interference")
                dose = (
                    "dose not given, treated as possibly high-dose"
                    if use.dose_mg_per_day is None
                    else (f"{use.dose_mg_per_day:g} mg/day")
                )
                trace.flag("biotin_interference", f"{analyte} of {reading.date}")
                trace.finding(
                    "readability.biotin",
                    f"{analyte} of {reading.date} was taken within 72 hours of biotin ({dose}); not read.",
                )
                trace.next_test(analyte)
                break

    if facts.snapshot.pregnant and "active_b12" not in readable.usable:
        trace.flag("pregnancy")
        trace.next_test("active_b12")
        if "total_b12" in readable.usable:
            readable.drop("total_b12", "pregnancy")
            trace.finding("readability.pregnancy", "Pregnant and no active B12: the total B12 is not read (NICE).")

    egfr = facts.latest.get("egfr")
    present_metabolites = [a for a in METABOLITES if a in readable.usable]
    if egfr is not None and egfr.canonical is not None and present_metabolites:
        if egfr.canonical < kb.limit("egfr_metabolites_not_read"):
            for analyte in present_metabolites:
                readable.drop(analyte, "renal_impairment")
            trace.flag("renal_impairment", f"eGFR {egfr.canonical:g}: MMA and homocysteine not read")
            trace.finding(
                "readability.renal",
                f"eGFR {egfr.canonical:g} is below {kb.limit('egfr_metabolites_not_read'):g}: "
                "MMA and homocysteine are not read (product policy).",
            )
        elif egfr.canonical < kb.limit("egfr_metabolites_caution"):
            trace.flag("renal_impairment", f"eGFR {egfr.canonical:g}: read with caution")
            trace.finding(
                "readability.renal",
                f"eGFR {egfr.canonical:g} is below {kb.limit('egfr_metabolites_caution'):g}: "
                "MMA and homocysteine are read with caution (product policy).",
            )
    elif egfr is None and present_metabolites:
        trace.missing("egfr", "Kidney function (eGFR) not given: reduced kidney function raises MMA and homocysteine.")
    return readable
