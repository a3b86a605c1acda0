"""The screening engine's own code maps (``screen/data/codes.toml``), validated on load.

These are facts the knowledge base does not hold yet (MS and pregnancy codes, OMOP concept ids,
result and route spellings). They are identifiers and spellings, never thresholds, with one
exception documented in the file (how recent a pregnancy record must be), which is product policy
waiting to move into ``thresholds.toml``. Unverified concept ids are kept apart so that callers
use them only on purpose (``ScreenOptions.trust_unverified_concepts``).
"""

from __future__ import annotations

import tomllib
from functools import lru_cache
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from b12ms.errors import KnowledgeError

__all__ = ["CODES_FILE", "ConceptEntry", "ScreenCodes", "load_codes"]

CODES_FILE = Path(__file__).parent / "data" / "codes.toml"


class _Record(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)


class ConceptEntry(_Record):
    id: int
    verified: bool
    note: str = Field(min_length=5)


class MeasurementConcept(ConceptEntry):
    loinc: str = Field(pattern=r"^\d{1,7}-\d$")


class DrugConcept(ConceptEntry):
    term: str


class CodeSet(_Record):
    codes: tuple[str, ...]
    names: tuple[str, ...]
    omop_concepts: tuple[ConceptEntry, ...] = ()
    snomed_ancestor: str | None = None
    recent_days: int | None = Field(None, ge=1)


class Routes(_Record):
    oral: tuple[str, ...]
    sublingual: tuple[str, ...]
    intramuscular: tuple[str, ...]


class Results(_Record):
    positive: tuple[str, ...]
    negative: tuple[str, ...]


class ScreenCodes(_Record):
    version: str
    ms: CodeSet
    pregnancy: CodeSet
    omop_measurement: tuple[MeasurementConcept, ...]
    omop_drug: tuple[DrugConcept, ...]
    gender: dict[str, str]
    results: Results
    routes: Routes
    systems: dict[str, tuple[str, ...]]

    def measurement_concepts(self, *, trust_unverified: bool) -> dict[int, str]:
        """OMOP measurement concept id -> LOINC code."""
        return {e.id: e.loinc for e in self.omop_measurement if e.verified or trust_unverified}

    def drug_concepts(self, *, trust_unverified: bool) -> dict[int, str]:
        """OMOP drug ingredient concept id -> vocabulary term id."""
        return {e.id: e.term for e in self.omop_drug if e.verified or trust_unverified}

    def special_concepts(self, kind: str, *, trust_unverified: bool) -> list[int]:
        code_set = self.ms if kind == "ms" else self.pregnancy
        return [e.id for e in code_set.omop_concepts if e.verified or trust_unverified]

    def route_of(self, text: str | None) -> str | None:
        """The route a free-text spelling names (oral, sublingual, intramuscular), else None."""
        if text is None:
            return None
        key = text.strip().lower()
        for route in ("oral", "sublingual", "intramuscular"):
            if key in getattr(self.routes, route):
                return route
        return None


@lru_cache(maxsize=4)
def load_codes(path: Path = CODES_FILE) -> ScreenCodes:
    """Read and validate the code maps; a broken file is a KnowledgeError naming the entry."""
    try:
        with path.open("rb") as handle:
            raw = tomllib.load(handle)
    except FileNotFoundError:
        raise KnowledgeError(f"{path.name}: screening code file is missing") from None
    except tomllib.TOMLDecodeError as error:
        raise KnowledgeError(f"{path.name}: not valid TOML: {error}") from None
    try:
        codes = ScreenCodes.model_validate(raw)
    except ValidationError as error:
        details = "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in error.errors())
        raise KnowledgeError(f"{path.name}: {details}") from None
    if codes.pregnancy.recent_days is None:
        raise KnowledgeError(f"{path.name}: [pregnancy] needs recent_days")
    bad_gender = sorted(v for v in codes.gender.values() if v not in ("male", "female"))
    if bad_gender:
        raise KnowledgeError(f"{path.name}: [gender] values must be male or female, not {bad_gender}")
    return codes
