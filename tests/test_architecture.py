"""The shape of the Python code (issue 17): no import cycle, shared helpers written once.

Read from the source with `ast`, no pipeline run: a cycle hidden by an import inside a function
counts (it is still a cycle, only deferred), and so does `from package import name`.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

from conftest import REPO

PACKAGE = REPO / "pipelines"


def _modules() -> dict[str, Path]:
    out = {}
    for path in PACKAGE.rglob("*.py"):
        parts = list(path.relative_to(REPO).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        out[".".join(parts)] = path
    return out


def import_graph() -> dict[str, set[str]]:
    """Module -> the project modules it imports anywhere in its body (absolute or relative)."""
    modules = _modules()

    def resolve(name: str) -> str | None:
        while name and name not in modules:
            name = name.rpartition(".")[0]
        return name or None

    graph: dict[str, set[str]] = {m: set() for m in modules}
    for module, path in modules.items():
        package = module if path.name == "__init__.py" else module.rpartition(".")[0]
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            targets: list[str] = []
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    parts = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                    base = ".".join(parts + ([node.module] if node.module else []))
                targets = [
                    f"{base}.{alias.name}" if f"{base}.{alias.name}" in modules else base
                    for alias in node.names
                ]
            for target in targets:
                found = resolve(target)
                if found and found != module:
                    graph[module].add(found)
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph[v]):
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

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def test_no_import_cycle_in_pipelines():
    graph = import_graph()
    assert len(graph) > 60
    assert "pipelines.lib.history.fingerprints" in graph["pipelines.lib.history.locks"]
    assert cycles(graph) == []


def test_the_cycle_finder_finds_a_cycle_hidden_in_a_function():
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert cycles(graph) == [["a", "b", "c"]]
    source = "def f():\n    from pipelines.lib.history import manifest\n"
    imported = {n.module for n in ast.walk(ast.parse(source)) if isinstance(n, ast.ImportFrom)}
    assert imported == {"pipelines.lib.history"}


def test_shared_warehouse_helpers_are_written_once():
    """Whether a table exists, and opening a built warehouse read-only for a command, live in
    pipelines/lib/warehouse.py; the modules that need them import them."""
    exists = re.compile(r"information_schema\.tables where table_schema = \? and table_name = \?")
    writers = [
        p.relative_to(REPO).as_posix()
        for p in PACKAGE.rglob("*.py")
        if exists.search(p.read_text(encoding="utf-8"))
    ]
    assert writers == ["pipelines/lib/warehouse.py"]
    opened = [p.relative_to(REPO).as_posix() for p in PACKAGE.rglob("*.py")
              if "duckdb.connect(str(path), read_only=True)" in p.read_text(encoding="utf-8")]  # fmt: skip
    assert opened == ["pipelines/lib/warehouse.py"]


def class_names(modules: dict[str, Path]) -> dict[str, list[str]]:
    """Class name -> the modules that define a class of that name (at any depth: nested ones count)."""
    out: dict[str, list[str]] = {}
    for module, path in sorted(modules.items()):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ClassDef):
                out.setdefault(node.name, []).append(module)
    return out


def test_no_two_classes_in_pipelines_share_a_name():
    """One name, one meaning: a class name is defined once in pipelines/ (a `RowFailure` of the loader
    and another of the GX batch checks read as the same thing and are not)."""
    names = class_names(_modules())
    assert len(names) > 50
    assert names["LoadRowFinding"] == ["pipelines.lib.loader"]
    assert {name: modules for name, modules in names.items() if len(modules) > 1} == {}


def test_the_class_name_scan_finds_a_shared_name(tmp_path):
    (tmp_path / "a.py").write_text("class Check:\n    pass\n", encoding="utf-8")
    (tmp_path / "b.py").write_text("def f():\n    class Check:\n        pass\n", encoding="utf-8")
    names = class_names({"a": tmp_path / "a.py", "b": tmp_path / "b.py"})
    assert names == {"Check": ["a", "b"]}
