"""Lambda rules: functions are not invocable by anyone on the internet."""

from __future__ import annotations

from pytest_iaccompliance.model import Resource, Severity, Unknown
from pytest_iaccompliance.policies.base import (
    Policy,
    PolicyContext,
    Result,
    cannot_evaluate,
    compliant,
    non_compliant,
    policy,
)
from pytest_iaccompliance.policies.values import as_text, is_set, read_field
from pytest_iaccompliance.reporting.text import shown_setting


@policy(
    "AWS-LAMBDA-001",
    title="Lambda permission does not let any principal invoke the function",
    severity=Severity.CRITICAL,
    resource_types=["aws_lambda_permission"],
    remediation="Name the invoking service or account in principal and scope it with "
    'source_arn (and source_account for S3), instead of principal = "*".',
    checkov_ids=["CKV_AWS_301"],
    checkov_differences=[
        (
            "CKV_AWS_301",
            "looser: Checkov fails every permission with principal `*`; this rule passes one scoped by "
            "source_arn or source_account, which only that source can use.",
        ),
    ],
)
def permission_not_public(resource: Resource, context: PolicyContext) -> Result:
    """A wildcard principal without a source condition lets any AWS account invoke the function."""
    principal = read_field("principal", as_text, resource.get("principal"))
    if isinstance(principal, Unknown):
        return cannot_evaluate(f"principal of {resource.address} is not known before apply")
    if (principal or "").strip() != "*":
        return compliant()
    if any(read_field(key, is_set, resource.get(key)) for key in ("source_arn", "source_account", "principal_org_id")):
        return compliant()
    action = shown_setting(resource, "action") if resource.get("action") else "lambda:InvokeFunction"
    return non_compliant(
        f"{resource.address} grants {action} "
        'to principal "*" with no source_arn, source_account or principal_org_id'
    )


@policy(
    "AWS-LAMBDA-002",
    title="Lambda function URL requires IAM authentication",
    severity=Severity.CRITICAL,
    resource_types=["aws_lambda_function_url"],
    remediation='Set authorization_type = "AWS_IAM", or front the function with API Gateway and an authorizer.',
    checkov_ids=["CKV_AWS_258"],
)
def function_url_authenticated(resource: Resource, context: PolicyContext) -> Result:
    """A URL with authorization NONE is a public, unauthenticated endpoint into the function."""
    kind = read_field("authorization_type", as_text, resource.get("authorization_type"))
    if isinstance(kind, Unknown):
        return cannot_evaluate(
            f"authorization_type of {resource.address} is not known before apply"
        )
    if (kind or "").upper() == "NONE":
        return non_compliant(f'{resource.address} has authorization_type = "NONE"')
    if kind is None:
        return non_compliant(f"{resource.address} has no authorization_type")
    return compliant()


POLICIES: tuple[Policy, ...] = (permission_not_public, function_url_authenticated)
