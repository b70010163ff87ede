"""DynamoDB rules."""

from __future__ import annotations

from pytest_iaccompliance.model import Resource, Severity, Unknown
from pytest_iaccompliance.policies.base import (
    Outcome,
    Policy,
    PolicyContext,
    Result,
    cannot_evaluate,
    compliant,
    non_compliant,
    policy,
)
from pytest_iaccompliance.policies.rules._common import flag_is
from pytest_iaccompliance.policies.values import is_set, read_field

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


@policy(
    "AWS-DDB-003",
    title="DynamoDB table is encrypted with a customer-managed KMS key",
    severity=Severity.WARNING,
    resource_types=TABLE,
    remediation="Add server_side_encryption { enabled = true, kms_key_arn = <customer-managed key ARN> }.",
    checkov_ids=["CKV_AWS_119"],
    opt_in=True,
)
def customer_managed_key(resource: Resource, context: PolicyContext) -> Result:
    """The stricter variant of AWS-DDB-002, opt-in (ini ``iac_opt_in = AWS-DDB-003``): only a key the account
    manages can be revoked, rotated on its own schedule and shared deliberately across accounts."""
    if isinstance(resource.get("server_side_encryption"), Unknown):
        return cannot_evaluate(f"server_side_encryption of {resource.address} is not known before apply")
    blocks = resource.blocks("server_side_encryption")
    block = blocks[0] if blocks else {}
    enabled = flag_is(resource, "server_side_encryption.enabled", True, default=False,
                      failure="table uses the AWS-owned key", value=block.get("enabled"))
    if enabled.outcome is not Outcome.COMPLIANT:
        return enabled
    if read_field("server_side_encryption.kms_key_arn", is_set, block.get("kms_key_arn")):
        return compliant()
    return non_compliant(f"{resource.address} uses the AWS-managed key (server_side_encryption has no kms_key_arn)")


POLICIES: tuple[Policy, ...] = (point_in_time_recovery, kms_encryption, customer_managed_key)
