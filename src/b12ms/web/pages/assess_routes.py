"""Start page, assessment form, result page, and the PDF built from a result.

``POST /assess`` re-shows the form with every error beside its field and every value kept (422),
adds a row when an "add another" button was pressed (no JavaScript needed), or shows the result
with the answers embedded and signed (:mod:`b12ms.web.pages.signed`) for "Download PDF", "Save to
my history" and "Change my answers".
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from fastapi import APIRouter
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from b12ms.engine import Assessment, PatientSnapshot, assess
from b12ms.engine.parse import parse_snapshot
from b12ms.errors import B12msError, InputError, Problem
from b12ms.knowledge import Knowledge
from b12ms.knowledge.schema import VocabularyKind
from b12ms.knowledge.units import pretty_unit
from b12ms.web.pages.assess_form import error_summary, map_problems, row_count, snapshot_data
from b12ms.web.pages.assess_prefill import values_from_snapshot
from b12ms.web.pages.context import PagesContext
from b12ms.web.pages.form_values import FieldErrors, FormValues
from b12ms.web.pages.guard import error_page
from b12ms.web.pages.rendering import render_page
from b12ms.web.pages.result_view import build_result_view
from b12ms.web.pages.signed import ANSWERS_FIELD, BadSignatureError, SignedAnswers, sign_answers, verify_answers

__all__ = ["add_assess_routes"]

SEX_CHOICES = (("female", "Female"), ("male", "Male"), ("other", "Other"), ("unknown", "Prefer not to say"))
MS_CHOICES = (("no", "No"), ("suspected", "Suspected: being investigated"), ("diagnosed", "Diagnosed"))
YES_NO = (("yes", "Yes"), ("no", "No"))
ROUTE_CHOICES = (
    ("", "Not sure"),
    ("oral", "By mouth (tablet, capsule, drops)"),
    ("sublingual", "Under the tongue or spray"),
    ("intramuscular", "Injection"),
)
DOSE_UNITS = (("mg", "mg"), ("ug", "micrograms (µg, mcg)"))
GROWABLE = ("labs", "supplements", "medications", "conditions_other", "surgery_other")


@dataclass(frozen=True)
class Choice:
    value: str
    label: str
    clinical: str | None = None


def _terms(kb: Knowledge, kind: VocabularyKind) -> list[Choice]:
    terms = kb.terms[kind]
    return [
        Choice(t.id, t.label, t.clinical if t.clinical.lower() != t.label.lower() else None) for t in terms.values()
    ]


def form_options(kb: Knowledge) -> dict[str, Any]:
    analytes = [
        {
            "id": a.id,
            "label": a.plain_name,
            "units": [Choice(u.code, pretty_unit(u.code)) for u in a.units],
            "qualitative": a.kind == "qualitative",
        }
        for a in kb.analytes.values()
    ]
    return {
        "sex_choices": SEX_CHOICES,
        "ms_choices": MS_CHOICES,
        "yes_no": YES_NO,
        "route_choices": ROUTE_CHOICES,
        "dose_units": DOSE_UNITS,
        "diet_pairs": [(c.value, c.label) for c in _terms(kb, "diet")],
        "conditions": _terms(kb, "condition"),
        "surgeries": _terms(kb, "surgery"),
        "symptoms": _terms(kb, "symptom"),
        "signs": _terms(kb, "sign"),
        "medication_names": _names(kb, "medication"),
        "supplement_names": _names(kb, "supplement"),
        "condition_names": _names(kb, "condition"),
        "surgery_names": _names(kb, "surgery"),
        "analytes": analytes,
        "nitrous": kb.terms["exposure"].get("nitrous_oxide"),
    }


def _names(kb: Knowledge, kind: VocabularyKind) -> list[str]:
    """Labels and aliases for a ``<datalist>``: type-ahead that needs no JavaScript."""
    names: dict[str, None] = {}
    for term in kb.terms[kind].values():
        names.setdefault(term.label, None)
        for alias in term.aliases:
            names.setdefault(alias, None)
    return list(names)


def _form_page(
    request: Request,
    ctx: PagesContext,
    values: FormValues,
    errors: FieldErrors | None = None,
    *,
    extra_rows: dict[str, int] | None = None,
    status: int = 200,
) -> Response:
    extra = extra_rows or {}
    rows = {group: row_count(values, group, extra.get(group, 0)) for group in GROWABLE}
    errors = errors or FieldErrors()
    data = {"v": values, "errors": errors, "summary": error_summary(errors), "rows": rows, **form_options(ctx.kb)}
    return render_page(request, ctx, "assess_form.html.j2", data, status=status)


def _people(ctx: PagesContext) -> tuple[list[Any], str | None]:
    try:
        return list(ctx.store().list_people()), None
    except B12msError as error:
        return [], f"The history store cannot be opened: {error}"


def result_page(
    request: Request,
    ctx: PagesContext,
    snapshot: PatientSnapshot,
    assessment: Assessment,
    *,
    saved_note: str | None = None,
) -> Response:
    people, store_problem = _people(ctx)
    data = {
        "r": build_result_view(snapshot, assessment, ctx.kb),
        "answers": sign_answers(ctx.blob_key, snapshot, assessment.as_of),
        "people": people,
        "store_problem": store_problem,
        "saved_note": saved_note,
        "ANSWERS_FIELD": ANSWERS_FIELD,
    }
    return render_page(request, ctx, "result.html.j2", data)


async def _form(request: Request) -> FormValues:
    form = await request.form()
    return FormValues(form.multi_items())


def signed_answers(ctx: PagesContext, values: FormValues) -> SignedAnswers:
    return verify_answers(ctx.blob_key, values.get(ANSWERS_FIELD))


def bad_answers_page(request: Request, ctx: PagesContext) -> Response:
    return error_page(
        request,
        ctx,
        400,
        "These answers cannot be used",
        "The answers sent with this request were changed or come from another b12ms. Fill in the form again.",
    )


def add_assess_routes(router: APIRouter, ctx: PagesContext) -> None:
    kb = ctx.kb

    @router.get("/", include_in_schema=False)
    async def start(request: Request) -> Response:
        return render_page(request, ctx, "start.html.j2")

    @router.get("/assess", include_in_schema=False)
    async def assess_form(request: Request) -> Response:
        return _form_page(request, ctx, FormValues())

    @router.post("/assess", include_in_schema=False)
    async def assess_submit(request: Request) -> Response:
        values = await _form(request)
        grow = values.get("add")
        if grow in GROWABLE:
            return _form_page(request, ctx, values, extra_rows={grow: 1})
        data, origins = snapshot_data(values, kb)
        problems = list(origins.problems)
        # Report everything in one pass: numbers that are not numbers, then the snapshot's own
        # checks, then the engine's unit and plausibility checks (per entry if the whole failed).
        snapshot = assessment = None
        try:
            snapshot = parse_snapshot(data)
        except InputError as error:
            problems += [*error.problems, *_entry_problems(data, kb, ctx.today())]
        if snapshot is not None:
            try:
                assessment = assess(snapshot, kb, ctx.today())
            except InputError as error:
                problems += error.problems
        if problems or snapshot is None or assessment is None:
            return _form_page(request, ctx, values, map_problems(problems, origins, kb), status=422)
        return result_page(request, ctx, snapshot, assessment)

    @router.post("/assess/edit", include_in_schema=False)
    async def assess_edit(request: Request) -> Response:
        try:
            answers = signed_answers(ctx, await _form(request))
        except BadSignatureError:
            return bad_answers_page(request, ctx)
        return _form_page(request, ctx, values_from_snapshot(answers.snapshot, kb))

    @router.post("/assess/pdf", include_in_schema=False)
    async def assess_pdf(request: Request) -> Response:
        try:
            answers = signed_answers(ctx, await _form(request))
        except BadSignatureError:
            return bad_answers_page(request, ctx)
        assessment = assess(answers.snapshot, kb, answers.as_of)
        try:
            pdf = await run_in_threadpool(_render_pdf, answers.snapshot, assessment, kb, ctx)
        except (ImportError, OSError):  # no WeasyPrint, or its Pango libraries are missing
            return error_page(
                request,
                ctx,
                503,
                "PDF is not available here",
                "This installation cannot make PDFs (the 'report' extra is not installed). "
                "Use your browser's Print command and choose 'Save as PDF' instead: the page prints cleanly.",
            )
        filename = f"b12ms-report-{answers.as_of.isoformat()}.pdf"
        return Response(
            pdf, media_type="application/pdf", headers={"Content-Disposition": f'attachment; filename="{filename}"'}
        )


def _entry_problems(data: dict[str, Any], kb: Knowledge, as_of: date) -> list[Problem]:
    """Unit and plausibility problems of each lab and supplement on its own.

    Used when the whole snapshot did not parse (say the age is wrong), so the engine's unit checks
    still run and the person sees every problem at once rather than one round at a time.
    """
    found: list[Problem] = []
    for group in ("labs", "supplements"):
        for index, entry in enumerate(data.get(group, [])):
            try:
                assess(parse_snapshot({group: [entry]}), kb, as_of)
            except InputError as error:
                prefix, real = f"{group}[0]", f"{group}[{index}]"
                found += [
                    Problem(p.path.replace(prefix, real, 1), p.message, p.suggestion)
                    for p in error.problems
                    if p.path.startswith(prefix)
                ]
    return found


def _render_pdf(snapshot: PatientSnapshot, assessment: Assessment, kb: Knowledge, ctx: PagesContext) -> bytes:
    from b12ms.report.render import render_report_pdf

    pdf: bytes = render_report_pdf(snapshot, assessment, kb, generated_on=ctx.today())
    return pdf
