"""Seed-style assertions: partial matches with None, named failures, counts, compliance.

On a synthesized cdktf/cdktn stack: tests/cdktf/test_synth.py."""

from __future__ import annotations

from typing import Any

import pytest

from pytest_iaccompliance.assertions import (
    assert_all_resources,
    assert_compliant,
    assert_has_resource,
    assert_resource_count,
    property_mismatches,
)
from pytest_iaccompliance.model import FindingStatus, Resource, ResourceSet, Severity
from pytest_iaccompliance.policies.registry import load_registry


def _set(*resources: tuple[str, str, dict[str, Any]]) -> ResourceSet:
    return ResourceSet(
        (Resource(type=t, name=n, address=f"{t}.{n}", properties=p) for t, n, p in resources),
        name="web",
    )


RESOURCES = _set(
    ("aws_s3_bucket", "logs", {"bucket": "logs", "acl": "private", "tags": {"env": "prod"}}),
    ("aws_s3_bucket", "site", {"bucket": "site", "acl": "public-read", "tags": None}),
    ("aws_security_group", "web", {"ingress": [{"from_port": 22, "cidr_blocks": ["0.0.0.0/0"]}]}),
    ("aws_db_instance", "main", {"storage_encrypted": False, "engine": "postgres"}),
)


def test_has_resource_partial_match_returns_the_resource() -> None:
    found = assert_has_resource(
        RESOURCES, "aws_s3_bucket", {"acl": "private", "tags": {"env": "prod"}}
    )
    assert found.address == "aws_s3_bucket.logs"
    assert assert_has_resource(RESOURCES, "aws_s3_bucket").address == "aws_s3_bucket.logs"


def test_none_means_absent_or_null() -> None:
    assert assert_has_resource(RESOURCES, "aws_s3_bucket", {"tags": None}).name == "site"
    assert assert_has_resource(RESOURCES, "aws_s3_bucket", {"versioning": None}).name == "logs"
    with pytest.raises(AssertionError, match="acl: expected absent or null, got 'private'"):
        assert_has_resource(
            _set(("aws_s3_bucket", "x", {"acl": "private"})), "aws_s3_bucket", {"acl": None}
        )


def test_has_resource_failure_lists_each_candidate_and_its_differences() -> None:
    with pytest.raises(AssertionError) as info:
        assert_has_resource(
            RESOURCES, "aws_s3_bucket", {"acl": "log-delivery-write", "tags": {"team": "a"}}
        )
    assert str(info.value) == (
        "no aws_s3_bucket in stack 'web' has properties "
        "{'acl': 'log-delivery-write', 'tags': {'team': 'a'}}; "
        "2 candidate(s):\n"
        "  aws_s3_bucket.logs: acl: expected 'log-delivery-write', got 'private'; "
        "tags.team: missing (expected 'a')\n"
        "  aws_s3_bucket.site: acl: expected 'log-delivery-write', got 'public-read'; "
        "tags: missing (expected {'team': 'a'})"
    )


def test_has_resource_of_an_absent_type() -> None:
    with pytest.raises(
        AssertionError,
        match=r"stack 'web' has no aws_kms_key resource \(types present: "
        r"aws_db_instance, aws_s3_bucket, aws_security_group\)",
    ):
        assert_has_resource(RESOURCES, "aws_kms_key", {})


def test_block_lists_and_bools() -> None:
    assert property_mismatches([{"a": 1}], {"a": 1}) == []
    assert property_mismatches({"x": [1, 2]}, {"x": [1]}) == [
        "x: expected 1 item(s), got 2: [1, 2]"
    ]
    assert property_mismatches({"x": 1}, {"x": True}) == ["x: expected True, got 1"]
    assert property_mismatches({"x": "a"}, {"x": {"y": 1}}) == ["x: expected an object, got 'a'"]


def test_all_resources_names_the_ones_that_fail() -> None:
    def private(bucket: Resource) -> bool:
        return bucket.get("acl") == "private"

    with pytest.raises(AssertionError) as info:
        assert_all_resources(RESOURCES, "aws_s3_bucket", private)
    assert str(info.value) == (
        "1 of 2 aws_s3_bucket resource(s) in stack 'web' fail 'private':\n"
        "  aws_s3_bucket.site: predicate returned False"
    )
    assert len(assert_all_resources(RESOURCES, "aws_db_instance", lambda db: db.get("engine"))) == 1


def test_all_resources_predicate_may_assert_with_its_own_reason() -> None:
    def no_open_ingress(group: Resource) -> None:
        for rule in group.blocks("ingress"):
            assert rule.get("cidr_blocks") != ["0.0.0.0/0"], (
                f"port {rule['from_port']} open to the world"
            )

    with pytest.raises(AssertionError, match=r"aws_security_group\.web: port 22 open to the world"):
        assert_all_resources(RESOURCES, "aws_security_group", no_open_ingress, "no open ingress")


def test_all_resources_refuses_a_vacuous_pass_unless_allowed() -> None:
    with pytest.raises(
        AssertionError, match=r"has no aws_kms_key resource to check 'rotation'.*allow_empty=True"
    ):
        assert_all_resources(RESOURCES, "aws_kms_key", lambda k: True, "rotation")
    assert assert_all_resources(RESOURCES, "aws_kms_key", lambda k: True, allow_empty=True) == []


def test_resource_count() -> None:
    assert len(assert_resource_count(RESOURCES, "aws_s3_bucket", 2)) == 2
    with pytest.raises(
        AssertionError,
        match=r"expected 1 aws_s3_bucket resource\(s\) in stack 'web', found 2: "
        r"aws_s3_bucket.logs, aws_s3_bucket.site",
    ):
        assert_resource_count(RESOURCES, "aws_s3_bucket", 1)


def test_compliant_lists_each_finding_at_or_above_the_threshold() -> None:
    with pytest.raises(AssertionError) as info:
        assert_compliant(RESOURCES, min_severity=Severity.CRITICAL)
    message = str(info.value)
    header, *lines = message.splitlines()
    assert header == f"{len(lines)} compliance finding(s) at critical or above in stack 'web':"
    assert all(line.startswith("  CRITICAL ") for line in lines)
    assert (
        "CRITICAL AWS-RDS-001 aws_db_instance.main has storage_encrypted unset" in message
    )
    assert "CRITICAL AWS-EC2-001 aws_security_group.web allows " in message
    assert "CRITICAL AWS-S3-001 aws_s3_bucket.logs:" in message
    assert "CRITICAL AWS-S3-001 aws_s3_bucket.site:" in message
    assert "[CIS-AWS-" in message


def test_compliant_passes_and_returns_findings_with_chosen_policies() -> None:
    registry = load_registry()
    clean = _set(("aws_db_instance", "main", {"storage_encrypted": True}))
    findings = assert_compliant(clean, "critical", policies=[registry["AWS-RDS-001"]])
    assert [(f.policy_id, f.status) for f in findings] == [("AWS-RDS-001", FindingStatus.PASSED)]
    with pytest.raises(ValueError, match="unknown severity 'urgent'"):
        assert_compliant(clean, "urgent")
