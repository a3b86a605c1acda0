"""What every reader produces, and the column helpers they share (portable ibis expressions).

A reader turns a source (OMOP tables, FHIR NDJSON, a flat lab file) into three *fact tables*
with fixed columns, which are all the rules read:

``persons``  person_id, sex ('male' | 'female' | null), ms (bool | null), pregnant (bool | null)
``labs``     row_id, person_id, analyte (null: code not recognised), value, unit, result, date,
             ref_low, ref_high (the laboratory's range, in the result's unit)
``events``   source, row_id, person_id, term (null: nothing recognised), kind (condition |
             medication | supplement | ms | pregnancy), start, end, route

One source row that names two terms gives two ``events`` rows with the same ``row_id``. Values
are never dropped here: a row that cannot be used is kept with nulls and the rules exclude and
count it by reason.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import ibis  # type: ignore[import-untyped]

from b12ms.errors import InputError, Problem

__all__ = [
    "EVENT_COLUMNS",
    "LAB_COLUMNS",
    "PERSON_COLUMNS",
    "Facts",
    "as_date",
    "as_float",
    "as_text",
    "blank_to_null",
    "match_text",
    "normalise_term_expr",
    "require_columns",
    "result_map",
    "text_key_expr",
    "trimmed",
]

PERSON_COLUMNS = ("person_id", "sex", "ms", "pregnant")
LAB_COLUMNS = ("row_id", "person_id", "analyte", "value", "unit", "result", "date", "ref_low", "ref_high")
EVENT_COLUMNS = ("source", "row_id", "person_id", "term", "kind", "start", "end", "route")


@dataclass
class Facts:
    """The three fact tables of one source, on the engine that will run the rules."""

    persons: Any
    labs: Any
    events: Any
    has_persons_table: bool = True
    ms_known: bool = True
    description: dict[str, Any] = field(default_factory=dict)


def require_columns(table: Any, table_name: str, columns: Iterable[str]) -> None:
    """Raise InputError naming the table and every missing column (case-sensitive, as OMOP is)."""
    present = set(table.columns)
    missing = [c for c in columns if c not in present]
    if missing:
        raise InputError(
            [Problem(f"{table_name}.{c}", f"column {c!r} is missing from table {table_name!r}") for c in missing]
        )


def trimmed(col: Any) -> Any:
    """Text with surrounding white space removed (the pure engine's ``str.strip``)."""
    return col.cast("string").re_replace(r"^\s+|\s+$", "")


def blank_to_null(col: Any) -> Any:
    text = trimmed(col)
    return ibis.cases((text == "", ibis.null("string")), else_=text)


def as_text(col: Any) -> Any:
    return col.cast("string")


def as_float(col: Any) -> Any:
    """A number column as float64; text that is not a number becomes null (never an error)."""
    dtype = col.type()
    if dtype.is_floating():
        return col.cast("float64")
    if dtype.is_numeric() or dtype.is_boolean():
        return col.cast("float64")
    if dtype.is_null():
        return ibis.null("float64")
    return trimmed(col).try_cast("float64")


def as_date(col: Any) -> Any:
    """A date column; timestamps lose their time; text that is not a date becomes null."""
    dtype = col.type()
    if dtype.is_date():
        return col
    if dtype.is_timestamp():
        return col.cast("date")
    if dtype.is_null():
        return ibis.null("date")
    text = trimmed(col.cast("string"))
    # ISO dates and date-times ("2026-05-01T10:00:00Z"): the first ten characters are the date.
    return text.substr(0, 10).try_cast("date")


def normalise_term_expr(col: Any) -> Any:
    """SQL twin of ``knowledge.model.normalise_term``: lower case, apostrophes dropped, runs of
    white space and hyphens to ``_``, no ``_`` at either end."""
    text = trimmed(col).lower().re_replace("['’]", "")
    return text.re_replace(r"[\s\-]+", "_").re_replace(r"^_+|_+$", "")


def text_key_expr(col: Any) -> Any:
    """SQL twin of ``lookups.text_key``: padded lower-case words for whole-word matching."""
    words = trimmed(col).lower().re_replace("['’]", "").re_replace("[^a-z0-9]+", " ").re_replace(r"^ +| +$", "")
    return " " + words + " "


def match_text(values: Any, names: Any) -> Any:
    """``value`` -> ``term``, ``kind`` for each distinct text value that contains a term name.

    Matching runs on the distinct values only (usually far fewer than rows) and the result is
    joined back by exact value.
    """
    distinct = values.select(value=values.value).filter(values.value.notnull()).distinct()
    keyed = distinct.mutate(key=text_key_expr(distinct.value))
    joined = keyed.join(names, keyed.key.contains(names.name))
    hits = joined.select(value=joined.value, name=joined.name, term=joined.term, kind=joined.kind)
    # The longest name wins: "family history of pernicious anaemia" is that history, not also
    # pernicious anaemia. A hit is dropped when a longer hit in the same text contains its name.
    a, b = hits.view(), hits.view()
    shadowed = a.join(b, (a.value == b.value) & (b.name != a.name) & b.name.contains(a.name))
    shadowed = shadowed.select(s_value=a.value, s_name=a.name)
    kept = hits.anti_join(shadowed, (hits.value == shadowed.s_value) & (hits.name == shadowed.s_name))
    return kept.select(value=kept.value, term=kept.term, kind=kept.kind).distinct()


def result_map(texts: Any, reg: Any) -> Any:
    """``raw`` -> ``result`` for each distinct qualitative result text (``texts.text``), matched
    trimmed and lower-cased against the spellings in the screening code file."""
    distinct = texts.filter(texts.text.notnull()).select(raw=texts.text).distinct()
    keyed = distinct.mutate(key=trimmed(distinct.raw).lower())
    res = reg.results
    return keyed.join(res, keyed.key == res.text).select(raw=keyed.raw, result=res.result).view()
