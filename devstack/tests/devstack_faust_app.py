"""A minimal faust-streaming app (RocksDB table via rocksdict) for the compatibility test.

Counts words from FAUST_IN_TOPIC in a table and writes "word=count" to FAUST_OUT_TOPIC.
"""

from __future__ import annotations

import os

import faust

app = faust.App(
    os.environ.get("FAUST_APP_ID", "devstack-compat"),
    broker=f"kafka://{os.environ.get('FAUST_BROKER', '127.0.0.1:9092')}",
    store="rocksdb://",
    datadir=os.environ.get("FAUST_DATADIR", "faust-data"),
    topic_partitions=1,
    topic_replication_factor=1,
    web_enabled=False,
)
words = app.topic(os.environ.get("FAUST_IN_TOPIC", "in"), value_type=bytes, value_serializer="raw")
counts_out = app.topic(
    os.environ.get("FAUST_OUT_TOPIC", "out"), value_type=bytes, value_serializer="raw"
)
counts = app.Table("counts", default=int, partitions=1)


@app.agent(words)
async def count_words(stream: faust.StreamT[bytes]) -> None:
    """Count each word and publish the running total."""
    async for raw in stream:
        word = raw.decode()
        counts[word] += 1
        await counts_out.send(value=f"{word}={counts[word]}".encode())
