"""Saving assessments: what goes in comes back out, charts read canonical units, nothing doubles."""

from __future__ import annotations

import os
import stat
from datetime import date
from pathlib import Path

import pytest

from b12ms.errors import InputError
from b12ms.knowledge import Knowledge
from b12ms.store import CHART_ANALYTES, LabPoint, Store, TreatmentEvent

from .helpers import assessed, b12_snapshot


def test_a_saved_assessment_reads_back_identical(store: Store, kb: Knowledge) -> None:
    snapshot, result = assessed(kb, b12_snapshot(symptoms=["fatigue"], diet="vegan"))
    person = store.add_person("Mum")
    saved = store.save_assessment(person.id, snapshot, result, kb)

    stored = store.get_assessment(saved.id)

    assert stored.snapshot == snapshot
    assert stored.assessment == result
    assert stored.saved == saved
    assert (saved.status, saved.urgency, saved.as_of) == (result.status, result.urgency, result.as_of)
    assert saved.knowledge_sha256 == kb.sha256 == result.versions.knowledge_sha256


def test_assessments_are_listed_per_person_oldest_first(store: Store, kb: Knowledge) -> None:
    mum, dad = store.add_person("Mum"), store.add_person("Dad")
    later = store.save_assessment(mum.id, *assessed(kb, b12_snapshot(), date(2026, 11, 1)), kb)
    earlier = store.save_assessment(mum.id, *assessed(kb, b12_snapshot(), date(2026, 10, 20)), kb)
    store.save_assessment(dad.id, *assessed(kb, b12_snapshot(value=500)), kb)

    assert [a.id for a in store.list_assessments(mum.id)] == [earlier.id, later.id]
    assert len(store.list_assessments(dad.id)) == 1
    assert [p.display_name for p in store.list_people()] == ["Dad", "Mum"]


def test_lab_series_is_in_the_canonical_unit_whatever_unit_was_entered(store: Store, kb: Knowledge) -> None:
    person = store.add_person("Mum")
    store.save_assessment(person.id, *assessed(kb, b12_snapshot(value=271, unit="ng/L", day="2026-01-10")), kb)
    store.save_assessment(person.id, *assessed(kb, b12_snapshot(value=200, unit="pmol/L", day="2026-06-10")), kb)

    series = store.lab_series(person.id, "total_b12")

    assert [point.unit for point in series] == ["pmol/L", "pmol/L"]
    assert [point.date for point in series] == [date(2026, 1, 10), date(2026, 6, 10)]
    assert series[0].value == pytest.approx(200, abs=0.5)  # 271 ng/L of cobalamin is about 200 pmol/L
    assert series[1] == LabPoint(date(2026, 6, 10), 200.0, "pmol/L")


def test_a_lab_saved_again_with_a_later_assessment_is_stored_once(store: Store, kb: Knowledge) -> None:
    person = store.add_person("Mum")
    first = b12_snapshot()
    second = b12_snapshot()
    second["labs"].append({"analyte": "mma", "value": 0.41, "unit": "umol/L", "date": "2026-10-20"})
    store.save_assessment(person.id, *assessed(kb, first), kb)
    store.save_assessment(person.id, *assessed(kb, second), kb)

    assert len(store.lab_series(person.id, "total_b12")) == 1
    assert len(store.lab_series(person.id, "folate")) == 1
    assert len(store.lab_series(person.id, "mma")) == 1
    assert len(store.list_assessments(person.id)) == 2


def test_qualitative_results_are_stored_but_not_charted(store: Store, kb: Knowledge) -> None:
    data = b12_snapshot()
    data["labs"].append({"analyte": "if_antibodies", "result": "negative", "date": "2026-10-12"})
    person = store.add_person("Mum")
    store.save_assessment(person.id, *assessed(kb, data), kb)

    exported = store.export_json(person.id)["people"][0]["lab_results"]
    assert {"analyte": "if_antibodies", "result": "negative"}.items() <= exported[1].items()
    assert store.lab_series(person.id, "if_antibodies") == []


def test_b12_and_biotin_supplements_become_treatment_dates(store: Store, kb: Knowledge) -> None:
    supplements = [
        {"name": "hydroxocobalamin", "route": "intramuscular", "started": "2026-02-01", "last_taken": "2026-09-01"},
        {"name": "vitamin b7", "started": "2025-03-01"},
        {"name": "vitamin d", "started": "2024-01-01"},  # not a treatment the charts mark
        {"name": "cyanocobalamin", "route": "oral"},  # no date, nothing to mark
    ]
    person = store.add_person("Mum")
    store.save_assessment(person.id, *assessed(kb, b12_snapshot(supplements=supplements)), kb)

    assert store.treatment_dates(person.id) == [
        TreatmentEvent("biotin", "started", date(2025, 3, 1)),
        TreatmentEvent("b12_injection", "started", date(2026, 2, 1)),
        TreatmentEvent("b12_injection", "last_taken", date(2026, 9, 1)),
    ]


def test_an_injection_date_recorded_twice_is_kept_once(store: Store) -> None:
    person = store.add_person("Mum")
    assert store.add_treatment_event(person.id, "b12_injection", date(2026, 3, 1), note="practice nurse")
    assert not store.add_treatment_event(person.id, "b12_injection", date(2026, 3, 1))
    assert store.treatment_dates(person.id) == [
        TreatmentEvent("b12_injection", "given", date(2026, 3, 1), "practice nurse")
    ]


def test_an_unknown_treatment_kind_is_an_input_error(store: Store) -> None:
    person = store.add_person("Mum")
    with pytest.raises(InputError) as caught:
        store.add_treatment_event(person.id, "b12_tablet", date(2026, 3, 1))  # type: ignore[arg-type]
    assert caught.value.problems[0].path == "kind"


def test_an_assessment_of_another_snapshot_is_refused(store: Store, kb: Knowledge) -> None:
    snapshot, _ = assessed(kb, b12_snapshot())
    _, other = assessed(kb, {"labs": [{"analyte": "folate", "value": 9, "unit": "ug/L", "date": "2026-01-01"}]})
    person = store.add_person("Mum")
    with pytest.raises(InputError, match=r"assessment\.labs"):
        store.save_assessment(person.id, snapshot, other, kb)
    assert store.export_json(person.id)["people"][0]["lab_results"] == []


def test_two_people_cannot_share_a_display_name(store: Store) -> None:
    store.add_person("Mum")
    with pytest.raises(InputError) as caught:
        store.add_person("  Mum ")
    assert caught.value.problems[0].path == "display_name"


@pytest.mark.parametrize("name", ["", "   ", "x" * 81])
def test_a_display_name_must_be_1_to_80_characters(store: Store, name: str) -> None:
    with pytest.raises(InputError):
        store.add_person(name)


def test_a_missing_person_is_an_input_error_not_an_empty_answer(store: Store, kb: Knowledge) -> None:
    with pytest.raises(InputError, match="no person with id 42"):
        store.lab_series(42, "total_b12")
    with pytest.raises(InputError):
        store.save_assessment(42, *assessed(kb, b12_snapshot()), kb)
    with pytest.raises(InputError):
        store.get_assessment(42)


def test_person_ids_are_never_reused_after_a_delete(store: Store) -> None:
    gone = store.add_person("Gone")
    store.delete_person(gone.id)
    assert store.add_person("New").id != gone.id


def test_the_chart_analytes_are_the_five_b12_markers() -> None:
    assert CHART_ANALYTES == ("total_b12", "active_b12", "mma", "homocysteine", "folate")


def test_the_database_file_is_readable_by_its_owner_only(store: Store, db_url: str) -> None:
    path = Path(db_url.removeprefix("sqlite:///"))
    store.add_person("Mum")  # the write-ahead log exists while the store is open
    for name in (path.name, f"{path.name}-wal", f"{path.name}-shm"):
        assert stat.S_IMODE(os.stat(path.parent / name).st_mode) == 0o600, name
    assert stat.S_IMODE(os.stat(path.parent).st_mode) & 0o077 == 0
