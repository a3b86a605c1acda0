"""The doctor-ready report: the person's facts, results, status, flags, options and sources.

Needs the ``report`` extra (Jinja2; WeasyPrint for PDF; matplotlib for charts)::

    from b12ms.report import render_report_html, render_report_pdf
    html = render_report_html(snapshot, assessment, kb, generated_on=date.today())
"""

from b12ms.report.chart import HistoryPoint, TreatmentDate, lab_history_svg
from b12ms.report.render import RefusedURLError, local_only_url_fetcher, render_report_html, render_report_pdf

__all__ = [
    "HistoryPoint",
    "RefusedURLError",
    "TreatmentDate",
    "lab_history_svg",
    "local_only_url_fetcher",
    "render_report_html",
    "render_report_pdf",
]
