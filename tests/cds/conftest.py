"""Fixtures for the CDS Hooks tests: knowledge, a standalone CDS app, and the EHR's keys."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from cds_support import settings
from ehr_simulator import SigningKey

from b12ms.cds import create_cds_app
from b12ms.knowledge import Knowledge, load_knowledge


@pytest.fixture(scope="session")
def kb() -> Knowledge:
    return load_knowledge()


@pytest.fixture(scope="session")
def es384() -> SigningKey:
    return SigningKey.generate("ES384")


@pytest.fixture(scope="session")
def rs384() -> SigningKey:
    return SigningKey.generate("RS384")


@pytest.fixture(scope="session")
def loopback_app(kb: Knowledge) -> Any:
    """The standalone CDS app with no trusted issuers: loopback callers only."""
    return create_cds_app(settings(), knowledge=kb)


@pytest.fixture
def make_app(kb: Knowledge) -> Callable[..., Any]:
    def _make(**overrides: Any) -> Any:
        return create_cds_app(settings(**overrides), knowledge=kb)

    return _make
