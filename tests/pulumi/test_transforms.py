"""Under ``pulumi_mocks`` a program's transforms change what is registered, as they do in ``pulumi up``."""

from __future__ import annotations

from typing import Any

import pulumi
import pulumi_aws as aws

from pytest_iaccompliance.pulumi.runner import run_program


def tag_everything(args: Any) -> Any:
    if args.type_.startswith("aws:") and "tags" not in (args.props or {}):
        return pulumi.ResourceTransformResult({**args.props, "tags": {"Owner": "platform"}}, args.opts)
    return None


def stack_transform_program() -> None:
    pulumi.runtime.register_resource_transform(tag_everything)
    aws.s3.Bucket("logs")
    aws.sqs.Queue("jobs", tags={"Owner": "jobs"})


def resource_transform_program() -> None:
    aws.s3.Bucket("logs", opts=pulumi.ResourceOptions(transforms=[tag_everything]))


def test_stack_transform_applies_to_every_later_resource() -> None:
    resources = run_program(stack_transform_program)
    assert resources.of_type("aws_s3_bucket")[0].tags == {"Owner": "platform"}
    assert resources.of_type("aws_sqs_queue")[0].tags == {"Owner": "jobs"}


def test_resource_transform_applies_to_its_resource() -> None:
    resources = run_program(resource_transform_program)
    assert resources.of_type("aws_s3_bucket")[0].tags == {"Owner": "platform"}
