"""The jti replay cache: a pair is refused until its token expires, then forgotten."""

from __future__ import annotations

from b12ms.cds.auth import ReplayCache


class Clock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


def test_a_jti_is_accepted_once_per_issuer():
    cache = ReplayCache(Clock())
    assert cache.add("iss-a", "j1", 1_000_300.0)
    assert not cache.add("iss-a", "j1", 1_000_300.0)
    assert cache.add("iss-b", "j1", 1_000_300.0)


def test_expired_pairs_are_forgotten():
    clock = Clock()
    cache = ReplayCache(clock, purge_every_s=60)
    cache.add("iss", "old", clock.now + 30)
    clock.now += 120
    cache.add("iss", "new", clock.now + 30)
    assert len(cache) == 1
