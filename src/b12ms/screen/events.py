"""Event rows (conditions, medicines, supplements, MS, pregnancy) -> per-person facts.

Which events count (the same definition the agreement tests use to build a PatientSnapshot):

* conditions, medicines and supplements: recognised, started on or before the screening date and
  not ended before the lookback window (``end`` null or ``end >= as_of - lookback``);
* MS: any MS record started on or before the screening date;
* pregnancy: a pregnancy record dated within ``recent_days`` (screening code file) before the
  screening date; without one, pregnancy is unknown (never "not pregnant").

Supplement events keep their dates: ``start`` is the pure engine's ``started``, ``end`` its
``last_taken`` (null: still taking it), ``route`` its route. Doses are not read from tables, so a
biotin record is "possibly high-dose", exactly as the pure engine treats a biotin entry with no dose.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import ibis  # type: ignore[import-untyped]

from b12ms.screen.lookups import Lookups

__all__ = ["EVENT_REASONS", "classify_events", "exposure_effects", "person_events"]

EVENT_REASONS = ("missing_date", "end_before_start", "no_matching_term", "outside_window", "unknown_person")


def classify_events(events: Any, as_of: date, lookback_days: int, recent_pregnancy_days: int, persons: Any) -> Any:
    """Each event row with ``reason`` (null: counts) — see the module docstring for the window."""
    window_start = as_of - timedelta(days=lookback_days)
    pregnancy_start = as_of - timedelta(days=recent_pregnancy_days)
    known = persons.select(known_id=persons.person_id).distinct()
    e = events.left_join(known, events.person_id == known.known_id)
    e = e.select(*(e[c] for c in events.columns), known=e.known_id.notnull())
    in_window = ibis.cases(
        (e.kind == "ms", e.start <= as_of),
        (e.kind == "pregnancy", (e.start <= as_of) & (e.start >= pregnancy_start)),
        else_=(e.start <= as_of) & (e.end.isnull() | (e.end >= window_start)),
    )
    reason = ibis.cases(
        (e.start.isnull(), "missing_date"),
        (e.end.notnull() & (e.end < e.start), "end_before_start"),
        (e.term.isnull(), "no_matching_term"),
        (~in_window, "outside_window"),
        (~e.known, "unknown_person"),
        else_=ibis.null("string"),
    )
    return e.mutate(reason=reason)


def person_events(events: Any, lookups: Lookups, as_of: date) -> Any:
    """Per person: MS, recent pregnancy, the roles the rules read, current biotin, last B12 end."""
    used = events.filter(events.reason.isnull())
    limits = lookups.limits

    def has(role: str) -> Any:
        return used.term.isin(lookups.role(role)).any()

    biotin = used.term.isin(lookups.role("interfering_biotin"))
    biotin_now = biotin & (used.end.isnull() | (as_of <= used.end + ibis.interval(days=limits.biotin_washout_days)))
    b12 = used.term.isin(lookups.role("b12_treatment"))
    return used.group_by("person_id").aggregate(
        ev_ms=(used.kind == "ms").any(),
        ev_pregnant=(used.kind == "pregnancy").any(),
        has_spuriously_low=has("spuriously_low_total_b12"),
        has_spuriously_high=has("spuriously_high_total_b12"),
        has_hcy_confounder=has("hcy_confounder"),
        has_folic_acid=has("folic_acid"),
        has_metformin=has("metformin"),
        has_acid_suppression=has("acid_suppression"),
        biotin_now=biotin_now.any(),
        b12_last_end=ibis.coalesce(used.end, ibis.literal(as_of)).max(where=b12),
    )


def exposure_effects(readings_latest: Any, events: Any, lookups: Lookups) -> Any:
    """Per person: which latest B12/folate readings fall under B12 treatment or biotin.

    ``readings_latest``: person_id plus tb_date, ab_date, fol_date (from ``labs.latest_wide``).
    The pure engine's tests, on calendar dates: B12 treatment affects a sample when it started on
    or before it and the last dose is at most the route's window before it (oral or sublingual:
    the oral window; otherwise the injection window); biotin when it started on or before it and
    the last dose is at most the washout before it (or later, or not given).
    """
    limits = lookups.limits
    used = events.filter(events.reason.isnull())
    relevant = lookups.role("b12_treatment") + lookups.role("interfering_biotin")
    ex = used.filter(used.term.isin(relevant)).select(
        xp=used.person_id, term=used.term, start=used.start, end=used.end, route=used.route
    )
    j = readings_latest.join(ex, readings_latest.person_id == ex.xp)
    is_b12 = j.term.isin(lookups.role("b12_treatment"))
    is_biotin = j.term.isin(lookups.role("interfering_biotin"))
    oral = j.route.isin(["oral", "sublingual"]).fill_null(False)

    def b12_affects(sample: Any) -> Any:
        within_oral = sample <= j.end + ibis.interval(days=limits.b12_window_oral_days)
        within_im = sample <= j.end + ibis.interval(days=limits.b12_window_im_days)
        last_ok = j.end.isnull() | ibis.cases((oral, within_oral), else_=within_im)
        return is_b12 & sample.notnull() & (sample >= j.start) & last_ok

    def biotin_affects(sample: Any) -> Any:
        last_ok = j.end.isnull() | (sample <= j.end + ibis.interval(days=limits.biotin_washout_days))
        return is_biotin & sample.notnull() & (sample >= j.start) & last_ok

    return j.group_by("person_id").aggregate(
        tb_after_b12=b12_affects(j.tb_date).any(),
        ab_after_b12=b12_affects(j.ab_date).any(),
        tb_biotin=biotin_affects(j.tb_date).any(),
        ab_biotin=biotin_affects(j.ab_date).any(),
        fol_biotin=biotin_affects(j.fol_date).any(),
    )
