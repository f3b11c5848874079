"""The dependency rule and the public surface, checked on the source itself."""

from __future__ import annotations

import ast
import inspect
import sys
from pathlib import Path

import imagecore

SRC = Path(__file__).parents[1] / "src"


def imports_of(folder: str) -> dict[str, set[str]]:
    """For each module in ``src/<folder>``, the names of everything it imports, in full."""
    found: dict[str, set[str]] = {}
    for path in (SRC / folder).rglob("*.py"):
        names: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                names |= {alias.name for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names.add(node.module)
        found[str(path.relative_to(SRC))] = names
    return found


def test_the_core_imports_only_the_standard_library_and_attrs() -> None:
    """The core stays framework-free: stdlib, attrs and itself (its contract suites need pytest)."""
    allowed = set(sys.stdlib_module_names) | {"attrs", "imagecore", "__future__"}
    for module, names in imports_of("imagecore").items():
        if module.startswith("imagecore/testing/"):
            continue
        roots = {name.partition(".")[0] for name in names}
        assert roots <= allowed, f"{module} imports {roots - allowed}"
        outward = {n for n in names if n.startswith(("imagecore.adapters", "imagecore.app"))}
        assert not outward, f"{module} imports {outward}"


def test_adapters_never_import_the_composition_root() -> None:
    """Only the composition root knows every adapter; adapters do not know it."""
    for module, names in imports_of("adapters").items():
        assert not any(name.startswith("imagecore.app") for name in names), module


def test_the_public_surface_is_complete() -> None:
    """Every public class, function and constant of imagecore's modules is exported in __all__."""
    public = set()
    for module_name in ("errors", "model", "ports", "service"):
        module = sys.modules[f"imagecore.{module_name}"]
        for name, value in vars(module).items():
            defined_here = getattr(value, "__module__", module.__name__) == module.__name__
            if name.startswith("_") or not defined_here or inspect.ismodule(value):
                continue
            if name in ("annotations", "log"):
                continue
            public.add(name)
    assert public <= set(imagecore.__all__), public - set(imagecore.__all__)
    assert all(hasattr(imagecore, name) for name in imagecore.__all__)
