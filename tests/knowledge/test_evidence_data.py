"""The evidence knowledge (claims.toml, forms.toml, references/evidence.toml) loads, validates and
says what the clinical dossier supports."""

from __future__ import annotations

import re
import tomllib
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from b12ms.knowledge import evidence_schema
from b12ms.knowledge.base import Reference
from b12ms.knowledge.evidence_schema import (
    Claim,
    ClaimsFile,
    DoseStatement,
    FormsFile,
    check_evidence,
)

DATA = Path(evidence_schema.__file__).parent / "data"
REFERENCES = DATA / "references"
SEEDS = Path(__file__).resolve().parents[2].parent / "shared" / "seeds"
BALANCED = "000_105db47cc2cbf8e5.txt"
MARKETING = "001_6ba63f71083e4278.txt"

# Ids other people own. Used only while their file does not exist yet, so these tests can run
# before core.toml / nutrition.toml land; once a file exists, its real ids are used instead.
SHARED_IDS = {
    "core.toml": {
        "nice_ng239", "bmj_2024_ng239", "bsh_2014", "mhra_2022_metformin", "smpc_hydroxocobalamin",
        "bnf_hydroxocobalamin", "local_oral_dietary_pathway", "fedosov_2013", "fedosov_2015",
        "synnovis_cb12", "paris_2023_n2o", "li_2020_biotin_aacc", "ologbon_2022", "bnssg_b12",
        "ermens_2003", "cinemre_2015", "wainwright_2015", "egfr_mma_2018", "risch_2015",
        "harrington_2017", "who_anaemia_thresholds", "kumar_2006_copper", "briani_2013_scd",
        "nasgp_ng239", "sps_ng239", "nhs_lothian_refhelp", "exeter_ifab", "li_2020_ms_meta",
        "dardiotis_2017_ms_meta", "wade_2002_cari_loder", "nozari_2019", "ggc_b12_guideline",
        "b12ms_policy",
    },
    "nutrition.toml": {"iom_1998_dri_b12", "efsa_2015_b12", "uk_coma_1991_rni", "usda_sr26", "nih_ods_b12"},
}  # fmt: skip


def _load(path: Path) -> dict[str, Any]:
    with path.open("rb") as handle:
        return tomllib.load(handle)


@pytest.fixture(scope="module")
def claims() -> ClaimsFile:
    return ClaimsFile.model_validate(_load(DATA / "claims.toml"))


@pytest.fixture(scope="module")
def forms() -> FormsFile:
    return FormsFile.model_validate(_load(DATA / "forms.toml"))


@pytest.fixture(scope="module")
def bibliography() -> dict[str, Reference]:
    """Every reference in references/*.toml, keyed by id (duplicates are a separate test)."""
    refs = {}
    for path in sorted(REFERENCES.glob("*.toml")):
        for row in _load(path).get("reference", []):
            ref = Reference.model_validate(row)
            refs[ref.id] = ref
    return refs


@pytest.fixture(scope="module")
def known_ids(bibliography: dict[str, Reference]) -> set[str]:
    ids = set(bibliography)
    for file, fallback in SHARED_IDS.items():
        if not (REFERENCES / file).exists():
            ids |= fallback
    return ids


def _by_id(claims: ClaimsFile) -> dict[str, Claim]:
    return {c.id: c for c in claims.claim}


def _marketing_audits(claims: ClaimsFile) -> list[evidence_schema.CitationAudit]:
    return [a for c in claims.claim if c.seed == MARKETING for a in c.citation_audit]


# --- completeness -----------------------------------------------------------------------------------


def test_every_claim_has_verdict_grade_explanation_and_reference(claims: ClaimsFile) -> None:
    for claim in claims.claim:
        assert claim.verdict, claim.id
        assert claim.grade, claim.id
        assert len(claim.explanation) >= evidence_schema.MIN_EXPLANATION_CHARS, claim.id
        assert claim.references, claim.id


def test_every_reference_and_link_resolves(claims: ClaimsFile, forms: FormsFile, known_ids: set[str]) -> None:
    assert check_evidence(claims, forms, known_ids) == []


def test_reference_ids_are_defined_once_across_all_bibliography_files() -> None:
    ids = [row["id"] for path in REFERENCES.glob("*.toml") for row in _load(path).get("reference", [])]
    assert [i for i, n in Counter(ids).items() if n > 1] == []


def test_evidence_bibliography_does_not_redefine_ids_owned_by_others() -> None:
    mine = {row["id"] for row in _load(REFERENCES / "evidence.toml")["reference"]}
    assert mine & set().union(*SHARED_IDS.values()) == set()


def test_each_seed_article_is_in_the_bibliography_as_a_non_authority(
    claims: ClaimsFile, bibliography: dict[str, Reference]
) -> None:
    seeds = {c.seed for c in claims.claim} - {evidence_schema.GUIDELINE_SEED}
    for seed in seeds:
        ref = bibliography[f"seed_{seed.removesuffix('.txt')}"]
        assert ref.kind == "article"
        assert "not an authority" in ref.what


def test_no_claim_rests_only_on_seed_articles_or_unverified_sources(
    claims: ClaimsFile, bibliography: dict[str, Reference]
) -> None:
    def is_evidence(ref_id: str) -> bool:
        ref = bibliography.get(ref_id)
        return ref is None or (ref.kind != "article" and ref.verified != "unverified")

    weak = [c.id for c in claims.claim if not any(is_evidence(r) for r in c.references)]
    assert weak == []


# --- seeds: counts, order, quotes -------------------------------------------------------------------


def test_each_seed_yields_the_expected_number_of_claims(claims: ClaimsFile) -> None:
    per_seed = Counter(c.seed for c in claims.claim)
    assert per_seed[BALANCED] >= 12
    assert per_seed[MARKETING] >= 22


def test_claims_are_numbered_in_file_order_within_each_seed(claims: ClaimsFile) -> None:
    for seed in {c.seed for c in claims.claim}:
        orders = [c.order for c in claims.claim if c.seed == seed]
        assert orders == list(range(1, len(orders) + 1)), seed


@pytest.mark.skipif(not SEEDS.is_dir(), reason="shared/seeds is not beside the project")
def test_quotes_appear_verbatim_in_their_seed_in_claim_order(claims: ClaimsFile) -> None:
    def normalise(text: str) -> str:
        return re.sub(r"\s+", " ", text).lower()

    for seed in (BALANCED, MARKETING):
        text = normalise((SEEDS / seed).read_text(encoding="utf-8"))
        position = 0
        for claim in sorted((c for c in claims.claim if c.seed == seed), key=lambda c: c.order):
            if claim.quote is None:
                continue
            found = text.find(normalise(claim.quote), position)
            assert found >= 0, f"{claim.id}: quote not found after the previous claim's quote"
            position = found


# --- citation audit -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("author", "allowed"),
    [
        ("Reynolds", {"wrong_source_details"}),
        ("Vrethem", {"wrong_source_details"}),
        ("Scalabrino", {"wrong_source_details", "not_found"}),
        ("Okuda", {"not_found"}),
        ("Kumar", {"topic_mismatch"}),
    ],
)
def test_every_marketing_citation_is_audited(claims: ClaimsFile, author: str, allowed: set[str]) -> None:
    audits = [a for a in _marketing_audits(claims) if a.citation.startswith(author)]
    assert audits, f"no audit of the {author} citation"
    assert {a.status for a in audits} & allowed


@pytest.mark.skipif(not SEEDS.is_dir(), reason="shared/seeds is not beside the project")
def test_audited_citations_are_quoted_as_the_seed_gives_them(claims: ClaimsFile) -> None:
    text = (SEEDS / MARKETING).read_text(encoding="utf-8")
    assert all(a.citation in text for a in _marketing_audits(claims))


def test_vrethem_audit_says_the_paper_argues_against_deficiency(claims: ClaimsFile) -> None:
    vrethem = [a for a in _marketing_audits(claims) if a.citation.startswith("Vrethem")]
    assert "contradicts_claim" in {a.status for a in vrethem}
    assert any("without signs of B12 deficiency" in a.finding for a in vrethem)
    assert all("Mult Scler" in a.actual for a in vrethem)


def test_kumar_audit_names_copper_deficiency(claims: ClaimsFile) -> None:
    (kumar,) = [a for a in _marketing_audits(claims) if a.citation.startswith("Kumar")]
    assert "Copper deficiency myelopathy" in kumar.actual


# --- conflicts ----------------------------------------------------------------------------------------


def test_conflicts_link_the_two_seeds_both_ways(claims: ClaimsFile) -> None:
    by_id = _by_id(claims)
    pairs = [(c, by_id[o]) for c in claims.claim for o in c.conflicts_with]
    assert len(pairs) >= 10
    for claim, other in pairs:
        assert claim.id in other.conflicts_with
        assert {claim.seed, other.seed} == {BALANCED, MARKETING}


def test_marketing_low_b12_claim_is_linked_to_the_balanced_no_difference_claim(claims: ClaimsFile) -> None:
    assert "s000_no_difference_in_serum_b12" in _by_id(claims)["s001_low_b12_in_ms"].conflicts_with


# --- verdicts the dossier pins -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("claim_id", "verdicts", "grade"),
    [
        ("s000_symptom_overlap", {"supported"}, "high"),
        ("s001_symptom_overlap", {"supported"}, "high"),
        ("s001_low_b12_in_ms", {"contradicted", "not_supported"}, "moderate"),
        ("s001_sublingual_better", {"not_supported"}, None),
        ("s001_methylcobalamin_superior", {"insufficient_evidence"}, "low"),
        ("s000_methylcobalamin_preferred", {"insufficient_evidence"}, "low"),
        ("s001_morning_dosing", {"insufficient_evidence"}, "very_low"),
        ("gl_b12_slows_ms", {"not_supported"}, "very_low"),
        ("s001_fatigue_studies", {"not_supported", "insufficient_evidence"}, "very_low"),
        ("s001_patients_report_improvement", {"insufficient_evidence", "not_supported"}, "very_low"),
        ("gl_ms_does_not_lower_b12", {"supported"}, "moderate"),
    ],
)
def test_verdict_matches_the_dossier(claims: ClaimsFile, claim_id: str, verdicts: set[str], grade: str | None) -> None:
    claim = _by_id(claims)[claim_id]
    assert claim.verdict in verdicts
    assert grade is None or claim.grade == grade


def test_claims_built_on_product_policy_say_so(claims: ClaimsFile) -> None:
    for claim in claims.claim:
        if "b12ms_policy" in claim.references:
            assert claim.beyond_guideline, claim.id
            assert "product policy" in claim.explanation, claim.id


def test_the_seed_article_is_never_cited_as_evidence_for_a_claim(claims: ClaimsFile) -> None:
    assert not [c.id for c in claims.claim if any(r.startswith("seed_") for r in c.references)]


# --- forms, routes, safety ----------------------------------------------------------------------------


def test_forms_include_the_four_cobalamins(forms: FormsFile) -> None:
    assert {f.id for f in forms.form} >= {
        "cyanocobalamin",
        "methylcobalamin",
        "hydroxocobalamin",
        "adenosylcobalamin",
    }


def test_every_form_shows_the_marketing_dose_as_a_seed_claim(forms: FormsFile) -> None:
    for form in forms.form:
        assert form.seed_doses, form.id
        for dose in form.seed_doses:
            assert (dose.source, dose.seed, dose.claim) == ("seed_claim", MARKETING, "s001_dose_table")


def test_hydroxocobalamin_regimens_come_from_the_bnf_and_licence(forms: FormsFile) -> None:
    (hydroxo,) = [f for f in forms.form if f.id == "hydroxocobalamin"]
    indications = " ".join(r.indication for r in hydroxo.regimens)
    assert "without neurological involvement" in indications
    assert "with neurological involvement" in indications
    assert all(r.basis in {"guideline", "licence"} for r in hydroxo.regimens)
    assert any("smpc_hydroxocobalamin" in r.references for r in hydroxo.regimens)


def test_routes_cover_oral_sublingual_injection_and_diet(forms: FormsFile) -> None:
    assert {r.id for r in forms.route} == {"oral", "sublingual", "intramuscular", "diet"}


def test_oral_route_cites_the_cochrane_review_and_passive_diffusion(forms: FormsFile) -> None:
    (oral,) = [r for r in forms.route if r.id == "oral"]
    assert any("cochrane_2018_oral_vs_im" in p.references for p in oral.evidence)
    assert any("passive diffusion" in p.statement for p in oral.evidence)


def test_safety_facts_cover_the_required_topics(forms: FormsFile) -> None:
    assert {s.topic for s in forms.safety} >= {
        "no_upper_limit",
        "injection_side_effects",
        "folate_masking",
        "hypokalaemia",
        "leber_optic_neuropathy",
        "kidney_disease",
        "acne",
        "biotin_lab_tests",
    }


def test_folate_masking_explains_both_directions(forms: FormsFile) -> None:
    (masking,) = [s for s in forms.safety if s.topic == "folate_masking"]
    assert "folic acid taken without B12" in masking.statement
    assert "10 micrograms" in masking.statement


# --- the models reject bad records ---------------------------------------------------------------------

_VALID_CLAIM: dict[str, Any] = {
    "id": "s000_example",
    "seed": BALANCED,
    "order": 1,
    "topic": "testing",
    "claim": "An example claim long enough to pass.",
    "verdict": "supported",
    "grade": "low",
    "explanation": "An explanation that is long enough to be a real paragraph for a reader, more than eighty.",
    "references": ["nice_ng239"],
}


def test_a_valid_claim_is_accepted() -> None:
    assert Claim.model_validate(_VALID_CLAIM).id == "s000_example"


@pytest.mark.parametrize(
    "change",
    [
        {"explanation": "Too short."},
        {"seed": "seed-000.txt"},
        {"quote": "one two three four five six seven eight nine ten eleven twelve thirteen"},
        {"conflicts_with": ["s000_example"]},
        {"verdict": "probably"},
        {"grade": "medium"},
        {"references": []},
        {"unknown_key": 1},
        {"seed": "guideline", "quote": "a quote"},
    ],
)
def test_an_invalid_claim_is_rejected(change: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        Claim.model_validate(_VALID_CLAIM | change)


def test_a_seed_dose_without_its_claim_is_rejected() -> None:
    with pytest.raises(ValidationError):
        DoseStatement.model_validate(
            {"source": "seed_claim", "route": "oral", "dose": "1 mg", "indication": "claimed",
             "seed": MARKETING, "references": ["seed_001_6ba63f71083e4278"]}
        )  # fmt: skip


def test_check_evidence_names_file_and_entry_for_each_problem() -> None:
    one = Claim.model_validate(_VALID_CLAIM | {"conflicts_with": ["s001_other"], "references": ["nowhere"]})
    other = Claim.model_validate(_VALID_CLAIM | {"id": "s001_other", "seed": MARKETING})
    problems = check_evidence(
        ClaimsFile(claim=(one, other, other)), FormsFile(form=(), route=(), safety=()), {"nice_ng239"}
    )
    assert any("claims.toml: claim 's000_example': reference 'nowhere'" in p for p in problems)
    assert any("does not point back" in p for p in problems)
    assert any("'s001_other' is used 2 times" in p for p in problems)
