"""Where a program's outputs were built and what they were built from, to explain a failure inside them.

Pulumi runs ``apply`` callbacks and its own combinators (``Output.concat``, ``Output.format``,
``Output.all``) later, in event-loop tasks: when one fails, the traceback holds Pulumi's frames and, for
``concat``, no frame of the program at all. While a program runs, :class:`OutputTracer` wraps
``Output.apply`` and ``Output.all`` (restored after the run, behaviour unchanged) to note the program's
line that built each output and the outputs it was built from. A failure is then traced back to the line
and to the resource attributes whose ``None`` reached it: under mocks, an attribute the mocks did not
answer resolves to ``None``, which a real deployment would have computed.
"""

from __future__ import annotations

import asyncio
import contextlib
import linecache
import os
import sys
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import CodeType, FrameType, TracebackType
from typing import Any

__all__ = ["ConstructionSites", "MissingAttribute", "OutputTracer", "Site", "runtime_dirs", "user_frame"]

# Local names under which Pulumi's combinators (``apply``'s ``run``, ``_map2_output``...) hold their inputs.
_INPUT_LOCALS = ("self", "o1", "o2", "o3", "output")
_MAX_DEPTH = 64


def runtime_dirs() -> tuple[str, ...]:
    """Folders whose frames are machinery, not the user's program: Pulumi, its provider SDKs, asyncio, this
    package."""
    folders = [Path(__file__).parent.parent, Path(asyncio.__file__).parent, Path(contextlib.__file__).parent]
    for name, module in list(sys.modules.items()):
        file = getattr(module, "__file__", None)
        if not file or "." in name:
            continue
        if name == "pulumi" or (
            name.startswith("pulumi_") and {"site-packages", "dist-packages"} & set(Path(file).parts)
        ):
            folders.append(Path(file).parent)
    return tuple(str(folder.resolve()) + os.sep for folder in folders)


@dataclass(frozen=True)
class Site:
    """One line of the user's program."""

    filename: str
    lineno: int
    function: str

    def __str__(self) -> str:
        source = linecache.getline(self.filename, self.lineno).strip()
        return f"{self.filename}:{self.lineno} in {self.function}" + (f": {source}" if source else "")


class _Machinery:
    """Tells machinery frames from the program's, caching the answer per file name."""

    def __init__(self) -> None:
        self._dirs = runtime_dirs()
        self._known: dict[str, bool] = {}

    def __call__(self, filename: str) -> bool:
        answer = self._known.get(filename)
        if answer is None:
            resolved = Path(filename).resolve()
            answer = (filename.startswith("<frozen ") or str(resolved).startswith(self._dirs)
                      or _installed_sdk(resolved))
            self._known[filename] = answer
        return answer


def _installed_sdk(path: Path) -> bool:
    """An installed Pulumi package (``pulumi``, ``pulumi_aws``...), also one imported after the run began (a
    program that imports its provider SDK itself): its frames are machinery, whenever it was loaded."""
    parts = path.parts
    for index, part in enumerate(parts[:-1]):
        if part in ("site-packages", "dist-packages"):
            package = parts[index + 1]
            return package == "pulumi" or package.startswith("pulumi_")
    return False


def user_frame(exc: BaseException) -> Site | None:
    """The innermost frame of ``exc``'s traceback outside Pulumi, asyncio and this package."""
    machinery = _Machinery()
    frames = list(_tb_frames(exc.__traceback__))
    for frame, lineno in reversed(frames):
        if not machinery(frame.f_code.co_filename):
            return Site(frame.f_code.co_filename, lineno, frame.f_code.co_name)
    return None


def _tb_frames(tb: TracebackType | None) -> Iterator[tuple[FrameType, int]]:
    while tb is not None:
        yield tb.tb_frame, tb.tb_lineno
        tb = tb.tb_next


@dataclass(frozen=True)
class MissingAttribute:
    """A resource attribute whose ``None`` reached the failing code."""

    token: str
    name: str
    attribute: str  # the wire (camelCase) name, as mocks answer it


@dataclass
class _Failure:
    site: Site | None
    sources: list[Any]


def _program_site(frame: FrameType | None, boundary: CodeType, machinery: Callable[[str], bool]) -> Site | None:
    """The first frame, from ``frame`` outwards, that is the program's own (not Pulumi's, not ours), stopping at
    ``boundary``: the run that called the program."""
    while frame is not None:
        if frame.f_code is boundary:
            return None
        if not machinery(frame.f_code.co_filename):
            return Site(frame.f_code.co_filename, frame.f_lineno, frame.f_code.co_name)
        frame = frame.f_back
    return None


class OutputTracer:
    """Notes, for each output the program builds, its building line and its inputs; explains failures."""

    def __init__(self, boundary: Callable[..., Any]) -> None:
        # Walking outward from a call, reaching ``boundary`` (the runner) means no program line is on the
        # stack: Pulumi itself built the output.
        self._boundary = boundary.__code__
        self._machinery = _Machinery()
        self._sites: dict[int, tuple[Any, Site]] = {}
        self._inputs: dict[int, tuple[Any, list[Any]]] = {}
        self._failures: dict[int, tuple[BaseException, _Failure]] = {}

    # ---- recording ------------------------------------------------------------------------------
    def _caller(self) -> Site | None:
        return _program_site(sys._getframe(1), self._boundary, self._machinery)

    def _note(self, output: Any, site: Site | None, inputs: list[Any]) -> None:
        if site is not None:
            self._sites[id(output)] = (output, site)
        self._inputs[id(output)] = (output, inputs)

    @contextlib.contextmanager
    def active(self) -> Iterator[OutputTracer]:
        """``Output.apply`` and ``Output.all`` traced for the duration of the block."""
        from pulumi import Output

        apply = Output.apply
        gather = Output.__dict__["all"]
        tracer = self

        def traced_apply(self: Any, func: Callable[[Any], Any], run_with_unknowns: bool = False) -> Any:
            site = tracer._caller()

            def call(value: Any) -> Any:
                try:
                    return func(value)
                except Exception as exc:
                    if id(exc) not in tracer._failures:
                        tracer._failures[id(exc)] = (exc, _Failure(site, [self]))
                    raise

            result = apply(self, call, run_with_unknowns)
            tracer._note(result, site, [self])
            return result

        def traced_all(*args: Any, **kwargs: Any) -> Any:
            result = gather.__func__(*args, **kwargs)
            tracer._note(result, tracer._caller(), [*args, *kwargs.values()])
            return result

        Output.apply = traced_apply  # type: ignore[method-assign]
        Output.all = staticmethod(traced_all)  # type: ignore[method-assign]
        try:
            yield self
        finally:
            Output.apply = apply  # type: ignore[method-assign]
            Output.all = gather  # type: ignore[method-assign]

    # ---- explaining -----------------------------------------------------------------------------
    def explain(self, exc: BaseException) -> tuple[Site | None, list[MissingAttribute]]:
        """The program's line that built the output ``exc`` came from, and the attributes whose ``None``
        reached it (empty when none did, or when the failure was not inside an output)."""
        recorded = self._failures.get(id(exc))
        failure = recorded[1] if recorded is not None and recorded[0] is exc else self._from_traceback(exc)
        if failure is None:
            return None, []
        found: list[MissingAttribute] = []
        seen: set[int] = set()
        for source in failure.sources:
            for attribute in self._origins(source, seen, 0):
                if attribute not in found:
                    found.append(attribute)
        return failure.site, found

    def _from_traceback(self, exc: BaseException) -> _Failure | None:
        """A failure in a combinator that takes no callback (``Output.format``): the innermost Pulumi frame
        holding outputs names its inputs, and the first of them with a known line names the line."""
        from pulumi import Output, output

        for frame, _ in reversed(list(_tb_frames(exc.__traceback__))):
            if frame.f_code.co_filename != output.__file__:
                continue
            sources = [v for k in _INPUT_LOCALS if isinstance(v := frame.f_locals.get(k), Output)]
            if sources:
                site = next((self._sites[id(s)][1] for s in sources if id(s) in self._sites), None)
                return _Failure(site, sources)
        return None

    def _origins(self, output: Any, seen: set[int], depth: int) -> list[MissingAttribute]:
        """The resource attributes whose ``None`` is part of ``output``'s value."""
        from pulumi import Output

        if not isinstance(output, Output) or id(output) in seen or depth > _MAX_DEPTH:
            return []
        seen.add(id(output))
        data = _resolved(output)
        if data is None or not _holds_none(data.value):
            return []
        own = _attribute_of(output, data.resources)
        if own is not None:
            return [own] if data.value is None else []
        recorded = self._inputs.get(id(output))
        if recorded is None or recorded[0] is not output:
            return []
        return [found for source in recorded[1] for found in self._origins(source, seen, depth + 1)]


class ConstructionSites:
    """The program's line that called each resource's constructor, noted while the constructor runs.

    Registration reaches the (mock) engine later, from an event-loop task whose stack holds no line of
    the program; the constructor itself runs in the program's own frame. ``Resource.__init__`` is wrapped
    for the duration of :meth:`active` (restored after, behaviour unchanged) and notes the innermost frame
    outside Pulumi, its SDKs, asyncio and this package, by resource type and name: the line a report
    points at. A component's children get the line inside the component that built them.
    """

    def __init__(self, boundary: Callable[..., Any]) -> None:
        self._boundary = boundary.__code__
        self._machinery = _Machinery()
        self.sites: dict[tuple[str, str], Site] = {}

    def _caller(self) -> Site | None:
        return _program_site(sys._getframe(2), self._boundary, self._machinery)

    @contextlib.contextmanager
    def active(self) -> Iterator[ConstructionSites]:
        from pulumi.resource import Resource

        init = Resource.__init__
        sites = self

        def noted_init(self: Any, t: str, name: str, *args: Any, **kwargs: Any) -> None:
            if isinstance(t, str) and isinstance(name, str) and (t, name) not in sites.sites:
                site = sites._caller()
                if site is not None:
                    sites.sites[(t, name)] = site
            init(self, t, name, *args, **kwargs)

        Resource.__init__ = noted_init  # type: ignore[method-assign]
        try:
            yield self
        finally:
            Resource.__init__ = init  # type: ignore[method-assign]


def _resolved(output: Any) -> Any:
    future = output._data
    if not future.done() or future.cancelled() or future.exception() is not None:
        return None
    return future.result()


def _holds_none(value: Any, depth: int = 0) -> bool:
    if value is None:
        return True
    if depth > 8:
        return False
    if isinstance(value, Mapping):
        return any(_holds_none(v, depth + 1) for v in value.values())
    if isinstance(value, (list, tuple)):
        return any(_holds_none(v, depth + 1) for v in value)
    return False


def _attribute_of(output: Any, resources: Any) -> MissingAttribute | None:
    """The resource attribute ``output`` is, when it is one (Pulumi keeps them in the resource's
    ``__dict__``)."""
    for resource in resources or ():
        for python_name, value in vars(resource).items():
            if value is output:
                getter = getattr(getattr(type(resource), python_name, None), "fget", None)
                wire = getattr(getter, "_pulumi_name", None) or _camel(python_name)
                token = getattr(resource, "_type", "?")
                return MissingAttribute(token, getattr(resource, "_name", "?"), wire)
    return None


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)
