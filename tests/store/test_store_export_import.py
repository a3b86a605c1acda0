"""Export and import: lossless, idempotent, all-or-nothing, and precise about bad documents."""

from __future__ import annotations

import copy
import tempfile
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from b12ms.errors import InputError
from b12ms.knowledge import Knowledge, load_knowledge
from b12ms.store import FORMAT_ID, FORMAT_VERSION, Store, open_store

from .helpers import assessed, b12_snapshot

KB = load_knowledge()  # module level: Hypothesis strategies are built before fixtures exist
FIRST_DAY = date(2020, 1, 1)
LAST_DAY = date(2027, 12, 31)
QUANTITATIVE = [a for a in KB.analytes.values() if a.kind == "quantitative"]


@st.composite
def lab_dicts(draw: st.DrawFn, as_of: date) -> dict[str, Any]:
    day = draw(st.dates(FIRST_DAY, as_of)).isoformat()
    if draw(st.integers(0, 9)) == 0:
        return {"analyte": "if_antibodies", "result": draw(st.sampled_from(["positive", "negative"])), "date": day}
    analyte = draw(st.sampled_from(QUANTITATIVE))
    unit = KB.unit_fact(analyte.id, draw(st.sampled_from(KB.unit_codes(analyte.id))))
    window = analyte.plausible
    assert unit is not None
    assert window is not None
    # Drawn in the canonical unit and kept well inside the plausible window, so that rounding
    # on the way back from another unit cannot push it out.
    canonical = draw(st.floats(window.low * 1.01, window.high * 0.99))
    lab: dict[str, Any] = {
        "analyte": analyte.id,
        "value": canonical / unit.to_canonical,
        "unit": unit.code,
        "date": day,
    }
    if draw(st.booleans()):
        lab["reference_range"] = {"low": draw(st.floats(0, 100)), "high": draw(st.floats(101, 2000))}
    return lab


@st.composite
def supplement_dicts(draw: st.DrawFn, as_of: date) -> dict[str, Any]:
    name = draw(st.sampled_from(["vitamin b12", "hydroxocobalamin", "biotin", "vitamin d"]))
    started = draw(st.none() | st.dates(FIRST_DAY, as_of))
    out: dict[str, Any] = {"name": name, "route": draw(st.sampled_from([None, "oral", "sublingual", "intramuscular"]))}
    if started is not None:
        out["started"] = started.isoformat()
        if draw(st.booleans()):
            out["last_taken"] = (started + timedelta(days=draw(st.integers(0, 60)))).isoformat()
    return out


@st.composite
def snapshot_dicts(draw: st.DrawFn) -> tuple[dict[str, Any], date]:
    as_of = draw(st.dates(date(2021, 1, 1), LAST_DAY))
    data: dict[str, Any] = {
        "labs": draw(st.lists(lab_dicts(as_of), max_size=4)),
        "supplements": draw(st.lists(supplement_dicts(as_of), max_size=2)),
    }
    if draw(st.booleans()):
        data["diet"] = draw(st.sampled_from(["vegan", "omnivore", "a diet b12ms has never heard of"]))
    return data, as_of


display_names = (
    st.text(st.characters(codec="utf-8", categories=["L", "N", "Zs", "P", "So"]), min_size=1, max_size=30)
    .map(str.strip)
    .filter(bool)
)

people_plans = st.lists(
    st.tuples(
        display_names,
        st.lists(snapshot_dicts(), max_size=3),
        st.lists(st.tuples(st.dates(FIRST_DAY, LAST_DAY), st.none() | st.text(max_size=40)), max_size=3),
    ),
    max_size=3,
    unique_by=lambda plan: plan[0],
)


def _fill(store: Store, kb: Knowledge, plans: list[Any]) -> None:
    for name, snapshots, injections in plans:
        person = store.add_person(name)
        for data, as_of in snapshots:
            store.save_assessment(person.id, *assessed(kb, data, as_of), kb)
        for day, note in injections:
            store.add_treatment_event(person.id, "b12_injection", day, note=note)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(plans=people_plans)
def test_export_import_export_is_lossless(plans: list[Any]) -> None:
    with tempfile.TemporaryDirectory() as folder:
        with open_store(f"sqlite:///{Path(folder) / 'a.db'}") as source:
            _fill(source, KB, plans)
            exported = source.export_json()
        with open_store(f"sqlite:///{Path(folder) / 'b.db'}") as target:
            summary = target.import_json(copy.deepcopy(exported))
            assert target.export_json() == exported
            assert summary.people_added == len(plans)
            assert summary.lab_results_skipped == summary.treatment_events_skipped == 0
            again = target.import_json(exported)
            assert again.people_matched == len(plans)
            assert again.people_added == again.assessments_added == again.lab_results_added == 0
            assert target.export_json() == exported


def test_importing_twice_adds_nothing_the_second_time(store: Store, kb: Knowledge) -> None:
    person = store.add_person("Mum")
    store.save_assessment(person.id, *assessed(kb, b12_snapshot()), kb)
    exported = store.export_json()
    summary = store.import_json(exported)
    assert (summary.people_matched, summary.assessments_skipped, summary.lab_results_skipped) == (1, 1, 2)
    assert store.export_json() == exported


def test_an_import_adds_new_records_to_a_person_already_present(store: Store, kb: Knowledge, tmp_path: Path) -> None:
    person = store.add_person("Mum")
    store.save_assessment(person.id, *assessed(kb, b12_snapshot(day="2026-01-10")), kb)
    with open_store(f"sqlite:///{tmp_path / 'laptop.db'}") as laptop:
        laptop.import_json(store.export_json())
        [mum] = laptop.list_people()
        laptop.save_assessment(mum.id, *assessed(kb, b12_snapshot(value=300, day="2026-10-12")), kb)
        newer = laptop.export_json()

    summary = store.import_json(newer)

    assert (summary.people_matched, summary.assessments_added, summary.assessments_skipped) == (1, 1, 1)
    assert (summary.lab_results_added, summary.lab_results_skipped) == (2, 2)
    assert store.export_json() == newer


def test_a_different_person_with_a_taken_name_is_refused_and_nothing_is_imported(
    store: Store, kb: Knowledge, tmp_path: Path
) -> None:
    with open_store(f"sqlite:///{tmp_path / 'other.db'}") as other:
        other.add_person("Aunt")
        mum = other.add_person("Mum")
        other.save_assessment(mum.id, *assessed(kb, b12_snapshot()), kb)
        exported = other.export_json()
    store.add_person("Mum")  # a different person who happens to have the same pseudonym
    with pytest.raises(InputError) as caught:
        store.import_json(exported)
    assert [p.path for p in caught.value.problems] == ["people[1].display_name"]
    assert [p.display_name for p in store.list_people()] == ["Mum"]  # Aunt was not imported either


def _document(store: Store, kb: Knowledge) -> dict[str, Any]:
    person = store.add_person("Mum")
    store.save_assessment(person.id, *assessed(kb, b12_snapshot()), kb)
    return store.export_json()


def test_the_document_names_its_format_and_version(store: Store, kb: Knowledge) -> None:
    document = _document(store, kb)
    assert (document["format"], document["format_version"]) == (FORMAT_ID, FORMAT_VERSION) == ("b12ms-history", 1)
    assert "id" not in document["people"][0]  # database ids never leave the store


@pytest.mark.parametrize(
    ("damage", "path"),
    [
        (lambda d: d["people"][0]["lab_results"][0].update(value=-1), "people[0].lab_results[0].value"),
        (
            lambda d: d["people"][0]["assessments"][0]["snapshot"].update(lbas=[]),
            "people[0].assessments[0].snapshot.lbas",
        ),
        (
            lambda d: d["people"][0]["assessments"][0]["assessment"].update(status="fine"),
            "people[0].assessments[0].assessment.status",
        ),
        (lambda d: d["people"][0].pop("uid"), "people[0].uid"),
        (
            lambda d: d["people"][0]["treatment_events"].append({"kind": "b12_injection", "event": "given"}),
            "people[0].treatment_events[0].date",
        ),
        (lambda d: d["people"].append(copy.deepcopy(d["people"][0])), "people[1].uid"),
        (lambda d: d.update(format="something-else"), "format"),
    ],
)
def test_a_bad_document_is_an_input_error_naming_the_json_path(
    store: Store, kb: Knowledge, damage: Any, path: str
) -> None:
    document = _document(store, kb)
    damage(document)
    with pytest.raises(InputError) as caught:
        store.import_json(document)
    assert path in [p.path for p in caught.value.problems]


def test_an_unknown_key_gets_a_did_you_mean(store: Store, kb: Knowledge) -> None:
    document = _document(store, kb)
    document["people"][0]["lab_result"] = document["people"][0].pop("lab_results")
    with pytest.raises(InputError) as caught:
        store.import_json(document)
    assert caught.value.problems[0].suggestion == "lab_results"


def test_a_document_from_a_newer_format_says_to_upgrade(store: Store, kb: Knowledge) -> None:
    document = _document(store, kb)
    document["format_version"] = FORMAT_VERSION + 1
    with pytest.raises(InputError, match="upgrade b12ms") as caught:
        store.import_json(document)
    assert caught.value.problems[0].path == "format_version"


@pytest.mark.parametrize("data", [[], "b12ms-history", None])
def test_a_document_that_is_not_an_object_is_an_input_error(store: Store, data: Any) -> None:
    with pytest.raises(InputError, match="JSON object"):
        store.import_json(data)
