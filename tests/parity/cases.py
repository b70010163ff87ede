"""The parity table: hand-written cases for every rule that names a Checkov id.

The per-rule compliant/non-compliant tables of ``tests/policies/`` (one home for those cases:
``test_builtin_rules.py``, ``test_breadth_rules.py`` and the plaintext-secret tables of
``test_secret_rules.py``), and the security-group and policy shapes users write, here. ``DIFFERS`` names, per
case, the Checkov ids whose verdict there is a documented difference of the rule.
"""

from __future__ import annotations

import json
from typing import Any

from tests.parity.harness import FAILED, PASSED, UNKNOWN, Case
from tests.policies.test_breadth_rules import CASES as BREADTH_CASES
from tests.policies.test_breadth_rules import without_nones
from tests.policies.test_builtin_rules import CASES as RULE_CASES
from tests.policies.test_builtin_rules import DATA_SOURCES
from tests.policies.test_secret_rules import (
    PROVIDERS,
    PROVIDERS_EXPECTED,
    RESOURCES,
    RESOURCES_EXPECTED,
    USER_DATA,
    USER_DATA_EXPECTED,
)

_VERDICT = {"failed": FAILED, "passed": PASSED, "unknown": UNKNOWN, None: PASSED}

# Cases of the rules table on which Checkov decides otherwise, by design (see the rule's metadata).
DIFFERS: dict[str, tuple[str, ...]] = {
    "s3-enc-other-bucket": ("CKV_AWS_19",),
    "s3-enc-missing": ("CKV_AWS_19",),
    "s3-pab-inline": ("CKV2_AWS_6",),
    "s3-pab-account": ("CKV2_AWS_6",),
    "s3-tls-no-deny": ("CKV_AWS_379",),
    "s3-tls-no-policy": ("CKV_AWS_379",),
    "s3-logging-partner": ("CKV_AWS_18",),
    "sg-all-tcp-range": ("CKV_AWS_277",),
    "default-sg-rules": ("CKV2_AWS_12",),
    "sg-egress-all": ("CKV_AWS_382",),
    "sg-egress-separate": ("CKV_AWS_382",),
    "nacl-all": ("CKV_AWS_352",),
    "instance-ebs-plain": ("CKV_AWS_8",),
    "instance-root-by-default": ("CKV_AWS_8",),
    "lt-ebs-plain": ("CKV_AWS_8",),
    "rds-backup-1": ("CKV_AWS_133",),
    "rds-backup-unset": ("CKV_AWS_133",),
    "kms-policy-public": ("CKV_AWS_33",),
    "ct-cloudwatch": ("CKV2_AWS_10",),
    "lb-tls13-1-0-policy": ("CKV_AWS_103",),
    "lb-http-no-tls-policy": ("CKV_AWS_103",),
    "lambda-permission-scoped": ("CKV_AWS_301",),
    "secret-rotation-by-name": ("CKV2_AWS_57",),
    "sg-high-risk-mysql": ("CKV_AWS_24", "CKV_AWS_25"),
    "sg-high-risk-separate-ftp-v6": ("CKV_AWS_24", "CKV_AWS_25"),
    "sg-public-range": ("CKV_AWS_260",),
    # tests/policies/test_breadth_rules.py
    "s3-kms-partner": ("CKV_AWS_145",),
    "ecr-policy-public-push": ("CKV_AWS_32",),  # a JSON-string policy: Checkov cannot read it in cdk.tf.json
    "rs-default-encrypted": ("CKV_AWS_64",),
    "rs-default-private": ("CKV_AWS_87",),
    "rs-logging-partner": ("CKV_AWS_71",),
    "ec-rest-valkey-default": ("CKV_AWS_29",),
    # container definitions as JSON text, their cdk.tf.json form: Checkov cannot read them there
    "ecs-privileged": ("CKV_AWS_334",),
    "ecs-writable-default": ("CKV_AWS_336",),
    "ecs-host-pid": ("CKV_AWS_335",),
    "asg-tag-not-propagated": ("CKV_AWS_153",),
    # tests/policies/test_secret_rules.py, by address
    "aws_db_instance.literal": ("CKV_AWS_45",),
    "aws_rds_cluster.c": ("CKV_AWS_45",),
    "aws_secretsmanager_secret_version.v": ("CKV_AWS_45",),
    "aws_lambda_function.f": ("CKV_AWS_45",),
    "aws_launch_template.lt": ("CKV_AWS_46",),
}


def _fold(expected: dict[str, str | None]) -> str:
    seen = {_VERDICT[s] for s in expected.values()}
    return FAILED if FAILED in seen else UNKNOWN if UNKNOWN in seen else PASSED


def rule_table_cases(checkov_rules: set[str]) -> list[Case]:
    return [
        Case(rule, name, {"resource": resources, "data": DATA_SOURCES}, _fold(expected),
             DIFFERS.get(name, ()), origin="rules table")
        for name, rule, resources, expected in RULE_CASES
        if rule in checkov_rules
    ] + [
        Case(rule, name, {"resource": without_nones(resources)}, _fold(expected), DIFFERS.get(name, ()),
             origin="breadth table")
        for name, rule, resources, expected in BREADTH_CASES
        if rule in checkov_rules
    ]


def _split(kind: str, blocks: dict[str, Any], expected: dict[str, str]) -> list[tuple[str, str, dict[str, Any]]]:
    """One (address, status, blocks) per address of a multi-resource table: each case on its own."""
    prefix = "provider." if kind == "provider" else ""
    return [(f"{prefix}{rtype}.{label}", expected[f"{prefix}{rtype}.{label}"], {kind: {rtype: {label: body}}})
            for rtype, bodies in blocks.items() for label, body in bodies.items()
            if f"{prefix}{rtype}.{label}" in expected]


def secret_table_cases(checkov_rules: set[str]) -> list[Case]:
    """The plaintext-secret tables of ``tests/policies/test_secret_rules.py``, one case per address (a
    provider configuration labelled by its alias; the default one is ``provider.aws`` there)."""
    providers = {rtype: {config.get("alias", "default"): {k: v for k, v in config.items() if k != "alias"}
                         for config in configs} for rtype, configs in PROVIDERS.items()}
    provider_expected = {(k + ".default" if k.count(".") == 1 else k): v for k, v in PROVIDERS_EXPECTED.items()}
    tables = [("AWS-SECRET-001", _split("resource", RESOURCES, RESOURCES_EXPECTED)),
              ("AWS-SECRET-002", _split("provider", providers, provider_expected)),
              ("AWS-SECRET-004", _split("resource", USER_DATA, USER_DATA_EXPECTED))]
    return [Case(rule, address, blocks, _VERDICT[status], DIFFERS.get(address, ()), origin="secrets table")
            for rule, table in tables if rule in checkov_rules for address, status, blocks in table]


# ---- security groups, in the shapes users write -------------------------------------------------

SG, SG_RULE, VPC_RULE = "aws_security_group", "aws_security_group_rule", "aws_vpc_security_group_ingress_rule"
GROUP_ID = "${aws_security_group.sg.id}"


def ingress(port: int | tuple[int, int], protocol: str = "tcp", **source: Any) -> dict[str, Any]:
    low, high = (port, port) if isinstance(port, int) else port
    return {"from_port": low, "to_port": high, "protocol": protocol,
            **(source or {"cidr_blocks": ["0.0.0.0/0"]})}


def inline(*rules: dict[str, Any]) -> dict[str, Any]:
    """A group with inline ingress blocks, written as cdktf synthesizes them."""
    return {"resource": {SG: {"sg": {"name": "web", "vpc_id": "vpc-1", "ingress": list(rules)}}}}


def separate(rule: dict[str, Any]) -> dict[str, Any]:
    """A bare group and one ``aws_security_group_rule`` attached to it by reference."""
    return {"resource": {SG: {"sg": {"name": "web", "vpc_id": "vpc-1"}},
                         SG_RULE: {"r": {"type": "ingress", "security_group_id": GROUP_ID, **rule}}}}


def vpc_rule(port: int | tuple[int, int] | None, protocol: str = "tcp", **source: Any) -> dict[str, Any]:
    """A bare group and one ``aws_vpc_security_group_ingress_rule`` (one CIDR, ``ip_protocol``)."""
    body: dict[str, Any] = {"security_group_id": GROUP_ID, "ip_protocol": protocol,
                            **(source or {"cidr_ipv4": "0.0.0.0/0"})}
    if port is not None:
        low, high = (port, port) if isinstance(port, int) else port
        body |= {"from_port": low, "to_port": high}
    return {"resource": {SG: {"sg": {"name": "web", "vpc_id": "vpc-1"}}, VPC_RULE: {"r": body}}}


def standalone(rule: dict[str, Any]) -> dict[str, Any]:
    """An ``aws_security_group_rule`` whose group lives elsewhere (a data source, another stack)."""
    return {"resource": {SG_RULE: {"r": {"type": "ingress", "security_group_id": "sg-0123456789abcdef0", **rule}}}}


V6 = {"ipv6_cidr_blocks": ["::/0"]}
PRIVATE = {"cidr_blocks": ["10.0.0.0/8"]}
UNKNOWN_CIDR = {"cidr_blocks": ["${var.admin_cidr}"]}
OTHER_GROUP = {"security_groups": ["${aws_security_group.lb.id}"]}
PREFIX_LIST = {"prefix_list_ids": ["pl-0123456789abcdef0"]}

F, P, U = FAILED, PASSED, UNKNOWN
SELF_PREFIX = ("CKV_AWS_24", "CKV_AWS_25")

# (rule, name, document, our verdict, Checkov ids that differ by design)
SHAPES: list[tuple[str, str, dict[str, Any], str, tuple[str, ...]]] = [
    # AWS-EC2-001: SSH/RDP
    ("AWS-EC2-001", "inline-ssh-v4", inline(ingress(22)), F, ()),
    ("AWS-EC2-001", "inline-ssh-v6", inline(ingress(22, **V6)), F, ()),
    ("AWS-EC2-001", "inline-rdp-range", inline(ingress((3000, 4000))), F, ()),
    ("AWS-EC2-001", "inline-all-protocol", inline(ingress((0, 0), "-1")), F, ()),
    ("AWS-EC2-001", "inline-https-only", inline(ingress(443)), P, ()),
    ("AWS-EC2-001", "inline-ssh-private", inline(ingress(22, **PRIVATE)), P, ()),
    ("AWS-EC2-001", "inline-ssh-other-group", inline(ingress(22, **OTHER_GROUP)), P, ()),
    ("AWS-EC2-001", "inline-ssh-prefix-list", inline(ingress(22, **PREFIX_LIST)), P, ()),
    ("AWS-EC2-001", "inline-ssh-self", inline(ingress(22, self=True)), P, ()),
    ("AWS-EC2-001", "inline-self-then-open-ssh", inline(ingress(0, "-1", self=True), ingress(22)), F,
     ("CKV_AWS_24",)),
    ("AWS-EC2-001", "inline-ssh-open-and-prefix-list",
     inline(ingress(22, cidr_blocks=["0.0.0.0/0"], **PREFIX_LIST)), F, ("CKV_AWS_24",)),
    ("AWS-EC2-001", "inline-ssh-unknown-cidr", inline(ingress(22, **UNKNOWN_CIDR)), U, ()),
    ("AWS-EC2-001", "inline-ssh-udp", inline(ingress(22, "udp")), P, ("CKV_AWS_24",)),
    ("AWS-EC2-001", "separate-ssh", separate(ingress(22)), F, ()),
    ("AWS-EC2-001", "separate-rdp-v6", separate(ingress(3389, **V6)), F, ()),
    ("AWS-EC2-001", "separate-https", separate(ingress(443)), P, ()),
    ("AWS-EC2-001", "standalone-ssh", standalone(ingress(22)), F, ()),
    ("AWS-EC2-001", "vpc-rule-ssh-v4", vpc_rule(22), F, ()),
    ("AWS-EC2-001", "vpc-rule-rdp-v6", vpc_rule(3389, cidr_ipv6="::/0"), F, ("CKV_AWS_25",)),
    ("AWS-EC2-001", "vpc-rule-all-traffic", vpc_rule(None, "-1"), F, ("CKV_AWS_24",)),
    ("AWS-EC2-001", "vpc-rule-https", vpc_rule(443), P, ()),
    ("AWS-EC2-001", "vpc-rule-ssh-prefix-list", vpc_rule(22, prefix_list_id="pl-0123456789abcdef0"), P,
     ("CKV_AWS_24",)),
    # AWS-EC2-002: every port
    ("AWS-EC2-002", "inline-all-traffic", inline(ingress((0, 0), "-1")), F, ()),
    ("AWS-EC2-002", "inline-all-traffic-v6", inline(ingress((0, 0), "all", **V6)), F, ("CKV_AWS_277",)),
    ("AWS-EC2-002", "inline-all-traffic-minus-one-v6", inline(ingress((0, 0), "-1", **V6)), F, ()),
    ("AWS-EC2-002", "inline-one-port", inline(ingress(443)), P, ()),
    ("AWS-EC2-002", "separate-all-traffic", separate(ingress((0, 0), "-1")), F, ()),
    ("AWS-EC2-002", "vpc-rule-all-traffic", vpc_rule(None, "-1"), F, ("CKV_AWS_277",)),
    ("AWS-EC2-002", "inline-all-private", inline(ingress((0, 0), "-1", **PRIVATE)), P, ()),
    # AWS-EC2-014: Security Hub EC2.19 high-risk ports
    ("AWS-EC2-014", "inline-ssh", inline(ingress(22)), F, ()),
    ("AWS-EC2-014", "inline-mysql", inline(ingress(3306)), F, SELF_PREFIX),
    ("AWS-EC2-014", "inline-range-with-postgres", inline(ingress((5400, 5500))), F, SELF_PREFIX),
    ("AWS-EC2-014", "separate-smb-v6", separate(ingress(445, **V6)), F, SELF_PREFIX),
    ("AWS-EC2-014", "vpc-rule-kibana", vpc_rule(5601), F, SELF_PREFIX),
    ("AWS-EC2-014", "inline-telnet-udp", inline(ingress(23, "udp")), F, SELF_PREFIX),
    ("AWS-EC2-014", "inline-https", inline(ingress(443)), P, ()),
    ("AWS-EC2-014", "inline-http", inline(ingress(80)), P, ()),
    ("AWS-EC2-014", "inline-mysql-private", inline(ingress(3306, **PRIVATE)), P, ()),
    ("AWS-EC2-014", "inline-mysql-from-app-group", inline(ingress(3306, **OTHER_GROUP)), P, ()),
    ("AWS-EC2-014", "inline-icmp", inline(ingress((-1, -1), "icmp")), P, ()),
    ("AWS-EC2-014", "inline-mysql-unknown-cidr", inline(ingress(3306, **UNKNOWN_CIDR)), U, ()),
    # AWS-EC2-015: ports outside iac_public_ports (default 443)
    ("AWS-EC2-015", "inline-http", inline(ingress(80)), F, ()),
    ("AWS-EC2-015", "inline-http-v6", inline(ingress(80, **V6)), F, ()),
    ("AWS-EC2-015", "separate-http", separate(ingress(80)), F, ()),
    ("AWS-EC2-015", "vpc-rule-http", vpc_rule(80), F, ()),
    ("AWS-EC2-015", "inline-all-traffic", inline(ingress((0, 0), "-1")), F, ()),
    ("AWS-EC2-015", "inline-8443", inline(ingress(8443)), F, ("CKV_AWS_260",)),
    ("AWS-EC2-015", "inline-https", inline(ingress(443)), P, ()),
    ("AWS-EC2-015", "inline-http-private", inline(ingress(80, **PRIVATE)), P, ()),
    ("AWS-EC2-015", "inline-http-prefix-list", inline(ingress(80, **PREFIX_LIST)), P, ()),
    ("AWS-EC2-015", "inline-ssh-only", inline(ingress(22)), P, ()),
    ("AWS-EC2-015", "inline-icmp-all-types", inline(ingress((-1, -1), "icmp")), P, ()),
    ("AWS-EC2-015", "inline-http-unknown-port", inline(ingress(("${var.port}", "${var.port}"))), U, ()),  # type: ignore[arg-type]
]


def shape_cases() -> list[Case]:
    return [Case(rule, name, doc, verdict, differs, origin="shapes") for rule, name, doc, verdict, differs in SHAPES]


# ---- policies as JSON strings and as jsonencode output ------------------------------------------

ADMIN = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}
SCOPED = {"Version": "2012-10-17",
          "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*"}]}


def _hcl(value: Any) -> str:
    """``value`` as an HCL expression: what ``Fn.jsonencode`` of a literal leaves in cdk.tf.json."""
    if isinstance(value, dict):
        return "{" + ", ".join(f"{json.dumps(k)} = {_hcl(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(_hcl(v) for v in value) + "]"
    return json.dumps(value)


def jsonencode(document: dict[str, Any]) -> str:
    return "${jsonencode(" + _hcl(document) + ")}"


POLICY_SHAPES = [
    ("AWS-IAM-001", "policy-admin-json-string", {"resource": {"aws_iam_policy": {"p": {"policy": json.dumps(ADMIN)}}}},
     F, ()),
    ("AWS-IAM-001", "policy-scoped-json-string",
     {"resource": {"aws_iam_policy": {"p": {"policy": json.dumps(SCOPED)}}}}, P, ()),
    ("AWS-IAM-001", "policy-admin-jsonencode", {"resource": {"aws_iam_policy": {"p": {"policy": jsonencode(ADMIN)}}}},
     F, ("CKV_AWS_62",)),
    ("AWS-IAM-001", "policy-scoped-jsonencode",
     {"resource": {"aws_iam_policy": {"p": {"policy": jsonencode(SCOPED)}}}}, P, ()),
    ("AWS-IAM-001", "policy-jsonencode-with-reference",
     {"resource": {"aws_iam_policy": {"p": {"policy": jsonencode(ADMIN).replace('"*"}', "var.resource}", 1)}}}},
     U, ()),
]


def _doc(*statements: dict[str, Any]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def _policy(rtype: str, document: str, **extra: Any) -> dict[str, Any]:
    return {"resource": {rtype: {"p": {"policy": document, **extra}}}}


WRITE_ANYWHERE = _doc({"Effect": "Allow", "Action": ["s3:PutObject", "s3:DeleteObject"], "Resource": "*"})
WRITE_SCOPED = _doc({"Effect": "Allow", "Action": ["s3:PutObject"], "Resource": "arn:aws:s3:::b/*"})
ESCALATION = _doc({"Effect": "Allow", "Action": ["iam:CreatePolicyVersion"], "Resource": "*"})
POLICY_SHAPES += [
    ("AWS-IAM-003", "write-anywhere", _policy("aws_iam_policy", WRITE_ANYWHERE), F, ("CKV_AWS_290",)),
    ("AWS-IAM-003", "write-scoped", _policy("aws_iam_policy", WRITE_SCOPED), P, ()),
    ("AWS-IAM-004", "user-inline-policy", _policy("aws_iam_user_policy", WRITE_SCOPED, user="alice"), F, ()),
    ("AWS-IAM-004", "role-inline-policy",
     {"resource": {"aws_iam_role_policy": {"p": {"policy": WRITE_SCOPED, "role": "app"}}}}, P, ()),
    ("AWS-IAM-005", "create-policy-version", _policy("aws_iam_policy", ESCALATION), F, ("CKV_AWS_286",)),
    ("AWS-IAM-005", "no-escalation", _policy("aws_iam_policy", WRITE_SCOPED), P, ()),
]


def policy_cases() -> list[Case]:
    return [Case(rule, name, doc, verdict, differs, origin="policy shapes")
            for rule, name, doc, verdict, differs in POLICY_SHAPES]


def all_cases() -> list[Case]:
    from pytest_iaccompliance.policies.builtin import builtin_policies

    checkov_rules = {p.id for p in builtin_policies() if p.checkov_ids}
    return [*rule_table_cases(checkov_rules), *secret_table_cases(checkov_rules), *shape_cases(), *policy_cases()]
