"""The pure engine's status, flag and next-test rules as one ibis expression per person.

Each block names the engine function it mirrors (``readability.decide_readability``,
``status.decide_status``, ``flags.other_flags``, ``flags.blood_count_signs``); every number comes
from :class:`~b12ms.screen.lookups.Limits` or the band table. Facts tables cannot hold (symptoms,
signs, diet, nitrous oxide, supplement doses, black family background) are unknown here exactly as
they are unknown to the pure engine when a snapshot omits them, so the rules that need them never
fire: ``neuro_red_flags``, ``nitrous_oxide``, ``higher_b12_black_background`` and
``check_copper`` (see docs/screening.md).

Then the screening findings, which the pure engine does not have (docs/screening.md defines each).
"""

from __future__ import annotations

from typing import Any

import ibis  # type: ignore[import-untyped]

from b12ms.screen.lookups import Limits

__all__ = ["FINDINGS", "FLAGS", "NEXT_TESTS", "STATUSES", "decide"]

STATUSES = ("deficiency_likely", "indeterminate", "deficiency_unlikely", "not_interpretable", "no_result")
FLAGS = (
    "pregnancy",
    "sample_after_b12_treatment",
    "biotin_interference",
    "spuriously_low_b12",
    "spuriously_high_b12",
    "if_antibody_interference",
    "discordant_markers",
    "renal_impairment",
    "hcy_confounded",
    "folic_acid_caution",
    "macrocytosis",
    "anaemia",
    "metformin",
    "raised_mma_with_normal_b12",
)
"""The engine's flags that table data can raise (the others need facts tables do not hold)."""
NEXT_TESTS = ("total_b12", "active_b12", "mma", "folate")
FINDINGS = (
    "never_tested",
    "no_recent_test",
    "indeterminate_without_mma",
    "low_without_treatment",
    "tested_on_biotin",
    "metformin_untested",
    "acid_suppression_untested",
)


def _false(col: Any) -> Any:
    return col.fill_null(False)


def decide(people: Any, limits: Limits) -> Any:
    """``people``: one row per person in the population with the columns of ``labs.latest_wide``,
    ``events.person_events``, ``events.exposure_effects``, ``sex``, ``pregnant`` and ``ever_b12``.
    Returns person_id, status, ``flag_*``, ``next_*`` and ``finding_*`` booleans.

    Built as a chain of small steps, each naming its columns, so a later rule refers to an earlier
    conclusion by name instead of repeating its expression (the SQL stays small).
    """
    p = people
    # --- readability.decide_readability ---------------------------------------------------------
    p = p.mutate(
        tb=p.tb_date.notnull(),
        ab=p.ab_date.notnull(),
        mma=p.mma_date.notnull(),
        hcy=p.hcy_date.notnull(),
        fol=p.fol_date.notnull(),
        egfr=p.egfr_canonical.notnull(),
        is_pregnant=_false(p.pregnant),
    )
    p = p.mutate(
        tb_b12=p.tb & _false(p.tb_after_b12),
        ab_b12=p.ab & _false(p.ab_after_b12),
        tb_bio=p.tb & _false(p.tb_biotin),
        ab_bio=p.ab & _false(p.ab_biotin),
        fol_bio=p.fol & _false(p.fol_biotin),
        metabolites=p.mma | p.hcy,
    )
    p = p.mutate(
        ab_ok=p.ab & ~p.ab_b12 & ~p.ab_bio,
        fol_ok=p.fol & ~p.fol_bio,
        renal_drop=p.egfr & p.metabolites & _false(p.egfr_canonical < limits.egfr_not_read),
        flag_renal=p.egfr
        & p.metabolites
        & _false((p.egfr_canonical < limits.egfr_not_read) | (p.egfr_canonical < limits.egfr_caution)),
    )
    p = p.mutate(flag_preg=p.is_pregnant & ~p.ab_ok, mma_ok=p.mma & ~p.renal_drop, hcy_ok=p.hcy & ~p.renal_drop)
    p = p.mutate(tb_ok=p.tb & ~p.tb_b12 & ~p.tb_bio & ~p.flag_preg)

    # --- status.decide_status: bands, then modifiers -------------------------------------------------
    p = p.mutate(
        any_result=p.tb | p.ab | p.mma | p.hcy,
        any_readable=p.tb_ok | p.ab_ok | p.mma_ok | p.hcy_ok,
        t_band=ibis.cases((p.tb_ok, p.tb_band), else_=ibis.null("string")),
        a_band=ibis.cases((p.ab_ok, p.ab_band), else_=ibis.null("string")),
    )
    p = p.mutate(
        settled=p.any_result & p.any_readable,
        discordant=p.tb_ok
        & p.ab_ok
        & _false(((p.t_band == "low") & (p.a_band == "normal")) | ((p.t_band == "normal") & (p.a_band == "low"))),
    )
    p = p.mutate(band0=ibis.cases((p.discordant, "indeterminate"), (p.ab_ok, p.a_band), else_=p.t_band))
    p = p.mutate(spur_low=_false((p.band0 == "low") & (p.t_band == "low")) & ~p.ab_ok & _false(p.has_spuriously_low))
    p = p.mutate(band1=ibis.cases((p.spur_low, "indeterminate"), else_=p.band0))
    p = p.mutate(spur_high=_false(p.band1 == "normal") & _false(p.has_spuriously_high))
    p = p.mutate(band2=ibis.cases((p.spur_high, "indeterminate"), else_=p.band1))
    p = p.mutate(ifab=_false((p.ifab_result == "positive") & p.t_band.isin(["normal", "indeterminate"])))
    p = p.mutate(band3=ibis.cases((p.ifab & _false(p.band2 == "normal"), "indeterminate"), else_=p.band2))

    # --- status.decide_status: metabolic markers ------------------------------------------------------
    p = p.mutate(
        mma_raised=p.mma_ok & _false(p.mma_canonical > ibis.coalesce(p.mma_ref_high, limits.mma_upper)),
        hcy_raised=p.hcy_ok & _false(p.hcy_canonical > ibis.coalesce(p.hcy_ref_high, limits.homocysteine_upper)),
        folate_low=p.fol_ok & _false(p.fol_canonical < ibis.coalesce(p.fol_ref_low, limits.folate_low)),
        metabolic=p.settled & ~_false(p.band3.isin(["low", "normal"])),
    )
    p = p.mutate(
        confounded=_false(p.has_hcy_confounder)
        | ~p.fol_ok
        | p.folate_low
        | (p.egfr & _false(p.egfr_canonical < limits.egfr_caution)),
    )
    p = p.mutate(hcy_decides=p.metabolic & ~p.mma_ok & p.hcy_raised & ~p.confounded)
    p = p.mutate(
        status=ibis.cases(
            (~p.any_result, "no_result"),
            (~p.any_readable, "not_interpretable"),
            (p.band3 == "low", "deficiency_likely"),
            (p.band3 == "normal", "deficiency_unlikely"),
            (p.mma_ok & p.mma_raised, "deficiency_likely"),
            (p.mma_ok, "deficiency_unlikely"),
            (p.hcy_decides, "deficiency_likely"),
            else_="indeterminate",
        ),
        b12_now=p.tb | p.ab,
        first_result=ibis.least(
            *(
                ibis.cases((ok, d), else_=ibis.null("date"))
                for ok, d in (
                    (p.tb_ok, p.tb_date),
                    (p.ab_ok, p.ab_date),
                    (p.mma_ok, p.mma_date),
                    (p.hcy_ok, p.hcy_date),
                )
            )
        ),
    )

    # --- flags.blood_count_signs and flags.other_flags ----------------------------------------------
    hb_limit = ibis.cases((p.sex == "male", limits.hb_anaemia_male), else_=limits.hb_anaemia_female)
    flags = {
        "pregnancy": p.flag_preg,
        "sample_after_b12_treatment": p.tb_b12 | p.ab_b12,
        "biotin_interference": p.tb_bio | p.ab_bio | p.fol_bio | (~p.any_result & _false(p.biotin_now)),
        "spuriously_low_b12": p.settled & p.spur_low,
        "spuriously_high_b12": p.settled & p.spur_high,
        "if_antibody_interference": p.settled & p.ifab,
        "discordant_markers": p.settled & p.discordant,
        "renal_impairment": p.flag_renal,
        "hcy_confounded": p.metabolic & ~p.mma_ok & p.hcy_raised & p.confounded,
        "folic_acid_caution": (p.status != "deficiency_unlikely") & (_false(p.has_folic_acid) | p.folate_low),
        "macrocytosis": _false(p.mcv_canonical > limits.mcv_macrocytosis),
        "anaemia": _false(p.hb_canonical < hb_limit),
        "metformin": _false(p.has_metformin),
        "raised_mma_with_normal_b12": p.settled & _false(p.band3 == "normal") & p.mma_raised,
    }
    next_tests = {
        "total_b12": p.tb_bio,
        "active_b12": p.ab_bio | p.flag_preg,
        "mma": p.metabolic & ~p.mma_ok & ~p.hcy_decides & ~(p.mma & p.renal_drop),
        "folate": p.fol_bio,
    }

    # --- screening findings --------------------------------------------------------------------------
    ever = _false(p.ever_b12)
    findings = {
        "never_tested": ~ever & ~p.b12_now,
        "no_recent_test": ever & ~p.b12_now,
        "indeterminate_without_mma": (p.status == "indeterminate") & ~p.mma,
        "low_without_treatment": (p.status == "deficiency_likely")
        & ~_false(p.b12_last_end.notnull() & (p.b12_last_end >= p.first_result)),
        "tested_on_biotin": p.tb_bio | p.ab_bio | p.fol_bio,
        "metformin_untested": _false(p.has_metformin) & ~p.b12_now,
        "acid_suppression_untested": _false(p.has_acid_suppression) & ~p.b12_now,
    }
    columns: dict[str, Any] = {"person_id": p.person_id, "status": p.status}
    columns.update({f"flag_{k}": _false(v) for k, v in flags.items()})
    columns.update({f"next_{k}": _false(v) for k, v in next_tests.items()})
    columns.update({f"finding_{k}": _false(v) for k, v in findings.items()})
    return p.select(**columns)
