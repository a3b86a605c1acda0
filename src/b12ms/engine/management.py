"""Step 9: options to discuss, as the guideline or licence states them, never as instructions."""

from __future__ import annotations

from b12ms.engine.assessment import ManagementItem, Status
from b12ms.engine.normalise import Facts
from b12ms.engine.trace import Trace
from b12ms.knowledge import Knowledge


def management_options(facts: Facts, status: Status, kb: Knowledge, trace: Trace) -> list[ManagementItem]:
    terms = facts.terms
    chosen: list[str] = []
    neuro = bool((facts.symptoms | facts.signs) & kb.with_role("neuro_involvement"))
    on_b12 = bool(terms & kb.with_role("b12_treatment"))

    if facts.signs & kb.with_role("red_flag"):
        chosen.append("urgent_review")
    if status == "deficiency_likely":
        if terms & kb.with_role("nitrous_oxide"):
            chosen.append("nitrous_oxide_stop")
        chosen.append("im_hydroxocobalamin_neuro" if neuro else "im_hydroxocobalamin_no_neuro")
        if terms & kb.with_role("malabsorption_cause"):
            chosen.append("oral_malabsorption")
        elif terms & kb.with_role("dietary_cause"):
            chosen.append("oral_dietary")
        if terms & (kb.with_role("metformin") | kb.with_role("acid_suppression")):
            chosen.append("medicine_related")
        pregnant_or_feeding = facts.snapshot.pregnant or facts.snapshot.breastfeeding
        chosen.append("review_pregnancy" if pregnant_or_feeding else "review_after_treatment")
        if trace.has_flag("folic_acid_caution"):
            chosen.append("folic_acid_with_b12")
    elif status in ("indeterminate", "not_interpretable"):
        if neuro:
            chosen.append("indeterminate_do_not_delay")
        if trace.has_flag("folic_acid_caution"):
            chosen.append("folic_acid_with_b12")
    elif status == "deficiency_unlikely" and facts.snapshot.ms in ("diagnosed", "suspected"):
        chosen.append("ms_extra_b12_no_benefit")

    if not on_b12 and (status == "no_result" or trace.next_tests):
        chosen.append("bloods_before_treatment")
    if terms & kb.with_role("metformin"):
        chosen.append("continue_metformin")

    out = []
    for option_id in dict.fromkeys(chosen):
        option = kb.management[option_id]
        text = option.text
        out.append(ManagementItem(id=option.id, text=text, references=list(option.references)))
    return out
