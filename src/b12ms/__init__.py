"""b12ms — evidence-graded decision support about vitamin B12 for people with MS.

The public API, imported lazily so that ``import b12ms`` (and ``b12ms --help``) stays fast::

    from b12ms import assess, load_knowledge, parse_snapshot
    kb = load_knowledge()
    result = assess(parse_snapshot(data), kb, as_of)
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

from b12ms._version import __version__
from b12ms.errors import B12msError, ConfigError, InputError, KnowledgeError, Problem

if TYPE_CHECKING:
    from b12ms.engine import Assessment, PatientSnapshot, assess
    from b12ms.engine.parse import parse_snapshot
    from b12ms.knowledge import Knowledge, load_knowledge

__all__ = [
    "Assessment",
    "B12msError",
    "ConfigError",
    "InputError",
    "Knowledge",
    "KnowledgeError",
    "PatientSnapshot",
    "Problem",
    "__version__",
    "assess",
    "load_knowledge",
    "parse_snapshot",
]

_LAZY = {
    "Assessment": "b12ms.engine",
    "PatientSnapshot": "b12ms.engine",
    "assess": "b12ms.engine",
    "parse_snapshot": "b12ms.engine.parse",
    "Knowledge": "b12ms.knowledge",
    "load_knowledge": "b12ms.knowledge",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'b12ms' has no attribute {name!r}")
