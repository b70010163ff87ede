"""The aws_iam_policy_document rendering shared by data sources and Pulumi's invoke."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pytest_iaccompliance.iam.terraform import render_policy_document
from pytest_iaccompliance.model import Unknown
from pytest_iaccompliance.policies.values import policy_document
from pytest_iaccompliance.sources.terraform_json import resources_from_config


def test_blocks_render_as_the_provider_writes_them() -> None:
    document = render_policy_document([
        {"sid": "Read", "actions": ["s3:GetObject"], "resources": ["arn:aws:s3:::b/*", "arn:aws:s3:::b"],
         "principals": [{"type": "AWS", "identifiers": ["arn:aws:iam::111122223333:root"]}],
         "condition": [{"test": "Bool", "variable": "aws:SecureTransport", "values": ["true"]}]},
        {"effect": "Deny", "not_actions": ["iam:*"], "resources": ["*"],
         "principals": {"type": "*", "identifiers": ["*"]}},
    ])
    assert document == {"Version": "2012-10-17", "Statement": [
        {"Sid": "Read", "Effect": "Allow", "Action": "s3:GetObject",
         "Resource": ["arn:aws:s3:::b/*", "arn:aws:s3:::b"],
         "Principal": {"AWS": "arn:aws:iam::111122223333:root"},
         "Condition": {"Bool": {"aws:SecureTransport": "true"}}},
        {"Effect": "Deny", "NotAction": "iam:*", "Resource": "*", "Principal": "*"},
    ]}


def test_sources_then_statements_then_overrides_replace_by_sid() -> None:
    source = json.dumps({"Statement": [{"Sid": "A", "Effect": "Allow", "Action": "s3:*", "Resource": "*"},
                                       {"Sid": "B", "Effect": "Allow", "Action": "sqs:*", "Resource": "*"}]})
    override = {"Statement": {"Sid": "B", "Effect": "Deny", "Action": "sqs:*", "Resource": "*"}}
    document = render_policy_document([{"sid": "A", "actions": ["s3:GetObject"], "resources": ["*"]},
                                       {"actions": ["kms:Decrypt"], "resources": ["*"]}],
                                      sources=[source], overrides=[override], policy_id="merged")
    assert document["Id"] == "merged"
    assert [(s.get("Sid"), s["Effect"], s["Action"]) for s in document["Statement"]] == [
        ("A", "Allow", "s3:GetObject"), ("B", "Deny", "sqs:*"), (None, "Allow", "kms:Decrypt"),
    ]
    with pytest.raises(ValueError, match="not JSON"):
        render_policy_document([], sources=["{nope"])


def test_data_source_with_unreadable_source_document_is_unknown() -> None:
    stack = resources_from_config({"data": {"aws_iam_policy_document": {
        "known": {"source_policy_documents": [json.dumps({"Statement": [{"Effect": "Allow", "Action": "*",
                                                                        "Resource": "*"}]})],
                  "statement": [{"actions": ["s3:GetObject"], "resources": ["*"]}]},
        "computed": {"source_policy_documents": ["${aws_iam_policy.base.policy}"]},
    }}}, Path("cdk.tf.json"))
    known = policy_document("${data.aws_iam_policy_document.known.json}", stack)
    assert isinstance(known, dict)
    assert [s["Action"] for s in known["Statement"]] == ["*", "s3:GetObject"]
    assert isinstance(policy_document("${data.aws_iam_policy_document.computed.json}", stack), Unknown)
