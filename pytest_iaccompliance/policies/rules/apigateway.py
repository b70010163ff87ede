"""API Gateway rules: stages are logged and traced, cached responses are encrypted."""

from __future__ import annotations

from pytest_iaccompliance.model import Resource, Severity, Unknown, UnreadableValue
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
from pytest_iaccompliance.policies.rules._defaults import block_setting, flag_with_default
from pytest_iaccompliance.policies.values import as_bool, as_text, is_set, read_field

STAGES = ["aws_api_gateway_stage", "aws_apigatewayv2_stage"]


@policy(
    "AWS-APIGW-001",
    title="API Gateway stage writes access logs",
    severity=Severity.WARNING,
    resource_types=STAGES,
    remediation="Add access_log_settings { destination_arn = <log group ARN>, format = ... } to the stage.",
    checkov_ids=["CKV_AWS_76"],
)
def access_logged(resource: Resource, context: PolicyContext) -> Result:
    """Access logs record every caller, path and status: the trail an incident on a public API needs."""
    try:
        destination = block_setting(resource, "access_log_settings", "destination_arn")
        if read_field("access_log_settings.destination_arn", is_set, destination):
            return compliant()
    except UnreadableValue as exc:
        return cannot_evaluate(f"access_log_settings of {resource.address}: {exc.reason}")
    return non_compliant(f"{resource.address} has no access_log_settings destination")


@policy(
    "AWS-APIGW-002",
    title="API Gateway REST stage has X-Ray tracing enabled",
    severity=Severity.WARNING,
    resource_types=["aws_api_gateway_stage"],
    remediation="Set xray_tracing_enabled = true.",
    checkov_ids=["CKV_AWS_73"],
)
def xray_traced(resource: Resource, context: PolicyContext) -> Result:
    """Traces show which backend a slow or failing request reached, across services."""
    return flag_with_default(
        resource, "xray_tracing_enabled", True, default=False, failure="requests are not traced"
    )


@policy(
    "AWS-APIGW-003",
    title="API Gateway method settings encrypt cached responses",
    severity=Severity.WARNING,
    resource_types=["aws_api_gateway_method_settings"],
    remediation="Set settings.cache_data_encrypted = true wherever settings.caching_enabled = true.",
    checkov_ids=["CKV_AWS_308"],
)
def cache_encrypted(resource: Resource, context: PolicyContext) -> Result:
    """A response cache holds whatever the API returned, personal data included."""
    try:
        raw = block_setting(resource, "settings", "caching_enabled")
        caching = read_field("settings.caching_enabled", as_bool, raw)
        encrypted = block_setting(resource, "settings", "cache_data_encrypted")
    except UnreadableValue as exc:
        return cannot_evaluate(f"settings of {resource.address}: {exc.reason}")
    if caching is False or caching is None:
        return not_applicable()
    result = flag_with_default(
        resource,
        "settings.cache_data_encrypted",
        True,
        default=False,
        failure="cached responses are not encrypted",
        value=encrypted,
    )
    if isinstance(caching, Unknown) and result.outcome is not Outcome.COMPLIANT:
        return cannot_evaluate(f"settings.caching_enabled of {resource.address} is not known before apply")
    return result


@policy(
    "AWS-APIGW-004",
    title="API Gateway method requires authorization or an API key",
    severity=Severity.WARNING,
    resource_types=["aws_api_gateway_method"],
    remediation='Set authorization to "AWS_IAM", "COGNITO_USER_POOLS" or "CUSTOM" (with an authorizer), or '
    "api_key_required = true; CORS preflight (OPTIONS) methods are exempt.",
    checkov_ids=["CKV_AWS_59"],
)
def method_authorized(resource: Resource, context: PolicyContext) -> Result:
    """An open method lets anyone on the internet invoke the backend behind it, Lambda or VPC link alike."""
    try:
        method = read_field("http_method", as_text, resource.get("http_method"))
        authorization = read_field("authorization", as_text, resource.get("authorization"))
        api_key = read_field("api_key_required", as_bool, resource.get("api_key_required"))
    except UnreadableValue as exc:
        return cannot_evaluate(f"{resource.address}: {exc.reason}")
    if method == "OPTIONS":
        return not_applicable()
    if api_key is True or (isinstance(authorization, str) and authorization.upper() != "NONE"):
        return compliant()
    if isinstance(authorization, Unknown) or isinstance(api_key, Unknown) or isinstance(method, Unknown):
        return cannot_evaluate(f"authorization of {resource.address} is not known before apply")
    return non_compliant(f'{resource.address} is open to anyone (authorization = "NONE", no API key required)')


POLICIES: tuple[Policy, ...] = (access_logged, xray_traced, cache_encrypted, method_authorized)
