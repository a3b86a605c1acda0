"""Referential integrity, connection settings and privacy of what errors and logs carry."""

from __future__ import annotations

import logging
from datetime import date

import pytest
from sqlalchemy import Table, event, func, select
from sqlalchemy.exc import IntegrityError

from b12ms.knowledge import Knowledge
from b12ms.store import Store, open_store, schema

from .helpers import assessed, b12_snapshot


def _count(store: Store, table: Table) -> int:
    with store.engine.connect() as connection:
        return int(connection.execute(select(func.count()).select_from(table)).scalar_one())


def test_every_connection_enforces_foreign_keys_in_wal_mode_with_full_sync(store: Store) -> None:
    with store.engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # FULL


def test_deleting_a_person_removes_their_rows(store: Store, kb: Knowledge) -> None:
    mum, dad = store.add_person("Mum"), store.add_person("Dad")
    supplements = [{"name": "biotin", "started": "2025-03-01"}]
    store.save_assessment(mum.id, *assessed(kb, b12_snapshot(supplements=supplements)), kb)
    store.save_assessment(dad.id, *assessed(kb, b12_snapshot(value=300, supplements=supplements)), kb)

    store.delete_person(mum.id)

    assert [p.display_name for p in store.list_people()] == ["Dad"]
    assert _count(store, schema.assessment) == 1
    assert _count(store, schema.lab_result) == 2
    assert _count(store, schema.treatment_event) == 1
    with store.engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA foreign_key_check").all() == []


def test_a_lab_for_a_missing_person_is_refused_by_the_database(store: Store) -> None:
    row = {
        "person_id": 999,
        "analyte": "total_b12",
        "date": date(2026, 1, 1),
        "value": 987.5,
        "unit": "ng/L",
        "source": "test",
        "identity_key": "k",
    }
    with pytest.raises(IntegrityError) as caught, store.engine.begin() as connection:
        connection.execute(schema.lab_result.insert().values(row))
    assert "FOREIGN KEY" in str(caught.value)
    assert "987.5" not in str(caught.value)  # hide_parameters: no lab value in the message


def test_a_lab_needs_either_a_value_or_a_result(store: Store) -> None:
    person = store.add_person("Mum")
    row = {"person_id": person.id, "analyte": "mma", "date": date(2026, 1, 1), "source": "t", "identity_key": "k"}
    with pytest.raises(IntegrityError), store.engine.begin() as connection:
        connection.execute(schema.lab_result.insert().values(row))


def test_a_failed_save_leaves_nothing_behind(store: Store, kb: Knowledge) -> None:
    person = store.add_person("Mum")
    snapshot, result = assessed(kb, b12_snapshot(supplements=[{"name": "biotin", "started": "2025-03-01"}]))
    # The assessment row is written last; make it fail after the labs and events went in.
    broken = result.model_copy(update={"status": None})
    with pytest.raises(IntegrityError):
        store.save_assessment(person.id, snapshot, broken, kb)
    assert _count(store, schema.lab_result) == 0
    assert _count(store, schema.treatment_event) == 0
    assert _count(store, schema.assessment) == 0


def test_the_store_writes_no_log_records(db_url: str, kb: Knowledge, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    with open_store(db_url) as store:
        person = store.add_person("Mum")
        store.save_assessment(person.id, *assessed(kb, b12_snapshot()), kb)
        store.import_json(store.export_json())
        store.lab_series(person.id, "total_b12")
    assert caplog.records == []


def test_with_sql_logging_switched_on_no_name_or_lab_value_is_logged(
    db_url: str, kb: Knowledge, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="sqlalchemy.engine")
    with open_store(db_url) as store:
        person = store.add_person("Rosalind Pseudonym")
        store.save_assessment(person.id, *assessed(kb, b12_snapshot(value=271.25)), kb)
        store.import_json(store.export_json())
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert "INSERT INTO lab_result" in logged  # the operator asked for SQL and got it...
    assert "Rosalind" not in logged  # ...but no names
    assert "271.25" not in logged  # and no lab values


def test_writes_take_the_write_lock_at_begin_and_reads_do_not(store: Store) -> None:
    statements: list[str] = []
    event.listen(store.engine, "before_cursor_execute", lambda _c, _cur, sql, *_: statements.append(sql))
    store.add_person("Mum")
    assert statements[0] == "BEGIN IMMEDIATE"
    statements.clear()
    store.list_people()
    assert statements[0] == "BEGIN"
