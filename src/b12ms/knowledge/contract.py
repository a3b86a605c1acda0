"""What the engine needs from the knowledge base, checked when the knowledge loads.

The engine names thresholds, flags, rules, management options and roles by id and never holds
their numbers or words. This table lists every id it uses and, for thresholds, the unit the
engine works in, so a knowledge file that lacks one fails on load with the id named rather
than at the first patient who needs it.
"""

from __future__ import annotations

from types import MappingProxyType

THRESHOLD_WORKING_UNITS = MappingProxyType(
    {
        "mma_upper_default": "umol/L",
        "homocysteine_upper_default": "umol/L",
        "folate_low_default": "nmol/L",
        "egfr_metabolites_not_read": "mL/min/BSA_1_73m2",
        "egfr_metabolites_caution": "mL/min/BSA_1_73m2",
        "mcv_macrocytosis": "fL",
        "haemoglobin_anaemia_male": "g/L",
        "haemoglobin_anaemia_female": "g/L",
        "biotin_interfering_dose": "mg/d",
        "biotin_washout": "h",
        "b12_treatment_window_intramuscular": "d",
        "b12_treatment_window_oral": "d",
        "zinc_copper_risk_dose": "mg/d",
    }
)

REQUIRED_ANALYTES = frozenset(
    {
        "total_b12",
        "active_b12",
        "mma",
        "homocysteine",
        "folate",
        "mcv",
        "haemoglobin",
        "egfr",
        "if_antibodies",
    }
)

REQUIRED_FLAGS = frozenset(
    {
        "neuro_red_flags",
        "pregnancy",
        "sample_after_b12_treatment",
        "biotin_interference",
        "nitrous_oxide",
        "spuriously_low_b12",
        "spuriously_high_b12",
        "if_antibody_interference",
        "discordant_markers",
        "renal_impairment",
        "hcy_confounded",
        "folic_acid_caution",
        "macrocytosis",
        "anaemia",
        "higher_b12_black_background",
        "metformin",
        "check_copper",
        "raised_mma_with_normal_b12",
    }
)

REQUIRED_RULES = frozenset(
    {
        "testing.indication",
        "testing.first_tests",
        "labs.latest",
        "labs.unit",
        "band.total_b12",
        "band.active_b12",
        "band.combined",
        "readability.pregnancy",
        "readability.after_treatment",
        "readability.biotin",
        "readability.renal",
        "modifier.nitrous_oxide",
        "modifier.spuriously_low",
        "modifier.spuriously_high",
        "modifier.if_antibodies",
        "metabolic.mma",
        "metabolic.homocysteine",
        "status.no_result",
        "status.not_interpretable",
        "flags.blood_count",
        "flags.copper",
        "urgency",
        "cb12",
        "input.unknown_term",
        "input.missing",
    }
)

REQUIRED_MANAGEMENT = frozenset(
    {
        "urgent_review",
        "im_hydroxocobalamin_neuro",
        "im_hydroxocobalamin_no_neuro",
        "oral_malabsorption",
        "oral_dietary",
        "nitrous_oxide_stop",
        "medicine_related",
        "continue_metformin",
        "review_after_treatment",
        "review_pregnancy",
        "bloods_before_treatment",
        "indeterminate_do_not_delay",
        "folic_acid_with_b12",
        "ms_extra_b12_no_benefit",
    }
)

REQUIRED_ROLES = frozenset(
    {
        "nice_symptom",
        "neuro_symptom",
        "neuro_involvement",
        "red_flag",
        "myelopathy",
        "nice_risk_factor",
        "malabsorption_cause",
        "dietary_cause",
        "copper_risk",
        "spuriously_low_total_b12",
        "spuriously_high_total_b12",
        "hcy_confounder",
        "metformin",
        "acid_suppression",
        "interfering_biotin",
        "b12_treatment",
        "folic_acid",
        "zinc",
        "nitrous_oxide",
    }
)

REQUIRED_STATUS_WORDING = frozenset(
    {"deficiency_likely", "indeterminate", "deficiency_unlikely", "not_interpretable", "no_result"}
)
REQUIRED_URGENCY_WORDING = frozenset({"urgent", "soon", "routine"})
