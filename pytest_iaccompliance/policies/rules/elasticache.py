"""ElastiCache rules: cached data is encrypted on the wire and on disk."""

from __future__ import annotations

from pytest_iaccompliance.model import Resource, Severity, Unknown
from pytest_iaccompliance.policies.base import Policy, PolicyContext, Result, cannot_evaluate, policy
from pytest_iaccompliance.policies.rules._defaults import flag_with_default, text_setting

REPLICATION_GROUP = ["aws_elasticache_replication_group"]


@policy(
    "AWS-EC-001",
    title="ElastiCache replication group encrypts traffic in transit",
    severity=Severity.CRITICAL,
    resource_types=REPLICATION_GROUP,
    remediation="Set transit_encryption_enabled = true (clients then connect with TLS).",
    checkov_ids=["CKV_AWS_30"],
)
def transit_encrypted(resource: Resource, context: PolicyContext) -> Result:
    """Cache traffic carries sessions and tokens; without TLS anyone on the network path reads them."""
    return flag_with_default(
        resource, "transit_encryption_enabled", True, default=False, failure="traffic is not encrypted in transit"
    )


@policy(
    "AWS-EC-002",
    title="ElastiCache replication group is encrypted at rest",
    severity=Severity.WARNING,
    resource_types=REPLICATION_GROUP,
    remediation="Set at_rest_encryption_enabled = true (with kms_key_id for a customer-managed key).",
    checkov_ids=["CKV_AWS_29"],
    checkov_differences=[
        (
            "CKV_AWS_29",
            "looser: Checkov fails an unset at_rest_encryption_enabled whatever the engine; this rule passes "
            "it on Valkey groups, which the provider encrypts at rest unless told otherwise.",
        )
    ],
)
def at_rest_encrypted(resource: Resource, context: PolicyContext) -> Result:
    """Backups and swapped pages of an unencrypted cache hold its data in clear text.

    The provider's default depends on the engine: Valkey groups are encrypted unless told otherwise, Redis
    OSS groups are not.
    """
    engine = text_setting(resource, "engine")
    if isinstance(engine, Unknown):
        return cannot_evaluate(f"engine of {resource.address} is not known before apply")
    default = (engine or "redis").lower() == "valkey"
    return flag_with_default(
        resource, "at_rest_encryption_enabled", True, default=default, failure="data is not encrypted at rest"
    )


POLICIES: tuple[Policy, ...] = (transit_encrypted, at_rest_encrypted)
