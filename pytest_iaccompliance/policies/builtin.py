"""The built-in AWS pack, registered through the same hook as any third-party pack."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pytest_iaccompliance.hookspecs import hookimpl
from pytest_iaccompliance.policies.packs import controls_for
from pytest_iaccompliance.policies.rules import (
    awslambda,
    backends,
    cloudtrail,
    dynamodb,
    ec2,
    efs,
    elb,
    iam,
    iam_self_deny,
    kms,
    messaging,
    plaintext_secrets,
    rds,
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
    iam,
    iam_self_deny,
    plaintext_secrets,
    backends,
    tagging,
)


def builtin_policies() -> list[Policy]:
    """Every built-in rule with its framework controls attached from the packs."""
    return [
        item.with_controls(controls_for(item.id))
        for module in RULE_MODULES
        for item in module.POLICIES
    ]


@hookimpl
def iaccompliance_policies() -> Iterable[Policy]:
    return builtin_policies()
