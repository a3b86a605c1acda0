"""A flat lab table (CSV or Parquet) and an optional persons table -> fact tables (DuckDB).

Labs: ``person_id``, ``code`` or ``analyte`` (a LOINC code, an analyte id or a name the knowledge
knows, such as "B12" or "holoTC"), ``value``, ``unit``, ``date``; optional ``result`` (qualitative
tests), ``ref_low``, ``ref_high``. Persons: ``person_id``; optional ``sex``, ``ms``, ``pregnant``
(yes/no, true/false, 1/0; ``ms`` also diagnosed/suspected), ``birth_date`` or ``age`` (not used by
the rules). CSV is read as text and converted column by column, so a bad value spoils one row,
never the file; on the same date, the row later in the file wins.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import ibis  # type: ignore[import-untyped]
import pyarrow as pa  # type: ignore[import-untyped]

from b12ms.errors import InputError, Problem
from b12ms.screen.backend import Engine
from b12ms.screen.readers.common import (
    Facts,
    as_date,
    as_float,
    normalise_term_expr,
    require_columns,
    result_map,
    trimmed,
)
from b12ms.screen.readers.lookup_tables import Registered

__all__ = ["EMPTY_EVENTS", "flat_facts", "read_flat_file"]

EMPTY_EVENTS = pa.schema(
    [
        ("source", pa.string()),
        ("row_id", pa.int64()),
        ("person_id", pa.string()),
        ("term", pa.string()),
        ("kind", pa.string()),
        ("start", pa.date32()),
        ("end", pa.date32()),
        ("route", pa.string()),
    ]
)
_YES = ["yes", "y", "true", "t", "1", "diagnosed", "suspected"]
_NO = ["no", "n", "false", "f", "0"]


def read_flat_file(engine: Engine, path: Path, option: str) -> Any:
    """A CSV (all columns as text) or Parquet file as a DuckDB table with ``_row`` in file order."""
    name = engine.unique(path.stem.replace("-", "_").replace(".", "_")[:40])
    lower = path.name.lower()
    if lower.endswith(".parquet"):
        reader = f"read_parquet('{_sql_path(path)}', file_row_number = true)"
        order = "file_row_number"
    elif lower.endswith((".csv", ".csv.gz", ".tsv", ".txt")):
        reader = f"read_csv('{_sql_path(path)}', all_varchar = true, header = true)"
        order = None
    else:
        raise InputError(Problem(option, f"{path.name}: expected a .csv or .parquet file"))
    try:
        # File order matters for same-day ties, so keep it while numbering rows.
        engine.run_sql("SET preserve_insertion_order = true")
        row = f"row_number() over (order by {order})" if order else "row_number() over ()"
        engine.run_sql(f"CREATE TEMP TABLE {name} AS SELECT {row} AS _row, * FROM {reader}")
    except Exception as error:
        message = str(error).strip().splitlines()[0][:300] if str(error).strip() else type(error).__name__
        raise InputError(Problem(option, f"cannot read {path}: {message}")) from None
    finally:
        engine.run_sql("SET preserve_insertion_order = false")
    table = engine.con.table(name)
    lowered = {c: c.lower().strip() for c in table.columns if c != "_row"}
    renames = {new: old for old, new in lowered.items() if old != new}
    return table.rename(renames) if renames else table


def _sql_path(path: Path) -> str:
    return path.as_posix().replace("'", "''")


def _truthy(col: Any) -> Any:
    text = trimmed(col.cast("string")).lower()
    return ibis.cases((text.isin(_YES), True), (text.isin(_NO), False), else_=ibis.null("boolean"))


def _sex(col: Any) -> Any:
    text = trimmed(col.cast("string")).lower()
    return ibis.cases(
        (text.isin(["m", "male"]), "male"), (text.isin(["f", "female"]), "female"), else_=ibis.null("string")
    )


def _resolved(values: Any, keys: Any) -> Any:
    """Distinct raw names or codes -> analyte (normalised once per distinct value)."""
    distinct = values.filter(values.raw.notnull()).distinct()
    keyed = distinct.mutate(key=normalise_term_expr(distinct.raw))
    return keyed.join(keys, keyed.key == keys.key).select(raw=keyed.raw, analyte=keys.analyte).view()


def _labs(t: Any, reg: Registered) -> Any:
    require_columns(t, "labs", ("person_id", "value", "unit", "date"))
    if "code" not in t.columns and "analyte" not in t.columns:
        raise InputError(Problem("labs.code", "the lab table needs a 'code' or an 'analyte' column"))
    keys = reg.analyte_keys
    base = t.select(
        row_id=t._row.cast("int64"),
        person_id=trimmed(t.person_id.cast("string")),
        key_code=t.code.cast("string") if "code" in t.columns else ibis.null("string"),
        key_name=t.analyte.cast("string") if "analyte" in t.columns else ibis.null("string"),
        value=as_float(t.value),
        unit=t.unit.cast("string"),
        result_text=t.result.cast("string") if "result" in t.columns else ibis.null("string"),
        date=as_date(t.date),
        ref_low=as_float(t.ref_low) if "ref_low" in t.columns else ibis.null("float64"),
        ref_high=as_float(t.ref_high) if "ref_high" in t.columns else ibis.null("float64"),
    )
    base = base.view()
    by_code = _resolved(base.select(raw=base.key_code), keys).rename(ck="raw", a_code="analyte")
    by_name = _resolved(base.select(raw=base.key_name), keys).rename(nk="raw", a_name="analyte")
    res = result_map(base.select(text=base.result_text), reg)
    j = (
        base.left_join(by_code, base.key_code == by_code.ck)
        .left_join(by_name, base.key_name == by_name.nk)
        .left_join(res, base.result_text == res.raw)
    )
    return j.select(
        row_id=j.row_id,
        person_id=j.person_id,
        analyte=ibis.coalesce(j.a_code, j.a_name),
        value=j.value,
        unit=j.unit,
        result=j.result,
        date=j.date,
        ref_low=j.ref_low,
        ref_high=j.ref_high,
    )


def flat_facts(labs_path: Path, persons_path: Path | None, engine: Engine, reg: Registered) -> Facts:
    labs_table = read_flat_file(engine, labs_path, "--labs")
    labs = _labs(labs_table, reg)
    ms_known = False
    if persons_path is not None:
        p = read_flat_file(engine, persons_path, "--persons")
        require_columns(p, "persons", ("person_id",))
        ms_known = "ms" in p.columns
        persons = p.select(
            person_id=trimmed(p.person_id.cast("string")),
            sex=_sex(p.sex) if "sex" in p.columns else ibis.null("string"),
            ms=_truthy(p.ms) if ms_known else ibis.null("boolean"),
            pregnant=_truthy(p.pregnant) if "pregnant" in p.columns else ibis.null("boolean"),
        )
    else:
        ids = labs.select("person_id").filter(labs.person_id.notnull()).distinct()
        persons = ids.mutate(sex=ibis.null("string"), ms=ibis.null("boolean"), pregnant=ibis.null("boolean"))
    events = engine.register("events", EMPTY_EVENTS.empty_table())
    return Facts(
        persons=persons,
        labs=labs,
        events=events,
        has_persons_table=persons_path is not None,
        ms_known=ms_known,
        description={"format": "labs", "persons_table": persons_path is not None},
    )
