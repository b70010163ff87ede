"""Run a Pulumi program under recording mocks and hand back every resource it declared.

The program runs in the real Pulumi runtime installed by ``pulumi.runtime.set_mocks``. The runner waits for
every registration (so every input is resolved), then reads what the monitor received. Pulumi keeps its
state in context variables and module globals (root stack, config, pending outputs, the event loop); each
run starts from a clean slate and leaves one behind, so runs in one process never leak into each other.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import runpy
import sys
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType, ModuleType
from typing import TYPE_CHECKING, Any

from pytest_iaccompliance.model import (
    IN_CODE_WAIVERS,
    PROVIDER,
    UNKNOWN,
    Resource,
    ResourceSet,
    SourceLocation,
    config_entry,
)
from pytest_iaccompliance.pulumi.decode import decode_struct
from pytest_iaccompliance.pulumi.mapping import rename_path, terraform_properties, terraform_type

if TYPE_CHECKING:
    from pytest_iaccompliance.pulumi.provenance import OutputTracer, Site
    from pytest_iaccompliance.pulumi.recording import RecordingMocks, Registration

__all__ = [
    "Program",
    "PulumiProgramError",
    "PulumiResources",
    "normalized_resource",
    "reset_runtime",
    "run_program",
]

KIND = "pulumi"
STACK_TYPE = "pulumi:pulumi:Stack"
PROVIDER_PREFIX = "pulumi:providers:"
# Waivers the program's transformations recorded (``waivers.pulumi_waiver``), by (type token, name); one
# run at a time, as the Pulumi runtime itself, so each run starts empty and takes what it registered.
RECORDED_WAIVERS: dict[tuple[str, str], dict[str, Any]] = {}

Program = Callable[[], Any] | str | os.PathLike[str] | ModuleType


class PulumiProgramError(RuntimeError):
    """The program could not run under mocks; the message names the program, the user's line and the error.

    The original exception stays on ``original``; it is not chained, because its traceback runs through
    Pulumi's asyncio internals and would bury the one line that matters.
    """

    original: BaseException | None = None


def _never_retrieved(sink: list[BaseException]) -> Callable[[asyncio.AbstractEventLoop, dict[str, Any]], None]:
    """An exception handler that keeps exceptions nobody awaited (an ``apply`` whose result no resource
    used) instead of printing them when the future is collected."""

    def handle(loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
        exception = context.get("exception")
        if "never retrieved" in str(context.get("message", "")) and isinstance(exception, BaseException):
            sink.append(exception)
        else:
            loop.default_exception_handler(context)

    return handle


class PulumiResources(ResourceSet):
    """Every resource a program declared, plus its stack outputs and the invokes it made."""

    def __init__(
        self,
        resources: Sequence[Resource],
        *,
        name: str,
        metadata: Mapping[str, Any],
        outputs: Mapping[str, Any],
        secret_outputs: frozenset[str],
        invokes: Sequence[tuple[str, Mapping[str, Any]]],
        configuration: Sequence[Resource] = (),
        registrations: Sequence[Registration] = (),
    ) -> None:
        super().__init__(resources, name=name, metadata=metadata, configuration=configuration)
        self.outputs: Mapping[str, Any] = MappingProxyType(dict(outputs))
        self.secret_outputs = secret_outputs
        self.invokes = tuple(invokes)
        # What the engine received, in Pulumi's own names and wire encoding (for CrossGuard packs).
        self.registrations: tuple[Registration, ...] = tuple(registrations)

    def children(self, parent: Resource | str) -> list[Resource]:
        """Resources whose parent is ``parent`` (a resource or a URN)."""
        urn = parent.address if isinstance(parent, Resource) else parent
        return [r for r in self if r.parent == urn]

    def by_name(self, name: str) -> list[Resource]:
        """Resources with this logical name (several types may share one)."""
        return [r for r in self if r.name == name]


@dataclass(frozen=True)
class _Project:
    name: str
    main: Path
    folder: Path
    config: dict[str, Any]


def _describe(program: Program) -> str:
    if isinstance(program, ModuleType):
        return f"module {program.__name__}"
    if isinstance(program, (str, os.PathLike)):
        return str(program)
    return getattr(program, "__qualname__", repr(program))


def _read_project(folder: Path, stack: str) -> _Project:
    import yaml  # type: ignore[import-untyped,unused-ignore]

    project_file = next(
        (folder / n for n in ("Pulumi.yaml", "Pulumi.yml") if (folder / n).is_file()), None
    )
    if project_file is None:
        raise PulumiProgramError(f"{folder}: no Pulumi.yaml in this folder")
    try:
        document = yaml.safe_load(project_file.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise PulumiProgramError(f"{project_file}: cannot read the project file: {exc}") from None
    if not isinstance(document, Mapping) or not isinstance(document.get("name"), str):
        raise PulumiProgramError(
            f"{project_file}: expected a mapping with a `name` (the project name)"
        )
    runtime = document.get("runtime")
    runtime_name = runtime.get("name") if isinstance(runtime, Mapping) else runtime
    if runtime_name not in (None, "python"):
        raise PulumiProgramError(
            f"{project_file}: runtime is {runtime_name!r}, only python programs can run"
        )
    main = folder / str(document.get("main") or ".")
    if main.is_dir():
        main = main / "__main__.py"
    if not main.is_file():
        raise PulumiProgramError(f"{project_file}: program file {main} does not exist")
    config: dict[str, Any] = {}
    stack_file = folder / f"Pulumi.{stack}.yaml"
    if stack_file.is_file():
        try:
            stack_doc = yaml.safe_load(stack_file.read_text(encoding="utf-8")) or {}
        except (OSError, yaml.YAMLError) as exc:
            raise PulumiProgramError(f"{stack_file}: cannot read the stack file: {exc}") from None
        for key, value in (
            (stack_doc.get("config") or {}).items() if isinstance(stack_doc, Mapping) else ()
        ):
            # Encrypted values cannot be read without the stack's secrets provider: the test
            # supplies them.
            if not (isinstance(value, Mapping) and "secure" in value):
                config[str(key)] = value
    return _Project(document["name"], main, folder, config)


def _config_key(key: str, project: str) -> str:
    return key if ":" in key else f"{project}:{key}"


def _config_text(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value)


@contextlib.contextmanager
def _project_context(project: _Project) -> Iterator[None]:
    """The program's folder as cwd and first import path; modules it imported are forgotten after.
    """
    before = set(sys.modules)
    cwd = os.getcwd()
    sys.path.insert(0, str(project.folder))
    os.chdir(project.folder)
    try:
        yield
    finally:
        os.chdir(cwd)
        with contextlib.suppress(ValueError):
            sys.path.remove(str(project.folder))
        folder = str(project.folder.resolve())
        for name in set(sys.modules) - before:
            file = getattr(sys.modules[name], "__file__", None) or ""
            if file and os.path.abspath(file).startswith(folder):
                del sys.modules[name]


def reset_runtime() -> None:
    """Put Pulumi's global runtime state back to what a fresh process has."""
    from pulumi.runtime import config as pulumi_config
    from pulumi.runtime import settings

    settings.ROOT.set(None)
    pulumi_config.set_all_config({}, [])
    settings.configure(
        settings.Settings(
            project="project", stack="stack", root_directory=None, organization="organization"
        )
    )
    settings.SETTINGS.outputs = set()


@contextlib.contextmanager
def _own_event_loop(unretrieved: list[BaseException]) -> Iterator[asyncio.AbstractEventLoop]:
    """A fresh event loop for one run; the thread's previous loop (or lack of one) is restored after."""
    local = getattr(asyncio.get_event_loop_policy(), "_local", None)
    previous = getattr(local, "_loop", None)
    set_called = getattr(local, "_set_called", None)
    loop = asyncio.new_event_loop()
    loop.set_exception_handler(_never_retrieved(unretrieved))
    asyncio.set_event_loop(loop)
    try:
        yield loop
    finally:
        _close(loop)
        asyncio.set_event_loop(
            previous if isinstance(previous, asyncio.AbstractEventLoop) else None
        )
        if set_called is not None and local is not None:
            local._set_called = set_called


def run_program(
    program: Program,
    *,
    mocks: RecordingMocks | None = None,
    config: Mapping[str, Any] | None = None,
    secrets: Mapping[str, Any] | None = None,
    project: str | None = None,
    stack: str = "test",
    preview: bool = False,
) -> PulumiResources:
    """Run ``program`` (a function, a module, a ``.py`` file or a project folder) under mocks.

    ``config`` and ``secrets`` are stack configuration: keys without a namespace belong to the project
    (``dbName`` is ``<project>:dbName``), ``aws:region`` names the provider's. Secrets are marked secret,
    as ``pulumi config set --secret`` would. With ``preview=True`` the run is a preview: ids and computed
    attributes are ``UNKNOWN``. An ``apply`` callback that raised fails the run even when no resource
    consumed its result, so an assertion inside ``apply`` can never pass silently.
    """
    __tracebackhide__ = True
    from pulumi.runtime import config as pulumi_config
    from pulumi.runtime import mocks as pulumi_mocks
    from pulumi.runtime import settings
    from pulumi.runtime.stack import run_pulumi_func

    from pytest_iaccompliance.pulumi.provenance import ConstructionSites, OutputTracer
    from pytest_iaccompliance.pulumi.recording import RecordingMocks, RecordingMonitor

    try:
        asyncio.get_running_loop()
    except RuntimeError:
        pass
    else:
        raise PulumiProgramError(
            "run_program cannot run inside a running event loop (an async test); "
            "call it from a synchronous test or fixture"
        )

    label = _describe(program)
    project_info: _Project | None = None
    target: Callable[[], Any]
    if isinstance(program, (str, os.PathLike)) and Path(program).is_dir():
        project_info = _read_project(Path(program).resolve(), stack)
        main = project_info.main
        target = lambda: runpy.run_path(str(main), run_name="__main__")  # noqa: E731
    elif isinstance(program, (str, os.PathLike)) and str(program).endswith(".py"):
        if not Path(program).is_file():
            raise PulumiProgramError(f"{program}: no such program file")
        path = str(Path(program).resolve())
        target = lambda: runpy.run_path(path, run_name="__main__")  # noqa: E731
    elif isinstance(program, str):
        name = program
        target = lambda: runpy.run_module(name, run_name="__main__", alter_sys=False)  # noqa: E731
    elif isinstance(program, ModuleType):
        module_name = program.__name__
        target = lambda: runpy.run_module(module_name, run_name="__main__", alter_sys=False)  # noqa: E731
    elif callable(program):
        target = program
    else:
        raise PulumiProgramError(
            f"cannot run {program!r}: expected a function, a module, a .py file "
            "or a Pulumi project folder"
        )
    project_name = project or (project_info.name if project_info else "project")

    all_config: dict[str, str] = {}
    secret_keys: list[str] = []
    for key, value in (project_info.config if project_info else {}).items():
        all_config[_config_key(key, project_name)] = _config_text(value)
    for key, value in (config or {}).items():
        all_config[_config_key(key, project_name)] = _config_text(value)
    for key, value in (secrets or {}).items():
        full = _config_key(key, project_name)
        all_config[full] = _config_text(value)
        secret_keys.append(full)

    if mocks is None:
        mocks = RecordingMocks()
    mocks.preview = preview
    region = all_config.get("aws:region")
    if region:
        mocks.answers.region = region
    monitor = RecordingMonitor(mocks)

    outputs: dict[str, Any] = {}
    secret_outputs: set[str] = set()
    failure: BaseException | None = None
    unretrieved: list[BaseException] = []
    tracer = OutputTracer(run_program)
    sites = ConstructionSites(run_program)
    RECORDED_WAIVERS.clear()
    with _own_event_loop(unretrieved) as loop, tracer.active(), sites.active():
        reset_runtime()
        pulumi_config.set_all_config(all_config, secret_keys)

        def body() -> None:
            if project_info is None:
                target()
            else:
                with _project_context(project_info):
                    target()

        try:
            pulumi_mocks.set_mocks(
                mocks, project=project_name, stack=stack, preview=preview, monitor=monitor
            )
            root = settings.get_root_resource()
            loop.run_until_complete(run_pulumi_func(body))
            outputs, secret_outputs = loop.run_until_complete(_stack_outputs(root))
        except BaseException as exc:
            failure = exc
        finally:
            reset_runtime()
    if mocks.errors:
        raise PulumiProgramError(f"{label}: {mocks.errors[0]}") from None
    if failure is None and unretrieved:
        failure = unretrieved[0]
    if failure is not None:
        if isinstance(failure, (KeyboardInterrupt, SystemExit)):
            raise failure
        error = PulumiProgramError(_explain(failure, label, tracer))
        error.original = failure
        raise error from None
    return _build(
        monitor, mocks, project_name, stack, outputs, frozenset(secret_outputs), all_config, label,
        sites.sites,
    )


def _explain(failure: BaseException, label: str, tracer: OutputTracer) -> str:
    """The failure, the program's line, and for a value the mocks left ``None`` the attribute and the
    registration that provides it."""
    from pytest_iaccompliance.pulumi.provenance import user_frame

    message = str(failure) or type(failure).__name__
    lines = [f"{label} failed under mocks: {type(failure).__name__}: {message}"]
    built_at, missing = tracer.explain(failure)
    raised_at = user_frame(failure)
    where = raised_at or built_at
    if where is not None:
        lines.append(f"  at {where}")
    if raised_at is not None and built_at is not None and (raised_at.filename, raised_at.lineno) != (
        built_at.filename,
        built_at.lineno,
    ):
        lines.append(f"  in the output built at {built_at}")
    # Pulumi drops a None from the mocks' answer, so an attribute that reached the program as None is one
    # the mocks did not give.
    answers: dict[str, list[str]] = {}
    for attribute in missing:
        lines.append(
            f'  {attribute.token} "{attribute.name}".{attribute.attribute} is not provided by the mocks, '
            "so the program saw None"
        )
        names = answers.setdefault(attribute.token, [])
        if attribute.attribute not in names:
            names.append(attribute.attribute)
    if answers:
        lines.append(
            f"  register {'it' if len(missing) == 1 else 'them'} before running the program, "
            "as a mapping of wire (camelCase) names "
            "or a function of pulumi.runtime.MockResourceArgs returning one:"
        )
        for token, attributes in answers.items():
            values = ", ".join(f'"{name}": "..."' for name in attributes)
            lines.append(f'    pulumi_mocks.register_resource("{token}", {{{values}}})')
    return "\n".join(lines)


def _close(loop: asyncio.AbstractEventLoop) -> None:
    pending = [t for t in asyncio.all_tasks(loop) if not t.done()]
    for task in pending:
        task.cancel()
    if pending:
        loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
    loop.run_until_complete(loop.shutdown_default_executor())
    loop.close()


async def _stack_outputs(root: Any) -> tuple[dict[str, Any], set[str]]:
    from pulumi import Output

    outputs: dict[str, Any] = {}
    secret: set[str] = set()
    for key, value in (getattr(root, "outputs", None) or {}).items():
        output = Output.from_input(value)
        known = await output.is_known()
        resolved = await output.future(with_unknowns=True)
        if await output.is_secret():
            secret.add(key)
        outputs[key] = _plain(resolved) if known else UNKNOWN
    return outputs, secret


def _plain(value: Any) -> Any:
    from pulumi.output import Unknown as PulumiUnknown

    if isinstance(value, PulumiUnknown):
        return UNKNOWN
    if isinstance(value, Mapping):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def _build(
    monitor: Any,
    mocks: RecordingMocks,
    project: str,
    stack: str,
    outputs: dict[str, Any],
    secret_outputs: frozenset[str],
    config: Mapping[str, str],
    label: str,
    sites: Mapping[tuple[str, str], Site] | None = None,
) -> PulumiResources:
    resources: list[Resource] = []
    configuration: list[Resource] = []
    providers: dict[str, list[dict[str, Any]]] = {}
    # Registrations arrive from worker threads in no fixed order: sort for reproducible reports.
    registrations: list[Registration] = sorted(monitor.registrations, key=lambda r: r.urn)
    for registration in registrations:
        if registration.type.startswith(PROVIDER_PREFIX):
            inputs, secret_inputs = decode_struct(registration.inputs)
            package = registration.type[len(PROVIDER_PREFIX) :]
            token = f"{package}:index:Provider"
            properties = terraform_properties(token, inputs)
            providers.setdefault(package, []).append(properties)
            configuration.append(config_entry(
                PROVIDER, package, registration.urn, properties, SourceLocation(KIND, label, registration.urn, stack),
                frozenset(rename_path(token, path) for path in secret_inputs if path),
            ))
            continue
        site = sites.get((registration.type, registration.name)) if sites else None
        resources.append(_resource(registration, monitor, mocks.preview, stack, label, site))
    for package, entries in _provider_config(config).items():
        providers.setdefault(package, []).insert(0, entries)
    metadata = {
        "kind": KIND,
        "project": project,
        "stack": stack,
        "preview": mocks.preview,
        "providers": providers,
        "outputs": {k: ("[secret]" if k in secret_outputs else v) for k, v in outputs.items()},
    }
    waived = {r.urn: RECORDED_WAIVERS[(r.type, r.name)] for r in registrations if (r.type, r.name) in RECORDED_WAIVERS}
    RECORDED_WAIVERS.clear()
    if waived:
        metadata[IN_CODE_WAIVERS] = waived
    invokes = [(call.token, call.args) for call in mocks.calls]
    return PulumiResources(
        resources,
        name=stack,
        metadata=metadata,
        configuration=configuration,
        outputs=outputs,
        secret_outputs=secret_outputs,
        invokes=invokes,
        registrations=registrations,
    )


def _provider_config(config: Mapping[str, str]) -> dict[str, dict[str, Any]]:
    """The default providers' configuration (``aws:region``, ``aws:defaultTags``) from stack config.
    """
    found: dict[str, dict[str, Any]] = {}
    for key, text in config.items():
        package, _, name = key.partition(":")
        if package in ("", "pulumi") or not name:
            continue
        try:
            value: Any = json.loads(text)
        except (json.JSONDecodeError, TypeError):
            value = text
        found.setdefault(package, {})[name] = value
    return {
        package: terraform_properties(f"{package}:index:Provider", values)
        for package, values in found.items()
        if _sdk_package(package)
    }


def _sdk_package(package: str) -> bool:
    import importlib.util

    try:
        return importlib.util.find_spec(f"pulumi_{package.replace('-', '_')}") is not None
    except (ImportError, ValueError):
        return False


def _resource(
    registration: Registration, monitor: Any, preview: bool, stack: str, label: str, site: Site | None = None
) -> Resource:
    token = registration.type
    inputs, secret_wire_paths = decode_struct(registration.inputs)
    state, state_secrets = (
        decode_struct(registration.state) if registration.state is not None else ({}, set())
    )
    if preview:
        merged = dict(inputs)
        merged.setdefault("id", registration.id or UNKNOWN)
    else:
        merged = {**state, **inputs}
        merged["id"] = registration.id or state.get("id")
        secret_wire_paths |= {p for p in state_secrets if p.split(".", 1)[0] not in inputs}
    if not registration.custom:
        extra = monitor.outputs_by_urn.get(registration.urn)
        if extra is not None:
            component_outputs, component_secrets = decode_struct(extra)
            merged.update(component_outputs)
            secret_wire_paths |= component_secrets
    return normalized_resource(
        token,
        registration.name,
        registration.urn,
        merged,
        secret_wire_paths,
        stack=stack,
        label=label,
        parent=registration.parent or None,
        mode="data" if registration.read else "managed",
        origin=(site.filename, site.lineno) if site is not None else None,
    )


def normalized_resource(
    token: str,
    name: str,
    urn: str,
    properties: Mapping[str, Any],
    secret_wire_paths: set[str],
    *,
    stack: str,
    label: str,
    parent: str | None = None,
    mode: str = "managed",
    origin: tuple[str, int] | None = None,
) -> Resource:
    """A Pulumi resource's decoded properties (wire names) as a ``Resource`` in Terraform's vocabulary;
    ``origin`` is the program's file and line that called its constructor."""
    return Resource(
        type=terraform_type(token),
        name=name,
        address=urn,
        properties=terraform_properties(token, properties),
        source=SourceLocation(KIND, label, urn, stack, *(origin or (None, None))),
        secret_paths=frozenset(rename_path(token, path) for path in secret_wire_paths if path),
        parent=parent,
        mode=mode,
    )
