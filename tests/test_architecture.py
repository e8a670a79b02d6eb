"""The layout stays readable: sizes of modules, classes and functions, and no import cycle.

Counted from the source with :mod:`ast` (no import of the package), so the
limits hold for every module, private ones included:

* no module over 700 lines, no class over 300, no function over 90;
* no import cycle between deepstep's modules, function-level imports included
  (``from .x import y`` is an edge to ``x``, or to ``x.y`` when that is a module).
"""

from __future__ import annotations

import ast
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src"
PACKAGE = SRC / "deepstep"
MAX_MODULE, MAX_CLASS, MAX_FUNCTION = 700, 300, 90


def _modules() -> dict[str, Path]:
    out = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = list(path.relative_to(SRC).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        out[".".join(parts)] = path
    return out


MODULES = _modules()


def _is_package(name: str) -> bool:
    return MODULES[name].name == "__init__.py"


def _imports(name: str) -> set[str]:
    tree = ast.parse(MODULES[name].read_text())
    package = name if _is_package(name) else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[:len(base) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            for alias in node.names:
                sub = f"{target}.{alias.name}"
                found.add(sub if sub in MODULES else target)
    return {m for m in found if m in MODULES and m != name}


def test_the_size_limits_hold():
    too_big = []
    for name, path in MODULES.items():
        lines = path.read_text().count("\n")
        if lines > MAX_MODULE:
            too_big.append(f"module {name}: {lines} lines")
        for node in ast.walk(ast.parse(path.read_text())):
            size = getattr(node, "end_lineno", 0) - getattr(node, "lineno", 0) + 1
            if isinstance(node, ast.ClassDef) and size > MAX_CLASS:
                too_big.append(f"class {name}.{node.name}: {size} lines")
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and size > MAX_FUNCTION:
                too_big.append(f"function {name}.{node.name}: {size} lines")
    assert not too_big, "\n".join(too_big)


def _find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                return [*stack[stack.index(nxt):], nxt]
            if nxt not in state and (cycle := visit(nxt)):
                return cycle
        stack.pop()
        state[node] = 2
        return None

    for name in sorted(graph):
        if name not in state and (cycle := visit(name)):
            return cycle
    return None


def test_there_is_no_import_cycle():
    cycle = _find_cycle({name: _imports(name) for name in MODULES})
    assert cycle is None, "import cycle: " + " -> ".join(cycle or [])


def test_the_checker_sees_function_level_imports_and_finds_cycles():
    # cli imports datasets only inside its commands: those edges must count.
    assert "deepstep.datasets" in _imports("deepstep.cli")
    assert _find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert _find_cycle({"a": {"b"}, "b": set(), "c": {"a", "b"}}) is None


#: The layers of the README's "Architecture" table, top first; a module may
#: import its own layer and those above it, never one below.
LAYERS = [
    ("deepstep._backend", "deepstep._config", "deepstep._memory", "deepstep._plots",
     "deepstep._validation", "deepstep._version", "deepstep._warnings"),
    ("deepstep.activations", "deepstep.layers", "deepstep.propagation", "deepstep.losses",
     "deepstep.initializers", "deepstep.optimizers", "deepstep.network"),
    ("deepstep.outofcore", "deepstep.datasets"),
    ("deepstep.io",),
    ("deepstep.training",),
    ("deepstep.steps", "deepstep.application"),
    ("deepstep.estimators",),
    ("deepstep.cli", "deepstep.export", "deepstep.export_skl2onnx", "deepstep.gradient_check",
     "deepstep.__main__", "deepstep", "deepstep.diagnostics", "deepstep.report"),
]


def _layer(module: str) -> int:
    for i, names in enumerate(LAYERS):
        if any(module == n or module.startswith(n + ".") for n in names if n != "deepstep"):
            return i
    if module == "deepstep":
        return len(LAYERS) - 1
    raise AssertionError(f"{module} is in no layer of LAYERS (add it, and to the README)")


def test_each_layer_imports_only_the_layers_above_it():
    wrong = [f"{m} (layer {_layer(m)}) imports {i} (layer {_layer(i)})"
             for m in MODULES for i in _imports(m) if _layer(i) > _layer(m)]
    assert not wrong, "\n".join(wrong)
