"""Progress of a screening run, reported stage by stage through a callback.

The library never prints: it calls ``on_progress(ProgressEvent)`` at the start and end of each
stage. :func:`rich_progress` is a ready-made renderer for terminals (one Rich progress line per
stage, with elapsed time) that the CLI can pass in; ``--quiet`` passes nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

__all__ = ["STAGES", "ProgressCallback", "ProgressEvent", "rich_progress"]

STAGES: tuple[tuple[str, str], ...] = (
    ("open", "Opening the source"),
    ("events", "Reading conditions and medicines"),
    ("labs", "Reading lab results"),
    ("rules", "Applying the rules"),
    ("write", "Writing persons.parquet and persons.csv"),
    ("summary", "Counting and writing the summary"),
)


@dataclass(frozen=True)
class ProgressEvent:
    stage: str
    label: str
    index: int
    total: int
    finished: bool
    detail: str = ""


ProgressCallback = Callable[[ProgressEvent], None]


@contextmanager
def rich_progress(console: Any = None) -> Iterator[ProgressCallback]:
    """A callback that shows each stage as a Rich progress line (spinner, then elapsed time)."""
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    tasks: dict[str, Any] = {}
    with Progress(
        SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(), console=console, transient=False
    ) as progress:

        def on_progress(event: ProgressEvent) -> None:
            label = f"[{event.index}/{event.total}] {event.label}"
            if event.detail:
                label += f" — {event.detail}"
            if event.stage not in tasks:
                tasks[event.stage] = progress.add_task(label, total=1)
            progress.update(tasks[event.stage], description=label, completed=1 if event.finished else 0)

        yield on_progress
