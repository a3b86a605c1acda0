"""Render the doctor-ready report: Jinja2 → HTML, and that same HTML through WeasyPrint → PDF.

Both functions are pure: they take the date to print (``generated_on``) instead of reading a clock.
WeasyPrint is imported only inside :func:`render_report_pdf` (it is heavy and needs system
libraries), and it fetches through :class:`LocalOnlyFetcher`, which refuses every URL that is not
``data:`` or a ``file:`` inside the templates folder, so a report can never make a network call or
read a stranger's file (``tests/report/test_report_pdf.py::test_fetcher_refuses_http``).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from b12ms.engine.assessment import Assessment
from b12ms.engine.snapshot import PatientSnapshot
from b12ms.knowledge import Knowledge
from b12ms.report.chart import HistoryPoint, TreatmentDate
from b12ms.report.context import report_context

__all__ = [
    "TEMPLATES_DIR",
    "RefusedURLError",
    "check_local_url",
    "local_only_url_fetcher",
    "render_report_html",
    "render_report_pdf",
]

TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"


class RefusedURLError(ValueError):
    """A report asked for a resource outside the templates folder or over the network."""


@lru_cache(maxsize=1)
def _environment() -> Environment:
    # Autoescape everything except the stylesheet, which is our own file inlined into <style>.
    return Environment(
        loader=FileSystemLoader(TEMPLATES_DIR),
        autoescape=select_autoescape(
            enabled_extensions=("html", "j2"), disabled_extensions=("css",), default_for_string=True, default=True
        ),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


def render_report_html(
    snapshot: PatientSnapshot,
    assessment: Assessment,
    kb: Knowledge,
    *,
    history: Sequence[HistoryPoint] | None = None,
    treatment_dates: Sequence[date | TreatmentDate] | None = None,
    generated_on: date,
) -> str:
    """The report as one standalone HTML document (styles inlined, charts as ``data:`` SVG).

    ``history`` adds earlier results (canonical units) to the charts; ``treatment_dates`` marks the
    charts, and defaults to the dated B12 and biotin supplements in ``snapshot``.
    """
    context = report_context(
        snapshot, assessment, kb, history=history, treatment_dates=treatment_dates, generated_on=generated_on
    )
    return _environment().get_template("report.html.j2").render(context)


def check_local_url(url: str) -> None:
    """Raise :class:`RefusedURLError` unless ``url`` is ``data:`` or a file inside the templates folder."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme == "data":
        return
    if scheme == "file" and parts.netloc in ("", "localhost"):
        path = Path(unquote(parts.path)).resolve()
        if path.is_relative_to(TEMPLATES_DIR):
            return
        raise RefusedURLError(f"report refuses a file outside its templates folder: {url}")
    raise RefusedURLError(f"report refuses to fetch {url!r}: only data: and local template files are allowed")


def local_only_url_fetcher() -> Any:
    """A WeasyPrint URL fetcher that calls :func:`check_local_url` before it opens anything.

    Subclasses ``weasyprint.urls.URLFetcher`` (WeasyPrint 68+; 70+ recommended, as earlier releases
    bypass a custom fetcher for ``stylesheets=`` and ``xmp_metadata=``: GHSA-jf6q-chmf-3h3v). A refused
    URL raises ``RefusedURLError``; redirects are off so an allowed URL cannot bounce elsewhere."""
    from weasyprint.urls import URLFetcher

    class LocalOnlyFetcher(URLFetcher):  # type: ignore[misc]
        def fetch(self, url: str, headers: Any = None) -> Any:
            check_local_url(url)
            return super().fetch(url, headers)

    return LocalOnlyFetcher(allowed_protocols=("file", "data"), allow_redirects=False, timeout=5)


def render_report_pdf(
    snapshot: PatientSnapshot,
    assessment: Assessment,
    kb: Knowledge,
    *,
    history: Sequence[HistoryPoint] | None = None,
    treatment_dates: Sequence[date | TreatmentDate] | None = None,
    generated_on: date,
) -> bytes:
    """The same report as an A4 PDF (needs the ``report`` extra: WeasyPrint and its Pango libraries)."""
    from weasyprint import HTML

    html = render_report_html(
        snapshot, assessment, kb, history=history, treatment_dates=treatment_dates, generated_on=generated_on
    )
    document = HTML(string=html, base_url=TEMPLATES_DIR.as_uri() + "/", url_fetcher=local_only_url_fetcher())
    pdf: bytes = document.write_pdf()
    return pdf
