"""Write a realistic, deterministic cdktf-style ``cdk.tf.json`` with N resources.

    python benchmarks/generate_cdktf.py 5000 benchmarks/.work/cdk-5000.tf.json

The stack is built from service "units" as a cdktf app would synthesize them: buckets with their
separate encryption / public-access-block / versioning / policy / logging resources referencing the
bucket through ``${aws_s3_bucket.x.id}`` tokens, VPCs with flow logs, subnets, security groups and
rules, NACLs, instances, launch templates, volumes, databases, keys, trails, tables, queues, topics,
load balancer listeners, file systems, Lambda permissions, secrets with rotations, and IAM roles with
inline policies, managed policies with their attachments, key aliases and separate security-group rules.
Every third unit is misconfigured in some way (its first resource also lacks the ``cost-center`` tag).
With ``iac_required_tags = owner cost-center`` set, 50,000 resources give about 125,000 findings, a
fifth of them failures.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

Block = tuple[str, str, dict[str, Any]]  # (type, name, body)

TAGS = {"owner": "platform", "cost-center": "cc-1234", "env": "prod"}


def _meta(stack: str, name: str) -> dict[str, Any]:
    return {"metadata": {"path": f"{stack}/{name}/Resource", "uniqueId": name}}


def _policy(statements: list[dict[str, Any]]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": statements})


def bucket_unit(i: int, bad: bool) -> Iterator[Block]:
    name = f"data_{i}"
    ref = f"${{aws_s3_bucket.{name}.id}}"
    yield "aws_s3_bucket", name, {"bucket": f"acme-data-{i}", "tags": TAGS}
    if not bad:
        yield (
            "aws_s3_bucket_server_side_encryption_configuration",
            f"{name}_enc",
            {
                "bucket": ref,
                "rule": [
                    {
                        "apply_server_side_encryption_by_default": [
                            {"sse_algorithm": "aws:kms", "kms_master_key_id": "alias/aws/s3"}
                        ]
                    }
                ],
            },
        )
    yield (
        "aws_s3_bucket_public_access_block",
        f"{name}_pab",
        {
            "bucket": ref,
            "block_public_acls": True,
            "block_public_policy": True,
            "ignore_public_acls": True,
            "restrict_public_buckets": not bad,
        },
    )
    yield (
        "aws_s3_bucket_versioning",
        f"{name}_versioning",
        {
            "bucket": ref,
            "versioning_configuration": [{"status": "Suspended" if bad else "Enabled"}],
        },
    )
    yield (
        "aws_s3_bucket_policy",
        f"{name}_policy",
        {
            "bucket": ref,
            "policy": _policy(
                [
                    {
                        "Sid": "DenyInsecureTransport",
                        "Effect": "Deny",
                        "Principal": "*",
                        "Action": "s3:*",
                        "Resource": [
                            f"arn:aws:s3:::acme-data-{i}",
                            f"arn:aws:s3:::acme-data-{i}/*",
                        ],
                        "Condition": {"Bool": {"aws:SecureTransport": "false"}},
                    }
                ]
                if not bad
                else [
                    {
                        "Effect": "Allow",
                        "Principal": {"AWS": "arn:aws:iam::111122223333:root"},
                        "Action": "s3:GetObject",
                        "Resource": f"arn:aws:s3:::acme-data-{i}/*",
                    }
                ]
            ),
        },
    )
    yield (
        "aws_s3_bucket_logging",
        f"{name}_logging",
        {
            "bucket": ref,
            "target_bucket": "acme-access-logs",
            "target_prefix": f"data-{i}/",
        },
    )


def network_unit(i: int, bad: bool) -> Iterator[Block]:
    vpc = f"vpc_{i}"
    vpc_ref = f"${{aws_vpc.{vpc}.id}}"
    yield (
        "aws_vpc",
        vpc,
        {"cidr_block": f"10.{i % 250}.0.0/16", "enable_dns_support": True, "tags": TAGS},
    )
    if not bad:
        yield (
            "aws_flow_log",
            f"{vpc}_flow",
            {
                "vpc_id": vpc_ref,
                "traffic_type": "ALL",
                "log_destination": "${aws_cloudwatch_log_group.flow.arn}",
                "iam_role_arn": "${aws_iam_role.flow.arn}",
            },
        )
    yield (
        "aws_subnet",
        f"{vpc}_private",
        {
            "vpc_id": vpc_ref,
            "cidr_block": f"10.{i % 250}.1.0/24",
            "map_public_ip_on_launch": bad,
            "tags": TAGS,
        },
    )
    yield (
        "aws_security_group",
        f"{vpc}_web",
        {
            "name": f"web-{i}",
            "vpc_id": vpc_ref,
            "tags": TAGS,
            "ingress": [
                {
                    "from_port": 443,
                    "to_port": 443,
                    "protocol": "tcp",
                    "cidr_blocks": ["0.0.0.0/0"],
                    "description": "https",
                }
            ],
            "egress": [
                {"from_port": 443, "to_port": 443, "protocol": "tcp", "cidr_blocks": ["10.0.0.0/8"]}
            ],
        },
    )
    yield (
        "aws_security_group_rule",
        f"{vpc}_admin",
        {
            "type": "ingress",
            "security_group_id": f"${{aws_security_group.{vpc}_web.id}}",
            "from_port": 22,
            "to_port": 22,
            "protocol": "tcp",
            "cidr_blocks": ["0.0.0.0/0"] if bad else ["203.0.113.0/24"],
        },
    )
    yield (
        "aws_network_acl",
        f"{vpc}_acl",
        {
            "vpc_id": vpc_ref,
            "ingress": [
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
                {
                    "rule_no": 100,
                    "action": "allow",
                    "protocol": "tcp",
                    "from_port": 443,
                    "to_port": 443,
                    "cidr_block": "0.0.0.0/0",
                },
                {
                    "rule_no": 110,
                    "action": "allow",
                    "protocol": "tcp",
                    "from_port": 1024,
                    "to_port": 65535,
                    "cidr_block": "0.0.0.0/0",
                },
            ]
            + (
                [
                    {
                        "rule_no": 120,
                        "action": "allow",
                        "protocol": "-1",
                        "from_port": 0,
                        "to_port": 0,
                        "cidr_block": "0.0.0.0/0",
                    }
                ]
                if bad
                else []
            ),
        },
    )


def compute_unit(i: int, bad: bool) -> Iterator[Block]:
    yield (
        "aws_instance",
        f"app_{i}",
        {
            "ami": "ami-0abcdef1234567890",
            "instance_type": "t3.micro" if not bad else "c4.large",
            "subnet_id": f"${{aws_subnet.vpc_{i}_private.id}}",
            "associate_public_ip_address": bad,
            "metadata_options": [
                {"http_tokens": "optional" if bad else "required", "http_endpoint": "enabled"}
            ],
            "root_block_device": [{"volume_size": 20, "encrypted": not bad}],
            "tags": TAGS,
        },
    )
    yield (
        "aws_launch_template",
        f"app_{i}_lt",
        {
            "name_prefix": f"app-{i}-",
            "image_id": "ami-0abcdef1234567890",
            "instance_type": "m6i.large",
            "metadata_options": [{"http_tokens": "required"}],
            "block_device_mappings": [
                {"device_name": "/dev/xvda", "ebs": [{"volume_size": 20, "encrypted": True}]}
            ],
        },
    )
    yield (
        "aws_ebs_volume",
        f"app_{i}_data",
        {
            "availability_zone": "eu-west-1a",
            "size": 100,
            "encrypted": not bad,
            "tags": TAGS,
        },
    )


def data_unit(i: int, bad: bool) -> Iterator[Block]:
    yield (
        "aws_db_instance",
        f"db_{i}",
        {
            "identifier": f"db-{i}",
            "engine": "postgres",
            "engine_version": "16.3",
            "instance_class": "db.t3.medium",
            "allocated_storage": 20,
            "storage_encrypted": not bad,
            "publicly_accessible": bad,
            "backup_retention_period": 1 if bad else 14,
            "deletion_protection": not bad,
            "iam_database_authentication_enabled": True,
            "username": "app",
            "manage_master_user_password": True,
            "tags": TAGS,
        },
    )
    yield (
        "aws_dynamodb_table",
        f"table_{i}",
        {
            "name": f"table-{i}",
            "billing_mode": "PAY_PER_REQUEST",
            "hash_key": "pk",
            "attribute": [{"name": "pk", "type": "S"}],
            "point_in_time_recovery": [{"enabled": not bad}],
            "server_side_encryption": [{"enabled": True}],
            "tags": TAGS,
        },
    )
    yield (
        "aws_sqs_queue",
        f"queue_{i}",
        {"name": f"queue-{i}", "sqs_managed_sse_enabled": not bad, "tags": TAGS},
    )
    yield (
        "aws_sns_topic",
        f"topic_{i}",
        {
            "name": f"topic-{i}",
            **({} if bad else {"kms_master_key_id": "alias/aws/sns"}),
            "tags": TAGS,
        },
    )
    yield (
        "aws_efs_file_system",
        f"fs_{i}",
        {"creation_token": f"fs-{i}", "encrypted": not bad, "tags": TAGS},
    )


def edge_unit(i: int, bad: bool) -> Iterator[Block]:
    yield (
        "aws_kms_key",
        f"key_{i}",
        {
            "description": f"key {i}",
            "enable_key_rotation": not bad,
            "deletion_window_in_days": 30,
            "policy": _policy(
                [
                    {
                        "Sid": "Root",
                        "Effect": "Allow",
                        "Principal": {"AWS": "arn:aws:iam::111122223333:root"},
                        "Action": "kms:*",
                        "Resource": "*",
                    }
                ]
            ),
        },
    )
    yield (
        "aws_lb_listener",
        f"listener_{i}",
        {
            "load_balancer_arn": f"${{aws_lb.lb_{i}.arn}}",
            "port": 443 if not bad else 80,
            "protocol": "HTTPS" if not bad else "HTTP",
            **(
                {
                    "ssl_policy": "ELBSecurityPolicy-TLS13-1-2-2021-06",
                    "certificate_arn": "${aws_acm_certificate.c.arn}",
                }
                if not bad
                else {}
            ),
            "default_action": [
                {"type": "forward", "target_group_arn": f"${{aws_lb_target_group.tg_{i}.arn}}"}
            ],
        },
    )
    yield (
        "aws_lambda_permission",
        f"invoke_{i}",
        {
            "statement_id": "AllowInvoke",
            "action": "lambda:InvokeFunction",
            "function_name": f"fn-{i}",
            "principal": "*" if bad else "events.amazonaws.com",
            **({} if bad else {"source_arn": f"${{aws_cloudwatch_event_rule.r_{i}.arn}}"}),
        },
    )
    yield "aws_secretsmanager_secret", f"secret_{i}", {"name": f"app/{i}/db", "tags": TAGS}
    if not bad:
        yield (
            "aws_secretsmanager_secret_rotation",
            f"secret_{i}_rotation",
            {
                "secret_id": f"${{aws_secretsmanager_secret.secret_{i}.id}}",
                "rotation_lambda_arn": "${aws_lambda_function.rotator.arn}",
                "rotation_rules": [{"automatically_after_days": 30}],
            },
        )
    yield (
        "aws_cloudtrail",
        f"trail_{i}",
        {
            "name": f"trail-{i}",
            "s3_bucket_name": "acme-trail",
            "is_multi_region_trail": not bad,
            "enable_log_file_validation": True,
            "kms_key_id": f"${{aws_kms_key.key_{i}.arn}}",
            **(
                {}
                if bad
                else {"cloud_watch_logs_group_arn": "${aws_cloudwatch_log_group.trail.arn}:*"}
            ),
        },
    )


def identity_unit(i: int, bad: bool) -> Iterator[Block]:
    role = f"app_{i}_role"
    yield (
        "aws_iam_role",
        role,
        {
            "name": f"app-{i}",
            "assume_role_policy": _policy(
                [
                    {
                        "Effect": "Allow",
                        "Principal": {"Service": "ec2.amazonaws.com"},
                        "Action": "sts:AssumeRole",
                    }
                ]
            ),
            "inline_policy": [
                {
                    "name": "logs",
                    "policy": _policy(
                        [
                            {
                                "Effect": "Allow",
                                "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
                                "Resource": f"arn:aws:logs:eu-west-1:111122223333:log-group:/app/{i}:*",
                            }
                        ]
                    ),
                }
            ],
            "tags": TAGS,
        },
    )
    yield (
        "aws_iam_policy",
        f"app_{i}_access",
        {
            "name": f"app-{i}-access",
            "policy": _policy(
                [
                    {
                        "Effect": "Allow",
                        "Action": "s3:*" if bad else ["s3:GetObject", "s3:PutObject"],
                        "Resource": "*" if bad else f"arn:aws:s3:::acme-data-{i}/*",
                    },
                    {
                        "Effect": "Allow",
                        "Action": ["sqs:SendMessage", "sqs:ReceiveMessage"],
                        "Resource": f"arn:aws:sqs:eu-west-1:111122223333:queue-{i}",
                    },
                ]
            ),
            "tags": TAGS,
        },
    )
    yield (
        "aws_iam_role_policy_attachment",
        f"app_{i}_access_attach",
        {"role": f"${{aws_iam_role.{role}.name}}", "policy_arn": f"${{aws_iam_policy.app_{i}_access.arn}}"},
    )
    yield (
        "aws_iam_role_policy",
        f"app_{i}_kms",
        {
            "name": "kms",
            "role": f"${{aws_iam_role.{role}.id}}",
            "policy": _policy(
                [
                    {
                        "Effect": "Allow",
                        "Action": ["kms:Decrypt", "kms:GenerateDataKey"],
                        "Resource": f"${{aws_kms_key.key_{i}.arn}}",
                    }
                ]
            ),
        },
    )
    yield (
        "aws_kms_alias",
        f"key_{i}_alias",
        {"name": f"alias/app-{i}", "target_key_id": f"${{aws_kms_key.key_{i}.key_id}}"},
    )
    yield (
        "aws_vpc_security_group_ingress_rule",
        f"vpc_{i}_web_https",
        {
            "security_group_id": f"${{aws_security_group.vpc_{i}_web.id}}",
            "ip_protocol": "tcp",
            "from_port": 3389 if bad else 443,
            "to_port": 3389 if bad else 443,
            "cidr_ipv4": "0.0.0.0/0",
        },
    )
    yield (
        "aws_vpc_security_group_egress_rule",
        f"vpc_{i}_web_out",
        {
            "security_group_id": f"${{aws_security_group.vpc_{i}_web.id}}",
            "ip_protocol": "-1" if bad else "tcp",
            **({} if bad else {"from_port": 443, "to_port": 443}),
            "cidr_ipv4": "0.0.0.0/0" if bad else "10.0.0.0/8",
        },
    )


UNITS: tuple[Callable[[int, bool], Iterator[Block]], ...] = (
    bucket_unit,
    network_unit,
    compute_unit,
    data_unit,
    edge_unit,
    identity_unit,
)


def generate(count: int, stack: str = "bench") -> dict[str, Any]:
    """A cdk.tf.json document with exactly ``count`` managed resources."""
    resources: dict[str, dict[str, Any]] = {}
    produced = 0
    i = 0
    while produced < count:
        unit = UNITS[i % len(UNITS)]
        bad = (i // len(UNITS)) % 3 == 0
        for position, (rtype, name, body) in enumerate(unit(i // len(UNITS), bad)):
            if produced >= count:
                break
            if bad and position == 0 and "tags" in body:  # the unit's first resource lacks a required tag
                body = {**body, "tags": {k: v for k, v in TAGS.items() if k != "cost-center"}}
            resources.setdefault(rtype, {})[name] = {"//": _meta(stack, name), **body}
            produced += 1
        i += 1
    return {
        "//": {
            "metadata": {"backend": "local", "stackName": stack, "version": "0.21.0"},
            "outputs": {},
        },
        "provider": {
            "aws": [{"region": "eu-west-1", "default_tags": [{"tags": {"managed-by": "cdktf"}}]}]
        },
        "terraform": {
            "backend": {"local": {"path": "terraform.bench.tfstate"}},
            "required_providers": {"aws": {"source": "aws", "version": "5.80.0"}},
        },
        "resource": resources,
    }


def main(argv: list[str]) -> int:
    if len(argv) != 2 or not argv[0].isdigit():
        print("usage: generate_cdktf.py N OUTPUT.json", file=sys.stderr)
        return 2
    count, output = int(argv[0]), Path(argv[1])
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps(generate(count), indent=2), encoding="utf-8")
    print(f"wrote {output} with {count} resources ({output.stat().st_size // 1024} KiB)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
