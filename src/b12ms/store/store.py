"""The history store: people, their saved results and assessments, on SQLite or PostgreSQL.

``open_store(url)`` gives a :class:`Store`. Every method that writes runs in one transaction,
so a save (labs + treatment dates + assessment) or an import lands whole or not at all.

SQLite settings, applied to every connection (SQLite forgets them between connections):

- ``foreign_keys=ON``: SQLite does not enforce foreign keys unless asked, per connection.
- ``journal_mode=WAL``: readers (the web page) do not block the writer and vice versa, and a
  process killed mid-write leaves the last committed state (``test_a_killed_writer_leaves_every_committed_record``).
- ``synchronous=FULL``: in WAL mode NORMAL already survives a killed process, but may lose the
  last commits on power loss or an OS crash. A person who saw "saved" must find the result after
  a power cut, and this store commits a few times per user action, so the fsync per commit costs
  nothing anyone notices. FULL it is.
- Our own ``BEGIN`` (``BEGIN IMMEDIATE`` for writes): the sqlite3 module's implicit transactions
  do not cover DDL, which migrations need, and taking the write lock at the start means a
  read-then-write transaction waits for another writer instead of failing with SQLITE_BUSY.

The store never logs. If an operator switches SQLAlchemy's logging on, what it logs must still
carry no names or lab values: the engine hides bound parameters (``hide_parameters=True``, which
also keeps them out of database errors' messages), and the result rows SQLAlchemy logs at DEBUG
are dropped by a filter on the store's own engine logger
(``test_with_sql_logging_switched_on_no_name_or_lab_value_is_logged``).
"""

from __future__ import annotations

import logging
import os
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from pathlib import Path
from types import TracebackType
from typing import Any, get_args

from sqlalchemy import Connection, Engine, create_engine, event, select
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, DatabaseError, NoSuchModuleError
from sqlalchemy.pool import StaticPool

from b12ms.engine import Assessment, PatientSnapshot
from b12ms.errors import ConfigError, InputError, Problem
from b12ms.knowledge import Knowledge
from b12ms.store import document, feedback, rows, schema
from b12ms.store.migrations import migrate
from b12ms.store.records import (
    CdsFeedback,
    FeedbackOutcome,
    ImportSummary,
    LabPoint,
    Person,
    SavedAssessment,
    StoredAssessment,
    TreatmentEvent,
    TreatmentKind,
    TreatmentPhase,
)
from b12ms.store.treatments import treatment_events_from_snapshot

__all__ = ["Store", "open_store"]

_WRITE = "b12ms_write"  # execution option: this transaction writes, so take the lock at BEGIN
_BUSY_TIMEOUT_SECONDS = 15.0


# SQLAlchemy names an engine's logger after its logging_name: sqlalchemy.engine.Engine.<name>.
_LOGGING_NAME = "b12ms_store"


class _DropResultRows(logging.Filter):
    """Drop SQLAlchemy's DEBUG records: they print result rows, that is names and lab values."""

    def filter(self, record: logging.LogRecord) -> bool:
        return record.levelno >= logging.INFO


def _engine(url: URL, **options: Any) -> Engine:
    """Every engine the store uses: parameters hidden, rows never logged."""
    logger = logging.getLogger(f"sqlalchemy.engine.Engine.{_LOGGING_NAME}")
    if not any(isinstance(existing, _DropResultRows) for existing in logger.filters):
        logger.addFilter(_DropResultRows())
    return create_engine(url, hide_parameters=True, logging_name=_LOGGING_NAME, **options)


def _utc_now() -> datetime:
    return datetime.now(UTC)


def _on_sqlite_connect(dbapi_connection: Any, _record: Any) -> None:
    # The driver must not issue BEGIN/COMMIT on its own: we emit BEGIN in _on_sqlite_begin.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("PRAGMA foreign_keys = ON")
        # An in-memory database answers "memory", and a file on a file system without shared
        # memory keeps its rollback journal: both still commit atomically, so neither is an error.
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA synchronous = FULL")
    finally:
        cursor.close()


def _on_sqlite_begin(connection: Connection) -> None:
    writes = connection.get_execution_options().get(_WRITE, False)
    connection.exec_driver_sql("BEGIN IMMEDIATE" if writes else "BEGIN")


def _create_sqlite_file(path: Path) -> None:
    """Create the database file readable by its owner only: it holds health data."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return
    except OSError as error:
        raise ConfigError(f"cannot create the history database {path}: {error.strerror}") from None
    os.close(descriptor)  # SQLite gives its -wal and -shm files the same permissions


def _sqlite_engine(url: URL) -> Engine:
    database = url.database or ""
    if database in ("", ":memory:"):
        # One shared connection, or every connection would see its own empty database.
        engine = _engine(url, poolclass=StaticPool, connect_args={"check_same_thread": False})
    else:
        if not url.query.get("uri"):
            _create_sqlite_file(Path(database))
        engine = _engine(url, connect_args={"timeout": _BUSY_TIMEOUT_SECONDS})
    event.listen(engine, "connect", _on_sqlite_connect)
    event.listen(engine, "begin", _on_sqlite_begin)
    return engine


def open_store(url: str, *, clock: Callable[[], datetime] | None = None) -> Store:
    """Open (creating and migrating as needed) the history store at ``url``.

    ``url`` is an SQLAlchemy URL: ``sqlite:///path/to/b12ms.db`` (see ``default_db_url()``), or
    ``postgresql://...`` with a PostgreSQL driver installed. ``clock`` gives the time records are
    stamped with (aware, default: now in UTC). Raises ConfigError for a URL or database it cannot use.
    """
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise ConfigError("the history database setting is not a database URL (e.g. sqlite:///path/b12ms.db)") from None
    shown = parsed.render_as_string(hide_password=True)
    backend = parsed.get_backend_name()
    try:
        if backend == "sqlite":
            engine = _sqlite_engine(parsed)
        elif backend == "postgresql":
            engine = _engine(parsed, pool_pre_ping=True)
        else:
            raise ConfigError(f"{shown}: the history store runs on sqlite or postgresql, not {backend}")
    except (NoSuchModuleError, ImportError) as error:
        raise ConfigError(f"{shown}: the database driver is not installed ({error})") from None
    store = Store(engine, clock=clock or _utc_now)
    try:
        migrate(store._read, store._write, store._now)
    except DatabaseError as error:
        engine.dispose()
        raise ConfigError(f"{shown}: cannot open the history database: {error.orig}") from None
    except BaseException:
        engine.dispose()
        raise
    return store


def _clean_display_name(name: str) -> str:
    cleaned = name.strip()
    if not 1 <= len(cleaned) <= 80:
        raise InputError(Problem("display_name", "must be 1 to 80 characters (a pseudonym is fine)"))
    return cleaned


class Store:
    """A person-centred history of lab results, treatment dates and saved assessments."""

    def __init__(self, engine: Engine, *, clock: Callable[[], datetime] = _utc_now) -> None:
        self._engine = engine
        self._clock = clock

    @property
    def engine(self) -> Engine:
        """The SQLAlchemy engine (for tests and maintenance; adapters use the methods)."""
        return self._engine

    def close(self) -> None:
        self._engine.dispose()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None, tb: TracebackType | None) -> None:
        self.close()

    # --- transactions ----------------------------------------------------------------------

    def _now(self) -> datetime:
        return self._clock()

    @contextmanager
    def _read(self) -> Iterator[Connection]:
        with self._engine.connect() as connection, connection.begin():
            yield connection

    @contextmanager
    def _write(self) -> Iterator[Connection]:
        with self._engine.connect() as connection:
            connection.execution_options(**{_WRITE: True})
            with connection.begin():
                yield connection

    @staticmethod
    def _person_row(connection: Connection, person_id: int) -> Any:
        row = connection.execute(select(schema.person).where(schema.person.c.id == person_id)).first()
        if row is None:
            raise InputError(Problem("person", f"no person with id {person_id} in this store"))
        return row

    # --- people ----------------------------------------------------------------------------

    def add_person(self, display_name: str) -> Person:
        """Add a person under a display name of the user's choosing (unique within the store)."""
        name = _clean_display_name(display_name)
        with self._write() as connection:
            taken = connection.execute(select(schema.person.c.id).where(schema.person.c.display_name == name)).first()
            if taken is not None:
                raise InputError(Problem("display_name", "is already used by another person in this store"))
            values = {"uid": str(uuid.uuid4()), "display_name": name, "created_at": self._now()}
            key = connection.execute(schema.person.insert().values(values)).inserted_primary_key
            if key is None:
                raise RuntimeError("the database did not return the new person's id")
            return rows.person_from_row(self._person_row(connection, int(key[0])))

    def list_people(self) -> list[Person]:
        with self._read() as connection:
            found = connection.execute(select(schema.person).order_by(schema.person.c.display_name))
            return [rows.person_from_row(row) for row in found]

    def get_person(self, person_id: int) -> Person:
        with self._read() as connection:
            return rows.person_from_row(self._person_row(connection, person_id))

    def find_person(self, display_name: str) -> Person | None:
        """The person with this display name, or None."""
        with self._read() as connection:
            row = connection.execute(
                select(schema.person).where(schema.person.c.display_name == display_name.strip())
            ).first()
            return None if row is None else rows.person_from_row(row)

    def delete_person(self, person_id: int) -> None:
        """Delete a person and, by cascade, every result, event and assessment saved for them."""
        with self._write() as connection:
            self._person_row(connection, person_id)
            connection.execute(schema.person.delete().where(schema.person.c.id == person_id))

    # --- assessments -----------------------------------------------------------------------

    def save_assessment(
        self, person_id: int, snapshot: PatientSnapshot, assessment: Assessment, knowledge: Knowledge
    ) -> SavedAssessment:
        """Save an assessment with its snapshot, the snapshot's labs and its treatment dates, in one transaction.

        Lab rows come from ``assessment.labs`` (analyte ids and units resolved, canonical values
        computed by the engine), so charts never convert units themselves. A lab the person already
        has is not stored twice. ``knowledge`` resolves supplement names to B12 or biotin.
        """
        if len(snapshot.labs) != len(assessment.labs) or any(
            given.date != read.date for given, read in zip(snapshot.labs, assessment.labs, strict=True)
        ):
            raise InputError(
                Problem("assessment.labs", "do not match the snapshot's labs: save the pair assess() made")
            )
        events = treatment_events_from_snapshot(snapshot, knowledge)
        with self._write() as connection:
            self._person_row(connection, person_id)
            for reading in assessment.labs:
                rows.insert_lab(connection, person_id, rows.lab_values_from_reading(reading), "assessment")
            for treatment in events:
                rows.insert_treatment(connection, person_id, treatment)
            new_id = rows.insert_assessment(connection, person_id, str(uuid.uuid4()), self._now(), snapshot, assessment)
            row = connection.execute(select(schema.assessment).where(schema.assessment.c.id == new_id)).one()
            return rows.saved_from_row(row)

    def list_assessments(self, person_id: int) -> list[SavedAssessment]:
        """A person's saved assessments, oldest ``as_of`` first."""
        table = schema.assessment
        with self._read() as connection:
            self._person_row(connection, person_id)
            found = connection.execute(
                select(table)
                .where(table.c.person_id == person_id)
                .order_by(table.c.as_of, table.c.created_at, table.c.id)
            )
            return [rows.saved_from_row(row) for row in found]

    def get_assessment(self, assessment_id: int) -> StoredAssessment:
        with self._read() as connection:
            row = connection.execute(select(schema.assessment).where(schema.assessment.c.id == assessment_id)).first()
        if row is None:
            raise InputError(Problem("assessment", f"no saved assessment with id {assessment_id} in this store"))
        return StoredAssessment(
            saved=rows.saved_from_row(row),
            snapshot=PatientSnapshot.model_validate_json(row.snapshot_json),
            assessment=Assessment.model_validate_json(row.assessment_json),
        )

    # --- charts ----------------------------------------------------------------------------

    def lab_series(self, person_id: int, analyte: str) -> list[LabPoint]:
        """The person's results for ``analyte`` (a knowledge id) in its canonical unit, oldest first."""
        lab = schema.lab_result
        with self._read() as connection:
            self._person_row(connection, person_id)
            found = connection.execute(
                select(lab.c.date, lab.c.canonical_value, lab.c.canonical_unit)
                .where(lab.c.person_id == person_id, lab.c.analyte == analyte, lab.c.canonical_value.is_not(None))
                .order_by(lab.c.date, lab.c.id)
            )
            return [LabPoint(row.date, row.canonical_value, row.canonical_unit) for row in found]

    def treatment_dates(self, person_id: int) -> list[TreatmentEvent]:
        """Dates to mark on the charts (B12 treatment and biotin), oldest first."""
        table = schema.treatment_event
        with self._read() as connection:
            self._person_row(connection, person_id)
            found = connection.execute(
                select(table).where(table.c.person_id == person_id).order_by(table.c.date, table.c.kind, table.c.event)
            )
            return [TreatmentEvent(row.kind, row.event, row.date, row.note) for row in found]

    def add_treatment_event(
        self,
        person_id: int,
        kind: TreatmentKind,
        when: date,
        *,
        event: TreatmentPhase = "given",
        note: str | None = None,
    ) -> bool:
        """Record one treatment date (an injection given, say); False if it was already recorded."""
        problems = []
        if kind not in get_args(TreatmentKind):
            problems.append(Problem("kind", f"must be one of {', '.join(get_args(TreatmentKind))}"))
        if event not in get_args(TreatmentPhase):
            problems.append(Problem("event", f"must be one of {', '.join(get_args(TreatmentPhase))}"))
        if problems:
            raise InputError(problems)
        with self._write() as connection:
            self._person_row(connection, person_id)
            return rows.insert_treatment(connection, person_id, TreatmentEvent(kind, event, when, note))

    # --- export and import -----------------------------------------------------------------

    def export_json(self, person_id: int | None = None) -> dict[str, Any]:
        """A ``b12ms-history`` document (JSON-ready dict) of one person, or of everyone."""
        with self._read() as connection:
            if person_id is not None:
                self._person_row(connection, person_id)
            return document.export_document(connection, None if person_id is None else [person_id])

    def import_json(self, data: Any) -> ImportSummary:
        """Import a ``b12ms-history`` document in one transaction; records already present are skipped."""
        with self._write() as connection:
            return document.import_document(connection, data)

    # --- CDS Hooks feedback ----------------------------------------------------------------

    def record_cds_feedback(
        self,
        *,
        service_id: str,
        card_uuid: str,
        outcome: FeedbackOutcome,
        outcome_timestamp: datetime,
        hook_instance: str | None = None,
        override_reason: dict[str, Any] | None = None,
        accepted_suggestions: list[dict[str, Any]] | None = None,
    ) -> bool:
        """Store one CDS Hooks card outcome; False when it was already recorded (a resend)."""
        with self._write() as connection:
            return feedback.insert_feedback(
                connection,
                service_id=service_id,
                card_uuid=card_uuid,
                outcome=outcome,
                outcome_timestamp=outcome_timestamp,
                hook_instance=hook_instance,
                override_reason=override_reason,
                accepted_suggestions=accepted_suggestions,
                received_at=self._now(),
            )

    def list_cds_feedback(self, service_id: str | None = None) -> list[CdsFeedback]:
        """Recorded CDS Hooks outcomes (of one service, or all), oldest first."""
        with self._read() as connection:
            return feedback.select_feedback(connection, service_id)
