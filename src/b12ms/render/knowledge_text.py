"""The knowledge base as a reader sees it: version, hash, bands and thresholds with sources."""

from __future__ import annotations

from typing import Any

from b12ms.knowledge import Knowledge

_COMPARISON = {"lt": "<", "le": "≤", "gt": ">", "ge": "≥"}


def knowledge_summary(kb: Knowledge) -> dict[str, Any]:
    """A JSON-ready summary (also the API's ``GET /api/v1/knowledge``)."""
    return {
        "version": kb.version,
        "sha256": kb.sha256,
        "bands": [b.model_dump(mode="json") for b in kb.bands.values()],
        "thresholds": [t.model_dump(mode="json") for t in kb.thresholds.values()],
        "cb12": kb.cb12.model_dump(mode="json"),
        "analytes": [
            {
                "id": a.id,
                "name": a.name,
                "canonical_unit": a.canonical_unit,
                "units": [u.code for u in a.units],
                "loinc": [c.code for c in a.loinc],
            }
            for a in kb.analytes.values()
        ],
        "references": len(kb.references),
    }


def _rows(kb: Knowledge) -> list[tuple[str, str, str, str, str]]:
    rows: list[tuple[str, str, str, str, str]] = []
    for band in kb.bands.values():
        rows.append(
            (
                band.id,
                f"low < {band.low_below:g}; normal > {band.normal_above:g} {band.unit} (boundaries indeterminate)",
                band.basis,
                ", ".join(band.references),
                band.note,
            )
        )
    for t in kb.thresholds.values():
        rows.append(
            (
                t.id,
                f"{_COMPARISON[t.comparison]} {t.value:g} {t.unit}",
                t.basis,
                ", ".join(t.references),
                t.meaning,
            )
        )
    return rows


def render_knowledge_rich(kb: Knowledge) -> Any:
    from rich.console import Group
    from rich.table import Table
    from rich.text import Text

    table = Table(title="Bands and thresholds", title_justify="left", show_lines=True)
    for column in ("id", "value", "basis", "references", "meaning"):
        table.add_column(column, overflow="fold")
    for row in _rows(kb):
        table.add_row(*row)
    head = Text(f"{kb.title} {kb.version}\nsha256 {kb.sha256}\n{len(kb.references)} references", style="bold")
    return Group(head, table)


def knowledge_markdown(kb: Knowledge) -> str:
    lines = [
        f"# {kb.title} {kb.version}",
        "",
        f"sha256 `{kb.sha256}`",
        "",
        "| id | value | basis | references | meaning |",
        "|---|---|---|---|---|",
    ]
    lines += [f"| {' | '.join(row)} |" for row in _rows(kb)]
    return "\n".join(lines) + "\n"
