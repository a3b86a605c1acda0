"""Fixtures for the page tests: the real knowledge loaded once, and a fresh app and store per test."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from b12ms.diet import FoodTable, Intakes, load_food_table, load_intakes
from b12ms.knowledge import Knowledge, load_knowledge
from b12ms.web.pages import PagesContext

from .support import build_app


@dataclass(frozen=True)
class Loaded:
    kb: Knowledge
    foods: FoodTable
    intakes: Intakes


@pytest.fixture(scope="session")
def loaded() -> Loaded:
    return Loaded(load_knowledge(), load_food_table(), load_intakes())


@pytest.fixture
def kb(loaded: Loaded) -> Knowledge:
    return loaded.kb


@pytest.fixture
def pages(loaded: Loaded, tmp_path: Path) -> Iterator[tuple[TestClient, PagesContext]]:
    app, context = build_app(loaded.kb, loaded.foods, loaded.intakes, store_url=f"sqlite:///{tmp_path / 'h.db'}")
    with TestClient(app) as client:
        yield client, context
    context.close()


@pytest.fixture
def client(pages: tuple[TestClient, PagesContext]) -> TestClient:
    return pages[0]
