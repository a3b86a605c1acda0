"""Specification cases for the screen: one person each, with the answer every engine must give.

``Case(name, person, status, flags, next_tests, findings)``; dates are days before the screening
date. The pure engine checks status, flags and next tests (it has no screening findings); the
DuckDB and Spark screens check all four. Values sit on the knowledge's boundaries on purpose.
"""

from __future__ import annotations

from dataclasses import dataclass

from .cohort import Event, Lab, Person

TB_MASS, TB_MOLAR, HOLOTC, MMA, HCY, FOLATE, MCV, HB, EGFR, IFAB = (
    "2132-9", "14685-2", "72160-5", "13964-2", "13965-9", "2284-8", "787-2", "718-7", "98979-8", "31444-3",
)  # fmt: skip
SAMPLE = 30  # the usual sample: 30 days before the screening date


def tb(value: float, unit: str = "ng/L", day: int = SAMPLE, code: str = TB_MASS) -> Lab:
    return Lab(code, value, unit, day)


def lab(code: str, value: float, unit: str, day: int = SAMPLE, **kw: float) -> Lab:
    return Lab(code, value, unit, day, **kw)  # type: ignore[arg-type]


def drug(term: str, text: str, start: int, end: int | None = None, route: str | None = None) -> Event:
    return Event("drug", term, text, start, end, route)


def condition(term: str, text: str, start: int = 400) -> Event:
    return Event("condition", term, text, start)


@dataclass(frozen=True)
class Case:
    name: str
    labs: tuple[Lab, ...] = ()
    events: tuple[Event, ...] = ()
    status: str = "no_result"
    flags: frozenset[str] = frozenset()
    next_tests: frozenset[str] = frozenset()
    findings: frozenset[str] = frozenset()
    sex: str | None = "female"

    def person(self, pid: int) -> Person:
        return Person(pid, self.sex, self.labs, self.events)


def c(name: str, labs=(), events=(), status="no_result", flags=(), next_tests=(), findings=(), sex="female") -> Case:
    return Case(
        name, tuple(labs), tuple(events), status, frozenset(flags), frozenset(next_tests), frozenset(findings), sex
    )


LOW = {"low_without_treatment"}
IND = {"indeterminate_without_mma"}

CASES = [
    c("179.9 ng/L is low", [tb(179.9)], status="deficiency_likely", findings=LOW),
    c("exactly 180 ng/L is indeterminate", [tb(180)], status="indeterminate", next_tests={"mma"}, findings=IND),
    c("350.1 ng/L is normal", [tb(350.1)], status="deficiency_unlikely"),
    c(
        "0.18 ng/mL is 180 ng/L, indeterminate",
        [tb(0.18, "ng/mL")],
        status="indeterminate",
        next_tests={"mma"},
        findings=IND,
    ),
    c(
        "exactly 133 pmol/L is indeterminate",
        [tb(133, "pmol/L", code=TB_MOLAR)],
        status="indeterminate",
        next_tests={"mma"},
        findings=IND,
    ),
    c("132.9 PMOL/L (any case) is low", [tb(132.9, "PMOL/L", code=TB_MOLAR)], status="deficiency_likely", findings=LOW),
    c(
        "B12 injection 60 days before the sample: not read",
        [tb(150)],
        [drug("b12", "Hydroxocobalamin 1 mg/mL injection", 200, SAMPLE + 60, "IM")],
        status="not_interpretable",
        flags={"sample_after_b12_treatment"},
    ),
    c(
        "oral B12 60 days before the sample: read",
        [tb(150)],
        [drug("b12", "Cyanocobalamin 1000 MCG Oral Tablet", 200, SAMPLE + 60, "oral")],
        status="deficiency_likely",
        findings=LOW,
    ),
    c(
        "B12 started after a low result: treated",
        [tb(150)],
        [drug("b12", "hydroxocobalamin", SAMPLE - 5, None, "IM")],
        status="deficiency_likely",
    ),
    c(
        "biotin still taken: B12 not read",
        [tb(400)],
        [drug("biotin", "Biotin 300 mg capsule", 300)],
        status="not_interpretable",
        flags={"biotin_interference"},
        next_tests={"total_b12"},
        findings={"tested_on_biotin"},
    ),
    c(
        "biotin stopped 3 days before the sample: not read",
        [tb(400)],
        [drug("biotin", "biotin", 300, SAMPLE + 3)],
        status="not_interpretable",
        flags={"biotin_interference"},
        next_tests={"total_b12"},
        findings={"tested_on_biotin"},
    ),
    c(
        "biotin stopped 4 days before the sample: read",
        [tb(400)],
        [drug("biotin", "biotin", 300, SAMPLE + 4)],
        status="deficiency_unlikely",
    ),
    c(
        "pregnant, total B12 only: not read",
        [tb(300)],
        [Event("observation", "pregnancy", "Pregnant", 100)],
        status="not_interpretable",
        flags={"pregnancy"},
        next_tests={"active_b12"},
    ),
    c(
        "a pregnancy record older than 280 days is not current",
        [tb(300)],
        [Event("condition", "pregnancy", "77386006", 300)],
        status="indeterminate",
        next_tests={"mma"},
        findings=IND,
    ),
    c(
        "indeterminate with raised MMA is likely",
        [tb(250), lab(MMA, 0.5, "umol/L")],
        status="deficiency_likely",
        findings=LOW,
    ),
    c(
        "MMA 300 nmol/L is 0.3 µmol/L, raised",
        [tb(250), lab(MMA, 300, "nmol/L")],
        status="deficiency_likely",
        findings=LOW,
    ),
    c(
        "the laboratory's MMA upper limit wins",
        [tb(250), lab(MMA, 0.3, "umol/L", ref_high=0.4)],
        status="deficiency_unlikely",
    ),
    c(
        "eGFR below 30: MMA not read",
        [tb(250), lab(MMA, 0.5, "umol/L"), lab(EGFR, 25, "mL/min/1.73m2")],
        status="indeterminate",
        flags={"renal_impairment"},
    ),
    c(
        "eGFR 45: MMA read with caution",
        [tb(250), lab(MMA, 0.5, "umol/L"), lab(EGFR, 45, "mL/min/{1.73_m2}")],
        status="deficiency_likely",
        flags={"renal_impairment"},
        findings=LOW,
    ),
    c(
        "raised homocysteine with normal folate decides",
        [tb(250), lab(HCY, 20, "umol/L"), lab(FOLATE, 10, "nmol/L")],
        status="deficiency_likely",
        findings=LOW,
    ),
    c(
        "raised homocysteine without folate cannot decide",
        [tb(250), lab(HCY, 20, "umol/L")],
        status="indeterminate",
        flags={"hcy_confounded"},
        next_tests={"mma"},
        findings=IND,
    ),
    c(
        "myeloma: a low total B12 reads as indeterminate",
        [tb(150)],
        [condition("myeloma", "Multiple myeloma")],
        status="indeterminate",
        flags={"spuriously_low_b12"},
        next_tests={"mma"},
        findings=IND,
    ),
    c(
        "liver disease: a normal total B12 reads as indeterminate",
        [tb(400)],
        [condition("liver_disease", "Alcoholic cirrhosis of liver")],
        status="indeterminate",
        flags={"spuriously_high_b12"},
        next_tests={"mma"},
        findings=IND,
    ),
    c(
        "low total with normal active B12 is discordant",
        [tb(150), lab(HOLOTC, 80, "pmol/L")],
        status="indeterminate",
        flags={"discordant_markers"},
        next_tests={"mma"},
        findings=IND,
    ),
    c(
        "intrinsic factor antibodies with a normal total B12",
        [tb(400), Lab(IFAB, None, None, SAMPLE, result="Positive")],
        status="indeterminate",
        flags={"if_antibody_interference"},
        next_tests={"mma"},
        findings=IND,
    ),
    c(
        "metformin and never tested",
        [],
        [drug("metformin", "Metformin 500 MG Oral Tablet", 100)],
        flags={"metformin"},
        findings={"never_tested", "metformin_untested"},
    ),
    c(
        "omeprazole, last tested 500 days ago",
        [tb(300, day=500)],
        [drug("omeprazole", "Omeprazole 20mg", 100)],
        findings={"no_recent_test", "acid_suppression_untested"},
    ),
    c(
        "MCV 101 and Hb 125 g/L in a man",
        [lab(MCV, 101, "fL"), lab(HB, 12.5, "g/dL")],
        flags={"macrocytosis", "anaemia"},
        findings={"never_tested"},
        sex="male",
    ),
    c(
        "folic acid with an indeterminate B12",
        [tb(200)],
        [drug("folic_acid", "Folic acid 5 mg tablet", 50)],
        status="indeterminate",
        flags={"folic_acid_caution"},
        next_tests={"mma"},
        findings=IND,
    ),
    c(
        "bad rows only: unknown unit, implausible value, unknown code",
        [tb(200, "furlongs"), tb(1e7), Lab("XYZ", 200, "ng/L", SAMPLE)],
        findings={"no_recent_test"},
    ),
    c("MMA alone decides", [lab(MMA, 0.5, "umol/L")], status="deficiency_likely", findings={"never_tested", *LOW}),
    c(
        "raised MMA with a normal B12",
        [tb(400), lab(MMA, 0.5, "umol/L")],
        status="deficiency_unlikely",
        flags={"raised_mma_with_normal_b12"},
    ),
    c("same day: the row listed last wins", [tb(150), tb(400)], status="deficiency_unlikely"),
    c("a result after the screening date is not read", [tb(100, day=-3)], findings={"never_tested"}),
]
