"""Cohort screening: the pure engine's rules over whole tables, on DuckDB (default) or Spark.

Public API (imported lazily: ``import b12ms.screen`` does not load ibis, DuckDB or Spark)::

    from b12ms.screen import screen_command, synth_command, rich_progress
    result = screen_command(omop="omop.duckdb", as_of=date(2026, 6, 1), out=Path("out"))
    result.summary["by_status"]

Lower level: ``screen(source, ScreenOptions(...), out_dir)`` with ``OmopSource``/``FhirSource``/
``LabsSource``; ``run_synth``. See docs/screening.md.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

__all__ = [
    "ENGINES",
    "FORMATS",
    "STAGES",
    "FhirSource",
    "LabsSource",
    "OmopSource",
    "ProgressEvent",
    "ScreenOptions",
    "ScreenResult",
    "parse_lookback",
    "rich_progress",
    "run_synth",
    "screen",
    "screen_command",
    "source_from_args",
    "synth_command",
]

_LAZY = {
    "ENGINES": "b12ms.screen.backend",
    "FORMATS": "b12ms.screen.synth_write",
    "STAGES": "b12ms.screen.progress",
    "ProgressEvent": "b12ms.screen.progress",
    "rich_progress": "b12ms.screen.progress",
    "FhirSource": "b12ms.screen.sources",
    "LabsSource": "b12ms.screen.sources",
    "OmopSource": "b12ms.screen.sources",
    "source_from_args": "b12ms.screen.sources",
    "ScreenOptions": "b12ms.screen.run",
    "ScreenResult": "b12ms.screen.run",
    "parse_lookback": "b12ms.screen.run",
    "screen": "b12ms.screen.run",
    "run_synth": "b12ms.screen.synth_write",
    "screen_command": "b12ms.screen.api",
    "synth_command": "b12ms.screen.api",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'b12ms.screen' has no attribute {name!r}")
