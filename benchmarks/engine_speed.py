"""Engine speed: knowledge load and one in-process assessment (targets: < 200 ms and < 2 ms).

Baseline measured in the same run: validating the snapshot JSON into a PatientSnapshot (the
cheapest useful step an adapter does anyway), so the ratio says how much the rules add.
Run: .venv/bin/python benchmarks/engine_speed.py
"""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from _common import median_seconds, report

from b12ms.engine import PatientSnapshot, assess
from b12ms.inputs import validate_input
from b12ms.knowledge import load_knowledge

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def cold_load_ms() -> float:
    """Import and load in a fresh interpreter, as the CLI does on every call (median of 7)."""
    code = (
        "import time; t=time.perf_counter(); from b12ms.knowledge import load_knowledge; load_knowledge(); "
        "print(time.perf_counter()-t)"
    )
    runs = sorted(float(subprocess.check_output([sys.executable, "-c", code], text=True)) for _ in range(7))
    return runs[len(runs) // 2]


def main() -> None:
    kb = load_knowledge()
    report("knowledge load (warm process)", median_seconds(load_knowledge, repeat=30), target="target < 200 ms")
    report("knowledge import + load (fresh process)", cold_load_ms(), target="target < 200 ms")
    for name in ("ms-vegan-metformin.json", "suspected-ms-nitrous-oxide.json", "progressive-ms-biotin.json"):
        data = json.loads((EXAMPLES / name).read_text())
        snapshot = validate_input(PatientSnapshot, data)
        baseline = median_seconds(lambda d=data: validate_input(PatientSnapshot, d), repeat=2000)
        elapsed = median_seconds(lambda s=snapshot: assess(s, kb, date(2026, 11, 1)), repeat=2000)
        report(f"assess {name}", elapsed, baseline_s=baseline, target="target < 2 ms")


if __name__ == "__main__":
    main()
