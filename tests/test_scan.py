"""``scan()``: the Python API for scripts and pre-commit hooks, no pytest session needed."""

from __future__ import annotations

from pathlib import Path

import pytest

from pytest_iaccompliance import FindingStatus, Severity, scan
from pytest_iaccompliance.policies import PolicySelectionError
from pytest_iaccompliance.sources import SourceError


def test_scan_reports_failed_passed_and_unknown(example_stacks: Path) -> None:
    findings = scan(example_stacks)
    by_key = {(f.policy_id, f.address): f for f in findings}
    assert by_key[("AWS-S3-001", "aws_s3_bucket.exports")].status is FindingStatus.FAILED
    assert by_key[("AWS-S3-001", "aws_s3_bucket.receipts")].status is FindingStatus.PASSED
    assert by_key[("AWS-RDS-001", "aws_db_instance.reports")].status is FindingStatus.UNKNOWN
    failed = by_key[("AWS-EC2-001", "aws_security_group.bastion")]
    assert failed.source_file is not None
    assert failed.source_file.endswith("legacy/cdk.tf.json")
    assert failed.location == "legacy/bastion-sg"
    assert "CKV_AWS_24" in failed.checkov_ids


def test_scan_select_ignore_overrides_and_settings(example_stacks: Path) -> None:
    findings = scan(example_stacks, select=["AWS-TAG-*", "AWS-S3-*"], ignore=["AWS-S3-*"],
                    severity_overrides={"AWS-TAG-001": Severity.CRITICAL}, required_tags=["cost-center"])
    assert {f.policy_id for f in findings} == {"AWS-TAG-001"}
    assert {f.severity for f in findings} == {Severity.CRITICAL}
    assert {f.address for f in findings if f.status is FindingStatus.PASSED} >= {"aws_s3_bucket.receipts"}


def test_tagging_rule_is_off_without_required_tags(example_stacks: Path) -> None:
    assert not [f for f in scan(example_stacks) if f.policy_id == "AWS-TAG-001"]


def test_scan_errors_are_clear(tmp_path: Path, example_stacks: Path) -> None:
    with pytest.raises(SourceError, match="no such file"):
        scan(tmp_path / "missing.json")
    with pytest.raises(PolicySelectionError):
        scan(example_stacks, select=["NOPE"])


def test_scan_accepts_single_strings_and_severity_names(example_stacks: Path) -> None:
    findings = scan(example_stacks, select="AWS-TAG-*", required_tags="cost-center",
                    severity_overrides={"AWS-TAG-001": "Critical"})
    assert {f.policy_id for f in findings} == {"AWS-TAG-001"}
    assert {f.severity for f in findings} == {Severity.CRITICAL}
    assert {f.message for f in findings if f.status is FindingStatus.FAILED} >= {
        "aws_s3_bucket.exports lacks required tag(s): cost-center"
    }
    with pytest.raises(ValueError, match="unknown severity 'urgent'"):
        scan(example_stacks, severity_overrides={"AWS-TAG-001": "urgent"})


def test_a_crashing_policy_does_not_abort_the_scan(example_stacks: Path) -> None:
    """The crash is an unknown finding on the resource it crashed on; every other finding is still there."""
    from pytest_iaccompliance import hookimpl
    from pytest_iaccompliance.policies import PolicyContext, Result, compliant, policy

    @policy("TEAM-1", title="buggy", severity=Severity.CRITICAL, resource_types=["aws_s3_bucket"])
    def buggy(resource: object, context: PolicyContext) -> Result:
        if getattr(resource, "name", "") == "exports":
            raise ValueError("the secret was hunter2")
        return compliant()

    class Pack:
        @hookimpl
        def iaccompliance_policies(self) -> list[object]:
            return [buggy]

    findings = scan(example_stacks, plugins=[Pack()])
    by_key = {(f.policy_id, f.address): f for f in findings}
    crashed = by_key[("TEAM-1", "aws_s3_bucket.exports")]
    assert crashed.status is FindingStatus.UNKNOWN
    assert crashed.message.startswith("policy TEAM-1 raised ValueError on aws_s3_bucket.exports (")
    assert "hunter2" not in crashed.message
    assert by_key[("TEAM-1", "aws_s3_bucket.receipts")].status is FindingStatus.PASSED
    assert by_key[("AWS-S3-001", "aws_s3_bucket.exports")].status is FindingStatus.FAILED
