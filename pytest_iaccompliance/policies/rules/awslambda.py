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
from pytest_iaccompliance.policies.values import as_text, is_set


@policy(
    "AWS-LAMBDA-001",
    title="Lambda permission does not let any principal invoke the function",
    severity=Severity.CRITICAL,
    resource_types=["aws_lambda_permission"],
    remediation="Name the invoking service or account in principal and scope it with source_arn "
    "(and "
    'source_account for S3), instead of principal = "*".',
    checkov_ids=["CKV_AWS_301"],
)
def permission_not_public(resource: Resource, context: PolicyContext) -> Result:
    """A wildcard principal without a source condition lets any AWS account invoke the function."""
    principal = as_text(resource.get("principal"))
    if isinstance(principal, Unknown):
        return cannot_evaluate(f"principal of {resource.address} is not known before apply")
    if (principal or "").strip() != "*":
        return compliant()
    if (
        is_set(resource.get("source_arn"))
        or is_set(resource.get("source_account"))
        or is_set(resource.get("principal_org_id"))
    ):
        return compliant()
    return non_compliant(
        f"{resource.address} grants {resource.get('action') or 'lambda:InvokeFunction'} "
        'to principal "*" with no source_arn, source_account or principal_org_id'
    )


@policy(
    "AWS-LAMBDA-002",
    title="Lambda function URL requires IAM authentication",
    severity=Severity.CRITICAL,
    resource_types=["aws_lambda_function_url"],
    remediation='Set authorization_type = "AWS_IAM", or front the function with API Gateway and an '
    "authorizer.",
    checkov_ids=["CKV_AWS_258"],
)
def function_url_authenticated(resource: Resource, context: PolicyContext) -> Result:
    """A URL with authorization NONE is a public, unauthenticated endpoint into the function."""
    kind = as_text(resource.get("authorization_type"))
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
