"""A configured set of policies: what a project runs, ready for any resource set."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field

from pytest_iaccompliance.model import Finding, Resources, ResourceSet, Severity, as_resource_set
from pytest_iaccompliance.policies.base import Policy, PolicyContext, RuleSettings
from pytest_iaccompliance.policies.engine import evaluate
from pytest_iaccompliance.reporting.text import violations_message

__all__ = ["Judged", "PolicySuite", "judged_findings"]

@dataclass
class Judged:
    """What ``assert_compliant`` judged while a listener collects: the findings (passed ones included) and the
    resource sets they were judged on."""

    findings: list[Finding] = field(default_factory=list)
    resources: list[ResourceSet] = field(default_factory=list)


# The listener of the moment (the pytest glue, per test, so the JSON manifest and SARIF hold what a user's
# test judged as they hold what a scan judged).
_JUDGED: ContextVar[Judged | None] = ContextVar("iaccompliance_judged", default=None)


@contextmanager
def judged_findings() -> Iterator[Judged]:
    """Collect what every ``assert_compliant`` judges inside the block."""
    collected = Judged()
    token = _JUDGED.set(collected)
    try:
        yield collected
    finally:
        _JUDGED.reset(token)


@dataclass(frozen=True)
class PolicySuite:
    """Selected policies with their severity overrides and rule settings applied."""

    policies: tuple[Policy, ...]
    settings: RuleSettings = field(default_factory=RuleSettings)

    @classmethod
    def load(
        cls,
        *,
        select: Sequence[str] | None = None,
        ignore: Sequence[str] | None = None,
        severity_overrides: Mapping[str, Severity] | None = None,
        settings: RuleSettings | None = None,
        plugins: Iterable[object] = (),
    ) -> PolicySuite:
        from pytest_iaccompliance.policies.registry import load_registry

        settings = settings or RuleSettings()
        chosen = load_registry(plugins).select(select, ignore, severity_overrides)
        return cls(tuple(p for p in chosen if p.enabled_by(settings)), settings)

    def __iter__(self) -> Iterator[Policy]:
        return iter(self.policies)

    def __len__(self) -> int:
        return len(self.policies)

    def context(self, resources: Resources) -> PolicyContext:
        return PolicyContext(as_resource_set(resources), self.settings)

    def evaluate(self, resources: Resources) -> list[Finding]:
        """Every finding, passed ones included; a policy that crashes on a resource gives an ``unknown``
        finding saying so, and the other policies and resources are still judged."""
        return evaluate(resources, self.policies, self.settings)

    def violations(self, resources: Resources, min_severity: Severity = Severity.WARNING) -> list[Finding]:
        """Failed and cannot-evaluate findings at or above ``min_severity``."""
        return [f for f in self.evaluate(resources) if f.violates(min_severity)]

    def assert_compliant(self, resources: Resources, min_severity: Severity | str = Severity.WARNING) -> list[Finding]:
        """No policy fails, or cannot evaluate, at ``min_severity`` or above; the ``AssertionError`` lists each
        one. Returns all findings, passed ones included."""
        __tracebackhide__ = True
        resources = as_resource_set(resources)
        threshold = min_severity if isinstance(min_severity, Severity) else Severity.parse(min_severity)
        from pytest_iaccompliance.waivers import WaiverSet, in_code_waivers

        # Waivers recorded in code (cdktf metadata, Pulumi transformations) hold here as in a scan.
        findings = WaiverSet(in_code_waivers(resources)).apply(self.evaluate(resources)).findings
        listener = _JUDGED.get()
        if listener is not None:
            listener.findings.extend(findings)
            listener.resources.append(resources)
        violations = [f for f in findings if f.violates(threshold)]
        if violations:
            raise AssertionError(violations_message(violations, threshold, resources))
        return findings
