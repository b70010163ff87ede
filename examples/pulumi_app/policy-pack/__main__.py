"""The team's CrossGuard pack, as `pulumi preview --policy-pack policy-pack` runs it, and as pytest runs it
(ini `iac_crossguard`): each policy is a test item with a severity, without the Pulumi CLI."""

from pulumi_policy import (
    EnforcementLevel,
    PolicyPack,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    Severity,
)


def no_ssh_from_anywhere(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    if args.resource_type != "aws:ec2/securityGroup:SecurityGroup":
        return
    for rule in args.props.get("ingress") or []:
        if "0.0.0.0/0" in (rule.get("cidrBlocks") or []) and rule.get("fromPort", 0) <= 22 <= rule.get("toPort", 0):
            report_violation("SSH is open to the internet")


def databases_are_private(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    if args.resource_type == "aws:rds/instance:Instance" and args.props.get("publiclyAccessible"):
        report_violation("the database is reachable from the internet")


def owner_tag(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    if args.resource_type == "aws:s3/bucket:Bucket" and "Owner" not in (args.props.get("tags") or {}):
        report_violation("the bucket names no Owner")


PolicyPack(
    name="web-tier",
    enforcement_level=EnforcementLevel.MANDATORY,
    policies=[
        ResourceValidationPolicy(name="no-ssh-from-anywhere", description="No SSH from the internet",
                                 validate=no_ssh_from_anywhere, severity=Severity.HIGH),
        ResourceValidationPolicy(name="databases-are-private", description="Databases are private",
                                 validate=databases_are_private),
        ResourceValidationPolicy(name="owner-tag", description="Buckets name an owner", validate=owner_tag,
                                 enforcement_level=EnforcementLevel.ADVISORY),
    ],
)
