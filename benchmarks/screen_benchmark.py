"""Screen benchmark: `screen` on DuckDB against the hand-written SQL floor, pandas and Spark, in one run.

Makes (or reuses) a synthetic OMOP Parquet cohort, then runs each contender in its own process so
peak memory is measured per contender, checks that all of them give every person the same status,
flags, next tests and findings, and prints wall time, peak RSS, rows per second and the ratios the
targets name (screen within 1.5x of the SQL floor, at least 20x faster than pandas; DuckDB peak RSS
under 4 GB; Spark local mode for reference).

Run: .venv/bin/python benchmarks/screen_benchmark.py [--persons 1000000] [--seed 2026] [--data DIR]
     [--skip-pandas] [--skip-spark] [--population ms|all]
See docs/performance.md for the figures and how they were made.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

AS_OF = date(2026, 6, 1)
HERE = Path(__file__).resolve().parent


def _peak_mb(pid: int) -> float:
    """Peak resident memory of another process (Linux /proc; 0 when unavailable)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text(encoding="utf-8").splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def _child(kind: str, data: Path, out: Path, population: str) -> None:
    started = time.perf_counter()
    jvm_mb = 0.0
    if kind in ("duckdb", "spark"):
        from b12ms.screen.backend import local_spark_session
        from b12ms.screen.run import ScreenOptions, screen
        from b12ms.screen.sources import OmopSource

        # Spark gets every core of this machine (local[*]); the tests use local[1].
        session = local_spark_session("local[*]", driver_memory="3g") if kind == "spark" else None
        options = ScreenOptions(as_of=AS_OF, population=population, engine=kind)  # type: ignore[arg-type]
        result = screen(OmopSource(path=data), options, out, spark_session=session)
        persons = result.summary["persons"]["screened"]
        if session is not None:
            jvm_mb = _peak_mb(session.sparkContext._gateway.proc.pid)
            session.stop()
    elif kind == "sql":
        sys.path.insert(0, str(HERE))
        from screen_sql_baseline import run

        persons = int(run(data, out, AS_OF)["persons"])  # type: ignore[call-overload]
    else:
        sys.path.insert(0, str(HERE))
        from screen_pandas_baseline import run as run_pandas

        persons = int(run_pandas(data, out, AS_OF)["persons"])
    seconds = time.perf_counter() - started
    self_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({"seconds": seconds, "persons": persons, "rss_mb": self_kb / 1024, "jvm_rss_mb": jvm_mb}))


def _run(kind: str, data: Path, out: Path, population: str) -> dict[str, float]:
    command = [
        sys.executable,
        __file__,
        "--child",
        kind,
        "--data",
        str(data),
        "--out",
        str(out),
        "--population",
        population,
    ]
    done = subprocess.run(
        command, check=True, capture_output=True, text=True, env=os.environ | {"PYTHONWARNINGS": "ignore"}
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def _answers(path: Path) -> dict[object, tuple[object, ...]]:
    import pyarrow.parquet as pq

    def ids(text: str) -> frozenset[str]:
        return frozenset(x for x in (text or "").split(";") if x)

    rows = pq.read_table(path / "persons.parquet").to_pylist()
    return {r["person_id"]: (r["status"], ids(r["flags"]), ids(r["next_tests"]), ids(r["findings"])) for r in rows}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--persons", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--data", type=Path, default=Path("benchmarks/results/screen-omop"))
    parser.add_argument("--out", type=Path, default=Path("benchmarks/results/screen-out"))
    parser.add_argument("--population", choices=("ms", "all"), default="ms")
    parser.add_argument("--skip-pandas", action="store_true")
    parser.add_argument("--skip-spark", action="store_true")
    parser.add_argument("--child", choices=("duckdb", "sql", "pandas", "spark"))
    args = parser.parse_args()
    if args.child:
        _child(args.child, args.data, args.out, args.population)
        return

    import pyarrow.parquet as pq

    from b12ms.screen.synth_write import run_synth

    marker = args.data / "synth.json"
    wanted = {"persons": args.persons, "seed": args.seed}
    if not marker.exists() or {k: json.loads(marker.read_text())[k] for k in wanted} != wanted:
        made = run_synth(args.persons, args.seed, args.data, "omop-parquet")
        marker.write_text(json.dumps(made), encoding="utf-8")
        print(f"synth: {args.persons:,} persons in {made['seconds']:.1f} s")
    rows = pq.ParquetFile(args.data / "measurement.parquet").metadata.num_rows
    print(f"data: {args.persons:,} persons, {rows:,} measurement rows; population {args.population}; "
          f"{os.cpu_count()} CPUs; load average {os.getloadavg()[0]:.1f}")  # fmt: skip

    kinds = ["duckdb", "sql"] + ([] if args.skip_pandas else ["pandas"]) + ([] if args.skip_spark else ["spark"])
    results = {}
    for kind in kinds:
        results[kind] = _run(kind, args.data, args.out / kind, args.population)
        r = results[kind]
        rss = f"{r['rss_mb']:,.0f} MB" + (f" + JVM {r['jvm_rss_mb']:,.0f} MB" if kind == "spark" else "")
        print(f"{kind:<8} wall {r['seconds']:8.2f} s   peak RSS {rss:<26} {rows / r['seconds']:>12,.0f} rows/s")

    reference = _answers(args.out / "duckdb")
    for kind in kinds[1:]:
        other = _answers(args.out / kind)
        same = sum(other.get(k) == v for k, v in reference.items())
        print(f"agreement duckdb vs {kind}: {same:,} of {len(reference):,} persons identical")
    screen_s = results["duckdb"]["seconds"]
    print(f"screen / hand-written SQL: {screen_s / results['sql']['seconds']:.2f}x (target <= 1.5x)")
    if "pandas" in results:
        print(f"pandas / screen: {results['pandas']['seconds'] / screen_s:.1f}x (target >= 20x)")
    if "spark" in results:
        print(f"spark local / screen: {results['spark']['seconds'] / screen_s:.1f}x (reference)")
    print(f"screen peak RSS {results['duckdb']['rss_mb'] / 1024:.2f} GB (target < 4 GB)")


if __name__ == "__main__":
    main()
