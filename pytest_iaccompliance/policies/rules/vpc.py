"""Security group and network rules."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

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
from pytest_iaccompliance.policies.values import as_list, covers_port, is_open_cidr

ADMIN_PORTS = {22: "SSH", 3389: "RDP"}


def ingress_rules(resource: Resource, context: PolicyContext) -> Iterator[tuple[str, Mapping[str, Any]]]:
    """Every ingress rule that applies to a security group: inline blocks and separate rule resources."""
    if resource.type == "aws_security_group":
        for block in resource.blocks("ingress"):
            yield resource.address, block
        for rule in context.resources.find_related(
            "aws_security_group_rule", resource, "security_group_id", match_on=("id",)
        ):
            if str(rule.get("type", "")).lower() == "ingress":
                yield rule.address, rule.properties
        for rule in context.resources.find_related(
            "aws_vpc_security_group_ingress_rule", resource, "security_group_id", match_on=("id",)
        ):
            yield rule.address, _normalize_vpc_rule(rule.properties)


def _normalize_vpc_rule(properties: Mapping[str, Any]) -> Mapping[str, Any]:
    """``aws_vpc_security_group_ingress_rule`` spells one CIDR and ``ip_protocol``; align it."""
    return {
        "from_port": properties.get("from_port"),
        "to_port": properties.get("to_port"),
        "protocol": properties.get("ip_protocol"),
        "cidr_blocks": as_list(properties.get("cidr_ipv4")),
        "ipv6_cidr_blocks": as_list(properties.get("cidr_ipv6")),
    }


def open_to_world(rule: Mapping[str, Any]) -> list[str]:
    return [c for key in ("cidr_blocks", "ipv6_cidr_blocks") for c in as_list(rule.get(key)) if is_open_cidr(c)]


@policy(
    "AWS-EC2-001",
    title="Security group allows no ingress from 0.0.0.0/0 or ::/0 to SSH (22) or RDP (3389)",
    severity=Severity.CRITICAL,
    resource_types=["aws_security_group"],
    remediation="Restrict the rule's cidr_blocks to known administration networks, or reach hosts "
    "through SSM Session Manager instead of opening 22/3389.",
    checkov_ids=["CKV_AWS_24", "CKV_AWS_25"],
)
def no_world_admin_ingress(resource: Resource, context: PolicyContext) -> Result:
    """Admin ports open to the internet are the most exploited misconfiguration in AWS."""
    problems: list[str] = []
    unknown: list[str] = []
    for where, rule in ingress_rules(resource, context):
        cidrs = open_to_world(rule)
        if not cidrs:
            continue
        for port, name in ADMIN_PORTS.items():
            covered = covers_port(rule.get("from_port"), rule.get("to_port"), rule.get("protocol"), port)
            if isinstance(covered, Unknown):
                unknown.append(f"{where}: port range or protocol is not known before apply")
            elif covered:
                problems.append(f"{where} allows {name} (port {port}) from {', '.join(cidrs)}")
    if problems:
        return non_compliant(*problems)
    if unknown:
        return cannot_evaluate(*unknown)
    return compliant()


POLICIES: tuple[Policy, ...] = (no_world_admin_ingress,)
