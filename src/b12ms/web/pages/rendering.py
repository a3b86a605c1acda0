"""Render page templates: one Jinja environment, the CSRF cookie, and labels from the knowledge.

Every page goes through :func:`render_page`, which makes sure the browser holds a CSRF cookie and
hands the template its form token, so no template can forget it. Templates are autoescaped: a
name typed into a form is shown as text, never as markup (``test_hostile_text_is_escaped``).
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from b12ms._version import __version__
from b12ms.knowledge import Knowledge
from b12ms.knowledge.units import pretty_unit
from b12ms.render.assessment_text import DISCLAIMER
from b12ms.render.labels import analyte_label
from b12ms.web.csrf import CSRF_COOKIE, CSRF_FIELD
from b12ms.web.pages.context import PagesContext

__all__ = ["STATIC_DIR", "TEMPLATES_DIR", "plain_ids", "render_page", "set_cookie"]

_WEB_DIR = Path(__file__).resolve().parents[1]
TEMPLATES_DIR = _WEB_DIR / "templates"
STATIC_DIR = _WEB_DIR / "static"

NAV = (
    ("/", "Start"),
    ("/assess", "Check my results"),
    ("/claims", "Is this claim true?"),
    ("/diet", "B12 in my diet"),
    ("/forms", "Forms and safety"),
    ("/history", "My history"),
)


def _number(value: float | None) -> str:
    if value is None:
        return ""
    if value == int(value) and abs(value) < 1e9:
        return f"{int(value):,}"
    return f"{value:,.4g}" if abs(value) >= 1 else f"{value:.3g}"


@lru_cache(maxsize=1)
def _environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES_DIR),
        autoescape=select_autoescape(default_for_string=True, default=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["unit"] = pretty_unit
    env.filters["num"] = _number
    env.globals["NAV"] = NAV
    env.globals["DISCLAIMER"] = DISCLAIMER
    env.globals["VERSION"] = __version__
    env.globals["CSRF_FIELD"] = CSRF_FIELD
    return env


def _is_https(request: Request) -> bool:
    return request.url.scheme == "https"


def set_cookie(response: Response, request: Request, name: str, value: str, *, max_age: int | None = None) -> None:
    """A cookie the page's scripts cannot read and no other site's form or script sends.

    Lax rather than Strict: a Strict cookie is missing when a person arrives by a link from another
    site, so they would be asked to sign in again and their open forms would get a new CSRF id.
    Lax still keeps it off cross-site POSTs, and the CSRF token does not rely on it anyway.
    """
    response.set_cookie(
        name, value, max_age=max_age, path="/", httponly=True, samesite="lax", secure=_is_https(request)
    )


def render_page(
    request: Request, ctx: PagesContext, template: str, data: dict[str, Any] | None = None, *, status: int = 200
) -> HTMLResponse:
    """Render ``template`` with ``data``, the CSRF token and the common page furniture."""
    browser_id = request.cookies.get(CSRF_COOKIE)
    fresh = not ctx.csrf.looks_like_browser_id(browser_id)
    if fresh or browser_id is None:
        browser_id = ctx.csrf.new_browser_id()
    kb = ctx.kb
    context: dict[str, Any] = {
        "path": request.url.path,
        "csrf_token": ctx.csrf.token_for(browser_id),
        "kb": kb,
        "knowledge_version": kb.version,
        "knowledge_hash": kb.sha256[:12],
        "login_required": ctx.access_token is not None,
        "analyte_label": lambda analyte: analyte_label(kb, analyte),
        **(data or {}),
    }
    html = _environment().get_template(template).render(context)
    response = HTMLResponse(html, status_code=status)
    if fresh:
        set_cookie(response, request, CSRF_COOKIE, browser_id)
    return response


def plain_ids(text: str, kb: Knowledge) -> str:
    """Replace vocabulary and analyte ids in an engine message with their plain labels."""
    labels = _label_table(kb)

    def swap(match: re.Match[str]) -> str:
        word = match.group(0)
        return labels.get(word, word)

    return _ID_PATTERN.sub(swap, text)


_ID_PATTERN = re.compile(r"\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b")


_LABEL_TABLES: dict[str, dict[str, str]] = {}


def _label_table(kb: Knowledge) -> dict[str, str]:
    # Keyed by the knowledge's content hash: Knowledge holds dicts, so it cannot be hashed itself.
    cached = _LABEL_TABLES.get(kb.sha256)
    if cached is not None:
        return cached
    table = {analyte_id: analyte.plain_name for analyte_id, analyte in kb.analytes.items()}
    for terms in kb.terms.values():
        for term_id, term in terms.items():
            if "_" in term_id:
                table.setdefault(term_id, term.label)
    _LABEL_TABLES[kb.sha256] = table
    return table
