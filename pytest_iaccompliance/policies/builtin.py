"""The built-in AWS pack, registered through the same hook as any third-party pack."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pytest_iaccompliance.hookspecs import hookimpl
from pytest_iaccompliance.policies.packs import controls_for
from pytest_iaccompliance.policies.rules import (
    apigateway,
    autoscaling,
    awslambda,
    backends,
    cloudfront,
    cloudtrail,
    dynamodb,
    ec2,
    ecr,
    ecs,
    efs,
    eks,
    elasticache,
    elb,
    iam,
    iam_self_deny,
    kms,
    messaging,
    opensearch,
    plaintext_secrets,
    rds,
    redshift,
    s3,
    secretsmanager,
    tagging,
    vpc,
)

if TYPE_CHECKING:
    from collections.abc import Iterable

    from pytest_iaccompliance.policies.base import Policy

RULE_MODULES = (
    s3,
    vpc,
    ec2,
    rds,
    kms,
    cloudtrail,
    dynamodb,
    messaging,
    elb,
    efs,
    awslambda,
    secretsmanager,
    cloudfront,
    ecr,
    redshift,
    elasticache,
    opensearch,
    apigateway,
    ecs,
    eks,
    autoscaling,
    iam,
    iam_self_deny,
    plaintext_secrets,
    backends,
    tagging,
)


def builtin_policies() -> list[Policy]:
    """Every built-in rule with its framework controls attached from the packs."""
    return [
        policy.with_controls(controls_for(policy.id))
        for module in RULE_MODULES
        for policy in module.POLICIES
    ]


@hookimpl
def iaccompliance_policies() -> Iterable[Policy]:
    return builtin_policies()
