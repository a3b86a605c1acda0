"""CLI cold start: ``b12ms --help`` wall time as a ratio to ``python -c pass`` (target <= 8x).

Also the whole-process time of ``b12ms claims`` and ``b12ms diet`` (target: well under a second).

Both are measured in this run, alternating, so machine noise affects them alike.
Run: .venv/bin/python benchmarks/cli_startup.py
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from _common import report

REPEAT = 15


def wall(cmd: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - start


def main() -> None:
    b12ms = str(Path(sys.executable).parent / "b12ms")
    root = Path(__file__).resolve().parent.parent
    commands = {
        "python -c pass": [sys.executable, "-c", "pass"],
        "b12ms --help": [b12ms, "--help"],
        "b12ms --version": [b12ms, "--version"],
        "b12ms assess examples/ms-vegan-metformin.json": [
            b12ms,
            "assess",
            str(root / "examples" / "ms-vegan-metformin.json"),
            "--format",
            "json",
        ],
        "b12ms claims": [b12ms, "claims"],
        "b12ms claims sublingual --format json": [b12ms, "claims", "sublingual", "--format", "json"],
        "b12ms diet examples/diet-vegetarian-day.json": [
            b12ms,
            "diet",
            str(root / "examples" / "diet-vegetarian-day.json"),
        ],
        "b12ms foods search sardines canned in oil": [b12ms, "foods", "search", "sardines", "canned", "in", "oil"],
    }
    samples: dict[str, list[float]] = {name: [] for name in commands}
    for _ in range(REPEAT):
        for name, cmd in commands.items():
            samples[name].append(wall(cmd))
    baseline = statistics.median(samples["python -c pass"])
    for name, values in samples.items():
        target = {"b12ms --help": "target <= 8x"}.get(
            name, "target < 1 s" if "claims" in name or "diet" in name else ""
        )
        report(name, statistics.median(values), baseline_s=baseline, target=target)


if __name__ == "__main__":
    main()
