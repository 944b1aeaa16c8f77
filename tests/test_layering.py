"""The import rules of DESIGN.md, checked on the source."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ["player", "schedule", "news", "ui"]


def imports_of(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(a.name.split(".")[0] for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


def sources() -> list[Path]:
    files = [ROOT / "main.py"]
    for pkg in PACKAGES:
        files += sorted((ROOT / pkg).rglob("*.py"))
    return files


def test_only_the_backend_imports_vlc() -> None:
    offenders = [str(p.relative_to(ROOT)) for p in sources()
                 if "vlc" in imports_of(p) and p != ROOT / "player" / "vlc_backend.py"]
    assert offenders == []


def test_only_the_http_session_module_imports_requests() -> None:
    allowed = {ROOT / "schedule" / "http_session.py"}
    offenders = [str(p.relative_to(ROOT)) for p in sources()
                 if imports_of(p) & {"requests", "requests_cache"} and p not in allowed]
    assert offenders == []


def test_models_import_no_toolkit() -> None:
    models = [p for p in sources() if p.name in {"model.py", "models.py", "stations.py",
                                                 "playlists.py", "guide.py", "html_text.py"}]
    assert models, "no model modules found: the rule checks nothing"
    offenders = [str(p.relative_to(ROOT)) for p in models
                 if imports_of(p) & {"kivy", "vlc", "requests", "requests_cache"}]
    assert offenders == []


def test_no_module_over_400_lines() -> None:
    big = [f"{p.relative_to(ROOT)} ({n})" for p in sources()
           if (n := len(p.read_text().splitlines())) > 400]
    assert big == []
