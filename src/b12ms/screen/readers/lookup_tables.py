"""The knowledge lookups registered on one engine, ready to join (see :mod:`b12ms.screen.lookups`)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Any

import pyarrow as pa  # type: ignore[import-untyped]

from b12ms.screen.backend import Engine
from b12ms.screen.lookups import Lookups

__all__ = ["CONDITION_KINDS", "DRUG_KINDS", "OBSERVATION_KINDS", "Registered"]

CONDITION_KINDS = ("condition", "ms", "pregnancy")
DRUG_KINDS = ("medication", "supplement")
OBSERVATION_KINDS = ("pregnancy",)


@dataclass
class Registered:
    """Lookup tables on ``engine`` (registered on first use)."""

    engine: Engine
    lookups: Lookups

    def _register(self, stem: str, table: pa.Table) -> Any:
        return self.engine.register(stem, table)

    @cached_property
    def analyte_keys(self) -> Any:
        return self._register("analyte_keys", self.lookups.analyte_keys)

    @cached_property
    def analyte_facts(self) -> Any:
        return self._register("analyte_facts", self.lookups.analyte_facts)

    @cached_property
    def units(self) -> Any:
        return self._register("units", self.lookups.units)

    @cached_property
    def bands(self) -> Any:
        return self._register("bands", self.lookups.bands)

    @cached_property
    def results(self) -> Any:
        return self._register("results", self.lookups.results)

    @cached_property
    def routes(self) -> Any:
        return self._register("routes", self.lookups.routes)

    def names(self, kinds: tuple[str, ...]) -> Any:
        return self._cached(f"names_{'_'.join(kinds)}", lambda: self.lookups.term_names(kinds))

    def codes(self, kinds: tuple[str, ...]) -> Any:
        return self._cached(f"codes_{'_'.join(kinds)}", lambda: self.lookups.term_codes(kinds))

    def _cached(self, key: str, build: Any) -> Any:
        store: dict[str, Any] = self.__dict__.setdefault("_tables", {})
        if key not in store:
            store[key] = self._register(key, build())
        return store[key]

    def value_map(self, values: Any, kinds: tuple[str, ...]) -> Any:
        """Distinct text values -> (term, kind) by code (exact, or ICD-style ``CODE.x``) or by name."""
        from b12ms.screen.readers.common import match_text, trimmed

        codes = self.codes(kinds)
        distinct = values.select(value=values.value).filter(values.value.notnull()).distinct()
        code_text = trimmed(distinct.value)
        by_code = distinct.join(codes, (code_text == codes.code) | code_text.startswith(codes.code + ".")).select(
            value=distinct.value, term=codes.term, kind=codes.kind
        )
        by_name = match_text(values, self.names(kinds))
        return by_code.union(by_name, distinct=True)
