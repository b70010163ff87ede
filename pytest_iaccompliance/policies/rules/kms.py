"""KMS rules: key rotation and key policies."""

from __future__ import annotations

from pytest_iaccompliance.model import Resource, Severity, Unknown
from pytest_iaccompliance.policies.base import (
    Policy,
    PolicyContext,
    Result,
    cannot_evaluate,
    not_applicable,
    policy,
)
from pytest_iaccompliance.policies.rules._common import flag_is
from pytest_iaccompliance.policies.values import as_text, read_field


@policy(
    "AWS-KMS-001",
    title="Customer-managed symmetric KMS key has automatic rotation enabled",
    severity=Severity.WARNING,
    resource_types=["aws_kms_key"],
    remediation="Set enable_key_rotation = true (optionally rotation_period_in_days).",
    checkov_ids=["CKV_AWS_7"],
)
def key_rotation(resource: Resource, context: PolicyContext) -> Result:
    """Rotation limits how much data one compromised key version can decrypt."""
    spec = read_field("customer_master_key_spec", as_text, resource.get("customer_master_key_spec"))
    usage = read_field("key_usage", as_text, resource.get("key_usage"))
    spec = "SYMMETRIC_DEFAULT" if spec is None else spec  # Unknown is falsy: no `or` here
    usage = "ENCRYPT_DECRYPT" if usage is None else usage
    if isinstance(spec, Unknown) or isinstance(usage, Unknown):
        return cannot_evaluate(f"key spec or usage of {resource.address} is not known before apply")
    if spec != "SYMMETRIC_DEFAULT" or usage != "ENCRYPT_DECRYPT":
        return not_applicable()  # AWS rotates only symmetric encryption keys automatically
    return flag_is(
        resource, "enable_key_rotation", True, default=False, failure="key rotation is off"
    )


POLICIES: tuple[Policy, ...] = (key_rotation,)
