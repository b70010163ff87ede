"""Secrets Manager rules."""

from __future__ import annotations

from pytest_iaccompliance.model import Resource, Severity
from pytest_iaccompliance.policies.base import Policy, PolicyContext, Result, cannot_evaluate, compliant, policy
from pytest_iaccompliance.policies.rules._common import partner_missing

ROTATION = "aws_secretsmanager_secret_rotation"


@policy(
    "AWS-SM-001",
    title="Secrets Manager secret has automatic rotation configured",
    severity=Severity.WARNING,
    resource_types=["aws_secretsmanager_secret"],
    remediation="Add an aws_secretsmanager_secret_rotation with secret_id = the secret's "
    "id, a rotation_lambda_arn (or a managed rotation) and rotation_rules.",
    checkov_ids=["CKV2_AWS_57"],
    checkov_differences=[
        (
            "CKV2_AWS_57",
            "looser: Checkov links a rotation to its secret by reference only; this rule also follows a "
            "literal secret name or ARN in secret_id, as AWS does.",
        ),
    ],
)
def secret_rotated(resource: Resource, context: PolicyContext) -> Result:
    """A secret that never rotates stays valid forever once it leaks."""
    inline, unreadable = resource.read_blocks("rotation_rules")
    if inline:
        return compliant()  # provider versions before 5 configured rotation inline
    if context.resources.find_related(
        ROTATION, resource, "secret_id", match_on=("id", "arn", "name")
    ):
        return compliant()
    if unreadable:  # inline rotation may be configured: it could not be read
        return cannot_evaluate(*unreadable)
    return partner_missing(
        context, resource, [ROTATION], ["secret_id"], "has no rotation configured"
    )


POLICIES: tuple[Policy, ...] = (secret_rotated,)
