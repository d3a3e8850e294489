"""The console's upstream calls must not pay for a failed import on every request.

httpcore asks ``sniffio`` which event loop runs each time it sets up a lock or an event, and
imports it inside the function. anyio >= 4.11 stopped installing sniffio, and Python does not
remember a failed import, so without it every pooled request searched ``sys.path`` again:
about a sixth of the console's CPU under the page bench (encode/httpcore#1103).
"""

from __future__ import annotations

import asyncio
import importlib.abc
import sys
from collections.abc import Sequence
from importlib.machinery import ModuleSpec
from types import ModuleType

import httpx


class _Lookups(importlib.abc.MetaPathFinder):
    """Records the modules the import system had to search the path for."""

    def __init__(self) -> None:
        self.names: list[str] = []

    def find_spec(
        self, fullname: str, path: Sequence[str] | None, target: ModuleType | None = None
    ) -> ModuleSpec | None:
        self.names.append(fullname)
        return None


async def _requests(count: int) -> None:
    async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while await reader.readuntil(b"\r\n\r\n"):
            writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
            await writer.drain()

    server = await asyncio.start_server(answer, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as client:
        for _ in range(count):
            assert (await client.get("/")).text == "ok"
    server.close()


def test_pooled_requests_import_nothing_after_the_first() -> None:
    asyncio.run(_requests(1))  # the first request may import what it needs, once
    lookups = _Lookups()
    sys.meta_path.insert(0, lookups)
    try:
        asyncio.run(_requests(20))
    finally:
        sys.meta_path.remove(lookups)
    assert lookups.names == [], f"searched sys.path again on every request for {lookups.names}"
