"""The b12ms knowledge base: versioned data files, validated on load into frozen objects."""

from b12ms.knowledge.loader import DATA_DIR, load_knowledge
from b12ms.knowledge.model import Knowledge

__all__ = ["DATA_DIR", "Knowledge", "load_knowledge"]
