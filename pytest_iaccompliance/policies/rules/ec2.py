"""EC2 compute rules: instances, launch templates and configurations, EBS volumes."""

from __future__ import annotations

import fnmatch
from typing import TYPE_CHECKING, Any

from pytest_iaccompliance.model import Resource, Severity, Unknown, UnreadableValue, read_blocks
from pytest_iaccompliance.policies.base import (
    Policy,
    PolicyContext,
    Result,
    cannot_evaluate,
    compliant,
    judge,
    non_compliant,
    not_applicable,
    policy,
)
from pytest_iaccompliance.policies.rules._common import flag_is
from pytest_iaccompliance.policies.values import as_bool, as_text, read_field
from pytest_iaccompliance.reporting.text import shown_setting

if TYPE_CHECKING:
    from collections.abc import Iterator, Mapping

INSTANCE = "aws_instance"
LAUNCH_TEMPLATE = "aws_launch_template"
LAUNCH_CONFIGURATION = "aws_launch_configuration"
COMPUTE_TYPES = [INSTANCE, LAUNCH_TEMPLATE, LAUNCH_CONFIGURATION]
ENCRYPTION_BY_DEFAULT = "aws_ebs_encryption_by_default"


@policy(
    "AWS-EC2-007",
    title='EC2 instance metadata service requires IMDSv2 (http_tokens = "required")',
    severity=Severity.CRITICAL,
    resource_types=COMPUTE_TYPES,
    remediation='Add metadata_options { http_tokens = "required" } (or '
    'http_endpoint = "disabled" when the workload never reads instance metadata).',
    checkov_ids=["CKV_AWS_79"],
)
def imdsv2_required(resource: Resource, context: PolicyContext) -> Result:
    """IMDSv1 hands role credentials to any SSRF'd GET; IMDSv2 needs a session token first."""
    options = resource.blocks("metadata_options")
    if isinstance(resource.get("metadata_options"), Unknown):
        return cannot_evaluate(f"metadata_options of {resource.address} are not known before apply")
    if not options:
        return non_compliant(f"{resource.address} has no metadata_options: IMDSv1 stays enabled")
    block = options[0]
    endpoint = read_field("metadata_options.http_endpoint", as_text, block.get("http_endpoint"))
    tokens = read_field("metadata_options.http_tokens", as_text, block.get("http_tokens"))
    if endpoint == "disabled" or tokens == "required":
        return compliant()
    for name, value in (("http_tokens", tokens), ("http_endpoint", endpoint)):
        if isinstance(value, Unknown):
            return cannot_evaluate(
                f"metadata_options.{name} of {resource.address} is not known before apply"
            )
    return non_compliant(
        f"{resource.address} has metadata_options.http_tokens = "
        f"{shown_setting(resource, 'metadata_options.http_tokens', tokens) if tokens else 'unset'} "
        "(IMDSv1 allowed)"
    )


@policy(
    "AWS-EC2-008",
    title="EC2 instance or launch template does not associate a public IP address",
    severity=Severity.WARNING,
    resource_types=[INSTANCE, LAUNCH_TEMPLATE, LAUNCH_CONFIGURATION],
    remediation="Set associate_public_ip_address = false (or leave it unset in "
    "a private subnet) and expose services through a load balancer.",
    checkov_ids=["CKV_AWS_88"],
)
def no_public_ip(resource: Resource, context: PolicyContext) -> Result:
    """A public address makes the instance directly reachable, bypassing load balancers and WAF."""
    unknown: list[str] = []
    if resource.type == LAUNCH_TEMPLATE:
        blocks, unknown = resource.read_blocks("network_interfaces")
        values = [
            (f"network_interfaces[{i}]", block.get("associate_public_ip_address"))
            for i, block in enumerate(blocks)
        ]
    else:
        values = [("", resource.get("associate_public_ip_address"))]
    for where, raw in values:
        name = f"{where + '.' if where else ''}associate_public_ip_address"
        try:
            value = as_bool(raw, default=False)
        except UnreadableValue as exc:
            unknown.append(f"{resource.address}: {name} {exc.reason}")
            continue
        if isinstance(value, Unknown):
            unknown.append(
                f"{resource.address}: {where + '.' if where else ''}associate_public_ip_address "
                "is not known before apply (it follows the subnet when unset)"
            )
        elif value:
            return non_compliant(
                f"{resource.address} sets {where + '.' if where else ''}"
                "associate_public_ip_address = true"
            )
    if unknown:
        return cannot_evaluate(*unknown)
    return compliant()


def _encryption_by_default(context: PolicyContext) -> bool | Unknown:
    """Whether the set turns on account-level EBS encryption by default (new volumes encrypted)."""
    undecided: Unknown | None = None
    for setting in context.resources.of_type(ENCRYPTION_BY_DEFAULT):
        try:
            enabled = as_bool(setting.get("enabled"), default=True)
        except UnreadableValue as exc:
            enabled = Unknown(f"enabled of {setting.address} {exc.reason}")
        if enabled is True:
            return True
        if isinstance(enabled, Unknown):
            undecided = Unknown(f"{setting.address} may turn on encryption by default ({enabled.reason})")
    return False if undecided is None else undecided  # Unknown is falsy: no `or` here


def _volumes(resource: Resource, unreadable: list[str]) -> Iterator[tuple[str, Mapping[str, Any]]]:
    """Every EBS volume block of an instance or template; blocks that cannot be read go to
    ``unreadable`` and the others are still judged."""
    def read(key: str) -> list[Mapping[str, Any]]:
        blocks, problems = resource.read_blocks(key)
        unreadable.extend(problems)
        return blocks

    if resource.type == LAUNCH_TEMPLATE:
        for index, mapping in enumerate(read("block_device_mappings")):
            where = f"block_device_mappings[{index}].ebs"
            blocks, problems = read_blocks(mapping.get("ebs"), where, resource.address)
            unreadable.extend(problems)
            for ebs in blocks:
                yield where, ebs
        return
    for index, block in enumerate(read("root_block_device")):
        yield ("root_block_device" if index == 0 else f"root_block_device[{index}]"), block
    for index, block in enumerate(read("ebs_block_device")):
        yield f"ebs_block_device[{index}]", block


@policy(
    "AWS-EC2-009",
    title="EC2 instance and launch template EBS volumes are encrypted",
    severity=Severity.CRITICAL,
    resource_types=COMPUTE_TYPES,
    remediation="Set encrypted = true on root_block_device and every ebs_block_device (block_device_mappings.ebs "
    "in launch templates), or enable aws_ebs_encryption_by_default for the account.",
    checkov_ids=["CKV_AWS_8"],
    checkov_differences=[
        (
            "CKV_AWS_8",
            "Checkov does not decide an ebs_block_device without `encrypted` (the provider default is "
            "unencrypted, so it fails here), does not read aws_launch_template, and fails an instance without"
            " root_block_device even when aws_ebs_encryption_by_default is enabled in the same configuration "
            "(which encrypts it, so it passes here).",
        ),
    ],
)
def instance_volumes_encrypted(resource: Resource, context: PolicyContext) -> Result:
    """Unencrypted volumes and their snapshots expose data to anyone who can copy or share them."""
    by_default = _encryption_by_default(context)
    unknown: list[str] = []
    problems: list[str] = []
    volumes = list(_volumes(resource, unknown))
    root_readable = not any("root_block_device" in reason for reason in unknown)
    if (
        resource.type == INSTANCE
        and root_readable
        and not any(where.startswith("root") for where, _ in volumes)
        and by_default is not True
    ):
        if isinstance(by_default, Unknown):
            unknown.append(f"{resource.address}: root volume encryption is not set and {by_default.reason}")
        else:
            problems.append(
                f"{resource.address}: root volume encryption is not set (add root_block_device "
                "{ encrypted = true } or enable aws_ebs_encryption_by_default)"
            )
    for where, block in volumes:
        if block.get("snapshot_id") is not None and block.get("encrypted") is None:
            continue  # a volume from a snapshot inherits the snapshot's encryption
        if block.get("encrypted") is None and isinstance(by_default, Unknown):
            unknown.append(f"{resource.address}: {where}.encrypted is unset and {by_default.reason}")
            continue
        try:
            value = as_bool(block.get("encrypted"), default=by_default is True)
        except UnreadableValue as exc:
            unknown.append(f"{resource.address}: {where}.encrypted {exc.reason}")
            continue
        if isinstance(value, Unknown):
            unknown.append(f"{resource.address}: {where}.encrypted is not known before apply")
        elif not value:
            problems.append(f"{resource.address}: {where} is not encrypted")
    return judge(problems, unknown)


@policy(
    "AWS-EC2-010",
    title="EBS volume is encrypted",
    severity=Severity.CRITICAL,
    resource_types=["aws_ebs_volume"],
    remediation="Set encrypted = true (with kms_key_id for a customer-managed "
    "key), or enable aws_ebs_encryption_by_default for the account.",
    checkov_ids=["CKV_AWS_3"],
)
def ebs_volume_encrypted(resource: Resource, context: PolicyContext) -> Result:
    """A volume's encryption is fixed at creation; an unencrypted one must be copied to be fixed."""
    if resource.get("snapshot_id") is not None and resource.get("encrypted") is None:
        return not_applicable()
    by_default = _encryption_by_default(context)
    if isinstance(by_default, Unknown) and resource.get("encrypted") is None:
        return cannot_evaluate(f"{resource.address}: encrypted is unset and {by_default.reason}")
    return flag_is(
        resource,
        "encrypted",
        True,
        default=by_default is True,
        failure="volume is not encrypted",
    )


@policy(
    "AWS-EC2-011",
    title="EBS encryption by default is enabled",
    severity=Severity.CRITICAL,
    resource_types=[ENCRYPTION_BY_DEFAULT],
    remediation="Set enabled = true on aws_ebs_encryption_by_default (it is the default) in every region.",
    checkov_ids=["CKV_AWS_106"],
)
def ebs_encryption_by_default(resource: Resource, context: PolicyContext) -> Result:
    """The account setting catches every volume a team forgets to encrypt explicitly."""
    return flag_is(
        resource, "enabled", True, default=True, failure="EBS encryption by default is turned off"
    )


def instance_family(instance_type: str) -> str:
    """``m6i.large`` -> ``m6i``; the family is what approvals and reserved capacity are about."""
    return instance_type.split(".", 1)[0].strip().lower()


@policy(
    "AWS-EC2-012",
    title="EC2 instance type belongs to an approved family (ini iac_allowed_instance_families)",
    severity=Severity.WARNING,
    resource_types=COMPUTE_TYPES,
    remediation="Use an instance type from a family listed in "
    "iac_allowed_instance_families, or extend the list after review.",
)
def approved_instance_family(resource: Resource, context: PolicyContext) -> Result:
    """Unapproved families break cost commitments, hardening baselines and arm64/x86 plans."""
    allowed = [a.strip().lower() for a in context.settings.allowed_instance_families if a.strip()]
    if not allowed:
        return not_applicable()
    instance_type = read_field("instance_type", as_text, resource.get("instance_type"))
    if instance_type is None:
        return not_applicable()
    if isinstance(instance_type, Unknown):
        return cannot_evaluate(f"instance_type of {resource.address} is not known before apply")
    family = instance_family(instance_type)
    if any(fnmatch.fnmatchcase(family, pattern) for pattern in allowed):
        return compliant()
    if resource.is_secret("instance_type"):
        return non_compliant(f"{resource.address} uses an instance type outside the allowed families: "
                             f"{', '.join(allowed)}")
    return non_compliant(
        f"{resource.address} uses {instance_type} (family {family}); allowed: {', '.join(allowed)}"
    )


POLICIES: tuple[Policy, ...] = (
    imdsv2_required,
    no_public_ip,
    instance_volumes_encrypted,
    ebs_volume_encrypted,
    ebs_encryption_by_default,
    approved_instance_family,
)
