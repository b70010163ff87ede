"""DynamoDB rules."""

from __future__ import annotations

from pytest_iaccompliance.model import Resource, Severity, Unknown
from pytest_iaccompliance.policies.base import (
    Policy,
    PolicyContext,
    Result,
    cannot_evaluate,
    policy,
)
from pytest_iaccompliance.policies.rules._common import flag_is

TABLE = ["aws_dynamodb_table"]


def _block_flag(resource: Resource, block: str, key: str, failure: str) -> Result:
    if isinstance(resource.get(block), Unknown):
        return cannot_evaluate(f"{block} of {resource.address} is not known before apply")
    blocks = resource.blocks(block)
    value = blocks[0].get(key) if blocks else None
    return flag_is(resource, f"{block}.{key}", True, default=False, failure=failure, value=value)


@policy(
    "AWS-DDB-001",
    title="DynamoDB table has point-in-time recovery enabled",
    severity=Severity.WARNING,
    resource_types=TABLE,
    remediation="Add point_in_time_recovery { enabled = true }.",
    checkov_ids=["CKV_AWS_28"],
)
def point_in_time_recovery(resource: Resource, context: PolicyContext) -> Result:
    """PITR restores a table to any second of the last 35 days after a bad write or deletion."""
    return _block_flag(
        resource, "point_in_time_recovery", "enabled", "point-in-time recovery is off"
    )


@policy(
    "AWS-DDB-002",
    title="DynamoDB table is encrypted with a KMS key (AWS managed or customer managed)",
    severity=Severity.WARNING,
    resource_types=TABLE,
    remediation="Add server_side_encryption { enabled = true } (with kms_key_arn for a customer-managed key).",
)
def kms_encryption(resource: Resource, context: PolicyContext) -> Result:
    """A KMS key makes reading the table an audited, revocable permission."""
    return _block_flag(
        resource, "server_side_encryption", "enabled", "table uses the AWS-owned key, not KMS"
    )


POLICIES: tuple[Policy, ...] = (point_in_time_recovery, kms_encryption)
