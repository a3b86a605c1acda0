"""Collects what the rules conclude, so every flag and finding carries its rule and sources.

Words and references come from the knowledge; rule modules only say which flag or rule fired
and add the patient-specific detail (which result, which value).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from b12ms.engine.assessment import Finding, FlagOut
from b12ms.knowledge import Knowledge

_SEVERITY_ORDER = {"critical": 0, "warning": 1, "info": 2}


@dataclass
class Trace:
    kb: Knowledge
    _flags: dict[str, list[str]] = field(default_factory=dict)
    _findings: list[Finding] = field(default_factory=list)
    _next: list[str] = field(default_factory=list)
    _missing: list[str] = field(default_factory=list)

    def flag(self, flag_id: str, detail: str | None = None) -> None:
        details = self._flags.setdefault(flag_id, [])
        if detail and detail not in details:
            details.append(detail)

    def has_flag(self, flag_id: str) -> bool:
        return flag_id in self._flags

    def finding(self, rule_id: str, message: str) -> None:
        rule = self.kb.rules[rule_id]
        self._findings.append(Finding(rule=rule_id, message=message, references=list(rule.references)))

    def next_test(self, analyte: str) -> None:
        if analyte not in self._next:
            self._next.append(analyte)

    def missing(self, item: str, message: str) -> None:
        if item not in self._missing:
            self._missing.append(item)
            self.finding("input.missing", message)

    @property
    def next_tests(self) -> list[str]:
        return list(self._next)

    @property
    def missing_items(self) -> list[str]:
        return list(self._missing)

    @property
    def findings(self) -> list[Finding]:
        return list(self._findings)

    def flags(self) -> list[FlagOut]:
        """Flags in severity order (critical first), then in the order they were raised."""
        out = []
        for flag_id, details in self._flags.items():
            flag = self.kb.flags[flag_id]
            message = flag.message if not details else f"{flag.message} Here: {'; '.join(details)}."
            out.append(FlagOut(id=flag_id, severity=flag.severity, message=message, references=list(flag.references)))
        return sorted(out, key=lambda f: _SEVERITY_ORDER[f.severity])
