"""Find graded claims by words, and describe them for people (terminal, Markdown, JSON).

Search is deliberately simple and predictable: every word of the query (lower case, at least
two letters) is looked for as a word prefix in a claim's text; claims are ranked by how many
query words they contain, matches in the claim itself counting more than matches in its
explanation, then by seed and order.
"""

from __future__ import annotations

import re
from typing import Any

from b12ms.errors import InputError, Problem
from b12ms.inputs import closest
from b12ms.knowledge import Knowledge
from b12ms.knowledge.evidence_schema import Claim

_WORD = re.compile(r"[a-z0-9µ]+")
VERDICT_LABELS = {
    "supported": "Supported",
    "partly_supported": "Partly supported",
    "insufficient_evidence": "Insufficient evidence",
    "not_supported": "Not supported",
    "contradicted": "Contradicted",
}
GRADE_LABELS = {"high": "high", "moderate": "moderate", "low": "low", "very_low": "very low"}
AUDIT_LABELS = {
    "verified": "verified",
    "wrong_source_details": "real work, wrong details",
    "not_found": "not found",
    "topic_mismatch": "about something else",
    "contradicts_claim": "contradicts the claim",
}


def _words(text: str) -> list[str]:
    return _WORD.findall(text.lower())


def search_claims(kb: Knowledge, query: str | None) -> list[Claim]:
    """All claims (seed order) for an empty query; else those matching ≥ 1 word, best first."""
    claims = kb.evidence.claims
    if not query or not query.strip():
        return sorted(claims, key=lambda c: (c.seed, c.order))
    wanted = [w for w in _words(query) if len(w) >= 2]
    scored: list[tuple[float, Claim]] = []
    for claim in claims:
        head = set(_words(f"{claim.id} {claim.claim} {claim.topic} {claim.quote or ''}"))
        body = set(_words(f"{claim.explanation} {claim.seed}"))
        score = 0.0
        for word in wanted:
            if any(w.startswith(word) for w in head):
                score += 2
            elif any(w.startswith(word) for w in body):
                score += 1
        if score:
            scored.append((score, claim))
    scored.sort(key=lambda pair: (-pair[0], pair[1].seed, pair[1].order))
    return [claim for _, claim in scored]


def get_claim(kb: Knowledge, claim_id: str) -> Claim:
    claim = kb.evidence.claims_by_id.get(claim_id)
    if claim is None:
        hint = closest(claim_id, list(kb.evidence.claims_by_id))
        raise InputError(Problem("id", f"no claim with id {claim_id!r}", hint))
    return claim


def claim_json(claim: Claim, kb: Knowledge) -> dict[str, Any]:
    data = claim.model_dump(mode="json")
    data["reference_citations"] = {r: kb.references[r].citation for r in claim.references}
    return data


def render_claims_rich(claims: list[Claim], kb: Knowledge, *, full: bool = False) -> Any:
    from rich.console import Group
    from rich.panel import Panel
    from rich.text import Text

    if not claims:
        return Text("No claim matches. Try fewer or different words (b12ms claims lists all).")
    parts: list[Any] = []
    for claim in claims:
        body = Text()
        body.append(f"{VERDICT_LABELS[claim.verdict]}", style="bold")
        body.append(f" · evidence certainty {GRADE_LABELS[claim.grade]} · {claim.topic.replace('_', ' ')}\n")
        body.append(f"{claim.claim}\n", style="italic")
        if full:
            body.append(f"\n{claim.explanation}\n")
            for audit in claim.citation_audit:
                body.append(f"\nCitation as given: {audit.citation}\n", style="bold")
                body.append(f"Check: {AUDIT_LABELS[audit.status]}. Actually: {audit.actual}. {audit.finding}\n")
            if claim.conflicts_with:
                body.append(f"\nThe other article says otherwise: {', '.join(claim.conflicts_with)}\n")
            if claim.beyond_guideline:
                body.append("\nThis verdict is b12ms's own reading: no guideline states it.\n", style="dim")
            body.append(f"\nReferences: {', '.join(claim.references)}", style="dim")
        else:
            body.append(f"References: {', '.join(claim.references)}", style="dim")
        seed = "added by b12ms" if claim.seed == "guideline" else f"from {claim.seed}"
        parts.append(Panel(body, title=f"{claim.id}", subtitle=seed, title_align="left", subtitle_align="right"))
    if not full:
        parts.append(Text("b12ms claims show ID gives the explanation, sources and citation check.", style="dim"))
    return Group(*parts)
