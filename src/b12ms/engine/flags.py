"""Step 6: flags that do not change the status (blood count, folic acid, metformin, copper...)."""

from __future__ import annotations

from b12ms.engine.assessment import Status
from b12ms.engine.normalise import Facts
from b12ms.engine.readability import Readable, current_high_dose_biotin
from b12ms.engine.status import band_of, folate_is_low
from b12ms.engine.trace import Trace
from b12ms.knowledge import Knowledge


def blood_count_signs(facts: Facts, kb: Knowledge, trace: Trace) -> list[str]:
    """Flag macrocytosis and anaemia from the labs; return them as signs for the testing rule."""
    signs: list[str] = []
    mcv = facts.latest.get("mcv")
    if mcv is not None and mcv.canonical is not None and mcv.canonical > kb.limit("mcv_macrocytosis"):
        trace.flag("macrocytosis", f"MCV {mcv.canonical:g} fL")
        trace.finding("flags.blood_count", f"MCV {mcv.canonical:g} fL is above {kb.limit('mcv_macrocytosis'):g} fL.")
        signs.append("macrocytosis")
    hb = facts.latest.get("haemoglobin")
    if hb is not None and hb.canonical is not None:
        sex = facts.snapshot.sex
        limit_id = "haemoglobin_anaemia_male" if sex == "male" else "haemoglobin_anaemia_female"
        limit = kb.limit(limit_id)
        if sex not in ("male", "female"):
            trace.missing("sex", "Sex not given: the lower (female) anaemia threshold was used.")
        if hb.canonical < limit:
            trace.flag("anaemia", f"haemoglobin {hb.canonical:g} g/L")
            trace.finding("flags.blood_count", f"Haemoglobin {hb.canonical:g} g/L is below {limit:g} g/L.")
            signs.append("anaemia")
    return [s for s in signs if s not in facts.signs]


def other_flags(facts: Facts, readable: Readable, status: Status, kb: Knowledge, trace: Trace) -> None:
    terms = facts.terms
    red_flags = sorted(facts.signs & kb.with_role("red_flag"))
    if red_flags:
        trace.flag("neuro_red_flags", ", ".join(red_flags))

    if terms & kb.with_role("nitrous_oxide"):
        trace.flag("nitrous_oxide")
        for analyte in ("homocysteine", "mma"):
            if analyte not in readable.usable and status in ("not_interpretable", "no_result"):
                trace.next_test(analyte)

    folic = sorted(terms & kb.with_role("folic_acid"))
    if status != "deficiency_unlikely" and (folic or folate_is_low(facts, readable, kb)):
        trace.flag("folic_acid_caution", "folic acid supplement" if folic else "low folate")

    total = readable.usable.get("total_b12")
    if (
        facts.snapshot.black_family_background
        and (facts.symptoms or facts.signs)
        and total is not None
        and band_of(total, kb) != "low"
    ):
        trace.flag("higher_b12_black_background")

    if terms & kb.with_role("metformin"):
        trace.flag("metformin")

    myelopathy = sorted(facts.signs & kb.with_role("myelopathy"))
    copper_surgery = sorted(terms & kb.with_role("copper_risk"))
    zinc_ids = kb.with_role("zinc")
    high_zinc = [
        u
        for u in facts.supplements
        if u.id in zinc_ids and u.dose_mg_per_day is not None and u.dose_mg_per_day >= kb.limit("zinc_copper_risk_dose")
    ]
    reasons = []
    if myelopathy and status == "deficiency_unlikely":
        reasons.append("myelopathy signs with B12 deficiency unlikely")
    if myelopathy and copper_surgery:
        reasons.append(f"myelopathy signs after {', '.join(copper_surgery)}")
    if high_zinc:
        reasons.append(f"zinc {high_zinc[0].dose_mg_per_day:g} mg/day")
    if reasons:
        trace.flag("check_copper", "; ".join(reasons))
        trace.finding("flags.copper", f"Copper deficiency can mimic B12 myelopathy: {'; '.join(reasons)}.")
        trace.next_test("copper")

    if status == "no_result" and current_high_dose_biotin(facts, kb):
        trace.flag("biotin_interference", "before any B12 or folate test")
