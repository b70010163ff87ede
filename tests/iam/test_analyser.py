from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pytest_iaccompliance import strategies as iac_st
from pytest_iaccompliance.iam import Catalogue, Check, PolicyDocument, analyse, catalogue
from pytest_iaccompliance.iam.analyser import ESCALATIONS
from pytest_iaccompliance.iam.matching import action_matches
from pytest_iaccompliance.model import Severity


def doc(*statements: dict[str, Any]) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": list(statements)}


def allow(action: Any, resource: Any = "*", **extra: Any) -> dict[str, Any]:
    return {"Effect": "Allow", "Action": action, "Resource": resource, **extra}


def checks(document: Any) -> list[tuple[Check, Severity]]:
    return [(f.check, f.severity) for f in analyse(document)]


def test_least_privilege_document_has_no_findings() -> None:
    assert (
        analyse(
            doc(
                allow(["s3:GetObject", "s3:PutObject"], "arn:aws:s3:::b/*"),
                allow("s3:ListAllMyBuckets"),
                allow("ec2:DescribeInstances"),
            )
        )
        == []
    )


def test_star_action_is_full_admin() -> None:
    findings = analyse(doc(allow("*")))
    assert [(f.check, f.severity, f.path) for f in findings] == [
        (Check.FULL_ADMIN, Severity.CRITICAL, "Statement[0].Action")
    ]
    assert "every resource" in findings[0].message


def test_service_wildcard_severity_follows_access_level() -> None:
    found = checks(doc(allow("iam:*", "arn:aws:iam::123456789012:role/x")))
    assert found[0] == (Check.SERVICE_WILDCARD, Severity.CRITICAL)
    assert (Check.PRIVILEGE_ESCALATION, Severity.CRITICAL) in found
    assert checks(doc(allow("pricing:*"))) == [(Check.SERVICE_WILDCARD, Severity.WARNING)]
    finding = analyse(doc(allow("s3:*", "arn:aws:s3:::b")))[0]
    assert "Permissions management" in finding.message


def test_star_resource_on_permissions_management_and_writes() -> None:
    findings = analyse(doc(allow(["iam:PutRolePolicy", "s3:DeleteObject", "s3:GetObject"])))
    wildcard = [f for f in findings if f.check is Check.WILDCARD_RESOURCE]
    assert [(f.severity, f.actions) for f in wildcard] == [
        (Severity.CRITICAL, ("iam:PutRolePolicy",)),
        (Severity.WARNING, ("s3:DeleteObject",)),
    ]


def test_star_resource_is_fine_for_reads_and_wildcard_only_actions() -> None:
    # ec2:DescribeInstances is List, s3:ListAllMyBuckets takes no resource ARN
    assert (
        analyse(doc(allow(["ec2:DescribeInstances", "s3:ListAllMyBuckets", "s3:GetObject"]))) == []
    )


def test_allow_with_not_forms() -> None:
    assert checks(doc({"Effect": "Allow", "NotAction": "iam:*", "Resource": "arn:aws:s3:::b"})) == [
        (Check.ALLOW_NOT_ACTION, Severity.CRITICAL)
    ]
    assert checks(
        doc({"Effect": "Allow", "Action": "s3:GetObject", "NotResource": "arn:aws:s3:::b/*"})
    ) == [(Check.ALLOW_NOT_RESOURCE, Severity.WARNING)]
    assert analyse(doc({"Effect": "Deny", "NotAction": "s3:GetObject", "Resource": "*"})) == []


@pytest.mark.parametrize(
    ("statement", "public"),
    [
        (allow("s3:GetObject", "arn:aws:s3:::b/*", Principal="*"), True),
        (allow("s3:GetObject", "arn:aws:s3:::b/*", Principal={"AWS": "*"}), True),
        (
            allow(
                "s3:GetObject",
                "arn:aws:s3:::b/*",
                Principal={"AWS": ["*"]},
                Condition={"StringEquals": {"aws:SourceVpce": "vpce-1a2b3c4d"}},
            ),
            False,
        ),
        (
            allow(
                "kms:Decrypt",
                "*",
                Principal="*",
                Condition={"StringEquals": {"kms:CallerAccount": "123456789012"}},
            ),
            False,
        ),
        (
            allow(
                "s3:GetObject",
                "arn:aws:s3:::b/*",
                Principal="*",
                Condition={"StringEqualsIfExists": {"aws:SourceAccount": "123456789012"}},
            ),
            True,
        ),
        (
            allow(
                "s3:GetObject",
                "arn:aws:s3:::b/*",
                Principal="*",
                Condition={"StringNotEquals": {"aws:PrincipalOrgID": "o-123"}},
            ),
            True,
        ),
        (
            allow(
                "s3:GetObject",
                "arn:aws:s3:::b/*",
                Principal="*",
                Condition={"Bool": {"aws:SecureTransport": "true"}},
            ),
            True,
        ),
        (
            allow(
                "s3:GetObject",
                "arn:aws:s3:::b/*",
                Principal={"AWS": "arn:aws:iam::123456789012:root"},
            ),
            False,
        ),
        ({"Effect": "Deny", "Principal": "*", "Action": "s3:*", "Resource": "*"}, False),
    ],
)
def test_public_principal_needs_a_restricting_condition(
    statement: dict[str, Any], public: bool
) -> None:
    found = [f for f in analyse(doc(statement)) if f.check is Check.PUBLIC_PRINCIPAL]
    assert bool(found) is public


@pytest.mark.parametrize(
    ("actions", "path"),
    [
        (["iam:PassRole", "ec2:RunInstances"], ("iam:PassRole", "ec2:RunInstances")),
        (["iam:PassRole", "lambda:CreateFunction"], ("iam:PassRole", "lambda:CreateFunction")),
        (["iam:CreatePolicyVersion"], ("iam:CreatePolicyVersion",)),
        (["iam:Attach*Policy"], ("iam:AttachUserPolicy",)),
        (["iam:PutUserPolicy"], ("iam:PutUserPolicy",)),
        (["iam:PutRolePolicy"], ("iam:PutRolePolicy",)),
        (["iam:UpdateAssumeRolePolicy"], ("iam:UpdateAssumeRolePolicy",)),
    ],
)
def test_privilege_escalation_paths(actions: list[str], path: tuple[str, ...]) -> None:
    findings = [
        f
        for f in analyse(doc(allow(actions, "arn:aws:iam::123456789012:role/app")))
        if f.check is Check.PRIVILEGE_ESCALATION
    ]
    assert path in [f.actions for f in findings]
    assert all(f.severity is Severity.CRITICAL for f in findings)


def test_pass_role_alone_is_not_an_escalation_path() -> None:
    document = doc(
        allow("iam:PassRole", "arn:aws:iam::123456789012:role/app"), allow("ec2:DescribeInstances")
    )
    assert [f for f in analyse(document) if f.check is Check.PRIVILEGE_ESCALATION] == []


def test_escalation_across_statements_counts() -> None:
    document = doc(
        allow("iam:PassRole", "arn:aws:iam::123456789012:role/app"),
        allow("ec2:RunInstances", "arn:aws:ec2:*:123456789012:instance/*"),
    )
    assert any(f.check is Check.PRIVILEGE_ESCALATION for f in analyse(document))


def test_unknown_actions_and_services() -> None:
    findings = analyse(
        doc(allow(["s3:GetObjcet", "nosuchservice:Get", "s3:Get*"], "arn:aws:s3:::b/*"))
    )
    unknown = [f for f in findings if f.check is Check.UNKNOWN_ACTION]
    assert [f.path for f in unknown] == ["Statement[0].Action[0]", "Statement[0].Action[1]"]
    assert "did you mean s3:GetObject" in unknown[0].message
    assert "unknown service" in unknown[1].message


def test_checks_limit_the_work() -> None:
    document = doc(allow(["*", "s3:GetObjcet"]))
    assert [f.check for f in analyse(document, checks=[Check.UNKNOWN_ACTION])] == [
        Check.UNKNOWN_ACTION
    ]


@pytest.mark.parametrize(
    ("value", "path"),
    [
        ("{not json", ""),
        ([1, 2], ""),
        ({"Statement": [{"Effect": "Allow"}]}, "Statement[0].Action"),
        ({"Statement": "x"}, "Statement"),
        (None, ""),
        (b'{"Statement": 1}', "Statement"),
    ],
)
def test_malformed_input_is_a_finding(value: Any, path: str) -> None:
    findings = analyse(value)
    assert [(f.check, f.path) for f in findings] == [(Check.MALFORMED, path)]


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False)
    | st.text(max_size=10)
    | st.sampled_from(["*", "Allow", "Deny", "s3:*", "iam:PassRole", "arn:aws:s3:::b/*"]),
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(
            st.sampled_from(
                [
                    "Version",
                    "Statement",
                    "Effect",
                    "Action",
                    "NotAction",
                    "Resource",
                    "NotResource",
                    "Principal",
                    "NotPrincipal",
                    "Condition",
                    "Sid",
                    "AWS",
                    "StringEquals",
                    "aws:SourceArn",
                    "x",
                ]
            )
            | st.text(max_size=5),
            children,
            max_size=5,
        )
    ),
    max_leaves=20,
)


@given(json_values)
def test_analyser_never_raises_on_arbitrary_json(value: Any) -> None:
    findings = analyse(value)
    assert isinstance(findings, list)
    findings_from_text = analyse(json.dumps(value))
    assert [f.check for f in findings_from_text] == [f.check for f in findings]


@given(iac_st.policy_documents(with_principal=True))
def test_analyser_reads_every_generated_document(document: PolicyDocument) -> None:
    findings = analyse(document.to_json())
    assert Check.MALFORMED not in [f.check for f in findings]
    allows_star = any(s.is_allow and "*" in (s.actions or ()) for s in document.statements)
    assert allows_star == (Check.FULL_ADMIN in [f.check for f in findings])


# --- the analysis is linear: each statement on its own, escalations over the whole document --------


def _reference(document: PolicyDocument) -> list[tuple[Any, ...]]:
    """What ``analyse`` must find, computed the slow, obvious way.

    Every statement is analysed alone, in a one-statement document, against a fresh catalogue
    (nothing remembered between statements); escalation paths are checked by matching every
    pattern of every Allow statement against every action of every path.
    """
    findings: list[tuple[Any, ...]] = []
    for index, statement in enumerate(document.statements):
        alone = PolicyDocument(statements=(statement,), version=document.version)
        fresh = Catalogue(catalogue()._definition)
        for f in analyse(alone.to_dict(), catalogue=fresh):
            if f.path.startswith("Statement[0]"):
                path = f"Statement[{index}]" + f.path.removeprefix("Statement[0]")
                findings.append((f.check, f.severity, f.message, path, f.actions))
    patterns = [
        p for s in document.statements if s.is_allow for p in s.actions or () if p != "*"
    ]
    allowed = {a for path in ESCALATIONS for a in path if any(action_matches(p, a) for p in patterns)}
    findings.extend(
        (Check.PRIVILEGE_ESCALATION, Severity.CRITICAL,
         "allows privilege escalation through " + " + ".join(path), "", path)
        for path in ESCALATIONS
        if set(path) <= allowed
    )
    return findings


@st.composite
def documents_with_misspellings(draw: st.DrawFn) -> PolicyDocument:
    document = draw(iac_st.policy_documents(max_statements=12, with_principal=True))
    statements = []
    for statement in document.statements:
        actions = list(statement.actions or ())
        for position, action in enumerate(actions):
            service, _, name = action.partition(":")
            if len(name) > 1 and "*" not in name and "?" not in name and draw(st.booleans()):
                cut = draw(st.integers(0, len(name) - 1))
                actions[position] = f"{service}:{name[:cut]}{name[cut + 1:]}"
        statements.append(replace(statement, actions=tuple(actions)) if statement.actions else statement)
    return replace(document, statements=tuple(statements))


@settings(max_examples=75, deadline=None)
@given(documents_with_misspellings())
def test_analysis_agrees_with_the_statement_by_statement_reference(document: PolicyDocument) -> None:
    found = [(f.check, f.severity, f.message, f.path, f.actions) for f in analyse(document.to_json())]
    assert found == _reference(document)


def test_a_misspelling_repeated_across_statements_is_matched_once(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import difflib

    searches: list[str] = []
    original = difflib.SequenceMatcher.set_seq2

    def counting(self: difflib.SequenceMatcher[str], word: str) -> None:
        searches.append(word)
        original(self, word)

    monkeypatch.setattr(difflib.SequenceMatcher, "set_seq2", counting)
    statements = [allow(["ec2:DescribeInstancez", "s3:GetObjcet"], f"arn:aws:s3:::b{i}/*") for i in range(40)]
    findings = analyse(doc(*statements), catalogue=Catalogue(catalogue()._definition))
    assert len([f for f in findings if f.check is Check.UNKNOWN_ACTION]) == 80
    assert "did you mean ec2:DescribeInstances" in findings[0].message
    assert sorted(w for w in searches if w) == ["describeinstancez", "getobjcet"]


# --- documents AWS rejects or reads differently than written ---------------------------------------


def test_an_operator_iam_does_not_define_is_a_finding_naming_statement_and_operator() -> None:
    typo = allow("s3:GetObject", Condition={"StringEqualsPlease": {"aws:PrincipalTag/team": "data"}})
    findings = analyse(doc(allow("s3:ListBucket", "arn:aws:s3:::b"), typo))
    assert [(f.check, f.path) for f in findings] == [
        (Check.MALFORMED, "Statement[1].Condition.StringEqualsPlease")
    ]
    assert "unknown condition operator 'StringEqualsPlease' (did you mean StringEquals?)" in findings[0].message


def test_an_operator_iam_does_not_define_in_a_document_built_as_objects() -> None:
    from pytest_iaccompliance.iam import Condition, Effect, Statement

    built = PolicyDocument(
        statements=(
            Statement(Effect.ALLOW, actions=("s3:GetObject",), resources=("*",),
                      conditions=(Condition("ForEachValue:StringLike", "aws:TagKeys", ("env",)),)),
        )
    )
    findings = analyse(built)
    assert [(f.check, f.path) for f in findings] == [
        (Check.MALFORMED, "Statement[0].Condition.ForEachValue:StringLike")
    ]
    assert "unknown set qualifier 'ForEachValue:'" in findings[0].message


HOME = "arn:aws:s3:::home/${aws:username}/*"


@pytest.mark.parametrize(
    ("document", "expected"),
    [
        ({"Statement": [allow("s3:GetObject", "arn:aws:s3:::b/*")]}, [(Severity.WARNING, "Version")]),
        ({"Version": None, "Statement": [allow("s3:GetObject", "arn:aws:s3:::b/*")]}, [(Severity.WARNING, "Version")]),
        ({"Statement": [allow("s3:GetObject", "arn:aws:s3:::b/*"), allow("s3:GetObject", HOME)]},
         [(Severity.CRITICAL, "Statement[1].Resource[0]")]),
        ({"Version": "2008-10-17", "Statement": {"Effect": "Deny", "Action": "s3:*", "NotResource": HOME}},
         [(Severity.CRITICAL, "Statement.NotResource[0]")]),
        ({"Version": "2008-10-17", "Statement": [
            allow("s3:ListBucket", "arn:aws:s3:::b",
                  Condition={"StringLike": {"s3:prefix": ["home/${aws:username}/*", "${aws:PrincipalTag/team}/*"]}})]},
         [(Severity.CRITICAL, "Statement[0].Condition.StringLike.s3:prefix")]),
        ({"Version": "2008-10-17", "Statement": [allow("s3:GetObject", "arn:aws:s3:::b/*")]}, []),
        # Numeric values and Terraform references are not policy variables
        ({"Version": "2008-10-17", "Statement": [
            allow("s3:ListBucket", "${aws_s3_bucket.b.arn}",
                  Condition={"NumericLessThan": {"s3:max-keys": "${var.limit}"}})]}, []),
        (doc(allow("s3:GetObject", HOME)), []),
    ],
)
def test_version(document: dict[str, Any], expected: list[tuple[Severity, str]]) -> None:
    found = [(f.severity, f.path) for f in analyse(document) if f.check is Check.VERSION]
    assert found == expected


def test_version_messages_say_why() -> None:
    (missing,) = analyse({"Statement": [allow("s3:GetObject", "arn:aws:s3:::b/*")]})
    assert missing.message == (
        'no Version: IAM reads the document as 2008-10-17, which has no policy variables; state "Version": '
        '"2012-10-17"'
    )
    (variables,) = analyse(
        {"Version": "2008-10-17", "Statement": [allow("s3:GetObject", [HOME, "arn:aws:s3:::${aws:userid}/*"])]}
    )
    assert variables.message == (
        "policy variables ${aws:username} and 1 more are not substituted under Version 2008-10-17: each "
        'matches only its literal text; state "Version": "2012-10-17"'
    )


def test_a_version_iam_does_not_define_is_malformed() -> None:
    findings = analyse({"Version": "2012-10-18", "Statement": [allow("s3:GetObject", "arn:aws:s3:::b/*")]})
    assert [(f.check, f.path) for f in findings] == [(Check.MALFORMED, "Version")]
