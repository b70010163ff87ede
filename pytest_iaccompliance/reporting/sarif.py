"""SARIF 2.1.0 output that GitHub code scanning takes as is: annotations on the user's own lines.

One run, with a stable ``automationDetails.id`` (so a re-run replaces its alerts rather than adding a
category); a rule per policy seen, with ``security-severity`` (a string, as GitHub requires) and help naming
the remediation and the control ids; a result per failed or cannot-evaluate finding, and per waived or
baselined one as a suppressed result, each at the Python line that declared the resource when known (else
the line of the resource in its JSON file); a result per failed test marked ``critical`` or ``warning``, at
the test's own line. Messages are the findings' (secret-safe by construction) and never a test's failure
text, which may quote any value.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any, Final

from pytest_iaccompliance.model import Finding, FindingStatus, Severity

__all__ = ["DEFAULT_CATEGORY", "DEFAULT_SECURITY_SEVERITY", "SARIF_SCHEMA", "TEST_RULE", "build_sarif",
           "write_sarif"]

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
_LEVEL = {Severity.CRITICAL: "error", Severity.WARNING: "warning"}
# GitHub reads a rule's ``security-severity`` (0.0-10.0, as a string): 9.0 and up is "critical", 4.0-6.9
# "medium". Configurable per severity (ini iac_security_severity).
DEFAULT_SECURITY_SEVERITY: Final[Mapping[Severity, str]] = {Severity.CRITICAL: "9.0", Severity.WARNING: "5.0"}
DEFAULT_CATEGORY: Final = "pytest-iaccompliance"
# The rule of a failed test marked critical or warning: ``TEST-CRITICAL``, ``TEST-WARNING``.
TEST_RULE: Final = "TEST-{}"
_EXEMPT: Final = {FindingStatus.WAIVED: "waived", FindingStatus.BASELINED: "baselined"}


def build_sarif(findings: Iterable[Finding], *, tool_version: str, base: Path | None = None,
                errors: Iterable[Mapping[str, str]] = (), exit_status: int | None = None,
                remediations: Mapping[str, str] | None = None,
                security_severity: Mapping[Severity, str] | None = None,
                test_failures: Iterable[Mapping[str, Any]] = (), category: str = DEFAULT_CATEGORY,
                baseline_used: bool = False) -> dict[str, Any]:
    """The SARIF document of a run.

    ``remediations`` maps policy ids to their remediation line; ``test_failures`` are failed tests marked
    critical or warning (``nodeid``, ``file`` relative to ``base``, 1-based ``line``, ``severity``). Collection
    errors (``nodeid``, ``file``, ``message``) are tool execution notifications of a run whose execution did
    not succeed: an empty result list then does not read as a clean scan.
    """
    scores = {**DEFAULT_SECURITY_SEVERITY, **(security_severity or {})}
    remediations = remediations or {}
    rules: dict[str, dict[str, Any]] = {}
    results: list[dict[str, Any]] = []
    ordered = sorted(set(findings), key=_finding_order)
    for finding in ordered:
        if finding.policy_id not in rules:
            rules[finding.policy_id] = _rule(finding, remediations.get(finding.policy_id, ""), scores)
        exempt = finding.status in _EXEMPT
        if not finding.violates() and not exempt:
            continue
        results.append(_result(finding, base, baseline_used))
    for failure in sorted(test_failures, key=lambda f: (str(f.get("nodeid")), str(f.get("severity")))):
        severity = Severity(str(failure["severity"]))
        rule_id = TEST_RULE.format(severity.value.upper())
        if rule_id not in rules:
            rules[rule_id] = _test_rule(severity, scores)
        results.append(_test_result(rule_id, severity, failure, base))
    index = {rule_id: position for position, rule_id in enumerate(rules)}
    for result in results:
        result["ruleIndex"] = index[result["ruleId"]]
    driver: dict[str, Any] = {"name": "pytest-iaccompliance", "version": tool_version,
                              "informationUri": "https://pypi.org/project/pytest-iaccompliance/",
                              "rules": list(rules.values())}
    if _semantic(tool_version):
        driver["semanticVersion"] = tool_version
    return {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": driver},
            "automationDetails": {"id": f"{category.rstrip('/')}/"},
            "columnKind": "unicodeCodePoints",
            "results": results,
            "invocations": [_invocation(list(errors), exit_status, base)],
        }],
    }


def _semantic(version: str) -> bool:
    parts = version.split("+")[0].split(".")
    return len(parts) == 3 and all(part.isdigit() for part in parts)


def _finding_order(finding: Finding) -> tuple[str, ...]:
    return (finding.policy_id, finding.source_file or "", finding.address, finding.status.value, finding.message,
            finding.origin_file or "", str(finding.origin_line or 0), finding.waiver or "")


def _rule(finding: Finding, remediation: str, scores: Mapping[Severity, str]) -> dict[str, Any]:
    title = finding.title or finding.policy_id
    controls = [*finding.controls]
    text = [title]
    markdown = [f"**{title}**"]
    if remediation:
        text.append(f"Remediation: {remediation}")
        markdown.append(f"**Remediation:** {remediation}")
    if controls:
        text.append(f"Controls: {', '.join(controls)}")
        markdown.append("**Controls:** " + ", ".join(f"`{c}`" for c in controls))
    if finding.checkov_ids:
        text.append(f"Equivalent Checkov checks: {', '.join(finding.checkov_ids)}")
        markdown.append("**Equivalent Checkov checks:** " + ", ".join(f"`{c}`" for c in finding.checkov_ids))
    rule: dict[str, Any] = {
        "id": finding.policy_id,
        "name": finding.policy_id.replace("-", ""),
        "shortDescription": {"text": title},
        "fullDescription": {"text": title},
        "help": {"text": "\n".join(text), "markdown": "\n\n".join(markdown)},
        "defaultConfiguration": {"level": _LEVEL[finding.severity]},
        "properties": {
            "tags": ["security", "compliance", *controls, *finding.checkov_ids],
            "severity": finding.severity.value,
            "security-severity": scores[finding.severity],
            "precision": "high",
            "problem.severity": _LEVEL[finding.severity],
        },
    }
    return rule


def _test_rule(severity: Severity, scores: Mapping[Severity, str]) -> dict[str, Any]:
    title = f"A test marked {severity.value} failed"
    help_text = (f"{title}: a compliance check written as a test. Remediation: fix the infrastructure the test "
                 "checks (its failure text says what it found), or the test.")
    return {
        "id": TEST_RULE.format(severity.value.upper()),
        "name": f"Failed{severity.value.title()}Test",
        "shortDescription": {"text": title},
        "fullDescription": {"text": title},
        "help": {"text": help_text, "markdown": help_text},
        "defaultConfiguration": {"level": _LEVEL[severity]},
        "properties": {"tags": ["security", "compliance", "test"], "severity": severity.value,
                       "security-severity": scores[severity], "precision": "high",
                       "problem.severity": _LEVEL[severity]},
    }


def _result(finding: Finding, base: Path | None, baseline_used: bool) -> dict[str, Any]:
    unknown = finding.status is FindingStatus.UNKNOWN
    text = f"cannot evaluate: {finding.message}" if unknown else finding.message
    result: dict[str, Any] = {
        "ruleId": finding.policy_id,
        "level": "note" if unknown else _LEVEL[finding.severity],
        "message": {"text": text},
        "locations": [_location(finding, base)],
        "partialFingerprints": {"iacFinding/v1": _fingerprint(finding, base)},
        "properties": {"address": finding.address, "resourceType": finding.resource_type,
                       "status": finding.status.value, "controls": list(finding.controls)},
    }
    if finding.status in _EXEMPT:
        result["suppressions"] = [{"kind": "external", "status": "accepted",
                                   "justification": finding.waiver or _EXEMPT[finding.status]}]
    if baseline_used:
        result["baselineState"] = "unchanged" if finding.status is FindingStatus.BASELINED else "new"
    return result


def _location(finding: Finding, base: Path | None) -> dict[str, Any]:
    """The user's own line when known, else the source file's first line; always a physical location."""
    logical: dict[str, str] = {"name": finding.address, "kind": "resource"}
    if finding.location:
        logical["fullyQualifiedName"] = finding.location
    file, line = finding.origin_file, finding.origin_line
    if not file or not line:
        file, line = finding.source_file, 1
    location: dict[str, Any] = {"logicalLocations": [logical]}
    if file:
        location["physicalLocation"] = {"artifactLocation": _artifact(Path(file), base),
                                        "region": {"startLine": int(line or 1)}}
    return location


def _artifact(path: Path, base: Path | None) -> dict[str, str]:
    return {"uri": _uri(path, base)}


def _fingerprint(finding: Finding, base: Path | None) -> str:
    """Stable across runs and line moves: the policy, the resource and its source (relative)."""
    source = _uri(Path(finding.source_file), base) if finding.source_file else ""
    return hashlib.sha256(f"{finding.policy_id}\0{finding.address}\0{source}".encode()).hexdigest()


def _test_result(rule_id: str, severity: Severity, failure: Mapping[str, Any], base: Path | None) -> dict[str, Any]:
    nodeid = str(failure["nodeid"])
    file = str(failure.get("file") or nodeid.split("::", 1)[0])
    line = int(failure.get("line") or 1)
    path = Path(file) if base is None or os.path.isabs(file) else Path(base, file)
    return {
        "ruleId": rule_id,
        "level": _LEVEL[severity],
        "message": {"text": f"{nodeid} (marked {severity.value}) failed"},
        "locations": [{"physicalLocation": {"artifactLocation": _artifact(path, base),
                                            "region": {"startLine": max(line, 1)}},
                       "logicalLocations": [{"name": nodeid, "kind": "function"}]}],
        "partialFingerprints": {"iacTest/v1": hashlib.sha256(nodeid.encode()).hexdigest()},
        "properties": {"nodeid": nodeid, "severity": severity.value},
    }


# pytest's exit codes of a run that ended without judging everything: interrupted, internal or usage error.
_UNFINISHED = {2, 3, 4}


def _invocation(errors: list[Mapping[str, str]], exit_status: int | None, base: Path | None) -> dict[str, Any]:
    notifications: list[dict[str, Any]] = []
    for error in errors:
        notification: dict[str, Any] = {"level": "error", "message": {"text": str(error.get("message"))}}
        if error.get("nodeid"):
            notification["properties"] = {"nodeid": str(error["nodeid"])}
        if error.get("file"):
            file = Path(str(error["file"]))
            notification["locations"] = [{"physicalLocation": {"artifactLocation": {
                "uri": _uri(file if base is None else Path(base, file), base)}}}]
        notifications.append(notification)
    invocation: dict[str, Any] = {
        "executionSuccessful": not errors and exit_status not in _UNFINISHED,
        "toolExecutionNotifications": notifications,
    }
    if exit_status is not None:
        invocation["exitCode"] = exit_status
    return invocation


def _uri(path: Path, base: Path | None) -> str:
    """Relative to ``base`` when inside it; lexical, so a symlink loop cannot break the report."""
    absolute = Path(os.path.abspath(path))
    if base is not None:
        try:
            return absolute.relative_to(os.path.abspath(base)).as_posix()
        except ValueError:
            pass
    return absolute.as_uri()


def write_sarif(path: Path, findings: Iterable[Finding], *, tool_version: str, base: Path | None = None,
                errors: Iterable[Mapping[str, str]] = (), exit_status: int | None = None,
                **options: Any) -> None:
    """``build_sarif`` written atomically; ``options`` are its keyword arguments."""
    from pytest_iaccompliance.reporting.manifest import write_json

    write_json(path, build_sarif(findings, tool_version=tool_version, base=base, errors=errors,
                                 exit_status=exit_status, **options))
