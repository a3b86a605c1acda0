"""Renderers that turn engine outputs into text for people (terminal text, Markdown)."""
