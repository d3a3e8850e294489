"""CSRF tokens bound to the credential: an HMAC of the session's token under the console's
secret. A forged cross-site form cannot know it; no server-side state is needed, and a
request authenticated by ``Authorization: Bearer`` gets the same protection."""

from __future__ import annotations

import hashlib
import hmac


def csrf_token(secret: str, credential: str) -> str:
    mac = hmac.new(secret.encode(), b"csrf\x00" + credential.encode(), hashlib.sha256)
    return mac.hexdigest()[:40]


def csrf_valid(secret: str, credential: str, presented: str | None) -> bool:
    if not presented or not credential:
        return False
    return hmac.compare_digest(csrf_token(secret, credential), presented)
