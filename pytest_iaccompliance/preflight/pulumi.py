"""Pre-flight for Pulumi programs and component resources, through a stack transform.

``pulumi.runtime.register_resource_transform`` (formerly ``register_stack_transform``) hands every resource
to the transform before the engine registers it, in ``pulumi preview`` and ``pulumi up`` as under mocks. The
transform records each resource with its URN and type token, normalized as the Pulumi runner normalizes
recorded registrations; once every registration of the program has gone through it, the pre-flight judges
the recorded set and fails the program with one ``PreflightError``. Values the engine does not know yet
(outputs of resources not created) arrive unknown and are reported as such.
"""

from __future__ import annotations

import asyncio
import functools
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from pytest_iaccompliance.model import Resource, ResourceSet
from pytest_iaccompliance.preflight.core import PreflightConfig, PreflightError, PreflightUsageError, violations

__all__ = ["enable", "is_component_class", "make_urn"]

STACK_TYPE = "pulumi:pulumi:Stack"
PROVIDER_PREFIX = "pulumi:providers:"


def is_component_class(cls: type) -> bool:
    return any(
        base.__name__ == "ComponentResource" and base.__module__.split(".", 1)[0] == "pulumi"
        for base in cls.__mro__
    )


def make_urn(stack: str, project: str, parent_urn: str | None, type_: str, name: str) -> str:
    """The URN the engine gives a resource: the parent's qualified type chain, the root stack left out."""
    prefix = f"urn:pulumi:{stack}::{project}::"
    if parent_urn:
        qualified = parent_urn.split("::")[2] if parent_urn.count("::") >= 3 else ""
        if qualified and qualified != STACK_TYPE:
            return f"{prefix}{qualified}${type_}::{name}"
    return f"{prefix}{type_}::{name}"


@dataclass
class _Scope:
    config: PreflightConfig
    label: str
    component: tuple[str, str] | None = None  # (type token, name)


@dataclass
class _Entry:
    resource: Resource
    token: str
    parent: str | None
    custom: bool
    properties: dict[str, Any]
    secret_paths: set[str]


@dataclass
class _Collector:
    """Everything the transform saw in one Pulumi run, and the scopes to judge at its end."""

    stack: str
    project: str
    entries: list[_Entry] = field(default_factory=list)
    providers: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    scopes: list[_Scope] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    outer: Any = None

    async def transform(self, args: Any) -> None:
        """Record the resource; never changes it (returns None)."""
        from pulumi.runtime.rpc import serialize_properties

        from pytest_iaccompliance.pulumi.decode import decode_struct
        from pytest_iaccompliance.pulumi.mapping import terraform_properties
        from pytest_iaccompliance.pulumi.runner import normalized_resource

        parent_urn: str | None = None
        parent = getattr(args.opts, "parent", None)
        if parent is not None:
            parent_urn = await parent.urn.future()
        urn = self._urn(parent_urn, args.type_, args.name)
        struct = await serialize_properties(args.props or {}, {})
        properties, secret_paths = decode_struct(struct)
        with self.lock:
            if args.type_.startswith(PROVIDER_PREFIX):
                package = args.type_[len(PROVIDER_PREFIX):]
                self.providers.setdefault(package, []).append(
                    terraform_properties(f"{package}:index:Provider", properties)
                )
                return
            resource = normalized_resource(
                args.type_, args.name, urn, properties, secret_paths, stack=self.stack, label=urn,
                parent=parent_urn,
            )
            self.entries.append(_Entry(resource, args.type_, parent_urn, bool(args.custom), properties,
                                       secret_paths))
        return

    def _urn(self, parent_urn: str | None, type_: str, name: str) -> str:
        """The engine's URN; under mocks, the mock monitor's own (so it matches the run's addresses)."""
        from pulumi.runtime import settings

        mock_urn = getattr(settings.get_monitor(), "make_urn", None)
        if callable(mock_urn):
            return str(mock_urn(parent_urn or "", type_, name))
        return make_urn(self.stack, self.project, parent_urn, type_, name)

    def _with_mock_state(self) -> None:
        """Under mocks the mocks stand for the engine: ids and outputs they gave join the recorded inputs,
        as the runner reads them, so a partner naming a bucket by its id finds it."""
        from pulumi.runtime import settings

        from pytest_iaccompliance.pulumi.runner import normalized_resource

        registered = getattr(settings.get_monitor(), "resources", None)
        if not isinstance(registered, dict):
            return
        for index, entry in enumerate(self.entries):
            found = registered.get(entry.resource.address)
            if found is None:
                continue
            state = {k: v for k, v in dict(found.state or {}).items() if v is not None}
            merged = {**state, **entry.properties, "id": found.id or entry.properties.get("id")}
            resource = entry.resource
            self.entries[index] = _Entry(
                normalized_resource(entry.token, resource.name, resource.address, merged, entry.secret_paths,
                                    stack=self.stack, label=resource.address, parent=entry.parent),
                entry.token, entry.parent, entry.custom, merged, entry.secret_paths,
            )

    def _members(self, scope: _Scope) -> list[_Entry]:
        if scope.component is None:
            return list(self.entries)
        token, name = scope.component
        roots = {e.resource.address for e in self.entries if (e.token, e.resource.name) == (token, name)}
        members: list[_Entry] = []
        for entry in self.entries:  # parents are registered before their children
            if entry.resource.address in roots:
                members.append(entry)
            elif entry.parent in roots:
                roots.add(entry.resource.address)
                members.append(entry)
        return members

    def judge(self) -> None:
        from pulumi.runtime import config as pulumi_config

        from pytest_iaccompliance.pulumi.runner import _provider_config

        self._with_mock_state()
        providers = {k: list(v) for k, v in self.providers.items()}
        stack_config = {**pulumi_config.get_config_env(), **pulumi_config.CONFIG.get()}
        for package, entries in _provider_config(stack_config).items():
            providers.setdefault(package, []).insert(0, entries)
        found = []
        labels = []
        for scope in self.scopes:
            members = self._members(scope)
            tokens: dict[int, str] = {id(e.resource): e.token for e in members}
            resources = ResourceSet([e.resource for e in members], name=self.stack,
                                    metadata={"kind": "pulumi", "providers": providers})
            labels.append(scope.label)
            token_of = functools.partial(_token_of, tokens)
            found.extend(violations(resources, scope.config, scope.label, token_of=token_of))
        if found:
            raise PreflightError(", ".join(dict.fromkeys(labels)), found)

    async def finish(self) -> None:
        """Wait until every other registration of the program went through the transform, then judge."""
        while True:
            pending = [
                t for t in asyncio.all_tasks()
                if t is not self.outer and not t.done() and t.get_coro().__name__ == "rpc_wrapper"  # type: ignore[union-attr]
            ]
            if not pending:
                await asyncio.sleep(0)
                again = [
                    t for t in asyncio.all_tasks()
                    if t is not self.outer and not t.done() and t.get_coro().__name__ == "rpc_wrapper"  # type: ignore[union-attr]
                ]
                if not again:
                    break
                continue
            await asyncio.wait(pending)
        self.judge()


def _token_of(tokens: dict[int, str], resource: Resource) -> str | None:
    return tokens.get(id(resource))


# One collector per Pulumi run, keyed by the run's root stack resource.
_COLLECTORS: dict[int, tuple[Any, _Collector]] = {}


def _collector() -> _Collector:
    from pulumi.runtime import settings

    root = settings.get_root_resource()
    if root is None:
        raise PreflightUsageError(
            "a Pulumi pre-flight runs inside a Pulumi program: `pulumi preview`, `pulumi up`, or "
            "pulumi_mocks.run(program) in a test"
        )
    known = _COLLECTORS.get(id(root))
    if known is not None and known[0] is root:
        return known[1]
    collector = _Collector(settings.get_stack(), settings.get_project())
    _COLLECTORS.clear()  # one run at a time per process
    _COLLECTORS[id(root)] = (root, collector)
    runtime = __import__("pulumi.runtime", fromlist=["register_resource_transform"])
    register: Callable[[Any], None] = getattr(runtime, "register_resource_transform", None) or \
        runtime.register_stack_transform
    register(collector.transform)
    manager = settings._get_rpc_manager()
    collector.outer = asyncio.ensure_future(manager.do_rpc("iaccompliance pre-flight", collector.finish)())
    return collector


def enable(config: PreflightConfig | None = None, *, label: str | None = None,
           component: tuple[str, str] | None = None) -> None:
    """Check every resource the running Pulumi program declares from here on; fails the program at its end.

    Call it first thing in ``__main__.py`` (or use the ``preflight`` decorator on the program function).
    """
    from pulumi.runtime import settings

    collector = _collector()
    name = label or f"stack {settings.get_project()}/{settings.get_stack()}"
    collector.scopes.append(_Scope(config or PreflightConfig(), name, component))


def start_component() -> _Collector:
    """The run's collector, registered before a decorated component declares its children."""
    return _collector()
