"""The builder's meaning, checked with the evaluator: its guardrails never cancel its grants.

The seed's ``LeastPrivilegeIAMGenerator`` fails the same property: its Deny on ``*`` for principals
not named ``ApprovedAdmin*`` also denies the actions it grants to everyone else.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from hypothesis import HealthCheck, find, given, settings
from hypothesis import strategies as st

from pytest_iaccompliance import strategies as iac_st
from pytest_iaccompliance.iam import (
    Decision,
    PolicyBuilder,
    PolicyBuilderError,
    PolicyDocument,
    Request,
    analyse,
    catalogue,
    evaluate,
)
from pytest_iaccompliance.iam.matching import action_matches, arn_matches
from pytest_iaccompliance.model import Severity

APPROVED = "arn:aws:iam::*:role/ApprovedAdmin*"


class LeastPrivilegeIAMGenerator:
    """The seed's generator, verbatim in behaviour."""

    def __init__(self, service: str, actions: list[str], resource_arns: list[str]) -> None:
        self.service, self.actions, self.resource_arns = service, actions, resource_arns

    def build_policy(self) -> dict[str, Any]:
        return {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Action": [f"{self.service}:{a}" for a in self.actions],
                    "Resource": self.resource_arns,
                    "Condition": {"StringEquals": {"aws:RequestedRegion": "us-east-1"}},
                },
                {
                    "Effect": "Deny",
                    "Action": ["*"],
                    "Resource": "*",
                    "Condition": {
                        "StringNotLike": {"aws:PrincipalArn": "arn:aws:iam::*:role/ApprovedAdmin*"}
                    },
                },
            ],
        }


@dataclass(frozen=True)
class Spec:
    actions: tuple[str, ...]
    buckets: tuple[str, ...]
    regions: tuple[str, ...]

    def resources(self) -> list[str]:
        return [f"arn:aws:s3:::{b}/*" for b in self.buckets]

    def build(self) -> PolicyDocument:
        return (
            PolicyBuilder("s3")
            .allow(self.actions, self.resources())
            .deny_outside_regions(self.regions)
            .deny_insecure_transport()
            .restrict_other_actions([APPROVED])
            .build()
        )


_scopable = [
    i.name
    for i in catalogue().actions("s3")
    if i.access_level in ("Read", "Write") and "object" in i.resource_types
]
specs = st.builds(
    Spec,
    st.lists(st.sampled_from(_scopable), min_size=1, max_size=4, unique=True).map(tuple),
    st.lists(
        st.sampled_from(["iac-data", "iac-logs", "iac-web"]), min_size=1, max_size=2, unique=True
    ).map(tuple),
    st.lists(iac_st.regions(), min_size=1, max_size=2, unique=True).map(tuple),
)
keys = st.text("abcdefghij/-_.0123456789", min_size=1, max_size=12)
principal_arns = st.one_of(
    st.builds(
        "arn:aws:iam::{}:role/{}".format,
        iac_st.account_ids(),
        st.sampled_from(["App", "ci-deployer", "ApprovedAdminAlice", "ApprovedAdmin"]),
    ),
    st.builds(
        "arn:aws:iam::{}:user/{}".format, iac_st.account_ids(), st.sampled_from(["ana", "bo"])
    ),
)


@dataclass(frozen=True)
class GrantedCase:
    """A request for one of the grants, from any principal, in an approved region, over TLS."""

    action: str
    resource: str
    principal: str
    region: str


@st.composite
def granted_cases(draw: st.DrawFn, spec: Spec) -> GrantedCase:
    return GrantedCase(
        f"s3:{draw(st.sampled_from(spec.actions))}",
        f"arn:aws:s3:::{draw(st.sampled_from(spec.buckets))}/{draw(keys)}",
        draw(principal_arns),
        draw(st.sampled_from(spec.regions)),
    )


def decision(document: Any, case: GrantedCase) -> Decision:
    context = {
        "aws:RequestedRegion": case.region,
        "aws:SecureTransport": "true",
        "aws:PrincipalArn": case.principal,
    }
    return evaluate(document, Request(case.action, case.resource, case.principal, context)).decision


@given(st.data(), specs)
def test_builder_never_denies_its_own_grants(data: st.DataObject, spec: Spec) -> None:
    case = data.draw(granted_cases(spec))
    assert decision(spec.build(), case) is Decision.ALLOW


@given(specs, st.data())
def test_builder_never_allows_anything_outside_its_grants(spec: Spec, data: st.DataObject) -> None:
    document = spec.build()
    action = data.draw(
        st.one_of(
            st.sampled_from([f"s3:{a}" for a in spec.actions]),
            iac_st.actions("s3"),
            iac_st.actions("iam"),
        )
    )
    resource = data.draw(
        st.one_of(
            st.builds("arn:aws:s3:::{}/{}".format, st.sampled_from(spec.buckets), keys),
            iac_st.arns("s3"),
            iac_st.arns("iam"),
        )
    )
    context = {
        "aws:RequestedRegion": data.draw(iac_st.regions()),
        "aws:SecureTransport": data.draw(st.sampled_from(["true", "false"])),
        "aws:PrincipalArn": data.draw(principal_arns),
    }
    result = evaluate(document, Request(action, resource, context["aws:PrincipalArn"], context))
    if result.decision is Decision.ALLOW:
        assert any(action_matches(a, action) for a in document.statements[0].actions or ())
        assert any(arn_matches(r, resource) for r in spec.resources())
        assert context["aws:RequestedRegion"] in spec.regions
        assert context["aws:SecureTransport"] == "true"


def test_seed_generator_denies_its_own_grants() -> None:
    """The same property over the seed's policy finds a counterexample: a non-admin principal."""
    seed = LeastPrivilegeIAMGenerator(
        "s3", ["GetObject", "PutObject"], ["arn:aws:s3:::secure-bucket/*"]
    ).build_policy()
    spec = Spec(("GetObject", "PutObject"), ("secure-bucket",), ("us-east-1",))
    counterexample = find(
        granted_cases(spec),
        lambda case: decision(seed, case) is not Decision.ALLOW,
        settings=settings(database=None, max_examples=200, suppress_health_check=list(HealthCheck)),
    )
    assert decision(seed, counterexample) is Decision.EXPLICIT_DENY
    assert "ApprovedAdmin" not in counterexample.principal
    assert decision(spec.build(), counterexample) is Decision.ALLOW


def test_principal_guardrail_denies_other_actions_outside_the_approved_set() -> None:
    document = Spec(("GetObject",), ("iac-data",), ("us-east-1",)).build()
    context = {"aws:RequestedRegion": "us-east-1", "aws:SecureTransport": "true"}

    def other(principal: str) -> Decision:
        return evaluate(
            document,
            Request(
                "s3:DeleteBucket",
                "arn:aws:s3:::iac-data",
                principal,
                {**context, "aws:PrincipalArn": principal},
            ),
        ).decision

    assert other("arn:aws:iam::123456789012:role/App") is Decision.EXPLICIT_DENY
    assert other("arn:aws:iam::123456789012:role/ApprovedAdminAlice") is Decision.IMPLICIT_DENY


@given(specs)
def test_builder_output_has_no_analyser_findings(spec: Spec) -> None:
    findings = analyse(spec.build())
    assert [f for f in findings if f.severity is Severity.CRITICAL] == []
    assert findings == []


def test_wildcard_actions_need_an_explicit_opt_in() -> None:
    with pytest.raises(PolicyBuilderError, match="allow_wildcard_actions=True"):
        PolicyBuilder("s3").allow(["Get*"], ["arn:aws:s3:::b/*"])
    document = (
        PolicyBuilder("s3")
        .allow(["Get*"], ["arn:aws:s3:::b/*"], allow_wildcard_actions=True)
        .build()
    )
    assert document.statements[0].actions == ("s3:Get*",)


def test_star_resource_on_writes_needs_an_explicit_opt_in() -> None:
    with pytest.raises(PolicyBuilderError, match=r"s3:PutObject.*allow_wildcard_resources=True"):
        PolicyBuilder("s3").allow(["GetObject", "PutObject"], ["*"])
    assert PolicyBuilder("s3").allow(["GetObject", "ListAllMyBuckets"], ["*"]).build()
    assert PolicyBuilder("s3").allow(["PutObject"], ["*"], allow_wildcard_resources=True).build()


def test_unknown_actions_are_refused_with_suggestions() -> None:
    with pytest.raises(
        PolicyBuilderError, match=r"unknown IAM action 's3:GetObjcet'.*s3:GetObject"
    ):
        PolicyBuilder("s3").allow(["GetObjcet"], ["arn:aws:s3:::b/*"])


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda b: b.build(), "grants nothing"),
        (lambda b: b.allow([], ["arn:aws:s3:::b"]), "at least one action"),
        (lambda b: b.allow(["GetObject"], []), "resource"),
        (lambda b: b.deny_outside_regions([]), "region"),
        (lambda b: b.restrict_other_actions([]), "approved principal"),
    ],
)
def test_incomplete_requests_are_refused(call: Any, message: str) -> None:
    with pytest.raises(PolicyBuilderError, match=message):
        call(PolicyBuilder("s3"))


def test_a_condition_operator_iam_does_not_define_is_refused() -> None:
    with pytest.raises(PolicyBuilderError, match=r"'StringEqualsPlease' \(did you mean StringEquals\?\)"):
        PolicyBuilder("s3").allow(
            ["GetObject"], ["arn:aws:s3:::b/*"], conditions={"StringEqualsPlease": {"aws:username": "a"}}
        )
