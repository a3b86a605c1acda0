"""History pages: people a carer tracks, their saved results, a chart per analyte, export and import.

Everything is stored only when the person presses a button (save, add, import), in the local
history store (:mod:`b12ms.store`). Store calls and chart drawing run in the thread pool, never on
the event loop.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import APIRouter
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response

from b12ms.errors import InputError, Problem
from b12ms.inputs import parse_json_text
from b12ms.knowledge.units import pretty_unit
from b12ms.render.labels import analyte_label
from b12ms.report.chart import band_set_for
from b12ms.store import CHART_ANALYTES, Store
from b12ms.web.pages.assess_routes import bad_answers_page, signed_answers
from b12ms.web.pages.charts import chart_markup, treatment_label
from b12ms.web.pages.context import PagesContext
from b12ms.web.pages.form_values import FieldErrors, FormValues
from b12ms.web.pages.guard import MAX_FORM_BYTES, error_page
from b12ms.web.pages.rendering import render_page
from b12ms.web.pages.result_view import build_result_view
from b12ms.web.pages.signed import ANSWERS_FIELD, BadSignatureError, sign_answers

__all__ = ["add_history_routes"]


def _person_id(text: str) -> int | None:
    return int(text) if text.isdigit() and len(text) < 12 else None


def _history_data(store: Store) -> dict[str, Any]:
    people = store.list_people()
    counts = {p.id: len(store.list_assessments(p.id)) for p in people}
    return {"people": people, "counts": counts}


def _person_data(ctx: PagesContext, store: Store, person_id: int) -> dict[str, Any]:
    kb = ctx.kb
    person = store.get_person(person_id)
    events = store.treatment_dates(person_id)
    charts = []
    for analyte in CHART_ANALYTES:
        points = store.lab_series(person_id, analyte)
        if not points:
            continue
        label = analyte_label(kb, analyte)
        bands = band_set_for(kb, analyte)
        unit = pretty_unit(points[0].unit)
        title = f"{label} over time, {len(points)} result{'s' if len(points) != 1 else ''}, in {unit}"
        charts.append(
            {
                "analyte": analyte,
                "label": label,
                "unit": unit,
                "points": points,
                "svg": chart_markup(kb, analyte, points, events, title),
                "bands": bands,
            }
        )
    saved = [
        {
            "saved": s,
            "headline": kb.status_wording[s.status].headline,
            "urgency": kb.urgency_wording[s.urgency].headline,
        }
        for s in reversed(store.list_assessments(person_id))
    ]
    events_shown = [{"date": e.date, "label": treatment_label(e)} for e in events]
    return {"person": person, "charts": charts, "saved": saved, "events": events_shown}


def _download(document: dict[str, Any], filename: str) -> Response:
    return JSONResponse(document, headers={"Content-Disposition": f'attachment; filename="{filename}"'})


def add_history_routes(router: APIRouter, ctx: PagesContext) -> None:
    def page(request: Request, extra: dict[str, Any] | None = None, status: int = 200) -> Response:
        data = {**_history_data(ctx.store()), "errors": FieldErrors(), "v": FormValues(), "imported": None}
        return render_page(request, ctx, "history.html.j2", {**data, **(extra or {})}, status=status)

    @router.get("/history", include_in_schema=False)
    def history(request: Request) -> Response:
        return page(request)

    @router.post("/history/people", include_in_schema=False)
    async def add_person(request: Request) -> Response:
        values = FormValues((await request.form()).multi_items())
        try:
            person = await run_in_threadpool(ctx.store().add_person, values.get("display_name"))
        except InputError as error:
            errors = FieldErrors({"display_name": error.problems[0].message.capitalize()})
            return await run_in_threadpool(page, request, {"errors": errors, "v": values}, 422)
        return RedirectResponse(f"/history/people/{person.id}", status_code=303)

    @router.post("/history/save", include_in_schema=False)
    async def save(request: Request) -> Response:
        values = FormValues((await request.form()).multi_items())
        try:
            answers = signed_answers(ctx, values)
        except BadSignatureError:
            return bad_answers_page(request, ctx)

        def store_it() -> tuple[int, int]:
            from b12ms.engine import assess

            store = ctx.store()
            chosen = _person_id(values.get("person_id"))
            if chosen is None:
                name = values.get("new_person")
                person = store.find_person(name) if name else None
                person = person or store.add_person(name)
                chosen = person.id
            assessment = assess(answers.snapshot, ctx.kb, answers.as_of)
            saved = store.save_assessment(chosen, answers.snapshot, assessment, ctx.kb)
            return chosen, saved.id

        try:
            person_id, saved_id = await run_in_threadpool(store_it)
        except InputError as error:
            message = "; ".join(p.message for p in error.problems)
            return error_page(
                request, ctx, 422, "Not saved", f"The result was not saved: {message}. Go back and try again."
            )
        return RedirectResponse(f"/history/people/{person_id}?saved={saved_id}", status_code=303)

    @router.get("/history/people/{person_ref}", include_in_schema=False)
    def person_page(request: Request, person_ref: str) -> Response:
        person_id = _person_id(person_ref)
        try:
            if person_id is None:
                raise InputError(Problem("person", "not a person number"))
            data = _person_data(ctx, ctx.store(), person_id)
        except InputError:
            return error_page(request, ctx, 404, "No such person", "Nobody with that number is in this history.")
        data["just_saved"] = request.query_params.get("saved", "").isdigit()
        return render_page(request, ctx, "person.html.j2", data)

    @router.get("/history/assessments/{saved_ref}", include_in_schema=False)
    def saved_page(request: Request, saved_ref: str) -> Response:
        saved_id = _person_id(saved_ref)
        try:
            if saved_id is None:
                raise InputError(Problem("assessment", "not a number"))
            stored = ctx.store().get_assessment(saved_id)
            person = ctx.store().get_person(stored.saved.person_id)
        except InputError:
            return error_page(request, ctx, 404, "No such result", "No saved result has that number.")
        data = {
            "r": build_result_view(stored.snapshot, stored.assessment, ctx.kb),
            "stored": stored.saved,
            "person": person,
            "answers": sign_answers(ctx.blob_key, stored.snapshot, stored.assessment.as_of),
            "ANSWERS_FIELD": ANSWERS_FIELD,
        }
        return render_page(request, ctx, "saved.html.j2", data)

    @router.get("/assessments/{saved_ref}/report.pdf", include_in_schema=False)
    @router.post("/history/assessments/{saved_ref}/pdf", include_in_schema=False)
    def saved_pdf(request: Request, saved_ref: str) -> Response:
        # GET /assessments/{id}/report.pdf is the stable link to a saved result's report (reading
        # it changes nothing, so it needs no CSRF token; the sign-in check still applies).
        saved_id = _person_id(saved_ref)
        try:
            if saved_id is None:
                raise InputError(Problem("assessment", "not a number"))
            pdf = _pdf_with_history(ctx, saved_id)
        except InputError:
            return error_page(request, ctx, 404, "No such result", "No saved result has that number.")
        except (ImportError, OSError):  # no WeasyPrint, or its Pango libraries are missing
            return error_page(request, ctx, 503, "PDF is not available here", "Use your browser's Print command.")
        return Response(
            pdf,
            media_type="application/pdf",
            headers={"Content-Disposition": f'attachment; filename="b12ms-report-saved-{saved_id}.pdf"'},
        )

    @router.get("/history/export.json", include_in_schema=False)
    def export_all(request: Request) -> Response:
        return _download(ctx.store().export_json(), f"b12ms-history-{ctx.today().isoformat()}.json")

    @router.get("/history/people/{person_ref}/export.json", include_in_schema=False)
    def export_person(request: Request, person_ref: str) -> Response:
        person_id = _person_id(person_ref)
        try:
            if person_id is None:
                raise InputError(Problem("person", "not a person number"))
            document = ctx.store().export_json(person_id)
        except InputError:
            return error_page(request, ctx, 404, "No such person", "Nobody with that number is in this history.")
        return _download(document, f"b12ms-history-person-{person_id}-{ctx.today().isoformat()}.json")

    @router.post("/history/import", include_in_schema=False)
    async def import_history(request: Request) -> Response:
        form = await request.form(max_part_size=MAX_FORM_BYTES)
        upload = form.get("file")
        try:
            if not isinstance(upload, UploadFile) or not upload.filename:
                raise InputError(Problem("file", "Choose a b12ms history file (.json) to import"))
            raw = await upload.read(MAX_FORM_BYTES + 1)
            if len(raw) > MAX_FORM_BYTES:
                raise InputError(Problem("file", "This file is too large to be a b12ms history export"))
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError:
                raise InputError(
                    Problem("file", "This file is not text: choose the .json file b12ms exported")
                ) from None
            document = parse_json_text(text, source="the file")
            summary = await run_in_threadpool(ctx.store().import_json, document)
        except InputError as error:
            messages = [f"{p.path}: {p.message}" if p.path and p.path != "file" else p.message for p in error.problems]
            errors = FieldErrors({"file": " ".join(messages[:5]) + (" …" if len(messages) > 5 else "")})
            return await run_in_threadpool(page, request, {"errors": errors}, 422)
        return await run_in_threadpool(page, request, {"imported": summary})


def _pdf_with_history(ctx: PagesContext, saved_id: int) -> bytes:
    from b12ms.report.chart import HistoryPoint, TreatmentDate
    from b12ms.report.render import render_report_pdf

    store = ctx.store()
    stored = store.get_assessment(saved_id)
    person_id = stored.saved.person_id
    history = [
        HistoryPoint(analyte, point.date, point.value)
        for analyte in CHART_ANALYTES
        for point in store.lab_series(person_id, analyte)
    ]
    marks: list[date | TreatmentDate] = [
        TreatmentDate(e.date, treatment_label(e)) for e in store.treatment_dates(person_id)
    ]
    pdf: bytes = render_report_pdf(
        stored.snapshot, stored.assessment, ctx.kb, history=history, treatment_dates=marks, generated_on=ctx.today()
    )
    return pdf
