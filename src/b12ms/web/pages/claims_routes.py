"""Claims explorer: search and filter graded claims, one page per claim, one page per seed article.

Search is the library's (:func:`b12ms.claims.search_claims`); the filters narrow its answer. A
filter value that is not one of the choices is ignored and said so, never an error page: it
usually comes from an old bookmark.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import get_args

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import Response

from b12ms.claims import AUDIT_LABELS, GRADE_LABELS, VERDICT_LABELS, search_claims
from b12ms.inputs import closest
from b12ms.knowledge import Knowledge
from b12ms.knowledge.evidence_schema import GUIDELINE_SEED, Claim, Topic
from b12ms.web.pages.context import PagesContext
from b12ms.web.pages.guard import error_page
from b12ms.web.pages.rendering import render_page

__all__ = ["TOPIC_LABELS", "add_claims_routes", "reference_rows", "seed_title"]

TOPIC_LABELS: dict[str, str] = {
    "b12_biology": "What B12 does",
    "ms_biology": "What MS is",
    "ms_mimic": "B12 deficiency mimicking MS",
    "b12_levels_in_ms": "B12 levels in MS",
    "homocysteine_mma": "Homocysteine and MMA",
    "ms_mechanism": "Possible mechanisms in MS",
    "treatment_effect": "Does B12 treatment help?",
    "causes_of_deficiency": "Causes of deficiency",
    "testing": "Testing",
    "forms_and_doses": "Forms and doses",
    "routes": "Tablets, under the tongue or injections",
    "diet": "Diet",
    "safety": "Safety",
    "testimony": "Personal stories",
    "who_should_supplement": "Who should take B12",
}
_QUOTED_TITLE = re.compile(r"'([^']+)'")


@dataclass(frozen=True)
class Seed:
    id: str
    title: str
    description: str
    count: int


def seed_title(kb: Knowledge, seed: str) -> tuple[str, str]:
    """A seed article's title and its bibliography description, from the knowledge."""
    if seed == GUIDELINE_SEED:
        return "Claims b12ms adds from guidelines and trials", "Statements no seed article makes, graded the same way."
    reference = kb.references.get("seed_" + seed.removesuffix(".txt"))
    if reference is None:
        return seed, ""
    found = _QUOTED_TITLE.search(reference.citation)
    return (found.group(1) if found else seed), reference.citation


def _seeds(kb: Knowledge) -> list[Seed]:
    ids = sorted({c.seed for c in kb.evidence.claims}, key=lambda s: (s == GUIDELINE_SEED, s))
    out = []
    for seed in ids:
        title, description = seed_title(kb, seed)
        out.append(Seed(seed, title, description, sum(1 for c in kb.evidence.claims if c.seed == seed)))
    return out


def reference_rows(kb: Knowledge, ids: list[str]) -> list[dict[str, str | None]]:
    rows: list[dict[str, str | None]] = []
    for ref_id in dict.fromkeys(ids):
        reference = kb.references.get(ref_id)
        if reference is None:
            continue
        url = reference.url or (f"https://doi.org/{reference.doi}" if reference.doi else None)
        rows.append({"id": ref_id, "citation": reference.citation, "url": url})
    return rows


def _labels() -> dict[str, object]:
    return {
        "VERDICT_LABELS": VERDICT_LABELS,
        "GRADE_LABELS": GRADE_LABELS,
        "AUDIT_LABELS": AUDIT_LABELS,
        "TOPIC_LABELS": TOPIC_LABELS,
    }


def add_claims_routes(router: APIRouter, ctx: PagesContext) -> None:
    kb = ctx.kb

    @router.get("/claims", include_in_schema=False)
    async def claims_list(request: Request) -> Response:
        params = request.query_params
        query = (params.get("q") or "").strip()[:200]
        verdict, seed, topic = params.get("verdict", ""), params.get("seed", ""), params.get("topic", "")
        seeds = _seeds(kb)
        ignored = []
        if verdict and verdict not in VERDICT_LABELS:
            ignored.append(f"verdict “{verdict}”")
            verdict = ""
        if seed and seed not in {s.id for s in seeds}:
            ignored.append(f"article “{seed}”")
            seed = ""
        if topic and topic not in get_args(Topic):
            ignored.append(f"topic “{topic}”")
            topic = ""
        found: list[Claim] = [
            c
            for c in search_claims(kb, query)
            if (not verdict or c.verdict == verdict)
            and (not seed or c.seed == seed)
            and (not topic or c.topic == topic)
        ]
        data = {
            "claims": found,
            "query": query,
            "verdict": verdict,
            "seed": seed,
            "topic": topic,
            "seeds": seeds,
            "seed_titles": {s.id: s.title for s in seeds},
            "ignored": ignored,
            "filtered": bool(query or verdict or seed or topic),
            **_labels(),
        }
        return render_page(request, ctx, "claims.html.j2", data)

    @router.get("/claims/seeds/{seed}", include_in_schema=False)
    async def seed_page(request: Request, seed: str) -> Response:
        claims = sorted((c for c in kb.evidence.claims if c.seed == seed), key=lambda c: c.order)
        if not claims:
            return error_page(request, ctx, 404, "No such article", f"b12ms has graded no article called “{seed}”.")
        title, description = seed_title(kb, seed)
        counts = {v: sum(1 for c in claims if c.verdict == v) for v in VERDICT_LABELS}
        data = {"seed": seed, "title": title, "description": description, "claims": claims, "counts": counts}
        return render_page(request, ctx, "seed.html.j2", {**data, **_labels()})

    @router.get("/claims/{claim_id}", include_in_schema=False)
    async def claim_page(request: Request, claim_id: str) -> Response:
        claim = kb.evidence.claims_by_id.get(claim_id)
        if claim is None:
            near = closest(claim_id, list(kb.evidence.claims_by_id))
            hint = f" Did you mean “{near}”?" if near else ""
            return error_page(request, ctx, 404, "No such claim", f"b12ms has no claim “{claim_id}”.{hint}")
        ref_ids = list(claim.references) + [r for audit in claim.citation_audit for r in audit.references]
        conflicts = [kb.evidence.claims_by_id[c] for c in claim.conflicts_with if c in kb.evidence.claims_by_id]
        title, _ = seed_title(kb, claim.seed)
        data = {
            "c": claim,
            "seed_name": title,
            "conflicts": conflicts,
            "references": reference_rows(kb, ref_ids),
            **_labels(),
        }
        return render_page(request, ctx, "claim.html.j2", data)
