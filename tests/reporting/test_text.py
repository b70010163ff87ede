"""One way a finding reads: the resource named once, its location beside it."""

from __future__ import annotations

import json

import pytest

from pytest_iaccompliance.model import Finding, FindingStatus, Severity
from pytest_iaccompliance.options import OPT_SOURCE
from pytest_iaccompliance.reporting.text import finding_line


def _finding(message: str, location: str | None = None) -> Finding:
    return Finding(policy_id="AWS-X-001", severity=Severity.CRITICAL, status=FindingStatus.FAILED,
                   address="aws_db_instance.orders", resource_type="aws_db_instance", source_file="plan.json",
                   message=message, location=location)


@pytest.mark.parametrize(("message", "location", "expected"), [
    ("aws_db_instance.orders: deletion protection is off", None,
     "aws_db_instance.orders: deletion protection is off"),
    ("aws_db_instance.orders has storage_encrypted unset", "Stack/orders",
     "aws_db_instance.orders (Stack/orders) has storage_encrypted unset"),
    ("aws_security_group_rule.ssh allows SSH", None,
     "aws_db_instance.orders: aws_security_group_rule.ssh allows SSH"),
    ("aws_db_instance.orders2: other resource", None,
     "aws_db_instance.orders: aws_db_instance.orders2: other resource"),
])
def test_the_resource_is_named_once(message: str, location: str | None, expected: str) -> None:
    assert finding_line(_finding(message, location)) == expected


def test_a_scan_item_names_each_resource_once(pytester: pytest.Pytester) -> None:
    document = {"resource": {"aws_db_instance": {"orders": {"engine": "postgres", "storage_encrypted": False}}}}
    pytester.path.joinpath("main.tf.json").write_text(json.dumps(document))
    result = pytester.runpytest(f"{OPT_SOURCE}=main.tf.json", "--iac-select=AWS-RDS-001")
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    lines = [line for line in result.stdout.lines if line.startswith("  - aws_db_instance.orders")]
    assert lines
    assert all(line.count("aws_db_instance.orders") == 1 for line in lines), lines


def test_a_source_above_the_current_folder_is_shown_normalized(pytester: pytest.Pytester) -> None:
    document = {"resource": {"aws_db_instance": {"orders": {"engine": "postgres", "storage_encrypted": False}}}}
    pytester.mkdir("stacks").joinpath("main.tf.json").write_text(json.dumps(document))
    pytester.mkdir("tests").joinpath("test_ok.py").write_text("def test_ok():\n    pass\n")
    pytester.makeini("[pytest]\n")
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(pytester.path / "tests")
        result = pytester.runpytest(f"{OPT_SOURCE}=../stacks/main.tf.json", "--iac-select=AWS-RDS-001")
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.stdout.fnmatch_lines([f"1 non-compliant resource(s) in {pytester.path}/stacks/main.tf.json:"])
    result.stdout.no_fnmatch_line("*/../*")
