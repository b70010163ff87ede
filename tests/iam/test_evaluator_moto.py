"""The evaluator against moto's IAM enforcement, over the policy language both implement.

moto authorizes its mocked S3 and IAM APIs against the caller's identity policies once IAM
authentication is enabled (``moto.core.enable_iam_authentication``, the context-manager form of
``set_initial_no_auth_action_count``). Its engine matches Action/NotAction and Resource with ``*``
only, case-sensitively, and evaluates conditions differently from AWS, so the generated policies
stay inside that common ground: exact-case actions, ``*`` wildcards, Resource lists, Allow and Deny.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pytest
from hypothesis import event, given
from hypothesis import strategies as st

from pytest_iaccompliance.iam import Decision, Request, evaluate

if TYPE_CHECKING:
    from collections.abc import Iterator

boto3 = pytest.importorskip("boto3")
moto = pytest.importorskip("moto")

ACCOUNT = "123456789012"
USER = "probe"
BUCKETS = ("iac-data", "iac-logs")
KEYS = ("k1", "reports/k2")
ROLES = ("app-reader", "ops")

ACTION_PATTERNS = (
    "s3:GetObject",
    "s3:PutObject",
    "s3:Get*",
    "s3:*Object",
    "s3:*",
    "*",
    "iam:GetRole",
    "iam:Get*",
    "iam:ListUsers",
    "iam:List*",
    "iam:*",
)
RESOURCE_PATTERNS = (
    "*",
    "arn:aws:s3:::iac-data/*",
    "arn:aws:s3:::iac-data/k1",
    "arn:aws:s3:::*/k1",
    "arn:aws:s3:::iac-d*",
    "arn:aws:s3:::iac-logs/reports/*",
    "arn:aws:s3:::*",
    f"arn:aws:iam::{ACCOUNT}:role/app-*",
    "arn:aws:iam::*:role/*",
    f"arn:aws:iam::{ACCOUNT}:role/ops",
)


@dataclass(frozen=True)
class Probe:
    action: str
    resource: str
    call: tuple[str, str, dict[str, Any]]


PROBES = (
    *(
        Probe(
            "s3:GetObject", f"arn:aws:s3:::{b}/{k}", ("s3", "get_object", {"Bucket": b, "Key": k})
        )
        for b in BUCKETS
        for k in KEYS
    ),
    *(
        Probe(
            "s3:PutObject",
            f"arn:aws:s3:::{b}/{k}",
            ("s3", "put_object", {"Bucket": b, "Key": k, "Body": b"x"}),
        )
        for b in BUCKETS
        for k in KEYS
    ),
    *(
        Probe(
            "iam:GetRole", f"arn:aws:iam::{ACCOUNT}:role/{r}", ("iam", "get_role", {"RoleName": r})
        )
        for r in ROLES
    ),
    Probe("iam:ListUsers", "*", ("iam", "list_users", {})),
)


@dataclass
class MotoAccount:
    admin_iam: Any
    clients: dict[str, Any]

    def decide(self, document: dict[str, Any], probe: Probe) -> bool:
        from botocore.exceptions import ClientError
        from moto.core import enable_iam_authentication

        self.admin_iam.put_user_policy(
            UserName=USER, PolicyName="under-test", PolicyDocument=json.dumps(document)
        )
        service, method, arguments = probe.call
        with enable_iam_authentication():
            try:
                getattr(self.clients[service], method)(**arguments)
            except ClientError as error:
                code = error.response["Error"]["Code"]
                assert code == "AccessDenied", f"{probe.action} failed with {code}, not a decision"
                return False
        return True


@pytest.fixture(scope="module")
def moto_account() -> Iterator[MotoAccount]:
    from moto import mock_aws

    with mock_aws():
        admin_iam = boto3.client("iam", region_name="us-east-1")
        admin_s3 = boto3.client("s3", region_name="us-east-1")
        for bucket in BUCKETS:
            admin_s3.create_bucket(Bucket=bucket)
            for key in KEYS:
                admin_s3.put_object(Bucket=bucket, Key=key, Body=b"seed")
        trust = json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Principal": {"Service": "ec2.amazonaws.com"},
                        "Action": "sts:AssumeRole",
                    }
                ],
            }
        )
        for role in ROLES:
            admin_iam.create_role(RoleName=role, AssumeRolePolicyDocument=trust)
        admin_iam.create_user(UserName=USER)
        key = admin_iam.create_access_key(UserName=USER)["AccessKey"]
        credentials = {
            "aws_access_key_id": key["AccessKeyId"],
            "aws_secret_access_key": key["SecretAccessKey"],
            "region_name": "us-east-1",
        }
        clients = {
            "s3": boto3.client("s3", **credentials),
            "iam": boto3.client("iam", **credentials),
        }
        yield MotoAccount(admin_iam, clients)


statements = st.fixed_dictionaries(
    {
        "Effect": st.sampled_from(["Allow", "Deny"]),
        "Resource": st.lists(
            st.sampled_from(RESOURCE_PATTERNS), min_size=1, max_size=3, unique=True
        ),
    },
).flatmap(
    lambda base: st.one_of(
        st.lists(st.sampled_from(ACTION_PATTERNS), min_size=1, max_size=3, unique=True).map(
            lambda actions: {**base, "Action": actions}
        ),
        st.lists(st.sampled_from(ACTION_PATTERNS), min_size=1, max_size=2, unique=True).map(
            lambda actions: {**base, "NotAction": actions}
        ),
    )
)
documents = st.lists(statements, min_size=1, max_size=4).map(
    lambda items: {"Version": "2012-10-17", "Statement": items}
)


def test_oracle_denies_and_allows(moto_account: MotoAccount) -> None:
    """The oracle really enforces: the same call flips with the policy."""
    probe = PROBES[0]
    assert moto_account.decide(
        {
            "Version": "2012-10-17",
            "Statement": [
                {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::iac-data/*"}
            ],
        },
        probe,
    )
    assert not moto_account.decide(
        {
            "Version": "2012-10-17",
            "Statement": [
                {"Effect": "Allow", "Action": "s3:PutObject", "Resource": "arn:aws:s3:::iac-data/*"}
            ],
        },
        probe,
    )


@given(document=documents, probe=st.sampled_from(PROBES))
def test_evaluator_agrees_with_moto(
    moto_account: MotoAccount, document: dict[str, Any], probe: Probe
) -> None:
    ours = evaluate(
        document, Request(probe.action, probe.resource, f"arn:aws:iam::{ACCOUNT}:user/{USER}")
    )
    event(ours.decision.value)
    assert (ours.decision is Decision.ALLOW) == moto_account.decide(document, probe), (
        f"{probe.action} on {probe.resource}: evaluator says {ours.decision.value}"
    )
