"""``screen``: the rules over whole tables, from a source to ``persons.parquet``/``.csv`` and a summary.

Stages (each reported to the progress callback): open the source and build the fact tables;
classify event rows and summarise them per person; classify lab rows (conversion, plausibility,
bands, exclusion reasons) and keep the latest reading per analyte; apply the rules; write the
persons files; count everything for ``summary.json`` and ``summary.html``.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, Literal

import ibis  # type: ignore[import-untyped]

from b12ms.errors import ConfigError
from b12ms.knowledge import Knowledge
from b12ms.screen.backend import ENGINES, Engine, duckdb_engine, spark_engine
from b12ms.screen.codes import load_codes
from b12ms.screen.events import classify_events, exposure_effects, person_events
from b12ms.screen.labs import classify_labs, latest_wide
from b12ms.screen.lookups import Lookups
from b12ms.screen.progress import STAGES, ProgressCallback, ProgressEvent
from b12ms.screen.readers.common import Facts
from b12ms.screen.readers.lookup_tables import Registered
from b12ms.screen.rules import FINDINGS, FLAGS, NEXT_TESTS, decide
from b12ms.screen.sources import FhirSource, LabsSource, OmopSource, Source, open_omop_tables

__all__ = ["ScreenOptions", "ScreenResult", "parse_lookback", "screen"]

B12_MARKERS = ("total_b12", "active_b12")  # as engine.readability.B12_MARKERS


@dataclass(frozen=True)
class ScreenOptions:
    as_of: date
    lookback_days: int = 365
    population: Literal["ms", "all"] = "ms"
    engine: str = "duckdb"
    spark_master: str = "local[1]"
    trust_unverified_concepts: bool = False
    memory_limit: str | None = None
    threads: int | None = None

    def check(self) -> None:
        if self.engine not in ENGINES:
            raise ConfigError(f"--engine: unknown engine {self.engine!r} (choose from {', '.join(ENGINES)})")
        if self.population not in ("ms", "all"):
            raise ConfigError(f"--population: {self.population!r} must be ms or all")
        if self.lookback_days < 1:
            raise ConfigError("--lookback must be at least one day")


@dataclass
class ScreenResult:
    out_dir: Path
    summary: dict[str, Any]
    files: dict[str, Path] = field(default_factory=dict)


def parse_lookback(text: str) -> int:
    """``365d``, ``52w``, ``12m`` (30-day months), ``1y`` (365 days) or a bare number of days."""
    import re

    match = re.fullmatch(r"\s*(\d+)\s*([dwmy]?)\s*", text.lower())
    if not match or int(match.group(1)) < 1:
        raise ConfigError(f"--lookback: {text!r} must look like 365d, 52w, 12m or 1y")
    return int(match.group(1)) * {"": 1, "d": 1, "w": 7, "m": 30, "y": 365}[match.group(2)]


class _Stages:
    def __init__(self, callback: ProgressCallback | None) -> None:
        self.callback = callback
        self.timings: dict[str, float] = {}
        self._started = 0.0

    def start(self, stage: str, detail: str = "") -> None:
        self._started = time.perf_counter()
        self._emit(stage, False, detail)

    def done(self, stage: str, detail: str = "") -> None:
        self.timings[stage] = round(time.perf_counter() - self._started, 3)
        self._emit(stage, True, detail)

    def _emit(self, stage: str, finished: bool, detail: str) -> None:
        if self.callback is None:
            return
        index = next(i for i, (s, _) in enumerate(STAGES) if s == stage)
        self.callback(ProgressEvent(stage, STAGES[index][1], index + 1, len(STAGES), finished, detail))


def _open_facts(source: Source, engine: Engine, reg: Registered, spark_session: Any) -> Facts:
    if isinstance(source, OmopSource):
        from b12ms.screen.readers.omop import omop_facts

        return omop_facts(open_omop_tables(engine, source), reg)
    if engine.name == "duckdb":
        return _duckdb_facts(source, engine, reg)
    # FHIR and flat files are parsed by DuckDB; Spark reads the resulting fact tables (Parquet).
    with duckdb_engine() as helper:
        facts = _duckdb_facts(source, helper, Registered(helper, reg.lookups))
        staged = {}
        for name in ("persons", "labs", "events"):
            path = engine.scratch / f"facts_{name}.parquet"
            helper.con.to_parquet(getattr(facts, name), path)
            staged[name] = engine.con.read_parquet(str(path), table_name=engine.unique(name))
    return Facts(
        staged["persons"], staged["labs"], staged["events"], facts.has_persons_table, facts.ms_known, facts.description
    )


def _duckdb_facts(source: FhirSource | LabsSource, engine: Engine, reg: Registered) -> Facts:
    if isinstance(source, FhirSource):
        from b12ms.screen.readers.fhir import fhir_facts

        return fhir_facts(source.directory, engine, reg)
    from b12ms.screen.readers.flat import flat_facts

    return flat_facts(source.labs, source.persons, engine, reg)


def _persons(facts: Facts, person_ev: Any) -> Any:
    p = facts.persons
    p = p.group_by("person_id").aggregate(sex=p.sex.max(), ms=p.ms.max(), pregnant=p.pregnant.max())
    j = p.left_join(person_ev, p.person_id == person_ev.person_id)
    ms = p.ms.fill_null(False) | j.ev_ms.fill_null(False)
    pregnant = ibis.cases(
        (p.pregnant.fill_null(False) | j.ev_pregnant.fill_null(False), True), else_=ibis.null("boolean")
    )
    keep = [c for c in person_ev.columns if c not in ("person_id", "ev_ms", "ev_pregnant")]
    return j.select(person_id=p.person_id, sex=p.sex, ms=ms, pregnant=pregnant, **{c: j[c] for c in keep})


def screen(
    source: Source,
    options: ScreenOptions,
    out_dir: Path,
    *,
    knowledge: Knowledge | None = None,
    on_progress: ProgressCallback | None = None,
    spark_session: Any = None,
) -> ScreenResult:
    """Screen every person in ``source`` as of ``options.as_of`` and write the outputs to ``out_dir``.

    Raises InputError for missing tables, columns or unreadable files and ConfigError for bad
    options; bad rows are excluded and counted, never fatal.
    """
    from b12ms.knowledge import load_knowledge
    from b12ms.screen.summary import build_summary, persons_output, write_outputs

    options.check()
    kb = knowledge or load_knowledge()
    codes = load_codes()
    lookups = Lookups(kb, codes, trust_unverified=options.trust_unverified_concepts)
    stages = _Stages(on_progress)
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise ConfigError(f"--out: cannot create {out_dir}: {error}") from None

    started = time.perf_counter()
    stages.start("open")
    if options.engine == "spark":
        engine = spark_engine(spark_session, master=options.spark_master)
    else:
        engine = duckdb_engine(memory_limit=options.memory_limit, threads=options.threads)
    with engine:
        reg = Registered(engine, lookups)
        facts = _open_facts(source, engine, reg, spark_session)
        if options.population == "ms" and not facts.ms_known:
            raise ConfigError(
                "--population ms needs MS facts: give --persons with an ms column, or use --population all"
            )
        stages.done("open")

        stages.start("events")
        base_persons = facts.persons.select("person_id").distinct()
        events = engine.materialise(
            "events",
            classify_events(
                facts.events, options.as_of, options.lookback_days, lookups.limits.pregnancy_recent_days, base_persons
            ),
        )
        person_ev = engine.materialise("person_events", person_events(events, lookups, options.as_of))
        persons = engine.materialise("persons", _persons(facts, person_ev))
        stages.done("events")

        stages.start("labs")
        in_population = persons.ms if options.population == "ms" else ibis.literal(True)
        population = persons.select(person_id=persons.person_id, in_population=in_population)
        people = persons.filter(persons.ms) if options.population == "ms" else persons
        # The source's lab rows once, as a plain table: the classification reads them twice (distinct
        # units, then every row), which would otherwise repeat the reader's joins.
        lab_rows = engine.materialise("lab_rows", facts.labs)
        readings = engine.materialise(
            "readings", classify_labs(lab_rows, reg, options.as_of, options.lookback_days, population)
        )
        wide = engine.materialise("latest", latest_wide(readings))
        stages.done("labs")

        stages.start("rules")
        markers = readings.filter(
            readings.analyte.isin(B12_MARKERS) & readings.date.notnull() & (readings.date <= options.as_of)
        )
        ever = markers.group_by("person_id").aggregate(ever_b12=markers.analyte.notnull().any())
        effects = exposure_effects(wide.select("person_id", "tb_date", "ab_date", "fol_date"), events, lookups)
        j = people
        for tag, other in (("w", wide), ("x", effects), ("e", ever)):
            keyed = other.rename({f"pid_{tag}": "person_id"})
            j = j.left_join(keyed, people.person_id == keyed[f"pid_{tag}"])
        j = j.select(*(c for c in j.columns if not c.startswith("pid_")))
        decided = engine.materialise("decided", decide(j, lookups.limits))
        stages.done("rules")

        stages.start("write")
        files = write_outputs(engine, persons_output(decided, options.as_of, kb), out_dir)
        stages.done("write")

        stages.start("summary")
        summary = build_summary(
            engine, kb, codes, source, options, decided, readings, events, persons, facts, started, stages.timings
        )
        files.update(write_outputs(engine, None, out_dir, summary=summary, kb=kb))
        stages.done("summary")
    return ScreenResult(out_dir=out_dir, summary=summary, files=files)


__all__ += ["FINDINGS", "FLAGS", "NEXT_TESTS"]
