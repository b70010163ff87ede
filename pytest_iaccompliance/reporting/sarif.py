"""SARIF 2.1.0 output, so code-scanning dashboards show policy failures next to the source files."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
_LEVEL = {"critical": "error", "warning": "warning"}


def build_sarif(findings: Iterable[Mapping[str, Any]], *, base: Path | None = None) -> dict[str, Any]:
    """One run; a rule per policy seen; a result per failed or cannot-evaluate finding."""
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
        }],
    }


def _uri(path: Path, base: Path | None) -> str:
    if base is not None:
        try:
            return path.resolve().relative_to(base.resolve()).as_posix()
        except ValueError:
            pass
    return path.resolve().as_uri()


def write_sarif(path: Path, findings: Iterable[Mapping[str, Any]], *, base: Path | None = None) -> None:
    from pytest_iaccompliance.reporting.manifest import write_json

    write_json(path, build_sarif(findings, base=base))
