"""What a policy is: a plain function plus the metadata auditors and reports need."""

from __future__ import annotations

import enum
import inspect
from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from fnmatch import fnmatchcase
from typing import Any, TypeVar

from pytest_iaccompliance.model import Resource, ResourceSet, Severity

__all__ = [
    "Outcome",
    "Policy",
    "PolicyContext",
    "Result",
    "RuleSettings",
    "cannot_evaluate",
    "compliant",
    "judge",
    "non_compliant",
    "not_applicable",
    "policy",
]


T = TypeVar("T")


class Outcome(enum.Enum):
    COMPLIANT = "compliant"
    NON_COMPLIANT = "non_compliant"
    NOT_APPLICABLE = "not_applicable"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class Result:
    """A policy's answer for one resource: never a bare bool, so "not evaluated" is never "compliant"."""

    outcome: Outcome
    messages: tuple[str, ...] = ()


_COMPLIANT = Result(Outcome.COMPLIANT)
_NOT_APPLICABLE = Result(Outcome.NOT_APPLICABLE)


def compliant() -> Result:
    return _COMPLIANT


def not_applicable() -> Result:
    return _NOT_APPLICABLE


def non_compliant(*messages: str) -> Result:
    return Result(Outcome.NON_COMPLIANT, tuple(messages))


def cannot_evaluate(*messages: str) -> Result:
    """The rule needs a value that is unknown before apply; reported as ``unknown``, never as a pass."""
    return Result(Outcome.UNKNOWN, tuple(messages))


def judge(problems: Sequence[str], unknown: Sequence[str]) -> Result:
    """Any problem makes the resource non-compliant; otherwise anything unknown means cannot evaluate."""
    if problems:
        return non_compliant(*problems)
    if unknown:
        return cannot_evaluate(*unknown)
    return compliant()


@dataclass(frozen=True)
class RuleSettings:
    """Project settings some rules read (ini ``iac_required_tags``, ``iac_allowed_instance_families``,
    ``iac_shared_stacks``, ``iac_public_ports``)."""

    required_tags: tuple[str, ...] = ()
    allowed_instance_families: tuple[str, ...] = ()
    extra: Mapping[str, Any] = field(default_factory=dict)
    shared_stacks: tuple[str, ...] = ()
    """Stack-name globs (ini ``iac_shared_stacks``) of stacks several people or pipelines apply."""
    # Ports a security group may open to the whole internet without a finding (ini iac_public_ports).
    public_ports: tuple[int, ...] = (443,)
    # Ids (globs) of opt-in policies to run (ini iac_opt_in): stricter variants off unless asked for.
    opt_in: tuple[str, ...] = ()


@dataclass(frozen=True)
class PolicyContext:
    """What a check may read besides its resource: the whole set, for cross-resource rules."""

    resources: ResourceSet
    settings: RuleSettings = field(default_factory=RuleSettings)
    memo: dict[Hashable, Any] = field(default_factory=dict, compare=False, repr=False)

    def remember(self, key: Hashable, compute: Callable[[], T]) -> T:
        """Derived data several checks share within one evaluation, computed once.

        A stack's provider default tags, a resource's IAM analysis: keyed here, the data lives exactly
        as long as the resources it was derived from, and never leaks into another resource set.
        """
        try:  # one lookup when known: rules ask this for nearly every resource they judge
            value: T = self.memo[key]
        except KeyError:
            value = self.memo[key] = compute()
        return value


# What a policy runs on one resource (an IAM finding's ``iam.Check`` names what that finding is about).
CheckFunction = Callable[[Resource, PolicyContext], Result]


@dataclass(frozen=True)
class Policy:
    """A rule with its audit metadata; ``resource_types`` of ``("*",)`` reads every resource."""

    id: str
    title: str
    severity: Severity
    resource_types: tuple[str, ...]
    check: CheckFunction
    remediation: str = ""
    controls: tuple[str, ...] = ()
    checkov_ids: tuple[str, ...] = ()
    # Deliberate differences from a declared Checkov check: (Checkov id, what differs and why).
    checkov_differences: tuple[tuple[str, str], ...] = ()
    description: str = ""
    # RuleSettings fields that must be set for the policy to mean anything (required tags, ...).
    requires_settings: tuple[str, ...] = ()
    # A stricter variant a project turns on by id (ini ``iac_opt_in``); off by default.
    opt_in: bool = False

    def __post_init__(self) -> None:
        if not self.id or any(c.isspace() for c in self.id):
            raise ValueError(f"policy id {self.id!r} must be a non-empty word")
        if not self.resource_types:
            raise ValueError(f"policy {self.id} names no resource types")
        undeclared = sorted({cid for cid, _ in self.checkov_differences} - set(self.checkov_ids))
        if undeclared:
            raise ValueError(f"policy {self.id} documents differences from undeclared Checkov ids {undeclared}")

    def with_severity(self, severity: Severity) -> Policy:
        return replace(self, severity=severity)

    def with_controls(self, controls: Sequence[str]) -> Policy:
        merged = tuple(dict.fromkeys((*self.controls, *controls)))
        return replace(self, controls=merged)

    def applies_to_all(self) -> bool:
        return self.resource_types == ("*",)

    def enabled_by(self, settings: RuleSettings) -> bool:
        if self.opt_in and not any(fnmatchcase(self.id, pattern) for pattern in settings.opt_in):
            return False
        return all(getattr(settings, name) for name in self.requires_settings)


def policy(
    id: str,
    *,
    title: str,
    severity: Severity,
    resource_types: Sequence[str],
    remediation: str = "",
    controls: Sequence[str] = (),
    checkov_ids: Sequence[str] = (),
    checkov_differences: Sequence[tuple[str, str]] = (),
    requires_settings: Sequence[str] = (),
    opt_in: bool = False,
) -> Callable[[CheckFunction], Policy]:
    """Turn a check function into a ``Policy``; registration stays explicit (no import side effect)."""

    def wrap(check: CheckFunction) -> Policy:
        return Policy(
            id=id,
            title=title,
            severity=severity,
            resource_types=tuple(resource_types),
            check=check,
            remediation=remediation,
            controls=tuple(controls),
            checkov_ids=tuple(checkov_ids),
            checkov_differences=tuple((cid, inspect.cleandoc(why)) for cid, why in checkov_differences),
            description=inspect.cleandoc(check.__doc__ or ""),
            requires_settings=tuple(requires_settings),
            opt_in=opt_in,
        )

    return wrap
