"""Small lookup tables built from the knowledge base, for joining against whole tables.

Every number the screening rules compare against comes from here, read from the loaded
``Knowledge`` (unit factors, NICE bands, limits, plausibility windows): the rule expressions
never hold a threshold of their own. Tables are built as Arrow tables and registered on the
working backend by :mod:`b12ms.screen.backend`.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from functools import cached_property

import pyarrow as pa  # type: ignore[import-untyped]

from b12ms.knowledge import Knowledge
from b12ms.knowledge.model import normalise_term
from b12ms.screen.codes import ScreenCodes

__all__ = ["EVENT_KINDS", "Limits", "Lookups", "text_key"]

EVENT_KINDS = ("condition", "medication", "supplement")
"""Vocabulary kinds that tables can hold as dated events (besides MS and pregnancy)."""

_WORDS = re.compile(r"[^a-z0-9]+")


def text_key(text: str) -> str:
    """How free text is compared with term names: lower case, no apostrophes, words separated by
    single spaces and padded, so ``' metformin '`` is found inside ``' metformin 500 mg tab '``.
    The SQL twin is :func:`b12ms.screen.readers.common.text_key_expr`."""
    words = _WORDS.sub(" ", re.sub(r"['’]", "", text.strip().lower())).strip()
    return f" {words} " if words else ""


@dataclass(frozen=True)
class Limits:
    """The knowledge's limits in the engine's working units, and the day-based forms of the
    time windows (a window of ``w`` days or ``h`` hours compared on calendar dates)."""

    mma_upper: float
    homocysteine_upper: float
    folate_low: float
    egfr_not_read: float
    egfr_caution: float
    mcv_macrocytosis: float
    hb_anaemia_male: float
    hb_anaemia_female: float
    b12_window_oral_days: int
    b12_window_im_days: int
    biotin_washout_days: int
    pregnancy_recent_days: int

    @classmethod
    def from_knowledge(cls, kb: Knowledge, codes: ScreenCodes) -> Limits:
        # The pure engine compares (sample - last dose).days <= window (days) and
        # days * 24 <= washout (hours); with whole days both are days <= floor(limit).
        return cls(
            mma_upper=kb.limit("mma_upper_default"),
            homocysteine_upper=kb.limit("homocysteine_upper_default"),
            folate_low=kb.limit("folate_low_default"),
            egfr_not_read=kb.limit("egfr_metabolites_not_read"),
            egfr_caution=kb.limit("egfr_metabolites_caution"),
            mcv_macrocytosis=kb.limit("mcv_macrocytosis"),
            hb_anaemia_male=kb.limit("haemoglobin_anaemia_male"),
            hb_anaemia_female=kb.limit("haemoglobin_anaemia_female"),
            b12_window_oral_days=math.floor(kb.limit("b12_treatment_window_oral")),
            b12_window_im_days=math.floor(kb.limit("b12_treatment_window_intramuscular")),
            biotin_washout_days=math.floor(kb.limit("biotin_washout") / 24),
            pregnancy_recent_days=codes.pregnancy.recent_days or 0,
        )


@dataclass(frozen=True)
class Lookups:
    """Arrow tables and id sets the readers and rules join against."""

    kb: Knowledge
    codes: ScreenCodes
    trust_unverified: bool = False

    @cached_property
    def limits(self) -> Limits:
        return Limits.from_knowledge(self.kb, self.codes)

    def role(self, role: str) -> list[str]:
        return sorted(self.kb.with_role(role))

    @cached_property
    def analyte_keys(self) -> pa.Table:
        """``key`` (a name normalised as the pure engine does, or a code) -> ``analyte``."""
        keys: dict[str, str] = {}
        for analyte in self.kb.analytes.values():
            for name in (analyte.id, *analyte.aliases):
                keys[normalise_term(name)] = analyte.id
            for code in (*(c.code for c in analyte.loinc), *analyte.snomed):
                keys[code] = analyte.id
                keys[normalise_term(code)] = analyte.id
        return pa.table({"key": list(keys), "analyte": list(keys.values())})

    @cached_property
    def analyte_facts(self) -> pa.Table:
        """Per analyte: kind and plausibility window (canonical unit; qualitative: 0..0)."""
        rows = []
        for a in self.kb.analytes.values():
            window = a.plausible
            rows.append((a.id, a.kind == "qualitative", window.low if window else 0.0, window.high if window else 0.0))
        names = ["analyte", "qualitative", "plausible_low", "plausible_high"]
        return pa.table({n: [r[i] for r in rows] for i, n in enumerate(names)})

    @cached_property
    def units(self) -> pa.Table:
        """``(analyte, key)`` -> factors, for every spelling the pure engine's unit look-up accepts.

        Keys are each accepted spelling and its lower-case form; the rules look a unit up as typed
        (trimmed) first and lower-cased second, as ``Knowledge.unit_fact`` does. Bands are joined by
        ``band_id`` (empty string: the analyte has no NICE band); no column is ever null, because
        Spark reads a null float in a small table as NaN, which compares above every number.
        """
        cols: dict[str, list[object]] = {k: [] for k in ("analyte", "key", "to_canonical", "band_id", "to_band")}
        for analyte in self.kb.analytes.values():
            if analyte.kind != "quantitative":
                continue
            spellings = {s for u in analyte.units for s in (u.code, *u.aliases)}
            for key in sorted(spellings | {s.lower() for s in spellings}):
                fact = self.kb.unit_fact(analyte.id, key)
                if fact is None:  # pragma: no cover - every listed spelling resolves
                    continue
                cols["analyte"].append(analyte.id)
                cols["key"].append(key)
                cols["to_canonical"].append(float(fact.to_canonical))
                cols["band_id"].append(fact.band_id or "")
                cols["to_band"].append(float(fact.to_band_unit) if fact.to_band_unit is not None else 1.0)
        return pa.table(cols)

    @cached_property
    def bands(self) -> pa.Table:
        bands = list(self.kb.bands.values())
        return pa.table(
            {
                "band_id": [b.id for b in bands],
                "low_below": [float(b.low_below) for b in bands],
                "normal_above": [float(b.normal_above) for b in bands],
            }
        )

    @cached_property
    def results(self) -> pa.Table:
        """Free-text qualitative results -> the knowledge's result values."""
        spellings = {"positive": self.codes.results.positive, "negative": self.codes.results.negative}
        rows = [(s.lower(), value) for value, words in spellings.items() for s in words]
        return pa.table({"text": [r[0] for r in rows], "result": [r[1] for r in rows]})

    @cached_property
    def routes(self) -> pa.Table:
        rows = [(s.lower(), r) for r in ("oral", "sublingual", "intramuscular") for s in getattr(self.codes.routes, r)]
        return pa.table({"text": [r[0] for r in rows], "route": [r[1] for r in rows]})

    def term_names(self, kinds: tuple[str, ...]) -> pa.Table:
        """``name`` (a padded text key) -> ``term``, ``kind`` for text matching.

        Vocabulary terms match by id and aliases (as the pure engine's ``find_term`` does, but
        inside longer text such as "Metformin 500 mg tablet"); kinds ``ms`` and ``pregnancy``
        use the screening code file.
        """
        rows: set[tuple[str, str, str]] = set()
        for kind in kinds:
            if kind in ("ms", "pregnancy"):
                code_set = getattr(self.codes, kind)
                rows.update((text_key(n), kind, kind) for n in code_set.names)
                continue
            for term in self.kb.terms[kind].values():  # type: ignore[index]
                for name in (term.id.replace("_", " "), *term.aliases):
                    if text_key(name):
                        rows.add((text_key(name), term.id, kind))
        ordered = sorted(rows)
        return pa.table(
            {"name": [r[0] for r in ordered], "term": [r[1] for r in ordered], "kind": [r[2] for r in ordered]}
        )

    def term_codes(self, kinds: tuple[str, ...]) -> pa.Table:
        """``(vocabularies, code)`` -> ``term``, ``kind``: codes from the knowledge (ICD-10, RxNorm)
        and the MS and pregnancy code sets. ``system`` is the FHIR system URL, or empty when the
        code set does not name one (matched against any system)."""
        rows: set[tuple[str, str, str, str]] = set()
        for kind in kinds:
            if kind in ("ms", "pregnancy"):
                rows.update(("", c, kind, kind) for c in getattr(self.codes, kind).codes)
                continue
            for term in self.kb.terms[kind].values():  # type: ignore[index]
                for pair in term.codes:
                    system, _, code = pair.partition("|")
                    rows.add((system, code, term.id, kind))
        ordered = sorted(rows)
        return pa.table(
            {
                "system": [r[0] for r in ordered],
                "code": [r[1] for r in ordered],
                "term": [r[2] for r in ordered],
                "kind": [r[3] for r in ordered],
            }
        )

    def omop_vocabularies(self, system: str) -> tuple[str, ...]:
        return self.codes.systems.get(system, ())
