"""What the pages need from the app that mounts them, built once at the edge and passed in."""

from __future__ import annotations

import secrets
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING

from b12ms.diet import FoodTable, Intakes
from b12ms.knowledge import Knowledge
from b12ms.web.csrf import CsrfSigner, derive_key

if TYPE_CHECKING:
    from b12ms.store import Store

__all__ = ["PagesContext"]


@dataclass
class PagesContext:
    """Knowledge, diet tables, the history store and the secrets the pages use.

    ``store_url`` is an SQLAlchemy URL (``sqlite:///…``); the store is opened on first use and kept
    open (its engine is thread-safe). ``store_opener`` replaces that when given (tests).
    ``csrf_secret`` signs CSRF tokens and the result pages' embedded answers; when None a random
    one is made, so forms left open across a restart must be reloaded. ``access_token``, when set
    (the app listens beyond loopback), makes every page ask for it once through ``/login``.
    ``today`` is the clock, read only at the edge so results can be reproduced.
    """

    kb: Knowledge
    foods: FoodTable
    intakes: Intakes
    store_url: str | None = None
    store_opener: Callable[[], Store] | None = None
    csrf_secret: bytes | None = None
    access_token: str | None = field(default=None, repr=False)
    today: Callable[[], date] = date.today
    _store: Store | None = field(default=None, init=False, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)

    def __post_init__(self) -> None:
        if self.csrf_secret is None:
            self.csrf_secret = secrets.token_bytes(32)
        self.csrf = CsrfSigner(self.csrf_secret)
        self.blob_key = derive_key(self.csrf_secret, "answers")
        self.login_key = derive_key(self.csrf_secret, "login")

    def store(self) -> Store:
        """The history store, opened (and migrated) on first use."""
        with self._lock:
            if self._store is None:
                if self.store_opener is not None:
                    self._store = self.store_opener()
                else:
                    from b12ms.store import default_db_url, open_store

                    self._store = open_store(self.store_url or default_db_url())
            return self._store

    def close(self) -> None:
        with self._lock:
            if self._store is not None:
                self._store.close()
                self._store = None
