"""The pure assessment engine: ``assess(snapshot, knowledge, as_of) -> Assessment``."""

from b12ms.engine.assessment import Assessment
from b12ms.engine.core import assess
from b12ms.engine.snapshot import PatientSnapshot

__all__ = ["Assessment", "PatientSnapshot", "assess"]
