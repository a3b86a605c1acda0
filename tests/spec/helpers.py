"""Builders shared by the specification tests (plain functions, usable inside parametrize tables)."""

from __future__ import annotations

import copy
from datetime import date, timedelta
from typing import Any

from b12ms.engine import Assessment

AS_OF = date(2026, 11, 1)
SAMPLE_DAY = date(2026, 10, 1)

BASE: dict[str, Any] = {
    "as_of": AS_OF.isoformat(),
    "age": 40,
    "sex": "female",
    "ms": "diagnosed",
    "pregnant": False,
    "diet": "omnivore",
}


def snapshot_dict(**overrides: Any) -> dict[str, Any]:
    """The minimal base snapshot with ``overrides`` merged in (a value replaces the base value)."""
    data = copy.deepcopy(BASE)
    data.update(copy.deepcopy(overrides))
    return data


def lab(analyte: str, value: float | None, unit: str | None, date: str = SAMPLE_DAY.isoformat(), **kw: Any) -> dict:
    """One lab result as JSON; ``value``/``unit`` of None are left out (qualitative tests use ``result``)."""
    out: dict[str, Any] = {"analyte": analyte, "date": date}
    if value is not None:
        out["value"] = value
    if unit is not None:
        out["unit"] = unit
    out.update(kw)
    return out


def supp(
    name: str,
    dose: float | None = None,
    unit: str = "mg",
    *,
    route: str | None = None,
    started: date | str | None = None,
    last_taken: date | str | None = None,
) -> dict[str, Any]:
    """One supplement entry as JSON."""
    out: dict[str, Any] = {"name": name}
    if dose is not None:
        out["dose_per_day"] = {"value": dose, "unit": unit}
    if route is not None:
        out["route"] = route
    if started is not None:
        out["started"] = str(started)
    if last_taken is not None:
        out["last_taken"] = str(last_taken)
    return out


def days_before_sample(days: int) -> str:
    return (SAMPLE_DAY - timedelta(days=days)).isoformat()


def flag_ids(a: Assessment) -> set[str]:
    return {f.id for f in a.flags}


def management_ids(a: Assessment) -> set[str]:
    return {m.id for m in a.management}


def finding_rules(a: Assessment) -> set[str]:
    return {f.rule for f in a.findings}


def reading(a: Assessment, analyte: str):  # -> LabReading
    """The (single) reading of ``analyte`` in the output."""
    found = [r for r in a.labs if r.analyte == analyte]
    assert len(found) == 1, f"expected one {analyte} reading, got {len(found)}"
    return found[0]
