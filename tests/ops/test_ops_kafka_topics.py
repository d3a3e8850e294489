"""Every topic declared in code (closeloop_shared.topics.all_topics()) has a Strimzi KafkaTopic
with the same partitions, retention and compaction, and every KafkaTopic is declared in code."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

import yaml

from closeloop_shared.settings import ServiceSettings
from closeloop_shared.topics import TopicSpec, all_topics

Documents = list[dict[str, Any]]


def expected_settings(spec: TopicSpec) -> dict[str, Any]:
    """What the KafkaTopic of ``spec`` must say, computed from the declaration alone."""
    default = ServiceSettings.model_fields["topic_partitions"].default
    config = {"retention.ms": str(spec.retention_ms)}
    if spec.compacted:
        config["cleanup.policy"] = "compact"
    config.update(spec.extra_config)
    return {
        "partitions": default if spec.partitions is None else spec.partitions,
        "config": config,
    }


def topic_mismatches(documents: Documents) -> list[str]:
    """Differences between the KafkaTopics in ``documents`` and the topics in code."""
    manifests = {}
    for document in documents:
        if document.get("kind") == "KafkaTopic":
            name = document["spec"].get("topicName", document["metadata"]["name"])
            manifests[name] = document
    declared = {spec.name: spec for spec in all_topics()}
    problems = [
        f"{n}: declared in code, no KafkaTopic" for n in sorted(declared - manifests.keys())
    ]
    problems += [
        f"{n}: KafkaTopic not declared in code" for n in sorted(manifests - declared.keys())
    ]
    for name in sorted(declared.keys() & manifests.keys()):
        spec, manifest = expected_settings(declared[name]), manifests[name]["spec"]
        if manifest.get("partitions") != spec["partitions"]:
            problems.append(
                f"{name}: partitions {manifest.get('partitions')} != {spec['partitions']}"
            )
        actual_config = {k: str(v) for k, v in manifest.get("config", {}).items()}
        if actual_config != spec["config"]:
            problems.append(f"{name}: config {actual_config} != {spec['config']}")
    return problems


def test_every_declared_topic_has_a_matching_kafka_topic_and_vice_versa(
    built_overlays: dict[str, Documents],
) -> None:
    for overlay, documents in built_overlays.items():
        assert topic_mismatches(documents) == [], overlay


def test_compacted_and_dead_letter_topics_keep_their_special_settings(
    built_overlays: dict[str, Documents],
) -> None:
    topics = {
        d["spec"]["topicName"]: d["spec"]
        for d in built_overlays["prod"]
        if d["kind"] == "KafkaTopic"
    }
    assert topics["audit.checkpoints"]["partitions"] == 1
    assert topics["audit.checkpoints"]["config"] == {
        "retention.ms": "-1",
        "cleanup.policy": "compact",
    }
    dead_letters = [name for name in topics if name.endswith(".dlq")]
    assert len(dead_letters) == 7  # one per consumed topic, routing.directory.v1's included
    assert all(
        topics[name]["config"]["retention.ms"] == str(90 * 86_400_000) for name in dead_letters
    )


def test_replication_is_three_in_prod_and_one_in_dev(built_overlays: dict[str, Documents]) -> None:
    for overlay, replicas in (("prod", 3), ("dev", 1)):
        topics = [d for d in built_overlays[overlay] if d["kind"] == "KafkaTopic"]
        assert {t["spec"]["replicas"] for t in topics} == {replicas}, overlay
        assert {t["metadata"]["labels"]["strimzi.io/cluster"] for t in topics} == {"closeloop"}


def test_committed_kafka_topics_are_what_the_generator_renders(
    ops_module: Callable[[str], ModuleType], repo_root: Path
) -> None:
    generator = ops_module("gen_kafka_topics")
    committed = (repo_root / "k8s" / "base" / "kafka" / "topics.yaml").read_text(encoding="utf-8")
    assert committed == generator.render_kafka_topics(), "re-run tools/ops/gen_kafka_topics.py"
    assert generator.main(["--check"]) == 0


def test_a_kafka_topic_that_drifts_from_the_code_is_reported(repo_root: Path) -> None:
    path = repo_root / "k8s" / "base" / "kafka" / "topics.yaml"
    documents = [d for d in yaml.safe_load_all(path.read_text()) if d]
    assert topic_mismatches(documents) == []
    documents[0]["spec"]["partitions"] = 12
    documents[1]["spec"]["config"]["cleanup.policy"] = "compact"
    removed = documents.pop()
    documents.append({"kind": "KafkaTopic", "metadata": {"name": "x"}, "spec": {"topicName": "x"}})
    problems = topic_mismatches(documents)
    assert len(problems) == 4, problems
    assert any(removed["spec"]["topicName"] in p and "no KafkaTopic" in p for p in problems)
    assert any(p.startswith("x: KafkaTopic not declared") for p in problems)
