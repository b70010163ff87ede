"""Opt-in policies: stricter variants (AWS-DDB-003, a customer-managed key) run only when a project asks."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pytest_iaccompliance import scan
from pytest_iaccompliance.options import INI_OPT_IN, OPT_SOURCE
from pytest_iaccompliance.policies.base import RuleSettings
from pytest_iaccompliance.policies.suite import PolicySuite
from tests.runs import run

# Encrypted with the AWS-managed key: AWS-DDB-002 passes, the stricter AWS-DDB-003 would fail.
TABLE = {"resource": {"aws_dynamodb_table": {"orders": {
    "name": "orders", "hash_key": "id", "server_side_encryption": [{"enabled": True}],
    "point_in_time_recovery": [{"enabled": True}],
}}}}


def _ids(suite: PolicySuite) -> set[str]:
    return {p.id for p in suite.policies}


def test_an_opt_in_policy_is_off_unless_named() -> None:
    assert "AWS-DDB-003" not in _ids(PolicySuite.load())
    assert "AWS-DDB-002" in _ids(PolicySuite.load())
    assert "AWS-DDB-003" in _ids(PolicySuite.load(settings=RuleSettings(opt_in=("AWS-DDB-*",))))
    assert "AWS-DDB-003" not in _ids(PolicySuite.load(settings=RuleSettings(opt_in=("AWS-S3-*",))))


def test_scan_runs_it_only_when_asked(tmp_path: Path) -> None:
    source = tmp_path / "main.tf.json"
    source.write_text(json.dumps(TABLE))
    assert not [f for f in scan(source) if f.policy_id == "AWS-DDB-003"]
    failed = [f for f in scan(source, opt_in=["AWS-DDB-003"]) if f.policy_id == "AWS-DDB-003"]
    assert [(f.address, f.status.value) for f in failed] == [("aws_dynamodb_table.orders", "failed")]


@pytest.mark.parametrize("opted_in", [False, True])
def test_the_ini_key_adds_its_scan_item(pytester: pytest.Pytester, opted_in: bool) -> None:
    pytester.path.joinpath("main.tf.json").write_text(json.dumps(TABLE))
    pytester.makeini(f"[pytest]\n{INI_OPT_IN} = AWS-DDB-003\n" if opted_in else "[pytest]\n")
    result = run(pytester, f"{OPT_SOURCE}=main.tf.json", "--iac-select=AWS-DDB-*", "-v")
    listed = result.stdout.str()
    assert "main.tf.json::AWS-DDB-002 PASSED" in listed
    assert ("main.tf.json::AWS-DDB-003" in listed) is opted_in
    if opted_in:
        result.stdout.fnmatch_lines(["*main.tf.json::AWS-DDB-003 FAILED (warning)*"])
