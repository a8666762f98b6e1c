"""The standalone HTML report (``kizuna report --html FILE``): one self-contained document.

It renders the dashboard's overview body (``templates/overview/_body.html``) with its own Jinja2
environment, inlines ``app.css`` (charts included) and links nothing: no server, no scripts,
no external files, so it can be mailed or archived as it is.
"""

from __future__ import annotations

from datetime import UTC, datetime
from importlib import resources

import jinja2
from markupsafe import Markup

from kizuna.metrics.api import Overview
from kizuna.web import formatting, i18n
from kizuna.web.overview_model import build_view

_PACKAGE = "kizuna.web"


def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.PackageLoader(_PACKAGE, "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def _stylesheet() -> Markup:
    css = resources.files(_PACKAGE).joinpath("static/app.css").read_text(encoding="utf-8")
    # Our own file; the replace keeps a stray "</style>" from ending the element early.
    body = css.replace("</", "<\\/")
    return Markup(f"<style>\n{body}\n</style>")  # noqa: S704 - a trusted package file


def render_report(overview: Overview, *, locale: str = "ja",
                  generated_at: datetime | None = None) -> str:
    """The overview as a complete HTML document in ``locale`` (``ja`` or ``en``)."""
    locale = i18n.normalise_locale(locale) or "ja"
    t = i18n.translator(locale)
    view = build_view(overview, t)
    zone = formatting.zone(overview.timezone)
    generated = formatting.format_datetime(generated_at or datetime.now(UTC), zone)
    template = _environment().get_template("overview/report.html")
    return template.render(t=t, locale=locale, view=view, links=False, stylesheet=_stylesheet(),
                           generated=generated)
