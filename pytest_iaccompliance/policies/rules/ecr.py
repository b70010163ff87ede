"""ECR rules: images are scanned, tags cannot be moved, repositories are encrypted and not writable by anyone."""

from __future__ import annotations

from fnmatch import fnmatchcase

from pytest_iaccompliance.model import Resource, Severity, Unknown, UnreadableValue
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
from pytest_iaccompliance.policies.rules._defaults import block_setting, flag_with_default
from pytest_iaccompliance.policies.values import (
    as_list,
    as_text,
    policy_document,
    principal_is_public,
    read_field,
    statements,
)
from pytest_iaccompliance.reporting.text import shown_setting

REPOSITORY = ["aws_ecr_repository"]
# Actions that change what a repository serves or delete it (push, tag, delete, policy changes).
WRITE_ACTIONS = (
    "ecr:putimage",
    "ecr:initiatelayerupload",
    "ecr:uploadlayerpart",
    "ecr:completelayerupload",
    "ecr:batchdeleteimage",
    "ecr:deleterepository",
    "ecr:deleterepositorypolicy",
    "ecr:setrepositorypolicy",
    "ecr:putlifecyclepolicy",
    "ecr:deletelifecyclepolicy",
    "ecr:tagresource",
)


@policy(
    "AWS-ECR-001",
    title="ECR repository scans images on push",
    severity=Severity.WARNING,
    resource_types=REPOSITORY,
    remediation="Add image_scanning_configuration { scan_on_push = true } (or enhanced scanning for the "
    "registry).",
    checkov_ids=["CKV_AWS_163"],
)
def scan_on_push(resource: Resource, context: PolicyContext) -> Result:
    """Scanning on push reports known CVEs before an image is deployed, not after."""
    try:
        value = block_setting(resource, "image_scanning_configuration", "scan_on_push")
    except UnreadableValue as exc:
        return cannot_evaluate(f"image_scanning_configuration of {resource.address}: {exc.reason}")
    return flag_with_default(
        resource,
        "image_scanning_configuration.scan_on_push",
        True,
        default=False,
        failure="images are not scanned on push",
        value=value,
    )


@policy(
    "AWS-ECR-002",
    title="ECR repository tags are immutable",
    severity=Severity.WARNING,
    resource_types=REPOSITORY,
    remediation='Set image_tag_mutability = "IMMUTABLE" (or "IMMUTABLE_WITH_EXCLUSION" for a few moving tags).',
    checkov_ids=["CKV_AWS_51"],
)
def immutable_tags(resource: Resource, context: PolicyContext) -> Result:
    """A mutable tag lets anyone with push rights swap the image a deployment pulls as ``v1.2.3``."""
    value = read_field("image_tag_mutability", as_text, resource.get("image_tag_mutability"))
    if isinstance(value, Unknown):
        return cannot_evaluate(f"image_tag_mutability of {resource.address} is not known before apply")
    if value is None:
        return non_compliant(
            f"{resource.address}: tags can be overwritten (image_tag_mutability is unset, and the provider "
            "default is MUTABLE)"
        )
    if value.upper().startswith("IMMUTABLE"):
        return compliant()
    return non_compliant(
        f"{resource.address}: tags can be overwritten (image_tag_mutability = "
        f"{shown_setting(resource, 'image_tag_mutability', value)})"
    )


@policy(
    "AWS-ECR-003",
    title="ECR repository is encrypted with a KMS key",
    severity=Severity.WARNING,
    resource_types=REPOSITORY,
    remediation='Add encryption_configuration { encryption_type = "KMS" } (with kms_key for a customer-managed '
    "key).",
    checkov_ids=["CKV_AWS_136"],
)
def kms_encrypted(resource: Resource, context: PolicyContext) -> Result:
    """KMS makes pulling an image an audited, revocable permission on top of the repository's own."""
    try:
        value = block_setting(resource, "encryption_configuration", "encryption_type")
        kind = read_field("encryption_configuration.encryption_type", as_text, value)
    except UnreadableValue as exc:
        return cannot_evaluate(f"{resource.address}: {exc.reason}")
    if isinstance(kind, Unknown):
        return cannot_evaluate(f"encryption_configuration of {resource.address} is not known before apply")
    if kind is not None and kind.upper().startswith("KMS"):
        return compliant()
    shown = (
        "is unset, and the provider default is AES256"
        if kind is None
        else f"= {shown_setting(resource, 'encryption_configuration.encryption_type', kind)}"
    )
    return non_compliant(f"{resource.address} is not encrypted with KMS (encryption_type {shown})")


@policy(
    "AWS-ECR-004",
    title="ECR repository policy does not let any principal push or delete images",
    severity=Severity.CRITICAL,
    resource_types=["aws_ecr_repository_policy"],
    remediation="Name the accounts or roles allowed to push; public pulls belong in ECR Public, never a "
    'Principal "*" with write actions.',
    checkov_ids=["CKV_AWS_32"],
    checkov_differences=[
        (
            "CKV_AWS_32",
            "stricter: Checkov decides nothing on a policy given as a JSON string (every policy in "
            "cdk.tf.json), so it never fails one there; this rule reads it. Where Checkov does read a policy "
            "(HCL) it fails any public action, pulls included; this rule fails public writes and deletes only.",
        )
    ],
)
def no_public_write(resource: Resource, context: PolicyContext) -> Result:
    """A repository anyone can push to serves attackers' images to every workload that pulls from it."""
    value = resource.get("policy")
    if value is None:
        return not_applicable()
    document = policy_document(value, context.resources)
    if isinstance(document, Unknown):
        return cannot_evaluate(f"policy of {resource.address}: {document.reason}")
    if document is None:
        return cannot_evaluate(f"policy of {resource.address} is not a JSON policy document")
    problems: list[str] = []
    for statement in statements(document):
        if str(statement.get("Effect", "")).lower() != "allow" or not principal_is_public(statement.get("Principal")):
            continue
        if statement.get("Condition"):
            continue  # a condition (source account, org id) narrows "*"; AWS-IAM-006 judges those
        actions = [str(a).strip().lower() for a in as_list(statement.get("Action"))]
        writes = [a for a in actions if any(fnmatchcase(write, a) for write in WRITE_ACTIONS)]
        if writes:
            problems.append(f"{resource.address} lets any principal call {', '.join(sorted(set(writes)))}")
    return judge(problems, [])


POLICIES: tuple[Policy, ...] = (scan_on_push, immutable_tags, kms_encrypted, no_public_write)
