"""The package's layering, checked on every module: who may import whom, and no import circle.

ARCHITECTURE.md explains the layers; this test is what holds the code to them. A module that does not
belong to a part, an import a part may not make, or a new circle between modules fails here, naming it.
Imports are read from the source, those inside functions and ``if TYPE_CHECKING`` included: an import
deferred for speed is still a dependency.
"""

from __future__ import annotations

import ast
import importlib
import importlib.util
import pkgutil
from pathlib import Path

import pytest

import pytest_iaccompliance

PACKAGE = "pytest_iaccompliance"

# Each part of the package by module prefix (the longest prefix wins).
PARTS = {
    "model": ("model",),
    "text": ("reporting.text",),
    "iam": ("iam",),
    "pulumi": ("pulumi",),
    "sources": ("sources",),
    "cdktf": ("cdktf",),
    "policies": ("policies", "hookspecs"),
    "assertions": ("assertions", "strategies"),
    "reports": ("reporting",),
    "runtime": ("secrets", "awsmock"),
    "preflight": ("preflight",),
    "adapters": ("adapters",),
    "waivers": ("waivers", "drift"),
    "face": ("",),
    "glue": ("plugin", "options", "collect", "collect_drift", "session", "terminal", "fixtures"),
}

# The parts each part may import besides itself. Only the pytest glue may import pytest, and no part
# imports the glue: the domain works in any runner, and the glue is where pytest meets it.
ALLOWED = {
    "model": set(),
    "text": {"model"},
    "iam": {"model", "text"},
    "pulumi": {"model", "iam"},
    "sources": {"model", "pulumi"},
    "cdktf": {"model", "sources"},
    "waivers": {"model", "text", "pulumi", "sources"},  # waivers recorded by Pulumi runs; drift loads stacks
    "policies": {"model", "iam", "text", "waivers"},
    "assertions": {"model", "iam", "policies", "text"},
    "reports": {"model", "text"},
    "runtime": {"cdktf"},  # secrets resolved at run time, and AWS on moto; cdktf_secret finds the library
    "preflight": {"model", "policies", "sources", "cdktf", "pulumi", "text"},  # checks at construction
    "adapters": {"model", "policies", "sources", "text"},  # other tools' policies as ours
    "face": {"model", "policies", "sources"},
    "glue": set(PARTS) - {"glue"},
}
PYTEST_MODULES = {"pytest", "_pytest", "xdist", "pluggy._hooks"}
# Heavy or optional libraries: imported where they are used, never when a module is imported...
DEFERRED = {"cdktf", "cdktn", "jsii", "pulumi", "pulumi_aws", "moto", "boto3", "checkov", "regopy", "regorus",
            "pulumi_policy",
            "hypothesis", "policy_sentry"}
# ...except by the modules that exist to use them, which nothing imports before that use.
USES_DEFERRED = {
    f"{PACKAGE}.pulumi.recording",  # the Pulumi mocks: loaded when a program runs
    f"{PACKAGE}.strategies",  # Hypothesis strategies: imported by a user's property test
}


def package_modules() -> dict[str, Path]:
    """Every module of the package by dotted name, packages included."""
    root = Path(pytest_iaccompliance.__file__).parent
    modules = {PACKAGE: root / "__init__.py"}
    for info in pkgutil.walk_packages([str(root)], prefix=f"{PACKAGE}."):
        relative = info.name.split(".")[1:]
        path = root.joinpath(*relative)
        modules[info.name] = path / "__init__.py" if info.ispkg else path.with_suffix(".py")
    return modules


MODULES = package_modules()


def part_of(module: str) -> str:
    relative = module[len(PACKAGE) + 1:] if module != PACKAGE else ""
    best, length = "", -1
    for part, prefixes in PARTS.items():
        for prefix in prefixes:
            if (relative == prefix or relative.startswith(prefix + ".") or prefix == "") and len(prefix) > length:
                best, length = part, len(prefix)
    return best


def imports_of(module: str) -> list[tuple[str, int, bool]]:
    """(imported module, line, at module level and not under TYPE_CHECKING) for every import statement."""
    path = MODULES[module]
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    is_package = path.name == "__init__.py"
    top_level = {id(node) for node in tree.body if isinstance(node, (ast.Import, ast.ImportFrom))}
    found: list[tuple[str, int, bool]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.extend((alias.name, node.lineno, id(node) in top_level) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = module.split(".") if is_package else module.split(".")[:-1]
                anchor = anchor[: len(anchor) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            for alias in node.names:
                # ``from package import submodule`` imports the submodule; anything else, the module named.
                target = f"{base}.{alias.name}" if f"{base}.{alias.name}" in MODULES else base
                found.append((target, node.lineno, id(node) in top_level))
    return found


def internal_edges(*, parents: bool = True) -> dict[str, dict[str, int]]:
    """Module -> the package modules it imports (with a line). Without ``parents``, an import of one of its
    own parent packages is left out: a submodule always imports those first, so for circles that edge
    says nothing of the design (a package's ``__init__`` may gather what its submodules share)."""
    edges: dict[str, dict[str, int]] = {}
    for module in MODULES:
        targets: dict[str, int] = {}
        for target, line, _ in imports_of(module):
            if target in MODULES and target != module and (parents or not module.startswith(target + ".")):
                targets.setdefault(target, line)
        edges[module] = targets
    return edges


def cycles(edges: dict[str, dict[str, int]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in edges[node]:
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
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

    for node in sorted(edges):
        if node not in index:
            visit(node)
    return found


# The library each module in USES_DEFERRED needs, from its extra.
NEEDS = {f"{PACKAGE}.pulumi.recording": "pulumi", f"{PACKAGE}.strategies": "hypothesis"}


@pytest.mark.parametrize("module", sorted(MODULES))
def test_every_module_imports_on_its_own(module: str) -> None:
    needed = NEEDS.get(module)
    if needed is not None and importlib.util.find_spec(needed) is None:
        # Without its extra, the module says which library it needs, and nothing else fails to import.
        with pytest.raises(ModuleNotFoundError, match=needed):
            importlib.import_module(module)
        return
    imported = importlib.import_module(module)
    assert imported.__name__ == module


def test_every_module_that_needs_an_extra_is_named() -> None:
    assert set(NEEDS) == USES_DEFERRED


def test_every_module_belongs_to_a_part() -> None:
    # The package face is only the package's own __init__: a new top-level module must choose its part.
    stray = [m for m in MODULES if m != PACKAGE and part_of(m) == "face"]
    assert not stray, f"modules in no part of tests/test_layering.py PARTS: {stray}"


def test_each_part_imports_only_the_parts_below_it() -> None:
    violations = []
    for module, targets in internal_edges().items():
        part = part_of(module)
        for target, line in targets.items():
            other = part_of(target)
            if other != part and other not in ALLOWED[part]:
                violations.append(f"{MODULES[module].name}:{line}: {module} ({part}) imports {target} ({other})")
    assert not violations, "imports against the layering:\n" + "\n".join(violations)


def test_only_the_glue_imports_pytest() -> None:
    violations = [
        f"{module}:{line} imports {target}"
        for module in MODULES
        if part_of(module) != "glue"
        for target, line, _ in imports_of(module)
        if target.split(".")[0] in {m.split(".")[0] for m in PYTEST_MODULES} and target != "pluggy"
    ]
    assert not violations, violations


def test_heavy_libraries_are_imported_where_they_are_used() -> None:
    violations = [
        f"{module}:{line} imports {target} at module level"
        for module in MODULES
        for target, line, top in imports_of(module)
        if top and target.split(".")[0] in DEFERRED and module not in USES_DEFERRED
    ]
    assert not violations, violations


def test_no_import_circle() -> None:
    found = cycles(internal_edges(parents=False))
    assert not found, "modules that import one another (directly or round a circle): " + "; ".join(
        " <-> ".join(component) for component in found
    )


def test_the_check_sees_a_circle_and_a_forbidden_import() -> None:
    """The checks themselves: a circle and an upward import, made up, are found."""
    assert cycles({"a": {"b": 1}, "b": {"c": 1}, "c": {"a": 1}, "d": {"a": 1}}) == [["a", "b", "c"]]
    assert part_of(f"{PACKAGE}.reporting.text") == "text"
    assert part_of(f"{PACKAGE}.reporting.sarif") == "reports"
    assert part_of(f"{PACKAGE}.policies.rules.s3") == "policies"
    assert "glue" not in ALLOWED["policies"]
    assert "assertions" not in ALLOWED["policies"]
