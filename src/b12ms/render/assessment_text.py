"""Render an Assessment for a terminal (Rich) or as Markdown.

Order follows what a reader needs first: the status in one plain sentence, an urgent banner,
what to do next, flags, options, then the reasons and sources for a clinician.
"""

from __future__ import annotations

from typing import Any

from b12ms.engine.assessment import Assessment, LabReading
from b12ms.knowledge import Knowledge
from b12ms.knowledge.units import pretty_unit
from b12ms.render.labels import analyte_label, reference_line, references_used, term_label

_SEVERITY_STYLE = {"critical": "bold white on red", "warning": "bold yellow", "info": "cyan"}
DISCLAIMER = (
    "b12ms informs a conversation with a clinician; it does not diagnose or prescribe. "
    "Regimens are shown as the guideline or licence states them."
)


def _result_cell(lab: LabReading) -> str:
    if lab.result is not None:
        return lab.result
    text = f"{lab.value:g} {pretty_unit(lab.unit or '')}"
    if lab.canonical_value is not None and lab.unit != lab.canonical_unit:
        text += f"\n= {lab.canonical_value:.4g} {pretty_unit(lab.canonical_unit or '')}"
    return text


def _reading_cell(lab: LabReading) -> str:
    if not lab.used:
        return "not read: " + ", ".join(r.replace("_", " ") for r in lab.not_read_because)
    return lab.band or "used"


def _all_references(a: Assessment) -> list[str]:
    return references_used(
        [f.references for f in a.flags] + [m.references for m in a.management] + [f.references for f in a.findings]
    )


def render_rich(a: Assessment, kb: Knowledge) -> Any:
    """A Rich renderable group for ``Console.print``."""
    from rich.console import Group
    from rich.padding import Padding
    from rich.panel import Panel
    from rich.table import Table
    from rich.text import Text

    parts: list[Any] = []
    wording = kb.status_wording[a.status]
    if a.urgency == "urgent":
        urgent = kb.urgency_wording["urgent"]
        parts.append(Panel(Text(urgent.text), title=urgent.headline.upper(), style="bold white on red"))
    parts.append(Panel(Text(wording.text), title=f"[bold]{wording.headline}[/bold]", title_align="left"))

    summary = Table.grid(padding=(0, 2))
    summary.add_column(style="bold", no_wrap=True)
    summary.add_column()
    summary.add_row("How soon", kb.urgency_wording[a.urgency].headline)
    summary.add_row("Testing", a.testing.indication.replace("_", " "))
    summary.add_row("First tests", " or ".join(analyte_label(kb, t) for t in a.testing.first_tests))
    if a.next_tests:
        summary.add_row("Next tests", ", ".join(analyte_label(kb, t) for t in a.next_tests))
    if a.risk_factors:
        summary.add_row("Risk factors", ", ".join(term_label(kb, r) for r in a.risk_factors))
    if a.missing:
        summary.add_row("Not given", ", ".join(m.replace("_", " ") for m in a.missing))
    parts.append(summary)

    if a.labs:
        labs = Table(title="Results", title_justify="left", expand=False)
        labs.add_column("Test", ratio=3)
        labs.add_column("Date", no_wrap=True, min_width=10)
        labs.add_column("Result", ratio=3)
        labs.add_column("Reading", ratio=3)
        for lab in a.labs:
            labs.add_row(analyte_label(kb, lab.analyte), str(lab.date), _result_cell(lab), _reading_cell(lab))
        parts.append(labs)

    for flag in a.flags:
        title = kb.flags[flag.id].title
        parts.append(Text.assemble((f"[{flag.severity}] {title}", _SEVERITY_STYLE[flag.severity])))
        parts.append(Padding(Text(f"{flag.message} [{', '.join(flag.references)}]"), (0, 0, 0, 2)))

    if a.management:
        parts.append(Text("\nOptions to discuss with your clinician", style="bold underline"))
        for item in a.management:
            line = f"{kb.management[item.id].title}: {item.text} [{', '.join(item.references)}]"
            parts.append(Padding(Text(f"• {line}"), (0, 0, 0, 0)))

    parts.append(Text("\nReasons (for your clinician)", style="bold underline"))
    for finding in a.findings:
        parts.append(Text(f"• {finding.rule}: {finding.message} [{', '.join(finding.references)}]"))
    cb12 = f"{a.cb12.value:+.2f} ({a.cb12.category})" if a.cb12.computable else f"not computed: {a.cb12.reason}"
    parts.append(Text(f"cB12 (research index, not NICE): {cb12}"))

    parts.append(Text("\nReferences", style="bold underline"))
    for ref in _all_references(a):
        parts.append(Text(f"[{ref}] {reference_line(kb, ref)}"))
    v = a.versions
    parts.append(
        Text(
            f"\nb12ms {v.b12ms} · knowledge {v.knowledge} ({v.knowledge_sha256[:12]}) · as of {a.as_of}\n{DISCLAIMER}",
            style="dim",
        )
    )
    return Group(*parts)


def render_markdown(a: Assessment, kb: Knowledge) -> str:
    wording = kb.status_wording[a.status]
    out: list[str] = []
    if a.urgency == "urgent":
        urgent = kb.urgency_wording["urgent"]
        out += [f"> **{urgent.headline.upper()}.** {urgent.text}", ""]
    out += [f"# {wording.headline}", "", wording.text, ""]
    out += [
        f"- **How soon:** {kb.urgency_wording[a.urgency].headline}",
        f"- **Testing:** {a.testing.indication.replace('_', ' ')}; first test "
        + " or ".join(analyte_label(kb, t) for t in a.testing.first_tests),
    ]
    if a.next_tests:
        out.append("- **Next tests:** " + ", ".join(analyte_label(kb, t) for t in a.next_tests))
    if a.risk_factors:
        out.append("- **Risk factors:** " + ", ".join(term_label(kb, r) for r in a.risk_factors))
    if a.missing:
        out.append("- **Not given:** " + ", ".join(m.replace("_", " ") for m in a.missing))
    if a.labs:
        out += [
            "",
            "## Results",
            "",
            "| Test | Date | Value | Converted | Band | Read |",
            "|---|---|---|---|---|---|",
        ]
        for lab in a.labs:
            result = _result_cell(lab).replace("\n", " ")
            out.append(f"| {analyte_label(kb, lab.analyte)} | {lab.date} | {result} | {_reading_cell(lab)} |")
    if a.flags:
        out += ["", "## Flags", ""]
        for flag in a.flags:
            out.append(
                f"- **{flag.severity}: {kb.flags[flag.id].title}.** {flag.message} [{', '.join(flag.references)}]"
            )
    if a.management:
        out += ["", "## Options to discuss with your clinician", ""]
        for item in a.management:
            out.append(f"- **{kb.management[item.id].title}.** {item.text} [{', '.join(item.references)}]")
    out += ["", "## Reasons (for your clinician)", ""]
    for finding in a.findings:
        out.append(f"- `{finding.rule}`: {finding.message} [{', '.join(finding.references)}]")
    cb12 = f"{a.cb12.value:+.2f} ({a.cb12.category})" if a.cb12.computable else f"not computed: {a.cb12.reason}"
    out += [f"- cB12 (research index, not NICE): {cb12}", "", "## References", ""]
    for ref in _all_references(a):
        out.append(f"- [{ref}] {reference_line(kb, ref)}")
    v = a.versions
    out += [
        "",
        f"_b12ms {v.b12ms} · knowledge {v.knowledge} ({v.knowledge_sha256[:12]}) · as of {a.as_of}._",
        "",
        f"_{DISCLAIMER}_",
        "",
    ]
    return "\n".join(out)
