"""CloudFront rules: viewers and origins are reached over current TLS, and the edge is protected and logged."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pytest_iaccompliance.model import Resource, Severity, Unknown, UnreadableValue, read_blocks
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
from pytest_iaccompliance.policies.values import as_bool, as_text, is_set, read_field, read_strings
from pytest_iaccompliance.reporting.text import shown_setting

DISTRIBUTION = ["aws_cloudfront_distribution"]
# Viewer security policies that accept TLS 1.2 or later only (CloudFront developer guide, "Supported protocols
# and ciphers between viewers and CloudFront").
TLS12_POLICIES = frozenset({"TLSv1.2_2018", "TLSv1.2_2019", "TLSv1.2_2021", "TLSv1.2_2025", "TLSv1.3_2025"})


def _behaviors(resource: Resource) -> tuple[list[tuple[str, Mapping[str, Any]]], list[str]]:
    found: list[tuple[str, Mapping[str, Any]]] = []
    unreadable: list[str] = []
    for key in ("default_cache_behavior", "ordered_cache_behavior"):
        blocks, problems = resource.read_blocks(key)
        unreadable.extend(problems)
        for index, block in enumerate(blocks):
            found.append((key if key == "default_cache_behavior" else f"{key}[{index}]", block))
    return found, unreadable


@policy(
    "AWS-CF-001",
    title="CloudFront cache behaviors redirect or refuse plain HTTP (viewer protocol is not allow-all)",
    severity=Severity.CRITICAL,
    resource_types=DISTRIBUTION,
    remediation='Set viewer_protocol_policy = "redirect-to-https" (or "https-only") on the default and every '
    "ordered cache behavior.",
    checkov_ids=["CKV_AWS_34"],
)
def viewer_https(resource: Resource, context: PolicyContext) -> Result:
    """With allow-all, viewers' cookies and tokens cross the internet in clear text."""
    behaviors, unknown = _behaviors(resource)
    problems: list[str] = []
    for where, behavior in behaviors:
        try:
            value = as_text(behavior.get("viewer_protocol_policy"))
        except UnreadableValue as exc:
            unknown.append(f"{where}.viewer_protocol_policy of {resource.address} {exc.reason}")
            continue
        if isinstance(value, Unknown):
            unknown.append(f"{where}.viewer_protocol_policy of {resource.address} is not known before apply")
        elif value is None or value == "allow-all":
            shown = "unset" if value is None else '"allow-all"'
            problems.append(f"{resource.address}: {where} accepts plain HTTP (viewer_protocol_policy {shown})")
    return judge(problems, unknown)


@policy(
    "AWS-CF-002",
    title="CloudFront custom origins are reached over HTTPS (origin protocol is not http-only)",
    severity=Severity.WARNING,
    resource_types=DISTRIBUTION,
    remediation='Set custom_origin_config.origin_protocol_policy = "https-only" on every custom origin.',
)
def origin_https(resource: Resource, context: PolicyContext) -> Result:
    """An http-only origin carries every request and response between the edge and the origin in clear text;
    match-viewer does the same for viewers the distribution lets in over HTTP."""
    origins, unknown = resource.read_blocks("origin")
    problems: list[str] = []
    behaviors, _ = _behaviors(resource)
    viewer_http = any(behavior.get("viewer_protocol_policy") == "allow-all" for _, behavior in behaviors)
    for index, origin in enumerate(origins):
        where = f"origin[{index}].custom_origin_config.origin_protocol_policy"
        for config in _blocks_of(origin, "custom_origin_config", resource, unknown):
            try:
                value = as_text(config.get("origin_protocol_policy"))
            except UnreadableValue as exc:
                unknown.append(f"{where} of {resource.address} {exc.reason}")
                continue
            if isinstance(value, Unknown):
                unknown.append(f"{where} of {resource.address} is not known before apply")
            elif value == "http-only":
                problems.append(f'{resource.address}: origin[{index}] is reached over plain HTTP ("http-only")')
            elif value == "match-viewer" and viewer_http:
                problems.append(
                    f'{resource.address}: origin[{index}] matches viewers ("match-viewer"), and a cache behavior '
                    'lets viewers in over plain HTTP ("allow-all")'
                )
    return judge(problems, unknown)


def _blocks_of(holder: Mapping[str, Any], key: str, resource: Resource, unknown: list[str]) -> list[Mapping[str, Any]]:
    blocks, problems = read_blocks(holder.get(key), key, resource.address)
    unknown.extend(problems)
    return blocks


@policy(
    "AWS-CF-003",
    title="CloudFront viewer certificate requires TLS 1.2 or later",
    severity=Severity.WARNING,
    resource_types=DISTRIBUTION,
    remediation='Use an ACM certificate (acm_certificate_arn, ssl_support_method = "sni-only") with '
    'minimum_protocol_version = "TLSv1.2_2021"; the default *.cloudfront.net certificate allows TLS 1.0.',
    checkov_ids=["CKV_AWS_174"],
)
def viewer_tls12(resource: Resource, context: PolicyContext) -> Result:
    """TLS 1.0 and 1.1 are outside every current baseline; the default certificate still negotiates them."""
    blocks, unknown = resource.read_blocks("viewer_certificate")
    if unknown:
        return cannot_evaluate(*unknown)
    if not blocks:
        return non_compliant(f"{resource.address} has no viewer_certificate")
    certificate = blocks[0]
    try:
        default_cert = read_field(
            "viewer_certificate.cloudfront_default_certificate",
            as_bool,
            certificate.get("cloudfront_default_certificate"),
        )
        version = read_field(
            "viewer_certificate.minimum_protocol_version", as_text, certificate.get("minimum_protocol_version")
        )
    except UnreadableValue as exc:
        return cannot_evaluate(f"{resource.address}: {exc.reason}")
    if isinstance(default_cert, Unknown) or isinstance(version, Unknown):
        return cannot_evaluate(f"viewer_certificate of {resource.address} is not known before apply")
    if default_cert:
        return non_compliant(
            f"{resource.address} uses the default CloudFront certificate, which accepts TLS 1.0 "
            "(cloudfront_default_certificate = true)"
        )
    if version is None:
        return non_compliant(
            f"{resource.address}: minimum_protocol_version is unset, and the provider default is TLSv1"
        )
    if version in TLS12_POLICIES:
        return compliant()
    return non_compliant(
        f"{resource.address} accepts TLS below 1.2 (minimum_protocol_version = "
        f"{shown_setting(resource, 'viewer_certificate.minimum_protocol_version', version)})"
    )


@policy(
    "AWS-CF-004",
    title="CloudFront distribution is protected by a WAF web ACL",
    severity=Severity.WARNING,
    resource_types=DISTRIBUTION,
    remediation="Set web_acl_id to the ARN of an aws_wafv2_web_acl with scope CLOUDFRONT.",
    checkov_ids=["CKV_AWS_68"],
)
def waf_attached(resource: Resource, context: PolicyContext) -> Result:
    """The edge is the first thing attackers reach; a web ACL filters injection, bots and floods there."""
    if read_field("web_acl_id", is_set, resource.get("web_acl_id")):
        return compliant()
    return non_compliant(f"{resource.address} has no web_acl_id")


@policy(
    "AWS-CF-005",
    title="CloudFront distribution writes access logs",
    severity=Severity.WARNING,
    resource_types=DISTRIBUTION,
    remediation="Add logging_config { bucket = \"<logs bucket>.s3.amazonaws.com\" }.",
    checkov_ids=["CKV_AWS_86"],
)
def access_logged(resource: Resource, context: PolicyContext) -> Result:
    """Edge access logs are the only record of who fetched what through the distribution."""
    blocks, unknown = resource.read_blocks("logging_config")
    if unknown:
        return cannot_evaluate(*unknown)
    for block in blocks:
        if read_field("logging_config.bucket", is_set, block.get("bucket")):
            return compliant()
    return non_compliant(f"{resource.address} has no logging_config")


@policy(
    "AWS-CF-006",
    title="CloudFront custom origins do not accept SSLv3",
    severity=Severity.WARNING,
    resource_types=DISTRIBUTION,
    remediation='Set custom_origin_config.origin_ssl_protocols = ["TLSv1.2"].',
)
def origin_no_sslv3(resource: Resource, context: PolicyContext) -> Result:
    """SSLv3 is broken (POODLE); an origin connection that may fall back to it is not encrypted in practice."""
    origins, unknown = resource.read_blocks("origin")
    problems: list[str] = []
    applies = False
    for index, origin in enumerate(origins):
        for config in _blocks_of(origin, "custom_origin_config", resource, unknown):
            applies = True
            protocols, unreadable = read_strings(
                config.get("origin_ssl_protocols"), f"origin[{index}].custom_origin_config.origin_ssl_protocols"
            )
            unknown.extend(f"{resource.address}: {reason}" for reason in unreadable)
            if "SSLv3" in protocols:
                problems.append(f"{resource.address}: origin[{index}] accepts SSLv3")
    if not applies and not unknown:
        return not_applicable()
    return judge(problems, unknown)


POLICIES: tuple[Policy, ...] = (viewer_https, origin_https, viewer_tls12, waf_attached, access_logged, origin_no_sslv3)
