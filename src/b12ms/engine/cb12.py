"""Fedosov's combined indicator (cB12): a research index shown beside, never instead of, NICE.

Only the four-marker form is computed; the three- and two-marker variants need coefficients
that were not verified (see the knowledge note). The units are fixed by the model: holoTC and
B12 in pmol/L, MMA and homocysteine in µmol/L (MMA in nmol/L would shift the score by -3).
"""

from __future__ import annotations

import math

from b12ms.engine.assessment import Cb12Result
from b12ms.engine.normalise import Facts
from b12ms.engine.readability import Readable
from b12ms.engine.trace import Trace
from b12ms.knowledge import Knowledge

_MARKERS = ("active_b12", "total_b12", "mma", "homocysteine")


def compute_cb12(facts: Facts, readable: Readable, kb: Knowledge, trace: Trace) -> Cb12Result:
    model = kb.cb12
    missing = [m for m in _MARKERS if m not in facts.latest]
    if missing:
        return Cb12Result(
            computable=False,
            value=None,
            category=None,
            reason=f"needs all four markers; missing {', '.join(missing)} (no 2- or 3-marker variants: unverified)",
        )
    unread = [m for m in _MARKERS if m not in readable.usable]
    if unread:
        return Cb12Result(computable=False, value=None, category=None, reason=f"{', '.join(unread)} cannot be read")
    if facts.snapshot.age is None:
        return Cb12Result(computable=False, value=None, category=None, reason="age is needed for the age correction")
    values = {}
    for marker in _MARKERS:
        reading = readable.usable[marker]
        if reading.canonical is None:
            return Cb12Result(computable=False, value=None, category=None, reason=f"{marker} has no value")
        values[marker] = reading.canonical  # canonical units match model.units (checked on load)
    if values["mma"] <= 0 or values["homocysteine"] <= 0:
        return Cb12Result(computable=False, value=None, category=None, reason="MMA and homocysteine must be above 0")
    age_factor = model.age_numerator / (1 + (facts.snapshot.age / model.age_scale) ** model.age_exponent)
    score = (
        math.log10((values["active_b12"] * values["total_b12"]) / (values["mma"] * values["homocysteine"])) - age_factor
    )
    category = next(c for c in model.categories if c.contains(score))  # classify before rounding
    score = round(score, 3)
    trace.finding("cb12", f"cB12 {score:+.2f}: {category.label.lower()} (research index, not NICE).")
    return Cb12Result(
        computable=True,
        value=score,
        category=category.id,
        reason="research index (Fedosov), not part of NICE NG239; age factor unverified",
    )
