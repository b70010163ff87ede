"""Severity bookkeeping and the exit status, decided on the controller from data on test reports.

Workers (pytest-xdist) only label their reports; the controller, which sees every report, counts
failures by severity and decides whether they fail the session. A single process is its own controller.
"""

from __future__ import annotations

import contextlib
import os
import weakref
from collections.abc import Callable, Generator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from pytest_iaccompliance.model import Finding, FindingStatus, Severity
from pytest_iaccompliance.options import (
    FINDINGS,
    FULL_LIST,
    LOADED_SOURCES,
    OPT_HTML,
    OPT_REPORT,
    OPT_SARIF,
    SHOWN,
    Settings,
)
from pytest_iaccompliance.reporting.text import bounded, listed

if TYPE_CHECKING:
    from pytest_iaccompliance.reporting.sections import FindingCounts

# Namespaced report attributes: plain strings and lists, so they survive xdist's report serialization.
REPORT_SEVERITY = "iaccompliance_severity"
REPORT_FINDINGS = "iaccompliance_findings"
REPORT_SHOWN = "iaccompliance_shown"
# The resources a test's own ``assert_compliant`` judged (inventory entries), for the JSON manifest.
REPORT_RESOURCES = "iaccompliance_resources"
# Set on the report of a scan item (its findings stand for it in SARIF, not the item's own failure).
REPORT_SCAN = "iaccompliance_scan"
TOLERATED = "tolerated"

_SEVERITY_CACHE = pytest.StashKey["Severity | None"]()
# The waivers and baseline plugin (fixtures/waivers.py), reached by name: it imports this module.
EXEMPTIONS_PLUGIN = "iaccompliance-waivers"
_JUDGED_RESOURCES = pytest.StashKey[list[dict[str, Any]]]()
# JUnit XML properties of scan items and severity-marked tests (``report.user_properties``, so xdist carries them).
PROPERTY_SEVERITY = "iac_severity"
PROPERTY_POLICY = "iac_policy_id"
PROPERTY_CONTROLS = "iac_controls"
PROPERTY_WAIVER = "iac_waiver_state"


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
    # Inventory entries of resources judged in tests (``reporting.manifest.resource_entry``).
    resources: list[dict[str, Any]] = field(default_factory=list)
    # ``unique_findings`` and ``counts``, with the number of findings they were made from.
    _unique: tuple[int, list[Finding]] | None = field(default=None, repr=False)
    _counts: tuple[int, FindingCounts] | None = field(default=None, repr=False)

    def unique_findings(self) -> list[Finding]:
        """Each finding once, in arrival order: the summary and every report count a finding once. Made once
        at the end of the session (the findings only grow), not once per reader."""
        if self._unique is None or self._unique[0] != len(self.findings):
            self._unique = (len(self.findings), list(dict.fromkeys(self.findings)))
        return self._unique[1]

    def counts(self) -> FindingCounts:
        """``unique_findings`` counted by status and section: the terminal table and the reports' totals."""
        if self._counts is None or self._counts[0] != len(self.findings):
            from pytest_iaccompliance.reporting.sections import FindingCounts

            self._counts = (len(self.findings), FindingCounts.of(self.unique_findings()))
        return self._counts[1]

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


# The modules whose items are scan items (named, not imported: they import this module).
_SCAN_MODULES = frozenset({"pytest_iaccompliance.collect", "pytest_iaccompliance.collect_drift"})


def _is_scan_item(item: pytest.Item) -> bool:
    return type(item).__module__ in _SCAN_MODULES


def waiver_state(findings: list[Finding]) -> str:
    """``waived``, ``baselined``, ``expired`` (a waiver that no longer holds), joined; ``none`` without any."""
    states = set()
    for finding in findings:
        if finding.status is FindingStatus.WAIVED:
            states.add("waived")
        elif finding.status is FindingStatus.BASELINED:
            states.add("baselined")
        elif finding.waiver and finding.waiver.startswith("expired"):
            states.add("expired")
    return ",".join(sorted(states)) or "none"


def _add_properties(item: pytest.Item, scan: bool) -> None:
    """Severity, policy ids, control ids and waiver state as JUnit XML properties of the item: on the item's
    ``user_properties``, which its later reports carry (JUnit XML reads them from the teardown report)."""
    severity = severity_of(item)
    if severity is None and not scan:
        return
    findings: list[Finding] = item.stash.get(FINDINGS, [])
    policy = getattr(item, "policy", None)
    policies = [policy.id] if policy is not None else sorted({f.policy_id for f in findings})
    controls = list(policy.controls) if policy is not None else []
    for mark in item.iter_markers("compliance"):
        controls.extend(str(arg) for arg in mark.args)
    for finding_controls in dict.fromkeys(tuple(f.controls) for f in findings):  # a scan item shares one tuple
        controls.extend(finding_controls)
    properties = [
        (PROPERTY_SEVERITY, severity.value if severity is not None else ""),
        (PROPERTY_POLICY, ",".join(policies)),
        (PROPERTY_CONTROLS, ",".join(dict.fromkeys(controls))),
        (PROPERTY_WAIVER, waiver_state(findings)),
    ]
    item.user_properties.extend((name, value) for name, value in properties
                                if (name, value) not in item.user_properties)


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
        # JSON source file -> line of each declared address, read once a session (summary and reports).
        self._line_indexes: dict[str, dict[str, int] | None] = {}
        # Without xdist the controller runs the items itself: their findings reach the ledger as they are,
        # never through the dicts a worker's report must carry (half the cost of a 100,000-finding report).
        self._local: weakref.WeakKeyDictionary[pytest.TestReport, list[Finding]] = weakref.WeakKeyDictionary()

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_call(self, item: pytest.Item) -> Generator[None, None, None]:
        """What the test's own ``assert_compliant`` calls judged joins the reports, as a scan's findings do."""
        from pytest_iaccompliance.policies.suite import judged_findings

        with judged_findings() as judged:
            try:
                return (yield)
            finally:
                if judged.findings:
                    self._keep_judged(item, judged.findings, judged.resources)

    def _keep_judged(self, item: pytest.Item, findings: list[Finding], resource_sets: list[Any]) -> None:
        """A finding with no line of its own points at the test that judged it; the manifest gets the
        judged resources' inventory."""
        keep_passed = self.ledger.settings.keeps_passed
        kept = [f for f in findings if keep_passed or f.status is not FindingStatus.PASSED]
        path, line, _ = item.location
        test_file, test_line = str(Path(self.config.rootpath, path)), (line or 0) + 1
        kept = [f if f.origin_line is not None else f.at_origin(test_file, test_line) for f in kept]
        item.stash[FINDINGS] = [*item.stash.get(FINDINGS, []), *kept]
        if keep_passed:
            from pytest_iaccompliance.reporting.manifest import resource_entry

            entries = {(r.source.file, r.address): resource_entry(r) for rs in resource_sets for r in rs}
            item.stash[_JUDGED_RESOURCES] = [*item.stash.get(_JUDGED_RESOURCES, []), *entries.values()]

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
            keep_passed = self.ledger.settings.keeps_passed
            kept = [f for f in item.stash[FINDINGS] if keep_passed or f.status is not FindingStatus.PASSED]
            if self.controller:
                self._local[report] = kept
            else:
                setattr(report, REPORT_FINDINGS, [f.to_dict() for f in kept])
        if _JUDGED_RESOURCES in item.stash:
            setattr(report, REPORT_RESOURCES, item.stash[_JUDGED_RESOURCES])
        scan = _is_scan_item(item)
        if scan:
            setattr(report, REPORT_SCAN, True)
        _add_properties(item, scan)
        return report

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        if not self.controller:
            return
        shown = getattr(report, REPORT_SHOWN, None)
        if shown is not None and isinstance(report.longrepr, str):
            report.longrepr = ShownBounded(report.longrepr, shown)
        local = self._local.pop(report, None)
        if local is not None:
            self.ledger.findings.extend(local)
        elif report.when == "call" and (findings := getattr(report, REPORT_FINDINGS, None)):
            self.ledger.findings.extend(Finding.from_dict(data) for data in findings)
        if report.when == "call":
            self.ledger.resources.extend(getattr(report, REPORT_RESOURCES, None) or ())
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
        self._write_sections(tr)

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
        from pytest_iaccompliance.reporting.locate import with_lines

        tr.write_line("policies with non-compliant resources:")
        limit = self.ledger.settings.max_listed
        indexes = self._line_indexes  # each JSON file is indexed once for every policy and every report
        for policy_id, findings in sorted(by_policy.items()):
            first = findings[0]
            unique = list({f.address: f for f in findings}.values())
            # Lines are looked up only for the resources shown: a bounded list reads each file at most once.
            shown_findings = with_lines(unique if limit is None else unique[:limit], indexes=indexes)
            entries = [self._where(f) for f in shown_findings] + [f.address for f in unique[len(shown_findings):]]
            shown = listed(entries, limit, hint=FULL_LIST)
            tr.write_line(f"    {policy_id} [{first.severity.value}] {first.title}: {shown}")

    def _where(self, finding: Finding) -> str:
        """``address (my_infra.py:12)``: the user's line, relative to the rootdir when inside it."""
        if not finding.origin_file or not finding.origin_line:
            return finding.address
        file = finding.origin_file
        with contextlib.suppress(ValueError):
            file = Path(file).relative_to(self.config.rootpath).as_posix()
        return f"{finding.address} ({file}:{finding.origin_line})"

    def _write_sections(self, tr: pytest.TerminalReporter) -> None:
        """``CIS 2.1 storage: 12 passed, 2 failed``: totals by framework section, bounded like other lists."""
        rows = self.ledger.counts().sections()
        if not rows:
            return
        tr.write_line("by framework section:")
        for line in bounded(rows, self.ledger.settings.max_listed, show=lambda row: f"    {row.line()}",
                            indent="    ", hint=FULL_LIST):
            tr.write_line(line)

    def pytest_sessionfinish(self, session: pytest.Session, exitstatus: int) -> None:
        settings = self.ledger.settings
        if not self.controller or self.config.option.collectonly:
            return
        if settings.report is None and settings.sarif is None and settings.html is None:
            return
        from pytest_iaccompliance.model import paused_gc

        with paused_gc():  # the reports build containers per finding, none holding a cycle
            self._write_reports(session, int(exitstatus))

    def _write_reports(self, session: pytest.Session, exit_status: int) -> None:
        from pytest_iaccompliance import __version__
        from pytest_iaccompliance.reporting.locate import file_lines, with_lines
        from pytest_iaccompliance.reporting.manifest import build_manifest, manifest_head, write_json
        from pytest_iaccompliance.reporting.sarif import write_sarif

        settings = self.ledger.settings
        indexes = self._line_indexes  # files the summary indexed are not indexed again
        built: list[dict[str, Any]] = []
        lined: list[list[Finding]] = []

        def with_lines_once() -> list[Finding]:
            """The findings with their JSON lines, for the manifest and SARIF (they drop duplicates themselves)."""
            if not lined:
                lined.append(with_lines(self.ledger.findings, indexes=indexes))
            return lined[0]

        def manifest_data() -> dict[str, Any]:
            """Built once; its head serves the HTML page too."""
            if not built:
                built.append(build_manifest(with_lines_once(), self.verdict(), tool_version=__version__,
                                            exit_status=exit_status, errors=self.ledger.errors,
                                            **self._manifest_parts(inventory=True)))
            return built[0]

        def manifest(path: Path) -> None:
            write_json(path, manifest_data())

        def sarif(path: Path) -> None:
            write_sarif(path, with_lines_once(), tool_version=__version__,
                        base=self.config.rootpath, errors=self.ledger.errors, exit_status=exit_status,
                        **self._sarif_parts())

        def html(path: Path) -> None:
            from pytest_iaccompliance.reporting.html import write_findings_html

            # Drawn from the findings, not from the manifest's dict per finding: the page of a large run costs
            # a fraction of the manifest, and shows the same counts (the head is the manifest's own).
            unique = self.ledger.unique_findings()
            head = manifest_data() if built else manifest_head(
                unique, self.verdict(), tool_version=__version__, exit_status=exit_status,
                errors=self.ledger.errors, counts=self.ledger.counts(),
                **self._manifest_parts(inventory=False))
            write_findings_html(path, head, unique, lines=lambda file: file_lines(file, indexes),
                                remediation=self._remediations(), environment=_environment())

        writes: tuple[tuple[Path | None, str, Callable[[Path], None]], ...] = (
            (settings.report, OPT_REPORT, manifest),
            (settings.sarif, OPT_SARIF, sarif),
            (settings.html, OPT_HTML, html),
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

    def _remediations(self) -> dict[str, str]:
        """Each policy's remediation line, from the project's policy suite (loaded already where items ran)."""
        from pytest_iaccompliance.options import policy_suite

        try:
            return {p.id: p.remediation for p in policy_suite(self.config) if p.remediation}
        except pytest.UsageError:
            return {}

    def _sarif_parts(self) -> dict[str, Any]:
        """What SARIF needs beyond the findings: remediations, scores, the category, failed marked tests."""
        settings = self.ledger.settings
        remediations = self._remediations()
        failures = [
            {"nodeid": report.nodeid, "file": report.location[0], "line": (report.location[1] or 0) + 1,
             "severity": severity.value}
            for severity, reports in self.ledger.severity_reports.items()
            for report in reports
            if not getattr(report, REPORT_SCAN, False)
        ]
        exemptions = self.config.pluginmanager.get_plugin(EXEMPTIONS_PLUGIN)
        return {"remediations": remediations, "security_severity": settings.security_severity,
                "category": settings.sarif_category, "test_failures": failures,
                "baseline_used": bool(exemptions is not None and exemptions.uses_baseline())}

    def _manifest_parts(self, inventory: bool) -> dict[str, Any]:
        """The source digests, exemptions and (with ``inventory``) the resources and tag settings the manifest
        adds to the findings."""
        from pytest_iaccompliance.policies.rules.tagging import taggable_types
        from pytest_iaccompliance.reporting.manifest import resource_entry, source_entry
        from pytest_iaccompliance.sources import SourceError, discover, load_file

        resources = list(self.ledger.resources)
        read_here = self.config.stash.get(LOADED_SOURCES, {})
        sources: dict[Path, dict[str, Any]] = {}
        for source in self.ledger.settings.sources:
            try:
                files = discover(Path(source))
            except (SourceError, OSError):
                continue
            for file in files:
                loaded = read_here.get(os.path.realpath(file))
                if loaded is None:
                    try:
                        loaded = load_file(file)
                    except (SourceError, OSError):
                        continue  # a collection error already says why
                for part in loaded:
                    sources.setdefault(part.path, source_entry(part.path, part.kind, self.config.rootpath))
                    if inventory:
                        resources.extend(resource_entry(r) for r in part.resources)
        if not inventory:
            return {"sources": list(sources.values()), **self._exemption_state()}
        return {"resources": resources, "sources": list(sources.values()),
                "required_tags": self.ledger.settings.required_tags,
                "taggable_types": taggable_types() if self.ledger.settings.required_tags else frozenset(),
                **self._exemption_state()}

    def _exemption_state(self) -> dict[str, Any]:
        exemptions = self.config.pluginmanager.get_plugin(EXEMPTIONS_PLUGIN)
        if exemptions is None:
            return {"waivers": {"used": [], "expired": [], "stale": [], "complete": True}, "baseline": None}
        state: dict[str, Any] = exemptions.manifest_state(self.ledger.findings)
        return state

    def verdict(self) -> dict[str, Any]:
        ledger = self.ledger
        return {
            severity.value: {
                "failed": ledger.count(severity),
                "limit": ledger.settings.limit_for(severity),
                "fails_session": bool(ledger.decided.get(severity)),
                "tests": sorted(ledger.failed_nodeids(severity)),
            }
            for severity in Severity
        } | {"ordinary_failures": ledger.ordinary_failures}


def _environment() -> dict[str, str]:
    """The versions a report names beside the tool's own."""
    import platform

    return {"python": platform.python_version(), "pytest": pytest.__version__, "platform": platform.platform()}
