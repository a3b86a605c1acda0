"""Where the history lives by default: the user's data directory (XDG base directories).

An adapter concern, so it may read the environment; the engine never does.
"""

from __future__ import annotations

import os
from pathlib import Path

from sqlalchemy.engine import URL

__all__ = ["default_db_path", "default_db_url"]


def default_db_path() -> Path:
    """``$XDG_DATA_HOME/b12ms/b12ms.db``, else ``~/.local/share/b12ms/b12ms.db``.

    A relative XDG_DATA_HOME is ignored, as the XDG specification says it must be: it would put
    health data wherever the command happened to run.
    """
    configured = os.environ.get("XDG_DATA_HOME", "")
    root = Path(configured) if configured and Path(configured).is_absolute() else Path.home() / ".local" / "share"
    return root / "b12ms" / "b12ms.db"


def default_db_url() -> str:
    """The SQLAlchemy URL of :func:`default_db_path`."""
    return URL.create("sqlite", database=str(default_db_path())).render_as_string()


def store_url_for(db: str | None) -> str:
    """A SQLAlchemy URL for a ``--db`` value: a file path or a URL; None means :func:`default_db_url`."""
    if db is None:
        return default_db_url()
    if "://" in db:
        return db
    return URL.create("sqlite", database=str(Path(db).expanduser().resolve())).render_as_string()
