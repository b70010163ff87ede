"""Each Terraform JSON shape read without a Terraform binary, and each malformed input named."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pytest_iaccompliance import load
from pytest_iaccompliance.model import UNKNOWN, Unknown
from pytest_iaccompliance.sources import SourceError, load_document, load_path
from pytest_iaccompliance.sources.terraform_json import KIND_CDKTF, KIND_PLAN, KIND_STATE, KIND_TF_JSON


def test_cdktf_out_folder_yields_every_stack(example_stacks: Path) -> None:
    loaded = load_path(example_stacks)
    assert sorted(item.resources.name for item in loaded) == ["legacy", "payments"]
    assert {item.kind for item in loaded} == {KIND_CDKTF}


def test_cdktf_keeps_construct_path_backend_and_providers(example_stacks: Path) -> None:
    stack = load(example_stacks, stack="payments")
    bucket = stack.by_address("aws_s3_bucket.receipts")
    assert bucket is not None
    assert bucket.source.path == "payments/receipts"
    assert bucket.source.stack == "payments"
    assert "//" not in bucket.properties
    assert stack.metadata["backend"]["s3"]["dynamodb_table"] == "terraform-locks"
    assert stack.metadata["providers"]["aws"][0]["region"] == "eu-west-1"


def test_references_resolve_to_the_resource_they_name(example_stacks: Path) -> None:
    stack = load(example_stacks, stack="payments")
    encryption = stack.of_type("aws_s3_bucket_server_side_encryption_configuration")[0]
    assert stack.resolve(encryption.get("bucket")) is stack.by_address("aws_s3_bucket.receipts")
    assert stack.resolve("${aws_kms_key.data.arn}") is stack.by_address("aws_kms_key.data")
    assert stack.resolve("${var.region}") is None


def test_seed_api_returns_property_dicts(example_stacks: Path) -> None:
    stack = load(example_stacks, stack="legacy")
    groups = stack.get_resources("aws_security_group")
    assert groups[0]["ingress"][0]["cidr_blocks"] == ["0.0.0.0/0"]
    groups[0]["ingress"].clear()  # plain data: mutating it never changes the model
    assert stack.get_resources("aws_security_group")[0]["ingress"]


def test_load_names_missing_stack(example_stacks: Path) -> None:
    with pytest.raises(SourceError, match=r"has no stack 'web' \(stacks: legacy, payments\)"):
        load(example_stacks, stack="web")
    with pytest.raises(SourceError, match="holds 2 stacks"):
        load(example_stacks)


def test_plain_terraform_json_with_data_sources_and_list_bodies(data_dir: Path) -> None:
    [loaded] = load_path(data_dir / "main.tf.json")
    assert loaded.kind == KIND_TF_JSON
    stack = loaded.resources
    assert stack.of_type("aws_iam_policy_document") == []
    [document] = stack.of_type("data.aws_iam_policy_document")
    assert document.address == "data.aws_iam_policy_document.admin"
    policy = stack.by_address("aws_iam_policy.admin")
    assert policy is not None
    assert stack.resolve(policy.get("policy")) is document
    bucket = stack.by_address("aws_s3_bucket.data")
    assert bucket is not None
    assert bucket.lookup("server_side_encryption_configuration.rule.apply_server_side_encryption_by_default"
                         ".sse_algorithm") == "aws:kms"


def test_plan_with_modules_indexes_unknowns_and_sensitive_values(data_dir: Path) -> None:
    [loaded] = load_path(data_dir / "plan_modules.json")
    assert loaded.kind == KIND_PLAN
    stack = loaded.resources
    assert "module.web.aws_security_group.web[0]" in stack
    assets = stack.by_address('module.web.aws_s3_bucket.assets["eu"]')
    assert assets is not None
    assert assets.get("bucket") is UNKNOWN
    database = stack.by_address("aws_db_instance.main")
    assert database is not None
    assert isinstance(database.get("kms_key_id"), Unknown)
    assert database.is_secret("password")


def test_plan_configuration_references_link_unknown_partners(data_dir: Path) -> None:
    stack = load(data_dir / "plan_modules.json")
    encryption = stack.by_address('module.web.aws_s3_bucket_server_side_encryption_configuration.assets["eu"]')
    assert encryption is not None
    assert encryption.get("bucket") == '${module.web.aws_s3_bucket.assets["eu"].id}'
    assert stack.resolve(encryption.get("bucket")) is stack.by_address('module.web.aws_s3_bucket.assets["eu"]')


def test_state_show_json_and_raw_tfstate(data_dir: Path) -> None:
    [shown] = load_path(data_dir / "state.json")
    assert shown.kind == KIND_STATE
    assert shown.resources.by_address("aws_db_instance.main") is not None
    assert shown.resources.of_type("data.aws_caller_identity")[0].get("account_id") == "123456789012"
    [raw] = load_path(data_dir / "terraform.tfstate")
    assert raw.kind == KIND_STATE
    assert raw.resources.by_address("aws_security_group.ssh[0]") is not None
    assert raw.resources.by_address("module.db.aws_db_instance.main") is not None


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("", "is empty"),
        ("{not json", "is not valid JSON: Expecting property name enclosed in double quotes at line 1"),
        ("[1, 2]", "top-level JSON value is list, expected an object"),
        ('{"name": "my-app", "version": "1.0.0"}', "is not a cdktf/cdktn synthesis, Terraform JSON"),
        ('{"resource": [3]}', "`resource[0]` is int, expected an object"),
        ('{"resource": "x"}', "`resource` is str, expected an object"),
        ('{"resource": null}', "`resource` is null, expected an object"),
        ('{"data": {"aws_vpc": null}}', "`data.aws_vpc` is null, expected an object"),
        ('{"resource": {"": {"b": {}}}}', "`resource..b` has an empty type"),
        ('{"resource": [{"aws_s3_bucket": {"": {}}}]}', "`resource.aws_s3_bucket.` has an empty name"),
        ('{"resource": {"aws_s3_bucket": {"b": 3}}}', "`resource.aws_s3_bucket.b` is int, expected an object"),
    ],
)
def test_malformed_inputs_name_the_file(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "cdk.tf.json"
    path.write_text(content)
    with pytest.raises(SourceError) as info:
        load_path(path)
    assert info.value.path == str(path)
    assert message in str(info.value)
    assert str(info.value).startswith(str(path))


def test_missing_path_and_empty_folder(tmp_path: Path) -> None:
    with pytest.raises(SourceError, match="no such file or folder"):
        load_path(tmp_path / "nowhere")
    with pytest.raises(SourceError, match=r"folder holds no \*.tf.json file"):
        load_path(tmp_path)


def test_detection_is_by_content_not_name(tmp_path: Path, data_dir: Path) -> None:
    renamed = tmp_path / "whatever.json"
    renamed.write_text((data_dir / "plan_modules.json").read_text())
    assert load_document(json.loads(renamed.read_text()), renamed)[0].kind == KIND_PLAN
