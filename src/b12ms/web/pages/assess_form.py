"""The assessment form: its fields, turning a posted form into a snapshot, and errors back to fields.

The form posts flat names (``age``, ``labs-2-unit``, ``medications-0``); :func:`snapshot_data`
builds the snapshot dict the library parses, skipping empty rows and remembering which form row
each snapshot entry came from, so a library problem at ``labs[1].unit`` is shown beside the field
``labs-3-unit`` (:func:`field_for_path`). Values are passed through as typed: the library's own
validation decides what is wrong, and :func:`humanise` only rewords its messages for a person.
Pinned by ``tests/web_pages/test_assess_form.py``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from b12ms.errors import Problem
from b12ms.knowledge import Knowledge
from b12ms.web.pages.form_values import FieldErrors, FormValues

__all__ = [
    "LAB_FIELDS",
    "SUPPLEMENT_FIELDS",
    "error_summary",
    "field_for_path",
    "field_label",
    "humanise",
    "map_problems",
    "row_count",
    "snapshot_data",
]

LAB_FIELDS = ("analyte", "value", "unit", "date", "ref_low", "ref_high")
SUPPLEMENT_FIELDS = ("name", "dose_value", "dose_unit", "route", "started", "last_taken")
ROW_GROUPS: dict[str, tuple[str, ...]] = {"labs": LAB_FIELDS, "supplements": SUPPLEMENT_FIELDS}
LIST_GROUPS = ("medications", "conditions_other", "surgery_other")
DEFAULT_ROWS = {"labs": 3, "supplements": 2, "medications": 3, "conditions_other": 1, "surgery_other": 1}
MAX_ROWS = 40
_SELECTS = {"unit", "dose_unit", "route"}  # have a default choice, so they do not make a row "filled"
_YES_NO = {"yes": True, "no": False}
_PATH = re.compile(r"^(?P<group>[a-z_]+)(?:\[(?P<index>\d+)\])?(?:\.(?P<rest>.+))?$")
_LAB_SUBFIELD = {
    "": "value",
    "analyte": "analyte",
    "value": "value",
    "result": "value",
    "unit": "unit",
    "date": "date",
    "reference_range": "ref_low",
    "reference_range.low": "ref_low",
    "reference_range.high": "ref_high",
}
_SUPPLEMENT_SUBFIELD = {
    "": "last_taken",
    "name": "name",
    "dose_per_day": "dose_value",
    "dose_per_day.value": "dose_value",
    "dose_per_day.unit": "dose_unit",
    "route": "route",
    "started": "started",
    "last_taken": "last_taken",
}


def _row_prefix(group: str, index: int) -> str:
    return f"{group}-{index}"


def row_count(values: FormValues, group: str, extra: int = 0) -> int:
    """Rows to show for ``group``: every row that was posted, at least the default, plus ``extra``."""
    pattern = re.compile(rf"^{re.escape(group)}-(\d+)")
    highest = -1
    for name in values.names():
        match = pattern.match(name)
        if match:
            highest = max(highest, int(match.group(1)))
    return min(MAX_ROWS, max(DEFAULT_ROWS[group], highest + 1) + extra)


@dataclass
class _Origins:
    """Which form field each snapshot list entry came from (``("labs", 1) -> "labs-3"``), and the
    problems found while turning text into numbers (the snapshot model is strict: "150" is not 150)."""

    by_entry: dict[tuple[str, int], str] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)

    def add(self, group: str, index: int, form_name: str) -> None:
        self.by_entry[(group, index)] = form_name

    def number(self, text: str, path: str, *, whole: bool = False) -> float | int | None:
        """``text`` as a number, or None with a problem at ``path`` (the field is then left out)."""
        cleaned = text.strip().replace(" ", "")
        try:
            if whole:
                if not cleaned.isdigit():
                    raise ValueError(text)
                return int(cleaned)
            return float(cleaned)
        except ValueError:
            message = "Enter a whole number" if whole else "Enter a number, like 240 or 9.1 (use a dot for decimals)"
            self.problems.append(Problem(path, message))
            return None


def _row_filled(values: FormValues, group: str, index: int) -> bool:
    return any(values.get(f"{_row_prefix(group, index)}-{name}") for name in ROW_GROUPS[group] if name not in _SELECTS)


def _lab(values: FormValues, prefix: str, path: str, origins: _Origins, kb: Knowledge) -> dict[str, Any]:
    def get(name: str) -> str:
        return values.get(f"{prefix}-{name}")

    lab: dict[str, Any] = {"analyte": get("analyte")}
    analyte_id = kb.find_analyte(get("analyte")) if get("analyte") else None
    qualitative = analyte_id is not None and kb.analytes[analyte_id].kind == "qualitative"
    if get("value") and qualitative:
        lab["result"] = get("value")
    elif get("value"):
        number = origins.number(get("value"), f"{path}.value")
        if number is not None:
            lab["value"] = number
    if get("unit") and not qualitative:
        lab["unit"] = get("unit")
    if get("date"):
        lab["date"] = get("date")
    reference: dict[str, Any] = {}
    for key, name in (("low", "ref_low"), ("high", "ref_high")):
        if get(name):
            bound = origins.number(get(name), f"{path}.reference_range.{key}")
            if bound is not None:
                reference[key] = bound
    if reference:
        lab["reference_range"] = reference
    return lab


def _supplement(values: FormValues, prefix: str, path: str, origins: _Origins, kb: Knowledge) -> dict[str, Any]:
    def get(name: str) -> str:
        return values.get(f"{prefix}-{name}")

    supplement: dict[str, Any] = {"name": get("name")}
    if get("dose_value"):
        dose = origins.number(get("dose_value"), f"{path}.dose_per_day.value")
        if dose is not None:
            supplement["dose_per_day"] = {"value": dose, "unit": get("dose_unit") or "mg"}
    for key in ("route", "started", "last_taken"):
        if get(key):
            supplement[key] = get(key)
    return supplement


def snapshot_data(values: FormValues, kb: Knowledge) -> tuple[dict[str, Any], _Origins]:
    """The snapshot dict for :func:`b12ms.parse_snapshot`, and where each list entry came from."""
    data: dict[str, Any] = {}
    origins = _Origins()
    if values.get("age"):
        age = origins.number(values.get("age"), "age", whole=True)
        if age is not None:
            data["age"] = age
    for name in ("sex", "ms", "diet"):
        if values.get(name):
            data[name] = values.get(name)
    for name in ("pregnant", "breastfeeding", "black_family_background"):
        answer = values.get(name)
        if answer in _YES_NO:
            data[name] = _YES_NO[answer]
        elif answer:
            data[name] = answer  # not yes/no: let validation say so
    for group, other in (("conditions", "conditions_other"), ("surgery", "surgery_other")):
        names = [(value, group) for value in values.getlist(group)]
        names += [(values.get(f"{other}-{i}"), f"{other}-{i}") for i in range(row_count(values, other))]
        entries = [(name, origin) for name, origin in names if name]
        for index, (_, origin) in enumerate(entries):
            origins.add(group, index, origin)
        if entries:
            data[group] = [name for name, _ in entries]
    rows = range(row_count(values, "medications"))
    medications = [(values.get(f"medications-{i}"), f"medications-{i}") for i in rows if values.get(f"medications-{i}")]
    for index, (_, origin) in enumerate(medications):
        origins.add("medications", index, origin)
    if medications:
        data["medications"] = [name for name, _ in medications]
    if values.get("nitrous_oxide") == "yes":
        data["exposures"] = ["nitrous_oxide"]
    for group in ("symptoms", "signs"):
        if values.getlist(group):
            data[group] = values.getlist(group)
    for group, build in (("supplements", _supplement), ("labs", _lab)):
        entries_out: list[dict[str, Any]] = []
        for row in range(row_count(values, group)):
            if not _row_filled(values, group, row):
                continue
            prefix = _row_prefix(group, row)
            path = f"{group}[{len(entries_out)}]"
            origins.add(group, len(entries_out), prefix)
            entries_out.append(build(values, prefix, path, origins, kb))
        if entries_out:
            data[group] = entries_out
    return data, origins


def field_for_path(path: str, origins: _Origins) -> str | None:
    """The form field that shows a problem at ``path`` (``labs[1].unit`` -> ``labs-3-unit``)."""
    match = _PATH.match(path)
    if match is None:
        return None
    group, index, rest = match.group("group"), match.group("index"), match.group("rest") or ""
    if index is None:
        return {"exposures": "nitrous_oxide"}.get(group, group if not rest else None)
    origin = origins.by_entry.get((group, int(index)))
    if origin is None:
        return None
    if group == "labs":
        return f"{origin}-{_LAB_SUBFIELD.get(rest, 'value')}"
    if group == "supplements":
        return f"{origin}-{_SUPPLEMENT_SUBFIELD.get(rest, 'name')}"
    return origin


_REWORDED: tuple[tuple[str, str], ...] = (
    ("valid integer", "Enter age as a whole number of years"),
    ("greater than or equal to 16", "NICE NG239, which b12ms follows, covers people aged 16 and over"),
    ("less than or equal to 120", "Enter an age of 120 or less"),
    ("valid date", "Enter a date like 2026-10-12"),
    ("input is too short", "Enter a date like 2026-10-12"),
    ("at least 1 character", "This cannot be empty"),
    ("a lab result needs a value", "Enter the result (a number, or positive/negative for an antibody test)"),
)
_MISSING = {"date": "Enter the date the sample was taken", "analyte": "Choose which test this is"}


def humanise(problem: Problem, field_name: str | None, kb: Knowledge) -> str:
    """The library's message reworded for a person; ids of tests become their plain names."""
    text = problem.message
    kind = (field_name or "").rsplit("-", 1)[-1]
    if text == "is required but missing":
        text = _MISSING.get(kind, "This is required")
    elif kind == "analyte" and "at least 1 character" in text:
        text = _MISSING["analyte"]
    else:
        for needle, replacement in _REWORDED:
            if needle in text:
                text = replacement
                break
    for analyte_id, analyte in kb.analytes.items():
        text = re.sub(rf"\b{analyte_id}\b", analyte.plain_name, text)
    text = text[:1].upper() + text[1:]
    if problem.suggestion:
        suggestion = problem.suggestion
        left, equals, right = suggestion.partition(" = ")
        if equals and left == right:  # "240 pmol/L = 240 pmol/L": the unit is already canonical
            suggestion = left
        text += f". Did you mean {suggestion}?"
    return text


def map_problems(problems: Iterable[Problem], origins: _Origins, kb: Knowledge) -> FieldErrors:
    errors = FieldErrors()
    for problem in problems:
        name = field_for_path(problem.path, origins)
        message = humanise(problem, name, kb)
        if name is None:
            errors.general.append(f"{problem.path}: {message}" if problem.path else message)
        elif name not in errors.by_field:  # the first problem is the one to fix first
            errors.by_field[name] = message
    return errors


_TOP_LABELS = {
    "age": "Age",
    "sex": "Sex",
    "ms": "MS",
    "pregnant": "Pregnant",
    "breastfeeding": "Breastfeeding",
    "black_family_background": "Family background",
    "diet": "Diet",
    "nitrous_oxide": "Nitrous oxide",
    "conditions": "Conditions",
    "surgery": "Operations",
    "symptoms": "Symptoms",
    "signs": "Signs",
}
_GROUP_LABELS = {
    "labs": "Lab result",
    "supplements": "Supplement",
    "medications": "Medicine",
    "conditions_other": "Other condition",
    "surgery_other": "Other operation",
}
_PART_LABELS = {
    "analyte": "test",
    "value": "result",
    "unit": "unit",
    "date": "date",
    "ref_low": "lab range, lower limit",
    "ref_high": "lab range, upper limit",
    "name": "name",
    "dose_value": "dose",
    "dose_unit": "dose unit",
    "route": "how it is taken",
    "started": "date started",
    "last_taken": "date last taken",
}


def field_label(name: str) -> str:
    """How the error summary names a field: ``labs-3-unit`` -> "Lab result 4, unit"."""
    if name in _TOP_LABELS:
        return _TOP_LABELS[name]
    group, _, rest = name.partition("-")
    index, _, part = rest.partition("-")
    if group not in _GROUP_LABELS or not index.isdigit():
        return name
    label = f"{_GROUP_LABELS[group]} {int(index) + 1}"
    return f"{label}, {_PART_LABELS.get(part, part)}" if part else label


def error_summary(errors: FieldErrors) -> list[tuple[str | None, str, str]]:
    """``(field id, field label, message)`` for the summary at the top of the form."""
    items: list[tuple[str | None, str, str]] = [(None, "", message) for message in errors.general]
    items += [(name, field_label(name), message) for name, message in errors.by_field.items()]
    return items
