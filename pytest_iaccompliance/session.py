"""Severity bookkeeping and the exit status, decided on the controller from data on test reports.

Workers (pytest-xdist) only label their reports; the controller, which sees every report, counts
failures by severity and decides whether they fail the session. A single process is its own controller.
"""

from __future__ import annotations

from collections.abc import Callable, Generator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from pytest_iaccompliance.model import Finding, FindingStatus, Severity
from pytest_iaccompliance.options import FINDINGS, FULL_LIST, OPT_REPORT, OPT_SARIF, SHOWN, Settings
from pytest_iaccompliance.reporting.text import bounded, listed

# Namespaced report attributes: plain strings and lists, so they survive xdist's report serialization.
REPORT_SEVERITY = "iaccompliance_severity"
REPORT_FINDINGS = "iaccompliance_findings"
REPORT_SHOWN = "iaccompliance_shown"
TOLERATED = "tolerated"

_SEVERITY_CACHE = pytest.StashKey["Severity | None"]()


@dataclass
class Ledger:
    """What the controller has seen: the facts the exit status and summary are decided from."""

    settings: Settings
    ordinary_failures: int = 0
    severity_reports: dict[Severity, list[pytest.TestReport]] = field(default_factory=dict)
    findings: list[Finding] = field(default_factory=list)
    # Collection errors (a broken source or test module): why a run stopped, for the reports.
    errors: list[dict[str, str]] = field(default_factory=list)
    decided: dict[Severity, bool] = field(default_factory=dict)

    def failed_nodeids(self, severity: Severity) -> list[str]:
        return list(dict.fromkeys(r.nodeid for r in self.severity_reports.get(severity, ())))

    def count(self, severity: Severity) -> int:
        return len(self.failed_nodeids(severity))

    def over_limit(self, severity: Severity) -> bool:
        limit = self.settings.limit_for(severity)
        return limit is not None and self.count(severity) > limit


LEDGER = pytest.StashKey[Ledger]()


def is_controller(config: pytest.Config) -> bool:
    return not hasattr(config, "workerinput")


def severity_of(item: pytest.Item) -> Severity | None:
    """The closest ``critical``/``warning`` marker wins (a test's own mark beats its class's)."""
    if _SEVERITY_CACHE in item.stash:
        return item.stash[_SEVERITY_CACHE]
    found: Severity | None = None
    for mark in item.iter_markers():
        if mark.name in ("critical", "warning"):
            found = Severity(mark.name)
            break
    item.stash[_SEVERITY_CACHE] = found
    return found


def _is_verdict(call: pytest.CallInfo[None]) -> bool:
    """A policy that crashed says nothing about compliance: its failure is an ordinary error."""
    if call.excinfo is None:
        return True
    from pytest_iaccompliance.policies.engine import PolicyError

    return not isinstance(call.excinfo.value, PolicyError)


def error_line(report: pytest.CollectReport) -> str:
    """The first line of a collection error: what and where, without the traceback or its locals."""
    crash = getattr(report.longrepr, "reprcrash", None)
    text = str(crash.message) if crash is not None else str(report.longrepr)
    return next((line.strip() for line in text.splitlines() if line.strip()), "collection error")[:500]


class ShownBounded(str):
    """A failure text that is complete where a report reads it (``str``: JUnit) and bounded where the terminal
    shows it (``toterminal``), so a 50,000-resource failure is a few lines on screen and whole in the XML."""

    shown: str

    def __new__(cls, full: str, shown: str) -> ShownBounded:
        text = super().__new__(cls, full)
        text.shown = shown
        return text

    def toterminal(self, out: Any) -> None:
        for line in self.shown.split("\n"):
            out.line(line)


class SeverityPlugin:
    """Registered on every process; counting and deciding happen only where ``is_controller``."""

    def __init__(self, config: pytest.Config, settings: Settings) -> None:
        self.config = config
        self.controller = is_controller(config)
        self.report_errors: list[str] = []
        self.stopped_early = False
        self.ledger = Ledger(settings)
        config.stash[LEDGER] = self.ledger
        # Findings of reports made in this process, by node id, until the report is logged.
        self._local_findings: dict[str, list[Finding]] = {}

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_makereport(
        self, item: pytest.Item, call: pytest.CallInfo[None]
    ) -> Generator[None, pytest.TestReport, pytest.TestReport]:
        report = yield
        # Only the call phase is the test's verdict (a broken fixture is an ordinary error), and only
        # a failure needs its severity: a passing suite pays nothing for the markers.
        if report.when != "call":
            return report
        if report.failed and (severity := severity_of(item)) is not None and _is_verdict(call):
            setattr(report, REPORT_SEVERITY, severity.value)
        if SHOWN in item.stash and report.failed:
            setattr(report, REPORT_SHOWN, item.stash[SHOWN])
        if FINDINGS in item.stash:
            # Passed findings matter only to the JSON manifest; skip serializing them otherwise.
            keep_passed = self.ledger.settings.report is not None
            kept = [f for f in item.stash[FINDINGS] if keep_passed or f.status is not FindingStatus.PASSED]
            if self.controller:
                # The report stays in this process: the findings reach the ledger as they are, without the
                # round trip through dicts that an xdist worker's report needs (tens of thousands on a plan).
                self._local_findings[report.nodeid] = kept
            else:
                setattr(report, REPORT_FINDINGS, [f.to_dict() for f in kept])
        return report

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        if not self.controller:
            return
        shown = getattr(report, REPORT_SHOWN, None)
        if shown is not None and isinstance(report.longrepr, str):
            report.longrepr = ShownBounded(report.longrepr, shown)
        if report.when == "call":
            local = self._local_findings.pop(report.nodeid, None)
            if local is not None:
                self.ledger.findings.extend(local)
            elif findings := getattr(report, REPORT_FINDINGS, None):
                self.ledger.findings.extend(Finding.from_dict(data) for data in findings)
        if not report.failed or hasattr(report, "wasxfail"):
            return
        severity = getattr(report, REPORT_SEVERITY, None)
        if severity is None:
            self.ledger.ordinary_failures += 1
        else:
            self.ledger.severity_reports.setdefault(Severity(severity), []).append(report)

    def pytest_collectreport(self, report: pytest.CollectReport) -> None:
        # Under xdist the controller receives every worker's failed collection report (once per error).
        if not self.controller or not report.failed:
            return
        error = {"nodeid": report.nodeid, "file": report.fspath, "message": error_line(report)}
        if error not in self.ledger.errors:
            self.ledger.errors.append(error)

    def pytest_report_teststatus(
        self, report: pytest.TestReport, config: pytest.Config
    ) -> tuple[str, str, tuple[str, dict[str, bool]]] | None:
        severity = getattr(report, REPORT_SEVERITY, None)
        if severity is None or not report.failed or hasattr(report, "wasxfail"):
            return None
        letter = "C" if severity == Severity.CRITICAL.value else "W"
        return "failed", letter, (f"FAILED ({severity})", {"red": True})

    @pytest.hookimpl(wrapper=True)
    def pytest_runtestloop(self, session: pytest.Session) -> Generator[None, object, object]:
        try:
            return (yield)
        finally:
            # Also when -x/--maxfail or an interruption ends the loop: the summary and the manifest
            # then state the counts so far, and pytest's own exit status stands.
            if self.controller and not self.config.option.collectonly:
                self._decide(session)

    def _decide(self, session: pytest.Session) -> None:
        self.stopped_early = bool(session.shouldfail or session.shouldstop)
        ledger = self.ledger
        tolerated = 0
        for severity in Severity:
            ledger.decided[severity] = ledger.over_limit(severity)
            if not ledger.decided[severity]:
                tolerated += len(ledger.severity_reports.get(severity, ()))
        # pytest's exit status reads testsfailed, which also counts collection errors: take out only
        # the failures that are tolerated.
        session.testsfailed = max(0, session.testsfailed - tolerated)

    @pytest.hookimpl(trylast=True)
    def pytest_terminal_summary(self, terminalreporter: pytest.TerminalReporter) -> None:
        ledger = self.ledger
        for error in self.report_errors:
            terminalreporter.write_line(f"iaccompliance: {error}", red=True, bold=True)
        if not ledger.decided or (not any(ledger.severity_reports.values()) and not ledger.findings):
            return
        self._move_tolerated(terminalreporter)
        tr = terminalreporter
        tr.write_sep("=", "compliance summary")
        if self.stopped_early:
            tr.write_line("the run stopped early (-x/--maxfail or an interruption): counts so far; "
                          "pytest's exit status stands", yellow=True)
        for severity in (Severity.CRITICAL, Severity.WARNING):
            limit = ledger.settings.limit_for(severity)
            count = ledger.count(severity)
            limit_text = "no limit" if limit is None else f"limit {limit}"
            if ledger.decided.get(severity):
                verdict, markup = "FAILS the session", {"red": True, "bold": True}
            elif count:
                verdict, markup = "tolerated", {"yellow": True}
            else:
                verdict, markup = "ok", {"green": True}
            tr.write_line(f"{severity.value} failures: {count} ({limit_text}) -> {verdict}", **markup)
            for line in bounded(ledger.failed_nodeids(severity), ledger.settings.max_listed,
                                show=lambda nodeid: f"    {nodeid}", indent="    ", hint=FULL_LIST):
                tr.write_line(line)
        self._write_policy_lines(tr)

    def _move_tolerated(self, tr: pytest.TerminalReporter) -> None:
        """Tolerated failures leave pytest's "failed" tally, so its last line shows what counted."""
        tolerated_ids = {
            id(report)
            for severity, reports in self.ledger.severity_reports.items()
            if not self.ledger.decided.get(severity)
            for report in reports
        }
        if not tolerated_ids:
            return
        failed = tr.stats.get("failed", [])
        keep = [r for r in failed if id(r) not in tolerated_ids]
        moved = [r for r in failed if id(r) in tolerated_ids]
        if keep:
            tr.stats["failed"] = keep
        else:
            tr.stats.pop("failed", None)
        if moved:
            tr.stats.setdefault(TOLERATED, []).extend(moved)

    def _write_policy_lines(self, tr: pytest.TerminalReporter) -> None:
        violations = [f for f in self.ledger.findings if f.violates()]
        if not violations:
            return
        by_policy: dict[str, list[Finding]] = {}
        for finding in violations:
            by_policy.setdefault(finding.policy_id, []).append(finding)
        tr.write_line("policies with non-compliant resources:")
        for policy_id, findings in sorted(by_policy.items()):
            first = findings[0]
            addresses = list(dict.fromkeys(f.address for f in findings))
            shown = listed(addresses, self.ledger.settings.max_listed, hint=FULL_LIST)
            tr.write_line(f"    {policy_id} [{first.severity.value}] {first.title}: {shown}")

    def pytest_sessionfinish(self, session: pytest.Session, exitstatus: int) -> None:
        settings = self.ledger.settings
        if not self.controller or self.config.option.collectonly:
            return
        from pytest_iaccompliance import __version__
        from pytest_iaccompliance.reporting.manifest import write_manifest
        from pytest_iaccompliance.reporting.sarif import write_sarif

        def manifest(path: Path) -> None:
            write_manifest(path, self.ledger.findings, self.verdict(), tool_version=__version__,
                           exit_status=int(exitstatus), errors=self.ledger.errors)

        def sarif(path: Path) -> None:
            write_sarif(path, self.ledger.findings, tool_version=__version__, base=self.config.rootpath,
                        errors=self.ledger.errors, exit_status=int(exitstatus))

        writes: tuple[tuple[Path | None, str, Callable[[Path], None]], ...] = (
            (settings.report, OPT_REPORT, manifest),
            (settings.sarif, OPT_SARIF, sarif),
        )
        for path, option, write in writes:
            if path is None:
                continue
            try:
                write(path)
            except OSError as exc:
                # A report the pipeline expects but did not get must not look like a green run.
                self.report_errors.append(f"{option}: cannot write {path}: {exc.strerror or exc}")
                if session.exitstatus == pytest.ExitCode.OK:
                    session.exitstatus = pytest.ExitCode.TESTS_FAILED

    def verdict(self) -> dict[str, Any]:
        ledger = self.ledger
        return {
            severity.value: {
                "failed": ledger.count(severity),
                "limit": ledger.settings.limit_for(severity),
                "fails_session": bool(ledger.decided.get(severity)),
                "tests": ledger.failed_nodeids(severity),
            }
            for severity in Severity
        } | {"ordinary_failures": ledger.ordinary_failures}
