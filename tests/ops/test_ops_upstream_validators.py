"""The upstream validators an integrator or operator runs, kept passing in CI:
openapi-spec-validator on each service's OpenAPI document, @asyncapi/parser on
docs/asyncapi.json, kubeconform (strict, with the vendored CRD schemas) on the kustomize
overlays, and ``promtool check metrics`` on a live scrape of a running service.

Each is installed by ``tools/ops/install_tools.sh`` (make tools); each has a companion test
showing it rejects a broken input, so a validator that silently accepts everything fails."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from openapi_spec_validator import validate
from openapi_spec_validator.validation.exceptions import OpenAPIValidationError

from closeloop_devstack import free_port
from closeloop_devstack.service import ServiceProcess, port_variable, service_argv

Runner = Callable[..., subprocess.CompletedProcess[str]]
SERVICES = ("intake", "routing", "sla", "feedback", "audit")
ASYNCAPI_CHECK = Path("tools") / "asyncapi" / "check.mjs"
K8S_SCHEMAS = "v1.32.0-local-strict"  # tests/ops/conftest.py validates against Kubernetes 1.32
# kubeconform's schema file names, e.g. deployment-apps-v1.json and
# kafkatopic-kafka.strimzi.io-v1beta2.json (as in tests/ops/crd-schemas)
CORE_SCHEMA_NAME = "{{ .ResourceKind }}{{ .KindSuffix }}.json"
CRD_SCHEMA_NAME = "{{ .ResourceKind }}-{{ .Group }}-{{ .ResourceAPIVersion }}.json"

# Prints each named service's OpenAPI document as built by its own bootstrap, all in one
# process (their imports are the slow part, and they share most of them).
OPENAPI_SCRIPT = """
import importlib, json, sys
documents = {}
for name in sys.argv[1:]:
    bootstrap = importlib.import_module(f"closeloop_{name}.bootstrap").bootstrap
    config = importlib.import_module(f"closeloop_{name}.config")
    settings = next(getattr(config, n) for n in dir(config) if n.lower() == name + "settings")()
    app = bootstrap(settings, 1)[1] if name == "sla" else bootstrap(settings)[0]
    documents[name] = app.openapi()
print(json.dumps(documents))
"""


# --- openapi-spec-validator ---------------------------------------------------------------


@pytest.fixture(scope="module")
def openapi_documents() -> dict[str, dict[str, Any]]:
    result = subprocess.run(
        [sys.executable, "-c", OPENAPI_SCRIPT, *SERVICES],
        capture_output=True,
        text=True,
        check=False,
        timeout=180,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    documents: dict[str, dict[str, Any]] = json.loads(result.stdout)
    assert set(documents) == set(SERVICES)
    return documents


@pytest.mark.parametrize("service", SERVICES)
def test_openapi_spec_validator_accepts_the_service_document(
    openapi_documents: dict[str, dict[str, Any]], service: str
) -> None:
    document = openapi_documents[service]
    assert document["paths"], service
    validate(document)  # raises OpenAPIValidationError naming the problem


def test_openapi_spec_validator_rejects_a_broken_document(
    openapi_documents: dict[str, dict[str, Any]],
) -> None:
    document = json.loads(json.dumps(openapi_documents["intake"]))
    operation = next(iter(next(iter(document["paths"].values())).values()))
    operation["responses"] = {"200": {"content": {}}}  # a response needs a description
    with pytest.raises(OpenAPIValidationError):
        validate(document)


# --- @asyncapi/parser ---------------------------------------------------------------------


def asyncapi_parse(repo_root: Path, runner: Runner, path: Path) -> dict[str, Any]:
    """The upstream parser's summary of ``path``: errors, warnings, diagnostics."""
    if not (repo_root / "tools" / "asyncapi" / "node_modules" / "@asyncapi" / "parser").is_dir():
        pytest.fail(
            "@asyncapi/parser is not installed: bash tools/ops/install_tools.sh asyncapi-parser",
            pytrace=False,
        )
    result = runner("node", repo_root / ASYNCAPI_CHECK, path)
    assert result.stdout, result.stderr
    summary: dict[str, Any] = json.loads(result.stdout)
    assert (result.returncode == 0) == (summary["errors"] == 0 and summary["parsed"])
    return summary


def test_asyncapi_parser_reports_no_error_on_the_contract(
    repo_root: Path, tool_runner: Runner
) -> None:
    summary = asyncapi_parse(repo_root, tool_runner, repo_root / "docs" / "asyncapi.json")
    errors = [d for d in summary["diagnostics"] if d["severity"] == 0]
    assert summary["parsed"] and summary["errors"] == 0, errors


def test_asyncapi_parser_reports_a_broken_reference(
    repo_root: Path, tool_runner: Runner, tmp_path: Path
) -> None:
    """A copy of the document beside no schemas: its relative payload $refs cannot resolve."""
    broken = tmp_path / "docs" / "asyncapi.json"
    broken.parent.mkdir()
    broken.write_text((repo_root / "docs" / "asyncapi.json").read_text())
    summary = asyncapi_parse(repo_root, tool_runner, broken)
    assert summary["errors"] > 0
    assert any(d["code"] == "invalid-ref" for d in summary["diagnostics"])


# --- kubeconform --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def kubernetes_schemas(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """kubernetes-validate's strict 1.32 schemas, made loadable offline by kubeconform.

    They refer to ``/api/_definitions.json`` under their ``$id`` on kubernetes.io, which a
    loader would fetch; pointing the reference at the local file keeps kubeconform offline.
    """
    import kubernetes_validate

    source = Path(kubernetes_validate.__file__).parent / "kubernetes-json-schema" / K8S_SCHEMAS
    target = tmp_path_factory.mktemp("kubeconform-schemas")
    definitions = (target / "_definitions.json").as_uri()
    for schema in source.glob("*.json"):
        text = schema.read_text().replace('"/api/_definitions.json', f'"{definitions}')
        (target / schema.name).write_text(text)
    return target


@pytest.fixture(scope="module")
def crd_schemas(
    repo_root: Path,
    tmp_path_factory: pytest.TempPathFactory,
    strict_schema: Callable[[Any], Any],
) -> Path:
    """The vendored CRD schemas (tests/ops/crd-schemas) with unknown fields made errors, as
    the strict Kubernetes schemas do (kubeconform's -strict does not reach CRD schemas)."""
    target = tmp_path_factory.mktemp("kubeconform-crds")
    for schema in (repo_root / "tests" / "ops" / "crd-schemas").glob("*.json"):
        (target / schema.name).write_text(json.dumps(strict_schema(json.loads(schema.read_text()))))
    return target


def kubeconform_run(
    kubeconform: Path, schemas: Path, crd_schemas: Path, manifests: str
) -> dict[str, Any]:
    """kubeconform -strict on ``manifests`` (YAML stream); its JSON report."""
    result = subprocess.run(
        [
            str(kubeconform),
            "-strict",
            "-summary",
            "-output",
            "json",
            "-schema-location",
            f"{schemas}/{CORE_SCHEMA_NAME}",
            "-schema-location",
            f"{crd_schemas}/{CRD_SCHEMA_NAME}",
            "-",
        ],
        input=manifests,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    report: dict[str, Any] = json.loads(result.stdout)
    assert (result.returncode == 0) == (
        report["summary"]["invalid"] == 0 and report["summary"]["errors"] == 0
    ), result.stderr
    return report


# The console adds 4 objects (ServiceAccount, Deployment, Service, PodDisruptionBudget) and, in
# prod, 2 NetworkPolicies (console → services' HTTP).
@pytest.mark.parametrize(("overlay", "objects"), [("dev", 45), ("prod", 52)])
def test_kubeconform_accepts_the_overlay_strictly(
    kubeconform: Path,
    kubernetes_schemas: Path,
    crd_schemas: Path,
    kustomize: Path,
    repo_root: Path,
    tool_runner: Runner,
    overlay: str,
    objects: int,
) -> None:
    built = tool_runner(kustomize, "build", repo_root / "k8s" / "overlays" / overlay)
    assert built.returncode == 0, built.stderr
    report = kubeconform_run(kubeconform, kubernetes_schemas, crd_schemas, built.stdout)
    problems = [r for r in report["resources"] if r["status"] != "statusValid"]
    assert problems == []
    assert report["summary"] == {"valid": objects, "invalid": 0, "errors": 0, "skipped": 0}


def test_kubeconform_rejects_an_unknown_field_and_an_unknown_kind(
    kubeconform: Path, kubernetes_schemas: Path, crd_schemas: Path, kustomize: Path, repo_root: Path
) -> None:
    built = subprocess.run(
        [str(kustomize), "build", str(repo_root / "k8s" / "overlays" / "dev")],
        capture_output=True,
        text=True,
        check=True,
    )
    documents = [d for d in yaml.safe_load_all(built.stdout) if d]
    topic = next(d for d in documents if d["kind"] == "KafkaTopic")
    topic["spec"]["replica"] = 3  # a typo of `replicas`
    deployment = next(d for d in documents if d["kind"] == "Deployment")
    deployment["spec"]["template"]["spec"]["containers"][0]["imagePullPolice"] = "Always"
    unknown = {"apiVersion": "example.com/v1", "kind": "Widget", "metadata": {"name": "w"}}
    manifests = yaml.safe_dump_all([topic, deployment, unknown])
    report = kubeconform_run(kubeconform, kubernetes_schemas, crd_schemas, manifests)
    assert report["summary"] == {"valid": 0, "invalid": 2, "errors": 1, "skipped": 0}


# --- promtool check metrics ---------------------------------------------------------------


@pytest.fixture
def running_audit(
    kafka_bootstrap: str, mongo_uri: str, tmp_path: Path, unique_name: Callable[[str], str]
) -> Iterator[ServiceProcess]:
    """The audit service as its own process on a free port, against the test servers."""
    port = free_port()
    env = dict(os.environ)
    env.update(
        {
            "CLOSELOOP_KAFKA_BOOTSTRAP": kafka_bootstrap,
            "CLOSELOOP_MONGO_URI": mongo_uri,
            "CLOSELOOP_MONGO_DB": unique_name("audit"),
            "CLOSELOOP_ENV": "development",
            "PYTHONUNBUFFERED": "1",
            port_variable("audit"): str(port),
        }
    )
    argv = service_argv("{python} -m {module}", "audit", port)
    service = ServiceProcess("audit", port, argv, env, tmp_path / "audit.log")
    service.start(timeout=120)
    try:
        yield service
    finally:
        service.stop()


def scrape(url: str) -> str:
    with urllib.request.urlopen(url, timeout=10) as reply:
        return str(reply.read().decode())


def promtool_check_metrics(promtool: Path, exposition: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(promtool), "check", "metrics"],
        input=exposition,
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )


@pytest.mark.integration
def test_promtool_finds_a_live_scrape_clean(running_audit: ServiceProcess, promtool: Path) -> None:
    exposition = scrape(f"{running_audit.url}/metrics")
    assert "closeloop_audit_chain_length" in exposition
    assert "closeloop_http_requests_total" in exposition
    result = promtool_check_metrics(promtool, exposition)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout + result.stderr == ""


def test_promtool_check_metrics_reports_a_lint_problem(promtool: Path) -> None:
    """The same check on an exposition with a counter missing its _total suffix."""
    exposition = "# HELP closeloop_things Things.\n# TYPE closeloop_things counter\n"
    exposition += "closeloop_things 1\n"
    result = promtool_check_metrics(promtool, exposition)
    assert result.returncode != 0
    assert 'counter metrics should have "_total" suffix' in result.stdout + result.stderr
