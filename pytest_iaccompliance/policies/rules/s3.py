"""S3 rules."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from pytest_iaccompliance.model import Resource, Severity, as_blocks
from pytest_iaccompliance.policies.base import (
    Policy,
    PolicyContext,
    Result,
    compliant,
    non_compliant,
    policy,
)


def _has_default_encryption(configurations: Iterable[Mapping[str, Any]]) -> bool:
    return any(
        as_blocks(rule.get("apply_server_side_encryption_by_default"))
        for configuration in configurations
        for rule in as_blocks(configuration.get("rule"))
    )


@policy(
    "AWS-S3-001",
    title="S3 bucket has default encryption at rest",
    severity=Severity.CRITICAL,
    resource_types=["aws_s3_bucket"],
    remediation="Add an aws_s3_bucket_server_side_encryption_configuration for the bucket "
    "(SSE-KMS preferred) or the inline server_side_encryption_configuration block.",
    checkov_ids=["CKV_AWS_19"],
)
def bucket_encrypted(resource: Resource, context: PolicyContext) -> Result:
    """Unencrypted buckets leak data at rest; the setting may be inline or a separate resource."""
    if _has_default_encryption(resource.blocks("server_side_encryption_configuration")):
        return compliant()
    partners = context.resources.find_related(
        "aws_s3_bucket_server_side_encryption_configuration", resource, "bucket"
    )
    if _has_default_encryption(partner.properties for partner in partners):
        return compliant()
    return non_compliant(f"{resource.address} has no server-side encryption configuration")


POLICIES: tuple[Policy, ...] = (bucket_encrypted,)
