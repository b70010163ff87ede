"""CloudTrail rules: the audit trail covers every region, is tamper-evident, encrypted, watched."""

from __future__ import annotations

from pytest_iaccompliance.model import Resource, Severity
from pytest_iaccompliance.policies.base import (
    Policy,
    PolicyContext,
    Result,
    compliant,
    non_compliant,
    policy,
)
from pytest_iaccompliance.policies.rules._common import flag_is
from pytest_iaccompliance.policies.rules._defaults import flag_with_default
from pytest_iaccompliance.policies.values import is_set, read_field

TRAIL = ["aws_cloudtrail"]


@policy(
    "AWS-CT-001",
    title="CloudTrail trail is multi-region",
    severity=Severity.CRITICAL,
    resource_types=TRAIL,
    remediation="Set is_multi_region_trail = true (and include_global_service_events = true).",
    checkov_ids=["CKV_AWS_67"],
)
def multi_region(resource: Resource, context: PolicyContext) -> Result:
    """Attackers work in the regions nobody watches; a single-region trail misses them."""
    return flag_is(
        resource,
        "is_multi_region_trail",
        True,
        default=False,
        failure="trail covers one region only",
    )


@policy(
    "AWS-CT-002",
    title="CloudTrail log file validation is enabled",
    severity=Severity.WARNING,
    resource_types=TRAIL,
    remediation="Set enable_log_file_validation = true.",
    checkov_ids=["CKV_AWS_36"],
)
def log_file_validation(resource: Resource, context: PolicyContext) -> Result:
    """Digest files are what prove a log was not edited or deleted after delivery."""
    return flag_is(
        resource,
        "enable_log_file_validation",
        True,
        default=False,
        failure="log file validation is off",
    )


@policy(
    "AWS-CT-003",
    title="CloudTrail logs are encrypted with a KMS key",
    severity=Severity.WARNING,
    resource_types=TRAIL,
    remediation="Set kms_key_id to a customer-managed KMS key whose policy allows CloudTrail to encrypt.",
    checkov_ids=["CKV_AWS_35"],
)
def kms_encrypted(resource: Resource, context: PolicyContext) -> Result:
    """SSE-KMS adds a second permission (kms:Decrypt) between a bucket reader and the audit log."""
    if read_field("kms_key_id", is_set, resource.get("kms_key_id")):
        return compliant()
    return non_compliant(f"{resource.address} has no kms_key_id")


@policy(
    "AWS-CT-004",
    title="CloudTrail trail delivers to CloudWatch Logs",
    severity=Severity.WARNING,
    resource_types=TRAIL,
    remediation='Set cloud_watch_logs_group_arn ("${aws_cloudwatch_log_group.x.arn}:*") '
    "and cloud_watch_logs_role_arn.",
    checkov_ids=["CKV2_AWS_10"],
    checkov_differences=[
        (
            "CKV2_AWS_10",
            "looser: Checkov wants the aws_cloudwatch_log_group declared in the same configuration; this rule"
            " accepts any cloud_watch_logs_group_arn, including a group another stack owns.",
        ),
    ],
)
def cloudwatch_integration(resource: Resource, context: PolicyContext) -> Result:
    """Metric filters and alarms on API activity need the trail in CloudWatch Logs."""
    if read_field("cloud_watch_logs_group_arn", is_set, resource.get("cloud_watch_logs_group_arn")):
        return compliant()
    return non_compliant(f"{resource.address} has no cloud_watch_logs_group_arn")


@policy(
    "AWS-CT-005",
    title="CloudTrail trail is logging",
    severity=Severity.CRITICAL,
    resource_types=TRAIL,
    remediation="Remove enable_logging = false (logging is on by default).",
    checkov_ids=["CKV_AWS_251"],
)
def logging_enabled(resource: Resource, context: PolicyContext) -> Result:
    """A stopped trail records nothing while looking configured; the provider starts logging unless told not to,
    so only ``enable_logging = false`` fails."""
    return flag_with_default(resource, "enable_logging", True, default=True, failure="trail is not logging")


POLICIES: tuple[Policy, ...] = (
    multi_region,
    log_file_validation,
    kms_encrypted,
    cloudwatch_integration,
    logging_enabled,
)
