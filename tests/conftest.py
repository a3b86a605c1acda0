"""Test-wide isolation: nothing a test does may touch the real user's data folder."""

import pytest


@pytest.fixture(autouse=True)
def _private_data_home(tmp_path_factory, monkeypatch):
    """Point XDG_DATA_HOME (the default history database and web secret) at a temporary folder."""
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path_factory.mktemp("xdg-data")))


def pytest_configure(config):
    """On CI, Hypothesis runs derandomised: the same examples every run, so a red build is
    reproducible; locally it keeps exploring new examples."""
    import os

    from hypothesis import settings

    settings.register_profile("ci", derandomize=True, print_blob=True)
    if os.environ.get("CI"):
        settings.load_profile("ci")
