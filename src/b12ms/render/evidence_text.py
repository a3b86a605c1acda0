"""Forms, routes and safety facts, and the bibliography, for terminals and Markdown."""

from __future__ import annotations

from typing import Any

from b12ms.claims import GRADE_LABELS
from b12ms.knowledge import Knowledge
from b12ms.knowledge.evidence_schema import DoseStatement
from b12ms.render.labels import reference_line


def _dose_line(dose: DoseStatement) -> str:
    who = "the marketing article claims" if dose.source == "seed_claim" else "guideline/licence"
    return f"{dose.dose} ({dose.route}; {dose.indication}) — {who} [{', '.join(dose.references)}]"


def forms_json(kb: Knowledge) -> dict[str, Any]:
    forms = kb.evidence.forms
    return {
        "forms": [f.model_dump(mode="json") for f in forms.form],
        "routes": [r.model_dump(mode="json") for r in forms.route],
        "safety": [s.model_dump(mode="json") for s in forms.safety],
        "knowledge": {"version": kb.version, "sha256": kb.sha256},
    }


def render_forms_rich(kb: Knowledge) -> Any:
    from rich.console import Group
    from rich.panel import Panel
    from rich.text import Text

    forms = kb.evidence.forms
    parts: list[Any] = [Text("Forms of B12", style="bold underline")]
    for form in forms.form:
        body = Text(f"{form.what}\n")
        for point in form.evidence:
            body.append(
                f"• {point.statement} (certainty {GRADE_LABELS[point.grade]}) [{', '.join(point.references)}]\n"
            )
        for dose in (*form.regimens, *form.seed_doses):
            body.append(f"◦ {_dose_line(dose)}\n", style="dim" if dose.source == "seed_claim" else "")
        parts.append(Panel(body, title=form.name, title_align="left"))
    parts.append(Text("Routes", style="bold underline"))
    for route in forms.route:
        body = Text(f"What the articles say: {route.seed_summary}\n")
        for point in route.evidence:
            body.append(
                f"• {point.statement} (certainty {GRADE_LABELS[point.grade]}) [{', '.join(point.references)}]\n"
            )
        body.append(f"Who it suits: {route.who_for}")
        parts.append(Panel(body, title=route.name, title_align="left"))
    parts.append(Text("Safety", style="bold underline"))
    for fact in forms.safety:
        body = Text(f"{fact.statement}\n")
        body.append(
            f"certainty {GRADE_LABELS[fact.grade]} · {fact.basis.replace('_', ' ')} · [{', '.join(fact.references)}]",
            style="dim",
        )
        parts.append(Panel(body, title=fact.title, title_align="left"))
    return Group(*parts)


def references_json(kb: Knowledge) -> list[dict[str, Any]]:
    return [r.model_dump(mode="json", exclude_none=True) for r in kb.references.values()]


def render_references_rich(kb: Knowledge) -> Any:
    from rich.console import Group
    from rich.text import Text

    parts: list[Any] = [Text(f"Bibliography ({len(kb.references)} works; knowledge {kb.version})", style="bold")]
    for ref in sorted(kb.references.values(), key=lambda r: r.id):
        parts.append(
            Text.assemble((f"[{ref.id}] ", "bold"), f"{reference_line(kb, ref.id)} ", (f"({ref.verified})", "dim"))
        )
    return Group(*parts)
