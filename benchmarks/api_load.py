"""API throughput: POST /api/v1/assess against GET /healthz on the same server, same run.

The server runs in its own process (uvicorn, one worker, 127.0.0.1, a free port). The load comes
from a separate process: wrk (Debian package, C) when it is installed, else this script's own
asyncio client, which is slower than the server and so understates both figures alike. Rounds
alternate healthz and assess, three each, and medians are reported, so machine noise hits both.
Bounded in time and count; loopback only. Target: assess reaches at least half the healthz
throughput. Run: .venv/bin/python benchmarks/api_load.py [--seconds 5] [--concurrency 16]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
SERVER = """
import uvicorn
from b12ms.web.app import create_app
from b12ms.web.settings import WebSettings
settings = WebSettings(port={port})
uvicorn.run(create_app(settings), host="127.0.0.1", port={port}, log_level="warning", access_log=False)
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_until_up(base: str, timeout_s: float = 30.0) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{base}/healthz", timeout=1.0).status_code == 200:
                return
        except httpx.HTTPError:
            time.sleep(0.1)
    raise SystemExit("server did not start within 30 s")


async def load(
    base: str, method: str, path: str, body: object | None, total: int, concurrency: int
) -> dict[str, float]:
    latencies: list[float] = []
    remaining = total

    async def worker(client: httpx.AsyncClient) -> None:
        nonlocal remaining
        while remaining > 0:
            remaining -= 1
            start = time.perf_counter()
            response = await client.request(method, path, json=body)
            latencies.append(time.perf_counter() - start)
            if response.status_code != 200:
                raise SystemExit(f"{method} {path} answered {response.status_code}")

    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=30.0) as client:
        started = time.perf_counter()
        await asyncio.gather(*(worker(client) for _ in range(concurrency)))
        elapsed = time.perf_counter() - started
    latencies.sort()
    return {
        "rps": total / elapsed,
        "p50_ms": statistics.median(latencies) * 1000,
        "p99_ms": latencies[int(len(latencies) * 0.99) - 1] * 1000,
    }


def wrk_round(base: str, path: str, body: str | None, seconds: int, concurrency: int) -> dict[str, float]:
    script = ""
    if body is not None:
        script = (
            f'wrk.method = "POST"\nwrk.body = {json.dumps(body)}\nwrk.headers["Content-Type"] = "application/json"\n'
        )
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as handle:
        handle.write(script)
    out = subprocess.run(
        ["wrk", "-t2", f"-c{concurrency}", f"-d{seconds}s", "--latency", "-s", handle.name, f"{base}{path}"],
        capture_output=True,
        text=True,
        check=True,
        timeout=seconds + 30,
    ).stdout
    Path(handle.name).unlink()
    if "Non-2xx" in out:
        raise SystemExit(f"{path}: non-2xx answers under load:\n{out}")

    def millis(label: str) -> float:
        value, unit = re.search(rf"{label}\s+([\d.]+)(us|ms|s)", out).groups()  # type: ignore[union-attr]
        return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]

    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    return {"rps": rps, "p50_ms": millis("50%"), "p99_ms": millis("99%")}


def median_figures(rounds: list[dict[str, float]]) -> dict[str, float]:
    return {key: statistics.median(r[key] for r in rounds) for key in rounds[0]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=2000, help="per round, Python client only")
    parser.add_argument("--seconds", type=int, default=5, help="per round, wrk only")
    parser.add_argument("--concurrency", type=int, default=16)
    args = parser.parse_args()
    snapshot = json.loads((ROOT / "examples" / "ms-vegan-metformin.json").read_text())
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = subprocess.Popen([sys.executable, "-c", SERVER.format(port=port)])
    try:
        wait_until_up(base)
        asyncio.run(load(base, "GET", "/healthz", None, 200, args.concurrency))  # warm-up
        health_rounds, assess_rounds = [], []
        for _ in range(3):
            if shutil.which("wrk"):
                health_rounds.append(wrk_round(base, "/healthz", None, args.seconds, args.concurrency))
                body = json.dumps(snapshot)
                assess_rounds.append(wrk_round(base, "/api/v1/assess", body, args.seconds, args.concurrency))
            else:
                health_rounds.append(asyncio.run(load(base, "GET", "/healthz", None, args.requests, args.concurrency)))
                assess_rounds.append(
                    asyncio.run(load(base, "POST", "/api/v1/assess", snapshot, args.requests, args.concurrency))
                )
        health, assess = median_figures(health_rounds), median_figures(assess_rounds)
    finally:
        server.terminate()
        server.wait(timeout=10)
    for name, figures in (("GET /healthz", health), ("POST /api/v1/assess", assess)):
        rps, p50, p99 = figures["rps"], figures["p50_ms"], figures["p99_ms"]
        print(f"{name:<22} {rps:8.0f} req/s   p50 {p50:6.1f} ms   p99 {p99:6.1f} ms  (median of 3 rounds)")
    ratio = assess["rps"] / health["rps"]
    print(
        f"assess / healthz throughput ratio {ratio:.2f}  (target >= 0.50)  "
        f"[load: {'wrk' if shutil.which('wrk') else 'python client'}, {args.concurrency} connections, one server]"
    )


if __name__ == "__main__":
    main()
