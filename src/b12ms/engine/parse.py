"""Parse untrusted JSON-like data into a PatientSnapshot (errors name their field paths)."""

from __future__ import annotations

from typing import Any

from b12ms.engine.snapshot import PatientSnapshot
from b12ms.inputs import validate_input


def parse_snapshot(data: Any) -> PatientSnapshot:
    """Validate a decoded JSON object as a snapshot; raise InputError listing every problem."""
    return validate_input(PatientSnapshot, data)
