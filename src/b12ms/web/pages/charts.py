"""History charts: the report's matplotlib SVG, made fit to sit inline in a page under a strict CSP.

:func:`b12ms.report.chart.lab_history_svg` draws the chart (NICE bands shaded from the knowledge,
treatment dates as dashed lines). Matplotlib writes colours as ``style="fill: #…"`` attributes and
a ``<style>`` element, which a ``style-src 'self'`` policy blocks, so the bands would vanish in the
browser. :func:`inline_svg` rewrites each declaration as the equivalent SVG presentation attribute
(``fill="#…"``), which CSP does not govern, drops the XML prologue and metadata, and prefixes every
id so several charts can share a page. Pinned by ``tests/web_pages/test_history_pages.py`` and, in
a real browser, ``tests/browser/test_pages_in_chromium.py``.
"""

from __future__ import annotations

import html
import re
import threading
from collections import OrderedDict
from collections.abc import Sequence

from markupsafe import Markup

from b12ms.knowledge import Knowledge
from b12ms.store import LabPoint, TreatmentEvent

__all__ = ["chart_markup", "inline_svg", "treatment_label"]

# SVG presentation attributes matplotlib uses; any other declaration is dropped.
_PRESENTATION = frozenset(
    {
        "fill",
        "fill-opacity",
        "fill-rule",
        "stroke",
        "stroke-width",
        "stroke-opacity",
        "stroke-linecap",
        "stroke-linejoin",
        "stroke-dasharray",
        "stroke-dashoffset",
        "stroke-miterlimit",
        "opacity",
        "clip-rule",
        "font-family",
        "font-size",
        "font-weight",
        "font-style",
        "text-anchor",
    }
)
_STYLE_ATTRIBUTE = re.compile(r'\sstyle="([^"]*)"')
_STYLE_ELEMENT = re.compile(r"<style\b.*?</style>", re.S)
_PROLOGUE = re.compile(r"<\?xml.*?\?>|<!DOCTYPE.*?>|<metadata>.*?</metadata>", re.S)
_ID = re.compile(r'\sid="([^"]+)"')
_REF = re.compile(r'(url\(#|xlink:href="#|\shref="#)([^)"]+)')
_ROOT_SIZE = re.compile(r'(<svg\b[^>]*?)\s(?:width|height)="[^"]*"')

_TREATMENT_WORDS = {
    "b12_injection": "B12 injections",
    "oral_b12": "B12 tablets",
    "sublingual_b12": "Sublingual B12",
    "b12_route_not_stated": "B12 (how taken not stated)",
    "biotin": "Biotin",
}
_EVENT_WORDS = {"started": "started", "last_taken": "last taken", "given": "given"}

_DRAW_LOCK = threading.Lock()  # matplotlib's rc_context changes process-wide settings
_CACHE: OrderedDict[tuple[object, ...], str] = OrderedDict()
_CACHE_SIZE = 64


def _attributes(style: str) -> str:
    out = []
    for declaration in style.split(";"):
        name, _, value = declaration.partition(":")
        name, value = name.strip().lower(), value.strip()
        if name in _PRESENTATION and value:
            out.append(f' {name}="{html.escape(value, quote=True)}"')
    return "".join(out)


def inline_svg(svg: str, prefix: str, title: str) -> str:
    """``svg`` as an inline element: no style attributes, unique ids, scalable, with a title."""
    text = _PROLOGUE.sub("", svg)
    text = _STYLE_ELEMENT.sub("", text)
    text = _STYLE_ATTRIBUTE.sub(lambda m: _attributes(m.group(1)), text)
    text = _ID.sub(lambda m: f' id="{prefix}-{m.group(1)}"', text)
    text = _REF.sub(lambda m: f"{m.group(1)}{prefix}-{m.group(2)}", text)
    while _ROOT_SIZE.search(text):
        text = _ROOT_SIZE.sub(r"\1", text, count=1)
    label = html.escape(title, quote=True)
    text = re.sub(
        r"<svg\b",
        f'<svg role="img" aria-labelledby="{prefix}-title" focusable="false"',
        text,
        count=1,
    )
    text = re.sub(r"(<svg\b[^>]*>)", rf'\1<title id="{prefix}-title">{label}</title>', text, count=1)
    return text.strip()


def treatment_label(event: TreatmentEvent) -> str:
    return f"{_TREATMENT_WORDS.get(event.kind, event.kind)} {_EVENT_WORDS.get(event.event, event.event)}"


def chart_markup(
    kb: Knowledge, analyte: str, points: Sequence[LabPoint], events: Sequence[TreatmentEvent], title: str
) -> Markup:
    """The chart of one analyte, ready to place in a template (cached: drawing takes ~0.1 s)."""
    from b12ms.report.chart import HistoryPoint, TreatmentDate, lab_history_svg

    key = (kb.sha256, analyte, tuple(points), tuple(events), title)
    with _DRAW_LOCK:
        cached = _CACHE.get(key)
        if cached is None:
            svg = lab_history_svg(
                [HistoryPoint(analyte, p.date, p.value) for p in points],
                analyte,
                kb,
                [TreatmentDate(e.date, treatment_label(e)) for e in events],
            )
            cached = inline_svg(svg, f"chart-{analyte}", title)
            _CACHE[key] = cached
            while len(_CACHE) > _CACHE_SIZE:
                _CACHE.popitem(last=False)
        else:
            _CACHE.move_to_end(key)
    return Markup(cached)
