"""Waivers: an accepted finding, with a reason, an owner and an end date, matched by globs.

A waiver is data with no pytest in it: the file reader, the importers and the in-code helpers all build
the same ``Waiver``, and ``WaiverSet.apply`` turns the failed findings it covers into ``waived`` ones.
"""

from __future__ import annotations

import dataclasses
import os
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from fnmatch import fnmatchcase
from pathlib import Path

from pytest_iaccompliance.model import Finding, FindingStatus

__all__ = [
    "DEFAULT_MAX_DAYS",
    "Applied",
    "Waiver",
    "WaiverError",
    "WaiverSet",
    "reason_problem",
    "relative_source",
    "today",
]

DEFAULT_MAX_DAYS = 180

# Reasons that say nothing: an auditor reading the waiver learns nothing about why the risk is accepted.
_PLACEHOLDERS = frozenset({
    "", "todo", "tbd", "tba", "fixme", "xxx", "n/a", "na", "none", "null", "nil", "reason", "placeholder",
    "temp", "temporary", "wip", "test", "testing", "ignore", "ignored", "waive", "waived", "waiver", "skip",
    "later", "fix later", "will fix", "to do", "no reason", "unknown", "?", "-", "...", "asdf", "foo",
})
_PLACEHOLDER_LEAD = re.compile(r"^(todo|tbd|fixme|xxx)\b", re.IGNORECASE)
_NOT_A_LETTER = re.compile(r"[^\w\s/?.-]|_")

# A finding in these states counts against thresholds: these are the ones a waiver can cover.
_OPEN = (FindingStatus.FAILED, FindingStatus.UNKNOWN)


class WaiverError(ValueError):
    """A waiver file or entry that cannot be used; names the file, the entry and the field at fault."""

    def __init__(self, origin: str, message: str, field_name: str | None = None) -> None:
        self.origin = origin
        self.field_name = field_name
        where = f"{origin}: field `{field_name}`" if field_name else origin
        super().__init__(f"{where}: {message}")


def today() -> date:
    """The day expiry is judged on (UTC, so a pipeline and a laptop agree)."""
    return datetime.now(timezone.utc).date()


def reason_problem(reason: object) -> str | None:
    """Why a reason is refused (missing, empty, a placeholder such as "todo"), or None when it is one."""
    if reason is None:
        return "is required: say why the risk is accepted"
    if not isinstance(reason, str):
        return f"must be text, got {type(reason).__name__}"
    words = " ".join(reason.split()).strip(" .:;!-").lower()
    if not words:
        return "is empty: say why the risk is accepted"
    if (words in _PLACEHOLDERS or _PLACEHOLDER_LEAD.match(words)
            or not any(c.isalpha() for c in _NOT_A_LETTER.sub("", words))):
        return f"{reason.strip()!r} is a placeholder, not a reason: say why the risk is accepted"
    return None


def relative_source(file: str | os.PathLike[str] | None, root: Path | None) -> str:
    """A finding's source file as a posix path relative to ``root`` (the rootdir), as waivers and
    baselines name it; ``""`` for resources that came from no file."""
    if file is None or str(file) == "":
        return ""
    path = Path(os.path.abspath(file)) if root is not None else Path(file)
    if root is None:
        return path.as_posix()
    base = Path(os.path.abspath(root))
    try:
        return path.relative_to(base).as_posix()
    except ValueError:
        try:
            return Path(os.path.relpath(path, base)).as_posix()
        except ValueError:  # another drive (Windows)
            return path.as_posix()


@dataclass(frozen=True)
class Waiver:
    """One accepted finding pattern. ``policy`` matches a policy id or one of its equivalent Checkov ids."""

    policy: str
    address: str
    reason: str
    expires: date | None
    origin: str
    owner: str = ""
    source: str | None = None
    # Why an imported entry is weaker than a written one (no reason, no end date): said in the summary.
    warning: str | None = None

    def matches(self, finding: Finding, source: str) -> bool:
        if not fnmatchcase(finding.address, self.address):
            return False
        if self.source is not None and not fnmatchcase(source, self.source):
            return False
        return fnmatchcase(finding.policy_id, self.policy) or any(
            fnmatchcase(checkov_id, self.policy) for checkov_id in finding.checkov_ids)

    def expired(self, on: date) -> bool:
        """A waiver holds through its expiry day."""
        return self.expires is not None and on > self.expires

    def describe(self) -> str:
        """What a report says about a waived finding: where the waiver is, why, whose, until when."""
        details = [f"owner {self.owner}"] if self.owner else []
        details.append(f"until {self.expires.isoformat()}" if self.expires else "no expiry")
        return f"{self.origin}: {self.reason} ({', '.join(details)})"


@dataclass
class Applied:
    """Findings after waivers, and which waivers were used or would have been but expired."""

    findings: list[Finding]
    used: set[str] = field(default_factory=set)
    expired_hits: dict[str, list[str]] = field(default_factory=dict)

    def merge(self, other: Applied) -> None:
        self.used |= other.used
        for origin, addresses in other.expired_hits.items():
            self.expired_hits.setdefault(origin, []).extend(addresses)


class WaiverSet:
    """Waivers judged on one day: the active ones waive, the expired ones are only reported."""

    def __init__(self, waivers: Iterable[Waiver] = (), *, on: date | None = None) -> None:
        self.on = on or today()
        self.waivers: tuple[Waiver, ...] = tuple(waivers)
        self.active = tuple(w for w in self.waivers if not w.expired(self.on))
        self.expired = tuple(w for w in self.waivers if w.expired(self.on))

    def __len__(self) -> int:
        return len(self.waivers)

    def __add__(self, other: WaiverSet) -> WaiverSet:
        return WaiverSet((*self.waivers, *other.waivers), on=self.on)

    def apply(self, findings: Sequence[Finding], root: Path | None = None) -> Applied:
        """Each failed or cannot-evaluate finding an active waiver covers becomes ``waived``.

        A finding only an expired waiver covers stays as it is (it counts again) and the hit is recorded,
        so the report can say which expired waiver no longer holds.
        """
        result = Applied([])
        if not self.waivers:
            result.findings = list(findings)
            return result
        for finding in findings:
            if finding.status not in _OPEN:
                result.findings.append(finding)
                continue
            source = relative_source(finding.source_file, root)
            waiver = next((w for w in self.active if w.matches(finding, source)), None)
            if waiver is not None:
                result.used.add(waiver.origin)
                result.findings.append(dataclasses.replace(finding, status=FindingStatus.WAIVED,
                                                           waiver=waiver.describe()))
                continue
            old = next((w for w in self.expired if w.matches(finding, source)), None)
            if old is not None:
                result.expired_hits.setdefault(old.origin, []).append(f"{finding.policy_id} {finding.address}")
                finding = dataclasses.replace(finding, waiver=f"expired {old.describe()}")
            result.findings.append(finding)
        return result

    def stale(self, used: Iterable[str]) -> list[Waiver]:
        """Active waivers that covered no finding: the risk they accepted is gone, so they can go too."""
        seen = set(used)
        return [w for w in self.active if w.origin not in seen]
