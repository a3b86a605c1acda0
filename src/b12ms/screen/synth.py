"""A synthetic cohort in OMOP CDM shape, deterministic for a seed and fast enough for millions.

People: an MS share (mostly women), ages 18-90, vegans and vegetarians (an OMOP observation; no
rule reads diet). B12 is log-normal around 250 pmol/L with a deficient tail that is heavier for
vegans and metformin users; results are reported in ng/L, pg/mL, pmol/L or ng/mL (spelling
varies). Some B12 tests come with folate, MMA, homocysteine or active B12; blood counts, eGFR and
unrelated tests (sodium, potassium, glucose) are common; people are retested. Medicines and
supplements: metformin, PPIs, high-dose biotin (more often with MS), B12 tablets and injections,
folic acid; conditions: MS, hypothyroidism, liver disease, myeloma and unrelated ones; recent
pregnancies for some women. About 1 % of lab rows are bad (no unit, an unknown unit, a 1000x unit
slip, no value, a local code) and are there to be excluded and counted.

Generation runs in chunks of people, each with its own generator seeded by ``(seed, chunk)``, so
the output depends only on the seed and the number of people. LOINC codes, unit spellings and
conversion factors come from the knowledge base; the distributions are this module's own.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np
import pyarrow as pa  # type: ignore[import-untyped]

from b12ms.knowledge import Knowledge

__all__ = ["MS_TEXTS", "SynthSpec", "synth_chunks"]

EPOCH = date(1970, 1, 1)


@dataclass(frozen=True)
class SynthSpec:
    persons: int
    seed: int
    end_date: date = date(2026, 6, 1)
    ms_share: float = 0.3
    history_days: int = 3 * 365
    chunk_size: int = 250_000


# (term text, route, concept id or 0, share of people, share among people with MS, duration days)
_DRUGS = (
    ("Metformin hydrochloride 500 MG Oral Tablet", "oral", 0, 0.08, 0.08, (180, 2500)),
    ("Omeprazole 20 MG Delayed Release Oral Capsule", "oral", 0, 0.10, 0.10, (30, 1500)),
    ("Lansoprazole 30 MG Oral Capsule", "oral", 0, 0.04, 0.04, (30, 900)),
    ("Biotin 300 MG Oral Capsule", "oral", 0, 0.01, 0.08, (90, 900)),
    ("Hydroxocobalamin 1 MG/ML Injectable Solution", "intramuscular", 1308738, 0.03, 0.04, (90, 1500)),
    ("Cyanocobalamin 1000 MCG Oral Tablet", "oral", 1308738, 0.03, 0.05, (30, 600)),
    ("Folic Acid 5 MG Oral Tablet", "oral", 0, 0.03, 0.03, (30, 400)),
    ("Ibuprofen 400 MG Oral Tablet", "oral", 0, 0.12, 0.12, (5, 60)),
    ("Baclofen 10 MG Oral Tablet", "oral", 0, 0.0, 0.25, (90, 2000)),
)
_CONDITIONS = (
    ("Hypothyroidism", 0.05),
    ("Chronic liver disease", 0.01),
    ("Multiple myeloma", 0.002),
    ("Coeliac disease", 0.01),
    ("Essential hypertension", 0.20),
    ("Asthma", 0.08),
)
MS_TEXTS = ("Multiple sclerosis", "G35", "24700007", "Relapsing remitting multiple sclerosis")
_OTHER_TESTS = ("2951-2", "2823-3", "2345-7")  # sodium, potassium, glucose: not analytes b12ms reads


class _Vocab:
    """Codes, unit spellings and factors taken from the knowledge base."""

    def __init__(self, kb: Knowledge) -> None:
        self.kb = kb

    def loinc(self, analyte: str, prop: str | None = None) -> str:
        codes = [c for c in self.kb.analytes[analyte].loinc if c.emit and (prop is None or c.property == prop)]
        return codes[0].code

    def factor(self, analyte: str, unit: str) -> float:
        fact = self.kb.unit_fact(analyte, unit)
        if fact is None:  # pragma: no cover - the spellings below are all in the knowledge
            raise ValueError(f"{unit} is not a unit of {analyte}")
        return fact.to_canonical


def _lognormal(rng: np.random.Generator, median: float, sigma: float, n: int) -> np.ndarray:
    return np.exp(rng.normal(np.log(median), sigma, n))


class _Rows:
    """Columns of one measurement batch, appended analyte by analyte."""

    def __init__(self) -> None:
        keys = ("person", "day", "code", "value", "unit", "result", "concept", "ref_low", "ref_high")
        self.cols: dict[str, list[np.ndarray]] = {k: [] for k in keys}

    def add(
        self,
        person: np.ndarray,
        day: np.ndarray,
        code: np.ndarray,
        value: np.ndarray,
        unit: np.ndarray,
        result: np.ndarray | None = None,
        concept: int = 0,
        ref_high: np.ndarray | None = None,
    ) -> None:
        n = len(person)
        self.cols["person"].append(person)
        self.cols["day"].append(day)
        self.cols["code"].append(code.astype(object))
        self.cols["value"].append(value.astype(float))
        self.cols["unit"].append(unit.astype(object))
        self.cols["result"].append(result.astype(object) if result is not None else np.full(n, None, dtype=object))
        self.cols["concept"].append(np.full(n, concept, dtype=np.int64))
        self.cols["ref_low"].append(np.full(n, np.nan))
        self.cols["ref_high"].append(ref_high.astype(float) if ref_high is not None else np.full(n, np.nan))

    def stacked(self) -> dict[str, np.ndarray]:
        return {k: np.concatenate(v) if v else np.array([]) for k, v in self.cols.items()}


def _pick(rng: np.random.Generator, options: tuple[Any, ...], weights: tuple[float, ...], n: int) -> np.ndarray:
    p = np.array(weights, dtype=float)
    return np.array(options, dtype=object)[rng.choice(len(options), size=n, p=p / p.sum())]


def _measurements(rng: np.random.Generator, v: _Vocab, pid: np.ndarray, latent: np.ndarray, spec: SynthSpec) -> _Rows:
    rows = _Rows()
    n = len(pid)
    # B12 tests: 15 % never tested, the rest 1 + Poisson(0.9) times (repeat tests).
    tests = np.where(rng.random(n) < 0.15, 0, 1 + rng.poisson(0.9, n))
    who = np.repeat(np.arange(n), tests)
    days = rng.integers(0, spec.history_days, len(who))
    b12_pmol = latent[who] * _lognormal(rng, 1.0, 0.12, len(who))
    unit = _pick(
        rng, ("ng/L", "pg/mL", "pmol/L", "ng/mL", "pmol/l", "pg/ml"), (0.3, 0.2, 0.3, 0.05, 0.08, 0.07), len(who)
    )
    factor = np.array([v.factor("total_b12", u) for u in unit])
    value = b12_pmol / factor
    value = np.where(factor > 10, np.round(value, 3), np.round(value))
    molar = np.isin(unit, ["pmol/L", "pmol/l"])
    code = np.where(molar, v.loinc("total_b12", "molar"), v.loinc("total_b12", "mass"))
    rows.add(pid[who], days, code, value, unit)
    low = latent[who] < 150
    for analyte, share, median_ok, median_low, sigma, units in (
        ("folate", 0.5, 18.0, 14.0, 0.45, (("nmol/L", 0.6), ("ng/mL", 0.4))),
        ("mma", 0.12, 0.18, 0.5, 0.35, (("umol/L", 0.8), ("nmol/L", 0.2))),
        ("homocysteine", 0.08, 10.0, 19.0, 0.3, (("umol/L", 1.0),)),
        ("active_b12", 0.06, 65.0, 22.0, 0.35, (("pmol/L", 1.0),)),
    ):
        with_it = rng.random(len(who)) < share
        m = int(with_it.sum())
        canonical = np.where(low[with_it], _lognormal(rng, median_low, sigma, m), _lognormal(rng, median_ok, sigma, m))
        u = _pick(rng, tuple(x for x, _ in units), tuple(w for _, w in units), m)
        f = np.array([v.factor(analyte, x) for x in u])
        rows.add(
            pid[who][with_it], days[with_it], np.full(m, v.loinc(analyte), dtype=object), np.round(canonical / f, 3), u
        )
    # Blood counts, eGFR and unrelated tests.
    fbc = np.repeat(np.arange(n), rng.poisson(2.2, n))
    fbc_days = rng.integers(0, spec.history_days, len(fbc))
    hb = rng.normal(132, 14, len(fbc)) - np.where(latent[fbc] < 110, 15, 0)
    hb_unit = _pick(rng, ("g/L", "g/dL"), (0.7, 0.3), len(fbc))
    hb_value = np.where(hb_unit == "g/dL", np.round(hb / 10, 1), np.round(hb))
    rows.add(pid[fbc], fbc_days, np.full(len(fbc), "718-7", dtype=object), hb_value, hb_unit, concept=3000963)
    mcv = rng.normal(90, 6, len(fbc)) + np.where(latent[fbc] < 110, 9, 0)
    rows.add(
        pid[fbc],
        fbc_days,
        np.full(len(fbc), "787-2", dtype=object),
        np.round(mcv, 1),
        np.full(len(fbc), "fL", dtype=object),
        concept=3023599,
    )
    renal = np.repeat(np.arange(n), rng.poisson(1.2, n))
    egfr = np.clip(rng.normal(86, 22, len(renal)), 5, 140)
    egfr_unit = _pick(rng, ("mL/min/1.73m2", "mL/min/{1.73_m2}"), (0.7, 0.3), len(renal))
    egfr_code = np.full(len(renal), v.loinc("egfr"), dtype=object)
    rows.add(pid[renal], rng.integers(0, spec.history_days, len(renal)), egfr_code,
             np.round(egfr), egfr_unit)  # fmt: skip
    other = np.repeat(np.arange(n), rng.poisson(1.5, n))
    other_code = _pick(rng, _OTHER_TESTS, (1, 1, 1), len(other))
    rows.add(pid[other], rng.integers(0, spec.history_days, len(other)), other_code,
             np.round(rng.normal(100, 30, len(other)), 1), np.full(len(other), "mmol/L", dtype=object))  # fmt: skip
    ifab = np.flatnonzero(rng.random(n) < 0.01)
    result = _pick(rng, ("Positive", "Negative"), (0.3, 0.7), len(ifab))
    ifab_code = np.full(len(ifab), v.loinc("if_antibodies"), dtype=object)
    rows.add(pid[ifab], rng.integers(0, spec.history_days, len(ifab)), ifab_code,
             np.full(len(ifab), np.nan), np.full(len(ifab), None, dtype=object), result)  # fmt: skip
    return rows


def _spoil(rng: np.random.Generator, cols: dict[str, np.ndarray]) -> None:
    """About 1 % bad rows of five kinds."""
    bad = np.flatnonzero(rng.random(len(cols["value"])) < 0.01)
    kind = rng.integers(0, 5, len(bad))
    cols["unit"][bad[kind == 0]] = None
    cols["unit"][bad[kind == 1]] = "units"
    cols["value"][bad[kind == 2]] *= 1000
    cols["value"][bad[kind == 3]] = np.nan
    cols["code"][bad[kind == 4]] = "LOCAL-B12"


def _events(rng: np.random.Generator, pid: np.ndarray, ms: np.ndarray, female: np.ndarray, age: np.ndarray,
            spec: SynthSpec) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:  # fmt: skip
    n = len(pid)
    drug: dict[str, list[Any]] = {"person": [], "start": [], "end": [], "text": [], "route": [], "concept": []}
    for text, route, concept, share, ms_share, (lo, hi) in _DRUGS:
        who = np.flatnonzero(rng.random(n) < np.where(ms, ms_share, share))
        start = rng.integers(0, 5 * 365, len(who))
        end = start - rng.integers(lo, hi, len(who))  # days before the end date; negative: still going
        for key, value in (("person", pid[who]), ("start", start), ("end", end)):
            drug[key].append(value)
        drug["text"].append(np.full(len(who), text, dtype=object))
        drug["route"].append(np.full(len(who), route, dtype=object))
        drug["concept"].append(np.full(len(who), concept, dtype=np.int64))
    cond: dict[str, list[Any]] = {"person": [], "start": [], "text": []}
    ms_who = np.flatnonzero(ms)
    ms_text = _pick(rng, MS_TEXTS, (4, 3, 2, 1), len(ms_who))
    cond["person"].append(pid[ms_who])
    cond["start"].append(rng.integers(200, 20 * 365, len(ms_who)))
    cond["text"].append(ms_text)
    for text, share in _CONDITIONS:
        who = np.flatnonzero(rng.random(n) < share)
        cond["person"].append(pid[who])
        cond["start"].append(rng.integers(0, 10 * 365, len(who)))
        cond["text"].append(np.full(len(who), text, dtype=object))
    obs: dict[str, list[Any]] = {"person": [], "start": [], "text": []}
    diet = _pick(rng, ("Vegan diet", "Vegetarian diet", None), (0.03, 0.06, 0.91), n)
    has_diet = np.flatnonzero(diet != None)  # noqa: E711 - numpy element-wise comparison
    obs["person"].append(pid[has_diet])
    obs["start"].append(rng.integers(0, 3 * 365, len(has_diet)))
    obs["text"].append(diet[has_diet])
    pregnant = np.flatnonzero(female & (age < 45) & (rng.random(n) < 0.03))
    obs["person"].append(pid[pregnant])
    obs["start"].append(rng.integers(0, 500, len(pregnant)))
    obs["text"].append(np.full(len(pregnant), "Pregnant", dtype=object))
    stack = {
        name: {k: np.concatenate(v) for k, v in d.items()} for name, d in (("drug", drug), ("cond", cond), ("obs", obs))
    }
    return stack["drug"], stack["cond"], stack["obs"]


def _dates(days_before: np.ndarray, end: date) -> pa.Array:
    return pa.array((end - EPOCH).days - days_before.astype(np.int64), pa.int32()).cast(pa.date32())


def synth_chunks(spec: SynthSpec, kb: Knowledge) -> Iterator[dict[str, pa.Table]]:
    """OMOP tables (person, measurement, condition_occurrence, drug_exposure, observation) per chunk."""
    v = _Vocab(kb)
    ids = {"measurement": 0, "condition_occurrence": 0, "drug_exposure": 0, "observation": 0}
    for index, first in enumerate(range(0, spec.persons, spec.chunk_size)):
        rng = np.random.default_rng([spec.seed, index])
        n = min(spec.chunk_size, spec.persons - first)
        pid = np.arange(first + 1, first + n + 1, dtype=np.int64)
        ms = rng.random(n) < spec.ms_share
        female = rng.random(n) < np.where(ms, 0.72, 0.5)
        age = rng.integers(18, 91, n)
        diet_risk = rng.random(n) < 0.09
        tail = rng.random(n) < np.where(diet_risk, 0.2, 0.07)
        latent = np.where(tail, _lognormal(rng, 105, 0.3, n), _lognormal(rng, 250, 0.35, n))
        m = _measurements(rng, v, pid, latent, spec).stacked()
        _spoil(rng, m)
        drug, cond, obs = _events(rng, pid, ms, female, age, spec)

        def next_ids(table: str, count: int) -> pa.Array:
            start = ids[table]
            ids[table] += count
            return pa.array(np.arange(start + 1, start + count + 1, dtype=np.int64))

        value = pa.array(m["value"], pa.float64(), from_pandas=True)
        tables = {
            "person": pa.table({
                "person_id": pid, "gender_concept_id": np.where(female, 8532, 8507).astype(np.int64),
                "year_of_birth": (spec.end_date.year - age).astype(np.int64),
                "race_concept_id": np.zeros(n, np.int64), "ethnicity_concept_id": np.zeros(n, np.int64),
            }),
            "measurement": pa.table({
                "measurement_id": next_ids("measurement", len(value)), "person_id": m["person"],
                "measurement_concept_id": m["concept"], "measurement_date": _dates(m["day"], spec.end_date),
                "measurement_type_concept_id": np.full(len(value), 32856, np.int64), "value_as_number": value,
                "unit_concept_id": np.zeros(len(value), np.int64),
                "unit_source_value": pa.array(m["unit"], pa.string()).dictionary_encode(),
                "measurement_source_value": pa.array(m["code"], pa.string()).dictionary_encode(),
                "value_source_value": pa.array(m["result"], pa.string()).dictionary_encode(),
                "range_low": pa.array(m["ref_low"], pa.float64(), from_pandas=True),
                "range_high": pa.array(m["ref_high"], pa.float64(), from_pandas=True),
            }),
            "condition_occurrence": pa.table({
                "condition_occurrence_id": next_ids("condition_occurrence", len(cond["person"])),
                "person_id": cond["person"], "condition_concept_id": np.zeros(len(cond["person"]), np.int64),
                "condition_start_date": _dates(cond["start"], spec.end_date),
                "condition_end_date": pa.nulls(len(cond["person"]), pa.date32()),
                "condition_type_concept_id": np.full(len(cond["person"]), 32817, np.int64),
                "condition_source_value": pa.array(cond["text"], pa.string()).dictionary_encode(),
            }),
            "drug_exposure": pa.table({
                "drug_exposure_id": next_ids("drug_exposure", len(drug["person"])), "person_id": drug["person"],
                "drug_concept_id": drug["concept"], "drug_exposure_start_date": _dates(drug["start"], spec.end_date),
                "drug_exposure_end_date": _dates(drug["end"], spec.end_date),
                "drug_type_concept_id": np.full(len(drug["person"]), 32838, np.int64),
                "drug_source_value": pa.array(drug["text"], pa.string()).dictionary_encode(),
                "route_source_value": pa.array(drug["route"], pa.string()).dictionary_encode(),
            }),
            "observation": pa.table({
                "observation_id": next_ids("observation", len(obs["person"])), "person_id": obs["person"],
                "observation_concept_id": np.zeros(len(obs["person"]), np.int64),
                "observation_date": _dates(obs["start"], spec.end_date),
                "observation_source_value": pa.array(obs["text"], pa.string()).dictionary_encode(),
            }),
        }  # fmt: skip
        yield tables
