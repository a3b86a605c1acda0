"""Condition → MS status, conditions, symptoms and signs, and pregnancy.

MS is SNOMED CT 24700007 or a subtype (or ICD-10 G35): ``diagnosed``, or ``suspected`` when the
verification status is unconfirmed, provisional or differential. ``verificationStatus`` refuted or
entered-in-error: ignored with a finding. ``clinicalStatus`` inactive or resolved (or an abatement
on or before the assessment date): ignored with a finding. ``remission`` still counts: MS in
remission, like coeliac disease in remission, is still present (product policy, pinned by
``test_ms_in_remission_still_counts``). Other conditions map through the vocabulary's codes
(SNOMED CT, ICD-10 by category), else through their text when it names a vocabulary term exactly.
"""

from __future__ import annotations

from datetime import date
from typing import cast

from fhir.resources.R4B.condition import Condition

from b12ms.fhir.builder import Builder, PregnancyEvidence, codings, concept_text, describe_codes
from b12ms.fhir.dates import day_of
from b12ms.fhir.resources import CONDITION_CLINICAL, CONDITION_VERIFICATION, Located
from b12ms.knowledge.schema import VocabularyKind

__all__ = ["map_condition"]

_TEXT_KINDS: tuple[VocabularyKind, ...] = ("condition", "surgery", "symptom", "sign", "exposure")
_SUSPECTED = frozenset({"unconfirmed", "provisional", "differential"})
_IGNORED_VERIFICATION = frozenset({"refuted", "entered-in-error"})
_NOT_CURRENT = frozenset({"inactive", "resolved"})


def _status(condition: Condition, system: str, field: str) -> str | None:
    concept = getattr(condition, field)
    for coding_system, code, _ in codings(concept):
        if coding_system == system:
            return code
    return None


def _abated_on(condition: Condition) -> date | None:
    if condition.abatementDateTime is not None:
        return day_of(condition.abatementDateTime)
    if condition.abatementPeriod is not None:
        return day_of(condition.abatementPeriod.end or condition.abatementPeriod.start)
    return None


def _onset(condition: Condition) -> tuple[date | None, str]:
    if condition.onsetDateTime is not None:
        return day_of(condition.onsetDateTime), ".onsetDateTime"
    if condition.onsetPeriod is not None and condition.onsetPeriod.start is not None:
        return day_of(condition.onsetPeriod.start), ".onsetPeriod.start"
    if condition.recordedDate is not None:
        return day_of(condition.recordedDate), ".recordedDate"
    return None, ""


def map_condition(located: Located, b: Builder) -> None:
    condition = cast(Condition, located.resource)
    name = concept_text(condition.code) or describe_codes(condition.code)
    verification = _status(condition, CONDITION_VERIFICATION, "verificationStatus")
    if verification in _IGNORED_VERIFICATION:
        b.note("record_status", located, f"condition {name!r} is {verification}; ignored.", at=".verificationStatus")
        return
    clinical = _status(condition, CONDITION_CLINICAL, "clinicalStatus")
    abated = _abated_on(condition)
    if clinical in _NOT_CURRENT or (clinical is None and abated is not None and abated <= b.as_of):
        why = f"clinical status {clinical}" if clinical else f"abated on {abated}"
        b.note(
            "record_status",
            located,
            f"condition {name!r} is not current ({why}); ignored.",
            at=".clinicalStatus" if clinical else ".abatement[x]",
        )
        return
    onset, onset_at = _onset(condition)
    if onset is not None and onset > b.as_of:
        b.note(
            "record_status",
            located,
            f"condition {name!r} starts after the assessment date {b.as_of}; ignored.",
            at=onset_at,
        )
        return
    found = codings(condition.code)
    if any(b.table.is_ms(system, code) for system, code, _ in found):
        b.ms.append(("suspected" if verification in _SUSPECTED else "diagnosed", located))
        return
    if any(b.table.is_pregnancy_condition(system, code) for system, code, _ in found):
        b.pregnancy.append(PregnancyEvidence(onset, True, located, onset_at or ".code"))
        return
    terms = {t for system, code, _ in found if (t := b.table.term(system, code)) is not None}
    terms = {(kind, term) for kind, term in terms if kind in _TEXT_KINDS}
    if not terms:
        text = concept_text(condition.code)
        for kind in _TEXT_KINDS:
            term = b.kb.find_term(kind, text) if text else None
            if term is not None:
                terms = {(kind, term)}
                if found:
                    b.note(
                        "caveat",
                        located,
                        f"code {describe_codes(condition.code)} is not in the code table; "
                        f"recognised by its text {text!r} as {term}.",
                        at=".code",
                    )
                break
    if not terms:
        b.note(
            "unknown_code", located, f"condition {describe_codes(condition.code)} not recognised; not used.", at=".code"
        )
        return
    if verification in _SUSPECTED:
        b.note(
            "caveat", located, f"condition {name!r} is {verification}; counted as present.", at=".verificationStatus"
        )
    if clinical == "remission":
        b.note("caveat", located, f"condition {name!r} is in remission; counted as present.", at=".clinicalStatus")
    for kind, term in sorted(terms):
        b.add_term(kind, term, located)
