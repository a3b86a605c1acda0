"""Load the evidence half of the knowledge (claims, forms, intakes) when its files exist."""

from __future__ import annotations

from pathlib import Path
from typing import Any


def load_evidence(data_dir: Path, reference_ids: set[str]) -> Any:
    """Placeholder until the evidence schema lands: returns None when claims.toml is absent."""
    return None
