"""What ``b12ms history add|list|export|import`` need, so the CLI stays a thin shell.

Each function takes an open :class:`Store` (the CLI opens it from its settings) and returns data;
rendering and exit codes stay in the CLI. People are addressed by display name on the command line.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from typing import Any

from b12ms.engine import PatientSnapshot, assess
from b12ms.errors import InputError, Problem
from b12ms.inputs import closest, parse_json_text
from b12ms.knowledge import Knowledge
from b12ms.store.records import ImportSummary, Person, SavedAssessment
from b12ms.store.store import Store

__all__ = [
    "HistoryAdded",
    "add_to_history",
    "export_history_text",
    "history_listing",
    "import_history_text",
    "person_named",
]


@dataclass(frozen=True, slots=True)
class HistoryAdded:
    person: Person
    person_created: bool  # the CLI says so: a mistyped --person would otherwise start a new history
    saved: SavedAssessment


def person_named(store: Store, name: str) -> Person:
    """The person called ``name``; InputError (with the nearest name) when there is none."""
    person = store.find_person(name)
    if person is None:
        names = [p.display_name for p in store.list_people()]
        raise InputError(Problem("--person", "no person by that name in this history", closest(name, names)))
    return person


def add_to_history(
    store: Store, person_name: str, snapshot: PatientSnapshot, knowledge: Knowledge, as_of: date
) -> HistoryAdded:
    """``history add FILE --person NAME``: assess the snapshot and save both, adding the person if new."""
    result = assess(snapshot, knowledge, as_of)
    person = store.find_person(person_name)
    created = person is None
    if person is None:
        person = store.add_person(person_name)
    saved = store.save_assessment(person.id, snapshot, result, knowledge)
    return HistoryAdded(person, created, saved)


def history_listing(store: Store, person_name: str | None = None) -> list[tuple[Person, list[SavedAssessment]]]:
    """``history list [--person NAME]``: each person (or the one named) with their saved assessments."""
    people = [person_named(store, person_name)] if person_name is not None else store.list_people()
    return [(person, store.list_assessments(person.id)) for person in people]


def export_history_text(store: Store, person_name: str | None = None) -> str:
    """``history export [--person NAME]``: the ``b12ms-history`` document as JSON text."""
    person_id = None if person_name is None else person_named(store, person_name).id
    document: dict[str, Any] = store.export_json(person_id)
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def import_history_text(store: Store, text: str, *, source: str = "input") -> ImportSummary:
    """``history import FILE``: parse and import; InputError names the JSON path of any problem."""
    return store.import_json(parse_json_text(text, source=source))
