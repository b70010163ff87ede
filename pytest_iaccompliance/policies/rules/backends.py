"""Where state lives: the Terraform backend block and the Pulumi project's backend and secrets provider.

State holds every secret of a stack in plaintext (Terraform) or encrypted with the stack's secrets
provider (Pulumi), so the backend is itself infrastructure to keep compliant.
"""

from __future__ import annotations

import fnmatch
from urllib.parse import parse_qs, urlsplit

from pytest_iaccompliance.model import BACKEND, PULUMI_PROJECT, PULUMI_STACK, Resource, Severity, is_unknown
from pytest_iaccompliance.policies.base import (
    Outcome,
    Policy,
    PolicyContext,
    Result,
    cannot_evaluate,
    compliant,
    non_compliant,
    not_applicable,
    policy,
)
from pytest_iaccompliance.policies.rules._common import flag_is
from pytest_iaccompliance.policies.values import as_bool

__all__ = ["POLICIES"]


def _set(resource: Resource, key: str) -> bool:
    value = resource.get(key)
    return value is not None and value != ""


@policy(
    "IAC-BACKEND-001",
    title="S3 state backend encrypts the state (encrypt = true)",
    severity=Severity.CRITICAL,
    resource_types=[BACKEND],
    remediation="Set encrypt = true on the S3 backend (S3Backend(encrypt=True) in cdktf).",
)
def s3_backend_encrypted(resource: Resource, context: PolicyContext) -> Result:
    """The state holds every secret of the stack in plaintext; the backend must encrypt it at rest."""
    if resource.name != "s3":
        return not_applicable()
    return flag_is(resource, "encrypt", True, default=False, failure="S3 backend stores the state unencrypted")


@policy(
    "IAC-BACKEND-002",
    title="S3 state backend encrypts with a customer-managed KMS key (kms_key_id)",
    severity=Severity.WARNING,
    resource_types=[BACKEND],
    remediation="Set kms_key_id on the S3 backend to a customer-managed key whose policy limits who can "
    "decrypt the state.",
)
def s3_backend_kms(resource: Resource, context: PolicyContext) -> Result:
    """With the S3-managed key, anyone who can read the bucket can read the state; a KMS key adds a
    second, audited permission."""
    if resource.name != "s3":
        return not_applicable()
    if _set(resource, "kms_key_id"):
        return compliant()
    return non_compliant(f"{resource.address}: no kms_key_id, so the state is readable by anyone who can read "
                         "the bucket")


@policy(
    "IAC-BACKEND-003",
    title="S3 state backend locks the state (dynamodb_table or use_lockfile)",
    severity=Severity.WARNING,
    resource_types=[BACKEND],
    remediation="Set use_lockfile = true (Terraform 1.10+) or dynamodb_table on the S3 backend.",
)
def s3_backend_locking(resource: Resource, context: PolicyContext) -> Result:
    """Two applies writing one unlocked state lose each other's changes and can corrupt it."""
    if resource.name != "s3":
        return not_applicable()
    if _set(resource, "dynamodb_table"):
        return compliant()
    lockfile = resource.get("use_lockfile")
    try:
        parsed = as_bool(lockfile, default=False)
    except ValueError as exc:
        return cannot_evaluate(f"use_lockfile of {resource.address} {exc}")
    if is_unknown(parsed):
        return cannot_evaluate(f"use_lockfile of {resource.address} is not known before apply")
    if parsed is True:
        return compliant()
    return non_compliant(f"{resource.address}: no dynamodb_table and use_lockfile is not true, so concurrent "
                         "runs are not locked out")


@policy(
    "IAC-BACKEND-004",
    title="A stack named in ini iac_shared_stacks does not keep its state in a local backend",
    severity=Severity.CRITICAL,
    resource_types=[BACKEND],
    requires_settings=["shared_stacks"],
    remediation="Configure a remote backend (S3 with encryption and locking, or Terraform Cloud) for "
    "stacks more than one person or pipeline applies.",
)
def shared_stack_remote_backend(resource: Resource, context: PolicyContext) -> Result:
    """A local state file on one machine cannot be shared, locked or backed up: two people applying one
    stack overwrite each other."""
    stack = resource.source.stack or ""
    if not any(fnmatch.fnmatchcase(stack, pattern) for pattern in context.settings.shared_stacks):
        return not_applicable()
    if resource.name == "local":
        return non_compliant(f"{resource.address}: stack {stack!r} is shared but keeps its state in a local file")
    return compliant()


_HTTP_URLS = ("address", "lock_address", "unlock_address")


@policy(
    "IAC-BACKEND-005",
    title="HTTP state backend uses TLS with certificate verification",
    severity=Severity.CRITICAL,
    resource_types=[BACKEND],
    remediation="Use https:// for address, lock_address and unlock_address, and leave "
    "skip_cert_verification unset.",
)
def http_backend_tls(resource: Resource, context: PolicyContext) -> Result:
    """State sent over plain HTTP (or to an unverified server) gives every secret in it to the network."""
    if resource.name != "http":
        return not_applicable()
    problems: list[str] = []
    unknown: list[str] = []
    for key in _HTTP_URLS:
        value = resource.get(key)
        if value is None:
            continue
        if not isinstance(value, str) or is_unknown(value):
            unknown.append(f"{key} of {resource.address} is not known before apply")
        elif not value.lower().startswith("https://"):
            # Scheme only: a URL may carry credentials (https://user:password@host).
            scheme = value.split("://", 1)[0] if "://" in value else "no scheme"
            problems.append(f"{resource.address}: {key} does not use https (its scheme is {scheme[:10]!r})")
    skip = flag_is(resource, "skip_cert_verification", False, default=False,
                   failure="skips TLS certificate verification")
    problems.extend(skip.messages if skip.outcome is Outcome.NON_COMPLIANT else ())
    unknown.extend(skip.messages if skip.outcome is Outcome.UNKNOWN else ())
    if problems:
        return non_compliant(*problems)
    if unknown:
        return cannot_evaluate(*unknown)
    return compliant()


@policy(
    "PULUMI-STACK-001",
    title="Pulumi stack encrypts its secrets with AWS KMS (secretsprovider awskms://)",
    severity=Severity.WARNING,
    resource_types=[PULUMI_STACK],
    remediation="pulumi stack change-secrets-provider \"awskms://alias/<key>?region=<region>\" (it writes "
    "secretsprovider and encryptedkey to Pulumi.<stack>.yaml).",
)
def pulumi_kms_secrets_provider(resource: Resource, context: PolicyContext) -> Result:
    """A passphrase is shared by hand and cannot be rotated per person; the service default keeps the
    key with the state's host. A KMS key keeps decryption behind IAM and CloudTrail."""
    provider = resource.get("secrets_provider")
    if not isinstance(provider, str):
        return cannot_evaluate(f"{resource.address}: the secrets provider cannot be read")
    if provider.startswith("awskms://"):
        if resource.get("encrypted_key") is True:
            return compliant()
        return non_compliant(f"{resource.address}: secretsprovider is awskms:// but the stack holds no "
                             "encryptedkey (the data key KMS protects)")
    shown = {"passphrase": "the default passphrase provider", "service": "the Pulumi service's default"}.get(
        provider, "a provider other than awskms://")
    return non_compliant(f"{resource.address}: secrets are encrypted with {shown}")


_S3_ENCRYPTION_PARAMETERS = ("ssetype", "kmskeyid")


@policy(
    "PULUMI-STACK-002",
    title="Self-managed Pulumi S3 backend sets server-side encryption (ssetype/kmskeyid)",
    severity=Severity.WARNING,
    resource_types=[PULUMI_PROJECT],
    remediation="Add ?ssetype=aws:kms&kmskeyid=<key> to the backend URL in Pulumi.yaml (or PULUMI_BACKEND_URL), "
    "and enforce default encryption on the bucket.",
)
def pulumi_s3_backend_encrypted(resource: Resource, context: PolicyContext) -> Result:
    """A self-managed backend stores checkpoints (resource outputs, config) as plain objects; only the
    bucket's encryption protects them."""
    url = resource.get("backend_url")
    if not isinstance(url, str) or not url.startswith("s3://"):
        return not_applicable()
    query = {key.lower() for key in parse_qs(urlsplit(url).query)}
    if query.intersection(_S3_ENCRYPTION_PARAMETERS):
        return compliant()
    return non_compliant(f"{resource.address}: the s3:// backend URL names no server-side encryption "
                         "(ssetype or kmskeyid)")


POLICIES: tuple[Policy, ...] = (
    s3_backend_encrypted,
    s3_backend_kms,
    s3_backend_locking,
    shared_stack_remote_backend,
    http_backend_tls,
    pulumi_kms_secrets_provider,
    pulumi_s3_backend_encrypted,
)
