"""Plaintext secrets: passwords, keys and tokens written into the code, the plan, the state or beside them.

A reference (``${var.x}``, a data source, a Pulumi secret, a value Terraform marks sensitive) is
compliant; a literal is not. Messages name the resource and the attribute path, never any part of
the value (not even its length).
"""

from __future__ import annotations

import base64
import binascii
import functools
import re
from collections.abc import Iterator, Mapping
from typing import Any

from pytest_iaccompliance.model import (
    DOTENV,
    PROVIDER,
    PULUMI_STACK,
    VARIABLE,
    Resource,
    Severity,
    credential_forms,
    is_secret_name,
    is_unknown,
)
from pytest_iaccompliance.policies.base import (
    Policy,
    PolicyContext,
    Result,
    compliant,
    non_compliant,
    not_applicable,
    policy,
)

__all__ = ["POLICIES", "secret_attributes"]

_CONFIG_KINDS = frozenset({"cdktf", "terraform-json"})
_MARKING_KINDS = frozenset({"terraform-state", "pulumi", "pulumi-export"})
# The last word of a name that points at a secret rather than holding one (secret_id, password_length).
_POINTER_WORDS = frozenset({
    "id", "ids", "arn", "arns", "name", "names", "version", "versions", "stage", "stages", "type", "types",
    "length", "count", "enabled", "days", "prefix", "path", "paths", "policy", "hint", "rotation", "required",
    "validity", "units", "location", "uri", "url", "endpoint", "mode", "source", "reset", "validation", "file",
    "files", "directory", "duration", "expiration", "ttl", "format", "algorithm", "size", "bits",
})
_SCALARS = frozenset({int, float, bool, type(None)})
_WORDS = re.compile(r"[^A-Za-z0-9]+|(?<=[a-z0-9])(?=[A-Z])")
_INDEX = re.compile(r"\[[^\]]*\]")


@functools.lru_cache(maxsize=8192)
def _holds_secret(name: str) -> bool:
    """A name that holds a secret: secret-named, and not one that points at or describes one."""
    words = [w.lower() for w in _WORDS.split(name) if w]
    return bool(words) and is_secret_name(name) and words[-1] not in _POINTER_WORDS


def secret_attributes(properties: Mapping[str, Any], prefix: str = "") -> Iterator[tuple[str, Any]]:
    """(dotted path, value) of every non-empty string held under a secret-holding name, at any depth."""
    found: list[tuple[str, Any]] = []
    _collect_secrets(properties, prefix, found)
    return iter(found)


def _collect_secrets(properties: Mapping[str, Any], prefix: str, found: list[tuple[str, Any]]) -> None:
    # Every resource is walked (a "*" rule), so the walk is a plain recursion into one list: strings, the
    # common case, are tested first, then numbers, bools and nulls by exact type (the abstract Mapping
    # check costs a call), and a path is spelled only for what is kept or descended into.
    holds_secret = _holds_secret
    for key, value in properties.items():
        if isinstance(value, str):
            if value and holds_secret(str(key)):
                found.append((f"{prefix}.{key}" if prefix else str(key), value))
        elif type(value) in _SCALARS:
            continue
        elif isinstance(value, (list, tuple)):
            path = f"{prefix}.{key}" if prefix else str(key)
            for item in value:
                if isinstance(item, str):
                    if item and holds_secret(str(key)):
                        found.append((path, item))
                elif type(item) not in _SCALARS and isinstance(item, (dict, Mapping)):
                    _collect_secrets(item, path, found)
        elif isinstance(value, (dict, Mapping)):
            if not value and holds_secret(str(key)):
                continue
            _collect_secrets(value, f"{prefix}.{key}" if prefix else str(key), found)


def _literal_problems(resource: Resource, context: PolicyContext, what: str,
                      attributes: list[tuple[str, Any]]) -> list[str]:
    """Secret-holding ``attributes`` of ``resource`` given as plaintext, as its source kind can tell."""
    kind = resource.source.kind
    problems: list[str] = []
    constants: frozenset[str] | None = None
    if kind == "terraform-plan" and resource.mode != "config":
        table = context.resources.metadata.get("constant_attributes") or {}
        constants = table.get(_INDEX.sub("", resource.address), frozenset()) if isinstance(table, Mapping) \
            else frozenset()
    for path, value in attributes:
        if is_unknown(value):
            continue
        top = path.split(".", 1)[0]
        if kind in _CONFIG_KINDS or (kind == "terraform-plan" and resource.mode == "config"):
            problems.append(f"{resource.address}: `{path}` is a literal {what} in the configuration")
        elif constants is not None and top in constants:
            problems.append(f"{resource.address}: `{path}` is written as a literal in the configuration")
        elif (kind in _MARKING_KINDS or kind == "terraform-plan") and not resource.is_marked_secret(path):
            marking = "a Pulumi secret" if kind.startswith("pulumi") else "sensitive"
            problems.append(f"{resource.address}: `{path}` holds a plaintext {what} not marked {marking}")
    return problems


@policy(
    "AWS-SECRET-001",
    title="No password, key or token is written as a literal on a resource",
    severity=Severity.CRITICAL,
    resource_types=["*"],
    remediation="Read the value at run time instead: a data \"aws_secretsmanager_secret_version\" reference, "
    "manage_master_user_password for RDS, a sensitive variable, or pulumi.Output.secret(...).",
    checkov_ids=["CKV_AWS_45"],
    checkov_differences=[
        (
            "CKV_AWS_45",
            "stricter: Checkov reads a Lambda function's environment only, and fails a value only when it "
            "looks like a known key format; this rule fails a literal under any secret-holding name (password, "
            "master_password, secret_string, DB_PASSWORD...) on any resource, whatever the value looks like.",
        )
    ],
)
def no_literal_secret_attributes(resource: Resource, context: PolicyContext) -> Result:
    """A literal secret lands in the synthesized JSON, the plan and the state, and in every copy of them
    (CI logs, artifacts, the repository); in plan, state and Pulumi output it must at least be marked
    so tools never print it."""
    if resource.mode == "config" or not resource.properties:
        return not_applicable()
    attributes: list[tuple[str, Any]] = []
    _collect_secrets(resource.properties, "", attributes)  # as secret_attributes, without its iterator
    if not attributes:
        return not_applicable()
    problems = _literal_problems(resource, context, "secret", attributes)
    if problems:
        return non_compliant(*problems)
    return compliant()


@policy(
    "AWS-SECRET-002",
    title="Provider configuration holds no literal access key, secret key or token",
    severity=Severity.CRITICAL,
    resource_types=[PROVIDER],
    remediation="Remove access_key/secret_key/token from the provider block: use a profile, environment "
    "variables, assume_role or the runtime's role; in Pulumi, `pulumi config set --secret`.",
    checkov_ids=["CKV_AWS_41"],
)
def no_provider_credentials(resource: Resource, context: PolicyContext) -> Result:
    """Long-lived keys in a provider block end in the repository and in every plan of the stack."""
    attributes = list(secret_attributes(resource.properties))
    if not attributes:
        return compliant()
    problems = _literal_problems(resource, context, "credential", attributes)
    return non_compliant(*problems) if problems else compliant()


@policy(
    "AWS-SECRET-003",
    title="No secret variable has a literal default",
    severity=Severity.CRITICAL,
    resource_types=[VARIABLE],
    remediation="Drop the default and pass the value at run time (TF_VAR_..., a secrets manager); keep "
    "sensitive = true on the variable.",
)
def no_secret_variable_defaults(resource: Resource, context: PolicyContext) -> Result:
    """A default is part of the code: a secret there is committed with it."""
    secret = resource.get("sensitive") is True or _holds_secret(resource.name)
    default = resource.get("default")
    if not secret or default is None:
        return not_applicable() if not secret else compliant()
    literal = (isinstance(default, str) and default and not is_unknown(default)) or (
        isinstance(default, (Mapping, list, tuple)) and bool(default))
    if literal:
        why = "is sensitive" if resource.get("sensitive") is True else "is named like a secret"
        return non_compliant(f"{resource.address} {why} and has a literal default")
    return compliant()


USER_DATA_TYPES = ("aws_instance", "aws_launch_template", "aws_launch_configuration")


def _decoded(text: str) -> str:
    """Base64 user data as text (launch templates store it so); the text itself when it is not base64."""
    compact = "".join(text.split())
    if not compact or len(compact) % 4 or "${" in text:
        return text
    try:
        return base64.b64decode(compact, validate=True).decode("utf-8", errors="replace")
    except (binascii.Error, ValueError):
        return text


@policy(
    "AWS-SECRET-004",
    title="Instance user data holds no AWS access key or private key",
    severity=Severity.CRITICAL,
    resource_types=USER_DATA_TYPES,
    remediation="Give the instance a role (iam_instance_profile) and fetch other secrets at boot from "
    "Secrets Manager or SSM Parameter Store; never paste keys into user data.",
    checkov_ids=["CKV_AWS_46"],
    checkov_differences=[
        (
            "CKV_AWS_46",
            "stricter: Checkov looks for AWS access keys only, in user data as written; this rule also finds "
            "private keys and reads base64 user data decoded (launch templates hold it so).",
        )
    ],
)
def no_credentials_in_user_data(resource: Resource, context: PolicyContext) -> Result:
    """User data is readable by anyone who can describe the instance, and is kept in the state."""
    problems: list[str] = []
    for key in ("user_data", "user_data_base64"):
        value = resource.get(key)
        if not isinstance(value, str) or not value:
            continue
        found = credential_forms(_decoded(value)) or credential_forms(value)
        if found:
            problems.append(f"{resource.address}: `{key}` holds {' and '.join(found)}")
    return non_compliant(*problems) if problems else compliant()


@policy(
    "AWS-SECRET-005",
    title="No .env file beside the IaC sources holds secrets",
    severity=Severity.WARNING,
    resource_types=[DOTENV],
    remediation="Move the values to a secrets manager or the CI's secret store; keep a .env.example with "
    "names only, and make sure .env is in .gitignore.",
)
def no_secrets_in_dotenv(resource: Resource, context: PolicyContext) -> Result:
    """A .env beside the code is one `git add .` away from the repository."""
    variables = resource.get("variables", {})
    forms = resource.get("credential_forms", {})
    named = [name for name, is_set in variables.items() if is_set and _holds_secret(name)]
    formed = [f"{name} ({' and '.join(kinds)})" for name, kinds in forms.items() if name not in named]
    if named or formed:
        listed = ", ".join([*named, *formed])
        return non_compliant(f"{resource.address} sets secret values: {listed}")
    return compliant()


@policy(
    "AWS-SECRET-006",
    title="Pulumi stack configuration holds no secret in plaintext",
    severity=Severity.CRITICAL,
    resource_types=[PULUMI_STACK],
    remediation="Set the value with `pulumi config set --secret KEY` so the stack file holds ciphertext "
    "(`secure:`), or read it at run time.",
)
def no_plaintext_stack_config(resource: Resource, context: PolicyContext) -> Result:
    """``Pulumi.<stack>.yaml`` is committed with the project; a plain value there is a committed secret."""
    config = resource.get("config", {})
    if not isinstance(config, Mapping) or not config:
        return not_applicable()
    problems = []
    for key, value in config.items():
        if resource.is_marked_secret(f"config.{key}") or not isinstance(value, str) or not value:
            continue
        name = str(key).rsplit(":", 1)[-1]
        kinds = credential_forms(value)
        if _holds_secret(name) or kinds:
            detail = f" ({' and '.join(kinds)})" if kinds else ""
            problems.append(f"{resource.address}: config `{key}` is plaintext{detail}")
    return non_compliant(*problems) if problems else compliant()


POLICIES: tuple[Policy, ...] = (
    no_literal_secret_attributes,
    no_provider_credentials,
    no_secret_variable_defaults,
    no_credentials_in_user_data,
    no_secrets_in_dotenv,
    no_plaintext_stack_config,
)
