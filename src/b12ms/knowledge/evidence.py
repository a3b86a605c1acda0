"""Load the evidence half of the knowledge: graded claims and the forms/routes/safety table.

Validated on load like the core (unknown keys, duplicate ids, dangling references and links),
and part of the same content hash, so every output names the evidence it was built from.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Any

from pydantic import ValidationError

from b12ms.errors import KnowledgeError
from b12ms.knowledge.evidence_schema import (
    CLAIMS_FILE,
    FORMS_FILE,
    Claim,
    ClaimsFile,
    FormsFile,
    check_evidence,
)

__all__ = ["Evidence", "load_evidence"]


@dataclass(frozen=True)
class Evidence:
    claims: tuple[Claim, ...]
    claims_by_id: MappingProxyType[str, Claim]
    forms: FormsFile


def _parse(path: Path, model: type[ClaimsFile] | type[FormsFile]) -> Any:
    try:
        with path.open("rb") as handle:
            raw = tomllib.load(handle)
    except FileNotFoundError:
        raise KnowledgeError(f"{path.name}: knowledge file is missing") from None
    except tomllib.TOMLDecodeError as error:
        raise KnowledgeError(f"{path.name}: not valid TOML: {error}") from None
    try:
        return model.model_validate(raw)
    except ValidationError as error:
        first = error.errors()[0]
        loc = first["loc"]
        entry = ""
        if len(loc) >= 2 and isinstance(loc[1], int):
            rows = raw.get(str(loc[0]), [])
            if isinstance(rows, list) and loc[1] < len(rows) and isinstance(rows[loc[1]], dict):
                entry = f" entry {rows[loc[1]].get('id', loc[1])!r}"
        where = ".".join(str(p) for p in loc)
        more = f" (and {error.error_count() - 1} more)" if error.error_count() > 1 else ""
        raise KnowledgeError(f"{path.name}:{entry} {where}: {first['msg']}{more}") from None


def load_evidence(data_dir: Path, reference_ids: set[str]) -> Evidence:
    claims: ClaimsFile = _parse(data_dir / CLAIMS_FILE, ClaimsFile)
    forms: FormsFile = _parse(data_dir / FORMS_FILE, FormsFile)
    problems = check_evidence(claims, forms, reference_ids)
    if problems:
        raise KnowledgeError("; ".join(problems))
    return Evidence(
        claims=claims.claim,
        claims_by_id=MappingProxyType({c.id: c for c in claims.claim}),
        forms=forms,
    )
