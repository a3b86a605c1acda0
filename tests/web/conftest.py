"""Fixtures for the web adapter: the real knowledge, loaded once, and apps built from it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from web_support import TOKEN, Loaded, make_app

from b12ms.diet import load_food_table, load_intakes
from b12ms.knowledge import load_knowledge
from b12ms.web.settings import WebSettings


@pytest.fixture(scope="session")
def loaded() -> Loaded:
    return Loaded(load_knowledge(), load_food_table(), load_intakes())


@pytest.fixture
def client(loaded: Loaded) -> Iterator[TestClient]:
    with TestClient(make_app(loaded)) as test_client:
        yield test_client


@pytest.fixture
def token_client(loaded: Loaded) -> Iterator[TestClient]:
    with TestClient(make_app(loaded, WebSettings(token=TOKEN))) as test_client:
        yield test_client
