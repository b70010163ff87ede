"""AWS-IAM-009: a policy whose own Deny cancels its own Allows for the principal it is attached to.

The seed's generator writes Allow statements plus ``Deny *`` unless ``aws:PrincipalArn`` is
``ApprovedAdmin*``; attached to any other role it grants nothing. Each attachment form is covered,
with the principal's ARN read from the resource set (or built from its name when the account is
unknown), in cdktf JSON here and in Pulumi programs in tests/pulumi.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from pytest_iaccompliance.policies.engine import evaluate
from tests.policies.conftest import POLICIES, cdktf_document, load_resources, run_policy

P, F, U = "passed", "failed", "unknown"
TRUST = json.dumps({"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}]})
ALLOW_READ = {"Effect": "Allow", "Action": ["s3:GetObject", "s3:ListBucket"],
              "Resource": ["arn:aws:s3:::data", "arn:aws:s3:::data/*"]}
DENY_UNLESS_ADMIN = {"Effect": "Deny", "Action": "*", "Resource": "*",
                     "Condition": {"ArnNotLike": {"aws:PrincipalArn": "arn:aws:iam::*:role/ApprovedAdmin*"}}}


def document(*statements: dict[str, Any]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


SEED_POLICY = document(ALLOW_READ, DENY_UNLESS_ADMIN)


def attached(role: dict[str, Any], policy: str = SEED_POLICY) -> dict[str, dict[str, Any]]:
    return {
        "aws_iam_role": {"r": {"assume_role_policy": TRUST, **role}},
        "aws_iam_policy": {"lp": {"name": "least-privilege", "policy": policy}},
        "aws_iam_role_policy_attachment": {"a": {"role": "${aws_iam_role.r.name}",
                                                 "policy_arn": "${aws_iam_policy.lp.arn}"}},
    }


def outcome(resources: dict[str, dict[str, Any]], address: str = "aws_iam_role.r") -> tuple[str, str] | None:
    return run_policy(load_resources(cdktf_document(resources)), "AWS-IAM-009").get(address)


def test_the_seeds_policy_on_an_ordinary_role_is_critical() -> None:
    result = outcome(attached({"name": "app-worker"}))
    assert result == (F, "aws_iam_role.r: aws_iam_policy.lp (attached by aws_iam_role_policy_attachment.a) denies "
                         "everything it allows to this role (s3:GetObject, s3:ListBucket)")


def test_the_message_names_a_known_arn() -> None:
    arn = "arn:aws:iam::111122223333:role/app-worker"
    result = outcome(attached({"name": "app-worker", "arn": arn}))
    assert result is not None
    assert result[1].endswith(f"denies everything it allows to {arn} (s3:GetObject, s3:ListBucket)")


@pytest.mark.parametrize("role", [
    pytest.param({"name": "ApprovedAdminOps"}, id="approved-name-any-account"),
    pytest.param({"name": "ApprovedAdmin", "arn": "arn:aws:iam::111122223333:role/ApprovedAdmin"}, id="known-arn"),
])
def test_an_approved_principal_keeps_its_allows(role: dict[str, Any]) -> None:
    assert outcome(attached(role)) == (P, "compliant")


def test_a_deny_guarded_by_request_context_does_not_cancel() -> None:
    """A Deny outside the corporate network applies to some calls only: the Allows still grant."""
    guarded = {**DENY_UNLESS_ADMIN, "Condition": {"NotIpAddress": {"aws:SourceIp": "203.0.113.0/24"}}}
    assert outcome(attached({"name": "app"}, document(ALLOW_READ, guarded))) == (P, "compliant")


def test_a_deny_carving_out_part_of_an_allow_is_a_guardrail() -> None:
    policy = document({"Effect": "Allow", "Action": "s3:*", "Resource": "*"},
                      {"Effect": "Deny", "Action": "s3:DeleteBucket", "Resource": "*"})
    assert outcome(attached({"name": "app"}, policy)) == (P, "compliant")


def test_one_cancelled_statement_among_several_is_named() -> None:
    policy = document(ALLOW_READ, {"Effect": "Allow", "Action": "sqs:SendMessage", "Resource": "*"},
                      {"Effect": "Deny", "Action": "sqs:*", "Resource": "*"})
    assert outcome(attached({"name": "app"}, policy)) == (
        F, "aws_iam_role.r: aws_iam_policy.lp (attached by aws_iam_role_policy_attachment.a) denies its own Allow "
           "of sqs:SendMessage to this role")


def test_a_role_whose_name_is_unknown_cannot_be_judged_when_the_deny_reads_it() -> None:
    result = outcome(attached({"name": "${var.role_name}"}))
    assert result is not None
    assert result[0] == U
    assert "depends on its name and account" in result[1]


def test_an_unconditional_deny_cancels_whatever_the_name() -> None:
    policy = document(ALLOW_READ, {"Effect": "Deny", "Action": "s3:*", "Resource": "*"})
    result = outcome(attached({"name": "${var.role_name}"}, policy))
    assert result is not None
    assert result[0] == F


def test_inline_forms_and_users() -> None:
    resources = {
        "aws_iam_role": {"inline": {"name": "inline-app", "assume_role_policy": TRUST,
                                    "inline_policy": [{"name": "p", "policy": SEED_POLICY}]},
                         "separate": {"name": "separate-app", "assume_role_policy": TRUST}},
        "aws_iam_role_policy": {"rp": {"role": "${aws_iam_role.separate.id}", "policy": SEED_POLICY}},
        "aws_iam_user": {"u": {"name": "deployer"}},
        "aws_iam_policy": {"lp": {"name": "lp", "policy": document(
            ALLOW_READ, {"Effect": "Deny", "Action": "*", "Resource": "*",
                         "Condition": {"StringNotLike": {"aws:username": "admin-*"}}})}},
        "aws_iam_user_policy_attachment": {"ua": {"user": "deployer", "policy_arn": "${aws_iam_policy.lp.arn}"}},
    }
    findings = run_policy(load_resources(cdktf_document(resources)), "AWS-IAM-009")
    assert {address: status for address, (status, _) in findings.items()} == {
        "aws_iam_role.inline": F, "aws_iam_role.separate": F, "aws_iam_user.u": F}
    assert findings["aws_iam_role.inline"][1].startswith("aws_iam_role.inline: inline_policy[0] denies everything")
    assert findings["aws_iam_role.separate"][1].startswith("aws_iam_role.separate: aws_iam_role_policy.rp denies")


def test_policy_attachment_lists_and_document_data_sources() -> None:
    resources = {
        "aws_iam_role": {"r": {"name": "app", "assume_role_policy": TRUST}},
        "aws_iam_policy": {"lp": {"name": "lp", "policy": "${data.aws_iam_policy_document.lp.json}"}},
        "aws_iam_policy_attachment": {"pa": {"name": "pa", "roles": ["${aws_iam_role.r.name}"],
                                             "policy_arn": "${aws_iam_policy.lp.arn}"}},
    }
    data = {"aws_iam_policy_document": {"lp": {"statement": [
        {"effect": "Allow", "actions": ["s3:GetObject"], "resources": ["*"]},
        {"effect": "Deny", "actions": ["*"], "resources": ["*"],
         "condition": [{"test": "ArnNotLike", "variable": "aws:PrincipalArn",
                        "values": ["arn:aws:iam::*:role/ApprovedAdmin*"]}]}]}}}
    findings = run_policy(load_resources(cdktf_document(resources, data=data)), "AWS-IAM-009")
    assert findings["aws_iam_role.r"][0] == F


def test_a_principal_without_attached_policies_is_not_judged() -> None:
    assert outcome({"aws_iam_role": {"r": {"name": "app", "assume_role_policy": TRUST}}}) is None


def test_allows_with_values_known_only_after_apply_cancel_nothing() -> None:
    # Regression: an Allow-only policy whose Resource is another resource's ARN was "cannot evaluate".
    allow_logs = {"Effect": "Allow", "Action": ["logs:PutLogEvents"], "Resource": "${aws_cloudwatch_log_group.g.arn}"}
    resources = attached({"name": "flow-logs"}, document(allow_logs))
    resources["aws_cloudwatch_log_group"] = {"g": {"name": "flow-logs"}}
    result = outcome(resources)
    assert result is not None
    assert result[0] == P


def test_a_deny_beside_values_known_only_after_apply_stays_undecided() -> None:
    allow_logs = {"Effect": "Allow", "Action": ["logs:PutLogEvents"], "Resource": "${aws_cloudwatch_log_group.g.arn}"}
    resources = attached({"name": "flow-logs"}, document(allow_logs, DENY_UNLESS_ADMIN))
    resources["aws_cloudwatch_log_group"] = {"g": {"name": "flow-logs"}}
    result = outcome(resources)
    assert result is not None
    assert result[0] in (U, F)


def test_each_attachment_is_read_once_for_the_whole_set(monkeypatch: pytest.MonkeyPatch) -> None:
    """Who attaches what is read once per resource set: with a role per attachment, a rule that walked every
    attachment for every role would resolve each reference once per role (quadratic on a large plan)."""
    count = 60
    resources: dict[str, dict[str, Any]] = {"aws_iam_role": {}, "aws_iam_policy": {},
                                            "aws_iam_role_policy_attachment": {}}
    for i in range(count):
        resources["aws_iam_role"][f"r{i}"] = {"name": f"app-{i}", "assume_role_policy": TRUST}
        resources["aws_iam_policy"][f"p{i}"] = {"name": f"p-{i}", "policy": SEED_POLICY}
        resources["aws_iam_role_policy_attachment"][f"a{i}"] = {"role": f"${{aws_iam_role.r{i}.name}}",
                                                                "policy_arn": f"${{aws_iam_policy.p{i}.arn}}"}
    loaded = load_resources(cdktf_document(resources))
    calls = 0
    resolve = type(loaded).resolve

    def counting(self: Any, value: object) -> Any:
        nonlocal calls
        calls += 1
        return resolve(self, value)

    monkeypatch.setattr(type(loaded), "resolve", counting)
    outcomes = run_policy(loaded, "AWS-IAM-009")
    assert [outcomes[f"aws_iam_role.r{i}"][0] for i in range(count)] == [F] * count
    assert calls <= 4 * count


def test_documents_parsed_once_are_judged_each_on_its_own() -> None:
    """The IAM rules and this one share one parse per document text: two policies with different documents
    keep their own verdicts, and one text attached to two roles is judged for each role."""
    star = document({"Effect": "Allow", "Action": "*", "Resource": "*"})
    resources: dict[str, dict[str, Any]] = {
        "aws_iam_role": {name: {"name": role, "assume_role_policy": TRUST}
                         for name, role in (("worker", "app-worker"), ("admin", "ApprovedAdminOps"),
                                            ("ops", "ops"))},
        "aws_iam_policy": {"seed": {"name": "seed", "policy": SEED_POLICY},
                           "star": {"name": "star", "policy": star}},
        "aws_iam_role_policy_attachment": {
            f"{role}_{policy}": {"role": f"${{aws_iam_role.{role}.name}}",
                                 "policy_arn": f"${{aws_iam_policy.{policy}.arn}}"}
            for role, policy in (("worker", "seed"), ("admin", "seed"), ("ops", "star"))
        },
    }
    loaded = load_resources(cdktf_document(resources))
    findings = evaluate(loaded, [POLICIES["AWS-IAM-001"], POLICIES["AWS-IAM-009"]])
    verdicts = {(f.policy_id, f.address): f.status.value for f in findings}
    assert verdicts == {
        ("AWS-IAM-001", "aws_iam_policy.seed"): P, ("AWS-IAM-001", "aws_iam_policy.star"): F,
        ("AWS-IAM-009", "aws_iam_role.worker"): F, ("AWS-IAM-009", "aws_iam_role.admin"): P,
        ("AWS-IAM-009", "aws_iam_role.ops"): P,
    }


def test_a_document_is_parsed_once_for_every_iam_rule(monkeypatch: pytest.MonkeyPatch) -> None:
    """JSON text read by the IAM rules' analysis and by this rule is parsed once per evaluation."""
    loaded = load_resources(cdktf_document(attached({"name": "app-worker"})))
    texts: list[str] = []
    loads = json.loads

    def counting(text: Any, **kwargs: Any) -> Any:
        texts.append(text)
        return loads(text, **kwargs)

    monkeypatch.setattr(json, "loads", counting)
    findings = evaluate(loaded, [POLICIES[i] for i in ("AWS-IAM-001", "AWS-IAM-008", "AWS-IAM-009")])
    assert ("AWS-IAM-009", "aws_iam_role.r", F) in {(f.policy_id, f.address, f.status.value) for f in findings}
    assert sorted(texts) == sorted([SEED_POLICY, TRUST])
