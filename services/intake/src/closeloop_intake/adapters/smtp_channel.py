"""The inbound e-mail channel: an SMTP listener (aiosmtpd) on the service's event loop.

Each accepted message is handed to ``receive`` (which registers a complaint) before the
server answers, so a ``250`` means the complaint is stored; a temporary failure answers
``451`` and the sending server retries later, which is what mail servers are built for.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from aiosmtpd.smtp import SMTP

from closeloop_intake.domain.errors import FieldError, InvalidInput

log = logging.getLogger(__name__)
Receive = Callable[[bytes, str | None], Awaitable[str]]


class _MailHandler:
    def __init__(self, receive: Receive) -> None:
        self._receive = receive

    async def handle_DATA(self, server: SMTP, session: Any, envelope: Any) -> str:  # noqa: N802
        raw = envelope.original_content or envelope.content or b""
        if isinstance(raw, str):
            raw = raw.encode()
        try:
            complaint_id = await self._receive(raw, envelope.mail_from)
        except InvalidInput as exc:
            return f"550 5.6.0 complaint refused: {', '.join(e.field for e in exc.errors)}"
        except FieldError as exc:
            return f"550 5.6.0 complaint refused: {exc.field}"
        except Exception:
            log.exception("inbound mail could not be registered")
            return "451 4.3.0 temporary failure; try again later"
        return f"250 2.0.0 complaint {complaint_id} registered"


class SmtpChannel:
    """Listens on ``host:port`` (port 0 picks a free one; see :attr:`port`)."""

    def __init__(self, *, host: str, port: int, receive: Receive, max_bytes: int) -> None:
        self._host, self._port = host, port
        self._handler = _MailHandler(receive)
        self._max_bytes = max_bytes
        self._server: asyncio.Server | None = None

    @property
    def port(self) -> int:
        """The port actually listened on."""
        if self._server is None:
            return self._port
        return int(self._server.sockets[0].getsockname()[1])

    async def start(self) -> None:
        """Start listening on the running event loop."""
        loop = asyncio.get_running_loop()

        def protocol() -> SMTP:
            return SMTP(
                self._handler,
                data_size_limit=self._max_bytes,
                enable_SMTPUTF8=True,
                hostname="closeloop-intake",
                loop=loop,
            )

        self._server = await loop.create_server(protocol, host=self._host, port=self._port)
        log.info("smtp channel listening", extra={"smtp_port": self.port})

    async def stop(self) -> None:
        """Stop accepting mail."""
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None
