"""Plaintext-secret rules, AWS-IAM-009 and the runtime-secret helper on real Pulumi programs under mocks.

A value passed as plain text is recorded by Pulumi as a plaintext input; one passed through
``Output.secret`` (or ``pulumi_secret``, which resolves it from Secrets Manager on moto) is recorded
as a secret. The rules read that marking, as they read it in a stack export.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import pytest

from pytest_iaccompliance.model import FindingStatus
from pytest_iaccompliance.policies.builtin import builtin_policies
from pytest_iaccompliance.policies.engine import evaluate

if TYPE_CHECKING:
    from pytest_iaccompliance.awsmock import AwsMock
    from pytest_iaccompliance.pulumi.harness import PulumiMocks
    from pytest_iaccompliance.pulumi.runner import PulumiResources

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning:pulumi_aws")

P, F = FindingStatus.PASSED, FindingStatus.FAILED
POLICIES = {p.id: p for p in builtin_policies()}
VALUE = "Pulumi-Plain-Value-93ab"
AWS_KEY = "AKIAIOSFODNN7EXAMPLE"
TRUST = json.dumps({"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}]})
SEED_POLICY = json.dumps({"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Action": ["s3:GetObject"], "Resource": "arn:aws:s3:::data/*"},
    {"Effect": "Deny", "Action": "*", "Resource": "*",
     "Condition": {"ArnNotLike": {"aws:PrincipalArn": "arn:aws:iam::*:role/ApprovedAdmin*"}}}]})


# Rules this module gives a passed and a failed case on a Pulumi program (see test_pack_on_pulumi).
EXERCISED = frozenset({"AWS-IAM-009", "AWS-SECRET-001", "AWS-SECRET-004"})


def by_name(resources: PulumiResources, policy_id: str) -> dict[str, tuple[FindingStatus, str]]:
    found = {f.address.rsplit("::", 1)[-1]: (f.status, f.message) for f in evaluate(resources, [POLICIES[policy_id]])}
    for _, message in found.values():
        assert VALUE not in message
        assert AWS_KEY not in message
    return found


def secrets_program() -> None:
    import pulumi
    import pulumi_aws as aws

    aws.rds.Instance("plain", engine="postgres", instance_class="db.t3.micro", allocated_storage=20,
                     password=VALUE)
    aws.rds.Instance("marked", engine="postgres", instance_class="db.t3.micro", allocated_storage=20,
                     password=pulumi.Output.secret(VALUE))
    aws.lambda_.Function("fn", role="arn:aws:iam::123456789012:role/fn", runtime="python3.12",
                         handler="app.handler", code=pulumi.AssetArchive({}),
                         environment={"variables": {"API_TOKEN": VALUE, "STAGE": "prod"}})
    aws.ec2.Instance("keyed", ami="ami-123", instance_type="t3.micro",
                     user_data=f"#!/bin/sh\nexport AWS_ACCESS_KEY_ID={AWS_KEY}\n")
    aws.ec2.Instance("clean", ami="ami-123", instance_type="t3.micro", user_data="#!/bin/sh\necho ok\n")


@pytest.fixture(scope="module")
def program() -> PulumiResources:
    from pytest_iaccompliance.pulumi.harness import PulumiMocks
    from pytest_iaccompliance.pulumi.runner import reset_runtime

    reset_runtime()
    try:
        return PulumiMocks().run(secrets_program)
    finally:
        reset_runtime()


def test_plaintext_inputs_fail_and_secrets_pass(program: PulumiResources) -> None:
    found = by_name(program, "AWS-SECRET-001")
    # pulumi_aws's schema marks an RDS password secret, so the SDK wraps even a plain one ("plain"); a
    # Lambda environment variable it does not, so a token there is recorded as plain text.
    assert {name: status for name, (status, _) in found.items()} == {"plain": P, "marked": P, "fn": F}
    assert found["fn"][1].endswith("`environment.variables.API_TOKEN` holds a plaintext secret not marked a "
                                   "Pulumi secret")


def test_user_data_credentials(program: PulumiResources) -> None:
    found = by_name(program, "AWS-SECRET-004")
    assert {name: status for name, (status, _) in found.items()} == {"keyed": F, "clean": P}


def test_explicit_provider_credentials(pulumi_mocks: PulumiMocks) -> None:
    def provider_program() -> None:
        import pulumi_aws as aws

        aws.Provider("east", region="us-east-1", access_key=AWS_KEY, secret_key=VALUE)

    resources = pulumi_mocks.run(provider_program)
    [entry] = resources.of_type("provider")
    # The provider's schema marks its keys secret: the SDK wraps them, so the recorded inputs are secrets.
    assert entry.is_marked_secret("secret_key")
    assert by_name(resources, "AWS-SECRET-002") == {"east": (P, "compliant")}


def iam_program() -> None:
    import pulumi_aws as aws

    policy = aws.iam.Policy("least-privilege", policy=SEED_POLICY)
    worker = aws.iam.Role("app-worker", assume_role_policy=TRUST)
    admin = aws.iam.Role("admin", name="ApprovedAdminOps", assume_role_policy=TRUST)
    aws.iam.RolePolicyAttachment("worker-lp", role=worker.name, policy_arn=policy.arn)
    aws.iam.RolePolicyAttachment("admin-lp", role=admin.name, policy_arn=policy.arn)
    aws.iam.RolePolicy("inline", role=worker.id, policy=SEED_POLICY)


def test_self_cancelling_policy_in_a_pulumi_program(pulumi_mocks: PulumiMocks) -> None:
    found = by_name(pulumi_mocks.run(iam_program), "AWS-IAM-009")
    assert {name: status for name, (status, _) in found.items()} == {"app-worker": F, "admin": P}
    message = found["app-worker"][1]
    assert "least-privilege (attached by urn:pulumi:" in message
    assert "denies everything it allows to arn:aws:iam::123456789012:role/app-worker" in message


def test_pulumi_secret_keeps_the_value_out_of_plaintext_inputs(aws_mock: AwsMock,
                                                                pulumi_mocks: PulumiMocks) -> None:
    """Resolved on moto and handed over as ``Output.secret``: recorded as a secret, never as plain text."""
    from pytest_iaccompliance.secrets import pulumi_secret

    aws_mock.seed_secret("prod/db", {"password": VALUE})

    def uses_the_helper() -> None:
        import pulumi
        import pulumi_aws as aws

        aws.lambda_.Function("fn", role="arn:aws:iam::123456789012:role/fn", runtime="python3.12",
                             handler="app.handler", code=pulumi.AssetArchive({}),
                             environment={"variables": {"DB_PASSWORD": pulumi_secret("prod/db", key="password")}})

    resources = pulumi_mocks.run(uses_the_helper)
    [fn] = resources.of_type("aws_lambda_function")
    assert fn.is_marked_secret("environment.variables.DB_PASSWORD")
    assert VALUE not in json.dumps(_plaintext(fn.properties, fn), default=str)
    assert by_name(resources, "AWS-SECRET-001") == {"fn": (P, "compliant")}


def _plaintext(value: Any, resource: Any, path: str = "") -> Any:
    """The recorded inputs with every value Pulumi marked secret left out."""
    if path and resource.is_marked_secret(path):
        return None
    if isinstance(value, dict) or hasattr(value, "items"):
        return {k: _plaintext(v, resource, f"{path}.{k}" if path else k) for k, v in value.items()}
    return value


def test_a_plain_resolved_value_would_be_caught(aws_mock: AwsMock, pulumi_mocks: PulumiMocks) -> None:
    """The counter-case: the same value passed as plain text lands in the plaintext inputs and fails."""
    from pytest_iaccompliance.secrets import resolve_secret

    aws_mock.seed_secret("prod/db", {"password": VALUE})

    def passes_plain_text() -> None:
        import pulumi
        import pulumi_aws as aws

        aws.lambda_.Function("fn", role="arn:aws:iam::123456789012:role/fn", runtime="python3.12",
                             handler="app.handler", code=pulumi.AssetArchive({}),
                             environment={"variables": {"DB_PASSWORD": resolve_secret("prod/db", key="password")}})

    resources = pulumi_mocks.run(passes_plain_text)
    [fn] = resources.of_type("aws_lambda_function")
    assert VALUE in json.dumps(_plaintext(fn.properties, fn), default=str)
    assert by_name(resources, "AWS-SECRET-001")["fn"][0] is F
