"""Network rules: security groups, their separate rule resources, network ACLs and VPC flow logs.

Security group and NACL rules may be written inline or as separate resources. A separate rule whose
group is in the same set is judged with the group (one finding per group); a rule whose group lives
elsewhere (a data source, another stack) is judged on its own, so nothing escapes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from pytest_iaccompliance.model import Resource, Severity, Unknown, UnreadableValue
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
from pytest_iaccompliance.policies.rules._common import partner_missing
from pytest_iaccompliance.policies.values import (
    as_bool,
    as_int,
    as_text,
    covers_all_ports,
    covers_port,
    is_open_cidr,
    port_span,
    read_field,
    read_strings,
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
        "cidr_ipv4": properties.get("cidr_ipv4"),
        "cidr_ipv6": properties.get("cidr_ipv6"),
    }


def _group_in_set(rule: Resource, context: PolicyContext) -> bool:
    """Whether the group a separate rule resource belongs to is itself in the set."""
    group = context.resources.resolve(rule.get("security_group_id"))
    if group is not None:  # a data source's group is not judged here, so its rules are judged alone
        return group.type == SECURITY_GROUP and group.mode == "managed"
    return bool(
        context.resources.find_related(SECURITY_GROUP, rule, "id", match_on=("security_group_id",))
    )


def _rule_direction(rule: Resource, unreadable: list[str]) -> str | None:
    """``ingress``/``egress`` of an ``aws_security_group_rule``; ``None`` (and a reason) if unreadable."""
    try:
        kind = as_text(rule.get("type"))
    except UnreadableValue as exc:
        unreadable.append(f"{rule.address}: type {exc.reason}")
        return None
    if isinstance(kind, Unknown):
        unreadable.append(f"{rule.address}: type is not known before apply ({kind.reason})")
        return None
    return (kind or "").lower()


def sg_rules(
    resource: Resource, context: PolicyContext, direction: str, unreadable: list[str] | None = None
) -> Iterator[tuple[str, Rule]]:
    """Every ``direction`` (ingress/egress) rule of a group: inline blocks and rule resources.

    A block or rule that cannot be read is left out and its reason added to ``unreadable``, so the
    readable ones are still judged.
    """
    problems = [] if unreadable is None else unreadable
    if resource.type == SECURITY_GROUP:
        blocks, bad = resource.read_blocks(direction)
        problems.extend(bad)
        for block in blocks:
            yield resource.address, block
        for rule in context.resources.find_related(
            SG_RULE, resource, "security_group_id", match_on=("id",)
        ):
            if _rule_direction(rule, problems) == direction:
                yield rule.address, rule.properties
        vpc_type = SG_INGRESS_RULE if direction == "ingress" else SG_EGRESS_RULE
        for rule in context.resources.find_related(
            vpc_type, resource, "security_group_id", match_on=("id",)
        ):
            yield rule.address, _normalize_vpc_rule(rule.properties)
    elif resource.type == SG_RULE:
        if _rule_direction(resource, problems) == direction:
            yield resource.address, resource.properties
    elif resource.type == (SG_INGRESS_RULE if direction == "ingress" else SG_EGRESS_RULE):
        yield resource.address, _normalize_vpc_rule(resource.properties)


def ingress_rules(resource: Resource, context: PolicyContext) -> Iterator[tuple[str, Rule]]:
    """Every ingress rule of a security group: inline blocks and separate rule resources."""
    return sg_rules(resource, context, "ingress")


SG_CIDR_KEYS = ("cidr_blocks", "ipv6_cidr_blocks", "cidr_ipv4", "cidr_ipv6")


def world_cidrs(rule: Rule, cidr_keys: tuple[str, ...] = SG_CIDR_KEYS) -> tuple[list[str], list[str]]:
    """The open-to-the-world CIDRs of a rule, and a reason for each element that cannot be judged."""
    found: list[str] = []
    unreadable: list[str] = []
    for key in cidr_keys:
        strings, bad = read_strings(rule.get(key), key)
        unreadable.extend(bad)
        for text in strings:
            try:
                if is_open_cidr(text, strict=True):
                    found.append(text)
            except UnreadableValue as exc:
                unreadable.append(f"an element of {key} {exc.reason}")
    return found, unreadable


@dataclass(frozen=True)
class _OpenRule:
    """A rule with a CIDR open to the world, or one that cannot be read, as every world-rule reads it."""

    where: str
    rule: Rule
    cidrs: list[str]
    unreadable: list[str]


def _world_open_rules(resource: Resource, context: PolicyContext, direction: str) -> list[_OpenRule | str]:
    """The ``direction`` rules of a group that admit the world or cannot be read, and, in their order, the
    reasons a rule was left out: read once per group and direction, since six rules judge the same
    openings on different ports."""

    def compute() -> list[_OpenRule | str]:
        entries: list[_OpenRule | str] = []
        skipped: list[str] = []
        for where, rule in sg_rules(resource, context, direction, skipped):
            entries.extend(skipped)
            skipped.clear()
            cidrs, unreadable = world_cidrs(rule)
            if cidrs or unreadable:
                entries.append(_OpenRule(where, rule, cidrs, unreadable))
        entries.extend(skipped)
        return entries

    return context.remember(("world-open-rules", direction, resource), compute)


def _port_verdict(test: PortTest, rule: Rule) -> bool | str:
    """The test's answer, or the reason it has none (unknown or unreadable port range/protocol)."""
    try:
        covered = test(rule)
    except UnreadableValue as exc:
        return exc.reason
    if isinstance(covered, Unknown):
        return f"port range or protocol is not known before apply ({covered.reason})"
    return covered


def _judge_sg(
    resource: Resource, context: PolicyContext, direction: str, tests: Mapping[str, PortTest]
) -> Result:
    """Each rule judged on its own: a definite opening is reported even when another rule, or
    another element of the same rule, cannot be read; only without one is the answer unknown."""
    if resource.type != SECURITY_GROUP and _group_in_set(resource, context):
        return not_applicable()  # judged with its group
    problems: list[str] = []
    unknown: list[str] = []
    for entry in _world_open_rules(resource, context, direction):
        if isinstance(entry, str):
            unknown.append(entry)
            continue
        where, rule, cidrs, unreadable = entry.where, entry.rule, entry.cidrs, entry.unreadable
        for label, test in tests.items():
            covered = _port_verdict(test, rule)
            if covered is False:
                continue
            if isinstance(covered, str):
                unknown.append(f"{where}: {covered}")
            elif cidrs:
                word = "from" if direction == "ingress" else "to"
                problems.append(f"{where} allows {label} {word} {', '.join(cidrs)}")
            else:
                unknown.extend(f"{where}: {reason}" for reason in unreadable)
    return judge(problems, list(dict.fromkeys(unknown)))


def _admin_port_tests() -> dict[str, PortTest]:
    def test_for(port: int) -> PortTest:
        return lambda rule: covers_port(
            rule.get("from_port"), rule.get("to_port"), rule.get("protocol"), port
        )

    return {f"{name} (port {port})": test_for(port) for port, name in ADMIN_PORTS.items()}


def _all_ports(rule: Rule) -> bool | Unknown:
    return covers_all_ports(rule.get("from_port"), rule.get("to_port"), rule.get("protocol"))


SG_TYPES = [SECURITY_GROUP, SG_RULE, SG_INGRESS_RULE]

# How Checkov 3.2.254 reads security-group ingress (AbsSecurityGroupUnrestrictedIngress), where the rules
# here decide otherwise on purpose; the parity suite checks each clause against the real Checkov.
CHECKOV_SG_READING = (
    "Checkov reads the written from/to ports whatever the protocol, so it passes a protocol -1 rule with a "
    "narrow range, which AWS opens to all traffic (the range is ignored), and counts the ports of ICMP rules. "
    "It passes a whole group once one ingress block sets `self = true`, and a rule naming prefix lists even "
    "with 0.0.0.0/0 beside them: both still admit the world, so they fail here. On "
    "aws_vpc_security_group_ingress_rule it misses `cidr_ipv6 = \"::/0\"` and all-traffic rules without "
    "ports, and fails a rule whose only source is another security group or a prefix list, which is not the "
    "world, so it passes here."
)


@policy(
    "AWS-EC2-001",
    title="Security group allows no ingress from 0.0.0.0/0 or ::/0 to SSH (22) or RDP (3389)",
    severity=Severity.CRITICAL,
    resource_types=SG_TYPES,
    remediation="Restrict the rule's cidr_blocks to known administration networks, or "
    "reach hosts through SSM Session Manager instead of opening 22/3389.",
    checkov_ids=["CKV_AWS_24", "CKV_AWS_25"],
    checkov_differences=[
        ("CKV_AWS_24", "Checkov fails port 22 over UDP or ICMP, where this rule reads TCP (SSH runs over TCP; "
         "AWS-EC2-014 reads UDP too). " + CHECKOV_SG_READING),
        ("CKV_AWS_25", "Checkov fails port 3389 over UDP or ICMP, where this rule reads TCP (AWS-EC2-014 "
         "reads UDP too). " + CHECKOV_SG_READING),
    ],
)
def no_world_admin_ingress(resource: Resource, context: PolicyContext) -> Result:
    """Admin ports open to the internet are the most exploited misconfiguration in AWS. Stricter than
    Checkov by design: an ingress block with `self = true`, or prefix lists beside 0.0.0.0/0, does not
    excuse an open CIDR, and a protocol -1 rule is all traffic whatever ports it names."""
    return _judge_sg(resource, context, "ingress", _admin_port_tests())


@policy(
    "AWS-EC2-002",
    title="Security group allows no ingress from 0.0.0.0/0 or ::/0 to all ports",
    severity=Severity.CRITICAL,
    resource_types=SG_TYPES,
    remediation="Open only the ports the service listens on, and only to the networks that need them.",
    checkov_ids=["CKV_AWS_277"],
    checkov_differences=[
        ("CKV_AWS_277", "stricter: Checkov reads all traffic only as protocol -1 with ports 0-0 or 0-65535; "
         "protocol `all`, TCP or UDP 0-65535 (or 0-0, read as every port by every rule here) fail here too. "
         + CHECKOV_SG_READING),
    ],
)
def no_world_all_ports_ingress(resource: Resource, context: PolicyContext) -> Result:
    """Every port open to the internet exposes whatever happens to listen on the host. Stricter than
    Checkov by design: protocol `all`, and TCP or UDP over every port, count as all traffic too."""
    return _judge_sg(resource, context, "ingress", {"all ports": _all_ports})


@policy(
    "AWS-EC2-003",
    title="Default security group of the VPC restricts all traffic",
    severity=Severity.CRITICAL,
    resource_types=["aws_default_security_group"],
    remediation="Declare aws_default_security_group with no ingress and no egress "
    "blocks, and attach purpose-built security groups to resources instead.",
    checkov_ids=["CKV2_AWS_12"],
    checkov_differences=[
        (
            "CKV2_AWS_12",
            "stricter: Checkov judges a default security group only when its aws_vpc is in the same "
            "configuration; this rule judges every aws_default_security_group.",
        ),
    ],
)
def default_sg_closed(resource: Resource, context: PolicyContext) -> Result:
    """Resources launched without a group land in the default one; it must admit nothing."""
    count = 0
    unknown: list[str] = []
    for direction in ("ingress", "egress"):
        value = resource.get(direction)
        if isinstance(value, (list, tuple)):
            count += len(value)  # any element, readable or not, is a rule too many
        elif value is not None:
            blocks, unreadable = resource.read_blocks(direction)
            count += len(blocks)
            unknown.extend(unreadable)
    if count:
        return non_compliant(
            f"{resource.address} has {count} rule(s); the default group must have none"
        )
    return judge([], unknown)


@policy(
    "AWS-EC2-004",
    title="Security group does not allow all egress to 0.0.0.0/0 or ::/0",
    severity=Severity.WARNING,
    resource_types=[SECURITY_GROUP, SG_RULE, SG_EGRESS_RULE],
    remediation="Limit egress to the destinations and ports the workload "
    "needs (VPC endpoints, proxies, known services).",
    checkov_ids=["CKV_AWS_382"],
    checkov_differences=[
        (
            "CKV_AWS_382",
            "not in Checkov 3.2.254, the release the parity suite pins, so it is unverified there; this rule "
            "fails all-traffic egress to 0.0.0.0/0 or ::/0.",
        ),
    ],
)
def no_world_all_egress(resource: Resource, context: PolicyContext) -> Result:
    """Unrestricted egress lets a compromised host exfiltrate data or reach command-and-control."""
    if resource.type == SG_RULE and str(resource.get("type", "")).lower() != "egress":
        return not_applicable()
    return _judge_sg(resource, context, "egress", {"all ports": _all_ports})


def _nacl_rules(
    resource: Resource, context: PolicyContext, unreadable: list[str]
) -> Iterator[tuple[str, Rule]]:
    """Ingress entries of a network ACL in one shape: inline blocks and rule resources."""

    def is_ingress(rule: Resource) -> bool:
        try:
            egress = as_bool(rule.get("egress"), default=False)
        except UnreadableValue as exc:
            unreadable.append(f"{rule.address}: egress {exc.reason}")
            return False
        if isinstance(egress, Unknown):
            unreadable.append(f"{rule.address}: egress is not known before apply ({egress.reason})")
            return False
        return not egress

    if resource.type in NACL_TYPES:
        blocks, bad = resource.read_blocks("ingress")
        unreadable.extend(bad)
        for block in blocks:
            yield resource.address, {**block, "rule_action": block.get("action")}
        for rule in context.resources.find_related(
            NACL_RULE, resource, "network_acl_id", match_on=("id",)
        ):
            if is_ingress(rule):
                yield rule.address, rule.properties
    elif resource.type == NACL_RULE and is_ingress(resource):
        yield resource.address, resource.properties


def _nacl_in_set(rule: Resource, context: PolicyContext) -> bool:
    target = context.resources.resolve(rule.get("network_acl_id"))
    if target is not None:
        return target.type in NACL_TYPES and target.mode == "managed"
    return any(
        context.resources.find_related(t, rule, "id", match_on=("network_acl_id",))
        for t in NACL_TYPES
    )


def _entry_verdict(rule: Rule, family: str, test: PortTest) -> tuple[str, str]:
    """How one NACL entry treats open ``family`` traffic the test names: ``("skip", "")`` when it
    does not match, ``("allow", cidr)`` / ``("deny", cidr)`` when it does, ``("unknown", reason)``."""
    cidrs, unreadable = world_cidrs(rule, (family,))
    if not cidrs and not unreadable:
        return "skip", ""
    covered = _port_verdict(test, rule)
    if covered is False:
        return "skip", ""
    if isinstance(covered, str):
        return "unknown", covered
    if not cidrs:
        return "unknown", "; ".join(unreadable)
    try:
        action = as_text(rule.get("rule_action"))
    except UnreadableValue as exc:
        return "unknown", f"rule_action {exc.reason}"
    if isinstance(action, Unknown):
        return "unknown", f"rule_action is not known before apply ({action.reason})"
    if (action or "").lower() in ("allow", "deny"):
        return (action or "").lower(), cidrs[0]
    return "unknown", "rule_action is neither allow nor deny"


def _first_match(
    placed: list[tuple[int, str, Rule]],
    floating: list[tuple[str, Rule, str]],
    opaque: list[str],
    family: str,
    test: PortTest,
) -> tuple[str, str, str]:
    """The entry AWS applies first to open traffic: ``(kind, where, detail)``, kinds as
    ``_entry_verdict`` answers them; for ``unknown``, ``detail`` says why in full.

    ``placed`` entries are in rule-number order; a ``floating`` entry's number cannot be read, and an
    ``opaque`` one (a reason) cannot be read at all, so either may come first: a definite answer
    stands only if none of them could change it.
    """
    rivals: list[tuple[str, str, str, str]] = []  # kind, where, detail, why it may come first
    for where, rule, why in floating:
        kind, detail = _entry_verdict(rule, family, test)
        if kind != "skip":
            rivals.append((kind, where, detail, f"{where}: {why}" + (f"; {detail}" if kind == "unknown" else "")))
    rivals += [("unknown", "", "", reason) for reason in opaque]
    for _number, where, rule in placed:
        kind, detail = _entry_verdict(rule, family, test)
        if kind == "skip":
            continue
        if kind == "unknown":
            return kind, "", f"{where}: {detail}"
        for rival_kind, _, _, why in rivals:
            if rival_kind != kind:
                return "unknown", "", f"{why} (it may come before {where})"
        return kind, where, detail
    kinds = {rival[0] for rival in rivals}
    if kinds == {"allow"}:  # whatever their numbers, the first of them allows
        return "allow", rivals[0][1], rivals[0][2]
    if "unknown" in kinds or kinds == {"allow", "deny"}:
        return "unknown", "", next(r[3] for r in rivals if r[0] != "deny")
    return "deny", "", ""


def _judge_nacl(
    resource: Resource, context: PolicyContext, tests: Mapping[str, PortTest]
) -> Result:
    """Entries in rule-number order, as AWS reads them: the first one matching open traffic decides."""
    if resource.type == NACL_RULE and _nacl_in_set(resource, context):
        return not_applicable()
    opaque: list[str] = []
    placed: list[tuple[int, str, Rule]] = []
    floating: list[tuple[str, Rule, str]] = []
    for where, rule in _nacl_rules(resource, context, opaque):
        raw = rule.get("rule_no") if "rule_no" in rule else rule.get("rule_number")
        try:
            number = as_int(raw, 0)
        except UnreadableValue as exc:
            floating.append((where, rule, f"rule number {exc.reason}"))
            continue
        if isinstance(number, Unknown):
            floating.append((where, rule, f"rule number is not known before apply ({number.reason})"))
            continue
        placed.append((number or 0, where, rule))
    placed.sort(key=lambda entry: entry[0])
    problems: list[str] = []
    unknown: list[str] = []
    for label, test in tests.items():
        for family in ("cidr_block", "ipv6_cidr_block"):
            kind, where, detail = _first_match(placed, floating, opaque, family, test)
            if kind == "allow":
                problems.append(f"{where} allows {label} from {detail}")
            elif kind == "unknown":
                unknown.append(detail)
    return judge(problems, list(dict.fromkeys(unknown)))


NACL_POLICY_TYPES = [*NACL_TYPES, NACL_RULE]


@policy(
    "AWS-EC2-005",
    title="Network ACL allows no ingress from 0.0.0.0/0 or ::/0 to SSH (22) or RDP (3389)",
    severity=Severity.CRITICAL,
    resource_types=NACL_POLICY_TYPES,
    remediation="Add a deny entry for ports 22 and 3389 from 0.0.0.0/0 and ::/0 numbered before "
    "any broad allow, or narrow the allow entries to administration networks.",
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
    remediation="Allow only the service ports and the ephemeral return range "
    "(1024-65535) from the internet, not every port and protocol.",
    checkov_ids=["CKV_AWS_352"],
    checkov_differences=[
        (
            "CKV_AWS_352",
            "stricter: Checkov reads separate aws_network_acl_rule resources only; this rule also reads "
            "inline entries of aws_network_acl and aws_default_network_acl, in rule-number order.",
        ),
    ],
)
def nacl_no_world_all_ingress(resource: Resource, context: PolicyContext) -> Result:
    """An allow-all NACL adds no layer of defence; security groups are then the only filter."""
    return _judge_nacl(resource, context, {"all ports": _all_ports})


@policy(
    "AWS-VPC-001",
    title="VPC has flow logs enabled",
    severity=Severity.CRITICAL,
    resource_types=["aws_vpc"],
    remediation="Add an aws_flow_log with vpc_id = the VPC's id, traffic_type = \"ALL\" "
    '(or at least "REJECT"), delivering to CloudWatch Logs or S3.',
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
    remediation="Set map_public_ip_on_launch = false; give internet-facing "
    "workloads a load balancer or an explicit Elastic IP instead.",
    checkov_ids=["CKV_AWS_130"],
)
def subnet_no_public_ip(resource: Resource, context: PolicyContext) -> Result:
    """Auto-assigned public addresses make every instance in the subnet reachable from outside."""
    value = read_field(
        "map_public_ip_on_launch", lambda v: as_bool(v, default=False), resource.get("map_public_ip_on_launch")
    )
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


# AWS Security Hub EC2.19: ports that must never be open to 0.0.0.0/0 or ::/0.
HIGH_RISK_PORTS: dict[int, str] = {
    20: "FTP data", 21: "FTP", 22: "SSH", 23: "Telnet", 25: "SMTP", 110: "POP3", 135: "RPC",
    143: "IMAP", 445: "SMB", 1433: "SQL Server", 1434: "SQL Server browser", 3000: "dev servers",
    3306: "MySQL", 3389: "RDP", 4333: "mSQL", 5000: "dev servers", 5432: "PostgreSQL",
    5500: "VNC", 5601: "Kibana", 8080: "HTTP proxy", 8088: "HTTP alternate", 8888: "HTTP alternate",
    9200: "Elasticsearch", 9300: "Elasticsearch",
}
# Database and cache listeners: never served to the world, whatever iac_public_ports says.
DATABASE_PORTS: dict[int, str] = {
    1433: "SQL Server", 1434: "SQL Server browser", 1521: "Oracle", 2483: "Oracle", 2484: "Oracle",
    3306: "MySQL/MariaDB/Aurora", 5432: "PostgreSQL/Aurora", 5439: "Redshift", 5984: "CouchDB",
    6379: "Redis/Valkey", 7000: "Cassandra", 7001: "Cassandra", 8086: "InfluxDB", 8182: "Neptune",
    9042: "Cassandra/Keyspaces", 11211: "Memcached", 26257: "CockroachDB", 27017: "MongoDB/DocumentDB",
    27018: "MongoDB", 27019: "MongoDB", 50000: "Db2",
}

# What a rule exposes on the ports one policy watches: descriptions, or nothing.
Exposure = Callable[[tuple[int, int], PolicyContext], list[str]]


def _listed(ports: Mapping[int, str]) -> Exposure:
    def exposed(span: tuple[int, int], context: PolicyContext) -> list[str]:
        low, high = span
        return [f"{port} ({name})" for port, name in sorted(ports.items()) if low <= port <= high]

    return exposed


def _gaps(low: int, high: int, excluded: set[int]) -> list[tuple[int, int]]:
    """``low``-``high`` without the ``excluded`` ports, as inclusive ranges."""
    gaps: list[tuple[int, int]] = []
    start = low
    for port in sorted(p for p in excluded if low <= p <= high):
        if start < port:
            gaps.append((start, port - 1))
        start = port + 1
    if start <= high:
        gaps.append((start, high))
    return gaps


def _other_ports(span: tuple[int, int], context: PolicyContext) -> list[str]:
    """Ports outside the project's public list that neither EC2-014 nor EC2-016 already reports."""
    excluded = {*context.settings.public_ports, *HIGH_RISK_PORTS, *DATABASE_PORTS}
    gaps = _gaps(*span, excluded)
    shown = [str(a) if a == b else f"{a}-{b}" for a, b in gaps[:4]]
    return [", ".join(shown) + (", ..." if len(gaps) > 4 else "")] if gaps else []


def _judge_world_ports(resource: Resource, context: PolicyContext, exposure: Exposure, what: str) -> Result:
    """Every ingress rule open to the world, over TCP or UDP, judged on the ports ``exposure`` names."""
    if resource.type != SECURITY_GROUP and _group_in_set(resource, context):
        return not_applicable()  # judged with its group
    problems: list[str] = []
    unknown: list[str] = []
    for entry in _world_open_rules(resource, context, "ingress"):
        if isinstance(entry, str):
            unknown.append(entry)
            continue
        where, rule, cidrs, unreadable = entry.where, entry.rule, entry.cidrs, entry.unreadable
        try:
            span = port_span(rule.get("from_port"), rule.get("to_port"), rule.get("protocol"))
        except UnreadableValue as exc:
            unknown.append(f"{where}: {exc.reason}")
            continue
        if isinstance(span, Unknown):
            unknown.append(f"{where}: port range or protocol is not known before apply ({span.reason})")
            continue
        exposed = exposure(span, context) if span is not None else []
        if exposed and cidrs:
            problems.append(f"{where} allows {what} {'; '.join(exposed)} from {', '.join(cidrs)}")
        elif exposed:
            unknown.extend(f"{where}: {reason}" for reason in unreadable)
    return judge(problems, list(dict.fromkeys(unknown)))



@policy(
    "AWS-EC2-014",
    title="Security group allows no ingress from 0.0.0.0/0 or ::/0 to high-risk ports (Security Hub EC2.19)",
    severity=Severity.CRITICAL,
    resource_types=SG_TYPES,
    remediation="Close the port to the internet: admit only known networks or other security groups, or "
    "put the service behind a load balancer or SSM Session Manager.",
    checkov_ids=["CKV_AWS_24", "CKV_AWS_25"],
    checkov_differences=[
        ("CKV_AWS_24", "stricter: Checkov reads port 22 only; this rule reads the 24 ports of Security Hub "
         "EC2.19, over TCP and UDP. " + CHECKOV_SG_READING),
        ("CKV_AWS_25", "stricter: Checkov reads port 3389 only; this rule reads the 24 ports of Security Hub "
         "EC2.19, over TCP and UDP. " + CHECKOV_SG_READING),
    ],
)
def no_world_high_risk_ingress(resource: Resource, context: PolicyContext) -> Result:
    """FTP, Telnet, SMB, RPC, databases, Elasticsearch, dev servers open to the internet are scanned and
    attacked within minutes of exposure. TCP and UDP both count; ICMP has no ports. Stricter than
    Checkov by design: an ingress block with `self = true` or a prefix list does not excuse an open CIDR.
    Overlaps AWS-EC2-001 on 22/3389 and AWS-EC2-016 on database ports, so ignoring one keeps the others."""
    return _judge_world_ports(resource, context, _listed(HIGH_RISK_PORTS), "high-risk port(s)")


@policy(
    "AWS-EC2-015",
    title="Security group opens to 0.0.0.0/0 or ::/0 only the ports listed in iac_public_ports (default 443)",
    severity=Severity.WARNING,
    resource_types=SG_TYPES,
    remediation="Serve the internet on 443 only, or list each port the service must expose to everyone in "
    "ini iac_public_ports (e.g. `iac_public_ports = 443 80` for a plain-HTTP redirect).",
    checkov_ids=["CKV_AWS_260"],
    checkov_differences=[
        ("CKV_AWS_260", "stricter: Checkov reads port 80 only; this rule reads every port outside "
         "iac_public_ports (and outside the high-risk and database ports AWS-EC2-014/016 report), over TCP "
         "and UDP. " + CHECKOV_SG_READING),
    ],
)
def only_public_ports_open(resource: Resource, context: PolicyContext) -> Result:
    """Each port open to the internet is attack surface someone must own; the project lists the ones it
    means to serve (ini iac_public_ports, default 443), and port 80 open to the world is a warning as in
    Checkov unless listed. Ports AWS-EC2-014 and AWS-EC2-016 report are left to them."""
    return _judge_world_ports(resource, context, _other_ports, "port(s) outside iac_public_ports")


@policy(
    "AWS-EC2-016",
    title="Security group allows no ingress from 0.0.0.0/0 or ::/0 to database ports",
    severity=Severity.CRITICAL,
    resource_types=SG_TYPES,
    remediation="Admit database ports only from the application's security group or private CIDRs; reach "
    "the database from outside through a bastion, VPN or SSM port forwarding.",
)
def no_world_database_ingress(resource: Resource, context: PolicyContext) -> Result:
    """A database reachable from the internet is one leaked or guessed password from a breach. These ports
    never pass, whatever iac_public_ports lists (a database port there is a configuration error)."""
    return _judge_world_ports(resource, context, _listed(DATABASE_PORTS), "database port(s)")


POLICIES = (*POLICIES, no_world_high_risk_ingress, only_public_ports_open, no_world_database_ingress)


def parse_public_ports(words: Sequence[str]) -> tuple[int, ...]:
    """The ports a project serves to the world (ini iac_public_ports); ``ValueError`` says what is wrong.

    A database port is refused: it must never be open to the world, so listing it is a mistake.
    """
    ports: list[int] = []
    for word in words:
        text = str(word).strip().rstrip(",")
        if not text.isdigit() or not 0 <= int(text) <= 65535:
            raise ValueError(f"expects port numbers 0-65535 separated by spaces, got {text!r}")
        port = int(text)
        if port in DATABASE_PORTS:
            raise ValueError(
                f"lists {port} ({DATABASE_PORTS[port]}), a database port, which is never served to the world "
                "(AWS-EC2-016 reports it whatever this list says)"
            )
        ports.append(port)
    return tuple(dict.fromkeys(ports))
