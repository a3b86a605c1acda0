"""The functions behind ``b12ms history add|list|export|import``."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from b12ms import parse_snapshot
from b12ms.errors import InputError
from b12ms.knowledge import Knowledge
from b12ms.store import Store, open_store
from b12ms.store.commands import (
    add_to_history,
    export_history_text,
    history_listing,
    import_history_text,
    person_named,
)

from .helpers import AS_OF, b12_snapshot


def test_history_add_creates_the_person_once_and_says_so(store: Store, kb: Knowledge) -> None:
    snapshot = parse_snapshot(b12_snapshot())
    first = add_to_history(store, "Mum", snapshot, kb, AS_OF)
    second = add_to_history(store, "Mum", snapshot, kb, date(2026, 11, 2))
    assert (first.person_created, second.person_created) == (True, False)
    assert first.person == second.person
    [(person, saved)] = history_listing(store)
    assert person.display_name == "Mum"
    assert [s.id for s in saved] == [first.saved.id, second.saved.id]


def test_history_list_for_an_unknown_person_suggests_the_nearest_name(store: Store) -> None:
    store.add_person("Mum")
    with pytest.raises(InputError) as caught:
        history_listing(store, "Mun")
    assert caught.value.problems[0].suggestion == "Mum"
    assert person_named(store, "Mum").display_name == "Mum"


def test_history_export_then_import_into_another_store(store: Store, kb: Knowledge, tmp_path: Path) -> None:
    add_to_history(store, "Mum", parse_snapshot(b12_snapshot()), kb, AS_OF)
    add_to_history(store, "Dad", parse_snapshot(b12_snapshot(value=400)), kb, AS_OF)
    text = export_history_text(store, "Mum")
    assert [p["display_name"] for p in json.loads(text)["people"]] == ["Mum"]

    with open_store(f"sqlite:///{tmp_path / 'other.db'}") as other:
        summary = import_history_text(other, text, source="mum.json")
        assert (summary.people_added, summary.assessments_added, summary.lab_results_added) == (1, 1, 2)
        assert export_history_text(other) == text


def test_history_import_of_broken_json_names_the_file_and_line(store: Store) -> None:
    with pytest.raises(InputError, match=r"mum\.json is not valid JSON.*line 1"):
        import_history_text(store, '{"format": ', source="mum.json")
