"""Compliance tests for my_infra.PlatformStack, with severity markers.

The stack is named by reference ("my_infra:PlatformStack") so that a synth-cache hit needs neither
cdktf nor the 490 MB AWS provider: the first run synthesizes (about 20 s), later runs take a second.
"""

from __future__ import annotations

import json

import pytest

from pytest_iaccompliance import Severity
from pytest_iaccompliance.assertions import (
    assert_all_resources,
    assert_compliant,
    assert_has_resource,
    assert_resource_count,
)


@pytest.fixture(scope="module")
def synthesized_stack(cdktf_synth):
    """The production stack as synthesized by cdktf, cached between runs."""
    return cdktf_synth("my_infra:PlatformStack", "platform-prod", environment="prod")


@pytest.mark.critical
def test_security_group_ingress_rules(synthesized_stack):
    """Assert synthesized infrastructure against CIS benchmarks (only HTTPS is public)."""
    for sg in synthesized_stack.get_resources("aws_security_group"):
        for rule in sg.get("ingress", []):
            if rule.get("cidr_blocks") == ["0.0.0.0/0"]:
                assert rule["from_port"] == rule["to_port"] == 443, (
                    f"CIS Violation: {sg['name']} opens port {rule['from_port']} to the internet"
                )


@pytest.mark.critical
def test_encryption_flags_across_resources(synthesized_stack):
    """Verify encryption is enabled on all supported resources."""
    for db in synthesized_stack.get_resources("aws_db_instance"):
        assert db.get("storage_encrypted") is True, "CIS Violation: RDS encryption disabled"
    assert_has_resource(
        synthesized_stack,
        "aws_s3_bucket_server_side_encryption_configuration",
        {
            "rule": [{"apply_server_side_encryption_by_default": {"sse_algorithm": "aws:kms"}}],
        },
    )


@pytest.mark.critical
def test_every_bucket_blocks_public_access(synthesized_stack):
    assert_resource_count(
        synthesized_stack,
        "aws_s3_bucket_public_access_block",
        len(synthesized_stack.get_resources("aws_s3_bucket")),
    )
    assert_all_resources(
        synthesized_stack,
        "aws_s3_bucket_public_access_block",
        lambda block: all(
            block.get(flag) is True
            for flag in (
                "block_public_acls",
                "block_public_policy",
                "ignore_public_acls",
                "restrict_public_buckets",
            )
        ),
        "all four public-access flags on",
    )


@pytest.mark.critical
def test_database_is_private(synthesized_stack):
    assert_has_resource(
        synthesized_stack,
        "aws_db_instance",
        {"publicly_accessible": False, "password": None, "deletion_protection": True},
    )


@pytest.mark.critical
def test_state_backend_is_encrypted_and_locked(synthesized_stack):
    backend = synthesized_stack.backend
    assert synthesized_stack.backend_type == "s3"
    assert backend["s3"]["encrypt"] is True
    assert backend["s3"].get("dynamodb_table"), "state locking needs a DynamoDB table"


@pytest.mark.critical
def test_no_critical_policy_findings(synthesized_stack):
    assert_compliant(synthesized_stack, min_severity=Severity.CRITICAL)


@pytest.mark.warning
def test_role_policy_grants_no_wildcards(synthesized_stack):
    for policy in synthesized_stack.get_resources("aws_iam_policy"):
        for statement in json.loads(policy["policy"])["Statement"]:
            actions = (
                statement["Action"]
                if isinstance(statement["Action"], list)
                else [statement["Action"]]
            )
            assert not any(a == "*" or a.endswith(":*") for a in actions), statement
            assert statement["Resource"] != "*"


@pytest.mark.warning
def test_provider_tags_every_resource(synthesized_stack):
    (aws,) = synthesized_stack.providers["aws"]
    assert {"environment", "owner", "cost-center"} <= set(aws["default_tags"][0]["tags"])


@pytest.mark.warning
def test_kms_key_rotates(synthesized_stack):
    assert_has_resource(synthesized_stack, "aws_kms_key", {"enable_key_rotation": True})
