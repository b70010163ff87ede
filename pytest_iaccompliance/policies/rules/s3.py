"""S3 rules: every setting may sit inline on the bucket or in its own resource naming the bucket."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from pytest_iaccompliance.model import Resource, Severity, Unknown, UnreadableValue, as_blocks, read_blocks, show_value
from pytest_iaccompliance.policies.base import (
    Policy,
    PolicyContext,
    Result,
    cannot_evaluate,
    compliant,
    judge,
    non_compliant,
    policy,
)
from pytest_iaccompliance.policies.rules._common import partner_missing
from pytest_iaccompliance.policies.values import (
    as_bool,
    as_list,
    as_text,
    policy_document,
    principal_is_public,
    read_field,
    statements,
)

BUCKET = "aws_s3_bucket"
PUBLIC_ACCESS_BLOCK = "aws_s3_bucket_public_access_block"
ACCOUNT_PUBLIC_ACCESS_BLOCK = "aws_s3_account_public_access_block"
PUBLIC_ACCESS_FLAGS = (
    "block_public_acls",
    "block_public_policy",
    "ignore_public_acls",
    "restrict_public_buckets",
)
PUBLIC_CANNED_ACLS = frozenset({"public-read", "public-read-write", "authenticated-read"})
PUBLIC_GRANTEES = (
    "http://acs.amazonaws.com/groups/global/AllUsers",
    "http://acs.amazonaws.com/groups/global/AuthenticatedUsers",
)


def _has_default_encryption(configurations: Iterable[Mapping[str, Any]]) -> bool:
    return any(
        as_blocks(rule.get("apply_server_side_encryption_by_default"))
        for configuration in configurations
        for rule in as_blocks(configuration.get("rule"))
    )


@policy(
    "AWS-S3-001",
    title="S3 bucket has default encryption at rest",
    severity=Severity.CRITICAL,
    resource_types=[BUCKET],
    remediation="Add an aws_s3_bucket_server_side_encryption_configuration for the bucket "
    "(SSE-KMS preferred) or the inline server_side_encryption_configuration block.",
    checkov_ids=["CKV_AWS_19"],
    checkov_differences=[
        (
            "CKV_AWS_19",
            "stricter: Checkov passes a bucket that declares no server-side encryption (S3 encrypts new "
            "objects with SSE-S3 by default); this rule wants the encryption declared, inline or as "
            "aws_s3_bucket_server_side_encryption_configuration, so the key choice is reviewed rather than "
            "left to the default.",
        ),
    ],
)
def bucket_encrypted(resource: Resource, context: PolicyContext) -> Result:
    """Unencrypted buckets leak data at rest; the setting may be inline or a separate resource."""
    inline, unreadable = resource.read_blocks("server_side_encryption_configuration")
    try:
        if _has_default_encryption(inline):
            return compliant()
    except UnreadableValue as exc:
        unreadable.append(f"server_side_encryption_configuration of {resource.address}: {exc.reason}")
    partner_type = "aws_s3_bucket_server_side_encryption_configuration"
    partners = context.resources.find_related(partner_type, resource, "bucket")
    if _has_default_encryption(partner.properties for partner in partners):
        return compliant()
    if unreadable:  # the inline configuration may encrypt: it could not be read
        return cannot_evaluate(*unreadable)
    return partner_missing(
        context, resource, [partner_type], ["bucket"], "has no server-side encryption configuration"
    )


def _public_access_gaps(settings: Mapping[str, Any]) -> tuple[list[str], list[str]]:
    """Flags that are off, and flags whose value is unknown, in one public-access-block body."""
    off: list[str] = []
    unknown: list[str] = []
    for flag in PUBLIC_ACCESS_FLAGS:
        try:
            value = as_bool(settings.get(flag), default=False)
        except UnreadableValue as exc:
            unknown.append(f"{flag} {exc.reason}")
            continue
        if isinstance(value, Unknown):
            unknown.append(f"{flag} is not known before apply")
        elif not value:
            off.append(flag)
    return off, unknown


@policy(
    "AWS-S3-002",
    title="S3 bucket blocks public access (all four Block Public Access settings)",
    severity=Severity.CRITICAL,
    resource_types=[BUCKET],
    remediation="Add an aws_s3_bucket_public_access_block for the bucket with block_public_acls, "
    "block_public_policy, ignore_public_acls and restrict_public_buckets all true (or set them "
    "once "
    "for the account with aws_s3_account_public_access_block).",
    checkov_ids=["CKV_AWS_53", "CKV_AWS_54", "CKV_AWS_55", "CKV_AWS_56", "CKV2_AWS_6"],
    checkov_differences=[
        (
            "CKV2_AWS_6",
            "looser: Checkov wants an aws_s3_bucket_public_access_block for every bucket; this rule also "
            "accepts the account-wide aws_s3_account_public_access_block, which AWS applies to every bucket "
            "of the account.",
        ),
    ],
)
def bucket_blocks_public_access(resource: Resource, context: PolicyContext) -> Result:
    """One missing flag is enough for a bucket policy or ACL to expose every object."""
    configurations: list[tuple[str, Mapping[str, Any]]] = []
    if any(flag in resource.properties for flag in PUBLIC_ACCESS_FLAGS):
        configurations.append((resource.address, resource.properties))
    for partner in context.resources.find_related(PUBLIC_ACCESS_BLOCK, resource, "bucket"):
        configurations.append((partner.address, partner.properties))
    for account in context.resources.of_type(ACCOUNT_PUBLIC_ACCESS_BLOCK):
        configurations.append((account.address, account.properties))
    if not configurations:
        return partner_missing(
            context,
            resource,
            [PUBLIC_ACCESS_BLOCK],
            ["bucket"],
            "has no public access block (bucket or account level)",
        )
    problems: list[str] = []
    unknown: list[str] = []
    for where, settings in configurations:
        off, undecided = _public_access_gaps(settings)
        if not off and not undecided:
            return compliant()
        if off:
            problems.append(f"{where} leaves {', '.join(off)} off")
        if undecided:
            unknown.append(f"{where}: {'; '.join(undecided)}")
    if unknown:
        return cannot_evaluate(*unknown, *problems)
    return non_compliant(*problems)


def _denies_insecure_transport(statement: Mapping[str, Any]) -> bool:
    if str(statement.get("Effect", "")).lower() != "deny":
        return False
    if not principal_is_public(statement.get("Principal")):
        return False
    actions = [str(a).strip().lower() for a in as_list(statement.get("Action"))]
    if not any(a in {"*", "s3:*"} for a in actions):
        return False
    condition = statement.get("Condition")
    if not isinstance(condition, Mapping):
        return False
    for operator, clauses in condition.items():
        if str(operator).lower() not in {"bool", "boolifexists"} or not isinstance(
            clauses, Mapping
        ):
            continue
        for key, values in clauses.items():
            if str(key).lower() == "aws:securetransport" and "false" in [
                str(v).strip().lower() for v in as_list(values)
            ]:
                return True
    return False


@policy(
    "AWS-S3-003",
    title="S3 bucket policy denies requests that do not use TLS (aws:SecureTransport)",
    severity=Severity.CRITICAL,
    resource_types=[BUCKET],
    remediation="Attach a bucket policy (aws_s3_bucket_policy) with a Deny statement for Principal "
    '"*", Action "s3:*" on the bucket and its objects, conditioned on '
    "Bool aws:SecureTransport = false.",
    checkov_ids=["CKV_AWS_379"],
    checkov_differences=[
        (
            "CKV_AWS_379",
            "not in Checkov 3.2.254, the release the parity suite pins, so it is unverified there; this rule "
            "fails a bucket with no policy, or a policy without a statement denying aws:SecureTransport = "
            "false.",
        ),
    ],
)
def bucket_requires_tls(resource: Resource, context: PolicyContext) -> Result:
    """Without an explicit deny, S3 answers plain HTTP requests that expose data in transit."""
    documents: list[tuple[str, Any]] = []
    if resource.get("policy") is not None:
        documents.append((resource.address, resource.get("policy")))
    for partner in context.resources.find_related("aws_s3_bucket_policy", resource, "bucket"):
        documents.append((partner.address, partner.get("policy")))
    if not documents:
        return partner_missing(
            context,
            resource,
            ["aws_s3_bucket_policy"],
            ["bucket"],
            "has no bucket policy denying non-TLS requests",
        )
    unknown: list[str] = []
    for where, value in documents:
        document = policy_document(value, context.resources)
        if isinstance(document, Unknown):
            unknown.append(f"policy of {where}: {document.reason}")
            continue
        if document is not None and any(
            _denies_insecure_transport(s) for s in statements(document)
        ):
            return compliant()
    if unknown:
        return cannot_evaluate(*unknown)
    return non_compliant(
        f"{resource.address}: no bucket policy statement denies aws:SecureTransport = false"
    )


def _versioning_enabled(resource: Resource, context: PolicyContext) -> bool | Unknown:
    """True when any configuration enables versioning; otherwise unknown if one cannot be read."""
    undecided: Unknown | None = None
    for block in resource.blocks("versioning"):
        value = read_field("versioning.enabled", lambda v: as_bool(v, default=False), block.get("enabled"))
        if value is True:
            return True
        if isinstance(value, Unknown):
            undecided = value if undecided is None else undecided
    for partner in context.resources.find_related("aws_s3_bucket_versioning", resource, "bucket"):
        for configuration in partner.blocks("versioning_configuration"):
            status = read_field("versioning_configuration.status", as_text, configuration.get("status"))
            if status == "Enabled":
                return True
            if isinstance(status, Unknown):
                undecided = status if undecided is None else undecided
    return False if undecided is None else undecided


@policy(
    "AWS-S3-004",
    title="S3 bucket has versioning enabled",
    severity=Severity.WARNING,
    resource_types=[BUCKET],
    remediation="Add an aws_s3_bucket_versioning for the bucket with versioning_configuration "
    'status = "Enabled" (or the inline versioning { enabled = true } block).',
    checkov_ids=["CKV_AWS_21"],
)
def bucket_versioned(resource: Resource, context: PolicyContext) -> Result:
    """Versioning lets an overwritten or deleted object be recovered after a mistake or attack."""
    enabled = _versioning_enabled(resource, context)
    if isinstance(enabled, Unknown):
        return cannot_evaluate(f"versioning of {resource.address} is not known before apply")
    if enabled:
        return compliant()
    return partner_missing(
        context,
        resource,
        ["aws_s3_bucket_versioning"],
        ["bucket"],
        "does not have versioning enabled",
    )


@policy(
    "AWS-S3-005",
    title="S3 bucket has server access logging enabled",
    severity=Severity.WARNING,
    resource_types=[BUCKET],
    remediation="Add an aws_s3_bucket_logging for the bucket with a target_bucket (or the inline "
    "logging { target_bucket = ... } block).",
    checkov_ids=["CKV_AWS_18"],
    checkov_differences=[
        (
            "CKV_AWS_18",
            "stricter: Checkov does not ask a bucket that receives access logs to log itself; this rule does "
            "(it may log to another bucket).",
        ),
    ],
)
def bucket_logged(resource: Resource, context: PolicyContext) -> Result:
    """Access logs are the only record of who read or changed objects, for audits and forensics."""
    if any(block.get("target_bucket") is not None for block in resource.blocks("logging")):
        return compliant()
    for partner in context.resources.find_related("aws_s3_bucket_logging", resource, "bucket"):
        if partner.get("target_bucket") is not None:
            return compliant()
    return partner_missing(
        context, resource, ["aws_s3_bucket_logging"], ["bucket"], "has no server access logging"
    )


def _acl_problems(where: str, properties: Mapping[str, Any]) -> tuple[list[str], list[str]]:
    problems: list[str] = []
    unknown: list[str] = []
    try:
        acl = as_text(properties.get("acl"))
    except UnreadableValue as exc:
        acl = Unknown(exc.reason)
    if isinstance(acl, Unknown):
        unknown.append(f"acl of {where} {acl.reason}" if acl.reason.startswith("is ")
                       else f"acl of {where} is not known before apply")
    elif acl in PUBLIC_CANNED_ACLS:
        problems.append(f'{where} sets the canned ACL "{acl}"')

    def blocks(holder: Mapping[str, Any], key: str) -> list[Mapping[str, Any]]:
        found, unreadable = read_blocks(holder.get(key), key, where)
        unknown.extend(unreadable)
        return found

    for holder in [*blocks(properties, "access_control_policy"), properties]:
        for grant in blocks(holder, "grant"):
            for grantee in [*blocks(grant, "grantee"), grant]:
                try:
                    uri = as_text(grantee.get("uri"))
                except UnreadableValue as exc:
                    unknown.append(f"grantee uri of {where} {exc.reason}")
                    continue
                if isinstance(uri, Unknown):
                    unknown.append(f"grantee uri of {where} is not known before apply")
                elif uri is not None and uri in PUBLIC_GRANTEES:
                    permission = show_value(grant.get("permission") or "access", "grant.permission", scalar=True)
                    problems.append(f"{where} grants {permission} to {uri.rsplit('/', 1)[-1]}")
    return problems, unknown


@policy(
    "AWS-S3-006",
    title="S3 bucket ACL grants no access to AllUsers or AuthenticatedUsers",
    severity=Severity.CRITICAL,
    resource_types=[BUCKET],
    remediation='Use acl = "private" (or none, with object ownership BucketOwnerEnforced) and '
    "grant "
    "access through IAM or a bucket policy for named principals.",
    checkov_ids=["CKV_AWS_20", "CKV_AWS_57"],
)
def bucket_acl_not_public(resource: Resource, context: PolicyContext) -> Result:
    """A public-read ACL publishes every object to the internet, bypassing IAM entirely."""
    problems, unknown = _acl_problems(resource.address, resource.properties)
    for partner in context.resources.find_related("aws_s3_bucket_acl", resource, "bucket"):
        more, undecided = _acl_problems(partner.address, partner.properties)
        problems.extend(more)
        unknown.extend(undecided)
    return judge(problems, unknown)


POLICIES: tuple[Policy, ...] = (
    bucket_encrypted,
    bucket_blocks_public_access,
    bucket_requires_tls,
    bucket_versioned,
    bucket_logged,
    bucket_acl_not_public,
)
