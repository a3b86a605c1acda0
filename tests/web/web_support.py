"""Helpers shared by the web tests (a plain module, so tests can import its names)."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import FastAPI

from b12ms.diet import FoodTable, Intakes
from b12ms.knowledge import Knowledge
from b12ms.web.app import create_app
from b12ms.web.settings import WebSettings

TOKEN = "test-token-0123456789abcdef"


@dataclass(frozen=True)
class Loaded:
    """The real packaged knowledge, food table and intakes, loaded once per test session."""

    knowledge: Knowledge
    foods: FoodTable
    intakes: Intakes


def make_app(loaded: Loaded, settings: WebSettings | None = None) -> FastAPI:
    return create_app(settings or WebSettings(), knowledge=loaded.knowledge, foods=loaded.foods, intakes=loaded.intakes)
