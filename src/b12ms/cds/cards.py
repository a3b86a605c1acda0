"""Cards: the assessment turned into CDS Hooks cards, with reasons, references and suggestions.

Every card has a uuid (feedback needs it), a summary under 140 characters, an indicator, a source
naming the b12ms and knowledge versions, a Markdown detail with the reasons and the references,
and override reasons. Suggestions propose tests as ``ServiceRequest`` resources (``status: draft``,
``intent: proposal``); b12ms never proposes a medicine (it informs, it does not prescribe).

patient-view (:func:`patient_view_cards`) says something only when there is something to say:

=========================================  =========  =============================================
situation                                  indicator  card
=========================================  =========  =============================================
a neurological red flag                    critical   same-day review
deficiency likely                          warning    status, options to discuss
indeterminate                              warning    status, next tests as suggestions
results cannot be read                     warning    why (biotin, treatment, pregnancy), next tests
testing indicated, no result               info       first tests as suggestions (pick one)
testing is clinical judgement, no result   info       first tests as suggestions (pick one)
status fine, a warning flag applies        warning    the cautions
some results not read (status decided)     info       which and why
status fine, no warning flag               —          no card
=========================================  =========  =============================================
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from typing import Literal

from b12ms.cds.models import Action, Card, Coding, Source, Suggestion
from b12ms.engine.assessment import Assessment, FlagOut, LabReading
from b12ms.errors import Problem
from b12ms.fhir.codes import CodeTable
from b12ms.fhir.mapping import FhirAssessment
from b12ms.fhir.notes import MappingNote
from b12ms.fhir.output import service_request
from b12ms.knowledge import Knowledge
from b12ms.knowledge.units import pretty_unit

__all__ = ["B12_RELATED", "CardKit", "could_not_assess_card", "patient_view_cards", "reading_text"]

Indicator = Literal["info", "warning", "critical"]
B12_RELATED = ("total_b12", "active_b12", "mma", "homocysteine", "folate")
_NOT_READ = {
    "biotin_interference": "biotin",
    "sample_after_b12_treatment": "taken after B12 treatment",
    "pregnancy": "pregnancy",
    "renal_impairment": "kidney function",
}
_OVERRIDE_REASONS = (
    ("already-addressed", "Already addressed or ordered"),
    ("not-applicable", "Does not apply to this patient"),
    ("patient-declined", "Patient declined"),
    ("clinical-judgement", "Clinical judgement differs"),
)
_MAX_NOTES = 12
_SHORT_NAMES = {
    "total_b12": "B12",
    "active_b12": "active B12",
    "mma": "MMA",
    "homocysteine": "homocysteine",
    "folate": "folate",
}


def clamp(text: str, limit: int = 139) -> str:
    """One line under ``limit`` characters, cut at a word with an ellipsis when needed."""
    line = " ".join(text.split())
    if len(line) <= limit:
        return line
    return line[: limit - 1].rsplit(" ", 1)[0].rstrip(",;:") + "…"


def reading_text(kb: Knowledge, reading: LabReading) -> str:
    name = kb.analytes[reading.analyte].plain_name
    value = reading.result if reading.value is None else f"{reading.value:g} {reading.unit}"
    return f"{name} {value} ({reading.date})"


class CardKit:
    """What every card shares: the source, the override reasons, the patient, the suggestions."""

    def __init__(self, kb: Knowledge, table: CodeTable, patient: str | None) -> None:
        self.kb = kb
        self.table = table
        self.subject = {"reference": patient} if patient else {"display": "the patient"}
        self._label = f"b12ms {_version()} · knowledge {kb.version} ({kb.sha256[:12]})"

    @staticmethod
    def new_uuid() -> str:
        return str(uuid.uuid4())

    def coding(self, system: str, code: str, display: str) -> Coding:
        return Coding(system=f"{self.table.b12ms_codesystem_base}/{system}", code=code, display=display)

    def card(
        self,
        summary: str,
        indicator: Indicator,
        detail: str,
        topic: tuple[str, str],
        suggestions: list[Suggestion] | None = None,
        behaviour: Literal["at-most-one", "any"] = "any",
    ) -> Card:
        return Card(
            uuid=str(uuid.uuid4()),
            summary=clamp(summary),
            detail=detail,
            indicator=indicator,
            source=Source(label=self._label, topic=self.coding("card-topic", *topic)),
            suggestions=suggestions or None,
            selectionBehavior=behaviour if suggestions else None,
            overrideReasons=[self.coding("override-reason", code, text) for code, text in _OVERRIDE_REASONS],
        )

    def order(self, analyte: str, reason: str, recommended: bool = True) -> Suggestion:
        name = self.kb.analytes[analyte].plain_name
        request = service_request(self.kb, analyte, self.subject, reason=reason)
        return Suggestion(
            label=f"Order {name}",
            uuid=str(uuid.uuid4()),
            isRecommended=recommended,
            actions=[Action(type="create", description=f"Propose a {name} test (draft order)", resource=request)],
        )


def _version() -> str:
    from b12ms._version import __version__

    return __version__


def _references(kb: Knowledge, ids: Iterable[str]) -> str:
    lines = []
    for number, ref_id in enumerate(dict.fromkeys(ids), start=1):
        ref = kb.references[ref_id]
        link = f" <{ref.url}>" if ref.url else ""
        lines.append(f"{number}. {ref.citation}{link}")
    return "\n".join(lines)


def detail(
    kb: Knowledge,
    assessment: Assessment,
    notes: Sequence[MappingNote] = (),
    *,
    flags: Sequence[FlagOut] | None = None,
    lead: str | None = None,
) -> str:
    """Markdown: the status, the results read, why, cautions, next tests, options, record notes, references."""
    wording = kb.status_wording[assessment.status]
    parts = [lead] if lead else []
    parts.append(f"**{wording.headline}.** {wording.text}")
    cited: list[str] = []
    latest = [r for r in assessment.labs if "superseded" not in r.not_read_because]
    if latest:
        rows = []
        for reading in latest:
            band = f": {reading.band}" if reading.band else ""
            why = [_NOT_READ.get(r, r.replace("_", " ")) for r in reading.not_read_because]
            rows.append(f"- {reading_text(kb, reading)}{band}" + (f" — not read ({', '.join(why)})" if why else ""))
        parts.append("**Results**\n" + "\n".join(rows))
    reasons = [
        f
        for f in assessment.findings
        if f.rule.split(".")[0] in ("band", "metabolic", "readability", "modifier", "status", "testing", "urgency")
    ]
    if reasons:
        parts.append("**Why**\n" + "\n".join(f"- {f.message}" for f in reasons))
        cited += [r for f in reasons for r in f.references]
    shown = list(assessment.flags if flags is None else flags)
    if shown:
        parts.append("**Cautions**\n" + "\n".join(f"- **{kb.flags[f.id].title}.** {f.message}" for f in shown))
        cited += [r for f in shown for r in f.references]
    if assessment.next_tests:
        names = ", ".join(kb.analytes[a].plain_name for a in assessment.next_tests)
        parts.append(f"**Next tests:** {names}.")
    if assessment.management:
        options = "\n".join(f"- **{kb.management[m.id].title}.** {m.text}" for m in assessment.management)
        parts.append("**Options to discuss** (as the guideline states them; b12ms does not prescribe)\n" + options)
        cited += [r for m in assessment.management for r in m.references]
    if notes:
        listed = [f"- {n.message}" for n in notes[:_MAX_NOTES]]
        if len(notes) > _MAX_NOTES:
            listed.append(f"- … and {len(notes) - _MAX_NOTES} more (see the full assessment).")
        parts.append("**Record notes**\n" + "\n".join(listed))
    if cited:
        parts.append("**References**\n" + _references(kb, cited))
    return "\n\n".join(parts)


def short_reading(reading: LabReading) -> str:
    """``B12 251 pg/mL`` — for summaries, which must stay under 140 characters."""
    name = _SHORT_NAMES.get(reading.analyte, reading.analyte.replace("_", " "))
    value = reading.result if reading.value is None else f"{reading.value:g} {pretty_unit(reading.unit or '')}"
    return f"{name} {value}"


def _marker_phrase(assessment: Assessment) -> str:
    used = [r for r in assessment.labs if r.used and r.analyte in B12_RELATED[:3]]
    return f" ({', '.join(short_reading(r) for r in used[:2])})" if used else ""


def _unread_notes(notes: Sequence[MappingNote]) -> list[MappingNote]:
    """Notes about B12-related results not read, one per resource (the first note about it)."""
    seen: dict[str, MappingNote] = {}
    for note in notes:
        if note.kind in ("unreadable", "superseded") and note.analyte in B12_RELATED:
            seen.setdefault(note.resource, note)
    return list(seen.values())


def _status_card(fa: FhirAssessment, kit: CardKit) -> Card | None:
    kb, a = kit.kb, fa.assessment
    notes = fa.mapping.notes
    why = "Suggested by b12ms (NICE NG239) to settle the B12 status"
    orders = [kit.order(t, why) for t in a.next_tests]
    if a.status == "deficiency_likely":
        summary = f"B12 deficiency likely{_marker_phrase(a)}: review treatment options"
        return kit.card(summary, "warning", detail(kb, a, notes), ("b12-status", "B12 status"), orders)
    if a.status == "indeterminate":
        tests = ", ".join(kb.analytes[t].plain_name for t in a.next_tests) or "a clinical review"
        summary = f"B12 result indeterminate{_marker_phrase(a)}: consider {tests}"
        return kit.card(summary, "warning", detail(kb, a, notes), ("b12-status", "B12 status"), orders)
    if a.status == "not_interpretable":
        reasons = sorted({_NOT_READ.get(r, r) for x in a.labs for r in x.not_read_because if r != "superseded"})
        summary = f"B12 results cannot be read ({', '.join(reasons) or 'see detail'}): a repeat test is needed"
        return kit.card(summary, "warning", detail(kb, a, notes), ("b12-readability", "Results not readable"), orders)
    if a.status == "no_result" and a.testing.indication in ("offer", "clinical_judgement"):
        firsts = [kit.order(t, why, recommended=i == 0) for i, t in enumerate(a.testing.first_tests)]
        names = " or ".join(kb.analytes[t].plain_name for t in a.testing.first_tests)
        if a.testing.indication == "offer":
            summary = f"B12 test indicated (NICE NG239) but no result on record: order {names}"
        else:
            summary = f"Consider a B12 test (clinical judgement): symptoms recorded, no result on record ({names})"
        return kit.card(summary, "info", detail(kb, a, notes), ("b12-testing", "B12 testing"), firsts, "at-most-one")
    return None


def patient_view_cards(fa: FhirAssessment, kit: CardKit) -> list[Card]:
    """The cards for patient-view; an empty list only when B12 status is fine and no flag applies."""
    kb, a = kit.kb, fa.assessment
    cards: list[Card] = []
    critical = [f for f in a.flags if f.severity == "critical"]
    if critical:
        titles = "; ".join(kb.flags[f.id].title for f in critical)
        lead = "**Urgent.** Blood for B12 (and copper) should be taken before any B12 is given."
        cards.append(
            kit.card(
                f"{titles}: possible B12 or copper myelopathy",
                "critical",
                detail(kb, a, fa.mapping.notes, flags=critical, lead=lead),
                ("red-flag", "Red flags"),
            )
        )
    status_card = _status_card(fa, kit)
    if status_card is not None:
        cards.append(status_card)
    warnings = [f for f in a.flags if f.severity == "warning"]
    if status_card is None and warnings:
        first = kb.flags[warnings[0].id].title
        more = f" (and {len(warnings) - 1} more)" if len(warnings) > 1 else ""
        cards.append(
            kit.card(
                f"B12 caution: {first}{more}",
                "warning",
                detail(kb, a, fa.mapping.notes, flags=warnings),
                ("b12-caution", "B12 cautions"),
            )
        )
    unread = _unread_notes(fa.mapping.notes)
    unread_notes = [n for n in fa.mapping.notes if n.kind in ("unreadable", "superseded") and n.analyte in B12_RELATED]
    not_read = [r for r in a.labs if r.analyte in B12_RELATED and set(r.not_read_because) - {"superseded"}]
    if (unread or not_read) and a.status != "not_interpretable":
        count = len(unread) + len(not_read)
        indicator: Indicator = "warning" if any(n.kind == "superseded" for n in unread_notes) else "info"
        lead = "Some B12-related results in the record were not read:\n" + "\n".join(
            [f"- {n.message}" for n in unread_notes]
            + [
                f"- {reading_text(kb, r)}: {', '.join(_NOT_READ.get(x, x) for x in r.not_read_because)}"
                for r in not_read
            ]
        )
        cards.append(
            kit.card(
                f"{count} B12-related result{'s' if count != 1 else ''} in the record could not be read",
                indicator,
                detail(kb, a, flags=[], lead=lead),
                ("b12-readability", "Results not readable"),
            )
        )
    return cards


def could_not_assess_card(problems: Sequence[Problem], kit: CardKit) -> Card:
    """The answer when the patient's data cannot be assessed: say so, and why (never no card)."""
    listed = "\n".join(f"- `{p.path}`: {p.message}" for p in problems[:_MAX_NOTES])
    if len(problems) > _MAX_NOTES:
        listed += f"\n- … and {len(problems) - _MAX_NOTES} more."
    text = (
        "b12ms could not assess vitamin B12 status from this record, so it can neither reassure nor warn. "
        "The record has data it cannot use as it stands (a value outside the plausible range usually means "
        f"a unit was mixed up):\n\n{listed}"
    )
    return kit.card(
        "B12 status could not be assessed: the record has data b12ms cannot use",
        "warning",
        text,
        ("b12-not-assessed", "Not assessed"),
    )
