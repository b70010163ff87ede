"""Network rules: security groups, their separate rule resources, network ACLs and VPC flow logs.

Security group and NACL rules may be written inline or as separate resources. A separate rule whose
group is in the same set is judged with the group (one finding per group); a rule whose group lives
elsewhere (a data source, another stack) is judged on its own, so nothing escapes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import Any

from pytest_iaccompliance.model import Resource, Severity, Unknown
from pytest_iaccompliance.policies.base import (
    Policy,
    PolicyContext,
    Result,
    cannot_evaluate,
    compliant,
    non_compliant,
    not_applicable,
    policy,
)
from pytest_iaccompliance.policies.rules._common import partner_missing
from pytest_iaccompliance.policies.values import (
    as_bool,
    as_int,
    as_list,
    as_text,
    covers_all_ports,
    covers_port,
    is_open_cidr,
)

ADMIN_PORTS = {22: "SSH", 3389: "RDP"}
SECURITY_GROUP = "aws_security_group"
SG_RULE = "aws_security_group_rule"
SG_INGRESS_RULE = "aws_vpc_security_group_ingress_rule"
SG_EGRESS_RULE = "aws_vpc_security_group_egress_rule"
NACL_TYPES = ("aws_network_acl", "aws_default_network_acl")
NACL_RULE = "aws_network_acl_rule"

Rule = Mapping[str, Any]
PortTest = Callable[[Rule], "bool | Unknown"]


def _normalize_vpc_rule(properties: Mapping[str, Any]) -> Rule:
    """``aws_vpc_security_group_*_rule`` spells one CIDR and ``ip_protocol``; align it."""
    return {
        "from_port": properties.get("from_port"),
        "to_port": properties.get("to_port"),
        "protocol": properties.get("ip_protocol"),
        "cidr_blocks": as_list(properties.get("cidr_ipv4")),
        "ipv6_cidr_blocks": as_list(properties.get("cidr_ipv6")),
    }


def _group_in_set(rule: Resource, context: PolicyContext) -> bool:
    """Whether the group a separate rule resource belongs to is itself in the set."""
    group = context.resources.resolve(rule.get("security_group_id"))
    if group is not None:  # a data source's group is not judged here, so its rules are judged alone
        return group.type == SECURITY_GROUP and group.mode == "managed"
    return bool(
        context.resources.find_related(SECURITY_GROUP, rule, "id", match_on=("security_group_id",))
    )


def sg_rules(
    resource: Resource, context: PolicyContext, direction: str
) -> Iterator[tuple[str, Rule]]:
    """Every ``direction`` (ingress/egress) rule of a group: inline blocks and rule resources."""
    if resource.type == SECURITY_GROUP:
        for block in resource.blocks(direction):
            yield resource.address, block
        for rule in context.resources.find_related(
            SG_RULE, resource, "security_group_id", match_on=("id",)
        ):
            if str(rule.get("type", "")).lower() == direction:
                yield rule.address, rule.properties
        vpc_type = SG_INGRESS_RULE if direction == "ingress" else SG_EGRESS_RULE
        for rule in context.resources.find_related(
            vpc_type, resource, "security_group_id", match_on=("id",)
        ):
            yield rule.address, _normalize_vpc_rule(rule.properties)
    elif resource.type == SG_RULE:
        if str(resource.get("type", "")).lower() == direction:
            yield resource.address, resource.properties
    elif resource.type == (SG_INGRESS_RULE if direction == "ingress" else SG_EGRESS_RULE):
        yield resource.address, _normalize_vpc_rule(resource.properties)


def ingress_rules(resource: Resource, context: PolicyContext) -> Iterator[tuple[str, Rule]]:
    """Every ingress rule of a security group: inline blocks and separate rule resources."""
    return sg_rules(resource, context, "ingress")


def open_to_world(
    rule: Rule, cidr_keys: tuple[str, ...] = ("cidr_blocks", "ipv6_cidr_blocks")
) -> list[str]:
    return [c for key in cidr_keys for c in as_list(rule.get(key)) if is_open_cidr(c)]


def _judge_sg(
    resource: Resource, context: PolicyContext, direction: str, tests: Mapping[str, PortTest]
) -> Result:
    if resource.type != SECURITY_GROUP and _group_in_set(resource, context):
        return not_applicable()  # judged with its group
    problems: list[str] = []
    unknown: list[str] = []
    for where, rule in sg_rules(resource, context, direction):
        cidrs = open_to_world(rule)
        if not cidrs:
            continue
        for label, test in tests.items():
            covered = test(rule)
            if isinstance(covered, Unknown):
                unknown.append(f"{where}: port range or protocol is not known before apply")
            elif covered:
                word = "from" if direction == "ingress" else "to"
                problems.append(f"{where} allows {label} {word} {', '.join(cidrs)}")
    if problems:
        return non_compliant(*problems)
    if unknown:
        return cannot_evaluate(*dict.fromkeys(unknown))
    return compliant()


def _admin_port_tests() -> dict[str, PortTest]:
    def test_for(port: int) -> PortTest:
        return lambda rule: covers_port(
            rule.get("from_port"), rule.get("to_port"), rule.get("protocol"), port
        )

    return {f"{name} (port {port})": test_for(port) for port, name in ADMIN_PORTS.items()}


def _all_ports(rule: Rule) -> bool | Unknown:
    return covers_all_ports(rule.get("from_port"), rule.get("to_port"), rule.get("protocol"))


SG_TYPES = [SECURITY_GROUP, SG_RULE, SG_INGRESS_RULE]


@policy(
    "AWS-EC2-001",
    title="Security group allows no ingress from 0.0.0.0/0 or ::/0 to SSH (22) or RDP (3389)",
    severity=Severity.CRITICAL,
    resource_types=SG_TYPES,
    remediation="Restrict the rule's cidr_blocks to known administration networks, or reach hosts "
    "through SSM Session Manager instead of opening 22/3389.",
    checkov_ids=["CKV_AWS_24", "CKV_AWS_25"],
)
def no_world_admin_ingress(resource: Resource, context: PolicyContext) -> Result:
    """Admin ports open to the internet are the most exploited misconfiguration in AWS."""
    return _judge_sg(resource, context, "ingress", _admin_port_tests())


@policy(
    "AWS-EC2-002",
    title="Security group allows no ingress from 0.0.0.0/0 or ::/0 to all ports",
    severity=Severity.CRITICAL,
    resource_types=SG_TYPES,
    remediation="Open only the ports the service listens on, and only to the networks that need "
    "them.",
    checkov_ids=["CKV_AWS_277"],
)
def no_world_all_ports_ingress(resource: Resource, context: PolicyContext) -> Result:
    """Every port open to the internet exposes whatever happens to listen on the host."""
    return _judge_sg(resource, context, "ingress", {"all ports": _all_ports})


@policy(
    "AWS-EC2-003",
    title="Default security group of the VPC restricts all traffic",
    severity=Severity.CRITICAL,
    resource_types=["aws_default_security_group"],
    remediation="Declare aws_default_security_group with no ingress and no egress blocks, and "
    "attach "
    "purpose-built security groups to resources instead.",
    checkov_ids=["CKV2_AWS_12"],
)
def default_sg_closed(resource: Resource, context: PolicyContext) -> Result:
    """Resources launched without a group land in the default one; it must admit nothing."""
    rules = [
        f"{direction} rule"
        for direction in ("ingress", "egress")
        for _ in resource.blocks(direction)
    ]
    for direction in ("ingress", "egress"):
        if isinstance(resource.get(direction), Unknown):
            return cannot_evaluate(f"{direction} of {resource.address} is not known before apply")
    if rules:
        return non_compliant(
            f"{resource.address} has {len(rules)} rule(s); the default group must have none"
        )
    return compliant()


@policy(
    "AWS-EC2-004",
    title="Security group does not allow all egress to 0.0.0.0/0 or ::/0",
    severity=Severity.WARNING,
    resource_types=[SECURITY_GROUP, SG_RULE, SG_EGRESS_RULE],
    remediation="Limit egress to the destinations and ports the workload needs (VPC endpoints, "
    "proxies, known services).",
    checkov_ids=["CKV_AWS_382"],
)
def no_world_all_egress(resource: Resource, context: PolicyContext) -> Result:
    """Unrestricted egress lets a compromised host exfiltrate data or reach command-and-control."""
    if resource.type == SG_RULE and str(resource.get("type", "")).lower() != "egress":
        return not_applicable()
    return _judge_sg(resource, context, "egress", {"all ports": _all_ports})


def _nacl_rules(resource: Resource, context: PolicyContext) -> Iterator[tuple[str, Rule]]:
    """Ingress entries of a network ACL in one shape: inline blocks and rule resources."""
    if resource.type in NACL_TYPES:
        for block in resource.blocks("ingress"):
            yield resource.address, {**block, "rule_action": block.get("action")}
        for rule in context.resources.find_related(
            NACL_RULE, resource, "network_acl_id", match_on=("id",)
        ):
            if not as_bool(rule.get("egress"), default=False):
                yield rule.address, rule.properties
    elif resource.type == NACL_RULE and not as_bool(resource.get("egress"), default=False):
        yield resource.address, resource.properties


def _nacl_in_set(rule: Resource, context: PolicyContext) -> bool:
    target = context.resources.resolve(rule.get("network_acl_id"))
    if target is not None:
        return target.type in NACL_TYPES and target.mode == "managed"
    return any(
        context.resources.find_related(t, rule, "id", match_on=("network_acl_id",))
        for t in NACL_TYPES
    )


def _judge_nacl(
    resource: Resource, context: PolicyContext, tests: Mapping[str, PortTest]
) -> Result:
    """Entries in rule-number order, as AWS reads them: the first one matching open traffic "
    "decides."""
    if resource.type == NACL_RULE and _nacl_in_set(resource, context):
        return not_applicable()
    entries: list[tuple[int, str, Rule]] = []
    unknown: list[str] = []
    for where, rule in _nacl_rules(resource, context):
        number = as_int(rule.get("rule_no") if "rule_no" in rule else rule.get("rule_number"), 0)
        if isinstance(number, Unknown):
            unknown.append(f"{where}: rule number is not known before apply")
            continue
        entries.append((number or 0, where, rule))
    entries.sort(key=lambda entry: entry[0])
    problems: list[str] = []
    for label, test in tests.items():
        for family in ("cidr_block", "ipv6_cidr_block"):
            for _number, where, rule in entries:
                if not open_to_world(rule, (family,)):
                    continue
                covered = test(rule)
                if isinstance(covered, Unknown):
                    unknown.append(f"{where}: port range or protocol is not known before apply")
                    break
                if not covered:
                    continue
                action = as_text(rule.get("rule_action"))
                if isinstance(action, Unknown):
                    unknown.append(f"{where}: rule_action is not known before apply")
                elif str(action).lower() == "allow":
                    problems.append(f"{where} allows {label} from {rule.get(family)}")
                break  # the first matching entry decides, allow or deny
    if problems:
        return non_compliant(*problems)
    if unknown:
        return cannot_evaluate(*dict.fromkeys(unknown))
    return compliant()


NACL_POLICY_TYPES = [*NACL_TYPES, NACL_RULE]


@policy(
    "AWS-EC2-005",
    title="Network ACL allows no ingress from 0.0.0.0/0 or ::/0 to SSH (22) or RDP (3389)",
    severity=Severity.CRITICAL,
    resource_types=NACL_POLICY_TYPES,
    remediation="Add a deny entry for ports 22 and 3389 from 0.0.0.0/0 and ::/0 numbered before "
    "any "
    "broad allow, or narrow the allow entries to administration networks.",
    checkov_ids=["CKV_AWS_231", "CKV_AWS_232"],
)
def nacl_no_world_admin_ingress(resource: Resource, context: PolicyContext) -> Result:
    """NACLs are the subnet-wide backstop; an open admin port there undoes every security group."""
    return _judge_nacl(resource, context, _admin_port_tests())


@policy(
    "AWS-EC2-006",
    title="Network ACL does not allow ingress from 0.0.0.0/0 or ::/0 to all ports",
    severity=Severity.WARNING,
    resource_types=NACL_POLICY_TYPES,
    remediation="Allow only the service ports and the ephemeral return range (1024-65535) from the "
    "internet, not every port and protocol.",
    checkov_ids=["CKV_AWS_352"],
)
def nacl_no_world_all_ingress(resource: Resource, context: PolicyContext) -> Result:
    """An allow-all NACL adds no layer of defence; security groups are then the only filter."""
    return _judge_nacl(resource, context, {"all ports": _all_ports})


@policy(
    "AWS-VPC-001",
    title="VPC has flow logs enabled",
    severity=Severity.CRITICAL,
    resource_types=["aws_vpc"],
    remediation='Add an aws_flow_log with vpc_id = the VPC\'s id, traffic_type = "ALL" (or at '
    "least "
    '"REJECT"), delivering to CloudWatch Logs or S3.',
    checkov_ids=["CKV2_AWS_11"],
)
def vpc_flow_logs(resource: Resource, context: PolicyContext) -> Result:
    """Without flow logs there is no record of the traffic an incident responder needs."""
    if context.resources.find_related("aws_flow_log", resource, "vpc_id", match_on=("id",)):
        return compliant()
    return partner_missing(context, resource, ["aws_flow_log"], ["vpc_id"], "has no aws_flow_log")


@policy(
    "AWS-EC2-013",
    title="Subnet does not assign public IPv4 addresses on launch",
    severity=Severity.WARNING,
    resource_types=["aws_subnet"],
    remediation="Set map_public_ip_on_launch = false; give internet-facing workloads a load "
    "balancer "
    "or an explicit Elastic IP instead.",
    checkov_ids=["CKV_AWS_130"],
)
def subnet_no_public_ip(resource: Resource, context: PolicyContext) -> Result:
    """Auto-assigned public addresses make every instance in the subnet reachable from outside."""
    value = as_bool(resource.get("map_public_ip_on_launch"), default=False)
    if isinstance(value, Unknown):
        return cannot_evaluate(
            f"map_public_ip_on_launch of {resource.address} is not known before apply"
        )
    if value:
        return non_compliant(f"{resource.address} sets map_public_ip_on_launch = true")
    return compliant()


POLICIES: tuple[Policy, ...] = (
    no_world_admin_ingress,
    no_world_all_ports_ingress,
    default_sg_closed,
    no_world_all_egress,
    nacl_no_world_admin_ingress,
    nacl_no_world_all_ingress,
    vpc_flow_logs,
    subnet_no_public_ip,
)
