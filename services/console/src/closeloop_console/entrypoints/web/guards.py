"""Security around every page: headers, CSRF on every form, sign-in and role checks."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.middleware.base import BaseHTTPMiddleware, RequestResponseEndpoint

from closeloop_console.config import ConsoleSettings
from closeloop_console.domain.csrf import csrf_valid
from closeloop_console.entrypoints.session import SignInRequired, User, current_user
from closeloop_console.entrypoints.web.render import render

# No inline script or style anywhere: everything comes from /static. shared/http's
# SecurityHeaders sends it on every HTML page (with X-Frame-Options, nosniff, no referrer);
# /docs keeps the shared API-docs policy.
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'self'; "
    "form-action 'self'; frame-ancestors 'none'"
)


class NoStore(BaseHTTPMiddleware):
    """Pages carry personal data and CSRF tokens: never cached by the browser or a proxy."""

    async def dispatch(self, request: Request, call_next: RequestResponseEndpoint) -> Response:
        response = await call_next(request)
        if not request.url.path.startswith(("/static/", "/healthz", "/readyz", "/metrics")):
            response.headers.setdefault("Cache-Control", "no-store")
        return response


class Forbidden(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


UserDep = Annotated[User, Depends(current_user)]


async def posted_form(request: Request, user: User) -> dict[str, str]:
    """The submitted form, after its CSRF token (field or X-CSRF-Token header) checks out."""
    settings: ConsoleSettings = request.app.state.settings
    form = await request.form()
    values = {k: v for k, v in form.items() if isinstance(v, str)}
    presented = values.pop("csrf_token", None) or request.headers.get("x-csrf-token")
    if not csrf_valid(settings.session_secret, user.token, presented):
        raise Forbidden("The form's security token is missing or stale; reload the page.")
    return values


def require_admin(user: User) -> None:
    if not user.is_admin:
        raise Forbidden("This page is for administrators.")


def install_page_handlers(app: FastAPI) -> None:
    @app.exception_handler(SignInRequired)
    async def to_sign_in(request: Request, _: SignInRequired) -> Response:
        if request.headers.get("hx-request"):
            return Response(status_code=401, headers={"HX-Redirect": "/signin"})
        target = request.url.path
        return RedirectResponse(f"/signin?next={target}", status_code=303)

    @app.exception_handler(Forbidden)
    async def forbidden(request: Request, exc: Forbidden) -> HTMLResponse:
        try:
            user: User | None = current_user(request)
        except Exception:
            user = None
        return render(request, "forbidden.html", user, status=403, reason=exc.reason)
