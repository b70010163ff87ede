"""What a pre-flight checks and how it reports: one error listing every violation, before anything is built.

The checks are the built-in policies themselves, run through the same engine as ``scan()`` on the resources
a stack or program has declared so far: a pre-flight never judges differently from a scan of the synthesized
output. Only the choice of policies and the way violations are reported belong here.
"""

from __future__ import annotations

import fnmatch
import functools
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace

from pytest_iaccompliance.model import FindingStatus, Resource, ResourceSet, Severity
from pytest_iaccompliance.policies.base import Policy, RuleSettings
from pytest_iaccompliance.policies.suite import PolicySuite

__all__ = [
    "PREFLIGHT_POLICIES",
    "PreflightConfig",
    "PreflightError",
    "PreflightUsageError",
    "Violation",
    "find_preflight_error",
    "violations",
]

# What a pre-flight always checks: tagging and instance families (when configured), encryption at rest and
# public exposure. Explicit ids, so a renamed rule fails loudly here rather than silently dropping out.
PREFLIGHT_POLICIES: tuple[str, ...] = (
    # tags and instance families (enabled only when required tags or allowed families are configured)
    "AWS-TAG-001",
    "AWS-EC2-012",
    # encryption at rest
    "AWS-S3-001",
    "AWS-EC2-009",
    "AWS-EC2-010",
    "AWS-RDS-001",
    "AWS-EFS-001",
    "AWS-DDB-002",
    "AWS-SQS-001",
    "AWS-SNS-001",
    # public access
    "AWS-S3-002",
    "AWS-S3-006",
    "AWS-RDS-002",
    "AWS-EC2-001",
    "AWS-EC2-002",
    "AWS-EC2-008",
    "AWS-EC2-013",
    "AWS-LAMBDA-001",
    "AWS-LAMBDA-002",
)


class PreflightUsageError(TypeError):
    """The pre-flight decorator or function was given something it cannot check."""


def _words(value: str | Iterable[str] | None) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        return tuple(value.split())
    return tuple(str(v) for v in value)


@dataclass(frozen=True)
class PreflightConfig:
    """Which policies a pre-flight runs, and the project settings they read.

    ``min_severity`` adds every registered policy at or above that severity; ``select`` adds policies by id
    glob; ``ignore`` removes them. Required tags and allowed instance families are those of ini
    ``iac_required_tags`` and ``iac_allowed_instance_families`` (under pytest) plus the decorator's own.
    """

    required_tags: tuple[str, ...] = ()
    allowed_instance_families: tuple[str, ...] = ()
    min_severity: Severity | None = None
    select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()

    @classmethod
    def of(
        cls,
        *,
        required_tags: str | Iterable[str] | None = None,
        allowed_instance_families: str | Iterable[str] | None = None,
        min_severity: Severity | str | None = None,
        select: str | Iterable[str] | None = None,
        ignore: str | Iterable[str] | None = None,
    ) -> PreflightConfig:
        severity = Severity.parse(min_severity) if isinstance(min_severity, str) else min_severity
        return cls(_words(required_tags), _words(allowed_instance_families), severity, _words(select),
                   _words(ignore))

    def merged(self, defaults: PreflightConfig) -> PreflightConfig:
        """This configuration on top of project defaults: lists add up, the stricter severity wins."""
        severities = [s for s in (self.min_severity, defaults.min_severity) if s is not None]
        return replace(
            self,
            required_tags=tuple(dict.fromkeys((*defaults.required_tags, *self.required_tags))),
            allowed_instance_families=tuple(
                dict.fromkeys((*defaults.allowed_instance_families, *self.allowed_instance_families))
            ),
            min_severity=min(severities, key=lambda s: s.rank) if severities else None,
            select=tuple(dict.fromkeys((*defaults.select, *self.select))),
            ignore=tuple(dict.fromkeys((*defaults.ignore, *self.ignore))),
        )

    def effective(self) -> PreflightConfig:
        """With the project defaults (ini settings under pytest) applied."""
        return self.merged(_DEFAULTS[0])

    def suite(self) -> PolicySuite:
        return _suite(self.effective())


# Project-wide defaults: the pytest plugin sets them from ini at start-up; outside pytest they are empty.
_DEFAULTS: list[PreflightConfig] = [PreflightConfig()]


def set_defaults(config: PreflightConfig) -> PreflightConfig:
    """Make ``config`` the project defaults every pre-flight adds to; returns the previous defaults."""
    previous = _DEFAULTS[0]
    _DEFAULTS[0] = config
    return previous


def preflight_policies() -> list[Policy]:
    """The built-in policies every pre-flight runs, from their rule modules alone.

    Without ``select`` or ``min_severity`` a pre-flight needs nothing else: loading the whole registry (the
    IAM analysis and its action catalogue, installed packs) would cost a ``cdktf synth`` more than the check.
    Built-in ids cannot be claimed by another pack, so these are the registry's own policies.
    """
    from pytest_iaccompliance.policies.rules import awslambda, dynamodb, ec2, efs, messaging, rds, s3, tagging, vpc

    wanted = set(PREFLIGHT_POLICIES)
    modules = (s3, vpc, ec2, rds, efs, dynamodb, messaging, awslambda, tagging)
    return [item for module in modules for item in module.POLICIES if item.id in wanted]


@functools.lru_cache(maxsize=32)
def _suite(config: PreflightConfig) -> PolicySuite:
    """Loaded once per configuration: a stack built a thousand times loads the registry once."""
    from pytest_iaccompliance.policies.registry import PolicyRegistry, PolicySelectionError, load_registry

    settings = RuleSettings(config.required_tags, config.allowed_instance_families)
    if not config.select and config.min_severity is None:
        registry = PolicyRegistry(preflight_policies())
    else:
        registry = load_registry()
    missing = [i for i in PREFLIGHT_POLICIES if i not in registry]
    if missing:  # pragma: no cover - guards the table above against a rule being renamed
        raise PreflightUsageError(f"pre-flight policies not registered: {', '.join(missing)}")
    ids = [p.id for p in registry]
    for pattern in config.select:
        if not fnmatch.filter(ids, pattern):
            raise PreflightUsageError(f"pre-flight select pattern {pattern!r} matches no registered policy")
    try:
        candidates = registry.select(ignore=config.ignore or None)
    except PolicySelectionError as exc:
        raise PreflightUsageError(f"pre-flight ignore: {exc}") from None

    def chosen(item: Policy) -> bool:
        if not item.enabled_by(settings):
            return False
        if item.id in PREFLIGHT_POLICIES or any(fnmatch.fnmatchcase(item.id, p) for p in config.select):
            return True
        return config.min_severity is not None and item.severity.rank >= config.min_severity.rank

    return PolicySuite(tuple(p for p in candidates if chosen(p)), settings)


@dataclass(frozen=True)
class Violation:
    """One policy a resource breaks (or that cannot be decided at construction), with where and the fix."""

    stack: str
    location: str
    resource_type: str
    policy_id: str
    message: str
    fix: str
    unknown: bool = False
    token: str | None = None

    def line(self) -> str:
        """``stack: path (type) POLICY: what is wrong; fix: ...``, one line."""
        kind = self.token or self.resource_type
        what = f"not known at construction: {self.message}" if self.unknown else self.message
        fix = f"; fix: {self.fix}" if self.fix and not self.unknown else ""
        return f"{self.stack}: {self.location} ({kind}) {self.policy_id}: {what}{fix}"


class PreflightError(Exception):
    """A stack or program breaks policy at construction; lists every violation, not only the first."""

    def __init__(self, stack: str, found: Sequence[Violation]) -> None:
        self.stack = stack
        self.violations: tuple[Violation, ...] = tuple(found)
        count = len(self.violations)
        header = f"pre-flight failed for {stack}: {count} violation{'s' if count != 1 else ''}"
        super().__init__("\n".join([header, *(f"  {v.line()}" for v in self.violations)]))

    def __reduce__(self) -> tuple[object, ...]:
        return (type(self), (self.stack, self.violations))


def _strip_address(message: str, address: str) -> str:
    """Rule messages start with the resource's address; the violation names its location instead."""
    for prefix in (f"{address}: ", f"{address} "):
        if message.startswith(prefix):
            return message[len(prefix):]
    return message


def violations(
    resources: ResourceSet,
    config: PreflightConfig,
    stack: str,
    *,
    token_of: Callable[[Resource], str | None] = lambda r: None,
) -> list[Violation]:
    """Every failed or undecidable finding of the pre-flight policies over ``resources``."""
    suite = config.suite()
    by_id = {p.id: p for p in suite}
    found: list[Violation] = []
    for finding in suite.evaluate(resources):
        if finding.status not in (FindingStatus.FAILED, FindingStatus.UNKNOWN):
            continue
        resource = resources.by_address(finding.address)
        found.append(
            Violation(
                stack=stack,
                location=finding.location or finding.address,
                resource_type=finding.resource_type,
                policy_id=finding.policy_id,
                message=_strip_address(finding.message, finding.address),
                fix=by_id[finding.policy_id].remediation,
                unknown=finding.status is FindingStatus.UNKNOWN,
                token=token_of(resource) if resource is not None else None,
            )
        )
    return found


def find_preflight_error(exc: BaseException | None) -> PreflightError | None:
    """The ``PreflightError`` behind ``exc``: jsii re-raises an Aspect's exception as a ``RuntimeError``
    whose context is ours, and the Pulumi runner keeps the program's exception on ``original``."""
    seen: set[int] = set()
    stack: list[BaseException | None] = [exc]
    while stack:
        current = stack.pop()
        if current is None or id(current) in seen:
            continue
        seen.add(id(current))
        if isinstance(current, PreflightError):
            return current
        stack.extend([getattr(current, "original", None), current.__cause__, current.__context__])
    return None

