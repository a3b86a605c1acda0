"""Claims as Markdown: the CLI's markdown format and the generated docs/claims.md."""

from __future__ import annotations

from b12ms.claims import AUDIT_LABELS, GRADE_LABELS, VERDICT_LABELS
from b12ms.knowledge import Knowledge
from b12ms.knowledge.evidence_schema import Claim


def claim_markdown(claim: Claim) -> list[str]:
    out = [
        f"### {claim.id}",
        "",
        f"*{claim.claim}*",
        "",
        f"**{VERDICT_LABELS[claim.verdict]}** · evidence certainty **{GRADE_LABELS[claim.grade]}** · "
        f"topic {claim.topic.replace('_', ' ')}"
        + (" · b12ms's own reading (no guideline states it)" if claim.beyond_guideline else ""),
        "",
        claim.explanation.strip(),
        "",
    ]
    for audit in claim.citation_audit:
        out += [
            f"- Citation as given: {audit.citation}",
            f"  - Check: **{AUDIT_LABELS[audit.status]}**. Actually: {audit.actual}. {audit.finding}"
            f" [{', '.join(audit.references)}]",
        ]
    if claim.conflicts_with:
        out.append(f"- The other article says otherwise: {', '.join(f'[{c}](#{c})' for c in claim.conflicts_with)}")
    out += [f"- References: {', '.join(claim.references)}", ""]
    return out


def claims_markdown(claims: list[Claim], kb: Knowledge) -> str:
    out = [f"# Claims ({len(claims)})", ""]
    for claim in claims:
        out += claim_markdown(claim)
    return "\n".join(out) + "\n"


def claims_document(kb: Knowledge) -> str:
    """docs/claims.md: every claim, grouped by seed in reading order, then the bibliography used."""
    claims = sorted(kb.evidence.claims, key=lambda c: (c.seed == "guideline", c.seed, c.order))
    counts: dict[str, int] = {}
    for claim in claims:
        counts[claim.verdict] = counts.get(claim.verdict, 0) + 1
    out = [
        "# Claims about B12 and MS, graded",
        "",
        "Generated from `src/b12ms/knowledge/data/claims.toml` by `make docs`; `make test` fails when it drifts.",
        f"Knowledge version {kb.version}. Verdicts: "
        + ", ".join(f"{VERDICT_LABELS[v].lower()} {n}" for v, n in sorted(counts.items()))
        + ".",
        "",
        "The seed articles are material b12ms grades, not authorities. Verdict = what the evidence says about "
        "the claim; certainty = how sure that evidence is (GRADE wording).",
        "",
    ]
    current = None
    for claim in claims:
        if claim.seed != current:
            current = claim.seed
            title = "Claims b12ms adds" if current == "guideline" else f"Seed article `{current}`"
            out += [f"## {title}", ""]
        out += claim_markdown(claim)
    used = sorted(
        {r for c in claims for r in c.references} | {r for c in claims for a in c.citation_audit for r in a.references}
    )
    out += ["## References", ""]
    out += [f"- **{r}**: {kb.references[r].citation}" for r in used]
    return "\n".join(out) + "\n"
