# mypy: disable-error-code="arg-type,operator,no-untyped-call"
# matplotlib accepts dates and callables that its stubs do not describe (datetime.date on an axis,
# untyped date locators); the figure is checked by tests/report on its SVG output instead.
"""The lab history chart: one analyte over time, as an SVG string drawn by matplotlib.

The NICE bands are shaded from ``kb.bands`` in the analyte's canonical unit (pmol/L for total and
active B12), so the chart and the engine read the same figures; total B12 also gets a ng/L axis on
the right because UK laboratories report either unit. Treatment dates are vertical lines: a B12
level measured after replacement starts cannot be read, and biotin distorts immunoassays.

Elements carry fixed SVG ids (``gid``) so tests can find them: ``band-low``, ``band-indeterminate``,
``band-normal``, ``lab-series`` and ``treatment-0``, ``treatment-1``... (``tests/report/test_report_chart.py``).

No pyplot: the figure is built with the object API on an Agg canvas created here, so nothing global
(backend, rcParams, open-figure registry) changes when a report is drawn.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from b12ms.knowledge import Knowledge
from b12ms.knowledge.schema import BandSet
from b12ms.knowledge.units import pretty_unit
from b12ms.render.labels import analyte_label

__all__ = ["HistoryPoint", "TreatmentDate", "band_set_for", "lab_history_svg"]

_BAND_COLOURS = {"low": "#f4c7c3", "indeterminate": "#fbe3b5", "normal": "#d5ecd4"}
_LINE_COLOUR = "#1f3b63"
_TREATMENT_COLOURS = ("#7a1fa2", "#00695c", "#8d6e00", "#37474f")


@dataclass(frozen=True, slots=True)
class HistoryPoint:
    """One earlier result of one analyte, already in the analyte's canonical unit."""

    analyte: str
    date: date
    value: float


@dataclass(frozen=True, slots=True)
class TreatmentDate:
    """A date to mark on a chart, with what happened (``"B12 injections started"``)."""

    date: date
    label: str


def band_set_for(kb: Knowledge, analyte: str) -> BandSet | None:
    """The NICE band set written in the analyte's canonical unit, if there is one."""
    canonical = kb.analytes[analyte].canonical_unit if analyte in kb.analytes else None
    for band in kb.bands.values():
        if band.analyte == analyte and band.unit == canonical:
            return band
    return None


def _as_marks(treatment_dates: Sequence[date | TreatmentDate]) -> list[TreatmentDate]:
    return [t if isinstance(t, TreatmentDate) else TreatmentDate(t, "Treatment") for t in treatment_dates]


def lab_history_svg(
    points: Sequence[HistoryPoint],
    analyte: str,
    kb: Knowledge,
    treatment_dates: Sequence[date | TreatmentDate] = (),
) -> str:
    """An SVG chart (text drawn as paths: no font files needed to show it) of ``analyte`` over time."""
    from matplotlib import dates as mdates
    from matplotlib import rc_context
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    series = sorted((p for p in points if p.analyte == analyte), key=lambda p: p.date)
    marks = sorted(_as_marks(treatment_dates), key=lambda t: t.date)
    unit = kb.analytes[analyte].canonical_unit if analyte in kb.analytes else None
    unit_text = pretty_unit(unit) if unit else ""
    label = analyte_label(kb, analyte)

    with rc_context({"svg.fonttype": "path", "svg.hashsalt": "b12ms-report", "font.size": 9}):
        figure = Figure(figsize=(7.0, 2.6), dpi=100, layout="constrained")
        FigureCanvasAgg(figure)
        axes = figure.add_subplot()
        values = [p.value for p in series]
        band = band_set_for(kb, analyte)
        top = max([*values, 0.0])
        if band is not None:
            top = max(top, band.normal_above * 1.35)
            axes.axhspan(0, band.low_below, color=_BAND_COLOURS["low"], lw=0, gid="band-low", label="NICE low")
            axes.axhspan(
                band.low_below,
                band.normal_above,
                color=_BAND_COLOURS["indeterminate"],
                lw=0,
                gid="band-indeterminate",
                label="NICE indeterminate",
            )
            axes.axhspan(
                band.normal_above,
                top * 1.1,
                color=_BAND_COLOURS["normal"],
                lw=0,
                gid="band-normal",
                label="NICE normal",
            )
        axes.plot(
            [p.date for p in series],
            values,
            marker="o",
            color=_LINE_COLOUR,
            lw=1.6,
            ms=5,
            gid="lab-series",
            label=label,
            zorder=3,
        )
        for i, mark in enumerate(marks):
            axes.axvline(
                mark.date,
                color=_TREATMENT_COLOURS[i % len(_TREATMENT_COLOURS)],
                ls="--",
                lw=1.3,
                gid=f"treatment-{i}",
                label=f"{mark.label} ({mark.date.isoformat()})",
                zorder=2,
            )
        all_dates = [p.date for p in series] + [m.date for m in marks]
        if all_dates:
            pad = max(timedelta(days=14), (max(all_dates) - min(all_dates)) / 12)
            axes.set_xlim(min(all_dates) - pad, max(all_dates) + pad)
        axes.set_ylim(0, top * 1.1 if top > 0 else 1)
        locator = mdates.AutoDateLocator(minticks=3, maxticks=8)
        axes.xaxis.set_major_locator(locator)
        axes.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))
        axes.set_title(f"{label} over time", loc="left", fontweight="bold")
        axes.set_xlabel("Date of sample")
        axes.set_ylabel(f"{label} ({unit_text})" if unit_text else label)
        axes.grid(axis="y", color="#ffffff", lw=0.6)
        axes.spines[["top", "right"]].set_visible(False)
        if analyte == "total_b12" and unit == "pmol/L":
            fact = kb.unit_fact(analyte, "ng/L")
            if fact is not None and fact.to_canonical > 0:
                factor = fact.to_canonical
                right = axes.secondary_yaxis("right", functions=(lambda v: v / factor, lambda v: v * factor))
                right.set_ylabel("ng/L")
        axes.legend(loc="upper left", bbox_to_anchor=(1.08, 1.0), fontsize=7.5, frameon=False)
        buffer = io.StringIO()
        figure.savefig(buffer, format="svg", metadata={"Date": None})
    return buffer.getvalue()
