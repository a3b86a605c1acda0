"""Bind 127.0.0.1 by default; refuse a reachable host unless a token is configured."""

from __future__ import annotations

from pathlib import Path

import pytest
from web_support import TOKEN

from b12ms.errors import ConfigError
from b12ms.web.settings import TOKEN_ENV, WebSettings, check_bind, is_loopback


def test_default_host_is_loopback_port_8000_no_token() -> None:
    settings = WebSettings.from_env_and_args(environ={})
    assert (settings.host, settings.port, settings.db, settings.token) == ("127.0.0.1", 8000, None, None)


@pytest.mark.parametrize("host", ["127.0.0.1", "127.1.2.3", "::1", "[::1]", "localhost", "LOCALHOST"])
def test_loopback_hosts_need_no_token(host: str) -> None:
    assert is_loopback(host)
    check_bind(host, None)


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "192.168.1.5", "example.org", ""])
def test_reachable_hosts_are_refused_without_a_token(host: str) -> None:
    with pytest.raises(ConfigError, match=TOKEN_ENV):
        check_bind(host, None)


def test_check_bind_accepts_0_0_0_0_with_a_token() -> None:
    check_bind("0.0.0.0", TOKEN)


def test_settings_refuse_0_0_0_0_without_a_token() -> None:
    with pytest.raises(ConfigError):
        WebSettings.from_env_and_args(host="0.0.0.0", environ={})


def test_token_from_the_environment_allows_0_0_0_0() -> None:
    settings = WebSettings.from_env_and_args(host="0.0.0.0", environ={TOKEN_ENV: f"  {TOKEN}\n"})
    assert settings.token == TOKEN


def test_an_empty_token_variable_counts_as_unset() -> None:
    assert WebSettings.from_env_and_args(environ={TOKEN_ENV: "  "}).token is None


def test_token_file_wins_over_the_environment(tmp_path: Path) -> None:
    token_file = tmp_path / "token"
    token_file.write_text("from-the-file-0123456789\n", encoding="utf-8")
    settings = WebSettings.from_env_and_args(token_file=token_file, environ={TOKEN_ENV: TOKEN})
    assert settings.token == "from-the-file-0123456789"


def test_missing_or_empty_token_file_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not found"):
        WebSettings.from_env_and_args(token_file=tmp_path / "absent", environ={})
    empty = tmp_path / "empty"
    empty.write_text("\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="empty"):
        WebSettings.from_env_and_args(token_file=empty, environ={})


def test_a_short_token_is_refused() -> None:
    with pytest.raises(ConfigError, match="at least"):
        WebSettings(token="short")


@pytest.mark.parametrize("port", [-1, 65536, True])
def test_impossible_ports_are_refused(port: int) -> None:
    with pytest.raises(ConfigError, match="port"):
        WebSettings(port=port)


def test_the_token_never_appears_in_repr() -> None:
    assert TOKEN not in repr(WebSettings(token=TOKEN))


def test_db_is_carried_as_text(tmp_path: Path) -> None:
    assert WebSettings.from_env_and_args(db=tmp_path / "b12ms.sqlite", environ={}).db == str(tmp_path / "b12ms.sqlite")
