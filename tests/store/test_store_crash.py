"""A writer killed with SIGKILL mid-batch leaves a sound database with every committed record.

A real child process writes assessments in a loop and prints each id only after its commit
returned; the parent kills it without warning, then checks the file. Waits are bounded by
timeouts and never used for correctness: the parent acts on what the child has printed.
"""

from __future__ import annotations

import queue
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from b12ms.store import open_store

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL is POSIX")

# Each save has labs dated by its loop index, so no two saves share a lab: a save that landed
# whole adds exactly LABS_PER_SAVE lab rows, and a torn one would show as a different count.
LABS_PER_SAVE = 4
CHILD = f"""
import sys
from datetime import date, timedelta
from b12ms import assess, load_knowledge, parse_snapshot
from b12ms.store import open_store

kb = load_knowledge()
store = open_store(sys.argv[1])
person = store.add_person("Crash test")
index = 0
while True:
    index += 1
    day = (date(2000, 1, 1) + timedelta(days=index)).isoformat()
    labs = [
        {{"analyte": "total_b12", "value": 100 + index % 700, "unit": "ng/L", "date": day}},
        {{"analyte": "folate", "value": 2 + index % 20, "unit": "ug/L", "date": day}},
        {{"analyte": "mma", "value": 0.1 + (index % 50) / 100, "unit": "umol/L", "date": day}},
        {{"analyte": "homocysteine", "value": 5 + index % 30, "unit": "umol/L", "date": day}},
    ]
    assert len(labs) == {LABS_PER_SAVE}
    supplements = [{{"name": "vitamin b12", "route": "oral", "started": day}}]
    snapshot = parse_snapshot({{"labs": labs, "supplements": supplements, "symptoms": ["fatigue"]}})
    saved = store.save_assessment(person.id, snapshot, assess(snapshot, kb, date.fromisoformat(day)), kb)
    print(saved.id, flush=True)
"""
TIMEOUT_SECONDS = 60


def _read_lines(stream: object, into: queue.Queue[str | None]) -> None:
    for line in stream:  # type: ignore[attr-defined]
        into.put(line)
    into.put(None)


@pytest.mark.parametrize("ids_before_kill", [1, 40])
def test_a_killed_writer_leaves_every_committed_record(tmp_path: Path, ids_before_kill: int) -> None:
    path = tmp_path / "b12ms.db"
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, f"sqlite:///{path}"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    lines: queue.Queue[str | None] = queue.Queue()
    reader = threading.Thread(target=_read_lines, args=(child.stdout, lines), daemon=True)
    reader.start()
    printed: list[str] = []
    try:
        deadline = time.monotonic() + TIMEOUT_SECONDS
        while len(printed) < ids_before_kill:
            line = lines.get(timeout=max(0.0, deadline - time.monotonic()))
            if line is None:
                pytest.fail(f"the writer stopped early: {child.stderr.read() if child.stderr else ''}")
            printed.append(line)
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=TIMEOUT_SECONDS)
    reader.join(timeout=TIMEOUT_SECONDS)
    while (line := lines.get_nowait()) is not None:  # ids printed between our last read and the kill
        printed.append(line)
    assert child.returncode == -signal.SIGKILL
    # Writes to a pipe up to PIPE_BUF bytes are atomic, so every line is whole.
    committed = {int(line) for line in printed if line.endswith("\n")}
    assert len(committed) >= ids_before_kill

    with sqlite3.connect(path) as connection:  # the raw file, as any SQLite tool would see it
        assert connection.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        connection.execute("PRAGMA foreign_keys = ON")
        assert connection.execute("PRAGMA foreign_key_check").fetchall() == []
        stored = {row[0] for row in connection.execute("SELECT id FROM assessment")}
        labs = connection.execute("SELECT count(*) FROM lab_result").fetchone()[0]
        events = connection.execute("SELECT count(*) FROM treatment_event").fetchone()[0]
    assert committed <= stored
    assert labs == LABS_PER_SAVE * len(stored)  # no save landed in part
    assert events == len(stored)

    with open_store(f"sqlite:///{path}") as store:  # and the store opens it and reads it
        [person] = store.list_people()
        assert {a.id for a in store.list_assessments(person.id)} == stored
