"""FHIR dates and times as b12ms needs them: a calendar date, or nothing when the value is partial.

``fhir.resources`` returns ``date`` for ``2024-01-02``, ``datetime`` (with its offset) for a
dateTime with a time, and the original ``str`` for partial dates (``2024`` or ``2024-01``). A lab
result needs a day, so a partial date is reported rather than guessed; an age can be bounded.
"""

from __future__ import annotations

import calendar
from datetime import date, datetime

__all__ = ["age_range", "day_of", "is_partial"]


def day_of(value: object) -> date | None:
    """The calendar day of a FHIR date/dateTime/instant as recorded (its own time zone); None if partial."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return None


def is_partial(value: object) -> bool:
    return isinstance(value, str)


def _birth_bounds(value: object) -> tuple[date, date] | None:
    if isinstance(value, datetime):
        return value.date(), value.date()
    if isinstance(value, date):
        return value, value
    if isinstance(value, str):
        parts = value.split("-")
        try:
            year = int(parts[0])
            if len(parts) == 1:
                return date(year, 1, 1), date(year, 12, 31)
            month = int(parts[1])
            return date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1])
        except (ValueError, IndexError):
            return None
    return None


def _age(born: date, on: date) -> int:
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def age_range(birth: object, on: date) -> tuple[int, int] | None:
    """(youngest, oldest) whole-year age on ``on`` for a full or partial birth date."""
    bounds = _birth_bounds(birth)
    if bounds is None:
        return None
    earliest, latest = bounds
    return _age(latest, on), _age(earliest, on)
