"""The import rules of DESIGN.md, checked on the source.

Packages depend one way, bottom to top: infra <- player <- schedule, news, library <-
recording, desktop, ui <- services.py, cli.py, main.py, bench. A feature uses another
feature's models only.
The graph is built from every import in the source, at module level or inside functions
(a lazy import is still a dependency).
"""

from __future__ import annotations

import ast
from collections.abc import Iterable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PLUMBING = "infra"
FEATURES = ("player", "schedule", "news", "library", "recording", "desktop")
RANK = {"infra": 0, "player": 1, "schedule": 2, "news": 2, "library": 2,
        "recording": 3, "desktop": 3, "ui": 3, "services": 4, "cli": 4, "main": 4,
        "bench": 4}
# What one feature may import from another: its models, meaning plain values and the pure
# functions over them (parsers and the catalogue's schema; the resolver takes its fetcher
# as an argument). Never a controller, an adapter (libvlc, HTTP, D-Bus) or a command.
MODELS = {
    "player": {"player.stations", "player.states", "player.backend", "player.homepage",
               "player.playlists", "player.resolver", "player.catalogue",
               "player.frames", "player.icy"},  # frames, icy: pure parsers (recording uses)
    "schedule": {"schedule.model", "schedule.guide"},
    "news": {"news.model"},
    "library": {"library.model"},
}
PACKAGES = [p for p in RANK if (ROOT / p).is_dir()]


def module_name(path: Path) -> str:
    rel = path.relative_to(ROOT).with_suffix("")
    parts = rel.parts[:-1] if rel.name == "__init__" else rel.parts
    return ".".join(parts)


def sources() -> list[Path]:
    files = [ROOT / "main.py", ROOT / "cli.py", ROOT / "services.py"]
    for pkg in PACKAGES:
        files += sorted((ROOT / pkg).rglob("*.py"))
    return files


def imported_modules(path: Path) -> set[str]:
    """Every project module `path` imports (dotted names, as written)."""
    tree = ast.parse(path.read_text(), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            names.update(f"{node.module}.{a.name}" for a in node.names)
    return names


def graph() -> dict[str, set[str]]:
    """module -> project modules it imports."""
    known = {module_name(p) for p in sources()}
    return {module_name(p): {n for n in imported_modules(p) if n in known} - {module_name(p)}
            for p in sources()}


def top(module: str) -> str:
    return module.split(".")[0]


def imports_of(path: Path) -> set[str]:
    return {n.split(".")[0] for n in imported_modules(path)}


def find_cycle(edges: dict[str, set[str]]) -> list[str] | None:
    """One import cycle as a path of modules (first == last), or None."""
    state: dict[str, int] = {}  # 1: on the stack, 2: done
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(edges.get(node, ())):
            if state.get(nxt) == 1:
                return stack[stack.index(nxt):] + [nxt]
            if nxt not in state and (found := visit(nxt)):
                return found
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(edges):
        if node not in state and (found := visit(node)):
            return found
    return None


def violations(edges: dict[str, set[str]]) -> list[str]:
    bad = []
    for module, targets in edges.items():
        here = top(module)
        for target in targets:
            there = top(target)
            if there == here:
                continue
            if RANK[there] > RANK[here]:
                bad.append(f"{module} imports {target}: {there} sits above {here}")
            elif here in FEATURES and there in FEATURES and target != there \
                    and target not in MODELS.get(there, set()):
                bad.append(f"{module} imports {target}: a feature's internals")
    return sorted(bad)


def test_the_project_has_no_import_cycle() -> None:
    assert find_cycle(graph()) is None


def test_packages_import_downwards_and_features_only_each_others_models() -> None:
    assert violations(graph()) == []


def test_every_feature_imports_the_plumbing_and_the_plumbing_no_feature() -> None:
    edges = graph()
    for feature in (f for f in FEATURES if f in PACKAGES):
        assert any(top(t) == PLUMBING for m, ts in edges.items() if top(m) == feature
                   for t in ts), f"{feature} does not use {PLUMBING}"
    assert not [t for m, ts in edges.items() if top(m) == PLUMBING for t in ts
                if top(t) != PLUMBING]


def _edges(pairs: Iterable[tuple[str, str]]) -> dict[str, set[str]]:
    edges: dict[str, set[str]] = {}
    for a, b in pairs:
        edges.setdefault(a, set()).add(b)
    return edges


def test_the_checks_catch_what_they_are_for() -> None:
    """The rules fail on a cycle, an upward import and a feature's internals."""
    assert find_cycle(_edges([("player.a", "player.b"), ("player.b", "player.a")])) == [
        "player.a", "player.b", "player.a"]
    assert violations(_edges([("infra.http", "player.stations")]))
    assert violations(_edges([("news.fetch", "schedule.composer")]))
    assert not violations(_edges([("news.fetch", "player.stations")]))


def test_only_the_backend_imports_vlc() -> None:
    offenders = [str(p.relative_to(ROOT)) for p in sources()
                 if "vlc" in imports_of(p) and p != ROOT / "player" / "vlc_backend.py"]
    assert offenders == []


def test_only_the_http_module_imports_requests() -> None:
    allowed = {ROOT / "infra" / "http.py", ROOT / "infra" / "http_session.py"}
    offenders = [str(p.relative_to(ROOT)) for p in sources()
                 if imports_of(p) & {"requests", "requests_cache"} and p not in allowed]
    assert offenders == []


def test_only_the_dbus_adapters_import_jeepney() -> None:
    # the D-Bus adapters: the watch thread, NetworkManager's watch, MPRIS, the portal's
    # colour scheme and notifications
    allowed = {ROOT / "infra" / "bus_watch.py", ROOT / "infra" / "network_watch.py",
               ROOT / "desktop" / "mpris.py",
               ROOT / "desktop" / "color_scheme.py", ROOT / "desktop" / "notifications.py"}
    offenders = [str(p.relative_to(ROOT)) for p in sources()
                 if "jeepney" in imports_of(p) and p not in allowed]
    assert offenders == []
    assert all("jeepney" in imports_of(p) for p in allowed), "the rule checks nothing"


def test_models_and_plumbing_values_import_no_toolkit() -> None:
    models = [p for p in sources() if p.name in {"model.py", "models.py", "stations.py",
                                                 "playlists.py", "guide.py", "html_text.py",
                                                 "http_types.py", "timefmt.py", "urls.py"}]
    assert models, "no model modules found: the rule checks nothing"
    offenders = [str(p.relative_to(ROOT)) for p in models
                 if imports_of(p) & {"kivy", "vlc", "requests", "requests_cache"}]
    assert offenders == []


def test_no_module_over_400_lines() -> None:
    big = [f"{p.relative_to(ROOT)} ({n})" for p in sources()
           if (n := len(p.read_text().splitlines())) > 400]
    assert big == []
