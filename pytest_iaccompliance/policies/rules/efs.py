"""EFS rules."""

from __future__ import annotations

from pytest_iaccompliance.model import Resource, Severity
from pytest_iaccompliance.policies.base import Policy, PolicyContext, Result, policy
from pytest_iaccompliance.policies.rules._common import flag_is


@policy(
    "AWS-EFS-001",
    title="EFS file system is encrypted at rest",
    severity=Severity.CRITICAL,
    resource_types=["aws_efs_file_system"],
    remediation="Set encrypted = true (with kms_key_id for a customer-managed key); "
    "an existing file system must be copied to a new encrypted one.",
    checkov_ids=["CKV_AWS_42"],
)
def efs_encrypted(resource: Resource, context: PolicyContext) -> Result:
    """EFS encryption is fixed at creation, so it must be right before the first apply."""
    return flag_is(
        resource, "encrypted", True, default=False, failure="file system is not encrypted"
    )


POLICIES: tuple[Policy, ...] = (efs_encrypted,)
