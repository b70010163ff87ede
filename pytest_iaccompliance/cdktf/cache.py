"""The synth cache: synthesized documents keyed on everything that determines them.

The key covers the stack's source (the module defining it and every project module it imports,
transitively, found by reading ``import`` statements rather than by importing), its constructor
arguments in a stable form, and the versions of cdktf/cdktn, jsii, constructs and every installed
distribution those modules import (prebuilt providers included). A hit therefore never needs the
library, and jsii is never started. Entries are written to a temporary file and renamed into place,
so concurrent writers (pytest-xdist workers) never leave a torn entry.

Source and arguments are not all a stack depends on: what its code read while it ran (environment
variables, files, folders; see ``reads``) is stored with each result, as digests, and a result is
used only while those digests still hold. One key therefore holds a few variants, one per set of
values read (``OPEN_SSH=1`` and unset, say), newest first.
"""

from __future__ import annotations

import ast
import dataclasses
import enum
import functools
import hashlib
import importlib.metadata
import json
import os
import sys
import sysconfig
import tempfile
from collections.abc import Iterable, Mapping
from pathlib import Path, PurePath
from typing import Any, Final

__all__ = [
    "CACHE_FORMAT",
    "CACHE_MODES",
    "MAX_VARIANTS",
    "SynthCache",
    "Uncacheable",
    "find_module_file",
    "project_sources",
    "stable_form",
]

CACHE_FORMAT: Final = 3  # 3: resources carry the Python line that created them
MAX_VARIANTS: Final = 8  # per key: enough for the settings a suite tries, bounded on disk
CACHE_MODES: Final = ("on", "off", "refresh")
_ALWAYS_VERSIONED = ("cdktf", "cdktn", "jsii", "constructs")


class Uncacheable(Exception):
    """The target cannot be keyed reliably (no source file, an argument without a stable form)."""


def stable_form(value: Any, where: str = "argument") -> Any:
    """A JSON-able form of ``value`` equal across processes exactly when the value is."""
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        return ["float", repr(value)]
    if isinstance(value, enum.Enum):
        return ["enum", _qualname(type(value)), stable_form(value.value, where)]
    if isinstance(value, PurePath):
        return ["path", str(value)]
    if isinstance(value, bytes):
        return ["bytes", value.hex()]
    if isinstance(value, tuple):
        return ["tuple", [stable_form(v, f"{where}[{i}]") for i, v in enumerate(value)]]
    if isinstance(value, list):
        return [stable_form(v, f"{where}[{i}]") for i, v in enumerate(value)]
    if isinstance(value, (set, frozenset)):
        items = [json.dumps(stable_form(v, f"{where} item"), sort_keys=True) for v in value]
        return ["set", sorted(items)]
    if isinstance(value, Mapping):
        pairs = [
            [stable_form(k, f"{where} key"), stable_form(v, f"{where}[{k!r}]")]
            for k, v in value.items()
        ]
        return ["map", sorted(pairs, key=lambda p: json.dumps(p[0], sort_keys=True))]
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        fields = {
            f.name: stable_form(getattr(value, f.name), f"{where}.{f.name}")
            for f in dataclasses.fields(value)
        }
        return ["dataclass", _qualname(type(value)), fields]
    if isinstance(value, type):
        return ["type", _qualname(value)]
    text = repr(value)
    if all("__repr__" not in vars(k) for k in type(value).__mro__[:-1]) or " at 0x" in text:
        raise Uncacheable(
            f"{where} of type {_qualname(type(value))} has no stable representation "
            "(give it a __repr__, or pass plain data)"
        )
    return ["repr", _qualname(type(value)), text]


def _qualname(cls: type) -> str:
    return f"{cls.__module__}.{cls.__qualname__}"


@functools.lru_cache(maxsize=1)
def _library_roots() -> tuple[str, ...]:
    """Folders holding the standard library and installed distributions: not the user's project."""
    roots: set[str] = set()
    for scheme_path in ("stdlib", "platstdlib", "purelib", "platlib"):
        value = sysconfig.get_paths().get(scheme_path)
        if value:
            roots.add(os.path.realpath(value))
    for prefix in {sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix}:
        roots.add(os.path.realpath(os.path.join(prefix, "lib")))
    return tuple(sorted(roots))


def is_project_file(path: Path) -> bool:
    real = os.path.realpath(path)
    if any(part in ("site-packages", "dist-packages") for part in Path(real).parts):
        return False
    return not any(real == root or real.startswith(root + os.sep) for root in _library_roots())


def find_module_file(name: str) -> Path | None:
    """The file a module would load from, found without importing it (imports run user code)."""
    module = sys.modules.get(name)
    if module is not None:
        file = getattr(module, "__file__", None)
        return Path(file) if file else None
    parts = name.split(".")
    for entry in sys.path:
        base = Path(entry or os.getcwd(), *parts)
        for candidate in (base.parent / f"{parts[-1]}.py", base / "__init__.py"):
            if candidate.is_file():
                return candidate
    return None


def _imports(tree: ast.AST, module: str, is_package: bool) -> Iterable[str]:
    package = module if is_package else module.rpartition(".")[0]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                anchor = package.split(".") if package else []
                anchor = anchor[: len(anchor) - (node.level - 1)] if node.level > 1 else anchor
                base = ".".join([*anchor, node.module] if node.module else anchor)
            else:
                base = node.module or ""
            if base:
                yield base
                # `from pkg import name` may name a submodule: key on it too when it is one.
                yield from (f"{base}.{alias.name}" for alias in node.names if alias.name != "*")


@functools.lru_cache(maxsize=1)
def _distributions() -> Mapping[str, list[str]]:
    return importlib.metadata.packages_distributions()


def _distribution_versions(top_levels: Iterable[str]) -> dict[str, str]:
    versions: dict[str, str] = {}
    for name in (*_ALWAYS_VERSIONED, *top_levels):
        for dist in _distributions().get(name, [name] if name in _ALWAYS_VERSIONED else []):
            try:
                versions[dist] = importlib.metadata.version(dist)
            except importlib.metadata.PackageNotFoundError:
                continue
    return dict(sorted(versions.items()))


def project_sources(module: str) -> tuple[dict[str, str], dict[str, str]]:
    """Digests of the project files behind ``module``, and versions of what it imports installed.

    Returns ``({file: sha256}, {distribution: version})``. Raises ``Uncacheable`` when the module's
    own file cannot be found (an interactive session, a zip import).
    """
    root_file = find_module_file(module)
    if root_file is None or not root_file.is_file():
        raise Uncacheable(f"module {module!r} has no source file to key the cache on")
    digests: dict[str, str] = {}
    third_party: set[str] = set()
    queue: list[tuple[str, Path]] = [(module, root_file)]
    seen: set[str] = set()
    while queue:
        name, file = queue.pop()
        key = os.path.realpath(file)
        if key in seen:
            continue
        seen.add(key)
        data = file.read_bytes()
        digests[key] = hashlib.sha256(data).hexdigest()
        # Parent packages' __init__ modules run on import too.
        parent = name.rpartition(".")[0]
        if (
            parent
            and (parent_file := find_module_file(parent)) is not None
            and is_project_file(parent_file)
        ):
            queue.append((parent, parent_file))
        if file.suffix != ".py":
            continue
        try:
            tree = ast.parse(data, filename=str(file))
        except SyntaxError:
            continue  # importing it will fail with Python's own message; the digest still keys it
        for imported in _imports(tree, name, file.name == "__init__.py"):
            found = find_module_file(imported)
            if found is None:
                continue
            if is_project_file(found):
                queue.append((imported, found))
            else:
                third_party.add(imported.split(".", 1)[0])
    return dict(sorted(digests.items())), _distribution_versions(sorted(third_party))


def digest_key(parts: Mapping[str, Any]) -> str:
    text = json.dumps(parts, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


class SynthCache:
    """Synthesized documents under a directory (pytest's cache folder in the plugin)."""

    def __init__(self, directory: str | os.PathLike[str] | None, mode: str = "on") -> None:
        if mode not in CACHE_MODES:
            raise ValueError(f"synth cache mode {mode!r}: expected one of {', '.join(CACHE_MODES)}")
        self.directory = Path(directory) if directory is not None else None
        self.mode = mode if directory is not None else "off"

    @property
    def reads(self) -> bool:
        return self.mode == "on"

    @property
    def writes(self) -> bool:
        return self.mode in ("on", "refresh")

    def _path(self, key: str) -> Path:
        assert self.directory is not None
        return self.directory / f"{key}.json"

    def load(self, key: str) -> list[dict[str, Any]]:
        """The variants stored for ``key``, newest first; a missing, unreadable or foreign entry has none."""
        if not self.reads:
            return []
        return self._variants(key)

    def _variants(self, key: str) -> list[dict[str, Any]]:
        try:
            entry = json.loads(self._path(key).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return []
        if (
            not isinstance(entry, dict)
            or entry.get("format") != CACHE_FORMAT
            or entry.get("key") != key
            or not isinstance(entry.get("variants"), list)
        ):
            return []
        return [
            v
            for v in entry["variants"]
            if isinstance(v, dict) and isinstance(v.get("stacks"), dict) and isinstance(v.get("reads"), dict)
        ]

    def store(self, key: str, variant: Mapping[str, Any]) -> Path | None:
        """Add ``variant`` (replacing one with the same ``reads``), written atomically: a temporary file
        in the same folder, then ``os.replace``. Concurrent writers may drop each other's variant (a
        later miss), never tear the file."""
        if not self.writes:
            return None
        assert self.directory is not None
        self.directory.mkdir(parents=True, exist_ok=True)
        # "refresh" rebuilds: variants synthesized before are not kept beside the new one.
        kept = [v for v in self._variants(key) if v.get("reads") != variant.get("reads")] if self.reads else []
        variants = [dict(variant), *kept][:MAX_VARIANTS]
        # Key order is kept: it is the synthesized order of stacks and resources.
        payload = json.dumps({"format": CACHE_FORMAT, "key": key, "variants": variants})
        fd, temporary = tempfile.mkstemp(prefix=f".{key[:16]}.", suffix=".tmp", dir=self.directory)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                handle.write(payload)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(temporary, self._path(key))
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
        return self._path(key)
