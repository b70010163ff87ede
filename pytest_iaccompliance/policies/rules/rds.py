"""RDS and Aurora rules."""

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
from pytest_iaccompliance.policies.values import as_bool


@policy(
    "AWS-RDS-001",
    title="RDS instance and Aurora cluster storage is encrypted",
    severity=Severity.CRITICAL,
    resource_types=["aws_db_instance", "aws_rds_cluster"],
    remediation="Set storage_encrypted = true (with kms_key_id for a customer-managed key); an existing "
    "database must be restored from an encrypted snapshot.",
    checkov_ids=["CKV_AWS_16", "CKV_AWS_96"],
)
def storage_encrypted(resource: Resource, context: PolicyContext) -> Result:
    """Encryption cannot be turned on after creation, so it has to be right before the first apply."""
    value = as_bool(resource.get("storage_encrypted"), default=False)
    if isinstance(value, Unknown):
        return cannot_evaluate(f"storage_encrypted of {resource.address} {value.reason}")
    if resource.type == "aws_rds_cluster" and not value:
        engine_mode = str(resource.get("engine_mode", ""))
        if engine_mode == "serverless":
            return compliant()  # Aurora Serverless v1 is always encrypted
    if value:
        return compliant()
    return non_compliant(f"{resource.address} has storage_encrypted unset or false")


POLICIES: tuple[Policy, ...] = (storage_encrypted,)
