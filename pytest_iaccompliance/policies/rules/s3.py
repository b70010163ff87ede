"""S3 rules: every setting may sit inline on the bucket or in its own resource naming the bucket."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from fnmatch import fnmatchcase
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
from pytest_iaccompliance.policies.rules._common import on_resource_or_partner, partner_missing
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



def _bucket_policies(resource: Resource, context: PolicyContext) -> list[tuple[str, Any]]:
    """(where, document) of a bucket's policies: inline, and each ``aws_s3_bucket_policy`` naming it."""
    documents: list[tuple[str, Any]] = []
    if resource.get("policy") is not None:
        documents.append((resource.address, resource.get("policy")))
    for partner in context.resources.find_related("aws_s3_bucket_policy", resource, "bucket"):
        documents.append((partner.address, partner.get("policy")))
    return documents

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
    return on_resource_or_partner(
        context, resource, "aws_s3_bucket_server_side_encryption_configuration",
        inline=_encrypted_inline,
        partner=lambda partner: _has_default_encryption([partner.properties]),
        missing="has no server-side encryption configuration",
    )


def _encrypted_inline(bucket: Resource) -> bool | Unknown:
    inline, unreadable = bucket.read_blocks("server_side_encryption_configuration")
    try:
        if _has_default_encryption(inline):
            return True
    except UnreadableValue as exc:
        unreadable.append(f"server_side_encryption_configuration of {bucket.address}: {exc.reason}")
    # Part of the inline configuration could not be read: it may encrypt.
    return Unknown("; ".join(unreadable)) if unreadable else False


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
    "block_public_policy, ignore_public_acls and restrict_public_buckets all true "
    "(or set them once for the account with aws_s3_account_public_access_block).",
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
    remediation='Attach a bucket policy (aws_s3_bucket_policy) with a Deny statement for Principal "*", Action '
    '"s3:*" on the bucket and its objects, conditioned on Bool aws:SecureTransport = false.',
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
    documents = _bucket_policies(resource, context)
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


def _first_decisive(values: Iterable[bool | Unknown | None]) -> bool | Unknown:
    """True as soon as a value is; otherwise the first unknown, or False."""
    undecided: Unknown | None = None
    for value in values:
        if value is True:
            return True
        if isinstance(value, Unknown) and undecided is None:
            undecided = value
    return False if undecided is None else undecided


def _versioning_inline(bucket: Resource) -> bool | Unknown:
    return _first_decisive(
        read_field("versioning.enabled", lambda v: as_bool(v, default=False), block.get("enabled"))
        for block in bucket.blocks("versioning")
    )


def _versioning_configured(partner: Resource) -> bool | Unknown:
    def enabled(configuration: Mapping[str, Any]) -> bool | Unknown:
        status = read_field("versioning_configuration.status", as_text, configuration.get("status"))
        return status if isinstance(status, Unknown) else status == "Enabled"

    return _first_decisive(enabled(c) for c in partner.blocks("versioning_configuration"))


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
    return on_resource_or_partner(
        context, resource, "aws_s3_bucket_versioning",
        inline=_versioning_inline,
        partner=_versioning_configured,
        missing="does not have versioning enabled",
        unknown=f"versioning of {resource.address} is not known before apply",
    )


@policy(
    "AWS-S3-005",
    title="S3 bucket has server access logging enabled",
    severity=Severity.WARNING,
    resource_types=[BUCKET],
    remediation="Add an aws_s3_bucket_logging for the bucket with a target_bucket "
    "(or the inline logging { target_bucket = ... } block).",
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
    return on_resource_or_partner(
        context, resource, "aws_s3_bucket_logging",
        inline=lambda bucket: any(block.get("target_bucket") is not None for block in bucket.blocks("logging")),
        partner=lambda partner: partner.get("target_bucket") is not None,
        missing="has no server access logging",
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
    remediation='Use acl = "private" (or none, with object ownership BucketOwnerEnforced) '
    "and grant access through IAM or a bucket policy for named principals.",
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


# Condition keys that narrow a "*" principal to known callers or networks (IAM's definition of a
# non-public policy, S3 user guide "The meaning of public").
RESTRICTING_CONDITION_KEYS = frozenset(
    {
        "aws:sourcearn",
        "aws:sourceaccount",
        "aws:sourceowner",
        "aws:sourcevpc",
        "aws:sourcevpce",
        "aws:sourceip",
        "aws:principalorgid",
        "aws:principalorgpaths",
        "aws:principalaccount",
        "aws:principalarn",
        "aws:userid",
    }
)
READ_ACTIONS = ("s3:getobject", "s3:getobjectversion", "s3:listbucket", "s3:listbucketversions")


def _restricted(statement: Mapping[str, Any]) -> bool:
    condition = statement.get("Condition")
    if not isinstance(condition, Mapping):
        return False
    return any(
        str(key).lower() in RESTRICTING_CONDITION_KEYS
        for clauses in condition.values()
        if isinstance(clauses, Mapping)
        for key in clauses
    )


def _public_reads(statement: Mapping[str, Any]) -> list[str]:
    if str(statement.get("Effect", "")).lower() != "allow" or not principal_is_public(statement.get("Principal")):
        return []
    if _restricted(statement):
        return []
    actions = [str(a).strip().lower() for a in as_list(statement.get("Action"))]
    return sorted({a for a in actions if any(fnmatchcase(read, a) for read in READ_ACTIONS)})


@policy(
    "AWS-S3-007",
    title='S3 bucket policy does not let any principal ("*") read objects',
    severity=Severity.CRITICAL,
    resource_types=[BUCKET],
    remediation='Remove the Allow statement for Principal "*" (serve public content through CloudFront with an '
    "origin access control), or restrict it with aws:SourceArn, aws:PrincipalOrgID or aws:SourceVpce.",
)
def bucket_policy_not_public_read(resource: Resource, context: PolicyContext) -> Result:
    """A bucket policy granting s3:GetObject to "*" publishes every object to the internet, anonymously."""
    documents = _bucket_policies(resource, context)
    problems: list[str] = []
    unknown: list[str] = []
    for where, value in documents:
        document = policy_document(value, context.resources)
        if isinstance(document, Unknown):
            unknown.append(f"policy of {where}: {document.reason}")
            continue
        if document is None:
            unknown.append(f"policy of {where} is not a JSON policy document")
            continue
        for statement in statements(document):
            reads = _public_reads(statement)
            if reads:
                problems.append(f"{where} lets any principal call {', '.join(reads)}")
    if not documents:
        unresolved = context.resources.unresolved_related("aws_s3_bucket_policy", "bucket")
        if unresolved:
            unknown.append(
                f"{resource.address} may be the bucket of {unresolved[0].address}, whose bucket is not known "
                "before apply"
            )
    return judge(problems, unknown)


def _uses_kms(configurations: Iterable[Mapping[str, Any]], where: str) -> tuple[bool, list[str]]:
    unknown: list[str] = []
    for configuration in configurations:
        for rule in as_blocks(configuration.get("rule")):
            for default in as_blocks(rule.get("apply_server_side_encryption_by_default")):
                try:
                    algorithm = as_text(default.get("sse_algorithm"))
                except UnreadableValue as exc:
                    unknown.append(f"sse_algorithm of {where} {exc.reason}")
                    continue
                if isinstance(algorithm, Unknown):
                    unknown.append(f"sse_algorithm of {where} is not known before apply")
                elif algorithm in ("aws:kms", "aws:kms:dsse"):
                    return True, []
    return False, unknown


@policy(
    "AWS-S3-008",
    title="S3 bucket default encryption uses KMS (SSE-KMS)",
    severity=Severity.WARNING,
    resource_types=[BUCKET],
    remediation='Set apply_server_side_encryption_by_default { sse_algorithm = "aws:kms" } (with kms_master_key_id '
    "for a customer-managed key) in the bucket's server-side encryption configuration.",
    checkov_ids=["CKV_AWS_145"],
    checkov_differences=[
        (
            "CKV_AWS_145",
            "looser: Checkov links an aws_s3_bucket_server_side_encryption_configuration to its bucket by "
            "reference only, so it fails a bucket whose configuration names it by its literal name; this rule "
            "finds the configuration either way.",
        )
    ],
)
def bucket_kms_encrypted(resource: Resource, context: PolicyContext) -> Result:
    """With SSE-KMS reading an object also needs kms:Decrypt: a second, audited permission S3's own keys lack.

    S3 encrypts new objects with S3-managed keys (SSE-S3) when nothing is configured, which this rule does not
    accept. Finds the encryption resource by reference or by the bucket's literal name.
    """
    unknown: list[str] = []
    try:
        inline, unreadable = resource.read_blocks("server_side_encryption_configuration")
        unknown.extend(unreadable)
        found, undecided = _uses_kms(inline, resource.address)
        if found:
            return compliant()
        unknown.extend(undecided)
        partner_type = "aws_s3_bucket_server_side_encryption_configuration"
        for partner in context.resources.find_related(partner_type, resource, "bucket"):
            found, undecided = _uses_kms([partner.properties], partner.address)
            if found:
                return compliant()
            unknown.extend(undecided)
    except UnreadableValue as exc:
        return cannot_evaluate(f"server-side encryption of {resource.address}: {exc.reason}")
    if unknown:
        return cannot_evaluate(*unknown)
    return partner_missing(
        context,
        resource,
        ["aws_s3_bucket_server_side_encryption_configuration"],
        ["bucket"],
        "is not encrypted with KMS by default (no sse_algorithm aws:kms; S3's default is SSE-S3)",
    )


POLICIES: tuple[Policy, ...] = (
    bucket_encrypted,
    bucket_blocks_public_access,
    bucket_requires_tls,
    bucket_versioned,
    bucket_logged,
    bucket_acl_not_public,
    bucket_policy_not_public_read,
    bucket_kms_encrypted,
)
