from __future__ import annotations

from typing import Any

import pytest

from pytest_iaccompliance.iam import Decision, Request, evaluate
from pytest_iaccompliance.iam.document import Condition
from pytest_iaccompliance.iam.evaluator import UnsupportedConditionError, condition_holds
from pytest_iaccompliance.iam.matching import arn_matches

BUCKET = "arn:aws:s3:::data"


def doc(*statements: dict[str, Any]) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": list(statements)}


def allow(
    action: Any = "s3:GetObject", resource: Any = f"{BUCKET}/*", **extra: Any
) -> dict[str, Any]:
    return {"Effect": "Allow", "Action": action, "Resource": resource, **extra}


def deny(action: Any = "s3:GetObject", resource: Any = "*", **extra: Any) -> dict[str, Any]:
    return {"Effect": "Deny", "Action": action, "Resource": resource, **extra}


def decide(
    document: Any,
    action: str = "s3:GetObject",
    resource: str = f"{BUCKET}/k",
    principal: str | None = None,
    **context: Any,
) -> Decision:
    return evaluate(document, Request(action, resource, principal, context)).decision


def test_allow_explicit_deny_and_implicit_deny() -> None:
    assert decide(doc(allow())) is Decision.ALLOW
    assert decide(doc(allow(), deny())) is Decision.EXPLICIT_DENY
    assert decide(doc(allow()), action="s3:PutObject") is Decision.IMPLICIT_DENY
    assert decide(doc(allow()), resource="arn:aws:s3:::other/k") is Decision.IMPLICIT_DENY


def test_explicit_deny_wins_across_documents() -> None:
    evaluation = evaluate([doc(allow()), doc(deny())], Request("s3:GetObject", f"{BUCKET}/k"))
    assert evaluation.decision is Decision.EXPLICIT_DENY
    assert evaluation.allowed_by == ((0, 0),)
    assert evaluation.denied_by == ((1, 0),)


@pytest.mark.parametrize(
    ("pattern", "action", "matches"),
    [
        ("s3:Get*", "s3:GetObject", True),
        ("S3:getobject", "s3:GetObject", True),
        ("s3:Get?bject", "s3:GetObject", True),
        ("s3:Get?", "s3:GetObject", False),
        ("*", "iam:PassRole", True),
        ("s3:*", "s3express:CreateSession", False),
        ("s3:*Object", "s3:GetObject", True),
    ],
)
def test_action_wildcards_are_case_insensitive(pattern: str, action: str, matches: bool) -> None:
    expected = Decision.ALLOW if matches else Decision.IMPLICIT_DENY
    assert decide(doc(allow(pattern, "*")), action=action) is expected


@pytest.mark.parametrize(
    ("pattern", "arn", "matches"),
    [
        ("arn:aws:s3:::data/*", "arn:aws:s3:::data/a/b", True),
        ("arn:aws:s3:::data/?", "arn:aws:s3:::data/a", True),
        ("arn:aws:s3:::data/?", "arn:aws:s3:::data/ab", False),
        ("arn:aws:s3:::Data/*", "arn:aws:s3:::data/a", False),
        (
            "arn:aws:logs:*:*:log-group:app:*",
            "arn:aws:logs:us-east-1:123456789012:log-group:app:log-stream:x",
            True,
        ),
        ("arn:aws:iam::*:role/*", "arn:aws:iam::123456789012:role/path/r", True),
        ("arn:*:iam::123456789012:*", "arn:aws:iam::123456789012:user/u", True),
        ("arn:aws:iam::1234*:user/*", "arn:aws:iam::123456789012:user/u", True),
        ("arn:aws:iam::*:user/*", "arn:aws:iam::123456789012:role/u", False),
    ],
)
def test_arn_wildcards_match_per_segment(pattern: str, arn: str, matches: bool) -> None:
    assert arn_matches(pattern, arn) is matches


def test_not_action_and_not_resource() -> None:
    document = doc(
        {"Effect": "Allow", "NotAction": "iam:*", "NotResource": "arn:aws:s3:::secret/*"}
    )
    assert decide(document) is Decision.ALLOW
    assert decide(document, action="iam:CreateUser", resource="*") is Decision.IMPLICIT_DENY
    assert decide(document, resource="arn:aws:s3:::secret/k") is Decision.IMPLICIT_DENY


def test_principals_in_resource_policies() -> None:
    role = "arn:aws:iam::123456789012:role/app"
    policy = doc(allow(Principal={"AWS": role}))
    assert decide(policy, principal=role) is Decision.ALLOW
    assert (
        decide(policy, principal="arn:aws:iam::123456789012:role/other") is Decision.IMPLICIT_DENY
    )
    session = "arn:aws:sts::123456789012:assumed-role/app/session-1"
    assert decide(policy, principal=session) is Decision.ALLOW
    account = doc(allow(Principal={"AWS": "123456789012"}))
    assert decide(account, principal=role) is Decision.ALLOW
    assert decide(account, principal="arn:aws:iam::210987654321:role/app") is Decision.IMPLICIT_DENY
    assert decide(doc(allow(Principal="*")), principal=None) is Decision.ALLOW
    everyone_but = doc(allow(), deny(NotPrincipal={"AWS": role}))
    assert decide(everyone_but, principal=role) is Decision.ALLOW
    assert (
        decide(everyone_but, principal="arn:aws:iam::123456789012:user/u") is Decision.EXPLICIT_DENY
    )


def test_policy_variables_in_resources() -> None:
    document = doc(allow(resource="arn:aws:s3:::home/${aws:username}/*"))
    assert (
        decide(document, resource="arn:aws:s3:::home/ana/x", **{"aws:username": "ana"})
        is Decision.ALLOW
    )
    assert (
        decide(document, resource="arn:aws:s3:::home/bob/x", **{"aws:username": "ana"})
        is Decision.IMPLICIT_DENY
    )
    assert decide(document, resource="arn:aws:s3:::home/ana/x") is Decision.IMPLICIT_DENY


def holds(operator: str, key: str, values: tuple[Any, ...], **context: Any) -> bool:
    return condition_holds(Condition(operator, key, values), context)


@pytest.mark.parametrize(
    ("operator", "values", "actual", "expected"),
    [
        ("StringEquals", ("a",), "a", True),
        ("StringEquals", ("a",), "A", False),
        ("StringNotEquals", ("a", "b"), "b", False),
        ("StringNotEquals", ("a", "b"), "c", True),
        ("StringEqualsIgnoreCase", ("abc",), "ABC", True),
        ("StringNotEqualsIgnoreCase", ("abc",), "ABC", False),
        ("StringLike", ("team-*",), "team-a", True),
        ("StringLike", ("team-?",), "team-ab", False),
        ("StringNotLike", ("team-*",), "ops", True),
        ("NumericLessThan", (10,), "9", True),
        ("NumericLessThan", (10,), "10", False),
        ("NumericLessThanEquals", (10,), "10", True),
        ("NumericGreaterThan", ("1.5",), "2", True),
        ("NumericGreaterThanEquals", (2,), "1", False),
        ("NumericEquals", (3,), "3.0", True),
        ("NumericNotEquals", (3,), "4", True),
        ("NumericEquals", (3,), "three", False),
        ("DateLessThan", ("2030-01-01T00:00:00Z",), "2024-05-01T10:00:00Z", True),
        ("DateGreaterThan", ("2030-01-01T00:00:00Z",), "2024-05-01T10:00:00Z", False),
        ("DateEquals", ("1704067200",), "2024-01-01T00:00:00Z", True),
        ("DateNotEquals", ("2024-01-01",), "2024-01-02", True),
        ("DateLessThanEquals", ("2024-01-01T00:00:00Z",), "2024-01-01T00:00:00+00:00", True),
        ("DateGreaterThanEquals", ("2024-01-01T00:00:00Z",), "2023-12-31T23:59:59Z", False),
        ("Bool", ("true",), True, True),
        ("Bool", (False,), "false", True),
        ("Bool", ("true",), "false", False),
        ("IpAddress", ("10.0.0.0/8",), "10.1.2.3", True),
        ("IpAddress", ("10.0.0.0/8",), "11.0.0.1", False),
        ("NotIpAddress", ("10.0.0.0/8", "192.168.0.0/16"), "192.168.1.1", False),
        ("NotIpAddress", ("10.0.0.0/8",), "8.8.8.8", True),
        ("IpAddress", ("2001:db8::/32",), "2001:db8::1", True),
        ("ArnLike", ("arn:aws:iam::*:role/Admin*",), "arn:aws:iam::123456789012:role/AdminA", True),
        (
            "ArnEquals",
            ("arn:aws:sns:*:123456789012:topic",),
            "arn:aws:sns:eu-west-1:123456789012:topic",
            True,
        ),
        ("ArnNotLike", ("arn:aws:iam::*:role/Admin*",), "arn:aws:iam::123456789012:role/App", True),
        ("ArnNotEquals", ("arn:aws:iam::*:role/App",), "arn:aws:iam::123456789012:role/App", False),
        ("BinaryEquals", ("QmluYXJ5",), "QmluYXJ5", True),
    ],
)
def test_condition_operators(
    operator: str, values: tuple[Any, ...], actual: Any, expected: bool
) -> None:
    assert holds(operator, "k", values, k=actual) is expected


@pytest.mark.parametrize(
    ("operator", "expected"),
    [
        ("StringEquals", False),
        ("StringLike", False),
        ("NumericLessThan", False),
        ("DateLessThan", False),
        ("Bool", False),
        ("IpAddress", False),
        ("ArnLike", False),
        ("StringNotEquals", True),
        ("StringNotLike", True),
        ("NotIpAddress", True),
        ("ArnNotLike", True),
        ("NumericNotEquals", True),
        ("DateNotEquals", True),
        ("StringEqualsIfExists", True),
        ("StringNotEqualsIfExists", True),
        ("BoolIfExists", True),
        ("ForAnyValue:StringEquals", False),
        ("ForAllValues:StringEquals", True),
        ("ForAnyValue:StringNotEquals", False),
        ("ForAllValues:StringNotLike", True),
    ],
)
def test_missing_keys_follow_iam(operator: str, expected: bool) -> None:
    assert holds(operator, "aws:PrincipalTag/team", ("1",)) is expected


def test_null_checks_presence() -> None:
    assert holds("Null", "aws:TokenIssueTime", ("true",)) is True
    assert holds("Null", "aws:TokenIssueTime", ("true",), **{"aws:TokenIssueTime": "x"}) is False
    assert holds("Null", "aws:TokenIssueTime", ("false",), **{"aws:TokenIssueTime": "x"}) is True


def test_set_qualifiers_over_multivalued_keys() -> None:
    tags = {"aws:TagKeys": ["env", "team"]}
    assert holds("ForAllValues:StringEquals", "aws:TagKeys", ("env", "team", "cost"), **tags)
    assert not holds("ForAllValues:StringEquals", "aws:TagKeys", ("env",), **tags)
    assert holds("ForAnyValue:StringEquals", "aws:TagKeys", ("team",), **tags)
    assert not holds("ForAnyValue:StringEquals", "aws:TagKeys", ("owner",), **tags)
    assert holds("ForAllValues:StringNotEquals", "aws:TagKeys", ("owner",), **tags)
    assert not holds("ForAllValues:StringNotEquals", "aws:TagKeys", ("team",), **tags)
    assert holds("ForAnyValue:StringNotEquals", "aws:TagKeys", ("team",), **tags)
    assert holds("ForAllValues:StringEquals", "aws:TagKeys", ("x",), **{"aws:TagKeys": []})


def test_condition_keys_are_case_insensitive_and_values_may_use_variables() -> None:
    assert holds(
        "StringEquals",
        "AWS:RequestedRegion",
        ("us-east-1",),
        **{"aws:requestedregion": "us-east-1"},
    )
    assert holds(
        "StringEquals",
        "s3:prefix",
        ("home/${aws:username}",),
        **{"s3:prefix": "home/ana", "aws:username": "ana"},
    )


def test_conditions_combine_with_and_between_clauses() -> None:
    document = doc(
        allow(
            Condition={
                "StringEquals": {"aws:RequestedRegion": ["us-east-1", "eu-west-1"]},
                "Bool": {"aws:SecureTransport": "true"},
            }
        )
    )
    assert (
        decide(document, **{"aws:RequestedRegion": "eu-west-1", "aws:SecureTransport": True})
        is Decision.ALLOW
    )
    assert decide(document, **{"aws:RequestedRegion": "eu-west-1"}) is Decision.IMPLICIT_DENY


def test_unknown_operator_is_refused_not_guessed() -> None:
    with pytest.raises(UnsupportedConditionError, match="StringSortOf"):
        holds("StringSortOf", "k", ("a",), k="a")


def test_the_evaluator_implements_exactly_the_operators_iam_defines() -> None:
    from pytest_iaccompliance.iam.document import CONDITION_OPERATORS
    from pytest_iaccompliance.iam.evaluator import OPERATORS

    assert {*OPERATORS, "Null"} == CONDITION_OPERATORS


@pytest.mark.parametrize("operator", ["NullIfExists", "ForEachValue:StringEquals", "StringEqualsPlease"])
def test_operators_the_parser_refuses_are_refused_by_the_evaluator(operator: str) -> None:
    with pytest.raises(UnsupportedConditionError, match=operator):
        holds(operator, "k", ("true",), k="a")
