"""Fixtures for the specification tests: the knowledge base, and ``run`` to assess one snapshot."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from b12ms.engine import Assessment, PatientSnapshot, assess
from b12ms.inputs import validate_input
from b12ms.knowledge import load_knowledge

from .helpers import AS_OF, lab, snapshot_dict

__all__ = ["lab"]


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "depends_on_r_constants: depends on [R] research constants (cB12 age factor) that are not verified",
    )


@pytest.fixture(scope="session")
def kb():
    """The packaged knowledge base, loaded once."""
    return load_knowledge()


@pytest.fixture(scope="module")
def run(kb) -> Callable[..., Assessment]:
    """``run(**overrides)``: base snapshot + overrides -> validate_input -> assess (as of the snapshot's as_of)."""

    def _run(**overrides: Any) -> Assessment:
        data = snapshot_dict(**overrides)
        snapshot = validate_input(PatientSnapshot, data)
        return assess(snapshot, kb, snapshot.as_of or AS_OF)

    return _run
