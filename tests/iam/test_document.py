from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pytest_iaccompliance import strategies as iac_st
from pytest_iaccompliance.iam import (
    Effect,
    PolicyDocument,
    PolicyDocumentError,
    Principal,
    parse_policy,
)
from pytest_iaccompliance.iam.document import CONDITION_OPERATORS, SET_QUALIFIERS, operator_problem


def test_every_legal_shape_parses_to_one_model() -> None:
    as_strings = {
        "Version": "2012-10-17",
        "Statement": {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*"},
    }
    as_lists = {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Action": ["s3:GetObject"], "Resource": ["arn:aws:s3:::b/*"]}
        ],
    }
    assert parse_policy(as_strings) == parse_policy(as_lists) == parse_policy(json.dumps(as_lists))


@pytest.mark.parametrize(
    ("principal", "expected"),
    [
        ("*", Principal(wildcard=True)),
        ({"AWS": "*"}, Principal((("AWS", ("*",)),))),
        (
            {"AWS": ["arn:aws:iam::123456789012:root", "210987654321"]},
            Principal((("AWS", ("arn:aws:iam::123456789012:root", "210987654321")),)),
        ),
        ({"Service": "lambda.amazonaws.com"}, Principal((("Service", ("lambda.amazonaws.com",)),))),
        (
            {"Federated": "cognito-identity.amazonaws.com"},
            Principal((("Federated", ("cognito-identity.amazonaws.com",)),)),
        ),
        (
            {"CanonicalUser": "79a59df900b949e55d96a1e698fbaced"},
            Principal((("CanonicalUser", ("79a59df900b949e55d96a1e698fbaced",)),)),
        ),
    ],
)
def test_principal_forms(principal: Any, expected: Principal) -> None:
    document = parse_policy(
        {"Statement": [{"Effect": "Allow", "Principal": principal, "Action": "sts:AssumeRole"}]}
    )
    assert document.statements[0].principal == expected
    assert document.statements[0].principal.is_everyone == (principal in ("*", {"AWS": "*"}))


def test_conditions_keep_operator_key_and_typed_values() -> None:
    document = parse_policy(
        {
            "Statement": [
                {
                    "Effect": "Deny",
                    "NotAction": "iam:*",
                    "NotResource": "arn:aws:iam::*:role/x",
                    "Condition": {
                        "Bool": {"aws:SecureTransport": False},
                        "ForAnyValue:StringLikeIfExists": {"aws:TagKeys": ["a*", "b"]},
                        "NumericLessThan": {"aws:MultiFactorAuthAge": 3600},
                    },
                }
            ]
        }
    )
    statement = document.statements[0]
    assert statement.effect is Effect.DENY
    assert statement.not_actions == ("iam:*",)
    assert statement.not_resources == ("arn:aws:iam::*:role/x",)
    clause = statement.conditions[1]
    assert (clause.qualifier, clause.base_operator, clause.if_exists) == (
        "ForAnyValue",
        "StringLike",
        True,
    )
    assert statement.conditions[0].values == (False,)
    assert statement.conditions[2].values == (3600,)


@pytest.mark.parametrize(
    ("document", "path", "words"),
    [
        (
            {
                "Statement": [
                    {"Effect": "Allow", "Action": "s3:GetObject"},
                    {"Effect": "allow", "Action": "s3:GetObject"},
                ]
            },
            "Statement[1].Effect",
            '"Allow" or "Deny"',
        ),
        ({"Statement": [{"Effect": "Allow"}]}, "Statement[0].Action", "required"),
        (
            {"Statement": [{"Effect": "Allow", "Action": ["s3:GetObject", 3]}]},
            "Statement[0].Action[1]",
            "string",
        ),
        (
            {"Statement": [{"Effect": "Allow", "Action": "GetObject"}]},
            "Statement[0].Action",
            "not an action",
        ),
        (
            {"Statement": {"Effect": "Allow", "Action": "s3:*", "Principal": {"Users": "x"}}},
            "Statement.Principal.Users",
            "principal kind",
        ),
        (
            {
                "Statement": [
                    {"Effect": "Allow", "Action": "s3:*", "Resource": "*", "NotResource": "*"}
                ]
            },
            "Statement[0].NotResource",
            "mutually exclusive",
        ),
        (
            {
                "Statement": [
                    {"Effect": "Allow", "Action": "s3:*", "Condition": {"Bool": {"k": None}}}
                ]
            },
            "Statement[0].Condition.Bool.k",
            "null",
        ),
        (
            {"Statement": [{"Effect": "Allow", "Action": "s3:*", "Resourse": "*"}]},
            "Statement[0].Resourse",
            "unknown statement element",
        ),
        ({"Version": "2020-01-01", "Statement": []}, "Version", "2012-10-17"),
        ({"Version": "2012-10-17"}, "Statement", "required"),
    ],
)
def test_malformed_documents_name_the_path(document: Any, path: str, words: str) -> None:
    with pytest.raises(PolicyDocumentError) as caught:
        parse_policy(document)
    assert caught.value.path == path
    assert str(caught.value).startswith(f"{path}: ")
    assert words in str(caught.value)


def test_invalid_json_text_is_a_document_error() -> None:
    with pytest.raises(PolicyDocumentError, match="not valid JSON"):
        parse_policy('{"Statement": [')


def test_canonical_json_is_stable_and_compact() -> None:
    text = parse_policy(
        {
            "Statement": [
                {
                    "Resource": ["a", "b"],
                    "Action": ["s3:GetObject"],
                    "Effect": "Allow",
                    "Sid": "Read",
                }
            ]
        }
    ).to_json()
    assert text == (
        '{"Statement":[{"Sid":"Read","Effect":"Allow","Action":"s3:GetObject",'
        '"Resource":["a","b"]}]}'
    )


@given(iac_st.policy_documents(with_principal=True))
def test_render_then_parse_round_trips(document: PolicyDocument) -> None:
    assert parse_policy(document.to_json()) == document
    assert parse_policy(document.to_dict()).to_json() == document.to_json()


@given(iac_st.policy_documents(), st.randoms(use_true_random=False))
def test_list_and_string_spellings_are_the_same_document(
    document: PolicyDocument, random: Any
) -> None:
    """Wrap every single value in a list (or unwrap one-element lists): the meaning is unchanged."""

    def respell(value: Any) -> Any:
        if isinstance(value, dict):
            return {
                k: respell(v) if k not in ("Effect", "Sid", "Version") else v
                for k, v in value.items()
            }
        if isinstance(value, list) and len(value) == 1 and random.random() < 0.5:
            return value[0]
        if isinstance(value, (str, bool, int, float)) and random.random() < 0.5:
            return [value]
        return value

    data = document.to_dict()
    data["Statement"] = [respell(s) for s in data["Statement"]]
    assert parse_policy(data) == document


# --- condition operators: the ones IAM defines, and nothing else ----------------------------------


def _with_condition(operator: str, single: bool = False) -> dict[str, Any]:
    statement = {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*",
                 "Condition": {operator: {"aws:PrincipalTag/team": "data"}}}
    return {"Version": "2012-10-17",
            "Statement": statement if single else [{"Effect": "Deny", "Action": "s3:*", "Resource": "*"}, statement]}


VALID_OPERATORS = sorted(
    qualifier + base + suffix
    for base in CONDITION_OPERATORS
    for qualifier in ("", *(q + ":" for q in SET_QUALIFIERS))
    for suffix in (("",) if base == "Null" else ("", "IfExists"))
)


@pytest.mark.parametrize("operator", VALID_OPERATORS)
def test_every_operator_iam_defines_parses(operator: str) -> None:
    (clause,) = parse_policy(_with_condition(operator)).statements[1].conditions
    assert clause.operator == operator
    assert operator_problem(operator) is None


@pytest.mark.parametrize(
    ("operator", "words"),
    [
        ("StringEqualsPlease", "unknown condition operator 'StringEqualsPlease' (did you mean StringEquals?)"),
        ("ForAnyValue:StringLikee", "unknown condition operator 'ForAnyValue:StringLikee' (did you mean "
         "ForAnyValue:StringLike?)"),
        ("NumericLessThanEqualIfExists", "(did you mean NumericLessThanEqualsIfExists?)"),
        ("stringequals", "(did you mean StringEquals?)"),
        ("ForEachValue:StringEquals", "unknown set qualifier 'ForEachValue:'"),
        ("ForAllValues:ForAnyValue:StringEquals", "unknown set qualifier 'ForAllValues:ForAnyValue:'"),
        ("NullIfExists", "Null takes no IfExists suffix"),
        ("IfExists", "unknown condition operator 'IfExists'"),
        ("Equals", "unknown condition operator 'Equals'"),
    ],
)
def test_an_operator_iam_does_not_define_is_malformed(operator: str, words: str) -> None:
    with pytest.raises(PolicyDocumentError) as caught:
        parse_policy(_with_condition(operator))
    assert caught.value.path == f"Statement[1].Condition.{operator}"
    assert words in caught.value.reason
    with pytest.raises(PolicyDocumentError) as single:
        parse_policy(json.dumps(_with_condition(operator, single=True)))
    assert single.value.path == f"Statement.Condition.{operator}"


@pytest.mark.parametrize("version", ["2012-10-18", "2012-10-17 ", "latest", 2012])
def test_a_version_iam_does_not_define_is_malformed(version: Any) -> None:
    document = {"Version": version, "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}
    with pytest.raises(PolicyDocumentError) as caught:
        parse_policy(document)
    assert caught.value.path == "Version"
