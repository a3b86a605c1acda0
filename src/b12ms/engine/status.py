"""NICE 1.4 and 1.5: bands for total and active B12, the modifiers, then MMA and homocysteine.

Order of reasoning (each step names its rule in a finding):
1. band each readable B12 marker in the NICE unit family it was reported in;
2. combine them (active B12 decides, except low + normal, which is indeterminate);
3. apply modifiers: spuriously low or high total B12, intrinsic factor antibodies;
4. nitrous oxide, when present, has its own pathway;
5. an indeterminate (or absent) B12 is settled by MMA, or raised by an unconfounded homocysteine.
"""

from __future__ import annotations

from b12ms.engine.assessment import Status
from b12ms.engine.normalise import Band, Facts, Reading
from b12ms.engine.readability import Readable
from b12ms.engine.trace import Trace
from b12ms.knowledge import Knowledge

_RESULT_ANALYTES = ("total_b12", "active_b12", "mma", "homocysteine")


def band_of(reading: Reading, kb: Knowledge) -> Band:
    """NICE band of a B12 marker: below the low cut-off low; above the normal cut-off normal."""
    if reading.band_id is None or reading.band_value is None:
        raise ValueError(f"{reading.analyte} has no NICE band")  # callers only band B12 markers
    band = kb.bands[reading.band_id]
    if reading.band_value < band.low_below:
        return "low"
    if reading.band_value > band.normal_above:
        return "normal"
    return "indeterminate"


def _raised(reading: Reading, default_limit_id: str, kb: Knowledge) -> bool:
    if reading.canonical is None:
        return False
    limit = reading.ref_high if reading.ref_high is not None else kb.limit(default_limit_id)
    return reading.canonical > limit


def _limit_text(reading: Reading, default_limit_id: str, kb: Knowledge, unit: str) -> str:
    if reading.ref_high is not None:
        return f"the laboratory's upper limit {reading.ref_high:g} {unit}"
    return f"{kb.limit(default_limit_id):g} {unit} (product default, not NICE)"


def folate_is_low(facts: Facts, readable: Readable, kb: Knowledge) -> bool:
    folate = readable.usable.get("folate")
    if folate is None or folate.canonical is None:
        return False
    limit = folate.ref_low if folate.ref_low is not None else kb.limit("folate_low_default")
    return folate.canonical < limit


def _combined_band(readable: Readable, kb: Knowledge, trace: Trace) -> tuple[Band | None, Band | None, Band | None]:
    total = readable.usable.get("total_b12")
    active = readable.usable.get("active_b12")
    total_band = band_of(total, kb) if total else None
    active_band = band_of(active, kb) if active else None
    for reading, band, rule in (
        (total, total_band, "band.total_b12"),
        (active, active_band, "band.active_b12"),
    ):
        if reading is not None and band is not None:
            nice = kb.bands[reading.band_id or ""]
            trace.finding(
                rule,
                f"{reading.analyte} {reading.value:g} {reading.unit} is {band} by NICE "
                f"(below {nice.low_below:g} {nice.unit} low; above {nice.normal_above:g} {nice.unit} normal).",
            )
    if total_band and active_band:
        if {total_band, active_band} == {"low", "normal"}:
            trace.flag("discordant_markers", f"total B12 {total_band}, active B12 {active_band}")
            trace.finding("band.combined", "Total and active B12 disagree (one low, one normal): indeterminate.")
            return "indeterminate", total_band, active_band
        trace.finding("band.combined", f"Both measured: active B12 decides ({active_band}).")
        return active_band, total_band, active_band
    return active_band or total_band, total_band, active_band


def _apply_modifiers(
    band: Band | None,
    total_band: Band | None,
    active_band: Band | None,
    facts: Facts,
    kb: Knowledge,
    trace: Trace,
) -> Band | None:
    terms = facts.terms
    # Rests on total B12 alone: an active B12 that is itself low is not lowered by these conditions.
    low_causes = sorted(terms & kb.with_role("spuriously_low_total_b12"))
    if band == "low" and total_band == "low" and active_band is None and low_causes:
        trace.flag("spuriously_low_b12", ", ".join(low_causes))
        trace.finding("modifier.spuriously_low", f"Low total B12 with {', '.join(low_causes)}: read as indeterminate.")
        band = "indeterminate"
    high_causes = sorted(terms & kb.with_role("spuriously_high_total_b12"))
    if band == "normal" and high_causes:
        trace.flag("spuriously_high_b12", ", ".join(high_causes))
        trace.finding("modifier.spuriously_high", f"Normal B12 with {', '.join(high_causes)}: read as indeterminate.")
        band = "indeterminate"
    ifab = facts.latest.get("if_antibodies")
    if ifab is not None and ifab.result == "positive" and total_band in ("normal", "indeterminate"):
        trace.flag("if_antibody_interference", f"intrinsic factor antibodies positive on {ifab.date}")
        trace.finding(
            "modifier.if_antibodies",
            f"Intrinsic factor antibodies positive with a {total_band} total B12: at least indeterminate.",
        )
        if band == "normal":
            band = "indeterminate"
    return band


def _nitrous_oxide_status(band: Band | None, readable: Readable, kb: Knowledge, trace: Trace) -> Status:
    mma = readable.usable.get("mma")
    hcy = readable.usable.get("homocysteine")
    raised = [
        r.analyte
        for r, lim in ((mma, "mma_upper_default"), (hcy, "homocysteine_upper_default"))
        if r is not None and _raised(r, lim, kb)
    ]
    if raised:
        trace.finding("modifier.nitrous_oxide", f"Nitrous oxide with raised {' and '.join(raised)}: deficiency likely.")
        return "deficiency_likely"
    if band == "low":
        trace.finding("modifier.nitrous_oxide", "Nitrous oxide with a low B12: deficiency likely.")
        return "deficiency_likely"
    if mma is not None and hcy is not None:
        trace.finding("modifier.nitrous_oxide", "Nitrous oxide, but MMA and homocysteine are both normal: unlikely.")
        return "deficiency_unlikely"
    for analyte, reading in (("homocysteine", hcy), ("mma", mma)):
        if reading is None:
            trace.next_test(analyte)
    trace.finding(
        "modifier.nitrous_oxide",
        "Nitrous oxide: a B12 that is not low cannot reassure until MMA and homocysteine are both measured.",
    )
    return "indeterminate"


def _metabolic_status(facts: Facts, readable: Readable, kb: Knowledge, trace: Trace) -> Status:
    mma = readable.usable.get("mma")
    if mma is not None:
        limit = _limit_text(mma, "mma_upper_default", kb, "µmol/L")
        if _raised(mma, "mma_upper_default", kb):
            trace.finding("metabolic.mma", f"MMA {mma.canonical:g} µmol/L is above {limit}: deficiency likely.")
            return "deficiency_likely"
        trace.finding("metabolic.mma", f"MMA {mma.canonical:g} µmol/L is not above {limit}: deficiency unlikely.")
        return "deficiency_unlikely"

    hcy = readable.usable.get("homocysteine")
    if hcy is not None and _raised(hcy, "homocysteine_upper_default", kb):
        confounders = sorted(facts.terms & kb.with_role("hcy_confounder"))
        folate = readable.usable.get("folate")
        if folate is None:
            confounders.append("folate not measured")
            trace.missing("folate", "Folate not measured: low folate also raises homocysteine.")
        elif folate_is_low(facts, readable, kb):
            confounders.append("low folate")
        egfr = facts.latest.get("egfr")
        if egfr is not None and egfr.canonical is not None and egfr.canonical < kb.limit("egfr_metabolites_caution"):
            confounders.append(f"eGFR {egfr.canonical:g}")
        limit = _limit_text(hcy, "homocysteine_upper_default", kb, "µmol/L")
        if not confounders:
            trace.finding(
                "metabolic.homocysteine",
                f"Homocysteine {hcy.canonical:g} µmol/L is above {limit}, folate is normal and nothing else "
                "raises it: deficiency likely.",
            )
            return "deficiency_likely"
        trace.flag("hcy_confounded", ", ".join(confounders))
        trace.finding(
            "metabolic.homocysteine",
            f"Homocysteine is raised but cannot decide ({', '.join(confounders)}).",
        )
    if "mma" not in readable.not_read:
        trace.next_test("mma")
    trace.missing("mma", "MMA not measured: NICE suggests MMA to settle an indeterminate B12.")
    return "indeterminate"


def decide_status(facts: Facts, readable: Readable, kb: Knowledge, trace: Trace) -> Status:
    if not any(a in facts.latest for a in _RESULT_ANALYTES):
        trace.finding("status.no_result", "No B12, MMA or homocysteine result: see the testing advice.")
        return "no_result"
    if not any(a in readable.usable for a in _RESULT_ANALYTES):
        unread = ", ".join(f"{a} ({', '.join(r)})" for a, r in readable.not_read.items() if a in _RESULT_ANALYTES)
        trace.finding("status.not_interpretable", f"No result can be read: {unread}.")
        return "not_interpretable"

    band, total_band, active_band = _combined_band(readable, kb, trace)
    band = _apply_modifiers(band, total_band, active_band, facts, kb, trace)

    if facts.terms & kb.with_role("nitrous_oxide"):
        return _nitrous_oxide_status(band, readable, kb, trace)

    if band == "low":
        return "deficiency_likely"
    if band == "normal":
        mma = readable.usable.get("mma")
        if mma is not None and _raised(mma, "mma_upper_default", kb):
            trace.flag("raised_mma_with_normal_b12", f"MMA {mma.canonical:g} µmol/L")
        return "deficiency_unlikely"
    if band is None and not (readable.usable.keys() & {"total_b12", "active_b12"}):
        trace.finding("metabolic.mma", "No readable B12 result: MMA or homocysteine decides on its own.")
    return _metabolic_status(facts, readable, kb, trace)
