"""Where the web app keeps its store and its signing secret (edge code: reads the environment).

The secret signs CSRF tokens, sign-in cookies and the answers a result page carries between
requests. It must survive a restart (or every open form breaks), so it lives in a file beside
the default database, created once with owner-only permissions.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from b12ms.errors import ConfigError
from b12ms.store.location import store_url_for

__all__ = ["default_secret_path", "load_or_create_secret", "store_url_for"]

SECRET_BYTES = 32


def default_secret_path() -> Path:
    from b12ms.store import default_db_path

    return default_db_path().with_name("web.secret")


def load_or_create_secret(path: Path | None = None) -> bytes:
    """The secret in ``path`` (default beside the database), created with mode 0600 if absent."""
    path = path or default_secret_path()
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        path.parent.mkdir(parents=True, exist_ok=True)
        data = secrets.token_bytes(SECRET_BYTES)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # another process made it first: use theirs
            return load_or_create_secret(path)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
    except OSError as error:
        raise ConfigError(f"cannot read the web secret {path}: {error.strerror}") from None
    if len(data) < SECRET_BYTES:
        raise ConfigError(f"the web secret {path} is shorter than {SECRET_BYTES} bytes; delete it to make a new one")
    return data
