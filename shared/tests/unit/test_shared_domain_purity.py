import ast
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


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


def test_domain_packages_import_no_infrastructure() -> None:
    files = list(ROOT.glob("services/*/src/closeloop_*/domain/**/*.py"))
    assert len(files) >= 5
    offenders = {str(f.relative_to(ROOT)): sorted(_imports(f) & FORBIDDEN) for f in files}
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
