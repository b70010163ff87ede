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
from pytest_iaccompliance.policies.values import as_bool, is_set, read_field

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


POLICIES: tuple[Policy, ...] = (access_logged, xray_traced, cache_encrypted)
