"""Posted form values and the errors to show beside fields: shared by every page with a form."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

__all__ = ["FieldErrors", "FormValues"]


class FormValues:
    """What the form holds: every name with its list of values (checkbox groups have several)."""

    def __init__(self, items: Iterable[tuple[str, Any]] = ()) -> None:
        self._values: dict[str, list[str]] = {}
        for name, value in items:
            if isinstance(value, str):
                self._values.setdefault(name, []).append(value)

    def get(self, name: str) -> str:
        found = self._values.get(name)
        return found[0].strip() if found else ""

    def getlist(self, name: str) -> list[str]:
        return [v.strip() for v in self._values.get(name, []) if v.strip()]

    def set(self, name: str, value: str | Sequence[str]) -> None:
        self._values[name] = [value] if isinstance(value, str) else list(value)

    def checked(self, name: str, value: str) -> bool:
        return value in self.getlist(name)

    def names(self) -> list[str]:
        return list(self._values)


@dataclass
class FieldErrors:
    """Errors by form field name, and those no field can show (listed at the top)."""

    by_field: dict[str, str] = field(default_factory=dict)
    general: list[str] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.by_field or self.general)
