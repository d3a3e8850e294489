"""Issue 19: every hot-path query of the services is explained on the real server over a
seeded collection, and none reads the whole collection (the 100,000 figures are in
``python -m bench --only query_plans``; the plan shape is what is asserted here)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from pymongo import MongoClient
from pymongo.database import Database

from bench.query_plans import explain, full_scans, hot_queries, seed

pytestmark = pytest.mark.integration
# Enough documents that an index beats a scan for every selective query, few enough that
# seeding every index stays within seconds on the local server.
DOCUMENTS = 10_000


@pytest.fixture(scope="module")
def seeded(mongo_uri: str) -> Iterator[dict[str, Database[dict[str, Any]]]]:
    client: MongoClient[dict[str, Any]] = MongoClient(mongo_uri, tz_aware=True)
    prefix = "plans_test"
    for service in ("intake", "routing"):
        client.drop_database(f"{prefix}_{service}")
    dbs = seed(client, prefix, DOCUMENTS)
    try:
        yield dbs
    finally:
        for db in dbs.values():
            client.drop_database(db.name)
        client.close()


QUERIES = list(hot_queries())


@pytest.mark.parametrize(("name", "service", "command"), QUERIES, ids=[q[0] for q in QUERIES])
def test_hot_path_query_is_index_served(
    seeded: dict[str, Database[dict[str, Any]]], name: str, service: str, command: dict[str, Any]
) -> None:
    plan = explain(seeded[service], command)
    assert not full_scans(plan), f"{name} scans the collection: {plan}"
    assert any(stage.startswith(("IXSCAN", "DISTINCT_SCAN", "COUNT_SCAN")) for stage in plan), plan


def test_a_collection_scan_is_detected(seeded: dict[str, Database[dict[str, Any]]]) -> None:
    # The check above could fail: a filter on an unindexed field is a collection scan.
    plan = explain(seeded["intake"], {"find": "complaints", "filter": {"channel_note": "x"}})
    assert full_scans(plan), plan


def test_sorted_pages_are_not_sorted_in_memory(
    seeded: dict[str, Database[dict[str, Any]]],
) -> None:
    # The list's order comes from walking the index, not from sorting every match.
    for name, service, command in QUERIES:
        if "sort" in command:
            assert "SORT" not in explain(seeded[service], command), name
