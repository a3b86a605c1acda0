"""``summary.html``: one self-contained page a service lead can read (inline SVG charts, no scripts).

Every value placed in the page is escaped; the page is built from the same dictionary as
``summary.json``, plus the knowledge's own words for statuses and flags when the knowledge is given.
"""

from __future__ import annotations

from html import escape
from typing import Any

from b12ms.knowledge import Knowledge

__all__ = ["FINDING_TEXT", "render_summary_html"]

FINDING_TEXT = {
    "never_tested": "No B12 or active B12 result on record at all.",
    "no_recent_test": "Tested before, but no usable B12 result within the lookback window.",
    "indeterminate_without_mma": "B12 indeterminate and no MMA measured to settle it.",
    "low_without_treatment": "B12 deficiency likely and no B12 treatment recorded on or after the result.",
    "tested_on_biotin": "A B12 or folate result taken while on biotin, so it could not be read.",
    "metformin_untested": "Taking metformin and no B12 result within the lookback window.",
    "acid_suppression_untested": "Taking a PPI or H2 blocker and no B12 result within the lookback window.",
}
_COLOURS = {
    "deficiency_likely": "#b2182b",
    "indeterminate": "#ef8a62",
    "deficiency_unlikely": "#4d9221",
    "not_interpretable": "#878787",
    "no_result": "#bababa",
}
_STYLE = """
body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;margin:2rem auto;max-width:60rem;color:#222}
body{line-height:1.45}
h1{font-size:1.6rem;margin-bottom:.2rem}h2{font-size:1.2rem;margin-top:2rem;border-bottom:1px solid #ddd}
.meta{color:#555;font-size:.9rem}.cards{display:flex;gap:1rem;flex-wrap:wrap;margin:1rem 0}
.card{border:1px solid #ddd;border-radius:.4rem;padding:.7rem 1rem;min-width:10rem}
.card b{display:block;font-size:1.6rem}table{border-collapse:collapse;width:100%;font-size:.92rem}
td,th{border-bottom:1px solid #eee;padding:.3rem .5rem;text-align:left}
td.n{text-align:right;font-variant-numeric:tabular-nums}
.note{background:#f7f7f7;border-left:4px solid #999;padding:.6rem 1rem;font-size:.9rem}
"""


def _pct(part: int, whole: int) -> str:
    return f"{100 * part / whole:.1f} %" if whole else "–"


def _bars(rows: list[tuple[str, int, str]], total: int, title: str) -> str:
    """A horizontal bar chart as inline SVG: (label, count, colour) per bar."""
    height, label_w, bar_w = 26, 360, 320
    most = max((n for _, n, _ in rows), default=0) or 1
    parts = [
        f'<svg role="img" aria-label="{escape(title)}" width="{label_w + bar_w + 140}" '
        f'height="{height * len(rows) + 10}" xmlns="http://www.w3.org/2000/svg"><title>{escape(title)}</title>'
    ]
    for i, (label, n, colour) in enumerate(rows):
        y = 5 + i * height
        width = round(bar_w * n / most)
        parts.append(
            f'<text x="{label_w - 8}" y="{y + 17}" text-anchor="end" font-size="13">{escape(label)}</text>'
            f'<rect x="{label_w}" y="{y + 3}" width="{width}" height="{height - 8}" fill="{escape(colour)}"/>'
            f'<text x="{label_w + width + 6}" y="{y + 17}" font-size="13">{n:,} ({escape(_pct(n, total))})</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def _table(header: tuple[str, ...], rows: list[tuple[Any, ...]]) -> str:
    head = "".join(f"<th>{escape(h)}</th>" for h in header)
    body = "".join(
        "<tr>"
        + "".join(f'<td class="n">{c:,}</td>' if isinstance(c, int) else f"<td>{escape(str(c))}</td>" for c in r)
        + "</tr>"
        for r in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _rows_section(rows: dict[str, Any]) -> str:
    out = []
    for table, counts in rows.items():
        excluded = [(reason.replace("_", " "), n) for reason, n in counts["excluded"].items() if n]
        lines = [("read", counts["read"]), ("used", counts["used"]), *((f"excluded: {r}", n) for r, n in excluded)]
        out.append(f"<h3>{escape(table)}</h3>" + _table(("rows", "count"), lines))
    return "".join(out)


def render_summary_html(summary: dict[str, Any], kb: Knowledge | None = None) -> str:
    persons = summary["persons"]
    screened = persons["screened"]
    by_status, by_finding, by_flag = summary["by_status"], summary["by_finding"], summary["by_flag"]

    def status_label(status: str) -> str:
        wording = kb.status_wording.get(status) if kb else None
        return wording.headline if wording else status.replace("_", " ")

    def flag_label(flag: str) -> str:
        found = kb.flags.get(flag) if kb else None
        return found.title if found else flag.replace("_", " ")

    any_finding = sum(1 for n in by_finding.values() if n)
    status_rows = [(status_label(s), n, _COLOURS.get(s, "#888")) for s, n in by_status.items()]
    finding_rows = [(f.replace("_", " "), n, "#2166ac") for f, n in by_finding.items()]
    finding_table = [(f.replace("_", " "), n, FINDING_TEXT.get(f, "")) for f, n in by_finding.items()]
    flag_rows = sorted(((flag_label(f), n, "#762a83") for f, n in by_flag.items() if n), key=lambda r: -r[1])
    versions = summary["versions"]
    source = summary["source"]
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>B12 screening summary — {escape(summary["as_of"])}</title><style>{_STYLE}</style></head>
<body>
<h1>Vitamin B12 screening: who needs a second look</h1>
<p class="meta">As of {escape(summary["as_of"])} · lookback {summary["lookback_days"]:,} days · population:
{escape("people with MS" if summary["population"] == "ms" else "everyone")} · engine {escape(summary["engine"])} ·
source {escape(str(source.get("format")))} ({escape(str(source.get("location")))})</p>
<div class="cards">
<div class="card"><b>{screened:,}</b>people screened</div>
<div class="card"><b>{persons["with_ms"]:,}</b>with MS in the source ({persons["in_source"]:,} people)</div>
<div class="card"><b>{by_status.get("deficiency_likely", 0):,}</b>deficiency likely</div>
<div class="card"><b>{by_finding.get("low_without_treatment", 0):,}</b>likely deficient, no treatment recorded</div>
</div>
<p class="note">This is a screening list to prepare clinical review, not a diagnosis. Each person's status, flags and
suggested next tests come from the same rules as the b12ms assessment (NICE NG239 bands, MMA, confounders); facts
that tables rarely hold — symptoms, signs, diet, supplement doses, nitrous oxide — were not available, so rules that
need them could not fire. {any_finding} of the {len(by_finding)} screening findings occur in this population.</p>
<h2>Status</h2>{_bars(status_rows, screened, "People by B12 status")}
<h2>Screening findings</h2>{_bars(finding_rows, screened, "People by screening finding")}
{_table(("finding", "people", "meaning"), finding_table)}
<h2>Flags</h2>{_bars(flag_rows, screened, "People by flag") if flag_rows else "<p>No flags were raised.</p>"}
<h2>Suggested next tests</h2>
{_table(("test", "people"), [(t.replace("_", " "), n) for t, n in summary["by_next_test"].items()])}
<h2>Data used and excluded</h2>
<p>Every input row is either used or excluded for a stated reason; nothing is dropped silently.</p>
{_rows_section(summary["rows"])}
<h2>Versions</h2>
<p class="meta">b12ms {escape(versions["b12ms"])} · knowledge {escape(versions["knowledge"])}
(sha256 {escape(versions["knowledge_sha256"][:16])}…) · screening codes {escape(versions["screen_codes"])}</p>
</body></html>
"""
