"""A resource's line in the JSON file it came from, found when a report asks for it."""

from __future__ import annotations

import json

from pytest_iaccompliance.model import Finding, FindingStatus, Severity
from pytest_iaccompliance.reporting.locate import json_lines, with_lines


def line_of(text: str, needle: str) -> int:
    return text[: text.index(needle)].count("\n") + 1


def test_configuration_resources_and_data_sources_by_their_key() -> None:
    document = {
        "//": {"resource": {"aws_s3_bucket": {"fake": {}}}},
        "terraform": {"backend": {"s3": {"bucket": "state"}}},
        "provider": {"aws": [{"region": "eu-west-1"}]},
        "variable": {"region": {"default": "eu-west-1"}},
        "data": {"aws_iam_policy_document": {"admin": {"statement": [{"actions": ["*"]}]}}},
        "resource": {
            "aws_s3_bucket": {"data": {"bucket": "d", "tags": {"resource": "x"}}, "logs": {"bucket": "l"}},
            "aws_iam_policy": {"admin": {"policy": "{\"resource\": {\"a\": {\"b\": 1}}}"}},
        },
    }
    text = json.dumps(document, indent=2)
    lines = json_lines(text)
    assert lines["aws_s3_bucket.data"] == line_of(text, '"data": {\n        "bucket"')
    assert lines["aws_s3_bucket.logs"] == line_of(text, '"logs": {')
    assert lines["aws_iam_policy.admin"] == line_of(text, '"admin": {\n        "policy"')
    assert lines["data.aws_iam_policy_document.admin"] == line_of(text, '"admin": {\n        "statement"')
    assert "aws_s3_bucket.fake" not in lines  # inside the `//` metadata, not a declaration
    assert lines["provider.aws"] == line_of(text, '"aws": [')
    assert lines["terraform.backend.s3"] == line_of(text, '"s3": {')
    assert lines["var.region"] == line_of(text, '"region": {')
    assert "a.b" not in lines  # inside a string value


def test_plan_state_and_export_by_address_or_urn() -> None:
    plan = json.dumps({"resource_changes": [{"address": "module.m.aws_vpc.main[0]", "type": "aws_vpc"}]}, indent=1)
    assert json_lines(plan) == {"module.m.aws_vpc.main[0]": line_of(plan, "\"address\"")}
    state = json.dumps({"resources": [{"module": "module.db", "mode": "managed", "type": "aws_db_instance",
                                       "name": "main"}, {"mode": "data", "type": "aws_iam_role", "name": "r"}]},
                       indent=1)
    lines = json_lines(state)
    assert lines["module.db.aws_db_instance.main"] == line_of(state, '"module"')
    assert lines["data.aws_iam_role.r"] == line_of(state, '"mode": "data"')
    export = '{"deployment": {"resources": [\n{"urn": "urn:pulumi:dev::p::aws:s3/bucket:Bucket::b"}]}}'
    assert json_lines(export) == {"urn:pulumi:dev::p::aws:s3/bucket:Bucket::b": 2}


def finding(address: str, source: str | None, origin_line: int | None = None) -> Finding:
    return Finding(policy_id="AWS-S3-002", severity=Severity.CRITICAL, status=FindingStatus.FAILED, address=address,
                   resource_type="aws_s3_bucket", source_file=source, message="m",
                   origin_file="app.py" if origin_line else None, origin_line=origin_line)


def test_findings_get_the_line_only_where_they_have_none() -> None:
    text = '{"resource": {"aws_s3_bucket": {\n"b": {}}}}'
    found = with_lines([finding("aws_s3_bucket.b", "main.tf.json"), finding("aws_s3_bucket.b", "x.json", 7),
                        finding("aws_s3_bucket.gone", "main.tf.json"), finding("aws_s3_bucket.b", None),
                        finding("aws_s3_bucket.b", "missing.json")],
                       read={"main.tf.json": text, "x.json": text})
    assert [(f.origin_file, f.origin_line) for f in found] == [
        ("main.tf.json", 2), ("app.py", 7), (None, None), (None, None), (None, None)]


def test_an_indexed_address_falls_back_to_its_resource() -> None:
    state = '{"resources": [\n{"mode": "managed", "type": "aws_security_group", "name": "ssh"}]}'
    [found] = with_lines([finding("aws_security_group.ssh[0]", "s.json")], read={"s.json": state})
    assert found.origin_line == 2


class CountingTexts(dict[str, str]):
    reads = 0

    def get(self, key: str, default: str | None = None) -> str | None:  # type: ignore[override]
        self.reads += 1
        return super().get(key, default)


def test_calls_sharing_indexes_read_each_file_once() -> None:
    texts = CountingTexts({"main.tf.json": '{"resource": {"aws_s3_bucket": {\n"b": {}}}}'})
    indexes: dict[str, dict[str, int] | None] = {}
    for _ in range(3):
        [found] = with_lines([finding("aws_s3_bucket.b", "main.tf.json")], read=texts, indexes=indexes)
        assert found.origin_line == 2
    assert texts.reads == 1


def test_declarations_given_as_lists_of_objects_and_escaped_keys() -> None:
    """HCL's JSON form allows a list of objects wherever an object of blocks is expected."""
    document = {
        "resource": [
            {"aws_s3_bucket": {"a": {"bucket": "x"}}},
            {"aws_s3_bucket": [{"b\u00e9": {"tags": {"aws_s3_bucket": "c"}}}]},
        ],
        "output": {"aws_s3_bucket": {"value": "not a declaration"}},
    }
    text = json.dumps(document, indent=2)
    lines = json_lines(text)
    assert lines == {
        "aws_s3_bucket.a": line_of(text, '"a": {'),
        "aws_s3_bucket.b\u00e9": line_of(text, '"b\\u00e9": {'),
    }


def test_a_text_that_is_not_a_configuration_gives_what_was_found_before_it_stopped() -> None:
    text = '{\n"resource": {"aws_vpc": {"main": {}},\n "aws_subnet": {"a": {}}, "broken": {"x": [1,}}'
    assert json_lines(text) == {"aws_vpc.main": 2, "aws_subnet.a": 3, "broken.x": 3}


def test_lists_nested_past_the_recursion_limit_give_no_line_and_no_crash() -> None:
    """A line is a pointer, never a verdict: a shape deeper than the interpreter can walk gives no line."""
    text = '{"resource": ' + "[" * 5000 + '{"aws_vpc": {"main": {}}}' + "]" * 5000 + "}"
    assert json_lines(text) == {}
