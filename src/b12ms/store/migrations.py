"""Schema migrations: an ordered list, applied at open, one transaction per version.

The database records every version applied in ``schema_version``; its current version is the
highest row. Opening brings an older database up to :data:`LATEST_VERSION`. A database newer than
this code is refused with a ConfigError rather than read or written by code that does not know
its shape (``test_a_newer_schema_is_refused``).

Each migration runs inside a write transaction that first re-reads the version, so two processes
opening a new file at once apply each step exactly once: SQLite runs DDL transactionally (the
store emits its own BEGIN), and so does PostgreSQL.

Adding version N+1: write ``_version_n_plus_1(connection)`` with explicit DDL (new tables via
``table.create(connection)``, new columns via ``ALTER TABLE``), append it to MIGRATIONS and change
schema.py to match. Version 1 builds from schema.py because it is the only version so far; the
first time schema.py changes, copy today's tables into ``_version_1`` so that it keeps building
version 1 (``test_migrating_from_empty_builds_the_declared_schema`` fails until you do).
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, func, inspect, select, text

from b12ms.errors import ConfigError
from b12ms.store import schema

__all__ = ["LATEST_VERSION", "MIGRATIONS", "Migration", "database_version", "migrate"]


@dataclass(frozen=True, slots=True)
class Migration:
    version: int
    description: str
    apply: Callable[[Connection], None]


def _version_1(connection: Connection) -> None:
    schema.metadata.create_all(connection, checkfirst=False)


MIGRATIONS: tuple[Migration, ...] = (
    Migration(1, "people, lab results, treatment events, assessments, CDS Hooks feedback", _version_1),
)
LATEST_VERSION = MIGRATIONS[-1].version


def database_version(connection: Connection) -> int:
    """The schema version of the database (0 for an empty one); ConfigError if it is not ours."""
    tables = set(inspect(connection).get_table_names())
    if schema.schema_version.name not in tables:
        if tables:
            raise ConfigError(
                "the database holds tables but no b12ms schema_version: it is not a b12ms history database"
            )
        return 0
    version = connection.execute(select(func.max(schema.schema_version.c.version))).scalar_one()
    return int(version or 0)


# Any constant works; it names "b12ms schema migration" among PostgreSQL's advisory locks.
_POSTGRESQL_MIGRATION_LOCK = 0x0B12_0005


def _lock_for_migration(connection: Connection) -> None:
    """Serialise migrations between processes (SQLite's BEGIN IMMEDIATE already does)."""
    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _POSTGRESQL_MIGRATION_LOCK})


def _refuse_newer(version: int) -> None:
    if version > LATEST_VERSION:
        raise ConfigError(
            f"the history database has schema version {version}, newer than this b12ms understands "
            f"({LATEST_VERSION}); upgrade b12ms to open it"
        )


def migrate(
    read: Callable[[], AbstractContextManager[Connection]],
    write: Callable[[], AbstractContextManager[Connection]],
    now: Callable[[], datetime],
) -> int:
    """Bring the database up to LATEST_VERSION; return the number of migrations applied.

    ``read`` and ``write`` open a transaction (``write`` one that holds the write lock from its
    start), so the check and the step cannot interleave with another process doing the same.
    """
    with read() as connection:
        version = database_version(connection)
    _refuse_newer(version)
    applied = 0
    for migration in MIGRATIONS:
        if migration.version <= version:
            continue
        with write() as connection:
            _lock_for_migration(connection)
            version = database_version(connection)
            _refuse_newer(version)
            if migration.version <= version:
                continue  # another process applied it while we waited for the lock
            migration.apply(connection)
            connection.execute(
                schema.schema_version.insert().values(
                    version=migration.version, description=migration.description, applied_at=now()
                )
            )
            version = migration.version
            applied += 1
    return applied
