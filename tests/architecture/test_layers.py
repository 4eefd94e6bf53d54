"""The layering, read from the source (AST, every import including the ones inside functions):

- only assistant/handlers imports telegram;
- the domains (and everything under them) never import assistant.handlers or assistant.cli;
- no import cycles, neither between modules nor between the top-level packages of assistant/;
- assistant/handlers holds no SQL and no ORM: it imports neither sqlalchemy nor assistant.storage.models
  (the domains take ids and return frozen views).
"""
from __future__ import annotations

import ast
from functools import lru_cache
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "assistant"
FRONT_ENDS = ("assistant.handlers", "assistant.cli")
ORM = ("sqlalchemy", "assistant.storage.models")
# Handler modules allowed to import ORM; deliberately none (storage.db and storage.kv are not ORM models).
ORM_ALLOWED_IN_HANDLERS: frozenset[str] = frozenset()


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


@lru_cache
def modules() -> dict[str, Path]:
    return {module_name(p): p for p in PACKAGE.rglob("*.py") if "migrations" not in p.parts}


def imports_of(name: str) -> set[str]:
    """Absolute names of everything the module imports (`from . import x` resolves to the module x)."""
    path = modules()[name]
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")
                base = ".".join(parts[:len(parts) - node.level + 1] + ([node.module] if node.module else []))
            submodules = {f"{base}.{alias.name}" for alias in node.names if f"{base}.{alias.name}" in modules()}
            found.update(submodules or {base})  # `from . import x` imports the module x, not its package
    return found


def internal(names: set[str]) -> set[str]:
    """The assistant modules named (a name below a module maps to the module)."""
    result = set()
    for name in names:
        while name and name not in modules():
            name = name.rpartition(".")[0]
        if name.startswith("assistant"):
            result.add(name)
    return result


def graph() -> dict[str, set[str]]:
    return {name: internal(imports_of(name)) - {name} for name in modules()}


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one member (Tarjan)."""
    index, low, stack, on_stack, found, counter = {}, {}, [], set(), [], [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on_stack.add(v)
        for w in edges.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(edges):
        if v not in index:
            visit(v)
    return found


def top_package(name: str) -> str:
    return ".".join(name.split(".")[:2])


def test_only_the_handlers_import_telegram():
    offenders = sorted(name for name in modules() if not name.startswith("assistant.handlers")
                       and any(i == "telegram" or i.startswith("telegram.") for i in imports_of(name)))
    assert offenders == []


def test_domains_never_import_the_front_ends():
    offenders = sorted((name, target) for name, targets in graph().items() if not name.startswith(FRONT_ENDS)
                       for target in targets if target.startswith(FRONT_ENDS))
    assert offenders == []


def test_the_handlers_import_no_orm_and_no_sqlalchemy():
    offenders = sorted((name, i) for name in modules()
                       if name.startswith("assistant.handlers") and name not in ORM_ALLOWED_IN_HANDLERS
                       for i in imports_of(name) if any(i == p or i.startswith(p + ".") for p in ORM))
    assert offenders == []


def test_no_import_cycles_between_modules():
    assert cycles(graph()) == []


def test_no_import_cycles_between_packages():
    edges: dict[str, set[str]] = {}
    for name, targets in graph().items():
        edges.setdefault(top_package(name), set()).update(top_package(t) for t in targets)
    for package, targets in edges.items():
        targets.discard(package)
    assert cycles(edges) == []


def test_the_checker_sees_a_cycle_and_a_relative_import():
    assert cycles({"a": {"b"}, "b": {"a"}, "c": {"a"}}) == [["a", "b"]]
    assert "assistant.needs.views" in graph()["assistant.needs.handling"]
    assert "sqlalchemy.orm" in imports_of("assistant.needs.places")
    assert any(i.startswith("assistant.storage.models") for i in imports_of("assistant.needs.places"))
