"""Fixtures for the FHIR adapter tests (the knowledge base, loaded once)."""

from __future__ import annotations

import pytest

from b12ms.knowledge import Knowledge, load_knowledge


@pytest.fixture(scope="session")
def kb() -> Knowledge:
    return load_knowledge()
