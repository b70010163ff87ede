"""Drift of a ``pulumi stack export`` from a Pulumi program previewed under mocks."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pytest_iaccompliance.drift import DRIFT_ADDED, DRIFT_CHANGED, compare
from pytest_iaccompliance.model import Severity
from pytest_iaccompliance.pulumi import run_program
from pytest_iaccompliance.sources import load_path

PREFIX = "urn:pulumi:prod::shop::"


def program() -> None:
    import pulumi_aws as aws

    aws.ec2.SecurityGroup("web", ingress=[{"protocol": "tcp", "from_port": 443, "to_port": 443,
                                           "cidr_blocks": ["10.0.0.0/8"]}], tags={"team": "shop"})


def live(ingress_cidrs: list[str], tags: dict[str, str]) -> dict[str, Any]:
    def resource(name: str, token: str, inputs: dict[str, Any]) -> dict[str, Any]:
        return {"urn": f"{PREFIX}{token}::{name}", "type": token, "custom": True, "id": f"{name}-1",
                "inputs": inputs, "outputs": {**inputs, "arn": f"arn:{name}", "id": f"{name}-1"}}

    ingress = [{"protocol": "tcp", "fromPort": 443, "toPort": 443, "cidrBlocks": ingress_cidrs}]
    return {"version": 3, "deployment": {"manifest": {"version": "v3.140.0"}, "resources": [
        {"urn": f"{PREFIX}pulumi:pulumi:Stack::shop-prod", "type": "pulumi:pulumi:Stack", "custom": False},
        resource("web", "aws:ec2/securityGroup:SecurityGroup",
                 {"description": "Managed by Pulumi", "ingress": ingress, "tags": tags}),
        resource("extra", "aws:s3/bucket:Bucket", {"bucket": "extra"}),
    ]}}


def test_a_previewed_program_and_its_stack_export_compare_by_urn(tmp_path: Path) -> None:
    baseline = run_program(program, project="shop", stack="prod", preview=True)
    path = tmp_path / "stack.json"
    path.write_text(json.dumps(live(["10.0.0.0/8", "0.0.0.0/0"], {"team": "ops"})))
    (exported,) = load_path(path)
    changes = {(c.kind, c.address.removeprefix(PREFIX), c.path, c.severity)
               for c in compare(baseline, exported.resources)}
    assert changes == {
        (DRIFT_ADDED, "aws:s3/bucket:Bucket::extra", "", Severity.WARNING),
        (DRIFT_CHANGED, "aws:ec2/securityGroup:SecurityGroup::web", "ingress.cidr_blocks", Severity.CRITICAL),
        (DRIFT_CHANGED, "aws:ec2/securityGroup:SecurityGroup::web", "tags.team", Severity.WARNING),
    }
    path.write_text(json.dumps(live(["10.0.0.0/8"], {"team": "shop"})))
    (same,) = load_path(path)
    assert [c.kind for c in compare(baseline, same.resources)] == [DRIFT_ADDED]
