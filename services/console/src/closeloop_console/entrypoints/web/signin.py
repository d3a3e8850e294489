"""Sign-in: a dev page (development only) and OpenID Connect (authorization code + PKCE)."""

from __future__ import annotations

import logging
import secrets
from typing import Any

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import RedirectResponse, Response

from closeloop_console.config import ConsoleSettings
from closeloop_console.domain.csrf import csrf_token, csrf_valid
from closeloop_console.entrypoints.session import clear_session, set_session
from closeloop_console.entrypoints.web.guards import Forbidden, UserDep, posted_form
from closeloop_console.entrypoints.web.render import render
from closeloop_console.metrics import SIGN_INS
from closeloop_shared.auth import Role, issue_dev_token

log = logging.getLogger(__name__)
router = APIRouter(include_in_schema=False)
PRE_SESSION_COOKIE = "cl_pre"
DEV_ROLES = (Role.agent, Role.supervisor, Role.admin, Role.department, Role.auditor)


def safe_next(target: str | None) -> str:
    """Only paths of this site (no ``//host`` or scheme): no open redirect after sign-in."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target


@router.get("/signin")
async def sign_in_page(request: Request) -> Response:
    settings: ConsoleSettings = request.app.state.settings
    if not settings.dev_sign_in:
        if settings.oidc_configured:
            return RedirectResponse("/signin/oidc", status_code=303)
        return render(request, "forbidden.html", None, 403, reason="No sign-in is configured.")
    nonce = request.cookies.get(PRE_SESSION_COOKIE) or secrets.token_urlsafe(24)
    response = render(
        request,
        "signin.html",
        None,
        csrf=csrf_token(settings.session_secret, nonce),
        roles=[r.value for r in DEV_ROLES],
        next=safe_next(request.query_params.get("next")),
    )
    response.set_cookie(PRE_SESSION_COOKIE, nonce, httponly=True, samesite="strict")
    return response


@router.post("/signin")
async def dev_sign_in(request: Request) -> Response:
    settings: ConsoleSettings = request.app.state.settings
    if not settings.dev_sign_in:
        raise Forbidden("Development sign-in is disabled.")
    form = await request.form()
    values = {k: v for k, v in form.items() if isinstance(v, str)}
    nonce = request.cookies.get(PRE_SESSION_COOKIE, "")
    if not csrf_valid(settings.session_secret, nonce, values.get("csrf_token")):
        raise Forbidden("The form's security token is missing or stale; reload the page.")
    role_name = values.get("role", "")
    subject = values.get("subject", "").strip()
    departments = tuple(d.strip() for d in values.get("departments", "").split(",") if d.strip())
    problems: dict[str, str] = {}
    if role_name not in {r.value for r in DEV_ROLES}:
        problems["role"] = "Choose a role."
    if not subject or len(subject) > 100:
        problems["subject"] = "Enter a user name (at most 100 characters)."
    if problems:
        SIGN_INS.labels("dev", "refused").inc()
        return render(
            request,
            "signin.html",
            None,
            422,
            csrf=values.get("csrf_token", ""),
            roles=[r.value for r in DEV_ROLES],
            next=safe_next(values.get("next")),
            problems=problems,
            form=values,
        )
    token = issue_dev_token(settings, role=Role(role_name), sub=subject, departments=departments)
    SIGN_INS.labels("dev", "ok").inc()
    response = RedirectResponse(safe_next(values.get("next")), status_code=303)
    set_session(response, settings, token)
    response.delete_cookie(PRE_SESSION_COOKIE)
    return response


@router.post("/signout")
async def sign_out(request: Request, user: UserDep) -> Response:
    await posted_form(request, user)
    response = RedirectResponse("/signin", status_code=303)
    clear_session(response)
    return response


@router.get("/signin/oidc")
async def oidc_start(request: Request) -> Response:
    client = _oidc_client(request)
    settings: ConsoleSettings = request.app.state.settings
    redirect: Response = await client.authorize_redirect(request, settings.oidc_redirect_url)
    return redirect


@router.get("/signin/callback")
async def oidc_callback(request: Request) -> Response:
    client = _oidc_client(request)
    settings: ConsoleSettings = request.app.state.settings
    try:
        token: dict[str, Any] = await client.authorize_access_token(request)
    except Exception as exc:  # authlib raises several error types for a refused exchange
        SIGN_INS.labels("oidc", "refused").inc()
        log.warning("oidc sign-in refused", extra={"error": type(exc).__name__})
        raise Forbidden("The identity provider refused the sign-in.") from None
    SIGN_INS.labels("oidc", "ok").inc()
    response = RedirectResponse("/", status_code=303)
    set_session(response, settings, str(token["access_token"]))
    return response


def _oidc_client(request: Request) -> Any:
    client = getattr(request.app.state, "oidc", None)
    if client is None:
        raise Forbidden("OpenID Connect is not configured.")
    return client


def install_oidc(app: FastAPI, settings: ConsoleSettings) -> None:
    """Register the identity provider (state and the PKCE verifier live in a signed cookie)."""
    app.state.oidc = None
    if not settings.oidc_configured:
        return
    from authlib.integrations.starlette_client import OAuth
    from starlette.middleware.sessions import SessionMiddleware

    oauth = OAuth()
    oauth.register(
        "idp",
        server_metadata_url=settings.oidc_metadata_url,
        client_id=settings.oidc_client_id,
        client_secret=settings.oidc_client_secret or None,
        client_kwargs={"scope": settings.oidc_scope, "code_challenge_method": "S256"},
    )
    app.state.oidc = oauth.create_client("idp")
    app.add_middleware(
        SessionMiddleware,
        secret_key=settings.session_secret,
        session_cookie="cl_oidc",
        same_site="lax",
        https_only=settings.cookie_secure,
        max_age=600,
    )
