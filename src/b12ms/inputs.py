"""Turn untrusted input (JSON from a file, a form or an API call) into validated models.

Every adapter parses through :func:`validate_input`, so the CLI, the web form and the API all
report the same messages: one :class:`~b12ms.errors.Problem` per fault, each naming its field
path in the style ``labs[1].unit`` and, for an unknown key, the key that was probably meant.
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Iterable, Sequence
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from b12ms.errors import InputError, Problem

__all__ = ["closest", "field_path", "parse_json_text", "validate_input"]

M = TypeVar("M", bound=BaseModel)


def closest(word: str, choices: Iterable[str], *, cutoff: float = 0.6) -> str | None:
    """The choice most like ``word`` (case-insensitive), or None when nothing is close."""
    lowered = {c.lower(): c for c in choices}
    found = difflib.get_close_matches(word.lower(), list(lowered), n=1, cutoff=cutoff)
    return lowered[found[0]] if found else None


def field_path(loc: Sequence[str | int]) -> str:
    """``("labs", 1, "unit")`` → ``labs[1].unit``."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


def _model_fields_at(model: type[BaseModel], loc: Sequence[str | int]) -> list[str]:
    """The field names of the nested model that ``loc`` points into (for did-you-mean)."""
    current: Any = model
    for part in loc:
        if isinstance(part, int):
            continue
        fields = getattr(current, "model_fields", None)
        if not fields or part not in fields:
            return []
        annotation = fields[part].annotation
        current = _innermost_model(annotation)
        if current is None:
            return []
    fields = getattr(current, "model_fields", None)
    return list(fields) if fields else []


def _innermost_model(annotation: Any) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in getattr(annotation, "__args__", ()) or ():
        found = _innermost_model(arg)
        if found is not None:
            return found
    return None


def problems_from_validation(model: type[BaseModel], error: ValidationError) -> list[Problem]:
    """Translate pydantic's errors into b12ms problems with field paths and suggestions."""
    problems: list[Problem] = []
    for item in error.errors(include_url=False):
        loc = [p for p in item["loc"] if not (isinstance(p, str) and p.startswith("function-"))]
        path = field_path(loc)
        kind = item["type"]
        if kind == "extra_forbidden":
            key = str(loc[-1]) if loc else ""
            known = _model_fields_at(model, loc[:-1])
            problems.append(Problem(path, "is not a known field", closest(key, known)))
        elif kind == "missing":
            problems.append(Problem(path, "is required but missing"))
        elif kind == "literal_error":
            expected = item.get("ctx", {}).get("expected", "")
            given = item.get("input")
            choices = [c.strip().strip("'") for c in str(expected).replace(" or ", ",").split(",")]
            hint = closest(str(given), [c for c in choices if c]) if given is not None else None
            problems.append(Problem(path, f"must be one of {expected}, not {given!r}", hint))
        else:
            message = item["msg"]
            if message.startswith("Value error, "):
                message = message[len("Value error, ") :]
            problems.append(Problem(path, message))
    return problems


def validate_input(model: type[M], data: Any) -> M:
    """Validate ``data`` as ``model``; raise :class:`InputError` listing every problem."""
    try:
        return model.model_validate(data)
    except ValidationError as error:
        raise InputError(problems_from_validation(model, error)) from None


def parse_json_text(text: str, *, source: str = "input") -> Any:
    """Parse JSON, turning a syntax error into an InputError that says where it is."""
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        raise InputError(
            Problem("", f"{source} is not valid JSON: {error.msg} at line {error.lineno} column {error.colno}")
        ) from None
