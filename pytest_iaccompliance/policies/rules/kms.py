"""KMS rules: key rotation and key policies."""

from __future__ import annotations

from pytest_iaccompliance.model import Resource, Severity, Unknown
from pytest_iaccompliance.policies.base import (
    Policy,
    PolicyContext,
    Result,
    cannot_evaluate,
    compliant,
    non_compliant,
    not_applicable,
    policy,
)
from pytest_iaccompliance.policies.rules._common import flag_is
from pytest_iaccompliance.policies.values import (
    as_text,
    principal_is_public,
    resource_policy_document,
    statements,
)


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
    spec = as_text(resource.get("customer_master_key_spec")) or "SYMMETRIC_DEFAULT"
    usage = as_text(resource.get("key_usage")) or "ENCRYPT_DECRYPT"
    if isinstance(spec, Unknown) or isinstance(usage, Unknown):
        return cannot_evaluate(f"key spec or usage of {resource.address} is not known before apply")
    if spec != "SYMMETRIC_DEFAULT" or usage != "ENCRYPT_DECRYPT":
        return not_applicable()  # AWS rotates only symmetric encryption keys automatically
    return flag_is(
        resource, "enable_key_rotation", True, default=False, failure="key rotation is off"
    )


@policy(
    "AWS-KMS-002",
    title="KMS key policy grants no access to a wildcard principal without a condition",
    severity=Severity.CRITICAL,
    resource_types=["aws_kms_key", "aws_kms_key_policy"],
    remediation='Name the accounts or roles in Principal, or keep "*" only with a Condition that '
    "narrows it (kms:CallerAccount, aws:PrincipalOrgID, kms:ViaService).",
    checkov_ids=["CKV_AWS_33"],
)
def key_policy_no_public_principal(resource: Resource, context: PolicyContext) -> Result:
    """A key anyone may use protects nothing: the data it encrypts is as open as the key."""
    value = resource.get("policy")
    if value is None:
        return compliant() if resource.type == "aws_kms_key" else not_applicable()
    document = resource_policy_document(value, context.resources)
    if isinstance(document, Unknown):
        return cannot_evaluate(f"policy of {resource.address}: {document.reason}")
    if document is None:
        return cannot_evaluate(f"policy of {resource.address} is not a JSON policy document")
    offending = [
        str(statement.get("Sid") or f"statement {index}")
        for index, statement in enumerate(statements(document))
        if str(statement.get("Effect", "")).lower() == "allow"
        and principal_is_public(statement.get("Principal"))
        and not statement.get("Condition")
    ]
    if offending:
        return non_compliant(
            f'{resource.address} allows principal "*" without a condition in {", ".join(offending)}'
        )
    return compliant()


POLICIES: tuple[Policy, ...] = (key_rotation, key_policy_no_public_principal)
