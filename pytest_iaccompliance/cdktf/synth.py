"""Synthesis through the real jsii runtime, behind the synth cache.

A target is a stack class (built as ``cls(app, *args, **kwargs)``), a builder function (called
as ``fn(app, *args, **kwargs)``), a stack instance, or a ``"module:attribute"`` string naming a
class or function. The string form lets a cache hit skip even importing the user's stack module,
and with it cdktf, jsii, node and the prebuilt providers.

A result is reused (from this process's memory or the cache folder) only while what synthesis
read still holds: ``reads`` records environment variables, files and folders as the code runs,
and a synthesis whose reads cannot be known (a subprocess, the whole environment, assets that
node copies) is not cached at all.
"""

from __future__ import annotations

import importlib
import inspect
import json
import os
import shutil
import tempfile
import traceback
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import FunctionType, MethodType
from typing import Any

from pytest_iaccompliance.cdktf.cache import (
    MAX_VARIANTS,
    SynthCache,
    Uncacheable,
    digest_key,
    find_module_file,
    is_project_file,
    project_sources,
    stable_form,
)
from pytest_iaccompliance.cdktf.errors import StackTargetError, SynthError
from pytest_iaccompliance.cdktf.library import CdkLibrary, library_of, select_library
from pytest_iaccompliance.cdktf.node import check_node, silence_node_banner
from pytest_iaccompliance.cdktf.origins import record_origins
from pytest_iaccompliance.cdktf.reads import (
    ReadLog,
    env_digest,
    install,
    module_reads,
    recording,
    unobserved_modules,
)
from pytest_iaccompliance.cdktf.stack import SynthesizedApp, SynthesizedStack, build_app

__all__ = ["SynthStats", "Synthesizer", "synthesize", "synthesize_app"]

_OUTDIR_PREFIX = "iaccompliance-synth-"
_TARGET_HELP = (
    "pass a TerraformStack subclass (with its constructor arguments), a function that adds "
    "stacks to the app it is given, a stack instance, or a 'module:Name' string naming one of these"
)
# Read by the library's JavaScript side (cdktf 0.21, cdktn 0.24; from node's environment, copied
# when jsii starts), not by Python code the recorder sees: part of every key.
_LIBRARY_VARIABLES = (
    "CDKTF_CONTEXT_JSON",
    "CDKTF_OUTDIR",
    "CDKTF_TARGET_STACK_ID",
    "CDKTF_CONTINUE_SYNTH_ON_ERROR_ANNOTATIONS",
    "CDKTN_DISABLE_CREATION_STACK",
    "SYNTH_HCL_OUTPUT",
    "TERRAFORM_BINARY_NAME",
)


@dataclass
class SynthStats:
    """What the cache did in this process: the plugin's summary line and the benchmark read it."""

    hits: int = 0
    misses: int = 0
    uncached: int = 0
    reasons: list[str] = field(default_factory=list)
    # Misses where a result existed but something it read had changed, named (never its value).
    stale: int = 0
    changed: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class _Target:
    kind: str  # "class", "function" or "instance"
    obj: Any
    label: str
    module: str | None


def _describe(obj: Any) -> str:
    name = getattr(obj, "__qualname__", None) or type(obj).__qualname__
    module = getattr(obj, "__module__", None) or type(obj).__module__
    return f"{module}.{name}" if module else str(name)


def _split_reference(reference: str) -> tuple[str, str]:
    module, sep, attribute = reference.partition(":")
    if not sep or not module or not attribute:
        raise StackTargetError(
            f"stack reference {reference!r} is not of the form 'package.module:StackClass'; "
            f"{_TARGET_HELP}"
        )
    return module, attribute


def _resolve(target: Any) -> _Target:
    """Classify a target without importing anything for strings (that happens on a miss only)."""
    if isinstance(target, str):
        module, _attribute = _split_reference(target)
        return _Target("reference", target, target, module)
    if isinstance(target, type):
        return _Target("class", target, _describe(target), target.__module__)
    if isinstance(target, (FunctionType, MethodType)) or (
        callable(target) and not _is_stack(target)
    ):
        return _Target("function", target, _describe(target), getattr(target, "__module__", None))
    if _is_stack(target):
        return _Target("instance", target, f"stack instance of {_describe(type(target))}", None)
    raise StackTargetError(
        f"cannot synthesize {type(target).__qualname__} object {target!r:.80}; {_TARGET_HELP}"
    )


def _is_stack(obj: Any) -> bool:
    return not isinstance(obj, type) and library_of(type(obj)) is not None


def _import_reference(reference: str) -> Any:
    module_name, attribute = _split_reference(reference)
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise StackTargetError(
            f"cannot import {module_name!r} for stack reference {reference!r}: {exc}"
        ) from None
    obj: Any = module
    for part in attribute.split("."):
        try:
            obj = getattr(obj, part)
        except AttributeError:
            raise StackTargetError(
                f"module {module_name!r} has no {attribute!r} (stack reference {reference!r})"
            ) from None
    if isinstance(obj, str):
        raise StackTargetError(
            f"stack reference {reference!r} names a string, not a stack class or function"
        )
    return obj


def _default_args(cls: type, args: tuple[Any, ...], kwargs: Mapping[str, Any]) -> tuple[Any, ...]:
    """``cls(app)`` lacks the stack id of a stack class called as ``VpcStack(app, id)``: use the class name."""
    if args:
        return args
    try:
        parameters = list(inspect.signature(cls).parameters.values())
    except (TypeError, ValueError):
        return (cls.__name__,)
    if len(parameters) >= 2 and parameters[1].name in kwargs:
        return args
    return (cls.__name__,)


def _user_frame(exc: BaseException) -> str:
    """``file:line`` of the innermost frame in the user's project, to point at the faulty line."""
    for frame in reversed(traceback.extract_tb(exc.__traceback__)):
        if (
            frame.filename
            and os.path.exists(frame.filename)
            and is_project_file(Path(frame.filename))
            and f"{os.sep}pytest_iaccompliance{os.sep}" not in frame.filename
        ):
            return f" at {frame.filename}:{frame.lineno}"
    return ""


def _short(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0] if text else ''}".rstrip(": ")


class Synthesizer:
    """Synthesizes targets, reading and filling a ``SynthCache``; one per test session."""

    def __init__(self, cache: SynthCache | None = None, library: str | None = None,
                 announce: Callable[[str], None] | None = None) -> None:
        self.cache = cache or SynthCache(None, "off")
        self.library = library
        # Told the target's label before each synthesis the cache cannot answer (progress on a terminal).
        self.announce = announce
        self.stats = SynthStats()
        self._memo: dict[str, list[tuple[ReadLog, SynthesizedApp]]] = {}
        install()

    # -- public API ---------------------------------------------------------------------------
    def stack(
        self, target: Any, *args: Any, stack: str | None = None, **kwargs: Any
    ) -> SynthesizedStack:
        """The one stack a target builds (or the one named ``stack``)."""
        app = self.app(target, *args, **kwargs)
        if stack is not None:
            try:
                return app.stack(stack)
            except KeyError as exc:
                raise SynthError(f"{_label(target)}: {exc.args[0]}") from None
        if app.primary is not None:
            return app.stack(app.primary)
        names = ", ".join(repr(n) for n in app.stacks)
        if not app.stacks:
            raise SynthError(f"{_label(target)} added no stack to the app")
        raise SynthError(
            f"{_label(target)} built several stacks ({names}): pass stack='name' for one, or use "
            "cdktf_synth.app(...) for all of them"
        )

    __call__ = stack

    def app(self, target: Any, *args: Any, **kwargs: Any) -> SynthesizedApp:
        """Every stack a target builds, synthesized together (cross-stack references resolve)."""
        resolved = _resolve(target)
        key, reason, modules = self._key(resolved, args, kwargs)
        changed: str | None = None
        if key is not None:
            found, changed = self._lookup(key, resolved)
            if found is not None:
                self.stats.hits += 1
                return found
        if self.announce is not None:
            self.announce(resolved.label)
        with recording() as log:
            documents, primary, library, node_reads = self._synthesize(resolved, args, kwargs)
        log.merge(module_reads([*modules, *log.module_files()]))
        if node_reads:
            log.give_up(node_reads)
        if key is not None and log.unknown:
            key, reason = None, "; ".join(log.unknown)
        entry = {
            "target": resolved.label,
            "primary": primary,
            "library": library.name,
            "library_version": library.version,
            "stacks": documents,
        }
        if key is None:
            self.stats.uncached += 1
            if reason:
                self.stats.reasons.append(f"{resolved.label}: {reason}")
        else:
            self.stats.misses += 1
            if changed:
                self.stats.stale += 1
                self.stats.changed.append(f"{resolved.label}: {changed} changed")
            self.cache.store(key, {**entry, "reads": log.to_json()})
        result = self._from_entry(entry, resolved)
        if key is not None:
            variants = [v for v in self._memo.get(key, []) if v[0].to_json() != log.to_json()]
            self._memo[key] = [(log, result), *variants][:MAX_VARIANTS]
        return result

    def _lookup(self, key: str, target: _Target) -> tuple[SynthesizedApp | None, str | None]:
        """A result whose recorded reads still hold, from memory first; else what changed, if any."""
        changed: str | None = None
        if self.cache.mode != "off":
            for reads, result in self._memo.get(key, []):
                changed = reads.stale()
                if changed is None:
                    return result, None
        for variant in self.cache.load(key):
            stored = ReadLog.from_json(variant["reads"])
            if stored is None:
                continue
            changed = stored.stale()
            if changed is None:
                result = self._from_entry(variant, target)
                self._memo.setdefault(key, []).insert(0, (stored, result))
                return result, None
        return None, changed

    # -- cache key ----------------------------------------------------------------------------
    def _key(
        self, target: _Target, args: tuple[Any, ...], kwargs: Mapping[str, Any]
    ) -> tuple[str | None, str | None, list[str]]:
        """The key, or why there is none; and the project modules it covers (their imports' reads count)."""
        if target.kind == "instance":
            return (
                None,
                "a stack instance is already built; pass its class and arguments to cache it",
                [],
            )
        try:
            if target.module is None or target.module == "__main__":
                raise Uncacheable("defined outside an importable module")
            sources, versions = project_sources(target.module)
            early = unobserved_modules(list(sources))
            if early:
                raise Uncacheable(
                    f"{early[0]} was imported before pytest_iaccompliance.cdktf, so what it read on import is "
                    "unknown (import pytest_iaccompliance.cdktf first, or name the stack as 'module:Class')"
                )
            parts: dict[str, Any] = {
                "target": target.label.replace(":", ".")
                if target.kind == "reference"
                else _describe(target.obj),
                "args": stable_form(list(args), "positional argument"),
                "kwargs": stable_form(dict(kwargs), "keyword argument"),
                "sources": sources,
                "versions": versions,
                "library": self.library,
                "library_env": {name: env_digest(name, os.environ.get(name)) for name in _LIBRARY_VARIABLES},
            }
            if target.kind == "function":
                parts["function"] = _function_form(target.obj)
        except Uncacheable as exc:
            return None, str(exc), []
        return digest_key(parts), None, list(sources)

    # -- synthesis ----------------------------------------------------------------------------
    def _library(self, cls: type | None) -> CdkLibrary:
        found = library_of(cls) if cls is not None else None
        return found or select_library(self.library)

    def _synthesize(
        self, target: _Target, args: tuple[Any, ...], kwargs: Mapping[str, Any]
    ) -> tuple[dict[str, Any], str | None, CdkLibrary, str | None]:
        """Documents, primary stack, library, and why node's own reads are unknown (None if it read nothing)."""
        obj = target.obj
        kind = target.kind
        if kind == "reference":
            silence_node_banner()
            check_node()
            obj = _import_reference(obj)
            kind = "class" if isinstance(obj, type) else "function" if callable(obj) else "invalid"
            if kind == "invalid":
                raise StackTargetError(
                    f"{target.label} is a {type(obj).__qualname__}, not a stack class or function"
                )
        if kind == "instance":
            return (*self._synthesize_instance(obj), None)
        if kind == "class" and library_of(obj) is None:
            raise StackTargetError(
                f"{_describe(obj)} is not a TerraformStack subclass (cdktf.TerraformStack or "
                f"cdktn.TerraformStack); {_TARGET_HELP}"
            )
        library = self._library(obj if kind == "class" else None)
        silence_node_banner()
        check_node()
        module = library.module()
        outdir = tempfile.mkdtemp(prefix=_OUTDIR_PREFIX)
        try:
            record_origins()  # each resource's Python line, into its `//` metadata
            app = module.App(outdir=outdir, stack_traces=False)
            primary = self._build(module, app, kind, obj, args, kwargs)
            try:
                app.synth()
            except Exception as exc:
                raise SynthError(f"synthesis of {_describe(obj)} failed: {_short(exc)}") from exc
            return _read_outdir(Path(outdir), _describe(obj)), primary, library, _node_reads(Path(outdir))
        finally:
            shutil.rmtree(outdir, ignore_errors=True)

    def _build(
        self,
        module: Any,
        app: Any,
        kind: str,
        obj: Any,
        args: tuple[Any, ...],
        kwargs: Mapping[str, Any],
    ) -> str | None:
        if kind == "class":
            call_args = _default_args(obj, args, kwargs)
            stack_id = call_args[0] if call_args and isinstance(call_args[0], str) else None
            shown = (
                f"{obj.__qualname__}(app, {stack_id!r}, ...)"
                if stack_id
                else f"{obj.__qualname__}(app, ...)"
            )
            try:
                built = obj(app, *call_args, **kwargs)
            except Exception as exc:
                raise SynthError(
                    f"stack class {_describe(obj)} raised {_short(exc)}{_user_frame(exc)} "
                    f"while being constructed as {shown}"
                ) from exc
            return str(built.node.id)
        try:
            returned = obj(app, *args, **kwargs)
        except Exception as exc:
            raise SynthError(
                f"stack builder {_describe(obj)} raised {_short(exc)}{_user_frame(exc)}"
            ) from exc
        if returned is not None and module.TerraformStack.is_stack(returned):
            return str(returned.node.id)
        stacks = [c for c in app.node.children if module.TerraformStack.is_stack(c)]
        return str(stacks[0].node.id) if len(stacks) == 1 else None

    def _synthesize_instance(self, stack: Any) -> tuple[dict[str, Any], str | None, CdkLibrary]:
        library = library_of(type(stack))
        assert library is not None
        module = library.module()
        root = stack.node.root
        if not module.App.is_app(root):
            raise StackTargetError(
                f"stack {stack.node.id!r} ({_describe(type(stack))}) is not inside an App"
            )
        name = str(stack.node.id)
        try:
            outdir = module.Testing.full_synth(stack)
        except Exception as exc:
            raise SynthError(
                f"synthesis of stack {name!r} ({_describe(type(stack))}) failed: {_short(exc)}"
            ) from exc
        try:
            documents = _read_outdir(Path(outdir), name)
        finally:
            shutil.rmtree(outdir, ignore_errors=True)
            remove_testing_outdir(root)
        return {name: documents[name]}, name, library

    def _from_entry(self, entry: Mapping[str, Any], target: _Target) -> SynthesizedApp:
        origin = None
        if target.module:
            file = find_module_file(target.module)
            origin = os.path.abspath(file) if file else None
        extra = {
            "library": entry.get("library"),
            "library_version": entry.get("library_version"),
            "target": entry.get("target"),
        }
        stacks = entry["stacks"]
        if not isinstance(stacks, Mapping):
            raise SynthError(f"cached synthesis of {target.label} holds no stacks")
        return build_app(stacks, primary=entry.get("primary"), origin=origin, extra=extra)


def _label(target: Any) -> str:
    return target if isinstance(target, str) else _describe(target)


def _function_form(fn: Any) -> Any:
    """What a builder brings besides its module's source: defaults and captured variables."""
    code = getattr(fn, "__code__", None)
    closure = getattr(fn, "__closure__", None) or ()
    cells = []
    for index, cell in enumerate(closure):
        try:
            contents = cell.cell_contents
        except ValueError:
            contents = None
        cells.append(stable_form(contents, f"captured variable {index} of {_describe(fn)}"))
    return {
        "line": code.co_firstlineno if code else None,
        "defaults": stable_form(list(getattr(fn, "__defaults__", None) or ()), "default argument"),
        "kwdefaults": stable_form(
            dict(getattr(fn, "__kwdefaults__", None) or {}), "default argument"
        ),
        "closure": cells,
        "self": stable_form(fn.__self__, "bound instance") if isinstance(fn, MethodType) else None,
    }


def _node_reads(outdir: Path) -> str | None:
    """Assets (``TerraformAsset``) are files node reads and copies: Python never sees those reads."""
    assets = sorted(outdir.glob("stacks/*/assets"))
    if assets:
        return f"stack {assets[0].parent.name!r} has assets, files node reads that cannot be recorded"
    return None


def _read_outdir(outdir: Path, label: str) -> dict[str, Any]:
    try:
        manifest = json.loads((outdir / "manifest.json").read_text(encoding="utf-8"))
        documents: dict[str, Any] = {}
        for name, info in (manifest.get("stacks") or {}).items():
            path = outdir / info.get("synthesizedStackPath", f"stacks/{name}/cdk.tf.json")
            documents[name] = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise SynthError(f"synthesis of {label} wrote no readable cdk.tf.json: {exc}") from exc
    return documents


def remove_testing_outdir(app: Any) -> None:
    """``Testing.app()`` makes a ``cdktf.outdir.*`` folder in the temp dir and never removes it."""
    try:
        outdir = Path(str(app.outdir))
    except Exception:
        return
    temp = Path(tempfile.gettempdir()).resolve()
    if outdir.name.startswith("cdktf.outdir.") and outdir.resolve().parent == temp:
        shutil.rmtree(outdir, ignore_errors=True)


def synthesize(
    target: Any,
    *args: Any,
    stack: str | None = None,
    cache: SynthCache | None = None,
    library: str | None = None,
    **kwargs: Any,
) -> SynthesizedStack:
    """One-off synthesis of one stack, outside pytest."""
    return Synthesizer(cache, library).stack(target, *args, stack=stack, **kwargs)


def synthesize_app(
    target: Any,
    *args: Any,
    cache: SynthCache | None = None,
    library: str | None = None,
    **kwargs: Any,
) -> SynthesizedApp:
    """One-off synthesis of every stack a target builds, outside pytest."""
    return Synthesizer(cache, library).app(target, *args, **kwargs)
