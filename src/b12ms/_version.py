"""The b12ms package version (the knowledge base has its own, in knowledge/data/knowledge.toml)."""

__version__ = "0.1.0"
