"""The committed cdktf.out matches the stack, and scanning it finds what the fixture finds.

``pytest --iac-source examples/cdktf_app/cdktf.out`` (or ``pytest_iaccompliance.scan``) checks the
synthesized files without Python stacks or jsii; these tests keep that copy honest.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from pytest_iaccompliance import FindingStatus, Severity, scan
from pytest_iaccompliance.assertions import assert_compliant, assert_has_resource

if TYPE_CHECKING:
    from pytest_iaccompliance.cdktf import SynthesizedStack

EXAMPLE = Path(__file__).resolve().parent


def _without_metadata(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _without_metadata(v) for k, v in value.items() if k != "//"}
    if isinstance(value, list):
        return [_without_metadata(v) for v in value]
    return value


@pytest.fixture(scope="module")
def platform(cdktf_synth: Any) -> SynthesizedStack:
    # The same arguments as test_my_infra.py, so one synthesis serves both modules.
    stack: SynthesizedStack = cdktf_synth("my_infra:PlatformStack", "platform-prod", environment="prod")
    return stack


def test_prebuilt_provider_resources_are_normalized(platform: SynthesizedStack) -> None:
    assert platform.metadata["library"] == "cdktf"
    assert {
        "aws_vpc",
        "aws_subnet",
        "aws_security_group",
        "aws_db_instance",
        "aws_s3_bucket",
        "aws_s3_bucket_public_access_block",
        "aws_s3_bucket_server_side_encryption_configuration",
        "aws_iam_role",
        "aws_iam_policy",
        "aws_kms_key",
    } <= set(platform.types)
    bucket = platform.by_address("aws_s3_bucket.documents")
    assert bucket is not None
    encryption = platform.find_related(
        "aws_s3_bucket_server_side_encryption_configuration", bucket, "bucket"
    )
    assert [r.address for r in encryption] == [
        "aws_s3_bucket_server_side_encryption_configuration.documents_encryption"
    ]
    assert_has_resource(
        platform,
        "aws_security_group",
        {
            "name": "prod-web",
            "ingress": [
                {"from_port": 443, "cidr_blocks": ["0.0.0.0/0"]},
                {"from_port": 22, "cidr_blocks": ["10.20.0.0/16"]},
            ],
        },
    )
    assert platform.backend == {
        "s3": {
            "bucket": "acme-terraform-state",
            "key": "prod/platform.tfstate",
            "region": "eu-west-1",
            "encrypt": True,
            "dynamodb_table": "acme-terraform-locks",
        }
    }


def test_committed_cdktf_out_is_current(platform: SynthesizedStack) -> None:
    committed = json.loads(
        (EXAMPLE / "cdktf.out" / "stacks" / "platform-prod" / "cdk.tf.json").read_text()
    )
    assert _without_metadata(committed) == _without_metadata(json.loads(platform.to_json())), (
        "examples/cdktf_app/cdktf.out is stale: run `python my_infra.py` in examples/cdktf_app"
    )


def test_scanning_cdktf_out_agrees_with_the_fixture(platform: SynthesizedStack) -> None:
    # Critical-clean; the tolerated warnings must show up identically on both sides.
    findings = assert_compliant(platform, min_severity=Severity.CRITICAL)
    from_fixture = {(f.policy_id, f.address, f.status) for f in findings}
    from_files = {(f.policy_id, f.address, f.status) for f in scan(EXAMPLE / "cdktf.out")}
    assert from_fixture == from_files
    assert ("AWS-S3-001", "aws_s3_bucket.documents", FindingStatus.PASSED) in from_files
    assert ("AWS-S3-003", "aws_s3_bucket.documents", FindingStatus.PASSED) in from_files
    assert ("AWS-VPC-001", "aws_vpc.main", FindingStatus.PASSED) in from_files
    assert ("AWS-EC2-004", "aws_security_group.web", FindingStatus.FAILED) in from_files
