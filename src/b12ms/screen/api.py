"""Typer-free entry points for ``b12ms screen`` and ``b12ms synth`` (the CLI parses, these run).

Both raise only errors of the b12ms tree for user mistakes (InputError / ConfigError, exit 2),
including a missing optional dependency, so the CLI can map them at the edge.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from b12ms.errors import ConfigError

__all__ = ["screen_command", "synth_command"]


def _require(module: str, extra: str) -> None:
    import importlib.util

    if importlib.util.find_spec(module) is None:
        raise ConfigError(f"this command needs {module}: pip install 'b12ms[{extra}]'")


def screen_command(
    *,
    as_of: date,
    out: Path,
    omop: str | Path | None = None,
    omop_url: str | None = None,
    fhir_ndjson: str | Path | None = None,
    labs: str | Path | None = None,
    persons: str | Path | None = None,
    lookback: str = "365d",
    population: str = "ms",
    engine: str = "duckdb",
    spark_master: str | None = None,
    trust_unverified_concepts: bool = False,
    memory_limit: str | None = None,
    on_progress: Any = None,
) -> Any:
    """``b12ms screen SOURCE --as-of DATE --lookback 365d --population ms|all --out DIR [--engine duckdb|spark]``.

    Returns the ScreenResult (``.summary`` is what summary.json holds; ``.files`` the paths written).
    ``on_progress`` receives a ProgressEvent per stage start and end (``progress.rich_progress`` draws them).
    """
    from b12ms.screen.backend import ENGINES

    if engine not in ENGINES:
        raise ConfigError(f"--engine: unknown engine {engine!r} (choose from {', '.join(ENGINES)})")
    if population not in ("ms", "all"):
        raise ConfigError(f"--population: {population!r} must be ms or all")
    _require("ibis", "screen")
    _require("duckdb", "screen")
    if engine == "spark":
        _require("pyspark", "spark")
    from b12ms.screen.run import ScreenOptions, parse_lookback, screen
    from b12ms.screen.sources import source_from_args

    source = source_from_args(omop=omop, omop_url=omop_url, fhir_ndjson=fhir_ndjson, labs=labs, persons=persons)
    options = ScreenOptions(
        as_of=as_of,
        lookback_days=parse_lookback(lookback),
        population=population,  # type: ignore[arg-type]
        engine=engine,
        spark_master=spark_master or "local[1]",
        trust_unverified_concepts=trust_unverified_concepts,
        memory_limit=memory_limit,
    )
    return screen(source, options, Path(out), on_progress=on_progress)


def synth_command(*, persons: int, seed: int, out: Path, output_format: str, on_chunk: Any = None) -> dict[str, Any]:
    """``b12ms synth --persons N --seed S --out DIR --format omop-duckdb|omop-parquet|fhir-ndjson|labs-csv``."""
    _require("duckdb", "screen")
    _require("pyarrow", "screen")
    _require("numpy", "screen")
    from b12ms.screen.synth_write import run_synth

    return run_synth(persons, seed, Path(out), output_format, on_chunk=on_chunk)
