"""Scan items for ``--iac-drift BASELINE=LIVE``: drift of one severity per item, carrying its findings."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import pytest

from pytest_iaccompliance.collect import ComplianceFailure, SourceCollector, _listed
from pytest_iaccompliance.drift import DriftRule, compare, load_stack
from pytest_iaccompliance.fixtures.waivers import apply_exemptions
from pytest_iaccompliance.model import Finding, FindingStatus, ResourceSet, Severity
from pytest_iaccompliance.options import FINDINGS, SETTINGS
from pytest_iaccompliance.policies.engine import PolicyError


class DriftSource(SourceCollector):
    """One BASELINE=LIVE pair: an item per severity of drift found, or one passing item when none."""

    def __init__(self, *, baseline: Path, rules: tuple[DriftRule, ...], ignored: tuple[str, ...],
                 **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.baseline = baseline
        self.rules = rules
        self.ignored = ignored

    def collect(self) -> Iterable[pytest.Item]:
        live = load_stack(self.path)
        changes = compare(load_stack(self.baseline), live, rules=self.rules, ignored=self.ignored)
        for severity in Severity:
            found = [c.to_finding() for c in changes if c.severity is severity]
            if found:
                yield DriftItem.from_parent(self, name=f"drift-{severity.value}", severity=severity, findings=found,
                                            resources=live, baseline=self.baseline)
        if not changes:
            yield DriftItem.from_parent(self, name="drift-none", severity=None, findings=[], resources=live,
                                        baseline=self.baseline)


class DriftItem(pytest.Item):
    """The drift of one severity in one pair; fails unless every change is waived or baselined."""

    def __init__(self, *, severity: Severity | None, findings: Sequence[Finding], resources: ResourceSet,
                 baseline: Path, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.baseline = baseline
        self.findings = list(findings)
        self.resources = resources
        if severity is not None:
            self.add_marker(severity.value)

    def runtest(self) -> None:
        findings = apply_exemptions(self, self.findings, self.resources)
        self.stash[FINDINGS] = findings
        failed = [f for f in findings if f.status is FindingStatus.FAILED]
        if failed:
            exempt = [f for f in findings if f.status is not FindingStatus.FAILED]
            max_listed = self.config.stash[SETTINGS].max_listed
            lines = [f"{len(failed)} drift(s) of {self.path.name} from {self.baseline.name}:",
                     *_listed(failed, max_listed)]
            if exempt:
                lines += [f"{len(exempt)} waived or baselined (not counted):", *_listed(exempt, max_listed)]
            raise ComplianceFailure("\n".join(lines))

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> str | Any:
        if isinstance(excinfo.value, ComplianceFailure):
            return excinfo.value.text
        if isinstance(excinfo.value, PolicyError):
            return str(excinfo.value)
        return super().repr_failure(excinfo, style=style)

    def reportinfo(self) -> tuple[Path, int | None, str]:
        return self.path, None, f"drift: {self.name}"
