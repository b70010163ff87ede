"""Documents written with cdktf's ``Fn.jsonencode``: ``${jsonencode({...})}`` in cdk.tf.json.

A literal object is read as the document it encodes (the text below is what cdktf 0.21 synthesizes);
one that holds a reference, a function call or anything else that is not a literal stays unknown.
"""

from __future__ import annotations

import pytest

from pytest_iaccompliance.model import Unknown
from pytest_iaccompliance.policies.values import parse_json_document
from tests.policies.conftest import cdktf_document, load_resources, run_policy

LITERAL = (
    '${jsonencode({"Version" = "2012-10-17", "Statement" = [{"Effect" = "Allow", "Action" = ["s3:*"], '
    '"Resource" = "*", "Condition" = {"Bool" = {"aws:SecureTransport" = false}}, "N" = 3, "X" = null, '
    '"Escaped" = "a\\\\b \\"q\\" $${literal} %%{also}", "Neg" = -1.5}]})}'
)


def test_literal_jsonencode_is_read_as_its_document() -> None:
    assert parse_json_document(LITERAL) == {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": ["s3:*"], "Resource": "*",
                       "Condition": {"Bool": {"aws:SecureTransport": False}}, "N": 3, "X": None,
                       "Escaped": 'a\\b "q" ${literal} %{also}', "Neg": -1.5}],
    }


@pytest.mark.parametrize(
    "text",
    [
        '${jsonencode({"Resource" = "arn:aws:s3:::${var.bucket}/*"})}',
        '${jsonencode({"Resource" = aws_s3_bucket.b.arn})}',
        '${jsonencode({"Statement" = concat(var.a, [])})}',
        '${jsonencode({"Statement" = [for s in var.s : s]})}',
        '${jsonencode({"Version" = "2012-10-17"}) }extra',
        '${jsonencode({"Version" = "unterminated})}',
        '${jsonencode({"Version" = "2012-10-17",, })}',
    ],
)
def test_jsonencode_with_anything_but_literals_stays_unknown(text: str) -> None:
    assert isinstance(parse_json_document(text), Unknown)


def test_admin_policy_written_with_jsonencode_fails_iam_001() -> None:
    admin = '${jsonencode({"Version" = "2012-10-17", "Statement" = [{"Effect" = "Allow", "Action" = "*", ' \
            '"Resource" = "*"}]})}'
    resources = load_resources(cdktf_document({"aws_iam_policy": {"p": {"policy": admin}}}))
    status, message = run_policy(resources, "AWS-IAM-001")["aws_iam_policy.p"]
    assert status == "failed", message
