"""The default database location follows the XDG base directory rules."""

from __future__ import annotations

from pathlib import Path

import pytest

from b12ms.store import default_db_path, default_db_url


def test_xdg_data_home_is_used_when_absolute(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    assert default_db_path() == tmp_path / "b12ms" / "b12ms.db"
    assert default_db_url() == f"sqlite:///{tmp_path}/b12ms/b12ms.db"


@pytest.mark.parametrize("value", ["", "relative/data"])
def test_a_missing_or_relative_xdg_data_home_falls_back_to_local_share(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, value: str
) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", value)
    monkeypatch.setenv("HOME", str(tmp_path))
    assert default_db_path() == tmp_path / ".local" / "share" / "b12ms" / "b12ms.db"
