"""The module map of docs/architecture.md, checked against the code's imports.

Each module imports only modules of lower layers (or, inside one package, modules
that do not import it back), at module level: no import of our own modules inside a
function, no importlib, no cycle.  Imports under ``if TYPE_CHECKING:`` are for type
hints only and never run, so they are not edges.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "micrograd"

# Lowest first, as docs/architecture.md draws them.
LAYERS: dict[str, int] = {
    "micrograd.traversal": 1,
    "micrograd.floats": 1,
    "micrograd.op": 1,
    "micrograd.files": 1,
    "micrograd.trace": 2,
    "micrograd.compat": 2,
    "micrograd.engine": 3,
    "micrograd.backprop": 4,
    "micrograd.tape": 4,
    "micrograd.nn": 5,
    "micrograd.losses": 5,
    "micrograd.optim": 5,
    "micrograd.datasets": 5,
    "micrograd.viz": 6,
    "micrograd.testing": 6,
    "micrograd.cli": 7,
    "micrograd.__main__": 8,
    "micrograd": 9,  # the package's __init__: the top, it may gather from every layer
}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def layer_of(module: str) -> int:
    name = module
    while name not in LAYERS:
        name = name.rpartition(".")[0]
    if name == "micrograd" and module != "micrograd":
        pytest.fail(f"{module} is on no layer: add it to LAYERS and to docs/architecture.md")
    return LAYERS[name]


def own_imports(tree: ast.Module, module: str) -> list[tuple[str, bool]]:
    """(imported micrograd module, at module level?) for each import of ours."""
    found = []
    type_only: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            type_only.update(id(n) for child in node.body for n in ast.walk(child))
    top = {id(node) for node in tree.body}
    top |= {id(n) for node in tree.body if isinstance(node, ast.If) for n in node.body}
    for node in ast.walk(tree):
        if id(node) in type_only:
            continue
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            base = node.module
            if node.level:  # relative: resolve against this module's package
                package = module.split(".")[: -node.level + (module.count(".") == 0)]
                base = ".".join([*package, node.module])
            names = [base] + [f"{base}.{alias.name}" for alias in node.names]
        else:
            continue
        for name in names:
            if name.startswith("micrograd") and name.split(".")[0] == "micrograd":
                found.append((name, id(node) in top))
    return found


def existing(name: str) -> str | None:
    """The module that ``name`` names, or None for an attribute (``micrograd.engine.Value``)."""
    parts = name.split(".")
    for end in range(len(parts), 0, -1):
        candidate = PACKAGE.parent.joinpath(*parts[:end])
        if candidate.with_suffix(".py").exists() or (candidate / "__init__.py").exists():
            return ".".join(parts[:end])
    return None


MODULES = {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


@pytest.mark.parametrize("module", sorted(MODULES))
def test_a_module_imports_only_lower_layers_at_module_level(module):
    tree = ast.parse(MODULES[module].read_text())
    for name, at_top in own_imports(tree, module):
        target = existing(name)
        if target is None or module == target or module.startswith(target + "."):
            continue  # Python enters a module's own packages first, whatever it imports
        # The package's __init__ is the top: everything is below it.  It puts off one import,
        # viz, until Jupyter first shows a Value, so `import micrograd` never loads graphviz.
        deferred_at_the_top = module == "micrograd" and target == "micrograd.viz"
        assert at_top or deferred_at_the_top, f"{module} imports {target} inside a function"
        if layer_of(target) == layer_of(module):
            continue  # inside one layer's package: the cycle test below covers it
        assert layer_of(target) < layer_of(module), f"{module} imports {target}, a higher layer"


@pytest.mark.parametrize("module", sorted(MODULES))
def test_no_module_uses_importlib_or_a_module_getattr(module):
    tree = ast.parse(MODULES[module].read_text())
    for node in ast.walk(tree):
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            if isinstance(node, ast.ImportFrom) and node.module == "importlib":
                names = [f"importlib.{a.name}" for a in node.names]
            else:
                names = [a.name for a in node.names] + [getattr(node, "module", None) or ""]
            # importlib.resources reads package data; the rest of importlib imports code.
            tricks = [n for n in names if n.startswith("importlib") and n != "importlib.resources"]
            assert not tricks, f"{module} imports {tricks}"
    top_functions = [n.name for n in tree.body if isinstance(n, ast.FunctionDef)]
    assert "__getattr__" not in top_functions, f"{module} resolves names lazily"


def test_the_imports_have_no_cycle():
    # Python enters a module's own packages first, so an import of one of them is no edge.
    edges = {
        module: {
            target
            for n, _ in own_imports(ast.parse(path.read_text()), module)
            if (target := existing(n)) and not (module + ".").startswith(target + ".")
        }
        for module, path in MODULES.items()
    }
    done: set[str] = set()
    for start in edges:
        path: list[str] = []
        stack = [(start, iter(sorted(e for e in edges.get(start, ()) if e)))]
        on_path = {start}
        path.append(start)
        while stack:
            node, children = stack[-1]
            child = next(children, None)
            if child is None:
                stack.pop()
                on_path.discard(path.pop())
                done.add(node)
                continue
            if child in on_path:
                cycle = [*path[path.index(child) :], child]
                pytest.fail("import cycle: " + " -> ".join(cycle))
            if child not in done:
                on_path.add(child)
                path.append(child)
                stack.append((child, iter(sorted(e for e in edges.get(child, ()) if e))))


def test_importing_the_engine_loads_nothing_above_it():
    code = (
        "import sys, micrograd.engine\n"
        "print(sorted(m for m in sys.modules if m.startswith(('micrograd', 'graphviz'))))"
    )
    loaded = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    for above in ("micrograd.viz", "graphviz", "micrograd.nn", "micrograd.cli"):
        assert f"'{above}" not in loaded, loaded


@pytest.mark.parametrize("module", sorted(m for m in MODULES if "__" not in MODULES[m].name))
def test_each_module_has_a_test_file_of_its_own(module):
    # Tests mirror the modules: micrograd/nn/mlp.py is tested in tests/test_nn_mlp.py.
    parts = module.split(".")[1:]
    tests = Path(__file__).resolve().parent
    assert (tests / f"test_{'_'.join(parts)}.py").exists(), f"no tests/test_{'_'.join(parts)}.py"
