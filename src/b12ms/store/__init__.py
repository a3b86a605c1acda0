"""The history store: people, their lab results over time, treatment dates and saved assessments.

SQLite through SQLAlchemy Core by default (PostgreSQL through the same URL setting), migrated
on open, WAL, foreign keys on, one transaction per write. Needs the ``web`` extra (sqlalchemy)::

    from b12ms.store import default_db_url, open_store
    with open_store(default_db_url()) as store:
        mum = store.add_person("Mum")
        store.save_assessment(mum.id, snapshot, assessment, knowledge)
        store.lab_series(mum.id, "total_b12")
"""

from b12ms.store.document import FORMAT_ID, FORMAT_VERSION
from b12ms.store.location import default_db_path, default_db_url, store_url_for
from b12ms.store.migrations import LATEST_VERSION
from b12ms.store.records import (
    CHART_ANALYTES,
    CdsFeedback,
    ImportSummary,
    LabPoint,
    Person,
    SavedAssessment,
    StoredAssessment,
    TreatmentEvent,
)
from b12ms.store.store import Store, open_store

__all__ = [
    "CHART_ANALYTES",
    "FORMAT_ID",
    "FORMAT_VERSION",
    "LATEST_VERSION",
    "CdsFeedback",
    "ImportSummary",
    "LabPoint",
    "Person",
    "SavedAssessment",
    "Store",
    "StoredAssessment",
    "TreatmentEvent",
    "default_db_path",
    "default_db_url",
    "open_store",
    "store_url_for",
]
