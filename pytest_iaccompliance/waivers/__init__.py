"""Accepted findings: waivers (written, imported or in code) and baselines. No pytest here."""

from __future__ import annotations

from pytest_iaccompliance.waivers.baseline import Baseline, BaselineApplied, BaselineKey
from pytest_iaccompliance.waivers.file import parse_waivers, read_waivers
from pytest_iaccompliance.waivers.imports import (
    parse_checkov_baseline,
    parse_trivyignore,
    parse_trivyignore_yaml,
    read_any,
)
from pytest_iaccompliance.waivers.incode import in_code_waivers, pulumi_waiver, waive, waive_opts, waiver_record
from pytest_iaccompliance.waivers.model import (
    DEFAULT_MAX_DAYS,
    Applied,
    Waiver,
    WaiverError,
    WaiverSet,
    reason_problem,
    relative_source,
    today,
)

__all__ = [
    "DEFAULT_MAX_DAYS",
    "Applied",
    "Baseline",
    "BaselineApplied",
    "BaselineKey",
    "Waiver",
    "WaiverError",
    "WaiverSet",
    "in_code_waivers",
    "parse_checkov_baseline",
    "parse_trivyignore",
    "parse_trivyignore_yaml",
    "parse_waivers",
    "pulumi_waiver",
    "read_any",
    "read_waivers",
    "reason_problem",
    "relative_source",
    "today",
    "waive",
    "waive_opts",
    "waiver_record",
]
