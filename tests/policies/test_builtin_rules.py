"""One compliant and one non-compliant case (at least) per built-in rule, in cdktf JSON form.

Each case is (policy id, ``resource`` blocks, expected status by address). ``None``: the rule
does not apply to that resource (no finding). Cross-resource cases reference partners with
``${...}`` tokens or by literal name; unknown cases use an unresolved variable.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import pytest

from pytest_iaccompliance.policies.base import RuleSettings

if TYPE_CHECKING:
    from collections.abc import Callable

P, F, U, NA = "passed", "failed", "unknown", None

VAR = "${var.flag}"
OPEN_SSH = {"from_port": 22, "to_port": 22, "protocol": "tcp", "cidr_blocks": ["0.0.0.0/0"]}
OPEN_ALL = {"from_port": 0, "to_port": 0, "protocol": "-1", "cidr_blocks": ["0.0.0.0/0"]}
HTTPS_ONLY = {"from_port": 443, "to_port": 443, "protocol": "tcp", "cidr_blocks": ["0.0.0.0/0"]}
TLS_DENY = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "DenyInsecureTransport",
                "Effect": "Deny",
                "Principal": "*",
                "Action": "s3:*",
                "Resource": ["arn:aws:s3:::b", "arn:aws:s3:::b/*"],
                "Condition": {"Bool": {"aws:SecureTransport": "false"}},
            }
        ],
    }
)
READ_ONLY_POLICY = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"AWS": "arn:aws:iam::111122223333:root"},
                "Action": "s3:GetObject",
                "Resource": "arn:aws:s3:::b/*",
            }
        ],
    }
)
PAB_ALL = {
    "block_public_acls": True,
    "block_public_policy": True,
    "ignore_public_acls": True,
    "restrict_public_buckets": True,
}


def bucket(name: str = "b", /, **props: Any) -> dict[str, Any]:
    return {"aws_s3_bucket": {name: {"bucket": f"{name}-bucket", **props}}}


def merge(*parts: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    merged: dict[str, dict[str, Any]] = {}
    for part in parts:
        for rtype, blocks in part.items():
            merged.setdefault(rtype, {}).update(blocks)
    return merged


def one(rtype: str, label: str = "r", /, **props: Any) -> dict[str, dict[str, Any]]:
    return {rtype: {label: props}}


B = "aws_s3_bucket.b"
SGT, SGA = "aws_security_group", "aws_security_group.sg"


def world(low: Any, high: Any = None, *, cidr: str = "0.0.0.0/0", protocol: str = "tcp") -> dict[str, Any]:
    """An ingress block from ``cidr`` (the world by default) to ports ``low``-``high``."""
    key = "ipv6_cidr_blocks" if ":" in cidr else "cidr_blocks"
    return {"from_port": low, "to_port": low if high is None else high, "protocol": protocol, key: [cidr]}
ENC_RULE = {"rule": [{"apply_server_side_encryption_by_default": [{"sse_algorithm": "aws:kms"}]}]}

CASES: list[tuple[str, str, dict[str, Any], dict[str, str | None]]] = [
    # --- S3 ---------------------------------------------------------------------------------------
    ("s3-enc-inline", "AWS-S3-001", bucket(server_side_encryption_configuration=ENC_RULE), {B: P}),
    (
        "s3-enc-partner-ref",
        "AWS-S3-001",
        merge(
            bucket(),
            one(
                "aws_s3_bucket_server_side_encryption_configuration",
                bucket="${aws_s3_bucket.b.id}",
                **ENC_RULE,
            ),
        ),
        {B: P},
    ),
    (
        "s3-enc-partner-literal",
        "AWS-S3-001",
        merge(
            bucket(),
            one(
                "aws_s3_bucket_server_side_encryption_configuration", bucket="b-bucket", **ENC_RULE
            ),
        ),
        {B: P},
    ),
    (
        "s3-enc-other-bucket",
        "AWS-S3-001",
        merge(
            bucket(),
            bucket("c"),
            one(
                "aws_s3_bucket_server_side_encryption_configuration",
                bucket="${aws_s3_bucket.c.id}",
                **ENC_RULE,
            ),
        ),
        {B: F, "aws_s3_bucket.c": P},
    ),
    ("s3-enc-missing", "AWS-S3-001", bucket(), {B: F}),
    (
        "s3-enc-partner-unknown",
        "AWS-S3-001",
        merge(
            bucket(),
            one(
                "aws_s3_bucket_server_side_encryption_configuration",
                bucket="${var.bucket}",
                **ENC_RULE,
            ),
        ),
        {B: U},
    ),
    (
        "s3-pab-partner",
        "AWS-S3-002",
        merge(
            bucket(),
            one("aws_s3_bucket_public_access_block", bucket="${aws_s3_bucket.b.id}", **PAB_ALL),
        ),
        {B: P},
    ),
    ("s3-pab-inline", "AWS-S3-002", bucket(**PAB_ALL), {B: P}),
    (
        "s3-pab-account",
        "AWS-S3-002",
        merge(bucket(), one("aws_s3_account_public_access_block", **PAB_ALL)),
        {B: P},
    ),
    (
        "s3-pab-one-flag-off",
        "AWS-S3-002",
        merge(
            bucket(),
            one(
                "aws_s3_bucket_public_access_block",
                bucket="${aws_s3_bucket.b.id}",
                **{**PAB_ALL, "restrict_public_buckets": False},
            ),
        ),
        {B: F},
    ),
    ("s3-pab-missing", "AWS-S3-002", bucket(), {B: F}),
    (
        "s3-pab-flag-unknown",
        "AWS-S3-002",
        merge(
            bucket(),
            one(
                "aws_s3_bucket_public_access_block",
                bucket="${aws_s3_bucket.b.id}",
                **{**PAB_ALL, "block_public_policy": VAR},
            ),
        ),
        {B: U},
    ),
    (
        "s3-tls-partner",
        "AWS-S3-003",
        merge(
            bucket(), one("aws_s3_bucket_policy", bucket="${aws_s3_bucket.b.id}", policy=TLS_DENY)
        ),
        {B: P},
    ),
    ("s3-tls-inline", "AWS-S3-003", bucket(policy=TLS_DENY), {B: P}),
    (
        "s3-tls-policy-document-data",
        "AWS-S3-003",
        merge(
            bucket(),
            one(
                "aws_s3_bucket_policy",
                bucket="${aws_s3_bucket.b.id}",
                policy="${data.aws_iam_policy_document.tls.json}",
            ),
        ),
        {B: P},
    ),
    (
        "s3-tls-no-deny",
        "AWS-S3-003",
        merge(
            bucket(),
            one("aws_s3_bucket_policy", bucket="${aws_s3_bucket.b.id}", policy=READ_ONLY_POLICY),
        ),
        {B: F},
    ),
    ("s3-tls-no-policy", "AWS-S3-003", bucket(), {B: F}),
    (
        "s3-tls-policy-unknown",
        "AWS-S3-003",
        merge(
            bucket(),
            one("aws_s3_bucket_policy", bucket="${aws_s3_bucket.b.id}", policy="${var.policy}"),
        ),
        {B: U},
    ),
    (
        "s3-versioning-partner",
        "AWS-S3-004",
        merge(
            bucket(),
            one(
                "aws_s3_bucket_versioning",
                bucket="${aws_s3_bucket.b.id}",
                versioning_configuration=[{"status": "Enabled"}],
            ),
        ),
        {B: P},
    ),
    ("s3-versioning-inline-object", "AWS-S3-004", bucket(versioning={"enabled": "true"}), {B: P}),
    (
        "s3-versioning-suspended",
        "AWS-S3-004",
        merge(
            bucket(),
            one(
                "aws_s3_bucket_versioning",
                bucket="${aws_s3_bucket.b.id}",
                versioning_configuration=[{"status": "Suspended"}],
            ),
        ),
        {B: F},
    ),
    ("s3-versioning-unknown", "AWS-S3-004", bucket(versioning=[{"enabled": VAR}]), {B: U}),
    (
        "s3-logging-partner",
        "AWS-S3-005",
        merge(
            bucket(),
            bucket("logs"),
            one(
                "aws_s3_bucket_logging",
                bucket="${aws_s3_bucket.b.id}",
                target_bucket="${aws_s3_bucket.logs.id}",
            ),
        ),
        {B: P, "aws_s3_bucket.logs": F},
    ),
    ("s3-logging-inline", "AWS-S3-005", bucket(logging=[{"target_bucket": "logs"}]), {B: P}),
    ("s3-logging-missing", "AWS-S3-005", bucket(), {B: F}),
    (
        "s3-acl-private",
        "AWS-S3-006",
        merge(
            bucket(acl="private"),
            one("aws_s3_bucket_acl", bucket="${aws_s3_bucket.b.id}", acl="private"),
        ),
        {B: P},
    ),
    ("s3-acl-inline-public", "AWS-S3-006", bucket(acl="public-read"), {B: F}),
    (
        "s3-acl-partner-public",
        "AWS-S3-006",
        merge(
            bucket(),
            one("aws_s3_bucket_acl", bucket="${aws_s3_bucket.b.id}", acl="public-read-write"),
        ),
        {B: F},
    ),
    (
        "s3-acl-partner-grant",
        "AWS-S3-006",
        merge(
            bucket(),
            one(
                "aws_s3_bucket_acl",
                bucket="${aws_s3_bucket.b.id}",
                access_control_policy=[
                    {
                        "grant": [
                            {
                                "permission": "READ",
                                "grantee": [
                                    {
                                        "type": "Group",
                                        "uri": "http://acs.amazonaws.com/groups/global/AllUsers",
                                    }
                                ],
                            }
                        ],
                        "owner": [{"id": "abc"}],
                    }
                ],
            ),
        ),
        {B: F},
    ),
    ("s3-acl-unknown", "AWS-S3-006", bucket(acl="${var.acl}"), {B: U}),
    # --- security groups, NACLs, VPC -------------------------------------------------------------
    (
        "sg-ssh-world",
        "AWS-EC2-001",
        one("aws_security_group", "sg", ingress=[OPEN_SSH]),
        {"aws_security_group.sg": F},
    ),
    (
        "sg-rdp-ipv6",
        "AWS-EC2-001",
        one(
            "aws_security_group",
            "sg",
            ingress=[
                {
                    "from_port": 3389,
                    "to_port": 3389,
                    "protocol": "tcp",
                    "ipv6_cidr_blocks": ["::/0"],
                }
            ],
        ),
        {"aws_security_group.sg": F},
    ),
    (
        "sg-https-only",
        "AWS-EC2-001",
        one("aws_security_group", "sg", ingress=[HTTPS_ONLY]),
        {"aws_security_group.sg": P},
    ),
    (
        "sg-ssh-office",
        "AWS-EC2-001",
        one("aws_security_group", "sg", ingress=[{**OPEN_SSH, "cidr_blocks": ["203.0.113.0/24"]}]),
        {"aws_security_group.sg": P},
    ),
    (
        "sg-ssh-separate-rule",
        "AWS-EC2-001",
        merge(
            one("aws_security_group", "sg"),
            one(
                "aws_security_group_rule",
                "ssh",
                type="ingress",
                security_group_id="${aws_security_group.sg.id}",
                **OPEN_SSH,
            ),
        ),
        {"aws_security_group.sg": F, "aws_security_group_rule.ssh": NA},
    ),
    (
        "sg-ssh-vpc-rule",
        "AWS-EC2-001",
        merge(
            one("aws_security_group", "sg"),
            one(
                "aws_vpc_security_group_ingress_rule",
                "ssh",
                security_group_id="${aws_security_group.sg.id}",
                from_port=22,
                to_port=22,
                ip_protocol="tcp",
                cidr_ipv4="0.0.0.0/0",
            ),
        ),
        {"aws_security_group.sg": F, "aws_vpc_security_group_ingress_rule.ssh": NA},
    ),
    (
        "sg-orphan-rule",
        "AWS-EC2-001",
        one(
            "aws_security_group_rule",
            "ssh",
            type="ingress",
            security_group_id="sg-0123456789abcdef0",
            **OPEN_SSH,
        ),
        {"aws_security_group_rule.ssh": F},
    ),
    (
        "sg-rule-on-data-source-group",
        "AWS-EC2-001",
        one(
            "aws_security_group_rule",
            "ssh",
            type="ingress",
            security_group_id="${data.aws_security_group.shared.id}",
            **OPEN_SSH,
        ),
        {"aws_security_group_rule.ssh": F},
    ),
    (
        "sg-port-unknown",
        "AWS-EC2-001",
        one(
            "aws_security_group",
            "sg",
            ingress=[{**OPEN_SSH, "from_port": "${var.port}", "to_port": "${var.port}"}],
        ),
        {"aws_security_group.sg": U},
    ),
    # World-open ports: Security Hub EC2.19 (014), outside iac_public_ports (015), databases (016).
    ("sg-high-risk-mysql", "AWS-EC2-014", one(SGT, "sg", ingress=[world(3306)]), {SGA: F}),
    ("sg-high-risk-https", "AWS-EC2-014", one(SGT, "sg", ingress=[HTTPS_ONLY]), {SGA: P}),
    (
        "sg-high-risk-separate-ftp-v6",
        "AWS-EC2-014",
        merge(
            one(SGT, "sg"),
            one(
                "aws_security_group_rule",
                "ftp",
                type="ingress",
                security_group_id="${aws_security_group.sg.id}",
                **world(21, cidr="::/0"),
            ),
        ),
        {SGA: F, "aws_security_group_rule.ftp": NA},
    ),
    ("sg-high-risk-port-unknown", "AWS-EC2-014", one(SGT, "sg", ingress=[world("${var.port}")]), {SGA: U}),
    ("sg-public-http", "AWS-EC2-015", one(SGT, "sg", ingress=[world(80)]), {SGA: F}),
    ("sg-public-https", "AWS-EC2-015", one(SGT, "sg", ingress=[HTTPS_ONLY]), {SGA: P}),
    ("sg-public-range", "AWS-EC2-015", one(SGT, "sg", ingress=[world(8000, 8100)]), {SGA: F}),
    ("sg-public-only-high-risk", "AWS-EC2-015", one(SGT, "sg", ingress=[world(22)]), {SGA: P}),
    ("sg-db-redis", "AWS-EC2-016", one(SGT, "sg", ingress=[world(6379)]), {SGA: F}),
    (
        "sg-db-mysql-vpc-rule-v6",
        "AWS-EC2-016",
        merge(
            one(SGT, "sg"),
            one(
                "aws_vpc_security_group_ingress_rule",
                "db",
                security_group_id="${aws_security_group.sg.id}",
                from_port=3306,
                to_port=3306,
                ip_protocol="tcp",
                cidr_ipv6="::/0",
            ),
        ),
        {SGA: F, "aws_vpc_security_group_ingress_rule.db": NA},
    ),
    ("sg-db-private", "AWS-EC2-016", one(SGT, "sg", ingress=[world(5432, cidr="10.0.0.0/8")]), {SGA: P}),
    ("sg-db-icmp", "AWS-EC2-016", one(SGT, "sg", ingress=[world(-1, protocol="icmp")]), {SGA: P}),
    (
        "sg-all-ports",
        "AWS-EC2-002",
        one("aws_security_group", "sg", ingress=[OPEN_ALL]),
        {"aws_security_group.sg": F},
    ),
    (
        "sg-all-tcp-range",
        "AWS-EC2-002",
        one(
            "aws_security_group",
            "sg",
            ingress=[
                {"from_port": 0, "to_port": 65535, "protocol": "tcp", "cidr_blocks": ["0.0.0.0/0"]}
            ],
        ),
        {"aws_security_group.sg": F},
    ),
    (
        "sg-one-port",
        "AWS-EC2-002",
        one("aws_security_group", "sg", ingress=[HTTPS_ONLY]),
        {"aws_security_group.sg": P},
    ),
    (
        "default-sg-closed",
        "AWS-EC2-003",
        one("aws_default_security_group", "d", vpc_id="${aws_vpc.v.id}"),
        {"aws_default_security_group.d": P},
    ),
    (
        "default-sg-rules",
        "AWS-EC2-003",
        one("aws_default_security_group", "d", egress=[OPEN_ALL]),
        {"aws_default_security_group.d": F},
    ),
    (
        "sg-egress-all",
        "AWS-EC2-004",
        one("aws_security_group", "sg", egress=[OPEN_ALL]),
        {"aws_security_group.sg": F},
    ),
    (
        "sg-egress-https",
        "AWS-EC2-004",
        one("aws_security_group", "sg", egress=[HTTPS_ONLY]),
        {"aws_security_group.sg": P},
    ),
    (
        "sg-egress-separate",
        "AWS-EC2-004",
        merge(
            one("aws_security_group", "sg"),
            one(
                "aws_vpc_security_group_egress_rule",
                "all",
                security_group_id="${aws_security_group.sg.id}",
                ip_protocol="-1",
                cidr_ipv4="0.0.0.0/0",
            ),
        ),
        {"aws_security_group.sg": F, "aws_vpc_security_group_egress_rule.all": NA},
    ),
    (
        "nacl-ssh-allow",
        "AWS-EC2-005",
        one(
            "aws_network_acl",
            "n",
            ingress=[
                {
                    "rule_no": 100,
                    "action": "allow",
                    "protocol": "tcp",
                    "from_port": 22,
                    "to_port": 22,
                    "cidr_block": "0.0.0.0/0",
                }
            ],
        ),
        {"aws_network_acl.n": F},
    ),
    (
        "nacl-ssh-denied-first",
        "AWS-EC2-005",
        one(
            "aws_network_acl",
            "n",
            ingress=[
                {
                    "rule_no": 200,
                    "action": "allow",
                    "protocol": "-1",
                    "from_port": 0,
                    "to_port": 0,
                    "cidr_block": "0.0.0.0/0",
                },
                {
                    "rule_no": 90,
                    "action": "deny",
                    "protocol": "tcp",
                    "from_port": 22,
                    "to_port": 22,
                    "cidr_block": "0.0.0.0/0",
                },
                {
                    "rule_no": 91,
                    "action": "deny",
                    "protocol": "tcp",
                    "from_port": 3389,
                    "to_port": 3389,
                    "cidr_block": "0.0.0.0/0",
                },
            ],
        ),
        {"aws_network_acl.n": P},
    ),
    (
        "nacl-rule-resource",
        "AWS-EC2-005",
        merge(
            one("aws_network_acl", "n"),
            one(
                "aws_network_acl_rule",
                "rdp",
                network_acl_id="${aws_network_acl.n.id}",
                rule_number=100,
                egress=False,
                protocol="6",
                rule_action="allow",
                cidr_block="0.0.0.0/0",
                from_port=3389,
                to_port=3389,
            ),
        ),
        {"aws_network_acl.n": F, "aws_network_acl_rule.rdp": NA},
    ),
    (
        "nacl-https-only",
        "AWS-EC2-005",
        one(
            "aws_network_acl",
            "n",
            ingress=[
                {
                    "rule_no": 100,
                    "action": "allow",
                    "protocol": "tcp",
                    "from_port": 443,
                    "to_port": 443,
                    "cidr_block": "0.0.0.0/0",
                }
            ],
        ),
        {"aws_network_acl.n": P},
    ),
    (
        "nacl-all",
        "AWS-EC2-006",
        one(
            "aws_default_network_acl",
            "d",
            ingress=[
                {
                    "rule_no": 100,
                    "action": "allow",
                    "protocol": "-1",
                    "from_port": 0,
                    "to_port": 0,
                    "ipv6_cidr_block": "::/0",
                }
            ],
        ),
        {"aws_default_network_acl.d": F},
    ),
    (
        "nacl-ephemeral",
        "AWS-EC2-006",
        one(
            "aws_network_acl",
            "n",
            ingress=[
                {
                    "rule_no": 100,
                    "action": "allow",
                    "protocol": "tcp",
                    "from_port": 1024,
                    "to_port": 65535,
                    "cidr_block": "0.0.0.0/0",
                }
            ],
        ),
        {"aws_network_acl.n": P},
    ),
    (
        "vpc-flow-log",
        "AWS-VPC-001",
        merge(
            one("aws_vpc", "v", cidr_block="10.0.0.0/16"),
            one("aws_flow_log", "f", vpc_id="${aws_vpc.v.id}", traffic_type="ALL"),
        ),
        {"aws_vpc.v": P},
    ),
    (
        "vpc-no-flow-log",
        "AWS-VPC-001",
        merge(
            one("aws_vpc", "v"),
            one("aws_vpc", "w"),
            one("aws_flow_log", "f", vpc_id="${aws_vpc.w.id}"),
        ),
        {"aws_vpc.v": F, "aws_vpc.w": P},
    ),
    (
        "vpc-flow-log-unknown",
        "AWS-VPC-001",
        merge(one("aws_vpc", "v"), one("aws_flow_log", "f", vpc_id="${var.vpc_id}")),
        {"aws_vpc.v": U},
    ),
    (
        "subnet-public",
        "AWS-EC2-013",
        one("aws_subnet", "s", map_public_ip_on_launch=True),
        {"aws_subnet.s": F},
    ),
    (
        "subnet-private",
        "AWS-EC2-013",
        one("aws_subnet", "s", cidr_block="10.0.1.0/24"),
        {"aws_subnet.s": P},
    ),
    # --- EC2 compute -----------------------------------------------------------------------------
    (
        "imdsv2",
        "AWS-EC2-007",
        one("aws_instance", "i", metadata_options=[{"http_tokens": "required"}]),
        {"aws_instance.i": P},
    ),
    (
        "imdsv2-lt-object",
        "AWS-EC2-007",
        one(
            "aws_launch_template",
            "lt",
            metadata_options={"http_endpoint": "enabled", "http_tokens": "required"},
        ),
        {"aws_launch_template.lt": P},
    ),
    ("imdsv1-default", "AWS-EC2-007", one("aws_instance", "i", ami="ami-1"), {"aws_instance.i": F}),
    (
        "imdsv1-optional",
        "AWS-EC2-007",
        one("aws_launch_template", "lt", metadata_options=[{"http_tokens": "optional"}]),
        {"aws_launch_template.lt": F},
    ),
    (
        "imds-unknown",
        "AWS-EC2-007",
        one("aws_instance", "i", metadata_options=[{"http_tokens": VAR}]),
        {"aws_instance.i": U},
    ),
    (
        "public-ip",
        "AWS-EC2-008",
        one("aws_instance", "i", associate_public_ip_address=True),
        {"aws_instance.i": F},
    ),
    (
        "public-ip-lt",
        "AWS-EC2-008",
        one(
            "aws_launch_template",
            "lt",
            network_interfaces=[{"associate_public_ip_address": "true"}],
        ),
        {"aws_launch_template.lt": F},
    ),
    ("no-public-ip", "AWS-EC2-008", one("aws_instance", "i", ami="ami-1"), {"aws_instance.i": P}),
    (
        "instance-ebs-encrypted",
        "AWS-EC2-009",
        one(
            "aws_instance",
            "i",
            root_block_device=[{"encrypted": True}],
            ebs_block_device=[{"device_name": "/dev/sdf", "encrypted": True}],
        ),
        {"aws_instance.i": P},
    ),
    (
        "instance-ebs-plain",
        "AWS-EC2-009",
        one(
            "aws_instance",
            "i",
            root_block_device=[{"encrypted": True}],
            ebs_block_device=[{"device_name": "/dev/sdf"}],
        ),
        {"aws_instance.i": F},
    ),
    (
        "instance-root-unset",
        "AWS-EC2-009",
        one("aws_instance", "i", ami="ami-1"),
        {"aws_instance.i": F},
    ),
    (
        "instance-root-by-default",
        "AWS-EC2-009",
        merge(
            one("aws_instance", "i", ami="ami-1"),
            one("aws_ebs_encryption_by_default", "d", enabled=True),
        ),
        {"aws_instance.i": P},
    ),
    (
        "lt-ebs-plain",
        "AWS-EC2-009",
        one(
            "aws_launch_template",
            "lt",
            block_device_mappings=[{"device_name": "/dev/xvda", "ebs": [{"encrypted": "false"}]}],
        ),
        {"aws_launch_template.lt": F},
    ),
    (
        "instance-ebs-unknown",
        "AWS-EC2-009",
        one("aws_instance", "i", root_block_device=[{"encrypted": VAR}]),
        {"aws_instance.i": U},
    ),
    (
        "ebs-volume",
        "AWS-EC2-010",
        one("aws_ebs_volume", "v", size=10, encrypted=True),
        {"aws_ebs_volume.v": P},
    ),
    (
        "ebs-volume-plain",
        "AWS-EC2-010",
        one("aws_ebs_volume", "v", size=10),
        {"aws_ebs_volume.v": F},
    ),
    (
        "ebs-default-on",
        "AWS-EC2-011",
        one("aws_ebs_encryption_by_default", "d", enabled=True),
        {"aws_ebs_encryption_by_default.d": P},
    ),
    (
        "ebs-default-off",
        "AWS-EC2-011",
        one("aws_ebs_encryption_by_default", "d", enabled=False),
        {"aws_ebs_encryption_by_default.d": F},
    ),
    # --- RDS -------------------------------------------------------------------------------------
    (
        "rds-encrypted",
        "AWS-RDS-001",
        one("aws_db_instance", "db", storage_encrypted=True),
        {"aws_db_instance.db": P},
    ),
    (
        "rds-plain",
        "AWS-RDS-001",
        one("aws_rds_cluster", "c", engine="aurora-postgresql"),
        {"aws_rds_cluster.c": F},
    ),
    (
        "rds-private",
        "AWS-RDS-002",
        one("aws_db_instance", "db", publicly_accessible=False),
        {"aws_db_instance.db": P},
    ),
    (
        "rds-public",
        "AWS-RDS-002",
        one("aws_rds_cluster_instance", "ci", publicly_accessible="true"),
        {"aws_rds_cluster_instance.ci": F},
    ),
    (
        "rds-public-unknown",
        "AWS-RDS-002",
        one("aws_db_instance", "db", publicly_accessible=VAR),
        {"aws_db_instance.db": U},
    ),
    (
        "rds-backup-14",
        "AWS-RDS-003",
        one("aws_db_instance", "db", backup_retention_period=14),
        {"aws_db_instance.db": P},
    ),
    (
        "rds-backup-1",
        "AWS-RDS-003",
        one("aws_rds_cluster", "c", backup_retention_period=1),
        {"aws_rds_cluster.c": F},
    ),
    (
        "rds-backup-unset",
        "AWS-RDS-003",
        one("aws_db_instance", "db", engine="mysql"),
        {"aws_db_instance.db": F},
    ),
    (
        "rds-replica",
        "AWS-RDS-003",
        one("aws_db_instance", "db", replicate_source_db="${aws_db_instance.p.id}"),
        {"aws_db_instance.db": NA},
    ),
    (
        "rds-deletion-protection",
        "AWS-RDS-004",
        one("aws_db_instance", "db", deletion_protection=True),
        {"aws_db_instance.db": P},
    ),
    (
        "rds-no-deletion-protection",
        "AWS-RDS-004",
        one("aws_rds_cluster", "c"),
        {"aws_rds_cluster.c": F},
    ),
    (
        "rds-iam-auth",
        "AWS-RDS-005",
        one("aws_db_instance", "db", engine="postgres", iam_database_authentication_enabled=True),
        {"aws_db_instance.db": P},
    ),
    (
        "rds-no-iam-auth",
        "AWS-RDS-005",
        one("aws_rds_cluster", "c", engine="aurora-mysql"),
        {"aws_rds_cluster.c": F},
    ),
    (
        "rds-oracle-no-iam",
        "AWS-RDS-005",
        one("aws_db_instance", "db", engine="oracle-ee"),
        {"aws_db_instance.db": NA},
    ),
    # --- KMS -------------------------------------------------------------------------------------
    (
        "kms-rotation",
        "AWS-KMS-001",
        one("aws_kms_key", "k", enable_key_rotation=True),
        {"aws_kms_key.k": P},
    ),
    (
        "kms-no-rotation",
        "AWS-KMS-001",
        one("aws_kms_key", "k", description="x"),
        {"aws_kms_key.k": F},
    ),
    (
        "kms-asymmetric",
        "AWS-KMS-001",
        one("aws_kms_key", "k", customer_master_key_spec="RSA_2048", key_usage="SIGN_VERIFY"),
        {"aws_kms_key.k": NA},
    ),
    (
        "kms-policy-public",
        "AWS-IAM-006",
        one(
            "aws_kms_key",
            "k",
            policy=json.dumps(
                {
                    "Statement": [
                        {
                            "Sid": "Open",
                            "Effect": "Allow",
                            "Principal": {"AWS": "*"},
                            "Action": "kms:*",
                            "Resource": "*",
                        }
                    ]
                }
            ),
        ),
        {"aws_kms_key.k": F},
    ),
    (
        "kms-policy-public-with-condition",
        "AWS-IAM-006",
        one(
            "aws_kms_key_policy",
            "kp",
            key_id="k",
            policy=json.dumps(
                {
                    "Statement": [
                        {
                            "Effect": "Allow",
                            "Principal": "*",
                            "Action": "kms:Decrypt",
                            "Resource": "*",
                            "Condition": {"StringEquals": {"kms:CallerAccount": "111122223333"}},
                        }
                    ]
                }
            ),
        ),
        {"aws_kms_key_policy.kp": P},
    ),
    ("kms-policy-default", "AWS-IAM-006", one("aws_kms_key", "k"), {"aws_kms_key.k": NA}),
    (
        "kms-policy-unknown",
        "AWS-IAM-006",
        one("aws_kms_key", "k", policy="${var.policy}"),
        {"aws_kms_key.k": U},
    ),
    # --- CloudTrail ------------------------------------------------------------------------------
    (
        "ct-multi-region",
        "AWS-CT-001",
        one("aws_cloudtrail", "t", is_multi_region_trail=True),
        {"aws_cloudtrail.t": P},
    ),
    ("ct-single-region", "AWS-CT-001", one("aws_cloudtrail", "t"), {"aws_cloudtrail.t": F}),
    (
        "ct-validation",
        "AWS-CT-002",
        one("aws_cloudtrail", "t", enable_log_file_validation="true"),
        {"aws_cloudtrail.t": P},
    ),
    (
        "ct-no-validation",
        "AWS-CT-002",
        one("aws_cloudtrail", "t", enable_log_file_validation=False),
        {"aws_cloudtrail.t": F},
    ),
    (
        "ct-kms",
        "AWS-CT-003",
        one("aws_cloudtrail", "t", kms_key_id="${aws_kms_key.k.arn}"),
        {"aws_cloudtrail.t": P},
    ),
    ("ct-no-kms", "AWS-CT-003", one("aws_cloudtrail", "t"), {"aws_cloudtrail.t": F}),
    (
        "ct-cloudwatch",
        "AWS-CT-004",
        one(
            "aws_cloudtrail", "t", cloud_watch_logs_group_arn="${aws_cloudwatch_log_group.l.arn}:*"
        ),
        {"aws_cloudtrail.t": P},
    ),
    ("ct-no-cloudwatch", "AWS-CT-004", one("aws_cloudtrail", "t"), {"aws_cloudtrail.t": F}),
    # --- DynamoDB, SQS, SNS, EFS -----------------------------------------------------------------
    (
        "ddb-pitr",
        "AWS-DDB-001",
        one("aws_dynamodb_table", "t", point_in_time_recovery=[{"enabled": True}]),
        {"aws_dynamodb_table.t": P},
    ),
    (
        "ddb-no-pitr",
        "AWS-DDB-001",
        one("aws_dynamodb_table", "t", hash_key="id"),
        {"aws_dynamodb_table.t": F},
    ),
    (
        "ddb-pitr-unknown",
        "AWS-DDB-001",
        one("aws_dynamodb_table", "t", point_in_time_recovery={"enabled": VAR}),
        {"aws_dynamodb_table.t": U},
    ),
    (
        "ddb-kms",
        "AWS-DDB-002",
        one("aws_dynamodb_table", "t", server_side_encryption=[{"enabled": True}]),
        {"aws_dynamodb_table.t": P},
    ),
    (
        "ddb-owned-key",
        "AWS-DDB-002",
        one("aws_dynamodb_table", "t", hash_key="id"),
        {"aws_dynamodb_table.t": F},
    ),
    (
        "sqs-managed",
        "AWS-SQS-001",
        one("aws_sqs_queue", "q", sqs_managed_sse_enabled=True),
        {"aws_sqs_queue.q": P},
    ),
    (
        "sqs-kms",
        "AWS-SQS-001",
        one("aws_sqs_queue", "q", kms_master_key_id="alias/aws/sqs"),
        {"aws_sqs_queue.q": P},
    ),
    (
        "sqs-plain",
        "AWS-SQS-001",
        one("aws_sqs_queue", "q", sqs_managed_sse_enabled=False),
        {"aws_sqs_queue.q": F},
    ),
    (
        "sns-kms",
        "AWS-SNS-001",
        one("aws_sns_topic", "t", kms_master_key_id="${aws_kms_key.k.id}"),
        {"aws_sns_topic.t": P},
    ),
    ("sns-plain", "AWS-SNS-001", one("aws_sns_topic", "t", name="t"), {"aws_sns_topic.t": F}),
    (
        "efs-encrypted",
        "AWS-EFS-001",
        one("aws_efs_file_system", "e", encrypted=True),
        {"aws_efs_file_system.e": P},
    ),
    ("efs-plain", "AWS-EFS-001", one("aws_efs_file_system", "e"), {"aws_efs_file_system.e": F}),
    # --- ELB -------------------------------------------------------------------------------------
    (
        "lb-https",
        "AWS-ELB-001",
        one(
            "aws_lb_listener",
            "l",
            protocol="HTTPS",
            port=443,
            ssl_policy="ELBSecurityPolicy-TLS13-1-2-2021-06",
        ),
        {"aws_lb_listener.l": P},
    ),
    (
        "lb-http-redirect",
        "AWS-ELB-001",
        one(
            "aws_alb_listener",
            "l",
            protocol="HTTP",
            port=80,
            default_action=[
                {
                    "type": "redirect",
                    "redirect": [{"protocol": "HTTPS", "port": "443", "status_code": "HTTP_301"}],
                }
            ],
        ),
        {"aws_alb_listener.l": P},
    ),
    (
        "lb-http-forward",
        "AWS-ELB-001",
        one(
            "aws_lb_listener",
            "l",
            protocol="HTTP",
            port=80,
            default_action=[
                {"type": "forward", "target_group_arn": "${aws_lb_target_group.t.arn}"}
            ],
        ),
        {"aws_lb_listener.l": F},
    ),
    (
        "lb-tcp",
        "AWS-ELB-001",
        one("aws_lb_listener", "l", protocol="TCP", port=5432),
        {"aws_lb_listener.l": NA},
    ),
    (
        "lb-protocol-unknown",
        "AWS-ELB-001",
        one("aws_lb_listener", "l", protocol="${var.protocol}"),
        {"aws_lb_listener.l": U},
    ),
    (
        "lb-tls13",
        "AWS-ELB-002",
        one(
            "aws_lb_listener",
            "l",
            protocol="HTTPS",
            ssl_policy="ELBSecurityPolicy-TLS13-1-2-Res-2021-06",
        ),
        {"aws_lb_listener.l": P},
    ),
    (
        "lb-fs12",
        "AWS-ELB-002",
        one(
            "aws_lb_listener",
            "l",
            protocol="TLS",
            ssl_policy="ELBSecurityPolicy-FS-1-2-Res-2020-10",
        ),
        {"aws_lb_listener.l": P},
    ),
    (
        "lb-tls10-policy",
        "AWS-ELB-002",
        one("aws_lb_listener", "l", protocol="HTTPS", ssl_policy="ELBSecurityPolicy-2016-08"),
        {"aws_lb_listener.l": F},
    ),
    (
        "lb-tls13-1-0-policy",
        "AWS-ELB-002",
        one(
            "aws_lb_listener",
            "l",
            protocol="HTTPS",
            ssl_policy="ELBSecurityPolicy-TLS13-1-0-2021-06",
        ),
        {"aws_lb_listener.l": F},
    ),
    (
        "lb-no-policy",
        "AWS-ELB-002",
        one("aws_lb_listener", "l", protocol="HTTPS"),
        {"aws_lb_listener.l": F},
    ),
    (
        "lb-http-no-tls-policy",
        "AWS-ELB-002",
        one("aws_lb_listener", "l", protocol="HTTP"),
        {"aws_lb_listener.l": NA},
    ),
    (
        "elb-https",
        "AWS-ELB-003",
        one(
            "aws_elb",
            "e",
            listener=[
                {
                    "lb_port": 443,
                    "lb_protocol": "https",
                    "instance_port": 8080,
                    "instance_protocol": "http",
                    "ssl_certificate_id": "arn:aws:acm:eu-west-1:111122223333:certificate/x",
                }
            ],
        ),
        {"aws_elb.e": P},
    ),
    (
        "elb-http",
        "AWS-ELB-003",
        one(
            "aws_elb",
            "e",
            listener={
                "lb_port": 80,
                "lb_protocol": "http",
                "instance_port": 8080,
                "instance_protocol": "http",
            },
        ),
        {"aws_elb.e": F},
    ),
    # --- Lambda, Secrets Manager -----------------------------------------------------------------
    (
        "lambda-permission-scoped",
        "AWS-LAMBDA-001",
        one(
            "aws_lambda_permission",
            "p",
            principal="*",
            source_arn="${aws_s3_bucket.b.arn}",
            function_name="f",
        ),
        {"aws_lambda_permission.p": P},
    ),
    (
        "lambda-permission-service",
        "AWS-LAMBDA-001",
        one("aws_lambda_permission", "p", principal="events.amazonaws.com", function_name="f"),
        {"aws_lambda_permission.p": P},
    ),
    (
        "lambda-permission-public",
        "AWS-LAMBDA-001",
        one("aws_lambda_permission", "p", principal="*", function_name="f"),
        {"aws_lambda_permission.p": F},
    ),
    (
        "lambda-url-iam",
        "AWS-LAMBDA-002",
        one("aws_lambda_function_url", "u", function_name="f", authorization_type="AWS_IAM"),
        {"aws_lambda_function_url.u": P},
    ),
    (
        "lambda-url-none",
        "AWS-LAMBDA-002",
        one("aws_lambda_function_url", "u", function_name="f", authorization_type="NONE"),
        {"aws_lambda_function_url.u": F},
    ),
    (
        "secret-rotation",
        "AWS-SM-001",
        merge(
            one("aws_secretsmanager_secret", "s", name="db"),
            one(
                "aws_secretsmanager_secret_rotation",
                "r",
                secret_id="${aws_secretsmanager_secret.s.id}",
                rotation_lambda_arn="${aws_lambda_function.rot.arn}",
                rotation_rules=[{"automatically_after_days": 30}],
            ),
        ),
        {"aws_secretsmanager_secret.s": P},
    ),
    (
        "secret-rotation-by-name",
        "AWS-SM-001",
        merge(
            one("aws_secretsmanager_secret", "s", name="db"),
            one("aws_secretsmanager_secret_rotation", "r", secret_id="db"),
        ),
        {"aws_secretsmanager_secret.s": P},
    ),
    (
        "secret-no-rotation",
        "AWS-SM-001",
        one("aws_secretsmanager_secret", "s", name="db"),
        {"aws_secretsmanager_secret.s": F},
    ),
    (
        "secret-rotation-unknown",
        "AWS-SM-001",
        merge(
            one("aws_secretsmanager_secret", "s", name="db"),
            one("aws_secretsmanager_secret_rotation", "r", secret_id="${var.secret}"),
        ),
        {"aws_secretsmanager_secret.s": U},
    ),
]

DATA_SOURCES = {
    "aws_security_group": {"shared": {"name": "shared"}},
    "aws_iam_policy_document": {
        "tls": {
            "statement": [
                {
                    "effect": "Deny",
                    "actions": ["s3:*"],
                    "resources": ["arn:aws:s3:::b/*"],
                    "principals": [{"type": "*", "identifiers": ["*"]}],
                    "condition": [
                        {"test": "Bool", "variable": "aws:SecureTransport", "values": ["false"]}
                    ],
                }
            ]
        }
    },
}


@pytest.mark.parametrize(
    ("policy_id", "resources", "expected"), [pytest.param(c[1], c[2], c[3], id=c[0]) for c in CASES]
)
def test_rule_case(
    policy_id: str,
    resources: dict[str, Any],
    expected: dict[str, str | None],
    load: Callable[..., Any],
    cdktf: Callable[..., Any],
    check_set: Callable[..., Any],
) -> None:
    resource_set = load(cdktf(resources, data=DATA_SOURCES))
    outcomes = check_set(resource_set, policy_id)
    got = {address: outcomes[address][0] if address in outcomes else None for address in expected}
    assert got == expected, outcomes


def test_failure_messages_name_the_resource_and_setting(check: Callable[..., Any]) -> None:
    outcomes = check("AWS-RDS-003", one("aws_rds_cluster", "c", backup_retention_period=3))
    status, message = outcomes["aws_rds_cluster.c"]
    assert status == F
    assert "aws_rds_cluster.c" in message
    assert "backup_retention_period = 3" in message


def test_unknown_message_says_why(check: Callable[..., Any]) -> None:
    outcomes = check(
        "AWS-S3-001",
        merge(
            bucket(),
            one(
                "aws_s3_bucket_server_side_encryption_configuration",
                "enc",
                bucket="${var.bucket}",
                **ENC_RULE,
            ),
        ),
    )
    status, message = outcomes[B]
    assert status == U
    assert "aws_s3_bucket_server_side_encryption_configuration.enc" in message


def test_backup_retention_minimum_is_configurable(check: Callable[..., Any]) -> None:
    resources = one("aws_db_instance", "db", backup_retention_period=14)
    strict = RuleSettings(extra={"rds_min_backup_retention_days": 30})
    assert check("AWS-RDS-003", resources, strict)["aws_db_instance.db"][0] == F
    assert check("AWS-RDS-003", resources)["aws_db_instance.db"][0] == P


@pytest.mark.parametrize(
    ("families", "instance_type", "expected"),
    [
        (("t3", "m6*"), "m6i.large", P),
        (("t3", "m6*"), "t3.micro", P),
        (("t3",), "c5.xlarge", F),
        (("t3",), "${var.instance_type}", U),
        ((), "c5.xlarge", NA),
    ],
)
def test_approved_instance_families(
    families: tuple[str, ...], instance_type: str, expected: str | None, check: Callable[..., Any]
) -> None:
    outcomes = check(
        "AWS-EC2-012",
        one("aws_instance", "i", instance_type=instance_type),
        RuleSettings(allowed_instance_families=families),
    )
    assert (outcomes["aws_instance.i"][0] if "aws_instance.i" in outcomes else None) == expected


def test_required_tags(check: Callable[..., Any]) -> None:
    settings = RuleSettings(required_tags=("owner",))
    outcomes = check(
        "AWS-TAG-001",
        merge(one("aws_s3_bucket", "tagged", tags={"owner": "team"}), one("aws_s3_bucket", "bare")),
        settings,
    )
    assert outcomes["aws_s3_bucket.tagged"][0] == P
    assert outcomes["aws_s3_bucket.bare"][0] == F


def exercised_policy_ids() -> set[str]:
    from tests.policies import test_breadth_rules
    from tests.policies.test_backend_rules import EXERCISED as BACKENDS
    from tests.policies.test_secret_rules import EXERCISED as SECRETS

    return (
        {c[1] for c in CASES} | {"AWS-EC2-012", "AWS-TAG-001"} | test_breadth_rules.exercised_policy_ids()
        | SECRETS
        | BACKENDS
    )


def test_required_tags_cover_every_type_the_schema_lets_carry_tags(check: Callable[..., Any]) -> None:
    """Taggability is the provider schema's answer, not a hand-kept list: an object, a distribution or a
    stream without tags fails; a type that cannot carry tags (an inline role policy) is not judged."""
    settings = RuleSettings(required_tags=("owner",))
    outcomes = check(
        "AWS-TAG-001",
        merge(
            one("aws_s3_bucket_object", "o", bucket="b", key="k"),
            one("aws_s3_object", "o2", bucket="b", key="k2", tags={"owner": "team"}),
            one("aws_cloudfront_distribution", "cdn", enabled=True),
            one("aws_kinesis_stream", "s", name="events"),
            one("aws_alb", "lb", name="web"),
            one("aws_iam_role_policy", "p", role="r", policy="{}"),
        ),
        settings,
    )
    assert {a: s for a, (s, _) in outcomes.items()} == {
        "aws_s3_bucket_object.o": F,
        "aws_s3_object.o2": P,
        "aws_cloudfront_distribution.cdn": F,
        "aws_kinesis_stream.s": F,
        "aws_alb.lb": F,
    }
