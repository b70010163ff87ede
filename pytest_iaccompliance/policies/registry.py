"""The policy registry: filled explicitly through pluggy, the built-in pack like any third-party one."""

from __future__ import annotations

import fnmatch
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import cast

import pluggy

from pytest_iaccompliance import hookspecs
from pytest_iaccompliance.model import Severity
from pytest_iaccompliance.policies.base import Policy

__all__ = ["DuplicatePolicyError", "PolicyRegistry", "PolicySelectionError", "load_registry"]


class DuplicatePolicyError(ValueError):
    """Two packs claim one policy id: ids are stable public names, so this is refused, not resolved."""


class PolicySelectionError(ValueError):
    """A selection or severity override names no registered policy."""


class PolicyRegistry:
    """Policies by id, in registration order."""

    def __init__(self, policies: Iterable[Policy] = ()) -> None:
        self._policies: dict[str, Policy] = {}
        self._origin: dict[str, str] = {}
        for policy in policies:
            self.add(policy)

    def add(self, policy: Policy, *, origin: str = "<direct>") -> None:
        if not isinstance(policy, Policy):
            raise TypeError(f"{origin} returned {policy!r}, not a Policy")
        if policy.id in self._policies:
            raise DuplicatePolicyError(
                f"policy id {policy.id!r} from {origin} is already registered by "
                f"{self._origin[policy.id]}"
            )
        self._policies[policy.id] = policy
        self._origin[policy.id] = origin

    def __iter__(self) -> Iterator[Policy]:
        return iter(self._policies.values())

    def __len__(self) -> int:
        return len(self._policies)

    def __contains__(self, policy_id: object) -> bool:
        return policy_id in self._policies

    def __getitem__(self, policy_id: str) -> Policy:
        try:
            return self._policies[policy_id]
        except KeyError:
            raise KeyError(f"no policy {policy_id!r} is registered") from None

    def origin(self, policy_id: str) -> str:
        return self._origin[policy_id]

    def select(
        self,
        select: Sequence[str] | None = None,
        ignore: Sequence[str] | None = None,
        severity_overrides: Mapping[str, Severity] | None = None,
    ) -> list[Policy]:
        """Policies matching any ``select`` glob and no ``ignore`` glob, with overrides applied.

        A pattern or override that matches nothing is an error: a typo would otherwise silently turn a
        rule off or leave its severity unchanged.
        """
        ids = list(self._policies)
        for pattern in (*(select or ()), *(ignore or ())):
            if not fnmatch.filter(ids, pattern):
                raise PolicySelectionError(f"policy pattern {pattern!r} matches no registered policy")
        for policy_id in severity_overrides or {}:
            if policy_id not in self._policies:
                raise PolicySelectionError(f"severity override names unknown policy {policy_id!r}")
        chosen: list[Policy] = []
        for policy_id, policy in self._policies.items():
            if select and not any(fnmatch.fnmatchcase(policy_id, p) for p in select):
                continue
            if ignore and any(fnmatch.fnmatchcase(policy_id, p) for p in ignore):
                continue
            override = (severity_overrides or {}).get(policy_id)
            chosen.append(policy.with_severity(override) if override else policy)
        return chosen


def plugin_manager() -> pluggy.PluginManager:
    manager = pluggy.PluginManager(hookspecs.PROJECT_NAME)
    manager.add_hookspecs(hookspecs)
    return manager


def load_registry(
    extra_plugins: Iterable[object] = (), *, entry_points: bool = True, builtins: bool = True
) -> PolicyRegistry:
    """Build the registry from the built-in pack, installed entry points and ``extra_plugins``."""
    manager = plugin_manager()
    if builtins:
        from pytest_iaccompliance.policies import builtin

        manager.register(builtin, name="iaccompliance.builtin")
    if entry_points:
        manager.load_setuptools_entrypoints(hookspecs.ENTRY_POINT_GROUP)
    for plugin in extra_plugins:
        if manager.is_registered(plugin):
            continue
        manager.register(plugin)
    return registry_from(manager)


def registry_from(manager: pluggy.PluginManager) -> PolicyRegistry:
    registry = PolicyRegistry()
    for impl in manager.hook.iaccompliance_policies.get_hookimpls():
        origin = manager.get_name(impl.plugin) or repr(impl.plugin)
        contributed = cast("Iterable[Policy]", impl.function() or ())
        for policy in contributed:
            registry.add(policy, origin=f"plugin {origin!r}")
    mappings: dict[str, list[str]] = {}
    for contribution in manager.hook.iaccompliance_control_mappings():
        for policy_id, controls in (contribution or {}).items():
            mappings.setdefault(policy_id, []).extend(controls)
    if mappings:
        merged = PolicyRegistry()
        for policy in registry:
            extra = mappings.get(policy.id)
            merged.add(policy.with_controls(extra) if extra else policy, origin=registry.origin(policy.id))
        registry = merged
    return registry
