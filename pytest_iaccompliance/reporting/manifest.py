"""The JSON compliance manifest: every finding plus the severity verdict, for audit trails."""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from collections.abc import Iterable, Mapping
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from pytest_iaccompliance.model import Finding

MANIFEST_VERSION = 1


def build_manifest(findings: Iterable[Finding], verdict: Mapping[str, Any], *, tool_version: str,
                   exit_status: int | None = None, errors: Iterable[Mapping[str, str]] = ()) -> dict[str, Any]:
    """Every finding, passed ones included, with the verdict; ``errors`` are the collection errors
    (``nodeid``, ``file``, one-line ``message``) that explain a run that stopped before judging everything."""
    ordered = sorted(findings, key=lambda f: (f.policy_id, str(f.source_file), f.address))
    totals: dict[str, int] = {}
    for finding in ordered:
        totals[finding.status.value] = totals.get(finding.status.value, 0) + 1
    return {
        "manifest_version": MANIFEST_VERSION,
        "tool": {"name": "pytest-iaccompliance", "version": tool_version},
        "generated_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "exit_status": exit_status,
        "errors": [dict(error) for error in errors],
        "verdict": dict(verdict),
        "totals": totals,
        "findings": [finding.to_dict() for finding in ordered],
    }


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def write_json(path: Path, data: Any) -> None:
    """Write atomically, so a pipeline never reads half a report; no temporary file is left behind."""
    write_text(path, json.dumps(data, indent=2, sort_keys=True) + "\n")


def write_text(path: Path, text: str) -> None:
    """Any report, written atomically: complete or absent, never half; no temporary file is left behind."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        # mkstemp makes the file private (0600); a report is as readable as any file the user creates.
        os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def write_manifest(path: Path, findings: Iterable[Finding], verdict: Mapping[str, Any], *, tool_version: str,
                   exit_status: int | None = None, errors: Iterable[Mapping[str, str]] = ()) -> None:
    write_json(path, build_manifest(findings, verdict, tool_version=tool_version, exit_status=exit_status,
                                    errors=errors))
