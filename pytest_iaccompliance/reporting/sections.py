"""Control ids grouped by the section of their framework, so reports answer an auditor's "how does chapter X do?".

One home for the mapping: the terminal table, the JSON manifest and any other report read sections from here.
A control id is ``PREFIX:ID`` as the packs spell it (``CIS-AWS-3.0:2.1.4``, ``NIST-800-53-r5:SC-28(1)``,
``AWS-FSBP:S3.4``); its section is a CIS chapter (with the sub-chapter for storage), a NIST 800-53 family or
a Security Hub service. Ids of a framework this module does not know are grouped under their prefix, so a
third-party pack's controls still get a row; an id without a prefix has no section.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Final

from pytest_iaccompliance.model import Finding, FindingStatus

__all__ = ["STATUSES", "FindingCounts", "Section", "SectionTotals", "section_of", "section_totals", "sections_of"]

# The statuses a section's totals count, in the order reports show them.
STATUSES: Final = tuple(status.value for status in (
    FindingStatus.PASSED, FindingStatus.FAILED, FindingStatus.UNKNOWN, FindingStatus.WAIVED, FindingStatus.BASELINED,
))

CIS: Final = "CIS AWS Foundations"
NIST: Final = "NIST SP 800-53 r5"
FSBP: Final = "AWS Foundational Security Best Practices"
# Frameworks in the order reports list them; a framework not listed follows, by name.
_FRAMEWORK_ORDER: Final = (CIS, NIST, FSBP)

# CIS AWS Foundations Benchmark v3.0.0 chapters; v1.4 and v1.5 share them (an item v3.0 dropped keeps the
# chapter it had). Storage is split by service, as the benchmark does.
_CIS_CHAPTERS: Final = {
    "1": "identity and access management",
    "2": "storage",
    "3": "logging",
    "4": "monitoring",
    "5": "networking",
}
_CIS_STORAGE: Final = {
    "2.1": "Simple Storage Service (S3)",
    "2.2": "Elastic Compute Cloud (EC2)",
    "2.3": "Relational Database Service (RDS)",
    "2.4": "Elastic File System (EFS)",
}
_CIS_ID: Final = re.compile(r"(?P<chapter>\d+)(?:\.(?P<sub>\d+))?")

# NIST SP 800-53 revision 5 control families.
_NIST_FAMILIES: Final = {
    "AC": "access control",
    "AT": "awareness and training",
    "AU": "audit and accountability",
    "CA": "assessment, authorization, and monitoring",
    "CM": "configuration management",
    "CP": "contingency planning",
    "IA": "identification and authentication",
    "IR": "incident response",
    "MA": "maintenance",
    "MP": "media protection",
    "PE": "physical and environmental protection",
    "PL": "planning",
    "PM": "program management",
    "PS": "personnel security",
    "PT": "PII processing and transparency",
    "RA": "risk assessment",
    "SA": "system and services acquisition",
    "SC": "system and communications protection",
    "SI": "system and information integrity",
    "SR": "supply chain risk management",
}
_NIST_ID: Final = re.compile(r"(?P<family>[A-Z]{2})-\d+")
_FSBP_ID: Final = re.compile(r"(?P<service>[A-Za-z0-9]+)\.\d+")


@dataclass(frozen=True, order=True)
class Section:
    """A part of a control framework: ``CIS 2.1 storage``, ``NIST AC access control``, ``FSBP S3``."""

    # Sorting key first: frameworks in report order, then sections in their natural (numeric) order.
    order: tuple[int, str, tuple[int | str, ...]] = field(repr=False)
    framework: str
    key: str
    name: str = ""
    title: str = ""

    @property
    def label(self) -> str:
        """How a report names the section: ``CIS 2.1 storage``."""
        return f"{self.key} {self.name}" if self.name else self.key

    def to_dict(self) -> dict[str, str]:
        return {"framework": self.framework, "section": self.key, "name": self.name, "title": self.title,
                "label": self.label}


def _order(framework: str, *parts: int | str) -> tuple[int, str, tuple[int | str, ...]]:
    rank = _FRAMEWORK_ORDER.index(framework) if framework in _FRAMEWORK_ORDER else len(_FRAMEWORK_ORDER)
    return rank, framework, parts


@lru_cache(maxsize=4096)
def section_of(control: str) -> Section | None:
    """The section of one prefixed control id; ``None`` for an id without a framework prefix."""
    prefix, sep, ident = control.partition(":")
    if not sep or not prefix or not ident:
        return None
    ident = ident.strip()
    if prefix.startswith("CIS-AWS-"):
        match = _CIS_ID.match(ident)
        if match and match["chapter"] in _CIS_CHAPTERS:
            chapter = match["chapter"]
            sub = f"{chapter}.{match['sub']}" if match["sub"] else None
            if chapter == "2" and sub in _CIS_STORAGE:
                return Section(_order(CIS, 2, int(match["sub"])), CIS, f"CIS {sub}", _CIS_CHAPTERS[chapter],
                               _CIS_STORAGE[sub])
            return Section(_order(CIS, int(chapter)), CIS, f"CIS {chapter}", _CIS_CHAPTERS[chapter])
    elif prefix.startswith("NIST-800-53"):
        match = _NIST_ID.match(ident.upper())
        if match and match["family"] in _NIST_FAMILIES:
            family = match["family"]
            return Section(_order(NIST, family), NIST, f"NIST {family}", _NIST_FAMILIES[family])
    elif prefix == "AWS-FSBP":
        match = _FSBP_ID.match(ident)
        if match:
            return Section(_order(FSBP, match["service"].lower()), FSBP, f"FSBP {match['service']}")
    # A framework (or an id) this module does not know: one row for the whole prefix.
    return Section(_order(prefix), prefix, prefix)


@lru_cache(maxsize=4096)
def sections_of(controls: tuple[str, ...]) -> tuple[Section, ...]:
    """The distinct sections of a policy's control ids, in report order (cached: a policy's controls are
    one tuple shared by all its findings, so a 500,000-finding report maps each policy once)."""
    return tuple(sorted({s for s in map(section_of, controls) if s is not None}))


@dataclass
class SectionTotals:
    """Findings of one section counted by status; a finding counts once per section however many of its
    controls fall in it."""

    section: Section
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(STATUSES, 0))

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def line(self) -> str:
        """``CIS 2.1 storage: 12 passed, 2 failed``: the statuses that occur, in report order."""
        shown = [f"{count} {status}" for status, count in self.counts.items() if count]
        return f"{self.section.label}: {', '.join(shown) or 'no findings'}"

    def to_dict(self) -> dict[str, object]:
        return {**self.section.to_dict(), "totals": dict(self.counts)}


@dataclass(frozen=True)
class FindingCounts:
    """Findings counted once per (controls, status): a large run has hundreds of thousands of findings but a few
    dozen distinct control tuples, so the totals by status and by section each read the few counts."""

    by_controls: Mapping[tuple[tuple[str, ...], str], int]

    @classmethod
    def of(cls, findings: Iterable[Finding]) -> FindingCounts:
        counted: dict[tuple[tuple[str, ...], str], int] = {}
        for finding in findings:
            controls = finding.controls
            key = (controls if type(controls) is tuple else tuple(controls), finding.status.value)
            counted[key] = counted.get(key, 0) + 1
        return cls(counted)

    def by_status(self) -> dict[str, int]:
        """Findings per status, in ``STATUSES`` order (a status without findings is left out)."""
        totals: dict[str, int] = {}
        for (_, status), count in self.by_controls.items():
            totals[status] = totals.get(status, 0) + count
        return {status: totals.pop(status) for status in (*STATUSES, *sorted(totals)) if status in totals}

    def sections(self) -> list[SectionTotals]:
        """Totals per framework section, frameworks and sections in their natural order."""
        by_section: dict[Section, SectionTotals] = {}
        for (controls, status), count in self.by_controls.items():
            for section in sections_of(controls):
                totals = by_section.get(section)
                if totals is None:
                    totals = by_section[section] = SectionTotals(section)
                totals.counts[status] = totals.counts.get(status, 0) + count
        return [by_section[section] for section in sorted(by_section)]


def section_totals(findings: Iterable[Finding]) -> list[SectionTotals]:
    """Totals per framework section, frameworks and sections in their natural order."""
    return FindingCounts.of(findings).sections()
