"""The screening outputs: ``persons.parquet``/``persons.csv``, ``summary.json`` and ``summary.html``.

``persons``: person_id, status, flags, next_tests, findings (``;``-separated ids, in the order
of the knowledge's flag list, the analyte list and ``rules.FINDINGS``; empty when none), as_of.

``summary.json``: versions, options, the person counts by status, flag, next test and finding,
and for each input table the rows read, the rows used and the rows excluded by reason, so that
``read == used + sum(excluded)`` and nothing is dropped silently.
"""

from __future__ import annotations

import json
import time
from datetime import date
from pathlib import Path
from typing import Any

import ibis  # type: ignore[import-untyped]

from b12ms._version import __version__
from b12ms.knowledge import Knowledge
from b12ms.screen.backend import Engine
from b12ms.screen.codes import ScreenCodes
from b12ms.screen.events import EVENT_REASONS
from b12ms.screen.labs import LAB_REASONS
from b12ms.screen.readers.common import Facts
from b12ms.screen.rules import FINDINGS, FLAGS, NEXT_TESTS, STATUSES

__all__ = ["NOT_EXPRESSIBLE_FLAGS", "UNKNOWN_FACTS", "build_summary", "persons_output", "write_outputs"]

NOT_EXPRESSIBLE_FLAGS = ("neuro_red_flags", "nitrous_oxide", "higher_b12_black_background", "check_copper")
UNKNOWN_FACTS = (
    "symptoms",
    "signs",
    "diet",
    "nitrous_oxide",
    "supplement doses",
    "black family background",
    "surgery",
    "pregnancy (unless a recent pregnancy record is present)",
)


def _ordered_flags(kb: Knowledge) -> list[str]:
    return [f for f in kb.flags if f in FLAGS]


def _ordered_tests(kb: Knowledge) -> list[str]:
    return [a for a in kb.analytes if a in NEXT_TESTS]


def _joined(decided: Any, prefix: str, ids: list[str]) -> Any:
    parts = [ibis.cases((decided[f"{prefix}_{i}"], i), else_=ibis.null("string")) for i in ids]
    return ibis.literal(";").join(parts).fill_null("")


def persons_output(decided: Any, as_of: date, kb: Knowledge) -> Any:
    return decided.select(
        person_id=decided.person_id,
        status=decided.status,
        flags=_joined(decided, "flag", _ordered_flags(kb)),
        next_tests=_joined(decided, "next", _ordered_tests(kb)),
        findings=_joined(decided, "finding", list(FINDINGS)),
        as_of=ibis.literal(as_of),
    )


def write_outputs(
    engine: Engine, persons: Any, out_dir: Path, *, summary: dict[str, Any] | None = None, kb: Knowledge | None = None
) -> dict[str, Path]:
    files: dict[str, Path] = {}
    if persons is not None:
        files["persons.parquet"] = out_dir / "persons.parquet"
        files["persons.csv"] = out_dir / "persons.csv"
        engine.write(persons, files["persons.parquet"], files["persons.csv"])
    if summary is not None:
        from b12ms.screen.report_html import render_summary_html

        files["summary.json"] = out_dir / "summary.json"
        files["summary.json"].write_text(json.dumps(summary, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        files["summary.html"] = out_dir / "summary.html"
        files["summary.html"].write_text(render_summary_html(summary, kb), encoding="utf-8")
    return files


def _reason_counts(engine: Engine, table: Any, reasons: tuple[str, ...], group: str | None = None) -> dict[str, Any]:
    keys = [group, "reason"] if group else ["reason"]
    counted = engine.to_arrow(table.group_by(keys).aggregate(n=table.count())).to_pylist()
    out: dict[str, Any] = {}
    for row in counted:
        bucket = out.setdefault(
            row[group] if group else "", {"read": 0, "used": 0, "excluded": dict.fromkeys(reasons, 0)}
        )
        bucket["read"] += row["n"]
        if row["reason"] is None:
            bucket["used"] += row["n"]
        else:
            bucket["excluded"][row["reason"]] = bucket["excluded"].get(row["reason"], 0) + row["n"]
    return out


def _event_rows(events: Any) -> Any:
    """One row per source row: used if any of its event rows is used, else its first reason."""
    ranked = events.mutate(_used=events.reason.isnull())
    per_row = ranked.group_by(["source", "row_id"]).aggregate(used=ranked._used.any(), first_reason=ranked.reason.min())
    return per_row.select(
        source=per_row.source, reason=ibis.cases((per_row.used, ibis.null("string")), else_=per_row.first_reason)
    )


def build_summary(
    engine: Engine,
    kb: Knowledge,
    codes: ScreenCodes,
    source: Any,
    options: Any,
    decided: Any,
    readings: Any,
    events: Any,
    persons: Any,
    facts: Facts,
    started: float,
    timings: dict[str, float],
) -> dict[str, Any]:
    sums = {f"flag_{f}": decided[f"flag_{f}"].sum() for f in FLAGS}
    sums.update({f"next_{t}": decided[f"next_{t}"].sum() for t in NEXT_TESTS})
    sums.update({f"finding_{f}": decided[f"finding_{f}"].sum() for f in FINDINGS})
    totals = engine.to_arrow(decided.aggregate(persons=decided.count(), **sums)).to_pylist()[0]
    statuses = engine.to_arrow(decided.group_by("status").aggregate(n=decided.count())).to_pylist()
    by_status = dict.fromkeys(STATUSES, 0)
    by_status.update({r["status"]: r["n"] for r in statuses})
    persons_total = engine.scalar(persons.count())
    ms_total = engine.scalar(persons.ms.sum())
    labs = _reason_counts(engine, readings, LAB_REASONS).get(
        "", {"read": 0, "used": 0, "excluded": dict.fromkeys(LAB_REASONS, 0)}
    )
    used = readings.filter(readings.reason.isnull())
    used_by_analyte = engine.to_arrow(used.group_by("analyte").aggregate(n=used.count())).to_pylist()
    banded = used.filter(used.band.notnull())
    bands = engine.to_arrow(banded.group_by(["analyte", "band"]).aggregate(n=banded.count())).to_pylist()
    event_counts = _reason_counts(engine, _event_rows(events), EVENT_REASONS, group="source")

    def n(value: Any) -> int:
        return int(value or 0)

    return {
        "versions": {
            "b12ms": __version__,
            "knowledge": kb.version,
            "knowledge_sha256": kb.sha256,
            "screen_codes": codes.version,
        },
        "as_of": options.as_of.isoformat(),
        "lookback_days": options.lookback_days,
        "population": options.population,
        "engine": options.engine,
        "source": source.describe(),
        "persons": {
            "in_source": n(persons_total),
            "with_ms": n(ms_total),
            "screened": n(totals["persons"]),
        },
        "by_status": by_status,
        "by_flag": {f: n(totals[f"flag_{f}"]) for f in FLAGS},
        "by_next_test": {t: n(totals[f"next_{t}"]) for t in NEXT_TESTS},
        "by_finding": {f: n(totals[f"finding_{f}"]) for f in FINDINGS},
        "rows": {
            "labs": labs,
            **dict(sorted(event_counts.items())),
        },
        "labs_used_by_analyte": {r["analyte"]: n(r["n"]) for r in sorted(used_by_analyte, key=lambda r: r["analyte"])},
        "bands_of_used_b12_results": [
            {"analyte": r["analyte"], "band": r["band"], "rows": n(r["n"])}
            for r in sorted(bands, key=lambda r: (r["analyte"], r["band"]))
        ],
        "not_expressible_flags": list(NOT_EXPRESSIBLE_FLAGS),
        "unknown_facts": list(UNKNOWN_FACTS),
        "timings_seconds": {**timings, "total": round(time.perf_counter() - started, 3)},
        "facts": facts.description,
    }
