"""Builders shared by the history-store tests: real snapshots assessed by the real engine."""

from __future__ import annotations

from datetime import date
from typing import Any

from b12ms import assess, parse_snapshot
from b12ms.engine import Assessment, PatientSnapshot
from b12ms.knowledge import Knowledge

AS_OF = date(2026, 11, 1)


def assessed(kb: Knowledge, data: dict[str, Any], as_of: date = AS_OF) -> tuple[PatientSnapshot, Assessment]:
    """Parse ``data`` as a snapshot and assess it, as the CLI and the web app do."""
    snapshot = parse_snapshot(data)
    return snapshot, assess(snapshot, kb, as_of)


def b12_snapshot(value: float = 240, unit: str = "ng/L", day: str = "2026-10-12", **extra: Any) -> dict[str, Any]:
    """A snapshot with one total B12 result and a folate, plus ``extra`` fields."""
    return {
        "as_of": AS_OF.isoformat(),
        "age": 52,
        "sex": "female",
        "ms": "diagnosed",
        "labs": [
            {"analyte": "total_b12", "value": value, "unit": unit, "date": day, "reference_range": {"low": 197}},
            {"analyte": "folate", "value": 9.1, "unit": "ug/L", "date": day},
        ],
        **extra,
    }
