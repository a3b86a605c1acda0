"""Specification tests: expectations written from the b12ms rules (NICE NG239 and product policy)."""
