"""Human labels for ids, taken from the knowledge (never typed in renderers)."""

from __future__ import annotations

from b12ms.knowledge import Knowledge


def analyte_label(kb: Knowledge, analyte: str) -> str:
    if analyte in kb.analytes:
        return kb.analytes[analyte].plain_name
    return analyte.replace("_", " ")


def term_label(kb: Knowledge, term_id: str) -> str:
    for terms in kb.terms.values():
        if term_id in terms:
            return terms[term_id].label
    return term_id.replace("_", " ")


def reference_line(kb: Knowledge, ref_id: str) -> str:
    ref = kb.references.get(ref_id)
    if ref is None:
        return ref_id
    link = ref.url or (f"https://doi.org/{ref.doi}" if ref.doi else None)
    return f"{ref.citation}" + (f" {link}" if link else "")


def references_used(ids_lists: list[list[str]]) -> list[str]:
    """Every reference id in first-mention order, each once."""
    seen: dict[str, None] = {}
    for ids in ids_lists:
        for ref in ids:
            seen.setdefault(ref, None)
    return list(seen)
