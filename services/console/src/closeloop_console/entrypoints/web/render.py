"""Rendering: templates with the user's language, CSRF token and page chrome."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from closeloop_console.adapters.translations import translator
from closeloop_console.config import ConsoleSettings
from closeloop_console.domain.i18n import choose_locale
from closeloop_console.domain.urgency import format_remaining
from closeloop_console.entrypoints.session import LANG_COOKIE, User

PACKAGE = Path(__file__).resolve().parents[2]
templates = Jinja2Templates(directory=str(PACKAGE / "templates"))
templates.env.filters["remaining"] = format_remaining

NAV = (
    ("/", "My queue"),
    ("/team", "Team"),
    ("/at-risk", "At risk"),
    ("/new", "New complaint"),
    ("/lookup", "Lookup"),
    ("/notifications", "Notifications"),
    ("/reports", "Reports"),
    ("/admin", "Admin"),
)


def locale_of(request: Request) -> str:
    settings: ConsoleSettings = request.app.state.settings
    return choose_locale(
        request.query_params.get("lang"),
        request.cookies.get(LANG_COOKIE),
        request.headers.get("accept-language"),
        settings.default_locale,
    )


def render(
    request: Request,
    template: str,
    user: User | None,
    status: int = 200,
    **context: Any,
) -> HTMLResponse:
    """A page (or an htmx fragment) in the user's language."""
    locale = locale_of(request)
    response = templates.TemplateResponse(
        request,
        template,
        {
            "user": user,
            "nav": NAV,
            "lang": locale,
            "_": translator(locale),
            "csrf": user.csrf if user else context.pop("csrf", ""),
            "path": request.url.path,
            **context,
        },
        status_code=status,
    )
    if request.query_params.get("lang") == locale:
        response.set_cookie(LANG_COOKIE, locale, max_age=365 * 86400, samesite="lax")
    return response
