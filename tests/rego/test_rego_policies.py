"""OPA/Rego policies (conftest conventions) from a user's seat: items, severities, thresholds, waivers, xdist.

Run by the ``rego`` tox environment, which installs the engine (the ``rego`` extra).
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from pytest_iaccompliance.fixtures.waivers import OPT_WAIVERS
from pytest_iaccompliance.options import OPT_MAX_WARNINGS, OPT_REPORT, OPT_SELECT
from tests.runs import MODES, run, run_subprocess

STACK = {
    "resource": {
        "aws_s3_bucket": {"logs": {"bucket": "logs", "tags": {"owner": "platform"}}, "data": {"bucket": "data"}},
        "aws_security_group": {"web": {"ingress": [
            {"from_port": 22, "to_port": 22, "protocol": "tcp", "cidr_blocks": ["0.0.0.0/0"]}]}},
    }
}

# deny names the address in its message, violation names it in a conftest-style object, warn names none.
POLICY = """\
package main

import rego.v1

deny contains msg if {
	some name, bucket in input.resource.aws_s3_bucket
	not bucket.tags.owner
	msg := sprintf("aws_s3_bucket.%s has no owner tag", [name])
}

# METADATA
# title: Security groups open to the world
# custom:
#   severity: warning
violation contains {"msg": "SSH is open to the world", "resource": sprintf("aws_security_group.%s", [name])} if {
	some name, sg in input.resource.aws_security_group
	some rule in sg.ingress
	"0.0.0.0/0" in rule.cidr_blocks
}

warn contains "the stack declares fewer than 5 buckets" if {
	count(input.resource.aws_s3_bucket) < 5
}
"""

INI = """\
[pytest]
iac_sources = main.tf.json
iac_select = rego.*
"""


@pytest.fixture
def project(pytester: pytest.Pytester) -> Path:
    pytester.path.joinpath("main.tf.json").write_text(json.dumps(STACK))
    pytester.path.joinpath("policy").mkdir()
    pytester.path.joinpath("policy", "tags.rego").write_text(POLICY)
    pytester.makeini(INI)
    return pytester.path


def findings(path: Path) -> list[tuple[str, str, str, str]]:
    manifest = json.loads(path.read_text())
    return sorted((f["policy_id"], f["severity"], f["status"], f["address"]) for f in manifest["findings"]
                  if f["status"] != "passed")


@pytest.mark.parametrize("mode", MODES)
def test_rules_become_items_with_their_severities_and_addresses(pytester: pytest.Pytester, project: Path,
                                                                mode: list[str]) -> None:
    result = run(pytester, *mode, OPT_REPORT, "report.json", "-rA")
    assert result.ret == pytest.ExitCode.TESTS_FAILED  # the deny rule is critical
    assert findings(project / "report.json") == [
        ("rego.tags.deny", "critical", "failed", "aws_s3_bucket.data"),
        ("rego.tags.violation", "warning", "failed", "aws_security_group.web"),
        ("rego.tags.warn", "warning", "failed", "source:main"),
    ]
    result.stdout.fnmatch_lines([
        "critical failures: 1 (limit 0) -> FAILS the session",
        "    main.tf.json::rego.tags.deny",
        "warning failures: 2 (no limit) -> tolerated",
    ])
    result.stdout.fnmatch_lines(["*aws_security_group.web: SSH is open to the world*"])


def test_a_threshold_counts_rego_warnings(pytester: pytest.Pytester, project: Path) -> None:
    pytester.path.joinpath("policy", "tags.rego").write_text(POLICY.replace("deny contains", "warn_tags contains"))
    assert run(pytester).ret == pytest.ExitCode.OK
    limited = run(pytester, f"{OPT_MAX_WARNINGS}=2")
    assert limited.ret == pytest.ExitCode.TESTS_FAILED
    limited.stdout.fnmatch_lines(["warning failures: 3 (limit 2) -> FAILS the session"])


def test_a_waiver_file_waives_one_rego_finding(pytester: pytest.Pytester, project: Path) -> None:
    expires = (datetime.now(timezone.utc).date() + timedelta(days=30)).isoformat()
    pytester.path.joinpath("waivers.toml").write_text(
        f'[[waiver]]\npolicy = "rego.tags.deny"\naddress = "aws_s3_bucket.data"\n'
        f'reason = "Untagged until the migration (RISK-9)"\nexpires = {expires}\n')
    result = run(pytester, OPT_WAIVERS, "waivers.toml", OPT_REPORT, "report.json")
    assert result.ret == pytest.ExitCode.OK
    assert ("rego.tags.deny", "critical", "waived", "aws_s3_bucket.data") in findings(project / "report.json")
    result.stdout.fnmatch_lines(["critical failures: 0 (limit 0) -> ok"])


def test_minus_m_critical_selects_the_critical_rules(pytester: pytest.Pytester, project: Path) -> None:
    result = run(pytester, "-m", "critical", "--collect-only", "-q")
    result.stdout.fnmatch_lines(["main.tf.json::rego.tags.deny", "*2 deselected*"])
    assert "rego.tags.warn" not in result.stdout.str()


@pytest.mark.parametrize("mode", MODES)
def test_a_policy_with_a_syntax_error_is_one_failing_item(pytester: pytest.Pytester, project: Path,
                                                          mode: list[str]) -> None:
    pytester.path.joinpath("policy", "broken.rego").write_text("package main\n\ndeny contains msg if {\n  msg := \n}\n")
    result = run(pytester, *mode, "-rf")
    assert result.parseoutcomes()["failed"] == 2  # the broken file, and the other file's critical deny
    out = result.stdout.str()
    result.stdout.fnmatch_lines(["*policy rego.broken cannot run: *broken.rego:4:7: expecting `}` while parsing set",
                                 "  |", "4 |   msg := "])
    result.stdout.fnmatch_lines(["FAILED main.tf.json::rego.broken - *"])
    # The other file's rules still run.
    result.stdout.fnmatch_lines(["*main.tf.json::rego.tags.deny*"])
    assert "Traceback" not in out
    assert "Stack backtrace" not in out


def test_a_runtime_error_fails_the_rule_item_without_showing_the_value(pytester: pytest.Pytester,
                                                                        project: Path) -> None:
    pytester.path.joinpath("policy", "runtime.rego").write_text(
        "package main\nimport rego.v1\n\ndeny contains msg if {\n"
        "  some name, bucket in input.resource.aws_s3_bucket\n  msg := sprintf(\"%s\", bucket.bucket)\n}\n")
    result = run(pytester, "-rf")
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.stdout.fnmatch_lines(["*policy rego.runtime.deny cannot run: rule deny failed: *runtime.rego:6:*: "
                                 "`sprintf` expects array argument. Got <value withheld> instead"])
    assert "`logs`" not in result.stdout.str()
    assert "`data`" not in result.stdout.str()


def test_ini_names_policies_outside_the_test_tree_and_their_namespace(pytester: pytest.Pytester) -> None:
    pytester.path.joinpath("main.tf.json").write_text(json.dumps(STACK))
    tests = pytester.mkdir("tests")
    tests.joinpath("test_nothing.py").write_text("def test_ok():\n    pass\n")
    shared = pytester.mkdir("shared-policies")
    shared.joinpath("buckets.rego").write_text(POLICY.replace("package main", "package aws.s3"))
    shared.joinpath("lib.rego").write_text("package lib\n\nowner_tag := \"owner\"\n")
    pytester.makeini("[pytest]\ntestpaths = tests\niac_sources = main.tf.json\niac_select = rego.*\n"
                     "iac_rego = shared-policies\niac_rego_namespace = aws.*\n")
    result = run(pytester, "--collect-only", "-q")
    result.stdout.fnmatch_lines(["main.tf.json::rego.buckets.deny", "main.tf.json::rego.buckets.violation",
                                 "main.tf.json::rego.buckets.warn"])
    assert "rego.lib" not in result.stdout.str()


def test_metadata_gives_the_id_severity_and_controls(pytester: pytest.Pytester, project: Path) -> None:
    pytester.path.joinpath("policy", "tags.rego").write_text(POLICY.replace(
        "deny contains msg if {",
        "# METADATA\n# title: Buckets carry an owner\n# custom:\n#   id: ORG-S3-001\n#   severity: warning\n"
        "#   controls: [ORG-2.1]\ndeny contains msg if {"))
    result = run(pytester, OPT_REPORT, "report.json", f"{OPT_SELECT}=ORG-*", f"{OPT_SELECT}=rego.*")
    assert result.ret == pytest.ExitCode.OK  # the only critical rule is a warning now
    manifest = json.loads((project / "report.json").read_text())
    [finding] = [f for f in manifest["findings"] if f["policy_id"] == "ORG-S3-001" and f["status"] == "failed"]
    assert (finding["severity"], finding["controls"], finding["title"]) == (
        "warning", ["ORG-2.1"], "Buckets carry an owner")


def test_without_rego_files_the_engine_is_never_imported(pytester: pytest.Pytester) -> None:
    pytester.path.joinpath("main.tf.json").write_text(json.dumps(STACK))
    pytester.makeini("[pytest]\niac_sources = main.tf.json\n")
    pytester.makepyfile(test_engine="""
        import sys

        def test_engines_not_loaded():
            assert "regorus" not in sys.modules
            assert "pulumi_policy" not in sys.modules
        """)
    result = run_subprocess(pytester, "-k", "engines_not_loaded")
    result.assert_outcomes(passed=1, deselected=result.parseoutcomes().get("deselected", 0))


def test_a_rego_item_reruns_by_its_node_id(pytester: pytest.Pytester, project: Path) -> None:
    result = run(pytester, "main.tf.json::rego.tags.violation")
    result.stdout.fnmatch_lines(["*1 tolerated*"])
    assert result.ret == pytest.ExitCode.OK
