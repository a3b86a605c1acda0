"""b12ms — evidence-graded decision support about vitamin B12 for people with MS."""

from b12ms._version import __version__

__all__ = ["__version__"]
