"""A finding is one typed value from the engine to every report: what fails, and what crosses processes."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pytest_iaccompliance.model import Finding, FindingStatus, Severity

text = st.text(max_size=30)
findings = st.builds(
    Finding,
    policy_id=st.from_regex(r"[A-Z]{2,5}-[A-Z0-9]{2,4}-\d{3}", fullmatch=True),
    severity=st.sampled_from(Severity),
    status=st.sampled_from(FindingStatus),
    address=text,
    resource_type=text,
    source_file=st.none() | text,
    message=text,
    title=text,
    controls=st.lists(text, max_size=3).map(tuple),
    checkov_ids=st.lists(text, max_size=3).map(tuple),
    location=st.none() | text,
    waiver=st.none() | text,
)


@given(findings)
def test_from_dict_inverts_to_dict_through_json(finding: Finding) -> None:
    # What pytest-xdist carries from a worker is JSON-shaped: the controller gets the same finding back.
    assert Finding.from_dict(json.loads(json.dumps(finding.to_dict()))) == finding


def _finding(status: FindingStatus, severity: Severity) -> Finding:
    return Finding(policy_id="AWS-S3-001", severity=severity, status=status, address="aws_s3_bucket.b",
                   resource_type="aws_s3_bucket", source_file=None, message="m")


@pytest.mark.parametrize(("status", "severity", "threshold", "expected"), [
    (FindingStatus.FAILED, Severity.CRITICAL, Severity.CRITICAL, True),
    (FindingStatus.UNKNOWN, Severity.CRITICAL, Severity.CRITICAL, True),
    (FindingStatus.FAILED, Severity.WARNING, Severity.CRITICAL, False),
    (FindingStatus.FAILED, Severity.WARNING, Severity.WARNING, True),
    (FindingStatus.UNKNOWN, Severity.WARNING, Severity.WARNING, True),
    (FindingStatus.PASSED, Severity.CRITICAL, Severity.WARNING, False),
    (FindingStatus.WAIVED, Severity.CRITICAL, Severity.WARNING, False),
])
def test_violates_means_failed_or_cannot_evaluate_at_or_above(
    status: FindingStatus, severity: Severity, threshold: Severity, expected: bool
) -> None:
    assert _finding(status, severity).violates(threshold) is expected


def test_violates_counts_every_severity_by_default() -> None:
    assert _finding(FindingStatus.FAILED, Severity.WARNING).violates()


def test_reports_take_findings_and_the_version_they_are_given() -> None:
    from pytest_iaccompliance.reporting.manifest import build_manifest
    from pytest_iaccompliance.reporting.sarif import build_sarif

    failed = _finding(FindingStatus.FAILED, Severity.CRITICAL)
    passed = _finding(FindingStatus.PASSED, Severity.CRITICAL)
    manifest = build_manifest([failed, passed], {}, tool_version="9.9.9")
    assert manifest["tool"]["version"] == "9.9.9"
    assert manifest["totals"] == {"failed": 1, "passed": 1}
    assert [Finding.from_dict(row) for row in manifest["findings"]] == [failed, passed]
    sarif = build_sarif([failed, passed], tool_version="9.9.9")
    run = sarif["runs"][0]
    assert run["tool"]["driver"]["version"] == "9.9.9"
    assert [(r["ruleId"], r["level"]) for r in run["results"]] == [("AWS-S3-001", "error")]


def test_a_bounded_list_counts_what_it_leaves_out_and_never_formats_it() -> None:
    from pytest_iaccompliance.reporting.text import bounded, listed

    shown: list[int] = []

    def show(entry: int) -> str:
        shown.append(entry)
        return f"  - {entry}"

    assert bounded(list(range(50_000)), 2, show=show, indent="  ", hint="full list: --iac-report") == [
        "  - 0", "  - 1", "  ... and 49998 more (full list: --iac-report)"]
    assert shown == [0, 1]
    assert bounded(["a", "b"], None) == ["a", "b"]
    assert bounded(["a", "b"], 2) == ["a", "b"]
    assert listed(["a", "b", "c"], 2) == "a, b and 1 more"
    assert listed(["a", "b", "c"], 0, hint="see x") == "and 3 more (see x)"
    assert listed([], 3) == "none"


def test_a_violation_reads_with_its_severity_policy_and_verdict() -> None:
    from pytest_iaccompliance.reporting.text import violation_line

    finding = Finding(policy_id="AWS-S3-001", severity=Severity.CRITICAL, status=FindingStatus.UNKNOWN,
                      address="aws_s3_bucket.b", resource_type="aws_s3_bucket", source_file=None,
                      message="aws_s3_bucket.b: encryption is not known before apply", controls=("CIS:1",))
    assert violation_line(finding) == (
        "CRITICAL AWS-S3-001 cannot evaluate: aws_s3_bucket.b: encryption is not known before apply [CIS:1]")
