"""Static validation of k8s/: every overlay builds, every object is schema-valid (core kinds
with kubernetes-validate, Strimzi/prometheus-operator/KEDA kinds with their CRD schemas), and
the manifests keep the promises of the design (probes, limits, non-root, read-only root,
PDBs, secrets by reference, NetworkPolicies in prod)."""

from __future__ import annotations

import importlib
import ipaddress
import re
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

import jsonschema
import pytest
import yaml

from closeloop_shared.settings import ServiceSettings

Documents = list[dict[str, Any]]
SERVICES = ("intake", "routing", "sla", "feedback", "audit")
KEDA_SCALED = ("routing", "feedback", "audit")
SECRET_LIKE = re.compile(r"(KEY|SECRETS?|PASSWORD|USERNAME|TOKEN|MONGO_URI|JWKS_URL)$")
NAMESPACED = {
    "ConfigMap", "Deployment", "Service", "ServiceAccount", "PodDisruptionBudget",
    "KafkaTopic", "ServiceMonitor", "PrometheusRule", "ScaledObject", "NetworkPolicy",
}  # fmt: skip


def of_kind(documents: Documents, kind: str) -> dict[str, dict[str, Any]]:
    """The objects of one kind by name."""
    return {d["metadata"]["name"]: d for d in documents if d["kind"] == kind}


def schema_errors(documents: Documents, validate: Callable[[dict[str, Any]], None]) -> list[str]:
    """One line per object that fails validation (or has no schema)."""
    errors = []
    for document in documents:
        try:
            validate(document)
        except Exception as exc:  # report every failure, not just the first
            name = document.get("metadata", {}).get("name")
            message = getattr(exc, "message", None) or str(exc)
            errors.append(f"{document.get('kind')}/{name}: {message}")
    return errors


def pod_spec(deployment: dict[str, Any]) -> dict[str, Any]:
    spec: dict[str, Any] = deployment["spec"]["template"]["spec"]
    return spec


def test_every_overlay_builds_into_schema_valid_objects(
    built_overlays: dict[str, Documents], k8s_validator: Callable[[dict[str, Any]], None]
) -> None:
    assert set(built_overlays) == {"dev", "prod"}
    for name, documents in built_overlays.items():
        assert len(documents) > 30, f"overlay {name} rendered suspiciously little"
        assert schema_errors(documents, k8s_validator) == [], f"overlay {name}"


def test_every_service_has_deployment_service_account_and_disruption_budget(
    built_overlays: dict[str, Documents],
) -> None:
    for documents in built_overlays.values():
        for kind in ("Deployment", "Service", "ServiceAccount", "PodDisruptionBudget"):
            assert sorted(of_kind(documents, kind)) == sorted(SERVICES), kind
        for name, pdb in of_kind(documents, "PodDisruptionBudget").items():
            selector = pdb["spec"]["selector"]["matchLabels"]
            pod_labels = of_kind(documents, "Deployment")[name]["spec"]["template"]["metadata"]
            assert selector.items() <= pod_labels["labels"].items(), name


def test_every_container_is_probed_limited_and_hardened(
    built_overlays: dict[str, Documents],
) -> None:
    for documents in built_overlays.values():
        for name, deployment in of_kind(documents, "Deployment").items():
            spec = pod_spec(deployment)
            assert spec["securityContext"]["runAsNonRoot"] is True, name
            assert spec["serviceAccountName"] == name
            (container,) = spec["containers"]
            assert container["command"] == ["python", "-m", f"closeloop_{name}"]
            assert container["startupProbe"]["httpGet"]["path"] == "/healthz", name
            assert container["livenessProbe"]["httpGet"]["path"] == "/healthz", name
            assert container["readinessProbe"]["httpGet"]["path"] == "/readyz", name
            for bound in ("requests", "limits"):
                assert set(container["resources"][bound]) == {"cpu", "memory"}, name
            security = container["securityContext"]
            assert security["runAsNonRoot"] is True, name
            assert security["readOnlyRootFilesystem"] is True, name
            assert security["allowPrivilegeEscalation"] is False, name
            mounts = {m["mountPath"]: m["name"] for m in container["volumeMounts"]}
            empty_dirs = {v["name"] for v in spec["volumes"] if "emptyDir" in v}
            assert mounts.get("/tmp") in empty_dirs, f"{name}: /tmp must be an emptyDir"


def test_sla_keeps_its_rocksdb_state_on_an_empty_dir_named_by_its_setting(
    built_overlays: dict[str, Documents],
) -> None:
    for documents in built_overlays.values():
        sla = of_kind(documents, "Deployment")["sla"]
        (container,) = pod_spec(sla)["containers"]
        env = {e["name"]: e.get("value") for e in container["env"]}
        state_dir = env["CLOSELOOP_SLA_DATA_DIR"]  # SlaSettings.sla_data_dir
        mounts = {m["mountPath"]: m["name"] for m in container["volumeMounts"]}
        empty_dirs = {v["name"] for v in pod_spec(sla)["volumes"] if "emptyDir" in v}
        assert mounts.get(state_dir) in empty_dirs


def test_services_read_their_production_settings_and_secrets_by_reference(
    built_overlays: dict[str, Documents],
) -> None:
    for documents in built_overlays.values():
        assert of_kind(documents, "Secret") == {}, "no Secret may be committed"
        for name, deployment in of_kind(documents, "Deployment").items():
            (container,) = pod_spec(deployment)["containers"]
            env = {e["name"]: e for e in container["env"]}
            assert env["CLOSELOOP_ENV"]["value"] == "production"
            assert env["CLOSELOOP_HTTP_HOST"]["value"] == "0.0.0.0"
            trusted = env["CLOSELOOP_FORWARDED_ALLOW_IPS"]["valueFrom"]["configMapKeyRef"]
            assert trusted["key"] == "forwarded-allow-ips"
            port = container["ports"][0]["containerPort"]
            assert env[f"CLOSELOOP_{name.upper()}_PORT"]["value"] == str(port)
            for required in ("CLOSELOOP_PII_KEY", "CLOSELOOP_PSEUDONYM_KEY", "CLOSELOOP_MONGO_URI"):
                assert required in env, f"{name} lacks {required}"
            for variable, entry in env.items():
                if SECRET_LIKE.search(variable):
                    assert "secretKeyRef" in entry.get("valueFrom", {}), (
                        f"{name}: {variable} must come from a Secret"
                    )


def test_trusted_proxies_are_a_network_never_everyone(built_overlays: dict[str, Documents]) -> None:
    for documents in built_overlays.values():
        (config,) = [
            c
            for c in of_kind(documents, "ConfigMap").values()
            if "forwarded-allow-ips" in c["data"]
        ]
        for network in config["data"]["forwarded-allow-ips"].split(","):
            assert network.strip() != "*"
            ipaddress.ip_network(network.strip())  # an address or CIDR uvicorn accepts


def test_intake_listens_for_email_and_sla_workers_keep_a_stable_group_identity(
    built_overlays: dict[str, Documents],
) -> None:
    for documents in built_overlays.values():
        intake = of_kind(documents, "Deployment")["intake"]
        (container,) = pod_spec(intake)["containers"]
        env = {e["name"]: e for e in container["env"]}
        assert env["CLOSELOOP_INTAKE_SMTP_HOST"]["value"] == "0.0.0.0"
        smtp_port = int(env["CLOSELOOP_INTAKE_SMTP_PORT"]["value"])
        assert {"name": "smtp", "containerPort": smtp_port, "protocol": "TCP"} in container["ports"]
        service_ports = of_kind(documents, "Service")["intake"]["spec"]["ports"]
        assert {p["name"]: p["port"] for p in service_ports} == {"http": 8001, "smtp": smtp_port}
        (sla,) = pod_spec(of_kind(documents, "Deployment")["sla"])["containers"]
        identity = {e["name"]: e for e in sla["env"]}["CLOSELOOP_SLA_INSTANCE_ID"]
        assert identity["valueFrom"] == {"fieldRef": {"fieldPath": "metadata.name"}}


def test_images_are_pinned_per_overlay(built_overlays: dict[str, Documents]) -> None:
    for overlay, documents in built_overlays.items():
        for name, deployment in of_kind(documents, "Deployment").items():
            (container,) = pod_spec(deployment)["containers"]
            repository, _, tag = container["image"].rpartition(":")
            assert repository == f"closeloop/{name}", overlay
            assert tag and tag != "latest", f"{overlay}/{name}: image must carry a fixed tag"


def test_overlays_put_every_object_in_their_namespace(built_overlays: dict[str, Documents]) -> None:
    expected = {"dev": "closeloop-dev", "prod": "closeloop"}
    for overlay, documents in built_overlays.items():
        for document in documents:
            assert document["kind"] in NAMESPACED, document["kind"]
            assert document["metadata"].get("namespace") == expected[overlay]


def test_network_policies_are_on_in_prod_only_and_deny_by_default(
    built_overlays: dict[str, Documents],
) -> None:
    assert of_kind(built_overlays["dev"], "NetworkPolicy") == {}
    policies = of_kind(built_overlays["prod"], "NetworkPolicy")
    deny = policies["closeloop-default-deny"]["spec"]
    assert deny["podSelector"]["matchLabels"] == {"app.kubernetes.io/part-of": "closeloop"}
    assert sorted(deny["policyTypes"]) == ["Egress", "Ingress"]
    assert "ingress" not in deny and "egress" not in deny


def test_service_monitor_scrapes_the_http_port_of_every_service(
    built_overlays: dict[str, Documents],
) -> None:
    for documents in built_overlays.values():
        (monitor,) = of_kind(documents, "ServiceMonitor").values()
        selector = monitor["spec"]["selector"]["matchLabels"]
        (endpoint,) = monitor["spec"]["endpoints"]
        assert endpoint["path"] == "/metrics"
        for name, service in of_kind(documents, "Service").items():
            assert selector.items() <= service["metadata"]["labels"].items(), name
            assert endpoint["port"] in {p["name"] for p in service["spec"]["ports"]}, name


def subscribed_groups(repo_root: Path, service: str) -> set[str]:
    """Consumer groups a service uses: ``runtime.subscribe("<suffix>", ...)`` gives
    ``<service>-<suffix>``; a ``*_consumer_group`` setting names its group outright."""
    source = repo_root / "services" / service / "src" / f"closeloop_{service}"
    suffixes: set[str] = set()
    for path in source.rglob("*.py"):
        suffixes |= set(re.findall(r"\.subscribe\(\s*[\"']([\w-]+)[\"']", path.read_text()))
    groups = {f"{service}-{suffix}" for suffix in suffixes}
    config = importlib.import_module(f"closeloop_{service}.config")
    for value in vars(config).values():
        if isinstance(value, type) and issubclass(value, ServiceSettings):
            for name, field in value.model_fields.items():
                if name.endswith("consumer_group") and isinstance(field.default, str):
                    groups.add(field.default)
    return groups


def test_keda_scales_routing_feedback_and_audit_on_their_real_consumer_groups(
    built_overlays: dict[str, Documents], repo_root: Path
) -> None:
    partitions = ServiceSettings.model_fields["topic_partitions"].default
    for documents in built_overlays.values():
        scaled = of_kind(documents, "ScaledObject")
        deployments = of_kind(documents, "Deployment")
        assert sorted(scaled) == sorted(KEDA_SCALED), "sla is bounded by partitions, not KEDA"
        for name, scaled_object in scaled.items():
            spec = scaled_object["spec"]
            assert spec["scaleTargetRef"]["name"] == name
            assert "replicas" not in deployments[name]["spec"], f"KEDA owns {name}'s replicas"
            assert spec["maxReplicaCount"] <= partitions, name
            (trigger,) = spec["triggers"]
            assert trigger["type"] == "kafka"
            assert trigger["metadata"]["consumerGroup"] in subscribed_groups(repo_root, name)


def test_committed_service_manifests_match_their_generator(
    ops_module: Callable[[str], ModuleType],
) -> None:
    generator = ops_module("gen_service_manifests")
    for path, text in generator.rendered_manifests().items():
        assert path.read_text(encoding="utf-8") == text, f"{path} is stale: re-run the generator"


# --- deliberately broken copies: the validators must reject them ----------------------------


def _edit_documents(path: Path, edit: Callable[[Documents], None]) -> None:
    documents = [d for d in yaml.safe_load_all(path.read_text()) if d]
    edit(documents)
    path.write_text(yaml.safe_dump_all(documents, sort_keys=False))


def _invalid(documents: Documents, validate: Callable[[dict[str, Any]], None]) -> list[str]:
    failures = []
    for document in documents:
        try:
            validate(document)
        except jsonschema.ValidationError as exc:
            failures.append(f"{document['kind']}: {exc.message}")
    return failures


def _deployment(documents: Documents) -> dict[str, Any]:
    return next(d for d in documents if d["kind"] == "Deployment")


def _drop_containers(documents: Documents) -> None:
    del _deployment(documents)["spec"]["template"]["spec"]["containers"]


def _misspell_probe(documents: Documents) -> None:
    container = _deployment(documents)["spec"]["template"]["spec"]["containers"][0]
    container["readinesProbe"] = container.pop("readinessProbe")


BROKEN_CASES: list[tuple[str, str, Callable[[Documents], None], str]] = [
    ("services/intake.yaml", "deployment-without-containers", _drop_containers, "Deployment"),
    ("services/routing.yaml", "misspelt-probe-field", _misspell_probe, "Deployment"),
    (
        "kafka/topics.yaml",
        "topic-with-zero-partitions",
        lambda docs: docs[0]["spec"].update(partitions=0),
        "KafkaTopic",
    ),
    (
        "monitoring/servicemonitor.yaml",
        "unknown-endpoint-field",
        lambda docs: docs[0]["spec"]["endpoints"][0].update(portName="http"),
        "ServiceMonitor",
    ),
    (
        "monitoring/prometheusrule.yaml",
        "rule-without-expr",
        lambda docs: docs[0]["spec"]["groups"][0]["rules"][0].pop("expr"),
        "PrometheusRule",
    ),
    (
        "autoscaling/scaledobjects.yaml",
        "scaled-object-without-triggers",
        lambda docs: docs[0]["spec"].pop("triggers"),
        "ScaledObject",
    ),
]


@pytest.mark.parametrize(
    ("relative", "edit", "kind"),
    [pytest.param(r, e, k, id=i) for r, i, e, k in BROKEN_CASES],
)
def test_a_broken_manifest_copy_is_rejected_by_schema_validation(
    k8s_copy: Path,
    kustomize_builder: Callable[[Path], Documents],
    k8s_validator: Callable[[dict[str, Any]], None],
    relative: str,
    edit: Callable[[Documents], None],
    kind: str,
) -> None:
    assert _invalid(kustomize_builder(k8s_copy / "overlays" / "prod"), k8s_validator) == []
    _edit_documents(k8s_copy / "base" / relative, edit)
    failures = _invalid(kustomize_builder(k8s_copy / "overlays" / "prod"), k8s_validator)
    assert failures, f"the broken {relative} passed validation"
    assert all(f.startswith(kind) for f in failures), failures


def test_a_kustomization_naming_a_missing_file_fails_to_build(
    k8s_copy: Path,
    tool_runner: Callable[..., Any],
    kustomize: Path,
) -> None:
    (k8s_copy / "base" / "services" / "audit.yaml").unlink()
    result = tool_runner(kustomize, "build", k8s_copy / "overlays" / "dev")
    assert result.returncode != 0
    assert "audit.yaml" in result.stderr
