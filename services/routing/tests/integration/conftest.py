"""Fixtures for routing's integration tests (helpers in ``closeloop_routing.testing``)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable

import pytest

from closeloop_routing.testing import RoutingUnderTest, settings_for, start_routing


@pytest.fixture
async def routing(
    kafka_bootstrap: str, mongo_uri: str, unique_name: Callable[[str], str]
) -> AsyncIterator[RoutingUnderTest]:
    """The routing service running in this process with the default configuration."""
    settings = settings_for(kafka_bootstrap, mongo_uri, unique_name("")[-28:])
    async for running in start_routing(settings):
        yield running
