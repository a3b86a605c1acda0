"""The loaded knowledge: one immutable object the engine reads and every output cites.

Built by :func:`b12ms.knowledge.loader.load_knowledge`; everything here is already validated,
cross-checked and converted into the units the engine works in.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from b12ms.knowledge.base import Reference
from b12ms.knowledge.evidence import Evidence
from b12ms.knowledge.schema import (
    Analyte,
    BandSet,
    Cb12Model,
    Flag,
    ManagementOption,
    Rule,
    Term,
    Threshold,
    VocabularyKind,
    Wording,
)

_SEPARATORS = re.compile(r"[\s\-]+")
_APOSTROPHES = re.compile(r"['’]")


def normalise_term(text: str) -> str:
    """How names are matched: case-insensitive; spaces and hyphens count as ``_``; apostrophes
    are dropped, so "Crohn's disease" finds ``crohns_disease``."""
    return _SEPARATORS.sub("_", _APOSTROPHES.sub("", text.strip().lower())).strip("_")


@dataclass(frozen=True, slots=True)
class UnitFact:
    """One accepted spelling of one analyte's unit, with its conversion factors."""

    analyte: str
    code: str
    family: str
    to_canonical: float
    band_id: str | None
    to_band_unit: float | None


@dataclass(frozen=True)
class Knowledge:
    version: str
    sha256: str
    title: str
    references: Mapping[str, Reference]
    analytes: Mapping[str, Analyte]
    bands: Mapping[str, BandSet]
    thresholds: Mapping[str, Threshold]
    limits: Mapping[str, float]
    terms: Mapping[VocabularyKind, Mapping[str, Term]]
    roles: Mapping[str, str]
    flags: Mapping[str, Flag]
    rules: Mapping[str, Rule]
    management: Mapping[str, ManagementOption]
    cb12: Cb12Model
    dose_units_to_mg: Mapping[str, float]
    status_wording: Mapping[str, Wording]
    urgency_wording: Mapping[str, Wording]
    evidence: Evidence
    _analyte_lookup: Mapping[str, str] = field(default_factory=dict, repr=False)
    _unit_lookup: Mapping[tuple[str, str], UnitFact] = field(default_factory=dict, repr=False)
    _term_lookup: Mapping[VocabularyKind, Mapping[str, str]] = field(default_factory=dict, repr=False)
    _role_members: Mapping[str, frozenset[str]] = field(default_factory=dict, repr=False)

    # --- look-ups used by the engine -----------------------------------------------------------

    def find_analyte(self, name: str) -> str | None:
        """Analyte id for an id, alias or LOINC code (case-insensitive), else None."""
        return self._analyte_lookup.get(normalise_term(name)) or self._analyte_lookup.get(name.strip())

    def unit_fact(self, analyte: str, unit: str) -> UnitFact | None:
        """Conversion facts for ``unit`` as typed (exact spelling first, then case-insensitive)."""
        found = self._unit_lookup.get((analyte, unit.strip()))
        return found or self._unit_lookup.get((analyte, unit.strip().lower()))

    def unit_codes(self, analyte: str) -> list[str]:
        return [u.code for u in self.analytes[analyte].units]

    def find_term(self, kind: VocabularyKind, name: str) -> str | None:
        return self._term_lookup.get(kind, {}).get(normalise_term(name))

    def term_names(self, kind: VocabularyKind) -> list[str]:
        return list(self._term_lookup.get(kind, {}))

    def with_role(self, role: str) -> frozenset[str]:
        """Ids of all vocabulary terms (of any kind) that carry ``role``."""
        return self._role_members.get(role, frozenset())

    def limit(self, threshold_id: str) -> float:
        """A threshold's value in the unit the engine works in (see ``contract.py``)."""
        return self.limits[threshold_id]

    def references_of(self, ids: tuple[str, ...]) -> list[Reference]:
        return [self.references[i] for i in ids]
