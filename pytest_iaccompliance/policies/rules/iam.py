"""IAM rules over policy documents, wherever and however the document is written.

A document may be JSON text (cdktf's ``jsonencode`` output, plan JSON), an object (Pulumi), or a
reference to a ``data.aws_iam_policy_document``. Each document is analysed once per resource by
``pytest_iaccompliance.iam.analyser`` and every rule reads the findings of its own checks; JSON text is
parsed once per evaluation (``parsed_policy_text``), for these rules and AWS-IAM-009 alike. The action
catalogue is loaded only if a statement needs an access level.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from pytest_iaccompliance.iam.analyser import Check, IamFinding, analyse
from pytest_iaccompliance.iam.document import PolicyDocument, PolicyDocumentError, parse_policy
from pytest_iaccompliance.iam.matching import policy_variables
from pytest_iaccompliance.model import Resource, Severity, Unknown
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
from pytest_iaccompliance.policies.values import as_list, policy_document

__all__ = [
    "POLICIES",
    "POLICY_DOCUMENT_TYPES",
    "RESOURCE_POLICY_TYPES",
    "documents_of",
    "parsed_policy_text",
]

POLICY_DOCUMENT_TYPES = (
    "aws_iam_policy",
    "aws_iam_role_policy",
    "aws_iam_user_policy",
    "aws_iam_group_policy",
)
IDENTITY_TYPES = (*POLICY_DOCUMENT_TYPES, "aws_iam_role")
"""Resources carrying identity policies (a role's ``inline_policy`` blocks included)."""

RESOURCE_POLICY_TYPES = (
    "aws_s3_bucket_policy",
    "aws_s3_bucket",
    "aws_kms_key",
    "aws_kms_key_policy",
    "aws_sqs_queue_policy",
    "aws_sns_topic_policy",
    "aws_iam_role",
)
"""Resources carrying resource-based policies (a role's trust policy included)."""

DOCUMENT_TYPES = tuple(dict.fromkeys((*IDENTITY_TYPES, *RESOURCE_POLICY_TYPES)))
"""Every resource carrying a policy document, identity or resource-based."""

_RULE_CHECKS = frozenset(
    {
        Check.FULL_ADMIN,
        Check.SERVICE_WILDCARD,
        Check.WILDCARD_RESOURCE,
        Check.PRIVILEGE_ESCALATION,
        Check.PUBLIC_PRINCIPAL,
        Check.ALLOW_NOT_ACTION,
        Check.ALLOW_NOT_RESOURCE,
        Check.VERSION,
    }
)


def documents_of(resource: Resource, *, identity: bool = True) -> list[tuple[str, Any]]:
    """(label, raw value) of each policy document a resource carries, identity or resource-based."""
    if resource.type == "aws_iam_role":
        if not identity:
            return [("assume_role_policy", resource.get("assume_role_policy"))]
        return [
            (f"inline_policy[{index}]", block.get("policy"))
            for index, block in enumerate(resource.blocks("inline_policy"))
            if block.get("policy") is not None
        ]
    return [("policy", resource.get("policy"))] if resource.get("policy") is not None else []


def _contains_unknown(value: Any) -> bool:
    if isinstance(value, Unknown):
        return True
    if isinstance(value, Mapping):
        return any(_contains_unknown(v) for v in value.values())
    if isinstance(value, (list, tuple)):
        return any(_contains_unknown(v) for v in value)
    return False


def parsed_policy_text(text: str, context: PolicyContext) -> PolicyDocument | None:
    """The policy document JSON text holds, parsed once per evaluation for every rule that reads it (the
    IAM rules' analysis, AWS-IAM-009's evaluation); ``None`` when it is not one AWS accepts, for the
    reader to handle as it always does. Keyed by the text: equal documents are one parse."""
    return context.remember(("iam-parsed-text", text), lambda: _parse_or_none(text))


def _parse_or_none(text: str) -> PolicyDocument | None:
    try:
        return parse_policy(text)
    except (PolicyDocumentError, TypeError, ValueError, RecursionError):
        return None


def _analyse_text(text: str, context: PolicyContext) -> tuple[IamFinding, ...]:
    """The analysis of JSON text, once per distinct text in an evaluation."""
    return context.remember(
        ("iam-text-analysis", text),
        lambda: tuple(analyse(text, checks=_RULE_CHECKS, parsed=parsed_policy_text(text, context))),
    )


@dataclass(frozen=True)
class _Analysis:
    """One resource's documents, analysed once and read by every IAM rule."""

    by_check: dict[Check, list[str]]
    """Rule messages by check."""
    unknown: list[str]
    """Why a document cannot be read statically (known only after apply)."""
    rejected: list[str]
    """Why AWS would reject a document (MalformedPolicyDocument): no other check can judge it."""


def _document_findings(
    resource: Resource, label: str, raw: Any, context: PolicyContext
) -> tuple[IamFinding, ...] | str:
    """Findings of one document, or the reason it cannot be read statically."""
    if isinstance(raw, str) and not _is_reference(raw):
        # JSON text (jsonencode output, plan JSON): analysed straight from the text, cached by it.
        return _analyse_text(raw, context)
    document = policy_document(raw, context.resources)
    if isinstance(document, Unknown):
        return f"{label} of {resource.address}: {document.reason}"
    if document is None:
        return f"{label} of {resource.address} is not a JSON policy document"
    if _contains_unknown(document):
        return f"{label} of {resource.address} holds values known only after apply"
    return tuple(analyse(document, checks=_RULE_CHECKS))


def _analysis(resource: Resource, context: PolicyContext, identity: bool) -> _Analysis | None:
    """Every rule's messages for a resource's documents, computed once and shared by the rules."""
    return context.remember(("iam-analysis", id(resource), identity),
                            lambda: _analyse_resource(resource, context, identity))


def _analyse_resource(resource: Resource, context: PolicyContext, identity: bool) -> _Analysis | None:
    documents = documents_of(resource, identity=identity)
    if not documents:
        return None
    analysis = _Analysis({}, [], [])
    for label, raw in documents:
        findings = _document_findings(resource, label, raw, context)
        if isinstance(findings, str):
            analysis.unknown.append(findings)
            continue
        for finding in findings:
            if finding.check is Check.MALFORMED:
                if _holds_terraform_expressions(raw):
                    # "${var.actions}" spliced into the text: the document is known only after apply
                    analysis.unknown.append(f"{label} of {resource.address} holds values known only after "
                                            f"apply: {finding.describe()}")
                else:
                    analysis.rejected.append(f"{label} of {resource.address}: {finding.describe()}")
                continue
            where = f"{label} {finding.path}" if finding.path else label
            analysis.by_check.setdefault(finding.check, []).append(
                f"{resource.address} {where}: {finding.message} [{finding.severity.value}]"
            )
    return analysis


def _holds_terraform_expressions(raw: Any) -> bool:
    """Document text (not a reference to one) with ``${...}`` that are not IAM policy variables:
    Terraform interpolations, filled in only at apply."""
    return (
        isinstance(raw, str)
        and not _is_reference(raw)
        and raw.count("${") > len(policy_variables(raw))
    )


def _is_reference(raw: str) -> bool:
    return raw.lstrip().startswith("${")


def _check_documents(
    resource: Resource, context: PolicyContext, checks: tuple[Check, ...], *, identity: bool = True
) -> Result:
    analysis = _analysis(resource, context, identity)
    if analysis is None:
        return not_applicable()
    messages = [m for check in checks for m in analysis.by_check.get(check, ())]
    # A document AWS rejects cannot be judged by these checks; AWS-IAM-008 fails it.
    return judge(messages, [*analysis.unknown, *analysis.rejected])


@policy(
    "AWS-IAM-001",
    title='IAM policy does not allow all actions ("*")',
    severity=Severity.CRITICAL,
    resource_types=IDENTITY_TYPES,
    remediation="Grant the specific actions the workload calls; full access "
    "belongs to break-glass roles managed outside application stacks.",
    checkov_ids=["CKV_AWS_1", "CKV_AWS_62", "CKV_AWS_63"],
    checkov_differences=[
        (
            "CKV_AWS_62",
            "stricter: Checkov does not read a policy written with cdktf's Fn.jsonencode "
            "(`${jsonencode({...})}` in cdk.tf.json); this rule reads it when it holds only literals.",
        ),
    ],
)
def no_star_actions(resource: Resource, context: PolicyContext) -> Result:
    """A policy that allows ``*`` grants administrator access and defeats every other control."""
    return _check_documents(resource, context, (Check.FULL_ADMIN,))


@policy(
    "AWS-IAM-002",
    title='IAM policy does not allow every action of a service ("s3:*")',
    severity=Severity.WARNING,
    resource_types=IDENTITY_TYPES,
    remediation="List the service's actions the workload calls instead of \"service:*\"; "
    "a service wildcard also grants every action AWS adds to it later.",
)
def no_service_wildcards(resource: Resource, context: PolicyContext) -> Result:
    """``service:*`` includes the service's permissions-management actions (``iam:*``, ``s3:*``)."""
    return _check_documents(resource, context, (Check.SERVICE_WILDCARD,))


@policy(
    "AWS-IAM-003",
    title='IAM policy does not allow write or permissions-management actions on Resource "*"',
    severity=Severity.WARNING,
    resource_types=IDENTITY_TYPES,
    remediation="Scope write and permissions-management actions to the ARNs they change; "
    'keep "*" for read/list actions and for actions that take no resource ARN.',
    checkov_ids=["CKV_AWS_355", "CKV_AWS_289", "CKV_AWS_290"],
    checkov_differences=[
        (
            "CKV_AWS_290",
            "stricter: Checkov's IAM checks built on cloudsplaining read a policy only as an object, so one "
            "given as JSON text (cdk.tf.json, plan JSON, json.dumps) passes there; this rule reads both.",
        ),
    ],
)
def no_star_resource_on_writes(resource: Resource, context: PolicyContext) -> Result:
    """Access levels come from the IAM catalogue; actions that support only ``*`` are exempt."""
    return _check_documents(resource, context, (Check.WILDCARD_RESOURCE,))


@policy(
    "AWS-IAM-004",
    title="IAM policies are attached to groups or roles, not to users",
    severity=Severity.WARNING,
    resource_types=(
        "aws_iam_user_policy",
        "aws_iam_user_policy_attachment",
        "aws_iam_policy_attachment",
    ),
    remediation="Attach the policy to a group (and add the user to it) or to a role the user "
    "assumes, so permissions are reviewed per job function rather than per person.",
    checkov_ids=["CKV_AWS_40"],
)
def no_user_policies(resource: Resource, context: PolicyContext) -> Result:
    """Per-user permissions drift and escape review; CIS wants permissions through groups only."""
    if resource.type == "aws_iam_policy_attachment":
        users = resource.get("users")
        if isinstance(users, Unknown):
            return cannot_evaluate(f"users of {resource.address}: {users.reason}")
        if not as_list(users):
            return compliant()
        return non_compliant(
            f"{resource.address} attaches a policy to users "
            f"{', '.join(str(u) for u in as_list(users))}"
        )
    kind = "an inline policy" if resource.type == "aws_iam_user_policy" else "a managed policy"
    return non_compliant(
        f"{resource.address} attaches {kind} directly to user {resource.get('user', '(unknown)')}"
    )


@policy(
    "AWS-IAM-005",
    title="IAM policy does not allow privilege escalation",
    severity=Severity.CRITICAL,
    resource_types=IDENTITY_TYPES,
    remediation="Remove the escalation path (for example iam:PassRole together with ec2:RunInstances or "
    "lambda:CreateFunction, iam:CreatePolicyVersion, iam:Attach*Policy, iam:Put*Policy); "
    "scope iam:PassRole to specific role ARNs with an iam:PassedToService condition.",
    checkov_ids=["CKV_AWS_286"],
    checkov_differences=[
        (
            "CKV_AWS_286",
            "stricter: Checkov's IAM checks built on cloudsplaining read a policy only as an object, so one "
            "given as JSON text (cdk.tf.json, plan JSON, json.dumps) passes there; this rule reads both.",
        ),
    ],
)
def no_privilege_escalation(resource: Resource, context: PolicyContext) -> Result:
    """Each path lets a principal grant itself more than the policy says (Rhino Security Labs)."""
    return _check_documents(resource, context, (Check.PRIVILEGE_ESCALATION,))


@policy(
    "AWS-IAM-006",
    title='Resource policy does not allow any principal ("*") without a restricting condition',
    severity=Severity.CRITICAL,
    resource_types=RESOURCE_POLICY_TYPES,
    remediation='Name the accounts, roles or services allowed, or restrict "*" with a condition '
    "on aws:SourceArn, aws:SourceAccount, aws:PrincipalOrgID or aws:SourceVpce.",
    checkov_ids=["CKV_AWS_70", "CKV_AWS_33", "CKV_AWS_60"],
    checkov_differences=[
        (
            "CKV_AWS_33",
            "stricter: Checkov's KMS key check reads a key policy only as an object, so one given as JSON "
            "text (json.dumps, plan JSON) passes there; this rule reads both.",
        ),
    ],
)
def no_public_principal(resource: Resource, context: PolicyContext) -> Result:
    """``Principal: "*"`` opens bucket, key, queue, topic or role to every AWS account and anonymous
    callers."""
    return _check_documents(resource, context, (Check.PUBLIC_PRINCIPAL,), identity=False)


@policy(
    "AWS-IAM-007",
    title="IAM policy does not Allow with NotAction or NotResource",
    severity=Severity.WARNING,
    resource_types=IDENTITY_TYPES,
    remediation="Allow the listed actions and resources instead; keep NotAction/NotResource for Deny guardrails.",
)
def no_allow_not_forms(resource: Resource, context: PolicyContext) -> Result:
    """An Allow with NotAction grants everything else, including actions AWS adds later."""
    return _check_documents(resource, context, (Check.ALLOW_NOT_ACTION, Check.ALLOW_NOT_RESOURCE))


@policy(
    "AWS-IAM-008",
    title='IAM policy document is one AWS accepts, with Version "2012-10-17"',
    severity=Severity.WARNING,
    resource_types=DOCUMENT_TYPES,
    remediation='Start every policy document with "Version": "2012-10-17" and use only '
    "the condition operators IAM defines (StringEquals, ArnLike, ..., with "
    "an optional IfExists suffix and ForAllValues:/ForAnyValue: prefix).",
)
def valid_documents(resource: Resource, context: PolicyContext) -> Result:
    """AWS rejects a malformed document at apply (an unknown condition operator or Version, a
    misspelt element); without ``Version`` IAM reads a document as 2008-10-17, where policy
    variables such as ``${aws:username}`` are not substituted and silently match only their literal
    text (a finding marked critical: a Deny scoped by a variable then guards nothing)."""
    analyses = [
        analysis
        for identity in ((True, False) if resource.type == "aws_iam_role" else (True,))
        if (analysis := _analysis(resource, context, identity)) is not None
    ]
    if not analyses:
        return not_applicable()
    problems = [m for a in analyses for m in (*a.rejected, *a.by_check.get(Check.VERSION, ()))]
    return judge(problems, [m for a in analyses for m in a.unknown])


POLICIES: tuple[Policy, ...] = (
    no_star_actions,
    no_service_wildcards,
    no_star_resource_on_writes,
    no_user_policies,
    no_privilege_escalation,
    no_public_principal,
    no_allow_not_forms,
    valid_documents,
)
