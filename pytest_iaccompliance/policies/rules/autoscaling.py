"""Auto Scaling rules: instances inherit the group's tags and are launched from templates."""

from __future__ import annotations

from pytest_iaccompliance.model import Resource, Severity, Unknown, UnreadableValue
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

GROUP = ["aws_autoscaling_group"]


@policy(
    "AWS-ASG-001",
    title="Auto Scaling group propagates tags to the instances it launches",
    severity=Severity.WARNING,
    resource_types=GROUP,
    remediation="Add tag { key = ..., value = ..., propagate_at_launch = true } blocks for the tags instances "
    "must carry (owner, cost centre, data classification).",
    checkov_ids=["CKV_AWS_153"],
    checkov_differences=[
        (
            "CKV_AWS_153",
            "stricter: Checkov passes any tag block; this rule wants at least one tag with "
            "propagate_at_launch = true, as a tag that does not propagate never reaches the instances.",
        )
    ],
)
def propagates_tags(resource: Resource, context: PolicyContext) -> Result:
    """Instances launched by a group carry only the tags it propagates; the rest are untraceable.

    A tag with ``propagate_at_launch = false`` does not reach the instances, so at least one tag must propagate.
    """
    tags, unknown = resource.read_blocks("tag")
    for tag in tags:
        try:
            propagates = read_field("tag.propagate_at_launch", as_bool, tag.get("propagate_at_launch"))
        except UnreadableValue as exc:
            unknown.append(f"{resource.address}: {exc.reason}")
            continue
        if propagates is True:
            return compliant()
        if isinstance(propagates, Unknown):
            unknown.append(f"tag.propagate_at_launch of {resource.address} is not known before apply")
    if unknown:
        return cannot_evaluate(*unknown)
    if tags:
        return non_compliant(f"{resource.address} propagates none of its tags at launch (propagate_at_launch)")
    return non_compliant(f"{resource.address} has no tag blocks to propagate to its instances")


@policy(
    "AWS-ASG-002",
    title="Auto Scaling group launches from a launch template, not a launch configuration",
    severity=Severity.WARNING,
    resource_types=GROUP,
    remediation="Replace launch_configuration with launch_template { id = ..., version = \"$Latest\" } (launch "
    "configurations cannot require IMDSv2 per version and no longer get new instance types).",
    checkov_ids=["CKV_AWS_315"],
)
def uses_launch_template(resource: Resource, context: PolicyContext) -> Result:
    """Launch configurations are deprecated: no new instance types, no versioning, fewer security settings."""
    if read_field("launch_configuration", is_set, resource.get("launch_configuration")):
        return non_compliant(f"{resource.address} launches from a launch configuration")
    return compliant()


POLICIES: tuple[Policy, ...] = (propagates_tags, uses_launch_template)
