"""Hostile and malformed sources: each is read as Terraform reads it or refused with an error naming the file.

The small cases live in ``tests/data/bad``; huge, deep and special files (FIFOs, symlink loops) are made here.
"""

from __future__ import annotations

import math
import os
import shutil
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from pytest_iaccompliance import load, scan
from pytest_iaccompliance.model import FindingStatus, Unknown, UnreadableValue
from pytest_iaccompliance.sources import SourceError, load_path
from pytest_iaccompliance.sources.terraform_json import resources_from_config

BAD = Path(__file__).parent.parent / "data" / "bad"
EXAMPLE = Path(__file__).parent.parent.parent / "examples" / "terraform_json" / "cdktf.out"

needs_posix = pytest.mark.skipif(sys.platform == "win32", reason="FIFOs and symlinks as on POSIX")


def _error(path: Path | str, call: Callable[[], Any] | None = None) -> SourceError:
    """The SourceError a load raises; it must name the file at fault."""
    with pytest.raises(SourceError) as info:
        (call or (lambda: load_path(path)))()
    assert info.value.path == str(path)
    assert str(info.value).startswith(str(path))
    return info.value


def _status(findings: list[Any], policy_id: str, address: str) -> FindingStatus:
    [finding] = [f for f in findings if f.policy_id == policy_id and f.address == address]
    return finding.status


# --- the JSON text itself -------------------------------------------------------------------------------


def test_deep_nesting_is_malformed_json_naming_the_file(tmp_path: Path) -> None:
    path = tmp_path / "cdk.tf.json"
    path.write_text('{"resource": ' + "[" * 10_000 + "]" * 10_000 + "}")
    assert "nested too deeply" in _error(path).reason
    assert "nested too deeply" in _error(path, lambda: scan(path)).reason


def test_huge_integer_is_malformed_json_naming_the_file(tmp_path: Path) -> None:
    path = tmp_path / "cdk.tf.json"
    path.write_text('{"resource": {"aws_security_group": {"web": {"ingress": [{"from_port": ' + "9" * 5_000
                    + "}]}}}}")
    reason = _error(path, lambda: load(path)).reason
    assert reason.startswith("is not valid JSON")
    assert "digits" in reason
    assert "9999" not in reason


def test_non_finite_numbers_are_read_as_floats() -> None:
    """Python reads NaN, Infinity and 1e400; the rules judge such values, the reader keeps them as written."""
    [first, second] = load(BAD / "non_finite_numbers.tf.json").by_address("aws_security_group.web").blocks("ingress")
    assert math.isnan(first["from_port"])
    assert first["to_port"] == math.inf
    assert second["from_port"] == -math.inf
    assert second["to_port"] == math.inf


# --- duplicate keys, as Terraform's JSON syntax reads them ----------------------------------------------


@pytest.mark.parametrize("name", ["duplicate_resource_sections.tf.json", "duplicate_resource_types.tf.json"])
def test_repeated_resource_sections_and_types_merge(name: str) -> None:
    stack = load(BAD / name)
    assert sorted(r.address for r in stack) == ["aws_security_group.closed", "aws_security_group.open"]
    findings = scan(BAD / name, select=["AWS-EC2-001"])
    assert _status(findings, "AWS-EC2-001", "aws_security_group.open") is FindingStatus.FAILED
    assert _status(findings, "AWS-EC2-001", "aws_security_group.closed") is FindingStatus.PASSED


def test_repeated_block_keeps_every_block() -> None:
    group = load(BAD / "duplicate_block.tf.json").by_address("aws_security_group.web")
    assert group is not None
    assert [block["from_port"] for block in group.blocks("ingress")] == [22, 443]
    findings = scan(BAD / "duplicate_block.tf.json", select=["AWS-EC2-001"])
    assert _status(findings, "AWS-EC2-001", "aws_security_group.web") is FindingStatus.FAILED


def test_resource_declared_twice_is_an_error_naming_the_address() -> None:
    reason = _error(BAD / "duplicate_resource_name.tf.json").reason
    assert "`resource.aws_security_group.web`" in reason
    assert "declared 2 times" in reason


def test_argument_given_twice_is_an_error_naming_it() -> None:
    reason = _error(BAD / "duplicate_argument.tf.json").reason
    assert "`bucket`" in reason
    assert "aws_s3_bucket.logs" in reason
    assert "acme-logs" not in reason


def test_duplicate_keys_in_a_plan_make_it_ambiguous() -> None:
    reason = _error(BAD / "plan_duplicate_key.json").reason
    assert "ingress" in reason
    assert "more than once" in reason


def test_list_of_bodies_is_a_duplicate_declaration() -> None:
    reason = _error(BAD / "list_of_bodies.tf.json").reason
    assert "`resource.aws_security_group.sg`" in reason
    assert "declared 2 times" in reason


def test_empty_list_of_bodies_is_an_error() -> None:
    reason = _error(BAD / "empty_list_body.tf.json").reason
    assert "`resource.aws_security_group.sg`" in reason
    assert "no body" in reason


def test_list_of_one_body_and_listed_sections_are_read(tmp_path: Path) -> None:
    path = tmp_path / "main.tf.json"
    path.write_text('{"resource": [{"aws_s3_bucket": [{"a": [{"bucket": "a"}]}, {"b": {"bucket": "b"}}]}]}')
    stack = load(path)
    assert [(r.address, r.get("bucket")) for r in stack] == [("aws_s3_bucket.a", "a"), ("aws_s3_bucket.b", "b")]


# --- plan and state shapes that yield nothing --------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("plan_without_planned_values.json", "has no `planned_values`"),
        ("plan_planned_values_null.json", "`planned_values` is null"),
        ("plan_empty_type.json", "`planned_values.root_module.resources[0]` has an empty `type`"),
        ("plan_list_body.json", "`planned_values.root_module.resources[0].values` is list, expected an object"),
    ],
)
def test_plan_shapes_that_would_yield_nothing_are_errors(name: str, message: str) -> None:
    reason = _error(BAD / name, lambda: scan(BAD / name)).reason
    assert message in reason
    assert "0.0.0.0" not in reason


def test_state_entry_without_address_is_named_by_position_not_values() -> None:
    reason = _error(BAD / "state_entry_without_address.json").reason
    assert "`values.root_module.resources[0]` (aws_db_instance) has no `address`" in reason
    assert "canary" not in reason


def test_moved_and_import_blocks_do_not_hide_the_stack(tmp_path: Path) -> None:
    """cdktf writes them for moveTo and importFrom; a stack using them is still scanned."""
    path = tmp_path / "cdk.tf.json"
    path.write_text('{"//": {"metadata": {"stackName": "web"}}, "resource": {"aws_s3_bucket": {"b": {}}},'
                    ' "moved": [{"from": "aws_s3_bucket.a", "to": "aws_s3_bucket.b"}],'
                    ' "import": [{"id": "b", "to": "aws_s3_bucket.b"}]}')
    assert [r.address for r in load(path)] == ["aws_s3_bucket.b"]


def test_empty_stack_is_still_fine(tmp_path: Path) -> None:
    path = tmp_path / "cdk.tf.json"
    path.write_text('{"//": {"metadata": {"stackName": "empty"}}, "terraform": {}}')
    assert len(load(path)) == 0


# --- dynamic blocks ----------------------------------------------------------------------------------------


def test_dynamic_block_over_a_literal_list_is_expanded() -> None:
    group = load(BAD / "dynamic_literal.tf.json").by_address("aws_security_group.web")
    assert group is not None
    assert "dynamic" not in group.properties
    assert list(group.blocks("ingress")) == [
        {"from_port": 443, "to_port": 443, "protocol": "tcp", "cidr_blocks": ["10.0.0.0/8"],
         "description": "rule ${rule.key}"},
        {"from_port": 22, "to_port": 22, "protocol": "tcp", "cidr_blocks": ["0.0.0.0/0"],
         "description": "rule ${rule.key}"},
    ]
    findings = scan(BAD / "dynamic_literal.tf.json", select=["AWS-EC2-001"])
    assert _status(findings, "AWS-EC2-001", "aws_security_group.web") is FindingStatus.FAILED


def test_dynamic_block_over_an_expression_cannot_be_evaluated() -> None:
    group = load(BAD / "dynamic_unknown.tf.json").by_address("aws_security_group.web")
    assert group is not None
    assert isinstance(group.get("ingress"), Unknown)
    with pytest.raises(UnreadableValue, match="ingress"):
        group.blocks("ingress")
    findings = scan(BAD / "dynamic_unknown.tf.json", select=["AWS-EC2-001", "AWS-EC2-002"])
    assert _status(findings, "AWS-EC2-001", "aws_security_group.web") is FindingStatus.UNKNOWN
    assert _status(findings, "AWS-EC2-002", "aws_security_group.web") is FindingStatus.UNKNOWN


def test_dynamic_block_beside_static_blocks_keeps_both(tmp_path: Path) -> None:
    path = tmp_path / "main.tf.json"
    path.write_text(
        '{"resource": {"aws_security_group": {"web": {"ingress": [{"from_port": 80, "to_port": 80}],'
        ' "dynamic": {"ingress": [{"for_each": {"ssh": 22}, "content": {"from_port": "${ingress.value}",'
        ' "description": "${ingress.key}"}}]}}}}}'
    )
    group = load(path).by_address("aws_security_group.web")
    assert group is not None
    assert group.get("ingress") == [{"from_port": 80, "to_port": 80}, {"from_port": 22, "description": "ssh"}]


def test_dynamic_key_spelled_with_escapes_is_expanded(tmp_path: Path) -> None:
    path = tmp_path / "main.tf.json"
    path.write_text((BAD / "dynamic_literal.tf.json").read_text().replace('"dynamic"', '"dyn\\u0061mic"'))
    findings = scan(path, select=["AWS-EC2-001"])
    assert _status(findings, "AWS-EC2-001", "aws_security_group.web") is FindingStatus.FAILED


def test_nested_dynamic_block_in_a_synthesized_document_is_expanded() -> None:
    """cdktf documents reach the reader as data, not text: their bodies are searched at every depth."""
    document = {"resource": {"aws_lb_listener": {"web": {"default_action": [{"type": "forward", "dynamic": {
        "forward": {"for_each": ["${aws_lb_target_group.a.arn}"], "iterator": "each",
                    "content": {"target_group": [{"arn": "${each.value}"}]}}}}]}}}}
    [listener] = resources_from_config(document, Path("stacks/web/cdk.tf.json"))
    assert listener.get("default_action") == [
        {"type": "forward", "forward": [{"target_group": [{"arn": "${aws_lb_target_group.a.arn}"}]}]}
    ]


# --- files that are not regular files ------------------------------------------------------------------


def _finishes(call: Callable[[], Any]) -> BaseException | None:
    """Run ``call`` in a thread: a read that blocks fails the test instead of hanging the run."""
    outcome: list[BaseException | None] = []

    def run() -> None:
        try:
            call()
        except BaseException as exc:  # handed to the test
            outcome.append(exc)
        else:
            outcome.append(None)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(20)
    assert outcome, "the read blocked"
    return outcome[0]


@needs_posix
def test_fifo_in_a_folder_is_an_error_not_a_hang(tmp_path: Path) -> None:
    shutil.copytree(EXAMPLE, tmp_path / "cdktf.out")
    fifo = tmp_path / "cdktf.out" / "stacks" / "legacy" / "x.tf.json"
    os.mkfifo(fifo)
    error = _finishes(lambda: scan(tmp_path / "cdktf.out"))
    assert isinstance(error, SourceError)
    assert error.path == str(fifo)
    assert "is not a regular file (a FIFO)" in error.reason


@needs_posix
def test_fifo_given_directly_is_an_error_not_a_hang(tmp_path: Path) -> None:
    fifo = tmp_path / "cdk.tf.json"
    os.mkfifo(fifo)
    error = _finishes(lambda: load_path(fifo))
    assert isinstance(error, SourceError)
    assert error.path == str(fifo)
    assert "is not a regular file (a FIFO)" in error.reason


# --- symbolic links ----------------------------------------------------------------------------------------


@needs_posix
def test_symlink_to_itself_is_an_error_naming_it(tmp_path: Path) -> None:
    loop = tmp_path / "cdk.tf.json"
    loop.symlink_to(loop)
    assert "symbolic link loop" in _error(loop).reason
    folder = tmp_path / "out"
    folder.mkdir()
    (folder / "x.tf.json").symlink_to(folder / "x.tf.json")
    assert "symbolic link loop" in _error(folder / "x.tf.json", lambda: scan(folder)).reason


@needs_posix
def test_folder_loop_is_an_error_naming_it(tmp_path: Path) -> None:
    shutil.copytree(EXAMPLE, tmp_path / "cdktf.out")
    loop = tmp_path / "cdktf.out" / "stacks" / "again"
    loop.symlink_to(tmp_path / "cdktf.out")
    assert "symbolic link loop" in _error(loop, lambda: load_path(tmp_path / "cdktf.out")).reason


@needs_posix
def test_symlinked_stack_folder_is_scanned_once(tmp_path: Path) -> None:
    out = tmp_path / "cdktf.out" / "stacks"
    out.mkdir(parents=True)
    shutil.copytree(EXAMPLE / "stacks" / "legacy", tmp_path / "legacy")
    (out / "legacy").symlink_to(tmp_path / "legacy", target_is_directory=True)
    (out / "alias").symlink_to(tmp_path / "legacy", target_is_directory=True)
    loaded = load_path(tmp_path / "cdktf.out")
    assert [item.resources.name for item in loaded] == ["legacy"]


@needs_posix
def test_broken_symlink_is_an_error_naming_it(tmp_path: Path) -> None:
    link = tmp_path / "cdk.tf.json"
    link.symlink_to(tmp_path / "gone.tf.json")
    assert "broken symbolic link" in _error(link).reason


# --- secrets the sources mark ----------------------------------------------------------------------------


def test_raw_state_sensitive_attributes_are_secret_paths() -> None:
    database = load(BAD / "state_sensitive.tfstate").by_address("aws_db_instance.main")
    assert database is not None
    assert database.secret_paths == {"password", "tags.api_key", "replica.token"}
    assert database.is_secret("password")
    assert not database.is_secret("identifier")


def test_plan_after_and_before_sensitive_are_secret_paths() -> None:
    database = load(BAD / "plan_after_sensitive.json").by_address("aws_db_instance.main")
    assert database is not None
    assert database.secret_paths == {"password", "master_user_secret.kms_key_id"}


def test_repeated_keys_in_a_stack_export_make_it_ambiguous(tmp_path: Path) -> None:
    path = tmp_path / "export.json"
    path.write_text('{"version": 3, "deployment": {"resources": [], "resources": ['
                    '{"urn": "urn:pulumi:dev::shop::aws:s3/bucket:Bucket::logs", "type": "aws:s3/bucket:Bucket"}]}}')
    reason = _error(path).reason
    assert "`deployment.resources` is given more than once" in reason


def test_malformed_urn_is_described_by_type_not_quoted(tmp_path: Path) -> None:
    path = tmp_path / "export.json"
    path.write_text('{"version": 3, "deployment": {"resources": [{"urn": "canary-token-value", "type": "t"}]}}')
    reason = _error(path).reason
    assert "`deployment.resources[0]` has no valid `urn`" in reason
    assert "canary" not in reason


def test_loader_faults_never_quote_values(tmp_path: Path) -> None:
    path = tmp_path / "state.json"
    path.write_text('{"format_version": "1.0", "values": {"root_module": {"resources": ['
                    '{"address": "aws_db_instance.main", "type": "aws_db_instance", "name": ["canary-secret"]}]}}}')
    reason = _error(path).reason
    assert "`values.root_module.resources[0]` (aws_db_instance) `name` is list, expected a string" in reason
    assert "canary" not in reason
