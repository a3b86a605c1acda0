"""Frozen models for the core knowledge: analytes, units, thresholds, vocabularies, rules.

Each model mirrors one table of a data file under ``knowledge/data``. Models check what one
record can check alone (ranges, ordering, id syntax); the loader checks what needs the whole
knowledge (references resolve, units parse, ids are unique).
"""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import Field, model_validator

from b12ms.knowledge.base import Basis, Id, Record, RefIds

Comparison = Literal["lt", "le", "gt", "ge"]
"""How a value is compared with a threshold: ``lt`` means "value < threshold" triggers it."""


class Quantity(Record):
    """A number with its unit (a pint expression from ``units.txt``)."""

    value: float
    unit: str = Field(min_length=1)


class Threshold(Record):
    """One number a rule compares against, with its unit, meaning and source."""

    id: Id
    value: float
    unit: str = Field(min_length=1)
    comparison: Comparison
    meaning: str = Field(min_length=10)
    basis: Basis
    references: RefIds
    reviewed: date
    note: str = ""

    @model_validator(mode="after")
    def _policy_is_explained(self) -> Threshold:
        if self.basis == "product_policy" and not self.note:
            raise ValueError(f"threshold {self.id}: a product_policy number needs a note saying why")
        return self

    def triggered_by(self, value: float) -> bool:
        """True when ``value`` (already in this threshold's unit) meets the comparison."""
        if self.comparison == "lt":
            return value < self.value
        if self.comparison == "le":
            return value <= self.value
        if self.comparison == "gt":
            return value > self.value
        return value >= self.value


class BandSet(Record):
    """NICE-style three bands in one unit: below ``low_below`` is low, above ``normal_above`` normal.

    The boundaries themselves are indeterminate (NICE: "between 180 and 350 ng/L").
    """

    id: Id
    analyte: Id
    unit: str
    low_below: float
    normal_above: float
    basis: Basis
    references: RefIds
    reviewed: date
    note: str = ""

    @model_validator(mode="after")
    def _ordered(self) -> BandSet:
        if not self.low_below < self.normal_above:
            raise ValueError(f"band set {self.id}: low_below must be below normal_above")
        return self


class UnitSpelling(Record):
    """An accepted unit of an analyte: its canonical spelling and the spellings people type."""

    code: str
    aliases: tuple[str, ...] = ()
    pint: str | None = Field(None, description="Expression for the unit registry when code is not one")


class LoincCode(Record):
    code: str = Field(pattern=r"^\d{1,7}-\d$")
    display: str
    property: Literal["mass", "molar", "volume_rate_area", "entitic_volume", "presence", "titre", "other"]
    emit: bool = Field(True, description="False for codes we accept but never write (wrong-but-common)")
    evidence: Literal["verified", "medium", "unverified"]
    note: str = ""


class Plausibility(Record):
    """Data-entry window in the analyte's canonical unit (a heuristic, not a clinical limit)."""

    low: float
    high: float
    references: RefIds
    note: str = Field(min_length=10)

    @model_validator(mode="after")
    def _ordered(self) -> Plausibility:
        if not 0 <= self.low < self.high:
            raise ValueError("plausibility window needs 0 <= low < high")
        return self


class Analyte(Record):
    id: Id
    name: str
    plain_name: str
    kind: Literal["quantitative", "qualitative"]
    aliases: tuple[str, ...] = ()
    canonical_unit: str | None = None
    units: tuple[UnitSpelling, ...] = ()
    molar_mass: Quantity | None = None
    molar_mass_references: tuple[Id, ...] = ()
    plausible: Plausibility | None = None
    results: tuple[str, ...] = Field((), description="Allowed results of a qualitative test")
    loinc: tuple[LoincCode, ...] = ()
    snomed: tuple[str, ...] = ()

    @model_validator(mode="after")
    def _shape_fits_kind(self) -> Analyte:
        if self.kind == "quantitative":
            if not (self.canonical_unit and self.units and self.plausible):
                raise ValueError(f"analyte {self.id}: quantitative needs canonical_unit, units, plausible")
            if self.canonical_unit not in {u.code for u in self.units}:
                raise ValueError(f"analyte {self.id}: canonical_unit must be one of its units")
        elif not self.results:
            raise ValueError(f"analyte {self.id}: qualitative needs results")
        if self.molar_mass is not None and not self.molar_mass_references:
            raise ValueError(f"analyte {self.id}: molar_mass needs molar_mass_references")
        return self


VocabularyKind = Literal["symptom", "sign", "condition", "surgery", "medication", "supplement", "exposure", "diet"]


class Term(Record):
    """One vocabulary entry (a symptom, a medicine, a diet...) with the roles rules look for.

    Rules never list ids in code: they ask for the terms that carry a role, such as
    ``nice_risk_factor`` or ``red_flag``, and the data says which terms carry it.
    """

    id: Id
    label: str = Field(description="Plain-language label for a person")
    clinical: str = Field(description="The clinical term, shown beside the plain label")
    aliases: tuple[str, ...] = ()
    roles: tuple[Id, ...] = ()
    drug_class: Id | None = None
    references: tuple[Id, ...] = ()
    codes: tuple[str, ...] = Field((), description="system|code pairs (SNOMED, ICD-10, RxNorm, dm+d)")


class Flag(Record):
    """A flag the engine can raise; its words and sources live here, not in code."""

    id: Id
    severity: Literal["info", "warning", "critical"]
    title: str
    message: str = Field(min_length=20)
    basis: Basis
    references: RefIds


class Rule(Record):
    """A rule of the engine, so every finding can name the rule and its sources."""

    id: str = Field(pattern=r"^[a-z][a-z0-9_]*(\.[a-z0-9_]+)*$")
    title: str
    summary: str = Field(min_length=20)
    basis: Basis
    references: RefIds


class ManagementOption(Record):
    """An option shown as what a guideline or licence says, never as an instruction."""

    id: Id
    title: str
    text: str = Field(min_length=20)
    basis: Basis
    references: RefIds


class Cb12Category(Record):
    id: Id
    label: str
    lower: float | None = Field(None, description="lower bound (None: no lower bound)")
    upper: float | None = Field(None, description="upper bound (None: no upper bound)")
    lower_inclusive: bool = True
    upper_inclusive: bool = False

    def contains(self, value: float) -> bool:
        if self.lower is not None and (value < self.lower or (value == self.lower and not self.lower_inclusive)):
            return False
        return not (
            self.upper is not None and (value > self.upper or (value == self.upper and not self.upper_inclusive))
        )


class Cb12Model(Record):
    """Fedosov's combined indicator: a research index, not part of NICE NG239."""

    age_numerator: float
    age_scale: float
    age_exponent: float
    units: dict[Id, str]
    categories: tuple[Cb12Category, ...]
    basis: Basis
    references: RefIds
    note: str = Field(min_length=20)


class Wording(Record):
    """The plain-language headline and sentence for one status or urgency value."""

    id: Id
    headline: str
    text: str = Field(min_length=20)
