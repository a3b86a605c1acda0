"""Forms, routes and safety: what each kind of B12 is, how it is taken, and what is safe.

Doses an article *claims* and regimens a guideline or licence *states* are kept in separate lists
with their sources, as the knowledge files keep them, so a marketing dose never reads as advice.
"""

from __future__ import annotations

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import Response

from b12ms.claims import GRADE_LABELS, VERDICT_LABELS
from b12ms.web.pages.claims_routes import reference_rows, seed_title
from b12ms.web.pages.context import PagesContext
from b12ms.web.pages.rendering import render_page

__all__ = ["add_forms_routes"]

BASIS_LABELS = {
    "guideline": "guideline",
    "regulator": "regulator",
    "licence": "product licence",
    "product_policy": "b12ms policy",
    "research": "research",
}


def add_forms_routes(router: APIRouter, ctx: PagesContext) -> None:
    kb = ctx.kb

    @router.get("/forms", include_in_schema=False)
    async def forms_page(request: Request) -> Response:
        forms = kb.evidence.forms
        ids: list[str] = []
        for form in forms.form:
            for point in form.evidence:
                ids += point.references
            for dose in (*form.seed_doses, *form.regimens):
                ids += dose.references
        for route in forms.route:
            for point in route.evidence:
                ids += point.references
        for fact in forms.safety:
            ids += fact.references
        names = {f.id: f.name for f in forms.form} | {r.id: r.name for r in forms.route}
        data = {
            "forms": forms.form,
            "routes": forms.route,
            "safety": forms.safety,
            "claims": kb.evidence.claims_by_id,
            "names": names,
            "seed_titles": {c.seed: seed_title(kb, c.seed)[0] for c in kb.evidence.claims},
            "references": reference_rows(kb, ids),
            "GRADE_LABELS": GRADE_LABELS,
            "VERDICT_LABELS": VERDICT_LABELS,
            "BASIS_LABELS": BASIS_LABELS,
        }
        return render_page(request, ctx, "forms.html.j2", data)
