"""Fixtures for the history-store tests: the packaged knowledge and a fresh store on a real file."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from b12ms.knowledge import Knowledge, load_knowledge
from b12ms.store import Store, open_store


@pytest.fixture(scope="session")
def kb() -> Knowledge:
    return load_knowledge()


@pytest.fixture
def db_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'history' / 'b12ms.db'}"


@pytest.fixture
def store(db_url: str) -> Iterator[Store]:
    with open_store(db_url) as opened:
        yield opened
