"""Migrations: an empty file becomes the declared schema, re-opening is a no-op, newer is refused."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from sqlalchemy import UniqueConstraint, create_engine, inspect
from sqlalchemy.dialects import postgresql
from sqlalchemy.schema import CreateIndex, CreateTable

from b12ms.errors import ConfigError
from b12ms.store import LATEST_VERSION, open_store, schema
from b12ms.store.migrations import MIGRATIONS


def _versions(path: Path) -> list[int]:
    with sqlite3.connect(path) as connection:
        return [row[0] for row in connection.execute("SELECT version FROM schema_version ORDER BY version")]


def test_migration_versions_run_from_1_without_gaps() -> None:
    assert [m.version for m in MIGRATIONS] == list(range(1, LATEST_VERSION + 1))


def test_migrating_from_empty_builds_the_declared_schema(tmp_path: Path) -> None:
    path = tmp_path / "b12ms.db"
    path.touch()  # an empty file is an empty SQLite database
    open_store(f"sqlite:///{path}").close()

    inspector = inspect(create_engine(f"sqlite:///{path}"))
    assert set(inspector.get_table_names()) - {"sqlite_sequence"} == set(schema.metadata.tables)
    for name, table in schema.metadata.tables.items():
        assert [c["name"] for c in inspector.get_columns(name)] == [c.name for c in table.columns], name
        declared_unique = {tuple(c.columns.keys()) for c in table.constraints if isinstance(c, UniqueConstraint)}
        found_unique = {tuple(u["column_names"]) for u in inspector.get_unique_constraints(name)}
        assert found_unique == declared_unique, name
        declared_fks = {(fk.parent.name, fk.column.table.name, fk.ondelete) for fk in table.foreign_keys}
        found_fks = {
            (fk["constrained_columns"][0], fk["referred_table"], fk["options"].get("ondelete"))
            for fk in inspector.get_foreign_keys(name)
        }
        assert found_fks == declared_fks, name
    assert _versions(path) == list(range(1, LATEST_VERSION + 1))


def test_reopening_applies_nothing_and_keeps_the_data(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'b12ms.db'}"
    with open_store(url) as store:
        store.add_person("Mum")
    with open_store(url) as store:
        assert [p.display_name for p in store.list_people()] == ["Mum"]
    assert _versions(tmp_path / "b12ms.db") == list(range(1, LATEST_VERSION + 1))


def test_stores_opened_at_once_on_a_new_file_migrate_it_once(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'b12ms.db'}"

    def open_and_close(_: int) -> int:
        with open_store(url) as store:
            return len(store.list_people())

    with ThreadPoolExecutor(max_workers=4) as pool:
        assert list(pool.map(open_and_close, range(4), timeout=60)) == [0, 0, 0, 0]
    assert _versions(tmp_path / "b12ms.db") == list(range(1, LATEST_VERSION + 1))


def test_a_newer_schema_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "b12ms.db"
    open_store(f"sqlite:///{path}").close()
    with sqlite3.connect(path) as connection:
        connection.execute(
            "INSERT INTO schema_version VALUES (?, 'from the future', '2030-01-01T00:00:00.000000+00:00')",
            (LATEST_VERSION + 1,),
        )
    with pytest.raises(ConfigError, match="newer than this b12ms"):
        open_store(f"sqlite:///{path}")


def test_a_database_of_something_else_is_refused_untouched(tmp_path: Path) -> None:
    path = tmp_path / "other.db"
    with sqlite3.connect(path) as connection:
        connection.execute("CREATE TABLE notes (body TEXT)")
    with pytest.raises(ConfigError, match="not a b12ms history database"):
        open_store(f"sqlite:///{path}")
    with sqlite3.connect(path) as connection:
        assert connection.execute("SELECT name FROM sqlite_master").fetchall() == [("notes",)]


def test_a_file_that_is_not_sqlite_is_a_config_error(tmp_path: Path) -> None:
    path = tmp_path / "b12ms.db"
    path.write_bytes(b"this is not a database, it is a shopping list" * 100)
    with pytest.raises(ConfigError, match="cannot open the history database"):
        open_store(f"sqlite:///{path}")


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("not a url", "not a database URL"),
        ("mysql://user:secret@host/db", "sqlite or postgresql"),
        # No PostgreSQL driver in the test environment; with one, the connection would fail instead.
        ("postgresql://user:secret@127.0.0.1:1/b12ms", "driver is not installed|cannot open"),
    ],
)
def test_an_unusable_url_is_a_config_error_that_hides_the_password(url: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message) as caught:
        open_store(url)
    assert "secret" not in str(caught.value)


def test_an_in_memory_store_works_for_one_process() -> None:
    with open_store("sqlite://") as store:
        store.add_person("Mum")
        assert [p.display_name for p in store.list_people()] == ["Mum"]


@pytest.mark.parametrize("build", [CreateTable, CreateIndex])
def test_the_schema_compiles_for_postgresql(build: Callable[..., object]) -> None:
    dialect = postgresql.dialect()  # type: ignore[no-untyped-call]
    for table in schema.metadata.sorted_tables:
        items = [table] if build is CreateTable else list(table.indexes)
        for item in items:
            assert str(build(item).compile(dialect=dialect))  # type: ignore[attr-defined]
