"""docker-compose.yml: valid against the compose-spec JSON schema (vendored), the whole stack
present, health-gated start-up, named volumes, and every secret required from the
environment. Checked statically (no Docker engine here)."""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from closeloop_devstack.kafka_dist import KAFKA_VERSION

Compose = dict[str, Any]
SERVICES = {"intake": 8001, "routing": 8002, "sla": 8003, "feedback": 8004, "audit": 8005}
INFRASTRUCTURE = {"kafka", "mongo", "mailpit", "prometheus", "alertmanager", "grafana"}
REQUIRED_SECRETS = {
    "CLOSELOOP_PII_KEY",
    "CLOSELOOP_PSEUDONYM_KEY",
    "CLOSELOOP_JWT_JWKS_URL",
    "CLOSELOOP_SURVEY_SECRET",
    "CLOSELOOP_AUDIT_SIGNING_KEY",
    "CLOSELOOP_MONGO_PASSWORD",
    "GRAFANA_ADMIN_PASSWORD",
}
SECRET_LIKE = re.compile(r"(KEY|SECRETS?|PASSWORD|TOKEN|MONGO_URI|JWKS_URL)$")


@pytest.fixture(scope="module")
def compose(repo_root: Path) -> Compose:
    document: Compose = yaml.safe_load((repo_root / "docker-compose.yml").read_text())
    return document


@pytest.fixture(scope="module")
def compose_validator(repo_root: Path) -> jsonschema.Draft7Validator:
    schema = json.loads((Path(__file__).parent / "schemas" / "compose-spec.json").read_text())
    jsonschema.Draft7Validator.check_schema(schema)
    return jsonschema.Draft7Validator(schema)


def schema_errors(validator: jsonschema.Draft7Validator, document: Compose) -> list[str]:
    return [
        f"{'/'.join(map(str, e.absolute_path))}: {e.message}"
        for e in validator.iter_errors(document)
    ]


def test_compose_file_is_valid_against_the_compose_spec(
    compose: Compose, compose_validator: jsonschema.Draft7Validator
) -> None:
    assert schema_errors(compose_validator, compose) == []


def _bad_condition(c: Compose) -> None:
    c["services"]["intake"]["depends_on"]["kafka"]["condition"] = "service_ready"


def _misspelt_key(c: Compose) -> None:
    c["services"]["sla"]["helthcheck"] = c["services"]["sla"].pop("healthcheck")


def _numeric_test(c: Compose) -> None:
    c["services"]["mongo"]["healthcheck"]["test"] = 1


def _unknown_top_level(c: Compose) -> None:
    c["service"] = c.pop("services")


@pytest.mark.parametrize(
    "edit",
    [_bad_condition, _misspelt_key, _numeric_test, _unknown_top_level],
    ids=["invalid-depends-on-condition", "misspelt-key", "non-string-test", "misspelt-services"],
)
def test_a_broken_compose_copy_is_rejected_by_the_schema(
    compose: Compose,
    compose_validator: jsonschema.Draft7Validator,
    edit: Callable[[Compose], None],
) -> None:
    broken = copy.deepcopy(compose)
    edit(broken)
    assert schema_errors(compose_validator, broken) != []


def test_the_stack_holds_kafka_mongo_the_services_and_monitoring(compose: Compose) -> None:
    services = compose["services"]
    assert set(services) == set(SERVICES) | INFRASTRUCTURE
    # the broker in production is the version the tests run against (devstack)
    assert services["kafka"]["image"] == f"apache/kafka:{KAFKA_VERSION}"
    assert services["kafka"]["environment"]["KAFKA_PROCESS_ROLES"] == "broker,controller"
    assert services["mailpit"]["image"].startswith("axllent/mailpit:")
    for name in INFRASTRUCTURE:
        assert ":" in services[name]["image"] and not services[name]["image"].endswith(":latest")


def test_every_container_is_health_checked_and_waits_for_healthy_dependencies(
    compose: Compose,
) -> None:
    services = compose["services"]
    for name, service in services.items():
        assert service["healthcheck"]["test"], name
        for dependency, condition in service.get("depends_on", {}).items():
            assert dependency in services, f"{name} depends on unknown {dependency}"
            assert condition == {"condition": "service_healthy"}, f"{name} -> {dependency}"
    for name in SERVICES:
        assert set(services[name]["depends_on"]) >= {"kafka", "mongo"}, name
    assert "mailpit" in services["feedback"]["depends_on"]


def test_services_are_built_from_their_dockerfiles_and_run_like_in_kubernetes(
    compose: Compose, repo_root: Path
) -> None:
    for name, port in SERVICES.items():
        service = compose["services"][name]
        assert service["build"] == {"context": ".", "dockerfile": f"services/{name}/Dockerfile"}
        assert (repo_root / service["build"]["dockerfile"]).is_file()
        assert service["command"] == ["python", "-m", f"closeloop_{name}"]
        env = service["environment"]
        assert env["CLOSELOOP_ENV"] == "production"
        assert env["CLOSELOOP_HTTP_HOST"] == "0.0.0.0"
        assert env["CLOSELOOP_FORWARDED_ALLOW_IPS"] != "*"  # a trusted proxy, not everyone
        assert env["CLOSELOOP_KAFKA_BOOTSTRAP"] == "kafka:9092"
        assert env["CLOSELOOP_MONGO_URI"].endswith("@mongo:27017/?authSource=admin")
        assert env[f"CLOSELOOP_{name.upper()}_PORT"] == str(port)
        assert f"http://127.0.0.1:{port}/readyz" in " ".join(service["healthcheck"]["test"])
        assert service["ports"][0] == f"127.0.0.1:{port}:{port}"
        assert service["read_only"] is True and service["cap_drop"] == ["ALL"]
    feedback = compose["services"]["feedback"]["environment"]
    assert (feedback["CLOSELOOP_SMTP_HOST"], feedback["CLOSELOOP_SMTP_PORT"]) == ("mailpit", "1025")
    sla = compose["services"]["sla"]
    assert sla["environment"]["CLOSELOOP_SLA_DATA_DIR"] == "/var/lib/closeloop/sla"
    assert "sla-state:/var/lib/closeloop/sla" in sla["volumes"]


def _environment_values(compose: Compose) -> dict[str, str]:
    values = {}
    for name, service in compose["services"].items():
        for key, value in (service.get("environment") or {}).items():
            values[f"{name}.{key}"] = str(value)
    return values


def test_every_secret_is_required_from_the_environment_and_none_is_written(
    compose: Compose, repo_root: Path
) -> None:
    text = (repo_root / "docker-compose.yml").read_text()
    for variable in REQUIRED_SECRETS:
        assert re.search(r"\$\{" + variable + r":\?", text), f"{variable} must be ${{VAR:?}}"
    for key, value in _environment_values(compose).items():
        if SECRET_LIKE.search(key):
            assert re.search(r"\$\{[A-Z_]+:\?", value), f"{key} is not taken from the environment"


def test_state_lives_in_named_volumes(compose: Compose) -> None:
    declared = set(compose["volumes"])
    used = set()
    for service in compose["services"].values():
        for volume in service.get("volumes", []):
            source = volume.split(":")[0]
            if not source.startswith((".", "/")):
                used.add(source)
    assert used == declared
    assert {"kafka-data", "mongo-data", "sla-state", "prometheus-data", "grafana-data"} <= used


def test_prometheus_loads_the_shared_rule_file_and_grafana_its_provisioning(
    compose: Compose, repo_root: Path
) -> None:
    prometheus = compose["services"]["prometheus"]
    assert "./deploy/prometheus:/etc/prometheus:ro" in prometheus["volumes"]
    assert "--config.file=/etc/prometheus/prometheus.compose.yml" in prometheus["command"]
    config = yaml.safe_load((repo_root / "deploy/prometheus/prometheus.compose.yml").read_text())
    assert config["rule_files"] == ["alerts.yml"]  # resolved next to the config file
    assert {j["job_name"] for j in config["scrape_configs"]} == set(SERVICES)
    grafana = compose["services"]["grafana"]
    mounts = dict(v.rsplit(":", 1)[0].split(":") for v in grafana["volumes"] if v.startswith("."))
    assert mounts["./deploy/grafana/provisioning"] == "/etc/grafana/provisioning"
    provider = yaml.safe_load(
        (repo_root / "deploy/grafana/provisioning/dashboards/closeloop.yml").read_text()
    )["providers"][0]
    assert provider["options"]["path"] == mounts["./deploy/grafana/dashboards"]
