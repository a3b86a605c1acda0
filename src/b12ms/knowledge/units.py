"""Units: the application's one pint registry and the conversion tables built from it.

pint is used at knowledge-load time only. The loader turns every accepted unit of every
analyte into plain float factors (to the canonical unit and to the unit of the NICE band that
applies), so the engine converts with a multiplication and never imports pint.

Mass and molar units are bridged with the analyte's molar mass from ``analytes.toml``
(B12 1355.37 g/mol: 1 ng/L = 0.7378 pmol/L).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from b12ms.errors import KnowledgeError

__all__ = ["UnitConverter", "clean_float", "pretty_unit", "registry"]


def clean_float(value: float) -> float:
    """Strip binary float noise (300 pg/mL → 299.99999999999994 ng/L) at 12 significant digits."""
    return float(f"{value:.12g}")


def pretty_unit(code: str) -> str:
    """Unit codes are ASCII (UCUM style: ``umol/L``); people read ``µmol/L``."""
    return re.sub(r"(?<![A-Za-z])u(?=(mol|g)\b)", "µ", code)


@lru_cache(maxsize=1)
def registry(definitions: str) -> Any:
    """The one pint registry, built from ``units.txt`` (cached per definitions text)."""
    import pint  # deferred: pint costs ~100 ms to import and only the loader needs it

    ureg: Any = pint.UnitRegistry(None, autoconvert_offset_to_baseunit=False)
    try:
        ureg.load_definitions(definitions.splitlines())
    except Exception as error:  # pint raises several unrelated types for bad definitions
        raise KnowledgeError(f"units.txt: cannot load unit definitions: {error}") from error
    return ureg


@dataclass(frozen=True)
class UnitConverter:
    """Conversions between unit expressions, bridging mass and amount with a molar mass."""

    ureg: Any

    def parse(self, expression: str, where: str) -> Any:
        try:
            return self.ureg.Quantity(1.0, expression)
        except Exception as error:  # pint: UndefinedUnitError, DefinitionSyntaxError, ...
            raise KnowledgeError(f"{where}: unit {expression!r} is not defined in units.txt ({error})") from None

    def dimension(self, expression: str, where: str) -> str:
        """The dimension of a unit as text (``[mass] / [length] ** 3``), to group unit families."""
        return str(self.parse(expression, where).dimensionality)

    def same_dimension(self, a: str, b: str, where: str) -> bool:
        return bool(self.parse(a, where).dimensionality == self.parse(b, where).dimensionality)

    def factor(self, source: str, target: str, where: str, molar_mass_g_per_mol: float | None = None) -> float:
        """How many ``target`` units one ``source`` unit is (bridging mass and moles if needed)."""
        quantity = self.parse(source, where)
        goal = self.parse(target, where)
        if quantity.dimensionality == goal.dimensionality:
            return clean_float(float(quantity.to(target).magnitude))
        if molar_mass_g_per_mol is None:
            raise KnowledgeError(f"{where}: cannot convert {source} to {target} (different dimensions)")
        molar_mass = self.ureg.Quantity(molar_mass_g_per_mol, "g/mol")
        for bridged in (quantity / molar_mass, quantity * molar_mass):
            if bridged.dimensionality == goal.dimensionality:
                return clean_float(float(bridged.to(target).magnitude))
        raise KnowledgeError(f"{where}: cannot convert {source} to {target}, even with a molar mass")
