"""Who is signed in: a signed HttpOnly SameSite cookie, or ``Authorization: Bearer``.

The cookie holds the user's access token (signed and time-limited with itsdangerous, so it
cannot be forged or altered); the token itself is verified on every request exactly as the
services verify it, and sent on to them.
"""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import Request, Response
from itsdangerous import BadSignature, URLSafeTimedSerializer

from closeloop_console.config import ConsoleSettings
from closeloop_console.domain.csrf import csrf_token
from closeloop_shared.auth import Principal, Role, TokenVerifier
from closeloop_shared.http.errors import ApiError

SESSION_COOKIE = "cl_session"
LANG_COOKIE = "cl_lang"


@dataclass(frozen=True)
class User:
    principal: Principal
    token: str
    csrf: str
    via_cookie: bool

    @property
    def sub(self) -> str:
        return self.principal.sub

    @property
    def is_admin(self) -> bool:
        return self.principal.has(Role.admin)

    @property
    def is_supervisor(self) -> bool:
        return self.principal.has(Role.supervisor, Role.admin)

    @property
    def roles(self) -> list[str]:
        return sorted(r.value for r in self.principal.roles)


class SignInRequired(Exception):
    """A page was asked for without a session: the browser is sent to sign in."""


def serializer(settings: ConsoleSettings) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(settings.session_secret, salt="closeloop-console-session")


def set_session(response: Response, settings: ConsoleSettings, token: str) -> None:
    response.set_cookie(
        SESSION_COOKIE,
        serializer(settings).dumps({"token": token}),
        max_age=settings.session_max_age_s,
        httponly=True,
        samesite="lax",
        secure=settings.cookie_secure,
        path="/",
    )


def clear_session(response: Response) -> None:
    response.delete_cookie(SESSION_COOKIE, path="/")


def _cookie_token(request: Request, settings: ConsoleSettings) -> str | None:
    raw = request.cookies.get(SESSION_COOKIE)
    if not raw:
        return None
    try:
        data = serializer(settings).loads(raw, max_age=settings.session_max_age_s)
    except BadSignature:
        return None
    token = data.get("token") if isinstance(data, dict) else None
    return token if isinstance(token, str) else None


def current_user(request: Request) -> User:
    """The signed-in user (bearer header first, then the session cookie), or sign in."""
    settings: ConsoleSettings = request.app.state.settings
    verifier: TokenVerifier = request.app.state.token_verifier
    scheme, _, bearer = request.headers.get("authorization", "").partition(" ")
    via_cookie = not (scheme.lower() == "bearer" and bearer.strip())
    token = _cookie_token(request, settings) if via_cookie else bearer.strip()
    if not token:
        raise SignInRequired()
    try:
        principal = verifier.verify(token)
    except ApiError:
        if via_cookie:
            raise SignInRequired() from None
        raise
    return User(principal, token, csrf_token(settings.session_secret, token), via_cookie)
