"""``pulumi stack export`` JSON as a source: resources, secrets, providers, the stack, malformed
files.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import pytest

from pytest_iaccompliance.sources import SourceError, load_path

if TYPE_CHECKING:
    from pathlib import Path

SIG = "4dabf18193072939515e22adb298388d"
SECRET = "1b47061264138c4ac30d75fd1eb44270"
STACK = "urn:pulumi:prod::shop::pulumi:pulumi:Stack::shop-prod"
PROVIDER = "urn:pulumi:prod::shop::pulumi:providers:aws::default"


def export(*resources: dict[str, Any]) -> dict[str, Any]:
    return {
        "version": 3,
        "deployment": {
            "manifest": {"version": "v3.140.0"},
            "resources": [
                {
                    "urn": STACK,
                    "type": "pulumi:pulumi:Stack",
                    "custom": False,
                    "outputs": {"bucket": "logs", "token": {SIG: SECRET, "ciphertext": "v1:abc"}},
                },
                {
                    "urn": PROVIDER,
                    "type": "pulumi:providers:aws",
                    "custom": True,
                    "id": "p1",
                    "inputs": {"region": "eu-west-1", "defaultTags": '{"tags":{"Team":"shop"}}'},
                },
                *resources,
            ],
        },
    }


def write(tmp_path: Path, document: Any, name: str = "stack.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(document) if not isinstance(document, str) else document)
    return path


def test_resources_secrets_providers_and_stack(tmp_path: Path) -> None:
    db = {
        "urn": "urn:pulumi:prod::shop::aws:rds/instance:Instance::orders",
        "type": "aws:rds/instance:Instance",
        "id": "orders-1",
        "custom": True,
        "parent": STACK,
        "inputs": {
            "storageEncrypted": True,
            "password": {SIG: SECRET, "ciphertext": "v1:xyz"},
            "tags": {"CostCenter": "42"},
            "__defaults": [],
        },
        "outputs": {
            "storageEncrypted": True,
            "endpoint": "orders.example:5432",
            "password": {SIG: SECRET, "ciphertext": "v1:xyz"},
        },
    }
    sg = {
        "urn": "urn:pulumi:prod::shop::aws:ec2/securityGroup:SecurityGroup::web",
        "type": "aws:ec2/securityGroup:SecurityGroup",
        "id": "sg-1",
        "inputs": {
            "ingress": [
                {"fromPort": 22, "toPort": 22, "protocol": "tcp", "cidrBlocks": ["0.0.0.0/0"]}
            ]
        },
        "outputs": {},
    }
    shown = {
        "urn": "urn:pulumi:prod::shop::aws:secretsmanager/secretVersion:SecretVersion::v",
        "type": "aws:secretsmanager/secretVersion:SecretVersion",
        "id": "v1",
        "inputs": {"secretString": {SIG: SECRET, "plaintext": '"hunter2"'}},
    }
    [loaded] = load_path(write(tmp_path, export(db, sg, shown)))
    assert loaded.kind == "pulumi-export"
    resources = loaded.resources
    assert resources.name == "prod"
    assert [r.type for r in resources] == [
        "aws_db_instance",
        "aws_security_group",
        "aws_secretsmanager_secret_version",
    ]
    orders = resources.of_type("aws_db_instance")[0]
    assert orders.address == db["urn"]
    assert orders.name == "orders"
    assert orders.parent == STACK
    assert (
        orders.get("storage_encrypted") is True
    )
    assert (
        orders.get("endpoint") == "orders.example:5432"
    )
    assert orders.is_secret("password")
    assert orders.get("password") == "[secret]"
    assert orders.tags == {"CostCenter": "42"}
    assert "__defaults" not in orders.properties
    assert resources.by_address("aws_db_instance.orders") is orders
    assert resources.of_type("aws_security_group")[0].blocks("ingress")[0]["cidr_blocks"] == [
        "0.0.0.0/0"
    ]
    version = resources.of_type("aws_secretsmanager_secret_version")[0]
    assert version.get("secret_string") == "hunter2"
    assert version.is_secret("secret_string")
    assert resources.metadata["providers"]["aws"][0]["region"] == "eu-west-1"
    assert resources.metadata["providers"]["aws"][0]["default_tags"] == {"tags": {"Team": "shop"}}
    assert resources.metadata["outputs"] == {"bucket": "logs", "token": "[secret]"}


def test_checkpoint_file_is_read(tmp_path: Path) -> None:
    document = {"version": 3, "checkpoint": {"stack": "prod", "latest": export()["deployment"]}}
    [loaded] = load_path(write(tmp_path, document))
    assert len(loaded.resources) == 0
    assert loaded.resources.metadata["stack"] == "prod"


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ({"version": 3, "deployment": []}, "`deployment` is list, expected an object"),
        (
            {"version": 3, "deployment": {"resources": {}}},
            "`deployment.resources` is dict, expected a list",
        ),
        ({"version": 3, "deployment": {"resources": ["x"]}}, "`deployment.resources[0]` is str"),
        (
            {"version": 3, "deployment": {"resources": [{"type": "aws:s3/bucket:Bucket"}]}},
            "`deployment.resources[0]` has no valid `urn`",
        ),
        (
            {
                "version": 3,
                "deployment": {"resources": [{"urn": "urn:pulumi:a::b::aws:s3/bucket:Bucket::c"}]},
            },
            "has no `type`",
        ),
        (
            {
                "version": 3,
                "deployment": {
                    "resources": [{"urn": "urn:pulumi:a::b::t::c", "type": "t", "inputs": 3}]
                },
            },
            "`deployment.resources[0].inputs` (urn:pulumi:a::b::t::c) is int, expected an object",
        ),
    ],
)
def test_malformed_export_names_file_and_fault(tmp_path: Path, document: Any, message: str) -> None:
    path = write(tmp_path, document, "broken.json")
    with pytest.raises(SourceError) as error:
        load_path(path)
    assert str(path) in str(error.value)
    assert message in str(error.value)


def test_truncated_json_is_a_clear_error(tmp_path: Path) -> None:
    path = write(tmp_path, '{"version": 3, "deployment": {"resources": [', "cut.json")
    with pytest.raises(SourceError, match=r"cut\.json: is not valid JSON"):
        load_path(path)


def test_export_through_the_plugin_scan(pytester: pytest.Pytester, tmp_path: Path) -> None:
    bucket = {
        "urn": "urn:pulumi:prod::shop::aws:s3/bucket:Bucket::logs",
        "type": "aws:s3/bucket:Bucket",
        "id": "logs",
        "inputs": {"bucket": "logs"},
    }
    path = write(tmp_path, export(bucket))
    pytester.makepyfile(f"""
        from pytest_iaccompliance import scan

        def test_scan():
            findings = [f for f in scan({str(path)!r}) if f.policy_id == "AWS-S3-001"]
            assert [(f.status.value, f.resource_type) for f in findings] == [("failed",
            "aws_s3_bucket")]
    """)
    pytester.runpytest_inprocess().assert_outcomes(passed=1)
