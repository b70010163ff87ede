"""The pre-flight domain without a CDK or Pulumi: which policies run, what a violation says, the error."""

from __future__ import annotations

import pickle
from pathlib import Path
from typing import Any

import pytest

from pytest_iaccompliance.model import Severity
from pytest_iaccompliance.preflight import PreflightConfig, PreflightError, PreflightUsageError, find_preflight_error
from pytest_iaccompliance.preflight.core import PREFLIGHT_POLICIES, preflight_policies, violations
from pytest_iaccompliance.sources.terraform_json import resources_from_config

WILDCARD = '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}'


def stack(**resources: dict[str, Any]) -> Any:
    document = {
        "provider": {"aws": [{"region": "eu-west-1", "default_tags": [{"tags": {"Owner": "platform"}}]}]},
        "resource": {
            rtype: {name: {"//": {"metadata": {"path": f"app/{name}"}}, **body} for name, body in named.items()}
            for rtype, named in resources.items()
        },
    }
    return resources_from_config(document, Path("stacks/app/cdk.tf.json"))


def test_tags_families_and_unknowns() -> None:
    resources = stack(
        aws_instance={"web": {"instance_type": "m5.large", "tags": {"Team": "web"},
                              "metadata_options": {"http_tokens": "required"},
                              "root_block_device": {"encrypted": True}}},
        aws_db_instance={"db": {"storage_encrypted": "${var.encrypt}", "publicly_accessible": False,
                                "tags": {"CostCentre": "1"}}},
    )
    config = PreflightConfig.of(required_tags="Owner CostCentre", allowed_instance_families=["t3"])
    found = {(v.location, v.policy_id, v.unknown) for v in violations(resources, config, "stack 'app'")}
    assert found == {
        ("app/web", "AWS-EC2-012", False),
        ("app/web", "AWS-TAG-001", False),  # Owner comes from default_tags; CostCentre is missing
        ("app/db", "AWS-RDS-001", True),
    }


def test_compliant_stack_has_no_violation() -> None:
    resources = stack(aws_instance={"web": {"instance_type": "t3.micro", "tags": {"CostCentre": "1"},
                                            "metadata_options": {"http_tokens": "required"},
                                            "root_block_device": {"encrypted": True},
                                            "associate_public_ip_address": False}})
    config = PreflightConfig.of(required_tags=["Owner", "CostCentre"], allowed_instance_families="t3")
    assert violations(resources, config, "stack 'app'") == []


def test_min_severity_adds_every_policy_at_or_above_it() -> None:
    resources = stack(aws_iam_policy={"admin": {"policy": WILDCARD}})
    assert violations(resources, PreflightConfig(), "s") == []
    critical = violations(resources, PreflightConfig.of(min_severity="critical"), "s")
    assert {v.policy_id for v in critical} >= {"AWS-IAM-001"}
    assert all(v.location == "app/admin" for v in critical)
    selected = violations(resources, PreflightConfig.of(select="AWS-IAM-002"), "s")
    assert [v.policy_id for v in selected] == []  # "*" is AWS-IAM-001's, not a service wildcard
    with pytest.raises(PreflightUsageError, match="'AWS-NOPE-\\*' matches no registered policy"):
        violations(resources, PreflightConfig.of(select="AWS-NOPE-*"), "s")


def test_the_default_set_is_the_registry_own() -> None:
    from pytest_iaccompliance.policies.registry import load_registry

    registry = load_registry()
    fast = preflight_policies()
    assert sorted(p.id for p in fast) == sorted(PREFLIGHT_POLICIES)
    assert all(p.check is registry[p.id].check for p in fast)


def test_merged_adds_lists_and_keeps_the_stricter_severity() -> None:
    merged = PreflightConfig.of(required_tags="Owner", min_severity="critical").merged(
        PreflightConfig.of(required_tags=["Team", "Owner"], min_severity=Severity.WARNING))
    assert merged.required_tags == ("Team", "Owner")
    assert merged.min_severity is Severity.WARNING


def test_error_lists_every_violation_and_survives_jsii_and_pickling() -> None:
    resources = stack(aws_s3_bucket={"logs": {"bucket": "logs"}})
    found = violations(resources, PreflightConfig(), "stack 'app'")
    error = PreflightError("stack 'app'", found)
    lines = str(error).splitlines()
    assert lines[0] == "pre-flight failed for stack 'app': 2 violations"
    assert lines[1].startswith("  stack 'app': app/logs (aws_s3_bucket) AWS-S3-001: has no server-side encryption")
    assert "; fix: Add an aws_s3_bucket_server_side_encryption_configuration" in lines[1]
    assert pickle.loads(pickle.dumps(error)).violations == error.violations
    wrapped = RuntimeError("preflight failed")  # what jsii raises from a failing Aspect: ours is its context
    wrapped.__context__ = error
    assert find_preflight_error(wrapped) is error
    holder = RuntimeError("program failed")
    holder.original = error  # type: ignore[attr-defined]
    assert find_preflight_error(holder) is error
    assert find_preflight_error(ValueError("x")) is None
