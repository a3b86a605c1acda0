"""The b12ms error tree.

One small hierarchy; adapters map it at the edge (CLI exit codes, HTTP statuses, FHIR
OperationOutcome, a banner on a page). Any other exception is a bug and keeps its traceback.

    B12msError                 base of everything b12ms raises on purpose
    ├── InputError             the caller's data is wrong (CLI exit 2, HTTP 422)
    ├── KnowledgeError         a knowledge data file is invalid (CLI exit 1, HTTP 500)
    └── ConfigError            settings or environment are wrong (CLI exit 2, HTTP 500)

``InputError`` carries every problem found, not just the first, so a person can fix a form in
one pass. Each problem names the field path (``labs[1].unit``) and, where it can, the value the
person probably meant.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["B12msError", "ConfigError", "InputError", "KnowledgeError", "Problem"]


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with an input, located by its field path."""

    path: str
    message: str
    suggestion: str | None = None

    def __str__(self) -> str:
        text = f"{self.path}: {self.message}" if self.path else self.message
        if self.suggestion:
            text += f" (did you mean {self.suggestion}?)"
        return text

    def as_dict(self) -> dict[str, str | None]:
        return {"path": self.path, "message": self.message, "suggestion": self.suggestion}


class B12msError(Exception):
    """Base class of every error b12ms raises on purpose."""

    exit_code = 1
    http_status = 500


class InputError(B12msError):
    """The input is wrong; ``problems`` lists every problem found, each with its field path."""

    exit_code = 2
    http_status = 422

    def __init__(self, problems: list[Problem] | Problem | str) -> None:
        if isinstance(problems, str):
            problems = [Problem("", problems)]
        elif isinstance(problems, Problem):
            problems = [problems]
        if not problems:
            raise ValueError("InputError needs at least one problem")
        self.problems: tuple[Problem, ...] = tuple(problems)
        super().__init__("; ".join(str(p) for p in self.problems))


class KnowledgeError(B12msError):
    """A knowledge data file is invalid: the message names the file, the entry and the rule."""

    exit_code = 1
    http_status = 500


class ConfigError(B12msError):
    """A setting or the environment is wrong (bad path, missing token, unknown engine)."""

    exit_code = 2
    http_status = 500
