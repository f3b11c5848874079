"""The dependency rule and the public surface, checked on the source itself."""

from __future__ import annotations

import ast
import inspect
import re
import sys
import tomllib
import typing
from collections.abc import Iterator
from pathlib import Path

import imagecore
from imagecore import ports
from imagecore.service import ImageSlots

ROOT = Path(__file__).parents[1]
SRC = ROOT / "src"


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


def test_every_name_in_all_exists() -> None:
    """imagecore.__all__ names only what imagecore has, each once."""
    missing = [name for name in imagecore.__all__ if not hasattr(imagecore, name)]
    assert missing == []
    assert len(set(imagecore.__all__)) == len(imagecore.__all__)


def core_types_in(annotation: object) -> Iterator[type]:
    """The core's own classes in a resolved annotation, however deeply nested."""
    if isinstance(annotation, list):  # the parameters of a Callable
        for item in annotation:
            yield from core_types_in(item)
        return
    module = getattr(annotation, "__module__", "")
    if isinstance(annotation, type) and module.partition(".")[0] == "imagecore":
        yield annotation
    for argument in typing.get_args(annotation):
        yield from core_types_in(argument)


def public_signatures(cls: type) -> Iterator[tuple[str, object]]:
    """(where, annotation) for each public field of ``cls`` and each parameter and return type of
    its public methods."""
    for name, hint in typing.get_type_hints(cls).items():
        if not name.startswith("_"):
            yield f"{cls.__name__}.{name}", hint
    for name, method in vars(cls).items():
        if inspect.isfunction(method) and (not name.startswith("_") or name == "__call__"):
            for parameter, hint in typing.get_type_hints(method).items():
                yield f"{cls.__name__}.{name}({parameter})", hint


def test_every_core_type_in_a_port_or_service_signature_is_exported() -> None:
    """What the ports and ImageSlots take and give can be named from imagecore itself, so an
    embedder or an adapter's author never needs a private module to write a signature."""
    protocols = [
        value
        for value in vars(ports).values()
        if inspect.isclass(value)
        and value.__module__ == ports.__name__
        and getattr(value, "_is_protocol", False)
    ]
    assert protocols, "no ports found"
    exported = {id(getattr(imagecore, name)) for name in imagecore.__all__}
    unexported = {
        f"{core_type.__module__}.{core_type.__qualname__} (in {where})"
        for cls in [*protocols, ImageSlots]
        for where, hint in public_signatures(cls)
        for core_type in core_types_in(hint)
        if id(core_type) not in exported
    }
    assert unexported == set(), "not in imagecore.__all__: " + ", ".join(sorted(unexported))


#: ``from imagecore import ...``, on one line or in parentheses, in code or in prose.
_FROM_IMAGECORE = re.compile(r"\bfrom\s+imagecore\s+import\s+(\([^)]*\)|[A-Za-z_][\w ,]*)")


def names_imported_from_imagecore(path: Path) -> set[str]:
    """The names ``path`` imports from the top-level ``imagecore`` (read now: others edit it)."""
    text = path.read_text()
    if path.suffix == ".py":
        nodes = [
            node
            for node in ast.walk(ast.parse(text))
            if isinstance(node, ast.ImportFrom) and node.module == "imagecore" and not node.level
        ]
    else:
        nodes = [
            node
            for match in _FROM_IMAGECORE.finditer(text)
            for node in ast.parse("from imagecore import " + match.group(1).rstrip(", ")).body
            if isinstance(node, ast.ImportFrom)
        ]
    return {alias.name for node in nodes for alias in node.names}


def test_what_the_examples_and_the_embedding_guide_import_from_imagecore_is_exported() -> None:
    """Every name examples/ and docs/embedding.md import from imagecore is in its __all__."""
    sources = [*sorted((ROOT / "examples").rglob("*.py")), ROOT / "docs" / "embedding.md"]
    imported = {path.relative_to(ROOT): names_imported_from_imagecore(path) for path in sources}
    assert set().union(*imported.values()), "no import from imagecore found: is the parser right?"
    unexported = sorted(
        f"{name} (in {path})"
        for path, names in imported.items()
        for name in names - set(imagecore.__all__)
    )
    assert unexported == [], "not in imagecore.__all__: " + ", ".join(unexported)


def test_imports_in_a_guide_are_found_in_either_form(tmp_path: Path) -> None:
    """The guide's parser sees one-line and parenthesised imports, in code blocks and prose."""
    guide = tmp_path / "guide.md"
    guide.write_text(
        "Use `from imagecore import Slot` for names.\n\n```python\n"
        "from imagecore import ImageSlots, ImageLimits as Limits  # the service\n"
        "from imagecore import (\n    Box,\n    SlotPolicy,  # a slot's folder and box\n)\n"
        "from imagecore.errors import SlotEmpty\n```\n"
    )
    found = names_imported_from_imagecore(guide)
    assert found == {"Slot", "ImageSlots", "ImageLimits", "Box", "SlotPolicy"}


def test_every_core_module_has_its_place_in_the_import_contracts() -> None:
    """A new core module is placed in the layers and named framework-free, or import-linter
    would never look at it."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]
    contracts = {contract["name"]: contract for contract in config["contracts"]}
    layered = {
        name.strip()
        for layer in contracts["The composition root sits on the adapters, which sit on the core"][
            "layers"
        ]
        for name in re.split(r"[|:]", layer)
    }
    free = set(contracts["The core is framework-free"]["source_modules"])
    core = {path.stem for path in (SRC / "imagecore").glob("*.py") if path.stem != "__init__"}
    assert core <= layered, sorted(core - layered)
    assert {f"imagecore.{name}" for name in core} <= free
