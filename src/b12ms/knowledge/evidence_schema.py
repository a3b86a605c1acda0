"""Evidence records: graded claims, citation audits, supplement forms, routes and safety facts.

Two data files use these models:

``claims.toml`` (:class:`ClaimsFile`)
    :class:`Claim` — one factual claim from a seed article (or one we add, ``seed = "guideline"``),
    paraphrased, with our verdict, the certainty of the evidence behind it (grade), a paragraph a
    patient can read, and bibliography ids. Where the seed cited a source for the claim,
    :class:`CitationAudit` records what that source really is and shows. Claims on which the two
    seeds disagree point at each other (``conflicts_with``) so a reader sees both sides.

``forms.toml`` (:class:`FormsFile`)
    :class:`SupplementForm` — what a cobalamin form is and the evidence on differences, with
    :class:`DoseStatement` rows kept apart by ``source``: doses a seed article *claims* versus
    regimens a guideline or licence states. :class:`Route` — oral, sublingual, injection and diet,
    each point graded as an :class:`EvidencePoint`. :class:`SafetyFact` — one safety topic.

Models check what one record can check alone. :func:`check_evidence` checks what needs both files
and the bibliography (references resolve, links resolve and are symmetric, ids are unique).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from typing import Literal

from pydantic import Field, field_validator, model_validator

from b12ms.knowledge.base import Basis, Id, Record, RefIds

Verdict = Literal["supported", "partly_supported", "insufficient_evidence", "not_supported", "contradicted"]
Grade = Literal["high", "moderate", "low", "very_low"]
"""Certainty of the evidence behind a verdict (GRADE wording)."""
AuditStatus = Literal["verified", "wrong_source_details", "not_found", "topic_mismatch", "contradicts_claim"]
Topic = Literal[
    "b12_biology", "ms_biology", "ms_mimic", "b12_levels_in_ms", "homocysteine_mma", "ms_mechanism",
    "treatment_effect", "causes_of_deficiency", "testing", "forms_and_doses", "routes", "diet", "safety",
    "testimony", "who_should_supplement",
]  # fmt: skip
SafetyTopic = Literal[
    "no_upper_limit", "injection_side_effects", "folate_masking", "hypokalaemia", "leber_optic_neuropathy",
    "kidney_disease", "acne", "biotin_lab_tests", "test_before_treatment",
]  # fmt: skip
RouteName = Literal["oral", "sublingual", "intramuscular", "diet"]

GUIDELINE_SEED = "guideline"
SEED_FILE = re.compile(r"^\d{3}_[0-9a-f]{16}\.txt$")
MIN_EXPLANATION_CHARS = 80
MAX_QUOTE_WORDS = 12
CLAIMS_FILE = "claims.toml"
FORMS_FILE = "forms.toml"


class CitationAudit(Record):
    """What a source cited by a seed really is, and whether it backs the claim."""

    citation: str = Field(min_length=10, description="The citation exactly as the seed gives it")
    status: AuditStatus
    actual: str = Field(min_length=10, description="The real work (or the closest one found)")
    finding: str = Field(min_length=20, description="What the real work shows")
    references: RefIds


class Claim(Record):
    """One claim, graded. ``order`` is its position within its seed (or among guideline claims)."""

    id: Id
    seed: str
    order: int = Field(ge=1)
    topic: Topic
    claim: str = Field(min_length=20, description="Paraphrase in our own words")
    quote: str | None = Field(None, description="Optional short phrase from the seed")
    verdict: Verdict
    grade: Grade
    explanation: str
    references: RefIds
    citation_audit: tuple[CitationAudit, ...] = ()
    conflicts_with: tuple[Id, ...] = ()
    beyond_guideline: bool = Field(
        False, description="True when no guideline states this verdict: it is b12ms's own reading"
    )

    @field_validator("seed")
    @classmethod
    def _seed_is_a_file_or_guideline(cls, value: str) -> str:
        if value != GUIDELINE_SEED and not SEED_FILE.match(value):
            raise ValueError(f"seed {value!r} must be 'guideline' or a file name like 000_<16 hex>.txt")
        return value

    @field_validator("explanation")
    @classmethod
    def _explanation_is_a_paragraph(cls, value: str) -> str:
        if len(value) < MIN_EXPLANATION_CHARS:
            raise ValueError(f"explanation must be at least {MIN_EXPLANATION_CHARS} characters")
        return value

    @field_validator("quote")
    @classmethod
    def _quote_is_short(cls, value: str | None) -> str | None:
        if value is not None and len(value.split()) > MAX_QUOTE_WORDS:
            raise ValueError(f"quote must be at most {MAX_QUOTE_WORDS} words; paraphrase the rest")
        return value

    @model_validator(mode="after")
    def _links_are_sane(self) -> Claim:
        if self.id in self.conflicts_with:
            raise ValueError(f"claim {self.id} cannot conflict with itself")
        if len(set(self.conflicts_with)) != len(self.conflicts_with):
            raise ValueError(f"claim {self.id}: conflicts_with lists an id twice")
        if self.seed == GUIDELINE_SEED and (self.citation_audit or self.quote):
            raise ValueError(f"claim {self.id}: a guideline claim has no seed quote or citation audit")
        return self


class DoseStatement(Record):
    """A dose as a seed *claims* it (``seed_claim``) or as a guideline/licence states it."""

    source: Literal["seed_claim", "guideline"]
    route: RouteName
    dose: str = Field(min_length=3, description="As stated, with units, e.g. '1 mg every 2-3 months'")
    indication: str = Field(min_length=5)
    references: RefIds
    basis: Basis | None = None
    seed: str | None = None
    claim: Id | None = Field(None, description="The claim record that grades a seed dose")
    note: str = ""

    @model_validator(mode="after")
    def _source_fits(self) -> DoseStatement:
        if self.source == "seed_claim":
            if self.seed is None or self.claim is None or self.basis is not None:
                raise ValueError("a seed_claim dose needs seed and claim, and no basis")
            if not SEED_FILE.match(self.seed):
                raise ValueError(f"seed {self.seed!r} is not a seed file name")
        elif self.basis is None or self.seed is not None or self.claim is not None:
            raise ValueError("a guideline dose needs a basis and no seed or claim")
        return self


class EvidencePoint(Record):
    """One statement with its own grade and sources."""

    statement: str = Field(min_length=20)
    grade: Grade
    references: RefIds


class SupplementForm(Record):
    """A cobalamin form: what it is, evidence on differences, seed doses beside guideline regimens."""

    id: Id
    name: str
    what: str = Field(min_length=40)
    evidence: tuple[EvidencePoint, ...] = Field(min_length=1)
    seed_doses: tuple[DoseStatement, ...] = ()
    regimens: tuple[DoseStatement, ...] = ()
    related_claims: tuple[Id, ...] = ()

    @model_validator(mode="after")
    def _doses_are_filed_by_source(self) -> SupplementForm:
        if any(d.source != "seed_claim" for d in self.seed_doses):
            raise ValueError(f"form {self.id}: seed_doses must all be seed_claim")
        if any(d.source != "guideline" for d in self.regimens):
            raise ValueError(f"form {self.id}: regimens must all be guideline")
        return self


class Route(Record):
    """A way of getting B12: the balanced seed's comparison rewritten, then graded points."""

    id: RouteName
    name: str
    seed_summary: str = Field(min_length=40, description="What the seeds say, in our words")
    evidence: tuple[EvidencePoint, ...] = Field(min_length=1)
    who_for: str = Field(min_length=40)
    related_claims: tuple[Id, ...] = ()


class SafetyFact(Record):
    """One safety topic, in words a patient can read."""

    id: Id
    topic: SafetyTopic
    title: str = Field(min_length=5)
    statement: str = Field(min_length=MIN_EXPLANATION_CHARS)
    grade: Grade
    basis: Basis
    references: RefIds
    applies_to: tuple[Id, ...] = Field((), description="Form or route ids")
    related_claims: tuple[Id, ...] = ()


class ClaimsFile(Record):
    claim: tuple[Claim, ...]


class FormsFile(Record):
    form: tuple[SupplementForm, ...]
    route: tuple[Route, ...]
    safety: tuple[SafetyFact, ...]


def _dangling(where: str, ids: Iterable[str], known: set[str], what: str) -> list[str]:
    return [f"{where}: {what} {ref!r} does not resolve" for ref in ids if ref not in known]


def _duplicates(file: str, kind: str, ids: Iterable[str]) -> list[str]:
    return [f"{file}: {kind} id {i!r} is used {n} times" for i, n in Counter(ids).items() if n > 1]


def check_evidence(claims: ClaimsFile, forms: FormsFile, reference_ids: set[str]) -> list[str]:
    """Cross-file problems, one human-readable line each; an empty list means all is well."""
    claim_by_id = {c.id: c for c in claims.claim}
    problems = _duplicates(CLAIMS_FILE, "claim", (c.id for c in claims.claim))
    problems += [
        f"{CLAIMS_FILE}: seed {seed!r} has order {order} more than once"
        for (seed, order), n in Counter((c.seed, c.order) for c in claims.claim).items()
        if n > 1
    ]
    for c in claims.claim:
        where = f"{CLAIMS_FILE}: claim {c.id!r}"
        problems += _dangling(where, c.references, reference_ids, "reference")
        for audit in c.citation_audit:
            problems += _dangling(f"{where} audit", audit.references, reference_ids, "reference")
        problems += _dangling(where, c.conflicts_with, set(claim_by_id), "conflicts_with")
        problems += [
            f"{where}: conflicts_with {other!r} but {other!r} does not point back"
            for other in c.conflicts_with
            if other in claim_by_id and c.id not in claim_by_id[other].conflicts_with
        ]

    entries: list[SupplementForm | Route | SafetyFact] = [*forms.form, *forms.route, *forms.safety]
    problems += _duplicates(FORMS_FILE, "entry", (e.id for e in entries))
    targets: set[str] = {*(f.id for f in forms.form), *(r.id for r in forms.route)}
    for entry in entries:
        where = f"{FORMS_FILE}: {type(entry).__name__} {entry.id!r}"
        problems += _dangling(where, entry.related_claims, set(claim_by_id), "related claim")
        points = entry.evidence if isinstance(entry, SupplementForm | Route) else ()
        for point in points:
            problems += _dangling(where, point.references, reference_ids, "reference")
        if isinstance(entry, SafetyFact):
            problems += _dangling(where, entry.references, reference_ids, "reference")
            problems += _dangling(where, entry.applies_to, targets, "applies_to")
        if isinstance(entry, SupplementForm):
            for dose in (*entry.seed_doses, *entry.regimens):
                problems += _dangling(where, dose.references, reference_ids, "reference")
                graded = claim_by_id.get(dose.claim) if dose.claim else None
                if dose.claim and graded is None:
                    problems.append(f"{where}: dose {dose.dose!r} claim {dose.claim!r} does not resolve")
                elif graded is not None and graded.seed != dose.seed:
                    problems.append(f"{where}: dose {dose.dose!r} seed differs from claim {graded.id!r}")
    return problems
