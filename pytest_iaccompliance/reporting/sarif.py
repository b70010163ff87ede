"""SARIF 2.1.0 output, so code-scanning dashboards show policy failures next to the source files."""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
_LEVEL = {"critical": "error", "warning": "warning"}


def build_sarif(findings: Iterable[Mapping[str, Any]], *, base: Path | None = None,
                errors: Iterable[Mapping[str, str]] = (), exit_status: int | None = None) -> dict[str, Any]:
    """One run; a rule per policy seen; a result per failed or cannot-evaluate finding.

    Collection errors (``nodeid``, ``file``, ``message``) are tool execution notifications of a run whose
    execution did not succeed: an empty result list then does not read as a clean scan.
    """
    from pytest_iaccompliance import __version__

    rules: dict[str, dict[str, Any]] = {}
    results: list[dict[str, Any]] = []
    for finding in findings:
        status = finding.get("status")
        policy_id = str(finding["policy_id"])
        if policy_id not in rules:
            rules[policy_id] = {
                "id": policy_id,
                "name": policy_id.replace("-", ""),
                "shortDescription": {"text": str(finding.get("title") or policy_id)},
                "defaultConfiguration": {"level": _LEVEL.get(str(finding.get("severity")), "warning")},
                "properties": {
                    "tags": [*finding.get("controls", ()), *finding.get("checkov_ids", ())],
                    "severity": finding.get("severity"),
                },
            }
        if status not in ("failed", "unknown"):
            continue
        message = str(finding.get("message"))
        if status == "unknown":
            message = f"cannot evaluate: {message}"
        result: dict[str, Any] = {
            "ruleId": policy_id,
            "level": _LEVEL.get(str(finding.get("severity")), "warning") if status == "failed" else "note",
            "message": {"text": message},
            "properties": {"address": finding.get("address"), "resourceType": finding.get("resource_type"),
                           "status": status},
        }
        source = finding.get("source_file")
        if source:
            logical = {"name": str(finding.get("address")), "kind": "resource"}
            if finding.get("location"):
                logical["fullyQualifiedName"] = str(finding["location"])
            result["locations"] = [{
                "physicalLocation": {"artifactLocation": {"uri": _uri(Path(str(source)), base)}},
                "logicalLocations": [logical],
            }]
        results.append(result)
    return {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {"name": "pytest-iaccompliance", "version": __version__,
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


def write_sarif(path: Path, findings: Iterable[Mapping[str, Any]], *, base: Path | None = None,
                errors: Iterable[Mapping[str, str]] = (), exit_status: int | None = None) -> None:
    from pytest_iaccompliance.reporting.manifest import write_json

    write_json(path, build_sarif(findings, base=base, errors=errors, exit_status=exit_status))
