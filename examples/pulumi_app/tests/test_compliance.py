"""CIS/NIST checks on the Pulumi program, in the style of the guide: plain asserts on resources."""

from __future__ import annotations

from pathlib import Path

import pytest

from pytest_iaccompliance import FindingStatus, scan
from pytest_iaccompliance.assertions import assert_compliant

EXPORT = Path(__file__).parents[1] / "stack-export.json"


@pytest.mark.critical
def test_security_group_ingress_rules(stack):  # type: ignore[no-untyped-def]
    """No SSH or RDP from anywhere (CIS AWS 5.2)."""
    for sg in stack.get_resources("aws_security_group"):
        for rule in sg.get("ingress", []):
            if rule.get("cidr_blocks") == ["0.0.0.0/0"]:
                assert rule["from_port"] == rule["to_port"] == 443, (
                    "CIS Violation: unrestricted ingress"
                )


@pytest.mark.critical
def test_encryption_flags_across_resources(stack):  # type: ignore[no-untyped-def]
    for db in stack.get_resources("aws_db_instance"):
        assert db.get("storage_encrypted") is True, "CIS Violation: RDS encryption disabled"
        assert db.get("publicly_accessible") is False
    bucket = stack.of_type("aws_s3_bucket")[0]
    [encryption] = stack.find_related(
        "aws_s3_bucket_server_side_encryption_configuration", bucket, "bucket"
    )
    assert (
        encryption.blocks("rule")[0]["apply_server_side_encryption_by_default"]["sse_algorithm"]
        == "aws:kms"
    )


@pytest.mark.critical
def test_bucket_blocks_public_access(stack):  # type: ignore[no-untyped-def]
    bucket = stack.of_type("aws_s3_bucket")[0]
    [block] = stack.find_related("aws_s3_bucket_public_access_block", bucket, "bucket")
    assert all(
        block.get(flag) is True
        for flag in (
            "block_public_acls",
            "block_public_policy",
            "ignore_public_acls",
            "restrict_public_buckets",
        )
    )


@pytest.mark.critical
def test_database_password_is_a_secret(stack):  # type: ignore[no-untyped-def]
    db = stack.of_type("aws_db_instance")[0]
    assert db.is_secret("password"), "the database password must come from a Pulumi secret"
    version = stack.of_type("aws_secretsmanager_secret_version")[0]
    assert version.is_secret("secret_string")


@pytest.mark.warning
def test_every_resource_is_tagged(stack):  # type: ignore[no-untyped-def]
    for resource in stack:
        if resource.type in (
            "aws_vpc",
            "aws_subnet",
            "aws_security_group",
            "aws_db_instance",
            "aws_s3_bucket",
        ):
            assert {"Environment", "Owner", "CostCenter"} <= set(resource.tags), resource.address


@pytest.mark.warning
def test_network_is_one_component(stack):  # type: ignore[no-untyped-def]
    [network] = stack.of_type("pulumi-app:network:Network")
    children = {r.type for r in stack.children(network)}
    assert children == {"aws_vpc", "aws_subnet", "aws_flow_log"}


@pytest.mark.critical
def test_program_passes_the_configured_pack(stack, iac_policies):  # type: ignore[no-untyped-def]
    """The program as written, not only its last export, meets every policy this project selects."""
    findings = assert_compliant(stack, policies=iac_policies)
    assert any(f.policy_id == "AWS-S3-003" for f in findings)


@pytest.mark.critical
def test_exported_stack_has_no_failed_findings():
    findings = scan(EXPORT)
    assert findings, "the export must be read"
    failed = [
        f"{f.policy_id} {f.address}: {f.message}"
        for f in findings
        if f.status is FindingStatus.FAILED
    ]
    assert not failed
