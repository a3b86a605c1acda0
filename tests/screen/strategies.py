"""Hypothesis strategies for people as sources hold them: labs in mixed units (with bad rows),
conditions, medicines and supplements as free text, MS and pregnancy records.

Values cluster at the knowledge's boundaries (NICE bands, limits), expressed in every accepted
unit spelling whose factor to the band unit is a power of ten, so boundary values stay exact; other
values are random. Dates cluster around the windows that matter (lookback, treatment windows,
biotin washout). What tables cannot hold (symptoms, signs, diet, doses, nitrous oxide) is never
generated: those facts are unknown to both engines.
"""

from __future__ import annotations

import math
from decimal import Decimal

from hypothesis import strategies as st

from b12ms.knowledge import load_knowledge

from .cohort import LOOKBACK, Cohort, Event, Lab, Person

KB = load_knowledge()


def _loinc(analyte: str) -> list[str]:
    return [c.code for c in KB.analytes[analyte].loinc]


def _spellings(analyte: str) -> list[str]:
    units = KB.analytes[analyte].units
    return sorted({s for u in units for s in (u.code, *u.aliases)} | {u.code.upper() for u in units})


def _exact_units(analyte: str, use_band: bool) -> list[tuple[str, float]]:
    """(spelling, factor to the band or canonical unit) for factors that are powers of ten."""
    out = []
    for spelling in _spellings(analyte):
        fact = KB.unit_fact(analyte, spelling)
        if fact is None:
            continue
        factor = fact.to_band_unit if use_band and fact.to_band_unit is not None else fact.to_canonical
        if factor > 0 and Decimal(repr(factor)).normalize().as_tuple().digits == (1,):
            out.append((spelling, factor))
    return out


def _boundaries(analyte: str) -> list[float]:
    """Interesting values in the band unit (B12 markers) or the working unit (others)."""
    limits = {
        "mma": ["mma_upper_default"],
        "homocysteine": ["homocysteine_upper_default"],
        "folate": ["folate_low_default"],
        "mcv": ["mcv_macrocytosis"],
        "haemoglobin": ["haemoglobin_anaemia_male", "haemoglobin_anaemia_female"],
        "egfr": ["egfr_metabolites_not_read", "egfr_metabolites_caution"],
    }
    if analyte in ("total_b12", "active_b12"):
        points = [p for b in KB.bands.values() if b.analyte == analyte for p in (b.low_below, b.normal_above)]
    else:
        points = [KB.limit(i) for i in limits[analyte]]
    step = {"mma": 0.01}.get(analyte, 0.1)
    return sorted({round(p + d, 4) for p in points for d in (-step, 0, step)})


@st.composite
def quantitative_lab(draw: st.DrawFn, analyte: str) -> Lab:
    use_band = analyte in ("total_b12", "active_b12")
    day = draw(st.sampled_from([0, 1, 10, 30, 100, 364, 365, 366, 500, -3]) | st.integers(0, 120))
    code = draw(st.sampled_from(_loinc(analyte)))
    kind = draw(st.sampled_from(["boundary"] * 4 + ["random"] * 4 + ["bad_unit", "implausible", "missing"]))
    if kind in ("boundary", "random"):
        spelling, factor = draw(st.sampled_from(_exact_units(analyte, use_band)))
        window = KB.analytes[analyte].plausible
        assert window is not None
        if kind == "boundary":
            target = draw(st.sampled_from(_boundaries(analyte)))
        else:
            top = min(window.high, math.sqrt(window.low * window.high) * 5)
            log_value = draw(st.floats(math.log(window.low), math.log(top)))
            target = float(f"{math.exp(log_value):.3g}")
            factor = KB.unit_fact(analyte, spelling).to_canonical  # type: ignore[union-attr]
        value = float(Decimal(repr(target)) / Decimal(repr(factor)))
        ref_high = ref_low = None
        if analyte in ("mma", "homocysteine") and draw(st.booleans()):
            ref_high = float(Decimal(repr(draw(st.sampled_from(_boundaries(analyte))))) / Decimal(repr(factor)))
        if analyte == "folate" and draw(st.booleans()):
            ref_low = float(Decimal(repr(draw(st.sampled_from(_boundaries(analyte))))) / Decimal(repr(factor)))
        if draw(st.integers(0, 20)) == 0:  # a laboratory range the pure engine refuses (low >= high)
            ref_low, ref_high = value, value
        pad = draw(st.sampled_from(["", "", " ", "  "]))
        return Lab(code, value, pad + spelling + pad, day, ref_low=ref_low, ref_high=ref_high)
    if kind == "bad_unit":
        unit = draw(st.sampled_from(["furlongs", "", "mg/dL", "%", None]))
        return Lab(code, draw(st.floats(1, 500).map(lambda v: round(v, 1))), unit, day)
    if kind == "implausible":
        spelling, _ = draw(st.sampled_from(_exact_units(analyte, use_band)))
        return Lab(code, draw(st.sampled_from([1e7, 1e-6, -5.0, float("nan")])), spelling, day)
    return Lab(code, None, draw(st.sampled_from(_spellings(analyte))), day)


@st.composite
def qualitative_lab(draw: st.DrawFn) -> Lab:
    day = draw(st.integers(-2, LOOKBACK + 2))
    result = draw(
        st.sampled_from(["positive", "Positive", "POS", "negative", " Negative ", "not detected", "equivocal"])
    )
    return Lab(draw(st.sampled_from(_loinc("if_antibodies"))), None, None, day, result=result)


ANALYTES = ("total_b12", "active_b12", "mma", "homocysteine", "folate", "mcv", "haemoglobin", "egfr")
lab = st.one_of(
    *(quantitative_lab(a) for a in ANALYTES),
    # B12 markers and MMA more often: they drive most rules
    quantitative_lab("total_b12"),
    quantitative_lab("total_b12"),
    quantitative_lab("active_b12"),
    quantitative_lab("mma"),
    qualitative_lab(),
    st.builds(Lab, st.sampled_from(["12345-6", "XYZ", "2132"]), st.just(200.0), st.just("ng/L"), st.integers(0, 300)),
)

CONDITIONS = ("myeloma", "hiv", "liver_disease", "myeloproliferative_neoplasm", "hypothyroidism", "coeliac_disease")
MEDICINES = ("metformin", "omeprazole", "lansoprazole", "famotidine", "methotrexate", "combined_oral_contraceptive")
SUPPLEMENTS = ("b12", "biotin", "folic_acid", "zinc", "vitamin_d")


def _names(kind: str, term: str) -> list[str]:
    t = KB.terms[kind][term]  # type: ignore[index]
    names = [term.replace("_", " "), *t.aliases]
    return names + [c.partition("|")[2] for c in t.codes if "icd-10" in c]


@st.composite
def event(draw: st.DrawFn) -> Event:
    group = draw(st.sampled_from(["condition", "condition", "drug", "drug", "drug", "ms", "pregnancy", "junk"]))
    start = draw(st.sampled_from([0, 2, 3, 4, 29, 30, 31, 89, 90, 91, 200, 281, 366, 400, -5]) | st.integers(0, 500))
    end = draw(st.none() | st.integers(-30, start + 5))
    if group == "condition":
        term = draw(st.sampled_from(CONDITIONS))
        name = draw(st.sampled_from(_names("condition", term)))
        return Event("condition", term, draw(st.sampled_from([name, name.title(), f"{name} (disorder)"])), start, end)
    if group == "drug":
        kind = draw(st.sampled_from(["medication", "supplement", "supplement"]))
        term = draw(st.sampled_from(MEDICINES if kind == "medication" else SUPPLEMENTS))
        name = draw(st.sampled_from(_names(kind, term)))
        text = draw(st.sampled_from([name, f"{name.title()} 500 MG Oral Tablet", f"{name} 1 mg/mL injection"]))
        route = draw(st.sampled_from([None, "oral", "PO", "sublingual", "IM", "intramuscular", "topical"]))
        return Event("drug", term, text, start, end, route)
    if group == "ms":
        text = draw(st.sampled_from(["Multiple sclerosis", "G35", "24700007", "Relapsing multiple sclerosis"]))
        return Event("condition", "ms", text, start)
    if group == "pregnancy":
        table = draw(st.sampled_from(["condition", "observation"]))
        return Event(table, "pregnancy", draw(st.sampled_from(["Pregnant", "77386006", "Z33.1"])), start)
    return Event(
        draw(st.sampled_from(["condition", "drug"])),
        None,
        draw(st.sampled_from(["Asthma", "Paracetamol 500 mg", "Hypertension"])),
        start,
        end,
    )


@st.composite
def treatment_near(draw: st.DrawFn, lab_day: int) -> Event:
    """B12 or biotin whose last dose falls just inside or outside a window before a sample."""
    term = draw(st.sampled_from(["b12", "biotin"]))
    gap = draw(st.sampled_from([-5, 0, 1, 2, 3, 4, 29, 30, 31, 89, 90, 91]))
    end = lab_day + gap
    start = end + draw(st.sampled_from([0, 1, 30, 100]))
    name = draw(st.sampled_from(_names("supplement", term)))
    route = draw(st.sampled_from([None, "oral", "sublingual", "IM", "intramuscular", "PO"]))
    open_ended = draw(st.integers(0, 5)) == 0
    return Event("drug", term, name, start, None if open_ended else end, route)


@st.composite
def cohorts(draw: st.DrawFn, max_people: int = 20) -> Cohort:
    n = draw(st.integers(1, max_people))
    people = []
    for pid in range(1, n + 1):
        labs = tuple(draw(st.lists(lab, max_size=9)))
        events = tuple(draw(st.lists(event(), max_size=5)))
        if labs and draw(st.booleans()):
            events += (draw(treatment_near(draw(st.sampled_from(labs)).day)),)
        sex = draw(st.sampled_from(["female", "male", None]))
        people.append(Person(pid * 7 + 3, sex, labs, events))
    return Cohort(people)
