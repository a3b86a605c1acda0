"""Lab rows -> readings: analyte, unit conversion, plausibility, band; then the latest per analyte.

The SQL twin of :mod:`b12ms.engine.normalise` and ``status.band_of``. Every row keeps a
``reason`` (null when it is used), so the summary can count what was excluded and why:

====================== =======================================================================
``withdrawn``           FHIR status entered-in-error or cancelled
``missing_date``        no date, or text that is not a date
``unmapped_code``       the code or name is not an analyte the knowledge base reads
``invalid_result``      a qualitative test whose result is not one of the knowledge's values
``missing_value``       a quantitative test with no finite number
``unknown_unit``        no unit, or one the knowledge base does not list for the analyte
``implausible_value``   outside the analyte's plausibility window once converted (or negative)
``invalid_reference_range`` a laboratory range that is negative or has low >= high
``after_as_of``         dated after the screening date
``outside_lookback``    dated before the lookback window (still counts as "tested ever")
``unknown_person``      the person is not in the persons table
``not_in_population``   the person is outside ``--population``
====================== =======================================================================
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import ibis  # type: ignore[import-untyped]

from b12ms.screen.readers.common import trimmed
from b12ms.screen.readers.lookup_tables import Registered

__all__ = ["LAB_REASONS", "classify_labs", "clean_float_expr", "latest_wide"]

LAB_REASONS = (
    "withdrawn",
    "missing_date",
    "unmapped_code",
    "invalid_result",
    "missing_value",
    "unknown_unit",
    "implausible_value",
    "invalid_reference_range",
    "after_as_of",
    "outside_lookback",
    "unknown_person",
    "not_in_population",
)

# Analytes whose latest reading the rules read, with the columns kept for each (see latest_wide).
_WIDE = {
    "total_b12": ("tb", ("date", "band")),
    "active_b12": ("ab", ("date", "band")),
    "mma": ("mma", ("date", "canonical", "ref_high")),
    "homocysteine": ("hcy", ("date", "canonical", "ref_high")),
    "folate": ("fol", ("date", "canonical", "ref_low")),
    "mcv": ("mcv", ("date", "canonical")),
    "haemoglobin": ("hb", ("date", "canonical")),
    "egfr": ("egfr", ("date", "canonical")),
    "if_antibodies": ("ifab", ("date", "result")),
}


def _finite(x: Any) -> Any:
    return x.notnull() & ~x.isnan() & ~x.isinf()


def clean_float_expr(x: Any) -> Any:
    """SQL twin of ``knowledge.units.clean_float``: round to 12 significant digits.

    Only for finite values between 1e-200 and 1e200 in magnitude (others pass through: no
    plausible lab value lies there); the input is clamped first so no branch can overflow.
    """
    ok = _finite(x) & (x.abs() > 1e-200) & (x.abs() < 1e200)
    safe = ibis.cases((ok, x), else_=1.0)
    scale = ibis.literal(10.0).pow(11 - safe.abs().log10().floor())
    rounded = (safe * scale).round() / scale
    return ibis.cases((ok, rounded), else_=x)


def classify_labs(labs: Any, reg: Registered, as_of: date, lookback_days: int, population: Any) -> Any:
    """Every lab row with its reading (canonical value, band) and its exclusion ``reason``.

    ``population``: person_id, in_population (one row per known person).
    """
    labs = labs.view()  # a fresh relation: labs may itself be a projection of a join
    facts = reg.analyte_facts
    units = reg.units
    bands = reg.bands
    # Units are resolved once per distinct (analyte, unit) pair, as typed (trimmed) first and then
    # lower-cased, like Knowledge.unit_fact, and joined back by exact value.
    pairs = labs.select(pa_=labs.analyte, pu=labs.unit).filter(lambda t: t.pa_.notnull() & t.pu.notnull()).distinct()
    pairs = pairs.mutate(key=trimmed(pairs.pu))
    exact = units.select(
        ua=units.analyte, uk=units.key, f_canon=units.to_canonical, f_band=units.to_band, f_id=units.band_id
    )
    lower = units.view()
    lower = lower.select(
        la=lower.analyte, lk=lower.key, l_canon=lower.to_canonical, l_band=lower.to_band, l_id=lower.band_id
    )
    resolved = pairs.left_join(exact, (pairs.pa_ == exact.ua) & (pairs.key == exact.uk)).left_join(
        lower, (pairs.pa_ == lower.la) & (pairs.key.lower() == lower.lk)
    )
    resolved = resolved.select(
        ra=resolved.pa_,
        ru=resolved.pu,
        to_canonical=ibis.coalesce(resolved.f_canon, resolved.l_canon),
        to_band=ibis.coalesce(resolved.f_band, resolved.l_band),
        band_id=ibis.coalesce(resolved.f_id, resolved.l_id),
    ).view()
    j = (
        labs.left_join(facts, labs.analyte == facts.analyte)
        .left_join(resolved, (labs.analyte == resolved.ra) & (labs.unit == resolved.ru))
        .left_join(population, labs.person_id == population.person_id)
    )
    t = j.select(
        *(j[c] for c in labs.columns),
        qualitative=j.qualitative,
        plausible_low=j.plausible_low,
        plausible_high=j.plausible_high,
        known_person=j.in_population.notnull(),
        in_population=j.in_population.fill_null(False),
        to_canonical=j.to_canonical,
        to_band=j.to_band,
        band_id=j.band_id,
    )
    # Converted values first (12-significant-digit rounding as the pure engine's clean_float),
    # each computed once and only where it means something; the reason refers to them by name.
    quantitative = ~t.qualitative.fill_null(True) & t.to_canonical.notnull() & _finite(t.value)
    t = t.mutate(
        canonical=ibis.cases((quantitative, clean_float_expr(t.value * t.to_canonical)), else_=ibis.null("float64")),
        band_value=ibis.cases(
            (quantitative & (t.band_id != ""), clean_float_expr(t.value * t.to_band)), else_=ibis.null("float64")
        ),
        ref_low_c=ibis.cases(
            (_finite(t.ref_low), clean_float_expr(t.ref_low * t.to_canonical)), else_=ibis.null("float64")
        ),
        ref_high_c=ibis.cases(
            (_finite(t.ref_high), clean_float_expr(t.ref_high * t.to_canonical)), else_=ibis.null("float64")
        ),
    )
    bad_range = (
        (t.ref_low.notnull() & (~_finite(t.ref_low) | (t.ref_low < 0)))
        | (t.ref_high.notnull() & (~_finite(t.ref_high) | (t.ref_high < 0)))
        | (_finite(t.ref_low) & _finite(t.ref_high) & (t.ref_low >= t.ref_high))
    )
    start = as_of - timedelta(days=lookback_days)
    withdrawn = t.withdrawn if "withdrawn" in labs.columns else ibis.literal(False)
    reason = ibis.cases(
        (withdrawn, "withdrawn"),
        (t.date.isnull(), "missing_date"),
        (t.analyte.isnull() | t.qualitative.isnull(), "unmapped_code"),
        (t.qualitative & t.result.isnull(), "invalid_result"),
        (~t.qualitative & ~_finite(t.value), "missing_value"),
        (~t.qualitative & t.to_canonical.isnull(), "unknown_unit"),
        (
            ~t.qualitative & ((t.value < 0) | (t.canonical < t.plausible_low) | (t.canonical > t.plausible_high)),
            "implausible_value",
        ),
        (bad_range, "invalid_reference_range"),
        (t.date > as_of, "after_as_of"),
        (t.date < start, "outside_lookback"),
        (~t.known_person, "unknown_person"),
        (~t.in_population, "not_in_population"),
        else_=ibis.null("string"),
    )
    t = t.mutate(reason=reason)
    b = t.left_join(bands, t.band_id == bands.band_id)
    band = ibis.cases(
        (b.band_id.isnull() | (b.band_id == "") | b.low_below.isnull(), ibis.null("string")),
        (b.band_value < b.low_below, "low"),
        (b.band_value > b.normal_above, "normal"),
        else_="indeterminate",
    )
    return b.select(
        row_id=b.row_id,
        person_id=b.person_id,
        analyte=b.analyte,
        date=b.date,
        canonical=b.canonical,
        ref_low=b.ref_low_c,
        ref_high=b.ref_high_c,
        result=b.result,
        band=ibis.cases((b.reason.isnull(), band), else_=ibis.null("string")),
        reason=b.reason,
    )


def latest_wide(readings: Any) -> Any:
    """One row per person: the latest used reading of each analyte the rules read.

    Latest = greatest date; on the same date the greater ``row_id`` wins (the pure engine keeps
    the result listed last; readers number rows in source order).
    """
    used = readings.filter(readings.reason.isnull() & readings.analyte.isin(list(_WIDE)))
    order = ibis.window(
        group_by=[used.person_id, used.analyte], order_by=[ibis.desc(used.date), ibis.desc(used.row_id)]
    )
    ranked = used.mutate(rank=ibis.row_number().over(order))
    latest = ranked.filter(ranked.rank == 0)
    aggregates: dict[str, Any] = {}
    for analyte, (prefix, columns) in _WIDE.items():
        mine = latest.analyte == analyte
        for column in columns:
            aggregates[f"{prefix}_{column}"] = latest[column].max(where=mine)
    return latest.group_by("person_id").aggregate(**aggregates)
