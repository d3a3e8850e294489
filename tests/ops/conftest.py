"""Fixtures of the operability tests: the external validators (kustomize, kubeconform,
promtool, amtool, grafana-strict), the repository's generator scripts, and schema validation
of Kubernetes objects.

The validators are installed by ``tools/ops/install_tools.sh`` (``make tools``). A missing
one FAILS the tests that need it with the install command: CI installs them, so a skip would
hide a broken pipeline.
"""

from __future__ import annotations

import copy
import importlib.util
import json
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import jsonschema
import kubernetes_validate
import pytest
import yaml

REPO_ROOT = Path(__file__).resolve().parents[2]
OPS_TOOLS = REPO_ROOT / "tools" / "ops"
CRD_SCHEMAS = Path(__file__).resolve().parent / "crd-schemas"
KUBERNETES_VERSION = "1.32"
INSTALL_HINT = "install it with `bash tools/ops/install_tools.sh` (make tools)"

# (apiVersion, kind) -> vendored openAPIV3Schema of the CRD (tests/ops/crd-schemas/SOURCES.md)
CRD_SCHEMA_FILES: dict[tuple[str, str], str] = {
    ("kafka.strimzi.io/v1beta2", "KafkaTopic"): "kafkatopic-kafka.strimzi.io-v1beta2.json",
    ("monitoring.coreos.com/v1", "PrometheusRule"): "prometheusrule-monitoring.coreos.com-v1.json",
    ("monitoring.coreos.com/v1", "ServiceMonitor"): "servicemonitor-monitoring.coreos.com-v1.json",
    ("keda.sh/v1alpha1", "ScaledObject"): "scaledobject-keda.sh-v1alpha1.json",
}

Documents = list[dict[str, Any]]


def _require_tool(name: str, candidates: list[Path]) -> Path:
    for candidate in candidates:
        if candidate.is_file():
            return candidate
    found = shutil.which(name)
    if found is None:
        pytest.fail(f"`{name}` is not installed: {INSTALL_HINT}", pytrace=False)
    return Path(found)


@pytest.fixture(scope="session")
def repo_root() -> Path:
    """The repository root."""
    return REPO_ROOT


@pytest.fixture(scope="session")
def kustomize() -> Path:
    """The pinned kustomize (<repo>/.cache/bin/kustomize), failing loudly when absent."""
    return _require_tool("kustomize", [REPO_ROOT / ".cache" / "bin" / "kustomize"])


@pytest.fixture(scope="session")
def kubeconform() -> Path:
    """The pinned kubeconform (<repo>/.cache/bin/kubeconform), failing loudly when absent."""
    return _require_tool("kubeconform", [REPO_ROOT / ".cache" / "bin" / "kubeconform"])


@pytest.fixture(scope="session")
def grafana_strict() -> Path:
    """tools/grafana-strict built into <repo>/.cache/bin, failing loudly when absent."""
    return _require_tool("grafana-strict", [REPO_ROOT / ".cache" / "bin" / "grafana-strict"])


@pytest.fixture(scope="session")
def promtool() -> Path:
    """promtool from Debian's `prometheus` package, failing loudly when absent."""
    return _require_tool("promtool", [])


@pytest.fixture(scope="session")
def amtool() -> Path:
    """amtool from Debian's `prometheus-alertmanager` package, failing loudly when absent."""
    return _require_tool("amtool", [])


def run_tool(*argv: str | Path, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """Run a validator; the caller asserts on the return code and output."""
    return subprocess.run(
        [str(a) for a in argv], capture_output=True, text=True, check=False, cwd=cwd, timeout=120
    )


@pytest.fixture(scope="session")
def tool_runner() -> Callable[..., subprocess.CompletedProcess[str]]:
    """``run_tool(*argv, cwd=None)``: run a command, capture its output, never raise."""
    return run_tool


def load_ops_module(name: str) -> ModuleType:
    """Import ``tools/ops/<name>.py`` (the generator scripts are not a package)."""
    path = OPS_TOOLS / f"{name}.py"
    spec = importlib.util.spec_from_file_location(f"closeloop_ops_{name}", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="session")
def ops_module() -> Callable[[str], ModuleType]:
    """``ops_module("gen_kafka_topics")`` imports a script of tools/ops."""
    return load_ops_module


def kustomize_build(kustomize: Path, directory: Path) -> Documents:
    """``kustomize build`` of a directory, parsed; fails the test with kustomize's error."""
    result = run_tool(kustomize, "build", directory)
    if result.returncode != 0:
        pytest.fail(f"kustomize build {directory} failed:\n{result.stderr}", pytrace=False)
    return [doc for doc in yaml.safe_load_all(result.stdout) if doc]


@pytest.fixture(scope="session")
def kustomize_builder(kustomize: Path) -> Callable[[Path], Documents]:
    """``build(directory)``: the parsed output of ``kustomize build``."""
    return lambda directory: kustomize_build(kustomize, directory)


@pytest.fixture(scope="session")
def built_overlays(kustomize: Path) -> dict[str, Documents]:
    """The rendered objects of every overlay, by overlay name."""
    overlays = sorted(p for p in (REPO_ROOT / "k8s" / "overlays").iterdir() if p.is_dir())
    return {p.name: kustomize_build(kustomize, p) for p in overlays}


def strict_schema(schema: Any) -> Any:
    """A CRD schema in which unknown fields are errors, as `kubectl --validate=strict` does.

    Every object schema that lists ``properties`` (and does not preserve unknown fields)
    gets ``additionalProperties: false``; opaque objects stay open.
    """
    if isinstance(schema, list):
        return [strict_schema(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    result = {key: strict_schema(value) for key, value in schema.items()}
    is_object = result.get("type") == "object"
    if (
        is_object
        and isinstance(result.get("properties"), dict)
        and "additionalProperties" not in result
        and not result.get("x-kubernetes-preserve-unknown-fields")
    ):
        result["additionalProperties"] = False
    return result


@pytest.fixture(scope="session", name="strict_schema")
def strict_schema_fixture() -> Callable[[Any], Any]:
    """``strict_schema(schema)``: a CRD schema in which unknown fields are errors."""
    return strict_schema


def _crd_validator(api_version: str, kind: str) -> jsonschema.Draft7Validator:
    schema = json.loads((CRD_SCHEMAS / CRD_SCHEMA_FILES[(api_version, kind)]).read_text())
    return jsonschema.Draft7Validator(strict_schema(schema))


def validate_object(document: dict[str, Any]) -> None:
    """Validate one Kubernetes object: core kinds with kubernetes-validate (strict), custom
    resources with their vendored CRD schema. Raises on an invalid or unknown object."""
    api_version, kind = document.get("apiVersion", ""), document.get("kind", "")
    if (api_version, kind) in CRD_SCHEMA_FILES:
        _crd_validator(api_version, kind).validate(copy.deepcopy(document))
        return
    kubernetes_validate.validate(document, KUBERNETES_VERSION, strict=True)


@pytest.fixture(scope="session")
def k8s_validator() -> Callable[[dict[str, Any]], None]:
    """``validate(obj)``: raise if ``obj`` is not a valid Kubernetes object or custom resource."""
    return validate_object


def dockerfile_instructions(dockerfile: str) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs, continuation lines joined and comments dropped."""
    logical, pending = [], ""
    for raw in dockerfile.splitlines():
        line = raw.strip()
        if not pending and (not line or line.startswith("#")):
            continue
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        logical.append(pending + line)
        pending = ""
    result = []
    for line in logical:
        keyword, _, rest = line.partition(" ")
        result.append((keyword.upper(), rest.strip()))
    return result


@pytest.fixture(scope="session")
def parse_dockerfile() -> Callable[[str], list[tuple[str, str]]]:
    """``parse(text)``: a Dockerfile's (INSTRUCTION, arguments) pairs."""
    return dockerfile_instructions


@pytest.fixture
def k8s_copy(tmp_path: Path) -> Iterator[Path]:
    """A scratch copy of k8s/ to break on purpose."""
    target = tmp_path / "k8s"
    shutil.copytree(REPO_ROOT / "k8s", target)
    yield target
