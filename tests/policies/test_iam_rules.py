"""One compliant and one non-compliant case per IAM rule, in cdktf's synthesized JSON (documents
written with ``jsonencode`` arrive as JSON strings) and in Pulumi's shape (documents as objects)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from pytest_iaccompliance.model import FindingStatus, Resource, ResourceSet, SourceLocation
from pytest_iaccompliance.policies.builtin import builtin_policies
from pytest_iaccompliance.policies.engine import evaluate
from pytest_iaccompliance.policies.rules import iam as rules
from pytest_iaccompliance.sources.terraform_json import resources_from_config
from tests.runs import MODES, run

if TYPE_CHECKING:
    from pytest_iaccompliance.policies.base import Policy

ROLE_ARN = "arn:aws:iam::123456789012:role/app"


def policy_json(*statements: dict[str, Any]) -> str:
    """What cdktf's ``Fn.jsonencode`` / ``JSON.stringify`` leaves in ``cdk.tf.json``."""
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def allow(action: Any, resource: Any = "arn:aws:s3:::iac-data/*", **extra: Any) -> dict[str, Any]:
    return {"Effect": "Allow", "Action": action, "Resource": resource, **extra}


def cdktf(resource: dict[str, Any], data: dict[str, Any] | None = None) -> ResourceSet:
    document: dict[str, Any] = {
        "//": {"metadata": {"backend": "local", "stackName": "iam", "version": "0.21.0"}},
        "resource": resource,
    }
    if data:
        document["data"] = data
    return resources_from_config(document, Path("cdktf.out/stacks/iam/cdk.tf.json"))


def statuses(resources: ResourceSet, item: Policy) -> dict[str, FindingStatus]:
    return {f.address: f.status for f in evaluate(resources, [item])}


def messages(resources: ResourceSet, item: Policy) -> str:
    return " | ".join(f.message for f in evaluate(resources, [item]))


def iam_policy(name: str, policy: Any, rtype: str = "aws_iam_policy") -> dict[str, Any]:
    body = {"name": name, "policy": policy}
    if rtype == "aws_iam_role_policy":
        body["role"] = "${aws_iam_role.app.id}"
    if rtype == "aws_iam_user_policy":
        body["user"] = "ana"
    return {rtype: {name: body}}


CASES: list[tuple[Policy, str, dict[str, Any], dict[str, Any]]] = [
    (
        rules.no_star_actions,
        "aws_iam_policy",
        iam_policy("scoped", policy_json(allow(["s3:GetObject", "s3:PutObject"]))),
        iam_policy("admin", policy_json(allow("*", "*"))),
    ),
    (
        rules.no_service_wildcards,
        "aws_iam_role_policy",
        iam_policy("scoped", policy_json(allow("s3:GetObject")), "aws_iam_role_policy"),
        iam_policy("wide", policy_json(allow("s3:*")), "aws_iam_role_policy"),
    ),
    (
        rules.no_star_resource_on_writes,
        "aws_iam_policy",
        iam_policy("scoped", policy_json(allow("s3:PutObject"), allow("s3:ListAllMyBuckets", "*"))),
        iam_policy("wide", policy_json(allow(["s3:PutObject", "s3:GetObject"], "*"))),
    ),
    (
        rules.no_privilege_escalation,
        "aws_iam_policy",
        iam_policy("pass", policy_json(allow("iam:PassRole", ROLE_ARN))),
        iam_policy(
            "escalate", policy_json(allow("iam:PassRole", ROLE_ARN), allow("ec2:RunInstances", "*"))
        ),
    ),
    (
        rules.no_public_principal,
        "aws_s3_bucket_policy",
        {
            "aws_s3_bucket_policy": {
                "private": {
                    "bucket": "iac-data",
                    "policy": policy_json(
                        allow(
                            "s3:GetObject",
                            Principal="*",
                            Condition={"StringEquals": {"aws:SourceVpce": "vpce-1a2b3c4d"}},
                        )
                    ),
                }
            }
        },
        {
            "aws_s3_bucket_policy": {
                "public": {
                    "bucket": "iac-data",
                    "policy": policy_json(allow("s3:GetObject", Principal={"AWS": "*"})),
                }
            }
        },
    ),
    (
        rules.no_allow_not_forms,
        "aws_iam_policy",
        iam_policy(
            "guardrail",
            policy_json(
                allow("s3:GetObject"),
                {"Effect": "Deny", "NotAction": "s3:GetObject", "Resource": "*"},
            ),
        ),
        iam_policy(
            "inverted", policy_json({"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"})
        ),
    ),
    (
        rules.valid_documents,
        "aws_iam_policy",
        iam_policy("versioned", policy_json(allow("s3:GetObject"))),
        iam_policy("unversioned", json.dumps({"Statement": [allow("s3:GetObject")]})),
    ),
]


@pytest.mark.parametrize(("item", "rtype", "good", "bad"), CASES, ids=[c[0].id for c in CASES])
def test_rule_passes_compliant_and_fails_non_compliant(
    item: Policy, rtype: str, good: dict[str, Any], bad: dict[str, Any]
) -> None:
    (good_name,) = good[rtype]
    (bad_name,) = bad[rtype]
    assert statuses(cdktf(good), item) == {f"{rtype}.{good_name}": FindingStatus.PASSED}
    assert statuses(cdktf(bad), item) == {f"{rtype}.{bad_name}": FindingStatus.FAILED}


def test_no_user_policies() -> None:
    resources = cdktf(
        {
            "aws_iam_user_policy": {
                "inline": {"user": "ana", "policy": policy_json(allow("s3:GetObject"))}
            },
            "aws_iam_user_policy_attachment": {
                "direct": {"user": "ana", "policy_arn": "arn:aws:iam::aws:policy/x"}
            },
            "aws_iam_policy_attachment": {
                "to_groups": {
                    "name": "g",
                    "groups": ["devs"],
                    "policy_arn": "arn:aws:iam::aws:policy/x",
                },
                "to_users": {
                    "name": "u",
                    "users": ["ana"],
                    "roles": ["app"],
                    "policy_arn": "arn:aws:iam::aws:policy/x",
                },
            },
        }
    )
    assert statuses(resources, rules.no_user_policies) == {
        "aws_iam_user_policy.inline": FindingStatus.FAILED,
        "aws_iam_user_policy_attachment.direct": FindingStatus.FAILED,
        "aws_iam_policy_attachment.to_groups": FindingStatus.PASSED,
        "aws_iam_policy_attachment.to_users": FindingStatus.FAILED,
    }
    assert "attaches a policy to users ana" in messages(resources, rules.no_user_policies)


def test_messages_name_the_statement_and_severity() -> None:
    resources = cdktf(iam_policy("admin", policy_json(allow("s3:GetObject"), allow("*", "*"))))
    assert messages(resources, rules.no_star_actions) == (
        'aws_iam_policy.admin policy Statement[1].Action: allows every action ("*") on every '
        "resource [critical]"
    )


def test_role_inline_policies_and_trust_policy() -> None:
    trust = json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole"}
            ],
        }
    )
    resources = cdktf(
        {
            "aws_iam_role": {
                "app": {
                    "name": "app",
                    "assume_role_policy": trust,
                    "inline_policy": [
                        {"name": "ok", "policy": policy_json(allow("s3:GetObject"))},
                        {"name": "admin", "policy": policy_json(allow("*", "*"))},
                    ],
                }
            }
        }
    )
    assert statuses(resources, rules.no_star_actions) == {"aws_iam_role.app": FindingStatus.FAILED}
    assert "inline_policy[1] Statement[0]" in messages(resources, rules.no_star_actions)
    assert statuses(resources, rules.no_public_principal) == {
        "aws_iam_role.app": FindingStatus.FAILED
    }
    assert "assume_role_policy" in messages(resources, rules.no_public_principal)


def test_documents_from_a_policy_document_data_source() -> None:
    data = {
        "aws_iam_policy_document": {
            "admin": {"statement": [{"actions": ["*"], "resources": ["*"]}]},
            "public": {
                "statement": [
                    {
                        "actions": ["s3:GetObject"],
                        "resources": ["arn:aws:s3:::b/*"],
                        "principals": [{"type": "*", "identifiers": ["*"]}],
                    }
                ]
            },
            "restricted": {
                "statement": [
                    {
                        "actions": ["s3:GetObject"],
                        "resources": ["arn:aws:s3:::b/*"],
                        "principals": [{"type": "AWS", "identifiers": ["*"]}],
                        "condition": [
                            {
                                "test": "StringEquals",
                                "variable": "aws:PrincipalOrgID",
                                "values": ["o-abc123"],
                            }
                        ],
                    }
                ]
            },
        }
    }
    resources = cdktf(
        {
            "aws_iam_role_policy": {
                "admin": {"role": "app", "policy": "${data.aws_iam_policy_document.admin.json}"}
            },
            "aws_s3_bucket_policy": {
                "public": {"bucket": "b", "policy": "${data.aws_iam_policy_document.public.json}"},
                "restricted": {
                    "bucket": "b",
                    "policy": "${data.aws_iam_policy_document.restricted.json}",
                },
            },
        },
        data,
    )
    assert statuses(resources, rules.no_star_actions) == {
        "aws_iam_role_policy.admin": FindingStatus.FAILED
    }
    assert statuses(resources, rules.no_public_principal) == {
        "aws_s3_bucket_policy.public": FindingStatus.FAILED,
        "aws_s3_bucket_policy.restricted": FindingStatus.PASSED,
    }


def test_unreadable_documents_are_unknown_never_passed() -> None:
    resources = cdktf(
        {
            "aws_iam_policy": {
                "computed": {"name": "c", "policy": "${aws_iam_policy.other.policy}"},
                "garbled": {"name": "g", "policy": "not json"},
                "malformed": {
                    "name": "m",
                    "policy": policy_json({"Effect": "allow", "Action": "*"}),
                },
            }
        }
    )
    found = {f.address: f for f in evaluate(resources, [rules.no_star_actions])}
    assert {a: f.status for a, f in found.items()} == {
        "aws_iam_policy.computed": FindingStatus.UNKNOWN,
        "aws_iam_policy.garbled": FindingStatus.UNKNOWN,
        "aws_iam_policy.malformed": FindingStatus.UNKNOWN,
    }
    assert "Statement[0].Effect" in found["aws_iam_policy.malformed"].message
    assert "not valid JSON" in found["aws_iam_policy.garbled"].message
    # ... while the rule on documents AWS accepts fails the two AWS would reject at apply.
    assert statuses(resources, rules.valid_documents) == {
        "aws_iam_policy.computed": FindingStatus.UNKNOWN,
        "aws_iam_policy.garbled": FindingStatus.FAILED,
        "aws_iam_policy.malformed": FindingStatus.FAILED,
    }


OPERATOR_TYPO = allow("s3:GetObject", Condition={"StringEqualsPlease": {"aws:PrincipalTag/team": "data"}})


def test_an_operator_iam_does_not_define_fails_the_document_rule_and_is_judged_by_no_other() -> None:
    resources = cdktf(
        {
            "aws_iam_policy": {"typo": {"name": "t", "policy": policy_json(allow("s3:ListBucket"), OPERATOR_TYPO)}},
            "aws_s3_bucket_policy": {
                "typo": {"bucket": "b", "policy": policy_json({**OPERATOR_TYPO, "Principal": "*"})}
            },
        }
    )
    assert statuses(resources, rules.valid_documents) == {
        "aws_iam_policy.typo": FindingStatus.FAILED,
        "aws_s3_bucket_policy.typo": FindingStatus.FAILED,
    }
    message = messages(resources, rules.valid_documents)
    assert (
        "policy of aws_iam_policy.typo: Statement[1].Condition.StringEqualsPlease: not a valid policy "
        "document: unknown condition operator 'StringEqualsPlease' (did you mean StringEquals?)"
    ) in message
    assert statuses(resources, rules.no_public_principal) == {"aws_s3_bucket_policy.typo": FindingStatus.UNKNOWN}
    assert statuses(resources, rules.no_star_actions) == {"aws_iam_policy.typo": FindingStatus.UNKNOWN}


def test_an_operator_iam_does_not_define_in_a_policy_document_data_source() -> None:
    data = {
        "aws_iam_policy_document": {
            "typo": {
                "statement": [
                    {
                        "actions": ["s3:GetObject"],
                        "resources": ["arn:aws:s3:::b/*"],
                        "condition": [{"test": "StringEqualsPlease", "variable": "aws:username", "values": ["a"]}],
                    }
                ]
            }
        }
    }
    reference = "${data.aws_iam_policy_document.typo.json}"
    resources = cdktf({"aws_iam_policy": {"typo": {"name": "t", "policy": reference}}}, data)
    assert statuses(resources, rules.valid_documents) == {"aws_iam_policy.typo": FindingStatus.FAILED}
    assert "Statement[0].Condition.StringEqualsPlease" in messages(resources, rules.valid_documents)


def test_version_findings() -> None:
    def unversioned(*statements: dict[str, Any], version: str | None = None) -> str:
        return json.dumps({**({"Version": version} if version else {}), "Statement": list(statements)})

    home = allow("s3:GetObject", "arn:aws:s3:::home/${aws:username}/*")
    resources = cdktf(
        {
            "aws_iam_policy": {
                "current": {"name": "c", "policy": policy_json(home)},
                "missing": {"name": "m", "policy": unversioned(allow("s3:GetObject"))},
                "variables": {"name": "v", "policy": unversioned(home)},
                "legacy": {"name": "l", "policy": unversioned(home, version="2008-10-17")},
                "legacy-plain": {"name": "p", "policy": unversioned(allow("s3:GetObject"), version="2008-10-17")},
                "future": {"name": "f", "policy": unversioned(allow("s3:GetObject"), version="2012-10-18")},
                # Terraform references are substituted by Terraform, not by IAM
                "reference": {
                    "name": "r",
                    "policy": policy_json(allow("s3:GetObject", "${aws_s3_bucket.b.arn}/*"))
                    .replace('"Version":"2012-10-17",', "")
                    .replace('"Version": "2012-10-17", ', ""),
                },
            },
            "aws_iam_role": {
                "trust": {
                    "name": "trust",
                    "assume_role_policy": unversioned(
                        {"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}
                    ),
                }
            },
        }
    )
    found = {f.address: f for f in evaluate(resources, [rules.valid_documents])}
    assert {a: f.status for a, f in found.items()} == {
        "aws_iam_policy.current": FindingStatus.PASSED,
        "aws_iam_policy.missing": FindingStatus.FAILED,
        "aws_iam_policy.variables": FindingStatus.FAILED,
        "aws_iam_policy.legacy": FindingStatus.FAILED,
        "aws_iam_policy.legacy-plain": FindingStatus.PASSED,
        "aws_iam_policy.future": FindingStatus.FAILED,
        "aws_iam_policy.reference": FindingStatus.FAILED,
        "aws_iam_role.trust": FindingStatus.FAILED,
    }
    assert found["aws_iam_policy.missing"].message == (
        "aws_iam_policy.missing policy Version: no Version: IAM reads the document as 2008-10-17, which has "
        'no policy variables; state "Version": "2012-10-17" [warning]'
    )
    assert found["aws_iam_policy.variables"].message == (
        "aws_iam_policy.variables policy Statement[0].Resource[0]: policy variable ${aws:username} is not "
        "substituted without Version (IAM reads the document as 2008-10-17): each matches only its literal "
        'text; state "Version": "2012-10-17" [critical]'
    )
    assert "under Version 2008-10-17" in found["aws_iam_policy.legacy"].message
    assert "no Version" in found["aws_iam_policy.reference"].message
    assert "2012-10-18" in found["aws_iam_policy.future"].message
    assert "assume_role_policy" in found["aws_iam_role.trust"].message


def test_text_with_terraform_interpolations_is_unknown_not_malformed() -> None:
    spliced = (
        '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": ${jsonencode(var.actions)}, '
        '"Resource": "*"}]}'
    )
    resources = cdktf({"aws_iam_policy": {"spliced": {"name": "s", "policy": spliced}}})
    assert statuses(resources, rules.valid_documents) == {"aws_iam_policy.spliced": FindingStatus.UNKNOWN}
    assert "known only after apply" in messages(resources, rules.valid_documents)


def pulumi_resource(name: str, rtype: str, properties: dict[str, Any]) -> Resource:
    urn = f"urn:pulumi:dev::iam::aws:iam/policy:Policy::{name}"
    return Resource(
        type=rtype,
        name=name,
        address=urn,
        properties=properties,
        source=SourceLocation("pulumi", None, urn, "dev"),
    )


def test_pulumi_documents_arrive_as_objects() -> None:
    resources = ResourceSet(
        [
            pulumi_resource(
                "scoped",
                "aws_iam_policy",
                {
                    "policy": {
                        "Version": "2012-10-17",
                        "Statement": (
                            {
                                "Effect": "Allow",
                                "Action": ("s3:GetObject",),
                                "Resource": "arn:aws:s3:::iac-data/*",
                            },
                        ),
                    }
                },
            ),
            pulumi_resource(
                "escalate",
                "aws_iam_policy",
                {
                    "policy": {
                        "Version": "2012-10-17",
                        "Statement": [
                            {
                                "Effect": "Allow",
                                "Action": ["iam:PassRole", "lambda:CreateFunction"],
                                "Resource": "*",
                            }
                        ],
                    }
                },
            ),
        ]
    )
    by_name = {
        f.address.rsplit("::", 1)[1]: f.status
        for f in evaluate(resources, [rules.no_privilege_escalation])
    }
    assert by_name == {"scoped": FindingStatus.PASSED, "escalate": FindingStatus.FAILED}


def test_every_iam_rule_is_registered_with_controls() -> None:
    registered = {p.id: p for p in builtin_policies() if p.id.startswith("AWS-IAM-")}
    assert sorted(registered) == [f"AWS-IAM-00{i}" for i in range(1, 10)]
    assert "CIS-AWS-3.0:1.16" in registered["AWS-IAM-001"].controls
    assert "CIS-AWS-3.0:1.15" in registered["AWS-IAM-004"].controls
    assert all(
        any(c.startswith("NIST-800-53-r5:") for c in p.controls) for p in registered.values()
    )
    assert registered["AWS-IAM-005"].checkov_ids == ("CKV_AWS_286",)


def test_analysis_does_not_load_the_catalogue_for_documents_without_star_resources() -> None:
    import subprocess
    import sys

    code = """
import json, sys
from pathlib import Path
from pytest_iaccompliance.policies.builtin import builtin_policies
from pytest_iaccompliance.policies.engine import evaluate
from pytest_iaccompliance.sources.terraform_json import resources_from_config
doc = json.dumps({"Statement": [
    {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*"}]})
rs = resources_from_config({"resource": {"aws_iam_policy": {"p": {"policy": doc}}}}, Path("x.json"))
evaluate(rs, builtin_policies())
print("policy_sentry" in sys.modules)
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False", out.stderr


def test_analysis_is_never_shared_between_resource_sets_with_the_same_addresses() -> None:
    from pathlib import Path

    from pytest_iaccompliance.policies.engine import evaluate
    from pytest_iaccompliance.policies.registry import load_registry
    from pytest_iaccompliance.sources.terraform_json import resources_from_config

    def stack(action: str) -> object:
        document = json.dumps({"Statement": [{"Effect": "Allow", "Action": action, "Resource": "*"}]})
        return resources_from_config({"resource": {"aws_iam_policy": {"p": {"policy": document}}}},
                                     Path("cdk.tf.json"))

    admin, reader = stack("*"), stack("s3:GetObject")  # both alive, same file and address
    rule = load_registry(entry_points=False)["AWS-IAM-001"]
    assert [f.status.value for f in evaluate(admin, [rule])] == ["failed"]  # type: ignore[arg-type]
    assert [f.status.value for f in evaluate(reader, [rule])] == ["passed"]  # type: ignore[arg-type]


@pytest.mark.parametrize("mode", MODES)
def test_a_scan_reports_a_document_aws_rejects(pytester: pytest.Pytester, mode: list[str]) -> None:
    config = {"resource": {"aws_iam_policy": {"typo": {"name": "t", "policy": policy_json(OPERATOR_TYPO)}}}}
    pytester.makefile(".tf.json", main=json.dumps(config))
    result = run(pytester, *mode, "--iac-source=main.tf.json", "-rA")
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.stdout.fnmatch_lines([
        "*AWS-IAM-008 [[]warning[]] IAM policy document is one AWS accepts*",
        "*policy of aws_iam_policy.typo: Statement[[]0[]].Condition.StringEqualsPlease: not a valid policy "
        "document: unknown condition operator 'StringEqualsPlease' (did you mean StringEquals?)*",
    ])
    # the checks that cannot read the document say so, and --iac-unknown skip leaves the warning
    result.stdout.fnmatch_lines(["AWS-IAM-001 [[]critical[]]*", "1 resource(s) that cannot be evaluated before apply:"])
    skipped = run(pytester, *mode, "--iac-source=main.tf.json", "--iac-unknown=skip")
    skipped.stdout.fnmatch_lines(["warning failures: 1 (no limit) -> tolerated"])
