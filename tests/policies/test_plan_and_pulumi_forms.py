"""Cross-resource rules over ``terraform show -json`` plans and Pulumi-shaped resources."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest

from pytest_iaccompliance.model import Resource, ResourceSet, SourceLocation

if TYPE_CHECKING:
    from collections.abc import Callable

P, F, U = "passed", "failed", "unknown"


def planned(
    address: str, rtype: str, name: str, values: dict[str, Any], **extra: Any
) -> dict[str, Any]:
    return {
        "address": address,
        "mode": "managed",
        "type": rtype,
        "name": name,
        "provider_name": "registry.terraform.io/hashicorp/aws",
        "values": values,
        **extra,
    }


def change(address: str, after_unknown: dict[str, Any]) -> dict[str, Any]:
    return {"address": address, "change": {"actions": ["create"], "after_unknown": after_unknown}}


def configured(address: str, expressions: dict[str, list[str]]) -> dict[str, Any]:
    rtype, name = address.split(".")[-2:]
    return {
        "address": address,
        "mode": "managed",
        "type": rtype,
        "name": name,
        "expressions": {key: {"references": refs} for key, refs in expressions.items()},
    }


PLAN: dict[str, Any] = {
    "format_version": "1.2",
    "terraform_version": "1.9.5",
    "planned_values": {
        "root_module": {
            "resources": [
                planned(
                    "aws_vpc.main[0]",
                    "aws_vpc",
                    "main",
                    {"id": "vpc-aaa", "cidr_block": "10.0.0.0/16"},
                    index=0,
                ),
                planned(
                    "aws_vpc.main[1]",
                    "aws_vpc",
                    "main",
                    {"id": "vpc-bbb", "cidr_block": "10.1.0.0/16"},
                    index=1,
                ),
                planned(
                    "aws_flow_log.f[0]",
                    "aws_flow_log",
                    "f",
                    {"vpc_id": "vpc-aaa", "traffic_type": "ALL"},
                    index=0,
                ),
                planned(
                    'aws_secretsmanager_secret.s["db"]',
                    "aws_secretsmanager_secret",
                    "s",
                    {"name": "db"},
                    index="db",
                ),
                planned(
                    'aws_secretsmanager_secret_rotation.r["db"]',
                    "aws_secretsmanager_secret_rotation",
                    "r",
                    {"rotation_rules": [{"automatically_after_days": 30}]},
                    index="db",
                ),
            ],
            "child_modules": [
                {
                    "address": "module.store",
                    "resources": [
                        planned(
                            "module.store.aws_s3_bucket.b",
                            "aws_s3_bucket",
                            "b",
                            {"force_destroy": False},
                        ),
                        planned(
                            "module.store.aws_s3_bucket_public_access_block.b",
                            "aws_s3_bucket_public_access_block",
                            "b",
                            {
                                "block_public_acls": True,
                                "block_public_policy": True,
                                "ignore_public_acls": True,
                                "restrict_public_buckets": True,
                            },
                        ),
                        planned("module.store.aws_s3_bucket.other", "aws_s3_bucket", "other", {}),
                        planned(
                            "module.store.aws_s3_bucket_versioning.v",
                            "aws_s3_bucket_versioning",
                            "v",
                            {"versioning_configuration": [{"status": "Enabled"}]},
                        ),
                    ],
                }
            ],
        }
    },
    "resource_changes": [
        change("module.store.aws_s3_bucket.b", {"bucket": True, "id": True, "arn": True}),
        change("module.store.aws_s3_bucket.other", {"bucket": True, "id": True}),
        change("module.store.aws_s3_bucket_public_access_block.b", {"bucket": True}),
        change("module.store.aws_s3_bucket_versioning.v", {"bucket": True}),
        change('aws_secretsmanager_secret.s["db"]', {"id": True, "arn": True}),
        change('aws_secretsmanager_secret_rotation.r["db"]', {"secret_id": True}),
    ],
    "configuration": {
        "root_module": {
            "resources": [
                configured(
                    "aws_secretsmanager_secret_rotation.r",
                    {"secret_id": ["aws_secretsmanager_secret.s", "each.key"]},
                )
            ],
            "module_calls": {
                "store": {
                    "module": {
                        "resources": [
                            configured(
                                "aws_s3_bucket_public_access_block.b",
                                {"bucket": ["aws_s3_bucket.b.id", "aws_s3_bucket.b"]},
                            ),
                        ]
                    }
                }
            },
        }
    },
}


@pytest.fixture
def plan(load: Callable[..., ResourceSet]) -> ResourceSet:
    return load(PLAN, "plan.json")


def test_partner_in_module_found_through_configuration_reference(
    plan: ResourceSet, check_set: Callable[..., Any]
) -> None:
    outcomes = check_set(plan, "AWS-S3-002")
    assert outcomes["module.store.aws_s3_bucket.b"][0] == P
    assert outcomes["module.store.aws_s3_bucket.other"][0] == F


def test_partner_with_computed_target_and_no_reference_is_unknown(
    plan: ResourceSet, check_set: Callable[..., Any]
) -> None:
    # The versioning resource's bucket is computed and the configuration names no reference for it.
    outcomes = check_set(plan, "AWS-S3-004")
    assert outcomes["module.store.aws_s3_bucket.b"][0] == U
    assert "aws_s3_bucket_versioning.v" in outcomes["module.store.aws_s3_bucket.b"][1]


def test_count_instances_matched_by_literal_id(
    plan: ResourceSet, check_set: Callable[..., Any]
) -> None:
    outcomes = check_set(plan, "AWS-VPC-001")
    assert outcomes["aws_vpc.main[0]"][0] == P
    assert outcomes["aws_vpc.main[1]"][0] == F


def test_for_each_reference_without_key_is_unknown_not_pass(
    plan: ResourceSet, check_set: Callable[..., Any]
) -> None:
    outcomes = check_set(plan, "AWS-SM-001")
    assert outcomes['aws_secretsmanager_secret.s["db"]'][0] == U


def test_indexed_reference_resolves_to_that_instance(
    load: Callable[..., ResourceSet], cdktf: Callable[..., Any], check_set: Callable[..., Any]
) -> None:
    document = cdktf(
        {
            "aws_vpc": {"main": {"cidr_block": "10.0.0.0/16"}},
            "aws_flow_log": {"f": {"vpc_id": "${aws_vpc.main[0].id}"}},
        }
    )
    assert check_set(load(document), "AWS-VPC-001")["aws_vpc.main"][0] == P


def pulumi_resource(rtype: str, name: str, properties: dict[str, Any]) -> Resource:
    urn = f"urn:pulumi:dev::proj::{rtype}::{name}"
    return Resource(
        type=rtype,
        name=name,
        address=urn,
        properties=properties,
        source=SourceLocation("pulumi", "Pulumi.dev.yaml", urn, "dev"),
    )


@pytest.mark.parametrize(
    ("policy_id", "resources", "address", "expected"),
    [
        pytest.param(
            "AWS-S3-002",
            [
                pulumi_resource("aws_s3_bucket", "logs", {"bucket": "logs-123", "id": "logs-123"}),
                pulumi_resource(
                    "aws_s3_bucket_public_access_block",
                    "logs-pab",
                    {
                        "bucket": "logs-123",
                        "block_public_acls": "true",
                        "block_public_policy": "true",
                        "ignore_public_acls": "true",
                        "restrict_public_buckets": "true",
                    },
                ),
            ],
            "urn:pulumi:dev::proj::aws_s3_bucket::logs",
            P,
            id="bucket-partner-by-literal-string-bools",
        ),
        pytest.param(
            "AWS-EC2-007",
            [
                pulumi_resource(
                    "aws_instance", "web", {"metadata_options": {"http_tokens": "optional"}}
                ),
            ],
            "urn:pulumi:dev::proj::aws_instance::web",
            F,
            id="single-object-block",
        ),
        pytest.param(
            "AWS-EC2-001",
            [
                pulumi_resource(
                    "aws_security_group",
                    "web",
                    {
                        "id": "sg-123",
                        "ingress": {
                            "from_port": 22,
                            "to_port": 22,
                            "protocol": "tcp",
                            "cidr_blocks": ["0.0.0.0/0"],
                        },
                    },
                ),
            ],
            "urn:pulumi:dev::proj::aws_security_group::web",
            F,
            id="single-object-ingress",
        ),
        pytest.param(
            "AWS-SM-001",
            [
                pulumi_resource(
                    "aws_secretsmanager_secret",
                    "db",
                    {"arn": "arn:aws:secretsmanager:x:1:secret:db"},
                ),
                pulumi_resource(
                    "aws_secretsmanager_secret_rotation",
                    "db-rot",
                    {
                        "secret_id": "arn:aws:secretsmanager:x:1:secret:db",
                        "rotation_rules": {"automatically_after_days": 7},
                    },
                ),
            ],
            "urn:pulumi:dev::proj::aws_secretsmanager_secret::db",
            P,
            id="rotation-by-arn",
        ),
    ],
)
def test_pulumi_shaped_resources(
    policy_id: str,
    resources: list[Resource],
    address: str,
    expected: str,
    check_set: Callable[..., Any],
) -> None:
    assert check_set(ResourceSet(resources), policy_id)[address][0] == expected
