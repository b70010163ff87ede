"""Redshift rules: the warehouse is encrypted, private and audited."""

from __future__ import annotations

from pytest_iaccompliance.model import Resource, Severity
from pytest_iaccompliance.policies.base import Policy, PolicyContext, Result, compliant, policy
from pytest_iaccompliance.policies.rules._common import partner_missing
from pytest_iaccompliance.policies.rules._defaults import flag_with_default
from pytest_iaccompliance.policies.values import as_bool, is_set, read_field

CLUSTER = ["aws_redshift_cluster"]


@policy(
    "AWS-RS-001",
    title="Redshift cluster is encrypted at rest",
    severity=Severity.CRITICAL,
    resource_types=CLUSTER,
    remediation="Leave encrypted unset or set it to true (with kms_key_id for a customer-managed key).",
    checkov_ids=["CKV_AWS_64"],
    checkov_differences=[
        (
            "CKV_AWS_64",
            "looser: Checkov fails a cluster that leaves encrypted unset (the default of provider versions "
            "before 6); this rule passes it, as the AWS provider 6 (pulumi-aws 7) encrypts clusters unless told "
            "otherwise.",
        )
    ],
)
def encrypted(resource: Resource, context: PolicyContext) -> Result:
    """A warehouse holds the organisation's data in one place; unencrypted, every snapshot and disk leaks it.

    The AWS provider 6 (pulumi-aws 7) creates clusters encrypted unless told otherwise, so an unset
    ``encrypted`` passes; only ``encrypted = false`` fails.
    """
    return flag_with_default(resource, "encrypted", True, default=True, failure="cluster is not encrypted")


@policy(
    "AWS-RS-002",
    title="Redshift cluster is not publicly accessible",
    severity=Severity.CRITICAL,
    resource_types=CLUSTER,
    remediation="Set publicly_accessible = false (the provider default) and reach the cluster through the VPC.",
    checkov_ids=["CKV_AWS_87"],
    checkov_differences=[
        (
            "CKV_AWS_87",
            "looser: Checkov fails a cluster that leaves publicly_accessible unset (public by default before "
            "provider 6); this rule passes it, as provider 6 makes clusters private unless told otherwise.",
        )
    ],
)
def not_public(resource: Resource, context: PolicyContext) -> Result:
    """A public endpoint exposes the database port to the internet; credentials are then the only barrier.

    Provider 6 makes clusters private unless told otherwise, so an unset ``publicly_accessible`` passes.
    """
    return flag_with_default(
        resource, "publicly_accessible", False, default=False, failure="cluster has a public endpoint"
    )


@policy(
    "AWS-RS-003",
    title="Redshift cluster has audit logging enabled",
    severity=Severity.WARNING,
    resource_types=CLUSTER,
    remediation="Add an aws_redshift_logging for the cluster (log_destination_type = \"cloudwatch\" or an S3 "
    "bucket_name).",
    checkov_ids=["CKV_AWS_71"],
    checkov_differences=[
        (
            "CKV_AWS_71",
            "looser: Checkov reads the inline logging block only, so it fails a cluster logged by a separate "
            "aws_redshift_logging resource; this rule accepts that resource (provider 6 dropped the inline "
            "block).",
        )
    ],
)
def audit_logged(resource: Resource, context: PolicyContext) -> Result:
    """Connection and user-activity logs are how a warehouse's access is audited.

    Accepts the separate ``aws_redshift_logging`` resource (provider 6 dropped the inline ``logging`` block).
    """
    for block in resource.blocks("logging"):
        if read_field("logging.enable", as_bool, block.get("enable")) is True:
            return compliant()
    partners = context.resources.find_related(
        "aws_redshift_logging", resource, "cluster_identifier", match_on=("id", "cluster_identifier")
    )
    for partner in partners:
        if read_field("log_destination_type", is_set, partner.get("log_destination_type")) or read_field(
            "bucket_name", is_set, partner.get("bucket_name")
        ):
            return compliant()
    return partner_missing(
        context, resource, ["aws_redshift_logging"], ["cluster_identifier"], "has no audit logging"
    )


POLICIES: tuple[Policy, ...] = (encrypted, not_public, audit_logged)
