"""SQS and SNS rules: messages at rest are encrypted."""

from __future__ import annotations

from pytest_iaccompliance.model import Resource, Severity, Unknown
from pytest_iaccompliance.policies.base import (
    Policy,
    PolicyContext,
    Result,
    cannot_evaluate,
    compliant,
    non_compliant,
    policy,
)
from pytest_iaccompliance.policies.values import as_bool, is_set, read_field


@policy(
    "AWS-SQS-001",
    title="SQS queue is encrypted at rest (SSE-SQS or KMS)",
    severity=Severity.WARNING,
    resource_types=["aws_sqs_queue"],
    remediation="Set sqs_managed_sse_enabled = true, or kms_master_key_id for a KMS key.",
    checkov_ids=["CKV_AWS_27"],
)
def sqs_encrypted(resource: Resource, context: PolicyContext) -> Result:
    """Queued messages often carry the very payloads the rest of the system encrypts."""
    if read_field("kms_master_key_id", is_set, resource.get("kms_master_key_id")):
        return compliant()
    managed = read_field(
        "sqs_managed_sse_enabled", lambda v: as_bool(v, default=False), resource.get("sqs_managed_sse_enabled")
    )
    if isinstance(managed, Unknown):
        return cannot_evaluate(
            f"sqs_managed_sse_enabled of {resource.address} is not known before apply"
        )
    if managed:
        return compliant()
    return non_compliant(
        f"{resource.address} sets neither sqs_managed_sse_enabled nor kms_master_key_id"
    )


@policy(
    "AWS-SNS-001",
    title="SNS topic is encrypted with a KMS key",
    severity=Severity.WARNING,
    resource_types=["aws_sns_topic"],
    remediation="Set kms_master_key_id (alias/aws/sns or a customer-managed key).",
    checkov_ids=["CKV_AWS_26"],
)
def sns_encrypted(resource: Resource, context: PolicyContext) -> Result:
    """Published messages are stored until delivered; without a key they sit unencrypted."""
    if read_field("kms_master_key_id", is_set, resource.get("kms_master_key_id")):
        return compliant()
    return non_compliant(f"{resource.address} has no kms_master_key_id")


POLICIES: tuple[Policy, ...] = (sqs_encrypted, sns_encrypted)
