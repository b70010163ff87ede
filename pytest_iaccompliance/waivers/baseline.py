"""Baselines: the failed findings a stack had when the gate was adopted, so only new ones count.

Keyed by (source path relative to the rootdir, resource address, policy id): never by message text, which
changes with wording, and never by address alone, so that the same address in another file is a new
finding rather than one silently absorbed. The file is sorted, indented JSON without timestamps, so a
shrinking baseline reads as a small diff in review.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple

from pytest_iaccompliance.model import Finding, FindingStatus
from pytest_iaccompliance.waivers.model import WaiverError, relative_source

__all__ = ["BASELINE_VERSION", "Baseline", "BaselineApplied", "BaselineKey"]

BASELINE_VERSION = 1
_FIELDS = ("source", "address", "policy_id")
# What a baseline records and absorbs: what would otherwise count against the thresholds.
_OPEN = (FindingStatus.FAILED, FindingStatus.UNKNOWN, FindingStatus.BASELINED)


class BaselineKey(NamedTuple):
    source: str
    address: str
    policy_id: str

    def describe(self) -> str:
        where = f" in {self.source}" if self.source else ""
        return f"{self.policy_id} {self.address}{where}"

    @classmethod
    def of(cls, finding: Finding | Mapping[str, Any], root: Path | None) -> BaselineKey:
        if isinstance(finding, Finding):
            return cls(relative_source(finding.source_file, root), finding.address, finding.policy_id)
        return cls(relative_source(finding.get("source_file"), root), str(finding["address"]),
                   str(finding["policy_id"]))


@dataclass
class BaselineApplied:
    findings: list[Finding]
    used: set[BaselineKey]


@dataclass(frozen=True)
class Baseline:
    """A set of accepted (source, address, policy) keys; ``origin`` names the file in messages."""

    keys: frozenset[BaselineKey]
    origin: str = "baseline"

    @classmethod
    def from_findings(cls, findings: Iterable[Finding | Mapping[str, Any]], root: Path | None,
                      origin: str = "baseline") -> Baseline:
        """The findings that count against thresholds (failed, cannot evaluate, already baselined)."""
        statuses = {s.value for s in _OPEN}
        keys = set()
        for finding in findings:
            status = finding.status.value if isinstance(finding, Finding) else finding.get("status")
            if status in statuses:
                keys.add(BaselineKey.of(finding, root))
        return cls(frozenset(keys), origin)

    def to_document(self) -> dict[str, Any]:
        rows = [dict(zip(_FIELDS, key, strict=True)) for key in sorted(self.keys)]
        return {"baseline_version": BASELINE_VERSION, "findings": rows}

    def to_json(self) -> str:
        """The file's text: sorted rows, sorted keys, two-space indent: a file a team commits and reviews."""
        return json.dumps(self.to_document(), indent=2, sort_keys=True) + "\n"

    @classmethod
    def from_json(cls, text: str, origin: str) -> Baseline:
        try:
            document = json.loads(text)
        except ValueError as exc:
            raise WaiverError(origin, f"is not valid JSON: {exc}") from None
        if not isinstance(document, Mapping) or not isinstance(document.get("findings"), list):
            raise WaiverError(origin, "is not a baseline: expected an object with a `findings` list "
                              "(write one with --iac-baseline-write)")
        version = document.get("baseline_version")
        if version != BASELINE_VERSION:
            raise WaiverError(origin, f"has baseline_version {version!r}; this version reads {BASELINE_VERSION}")
        keys = set()
        for number, row in enumerate(document["findings"], start=1):
            where = f"{origin}: finding {number}"
            if not isinstance(row, Mapping):
                raise WaiverError(where, "is not an object")
            for name in _FIELDS:
                if not isinstance(row.get(name), str) or (name != "source" and not row[name]):
                    raise WaiverError(where, "expects text", name)
            extra = sorted(set(row) - set(_FIELDS))
            if extra:
                raise WaiverError(where, f"unknown field (expected {', '.join(_FIELDS)})", extra[0])
            keys.add(BaselineKey(row["source"], row["address"], row["policy_id"]))
        return cls(frozenset(keys), origin)

    @classmethod
    def read(cls, path: Path, origin: str | None = None) -> Baseline:
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as exc:
            raise WaiverError(origin or str(path), f"cannot read: {exc.strerror or exc}") from None
        except UnicodeDecodeError:
            raise WaiverError(origin or str(path), "is not UTF-8 text") from None
        return cls.from_json(text, origin or str(path))

    def apply(self, findings: Sequence[Finding], root: Path | None) -> BaselineApplied:
        """Failed and cannot-evaluate findings the baseline holds become ``baselined``."""
        result = BaselineApplied([], set())
        for finding in findings:
            if finding.status in (FindingStatus.FAILED, FindingStatus.UNKNOWN) and self.keys:
                key = BaselineKey.of(finding, root)
                if key in self.keys:
                    result.used.add(key)
                    finding = dataclasses.replace(finding, status=FindingStatus.BASELINED,
                                                  waiver=f"baseline {self.origin}")
            result.findings.append(finding)
        return result

    def fixed(self, used: Iterable[BaselineKey]) -> list[BaselineKey]:
        """Entries no current finding matched: fixed (or gone), so the baseline can shrink."""
        return sorted(self.keys - set(used))
