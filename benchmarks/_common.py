"""Shared helpers for benchmark scripts: medians and a fixed report format."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable


def median_seconds(fn: Callable[[], object], *, repeat: int, warmup: int = 3) -> float:
    for _ in range(warmup):
        fn()
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def report(name: str, value_s: float, *, baseline_s: float | None = None, target: str = "") -> None:
    ratio = f"  ratio {value_s / baseline_s:6.2f}x baseline" if baseline_s else ""
    print(f"{name:<46} median {value_s * 1000:9.3f} ms{ratio}  {target}")
