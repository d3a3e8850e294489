import ast
import sys
from pathlib import Path

FORBIDDEN = {
    "pymongo",
    "aiokafka",
    "faust",
    "fastapi",
    "starlette",
    "motor",
    "httpx",
    "closeloop_shared",
    "uvicorn",
    "rocksdict",
    "aiosmtplib",
    "aiosmtpd",
    "pydantic",
}
ROOT = Path(__file__).resolve().parents[3]
# Modules of shared that import only the standard library, so a pure domain may use them
# (checked below): the one duration grammar.
STDLIB_ONLY_SHARED = {"closeloop_shared.durations"}


def _full_imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def _imports(path: Path) -> set[str]:
    return {name.split(".")[0] for name in _full_imports(path)}


def _domain_imports(path: Path) -> set[str]:
    return {n.split(".")[0] for n in _full_imports(path) if n not in STDLIB_ONLY_SHARED}


def test_domain_packages_import_no_infrastructure() -> None:
    files = list(ROOT.glob("services/*/src/closeloop_*/domain/**/*.py"))
    assert len(files) >= 5
    offenders = {str(f.relative_to(ROOT)): sorted(_domain_imports(f) & FORBIDDEN) for f in files}
    assert {k: v for k, v in offenders.items() if v} == {}


def test_no_service_imports_another_service() -> None:
    for src in ROOT.glob("services/*/src/closeloop_*"):
        own = src.name
        for f in src.rglob("*.py"):
            others = {n for n in _imports(f) if n.startswith("closeloop_")} - {
                own,
                "closeloop_shared",
            }
            assert not others, f"{f.relative_to(ROOT)} imports {others}"


def test_shared_modules_a_domain_may_use_import_only_the_standard_library() -> None:
    for module in STDLIB_ONLY_SHARED:
        path = ROOT / "shared/src" / (module.replace(".", "/") + ".py")
        outside = {n for n in _imports(path) if n not in sys.stdlib_module_names}
        assert outside == set(), f"{module} imports {outside}"
