"""The layout's rules, checked on the source: no import circles, graph internals read only by the
engine, small files, and a README table that names what is there."""
from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("minigrad", "repl")
# the engine: the only code that may read a node's private fields (_prev, _op, _ctx)
ENGINE = re.compile(r"^minigrad/(autograd|scalar|tensor\w*|dispatch|backend)\.py$|^minigrad/ops/")
MAX_LINES = 450


def modules() -> dict[str, Path]:
    """Dotted module name -> file, for every module of minigrad and repl."""
    found = {}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            parts = list(path.relative_to(ROOT).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            found[".".join(parts)] = path
    return found


def imports(name: str, path: Path, known: dict[str, Path]) -> set[str]:
    """The project modules ``name`` imports anywhere in its file (top level, in functions, under TYPE_CHECKING).

    ``from pkg import x`` depends on ``pkg.x`` when that is a module, else on ``pkg`` itself.
    """
    def resolve(dotted: str) -> str | None:
        while dotted and dotted not in known:
            dotted = dotted.rpartition(".")[0]
        return dotted or None

    package = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
    out = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(package[:len(package) - node.level + 1] + ([base] if base else []))
            targets = [f"{base}.{a.name}" if f"{base}.{a.name}" in known else base for a in node.names]
        else:
            continue
        out |= {t for t in map(resolve, targets) if t and t != name}
    return out


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan's algorithm, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found = []
    for start in graph:
        if start in index:
            continue
        work = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


def test_the_cycle_finder_finds_a_circle():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert cycles({"a": {"b"}, "b": set()}) == []


def test_no_import_circles():
    known = modules()
    graph = {name: imports(name, path, known) for name, path in known.items()}
    assert graph["repl.commands.train"] >= {"minigrad.health", "repl.registry"}  # the parser sees imports
    assert not cycles(graph), f"import circles: {cycles(graph)}"


def test_outside_the_engine_nothing_reads_a_nodes_private_fields():
    private = re.compile(r"\._(prev|op|ctx)\b")
    readers = []
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            rel = path.relative_to(ROOT).as_posix()
            if ENGINE.match(rel):
                continue
            readers += [f"{rel}:{i}" for i, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
                        if private.search(line)]
    assert not readers, f"read _prev/_op/_ctx outside the engine: {readers}"


@pytest.mark.parametrize("folder", ["minigrad", "repl", "benchmarks", "scripts"])
def test_source_files_stay_small(folder):
    sizes = {p.relative_to(ROOT).as_posix(): p.read_text(encoding="utf-8").count("\n")
             for p in (ROOT / folder).rglob("*") if p.suffix in (".py", ".sh")}
    assert sizes, folder
    big = {name: n for name, n in sizes.items() if n > MAX_LINES}
    assert not big, f"over {MAX_LINES} lines: {big}"


def readme_paths() -> list[str]:
    """The paths in the first column of README's "What is where" table.

    A later name in a cell sits beside the cell's first path: `minigrad/tensor.py`, `dispatch.py` is
    minigrad/dispatch.py; `minigrad/nn/`, `optim.py` is minigrad/optim.py; `nn/activations.py` is
    within the first path's top folder.
    """
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    table = text.split("## What is where", 1)[1].split("\n\n", 2)[1]
    paths = []
    for row in table.splitlines()[2:]:
        names = re.findall(r"`([^`]+)`", row.split("|")[1])
        first = names[0]
        beside = first.rstrip("/").rpartition("/")[0]
        top = first.split("/")[0]
        paths.append(first)
        paths += [f"{top}/{n}" if "/" in n else f"{beside}/{n}" for n in names[1:]]
    return paths


def test_readme_table_names_only_what_exists_and_every_package():
    paths = readme_paths()
    assert "minigrad/health.py" in paths and "repl/commands/" in paths
    missing = [p for p in paths if not (ROOT / p).exists()]
    assert not missing, f"README's What is where names missing paths: {missing}"
    packages = sorted({p.parent.relative_to(ROOT).as_posix() + "/" for package in PACKAGES
                       for p in (ROOT / package).rglob("__init__.py")})
    uncovered = [pkg for pkg in packages if pkg not in ("minigrad/",) and not any(p.startswith(pkg) for p in paths)]
    assert not uncovered, f"packages the README's table does not mention: {uncovered}"
