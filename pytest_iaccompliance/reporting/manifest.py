"""The JSON compliance manifest: every finding plus the severity verdict, for audit trails."""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import tempfile
from collections.abc import Collection, Iterable, Mapping, Sequence
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from pytest_iaccompliance.model import Finding, Resource

if TYPE_CHECKING:
    from pytest_iaccompliance.reporting.sections import FindingCounts

MANIFEST_VERSION = 2
# The JSON Schema every manifest validates against, shipped beside this module.
MANIFEST_SCHEMA = Path(__file__).with_name("manifest.schema.json")


def manifest_schema() -> dict[str, Any]:
    """The published JSON Schema of the manifest (draft 2020-12)."""
    schema: dict[str, Any] = json.loads(MANIFEST_SCHEMA.read_text(encoding="utf-8"))
    return schema


def generated_at() -> str:
    """Now, or ``SOURCE_DATE_EPOCH`` when set: a reproducible build gets a reproducible report."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    moment = datetime.fromtimestamp(int(epoch), timezone.utc) if epoch.isdigit() else datetime.now(timezone.utc)
    return moment.isoformat(timespec="seconds")


def _finding_key(finding: Finding) -> tuple[str, ...]:
    return (finding.policy_id, str(finding.source_file), finding.address, finding.status.value, finding.message,
            str(finding.origin_file), str(finding.origin_line), str(finding.waiver))


def build_manifest(findings: Iterable[Finding], verdict: Mapping[str, Any], *, tool_version: str,
                   exit_status: int | None = None, errors: Iterable[Mapping[str, str]] = (),
                   resources: Iterable[Mapping[str, Any]] = (), sources: Iterable[Mapping[str, Any]] = (),
                   required_tags: Sequence[str] = (), waivers: Mapping[str, Any] | None = None,
                   baseline: Mapping[str, Any] | None = None,
                   taggable_types: Collection[str] = ()) -> dict[str, Any]:
    """Every finding, passed ones included, with the verdict; ``errors`` are the collection errors
    (``nodeid``, ``file``, one-line ``message``) that explain a run that stopped before judging everything.

    ``resources`` are inventory entries (``resource_entry``), ``sources`` the files read with their digests
    (``source_entry``), ``waivers`` and ``baseline`` what the run's exemptions did. The document validates
    against ``manifest_schema()``; the same findings give the same document, in any order.
    """
    ordered = sorted(set(findings), key=_finding_key)
    inventory = sorted({(str(r["source_file"]), str(r["address"])): dict(r) for r in resources}.items())
    entries = [entry for _, entry in inventory]
    return {
        **manifest_head(ordered, verdict, tool_version=tool_version, exit_status=exit_status, errors=errors,
                        sources=sources, waivers=waivers, baseline=baseline),
        "resources": entries,
        "tag_coverage": tag_coverage(entries, required_tags, taggable_types),
        "findings": [finding.to_dict() for finding in ordered],
    }


def manifest_head(findings: Collection[Finding], verdict: Mapping[str, Any], *, tool_version: str,
                  exit_status: int | None = None, errors: Iterable[Mapping[str, str]] = (),
                  sources: Iterable[Mapping[str, Any]] = (), waivers: Mapping[str, Any] | None = None,
                  baseline: Mapping[str, Any] | None = None, counts: FindingCounts | None = None) -> dict[str, Any]:
    """The manifest without its findings, inventory and tag coverage: the run, the verdict and the totals of
    ``findings`` (given without duplicates), which is all the HTML page needs beside the findings themselves.
    ``counts`` are their ``FindingCounts`` when the caller has them already."""
    from pytest_iaccompliance.reporting.sections import FindingCounts

    if counts is None:
        counts = FindingCounts.of(findings)
    return {
        "manifest_version": MANIFEST_VERSION,
        "tool": {"name": "pytest-iaccompliance", "version": tool_version},
        "generated_at": generated_at(),
        "exit_status": exit_status,
        "errors": [dict(error) for error in errors],
        "verdict": dict(verdict),
        "totals": counts.by_status(),
        "sections": [row.to_dict() for row in counts.sections()],
        "sources": sorted((dict(source) for source in sources), key=lambda s: str(s["path"])),
        "waivers": dict(waivers) if waivers is not None else {"used": [], "expired": [], "stale": []},
        "baseline": dict(baseline) if baseline is not None else None,
    }


def resource_entry(resource: Resource) -> dict[str, Any]:
    """One resource for the manifest's inventory: where it is declared and its tags (a tag whose key names a
    secret, or that the source marked secret, shows its type only)."""
    source = resource.source
    tags = {str(key): (str(value) if not resource.is_secret(f"tags.{key}") else "<secret>")
            for key, value in resource.tags.items()}
    return {
        "address": resource.address,
        "type": resource.type,
        "source_file": source.file,
        "origin_file": source.origin_file,
        "origin_line": source.origin_line,
        "tags": dict(sorted(tags.items())),
    }


def source_entry(path: Path, kind: str, root: Path | None = None) -> dict[str, Any]:
    """A source file read, with the sha256 of its content: the manifest says exactly what was judged."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    shown = str(path)
    if root is not None:
        with contextlib.suppress(ValueError):
            shown = Path(os.path.abspath(path)).relative_to(os.path.abspath(root)).as_posix()
    return {"path": shown, "kind": kind, "sha256": digest.hexdigest()}


def tag_coverage(resources: Sequence[Mapping[str, Any]], required: Sequence[str],
                 taggable_types: Collection[str] = ()) -> dict[str, Any]:
    """Per required tag (ini ``iac_required_tags``): how many taggable resources carry it, and which do not.

    A resource is taggable when its type is in ``taggable_types`` (the tagging rule's list) or it has tags.
    """
    taggable = [r for r in resources if r["type"] in taggable_types or r.get("tags")]
    by_tag: dict[str, Any] = {}
    for tag in required:
        missing = sorted(str(r["address"]) for r in taggable if tag not in (r.get("tags") or {}))
        tagged = len(taggable) - len(missing)
        by_tag[tag] = {"tagged": tagged, "missing": missing,
                       "coverage": round(tagged / len(taggable), 4) if taggable else 1.0}
    return {"required": list(required), "taggable": len(taggable), "by_tag": by_tag}


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def write_json(path: Path, data: Any) -> None:
    """Write atomically, so a pipeline never reads half a report; no temporary file is left behind."""
    write_text(path, readable_json(data) + "\n")


# Each line below the indented levels: sorted keys, ASCII, written by the C encoder.
_LINE: Final = json.JSONEncoder(sort_keys=True, separators=(", ", ": "))


def readable_json(data: Any, levels: int = 2) -> str:
    """JSON indented by two spaces for its outer ``levels``, each deeper value on one line: one finding, one
    resource or one result per line, for a reader, ``grep`` and a diff. Keys are sorted, so the same data gives
    the same text. (Python's indenting encoder is pure Python: seconds for a large run's manifest.)"""
    def render(value: Any, level: int) -> str:
        if level >= levels or not value or not isinstance(value, (dict, list)):
            return _LINE.encode(value)
        pad = "\n" + "  " * (level + 1)
        if isinstance(value, dict):
            items = [f"{pad}{_LINE.encode(str(key))}: {render(value[key], level + 1)}" for key in sorted(value)]
            return "{" + ",".join(items) + "\n" + "  " * level + "}"
        return "[" + ",".join(f"{pad}{render(item, level + 1)}" for item in value) + "\n" + "  " * level + "]"

    return render(data, 0)


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
                   exit_status: int | None = None, errors: Iterable[Mapping[str, str]] = (), **parts: Any) -> None:
    """``build_manifest`` written atomically; ``parts`` are its other keyword arguments."""
    write_json(path, build_manifest(findings, verdict, tool_version=tool_version, exit_status=exit_status,
                                    errors=errors, **parts))
