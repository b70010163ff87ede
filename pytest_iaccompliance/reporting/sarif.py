"""SARIF 2.1.0 output, so code-scanning dashboards show policy failures next to the source files."""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from pytest_iaccompliance.model import Finding, FindingStatus, Severity

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
_LEVEL = {Severity.CRITICAL: "error", Severity.WARNING: "warning"}


def build_sarif(findings: Iterable[Finding], *, tool_version: str, base: Path | None = None,
                errors: Iterable[Mapping[str, str]] = (), exit_status: int | None = None) -> dict[str, Any]:
    """One run; a rule per policy seen; a result per failed or cannot-evaluate finding.

    Collection errors (``nodeid``, ``file``, ``message``) are tool execution notifications of a run whose
    execution did not succeed: an empty result list then does not read as a clean scan.
    """
    rules: dict[str, dict[str, Any]] = {}
    results: list[dict[str, Any]] = []
    for finding in findings:
        level = _LEVEL[finding.severity]
        if finding.policy_id not in rules:
            rules[finding.policy_id] = {
                "id": finding.policy_id,
                "name": finding.policy_id.replace("-", ""),
                "shortDescription": {"text": finding.title or finding.policy_id},
                "defaultConfiguration": {"level": level},
                "properties": {
                    "tags": [*finding.controls, *finding.checkov_ids],
                    "severity": finding.severity.value,
                },
            }
        if not finding.violates():
            continue
        unknown = finding.status is FindingStatus.UNKNOWN
        result: dict[str, Any] = {
            "ruleId": finding.policy_id,
            "level": "note" if unknown else level,
            "message": {"text": f"cannot evaluate: {finding.message}" if unknown else finding.message},
            "properties": {"address": finding.address, "resourceType": finding.resource_type,
                           "status": finding.status.value},
        }
        if finding.source_file:
            logical = {"name": finding.address, "kind": "resource"}
            if finding.location:
                logical["fullyQualifiedName"] = finding.location
            result["locations"] = [{
                "physicalLocation": {"artifactLocation": {"uri": _uri(Path(finding.source_file), base)}},
                "logicalLocations": [logical],
            }]
        results.append(result)
    return {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {"name": "pytest-iaccompliance", "version": tool_version,
                                "informationUri": "https://pypi.org/project/pytest-iaccompliance/",
                                "rules": list(rules.values())}},
            "results": results,
            "invocations": [_invocation(list(errors), exit_status, base)],
        }],
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
                errors: Iterable[Mapping[str, str]] = (), exit_status: int | None = None) -> None:
    from pytest_iaccompliance.reporting.manifest import write_json

    write_json(path, build_sarif(findings, tool_version=tool_version, base=base, errors=errors,
                                 exit_status=exit_status))
