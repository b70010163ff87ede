"""Load balancer rules: traffic is encrypted in transit with a current TLS policy."""

from __future__ import annotations

import re

from pytest_iaccompliance.model import Resource, Severity, Unknown, UnreadableValue, as_blocks
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
from pytest_iaccompliance.policies.rules._defaults import flag_with_default
from pytest_iaccompliance.policies.values import as_text, read_field
from pytest_iaccompliance.reporting.text import shown_setting

LISTENERS = ["aws_lb_listener", "aws_alb_listener"]
TLS_PROTOCOLS = frozenset({"HTTPS", "TLS"})
NON_HTTP_PROTOCOLS = frozenset({"TCP", "UDP", "TCP_UDP", "GENEVE"})

# Predefined ELB security policies that negotiate TLS 1.2 or later only (Elastic Load Balancing user
# guide, "Security policies for your Application Load Balancer"). Policies named TLS13-1-0/TLS13-1-1
# still accept TLS 1.0/1.1 and are deliberately absent.
ACCEPTED_SSL_POLICIES = frozenset(
    {
        "ELBSecurityPolicy-TLS13-1-2-2021-06",
        "ELBSecurityPolicy-TLS13-1-2-Res-2021-06",
        "ELBSecurityPolicy-TLS13-1-2-Ext1-2021-06",
        "ELBSecurityPolicy-TLS13-1-2-Ext2-2021-06",
        "ELBSecurityPolicy-TLS13-1-3-2021-06",
        "ELBSecurityPolicy-TLS13-1-2-FIPS-2023-04",
        "ELBSecurityPolicy-TLS13-1-2-Res-FIPS-2023-04",
        "ELBSecurityPolicy-TLS13-1-2-Ext0-FIPS-2023-04",
        "ELBSecurityPolicy-TLS13-1-2-Ext1-FIPS-2023-04",
        "ELBSecurityPolicy-TLS13-1-2-Ext2-FIPS-2023-04",
        "ELBSecurityPolicy-TLS13-1-3-FIPS-2023-04",
        "ELBSecurityPolicy-TLS-1-2-2017-01",
        "ELBSecurityPolicy-TLS-1-2-Ext-2018-06",
        "ELBSecurityPolicy-FS-1-2-2019-08",
        "ELBSecurityPolicy-FS-1-2-Res-2019-08",
        "ELBSecurityPolicy-FS-1-2-Res-2020-10",
    }
)
# Newer policies follow the same naming; accept any whose minimum version is TLS 1.2 or 1.3.
_ACCEPTED_PATTERN = re.compile(r"^ELBSecurityPolicy-(?:TLS13-1-[23]|TLS-1-2|FS-1-2)-")


def ssl_policy_accepted(name: str) -> bool:
    return name in ACCEPTED_SSL_POLICIES or bool(_ACCEPTED_PATTERN.match(name))


def _protocol(resource: Resource) -> str | Unknown:
    value = read_field("protocol", as_text, resource.get("protocol"))
    if isinstance(value, Unknown):
        return value
    return (value or "HTTP").upper()  # an ALB listener without protocol is HTTP


def _redirects_to_https(resource: Resource) -> bool | Unknown:
    """Whether the default action redirects to HTTPS (how an ALB upgrades port 80)."""
    actions, unreadable = resource.read_blocks("default_action")
    undecided = Unknown("; ".join(unreadable)) if unreadable else None
    for action in actions:
        kind = read_field("default_action.type", as_text, action.get("type"))
        if isinstance(kind, Unknown):
            undecided = kind if undecided is None else undecided
            continue
        if kind != "redirect":
            continue
        for redirect in as_blocks(action.get("redirect")):
            target = read_field("default_action.redirect.protocol", as_text, redirect.get("protocol"))
            if isinstance(target, Unknown):
                undecided = target if undecided is None else undecided
            elif (target or "").upper() == "HTTPS":
                return True
    return False if undecided is None else undecided


@policy(
    "AWS-ELB-001",
    title="Load balancer listener uses HTTPS/TLS or redirects HTTP to HTTPS",
    severity=Severity.CRITICAL,
    resource_types=LISTENERS,
    remediation="Use protocol = \"HTTPS\" with a certificate_arn, or make the HTTP listener's "
    'default_action a redirect with protocol = "HTTPS" and status_code = "HTTP_301".',
    checkov_ids=["CKV_AWS_2", "CKV2_AWS_20"],
)
def listener_encrypted(resource: Resource, context: PolicyContext) -> Result:
    """Plain HTTP exposes sessions and credentials to anyone on the path."""
    protocol = _protocol(resource)
    if isinstance(protocol, Unknown):
        return cannot_evaluate(f"protocol of {resource.address} is not known before apply")
    if protocol in TLS_PROTOCOLS:
        return compliant()
    if protocol in NON_HTTP_PROTOCOLS:
        return not_applicable()  # layer-4 pass-through; TLS is the targets' business
    redirects = _redirects_to_https(resource)
    if isinstance(redirects, Unknown):
        return cannot_evaluate(f"default_action of {resource.address} cannot be judged ({redirects.reason})")
    if redirects:
        return compliant()
    return non_compliant(
        f"{resource.address} serves {shown_setting(resource, 'protocol', protocol)} without redirecting to HTTPS"
    )


@policy(
    "AWS-ELB-002",
    title="HTTPS/TLS listener uses a TLS 1.2+ security policy",
    severity=Severity.WARNING,
    resource_types=LISTENERS,
    remediation="Set ssl_policy to ELBSecurityPolicy-TLS13-1-2-2021-06 (or another TLS13-1-2/TLS13-1-3/TLS-1-2/FS-1-2 "
    "policy); the provider default ELBSecurityPolicy-2016-08 still accepts TLS 1.0.",
    checkov_ids=["CKV_AWS_103"],
    checkov_differences=[
        (
            "CKV_AWS_103",
            "Checkov fails a plain-HTTP listener (AWS-ELB-001's concern, not applicable here), and accepts "
            "ELBSecurityPolicy-TLS13-1-0-2021-06, which still negotiates TLS 1.0 and 1.1, so it fails here.",
        ),
    ],
)
def listener_tls_policy(resource: Resource, context: PolicyContext) -> Result:
    """TLS 1.0/1.1 have known weaknesses and are outside every current compliance baseline."""
    protocol = _protocol(resource)
    if isinstance(protocol, Unknown):
        return cannot_evaluate(f"protocol of {resource.address} is not known before apply")
    if protocol not in TLS_PROTOCOLS:
        return not_applicable()
    name = read_field("ssl_policy", as_text, resource.get("ssl_policy"))
    if isinstance(name, Unknown):
        return cannot_evaluate(f"ssl_policy of {resource.address} is not known before apply")
    if name is None:
        return non_compliant(
            f"{resource.address} has no ssl_policy (the default ELBSecurityPolicy-2016-08 "
            "accepts TLS 1.0)"
        )
    if ssl_policy_accepted(name):
        return compliant()
    return non_compliant(
        f"{resource.address} uses {shown_setting(resource, 'ssl_policy', name)}, which accepts TLS versions below 1.2"
    )


@policy(
    "AWS-ELB-003",
    title="Classic load balancer listeners use HTTPS or SSL",
    severity=Severity.CRITICAL,
    resource_types=["aws_elb"],
    remediation='Set lb_protocol = "https" (or "ssl") with an ssl_certificate_id on every '
    "listener, or move to an Application Load Balancer with an HTTP-to-HTTPS redirect.",
)
def classic_listener_encrypted(resource: Resource, context: PolicyContext) -> Result:
    """Classic load balancers cannot redirect, so any plain listener carries clear-text traffic."""
    problems: list[str] = []
    listeners, unknown = resource.read_blocks("listener")
    for index, listener in enumerate(listeners):
        try:
            protocol = as_text(listener.get("lb_protocol"))
        except UnreadableValue as exc:
            unknown.append(f"listener[{index}].lb_protocol of {resource.address} {exc.reason}")
            continue
        if isinstance(protocol, Unknown):
            unknown.append(f"listener[{index}].lb_protocol of {resource.address} is not known before apply")
        elif (protocol or "").lower() not in {"https", "ssl"}:
            port = shown_setting(resource, "listener.lb_port", listener.get("lb_port"))
            shown = shown_setting(resource, "listener.lb_protocol", protocol)
            problems.append(f"{resource.address}: listener[{index}] on port {port} uses {shown}")
    return judge(problems, unknown)


INSECURE_PROTOCOL_ATTRIBUTES = frozenset({"Protocol-SSLv3", "Protocol-TLSv1", "Protocol-TLSv1.1"})
# Predefined classic-ELB policies that still accept TLS 1.0/1.1 (Elastic Load Balancing, "Predefined SSL security
# policies for Classic Load Balancers").
OUTDATED_REFERENCE_POLICIES = frozenset(
    {
        "ELBSecurityPolicy-2016-08",
        "ELBSecurityPolicy-TLS-1-1-2017-01",
        "ELBSecurityPolicy-2015-05",
        "ELBSecurityPolicy-2015-03",
        "ELBSecurityPolicy-2015-02",
    }
)


@policy(
    "AWS-ELB-004",
    title="Classic load balancer SSL negotiation policy allows no SSLv3, TLS 1.0 or TLS 1.1",
    severity=Severity.WARNING,
    resource_types=["aws_load_balancer_policy"],
    remediation='Use policy_attribute { name = "Reference-Security-Policy", value = '
    '"ELBSecurityPolicy-TLS-1-2-2017-01" } and drop Protocol-SSLv3/TLSv1/TLSv1.1 attributes.',
    checkov_ids=["CKV_AWS_213"],
)
def classic_policy_protocols(resource: Resource, context: PolicyContext) -> Result:
    """A classic listener negotiates whatever its policy allows; SSLv3 and TLS 1.0/1.1 are broken or deprecated."""
    problems: list[str] = []
    attributes, unknown = resource.read_blocks("policy_attribute")
    for attribute in attributes:
        try:
            name = as_text(attribute.get("name"))
            value = as_text(attribute.get("value"))
        except UnreadableValue as exc:
            unknown.append(f"policy_attribute of {resource.address} {exc.reason}")
            continue
        if isinstance(name, Unknown) or isinstance(value, Unknown):
            unknown.append(f"policy_attribute of {resource.address} is not known before apply")
        elif name in INSECURE_PROTOCOL_ATTRIBUTES and (value or "").lower() == "true":
            problems.append(f"{resource.address} enables {name}")
        elif name == "Reference-Security-Policy" and value in OUTDATED_REFERENCE_POLICIES:
            problems.append(f"{resource.address} references {value}, which accepts TLS versions below 1.2")
    return judge(problems, unknown)


@policy(
    "AWS-ELB-005",
    title="Application load balancer drops invalid HTTP header fields",
    severity=Severity.WARNING,
    resource_types=["aws_lb", "aws_alb"],
    remediation="Set drop_invalid_header_fields = true.",
    checkov_ids=["CKV_AWS_131"],
)
def drops_invalid_headers(resource: Resource, context: PolicyContext) -> Result:
    """Forwarding malformed headers opens HTTP request smuggling and desync attacks on the targets."""
    kind = read_field("load_balancer_type", as_text, resource.get("load_balancer_type"))
    if isinstance(kind, Unknown):
        return cannot_evaluate(f"load_balancer_type of {resource.address} is not known before apply")
    if (kind or "application") != "application":
        return not_applicable()
    return flag_with_default(
        resource,
        "drop_invalid_header_fields",
        True,
        default=False,
        failure="invalid header fields are forwarded to targets",
    )


@policy(
    "AWS-ELB-006",
    title="Load balancer writes access logs",
    severity=Severity.WARNING,
    resource_types=["aws_lb", "aws_alb", "aws_elb"],
    remediation="Add access_logs { bucket = <logs bucket>, enabled = true } (the bucket policy must let the "
    "region's ELB account write).",
    checkov_ids=["CKV_AWS_91", "CKV_AWS_92"],
)
def access_logged(resource: Resource, context: PolicyContext) -> Result:
    """Access logs are the only record of each request a load balancer answered: client, path, status, TLS.

    An ``access_logs`` block on ``aws_lb`` is off unless ``enabled = true``; on a classic ``aws_elb`` it is on
    unless ``enabled = false``, as the provider defaults them.
    """
    kind = read_field("load_balancer_type", as_text, resource.get("load_balancer_type"))
    if isinstance(kind, Unknown):
        return cannot_evaluate(f"load_balancer_type of {resource.address} is not known before apply")
    if kind == "gateway":
        return not_applicable()  # gateway load balancers have no access logs
    blocks, unreadable = resource.read_blocks("access_logs")
    if unreadable:
        return cannot_evaluate(*unreadable)
    if not blocks:
        return non_compliant(f"{resource.address} has no access_logs")
    default = resource.type == "aws_elb"
    return flag_with_default(
        resource, "access_logs.enabled", True, default=default, failure="access logging is off",
        value=blocks[0].get("enabled"),
    )


POLICIES: tuple[Policy, ...] = (
    listener_encrypted,
    listener_tls_policy,
    classic_listener_encrypted,
    classic_policy_protocols,
    drops_invalid_headers,
    access_logged,
)
