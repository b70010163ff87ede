"""Scan items from a user's seat: --iac-source, selection, markers, malformed sources, reports."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

import pytest_iaccompliance.policies.engine
from pytest_iaccompliance.options import (
    OPT_GRANULARITY,
    OPT_IGNORE,
    OPT_REPORT,
    OPT_SARIF,
    OPT_SELECT,
    OPT_SOURCE,
    OPT_UNKNOWN,
)
from tests.runs import MODES, XDIST, run


@pytest.fixture
def stacks(pytester: pytest.Pytester, example_stacks: Path) -> Path:
    target = pytester.path / "cdktf.out"
    shutil.copytree(example_stacks, target)
    return target


@pytest.mark.parametrize("mode", MODES)
def test_scan_items_fail_critical_policies_and_name_resources(pytester: pytest.Pytester, stacks: Path,
                                                              mode: list[str]) -> None:
    result = run(pytester, *mode, f"{OPT_SOURCE}={stacks.name}", "-rA")
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.stdout.fnmatch_lines([
        "*AWS-EC2-001 [[]critical[]] Security group allows no ingress*",
        "*1 non-compliant resource(s) in *legacy/cdk.tf.json:",
        "  - aws_security_group.bastion (legacy/bastion-sg) allows SSH (port 22) "
        "from 0.0.0.0/0, ::/0",
    ])
    result.stdout.fnmatch_lines(["critical failures: 8 (limit 0) -> FAILS the session"])
    result.stdout.fnmatch_lines(["PASSED cdktf.out/stacks/payments/cdk.tf.json::AWS-S3-001"])


def test_m_critical_selects_scan_items(pytester: pytest.Pytester, stacks: Path) -> None:
    pytester.makeini("[pytest]\niac_required_tags = owner cost-center\n")
    everything = run(pytester, f"{OPT_SOURCE}={stacks.name}", "--collect-only", "-q")
    everything.stdout.fnmatch_lines(["*legacy/cdk.tf.json::AWS-TAG-001"])
    critical = run(pytester, f"{OPT_SOURCE}={stacks.name}", "-m", "critical", "--collect-only", "-q")
    critical.stdout.no_fnmatch_line("*AWS-TAG-001*")
    critical.stdout.fnmatch_lines(["*legacy/cdk.tf.json::AWS-S3-001", "*deselected*"])
    warning = run(pytester, f"{OPT_SOURCE}={stacks.name}", "-m", "warning")
    outcomes = warning.parseoutcomes()
    assert outcomes["tolerated"] == 9  # AWS-S3-008 (the exports bucket uses SSE-S3) and IAC-BACKEND-002 (no kms_key_id)
    assert "failed" not in outcomes
    assert warning.ret == pytest.ExitCode.OK


def test_select_ignore_and_severity_override(pytester: pytest.Pytester, stacks: Path) -> None:
    pytester.makeini("[pytest]\niac_severity =\n    AWS-EC2-001 = warning\n    AWS-EC2-014 = warning\n")
    result = run(pytester, f"{OPT_SOURCE}={stacks.name}", OPT_SELECT, "AWS-EC2-*", OPT_SELECT, "AWS-S3-*",
                 OPT_IGNORE, "AWS-S3-*", "-v")
    result.stdout.fnmatch_lines(["*legacy/cdk.tf.json::AWS-EC2-001 FAILED (warning)*"])
    result.stdout.no_fnmatch_line("*AWS-S3-001*")
    assert result.ret == pytest.ExitCode.OK


def test_unknown_pattern_is_a_usage_error(pytester: pytest.Pytester, stacks: Path) -> None:
    result = run(pytester, f"{OPT_SOURCE}={stacks.name}", OPT_SELECT, "AWS-S4-*")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*policy pattern 'AWS-S4-[*]' matches no registered policy*"])


def test_unknown_values_fail_closed_or_skip(pytester: pytest.Pytester, stacks: Path) -> None:
    source = stacks / "stacks" / "legacy" / "cdk.tf.json"
    failing = run(pytester, f"{OPT_SOURCE}={source}", OPT_SELECT, "AWS-RDS-001")
    assert failing.ret == pytest.ExitCode.TESTS_FAILED
    failing.stdout.fnmatch_lines([
        "1 resource(s) that cannot be evaluated before apply:",
        "  - aws_db_instance.reports *: storage_encrypted of aws_db_instance.reports depends on ${var.db_encrypted}",
    ])
    skipped = run(pytester, f"{OPT_SOURCE}={source}", OPT_SELECT, "AWS-RDS-001", OPT_UNKNOWN, "skip", "-rs")
    skipped.assert_outcomes(skipped=1)
    skipped.stdout.fnmatch_lines(["*cannot be evaluated before apply*"])


def test_resource_granularity(pytester: pytest.Pytester, stacks: Path) -> None:
    result = run(pytester, f"{OPT_SOURCE}={stacks.name}", OPT_GRANULARITY, "resource", OPT_SELECT, "AWS-S3-001",
                 "-v")
    result.stdout.fnmatch_lines([
        "*legacy/cdk.tf.json::AWS-S3-001[[]aws_s3_bucket.exports[]] FAILED (critical)*",
        "*payments/cdk.tf.json::AWS-S3-001[[]aws_s3_bucket.receipts[]] PASSED*",
    ])


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{broken", "*broken.json: is not valid JSON*"),
        ('{"name": "web"}', "*broken.json: is not a cdktf/cdktn synthesis*"),
        ('{"resource": {"aws_s3_bucket": ["b"]}}',
         "*broken.json: `resource.aws_s3_bucket[[]0[]]` is str, expected an object*"),
    ],
)
@pytest.mark.parametrize("mode", MODES)
def test_malformed_source_is_a_collection_error_naming_the_file(pytester: pytest.Pytester, content: str,
                                                                message: str, mode: list[str]) -> None:
    pytester.makefile(".json", broken=content)
    pytester.makepyfile("import pytest\n@pytest.mark.critical\ndef test_other(): pass\n")
    result = run(pytester, *mode, f"{OPT_SOURCE}=broken.json", "-m", "critical")
    # A broken input blocks the run under any selection, as a broken test module does (xdist runs the
    # rest and fails).
    assert result.ret == (pytest.ExitCode.TESTS_FAILED if mode else pytest.ExitCode.INTERRUPTED)
    result.stdout.fnmatch_lines(["*ERROR collecting broken.json*", message, "*1 error*"])
    result.stdout.no_fnmatch_line("*Traceback*")
    result.stdout.no_fnmatch_line("*INTERNALERROR*")
    carried_on = run(pytester, *mode, f"{OPT_SOURCE}=broken.json", "--continue-on-collection-errors")
    assert carried_on.ret == pytest.ExitCode.TESTS_FAILED
    assert carried_on.parseoutcomes() == {"passed": 1, "errors": 1}


@pytest.mark.parametrize("mode", MODES)
def test_missing_source_path_fails_naming_it(pytester: pytest.Pytester, mode: list[str]) -> None:
    result = run(pytester, *mode, f"{OPT_SOURCE}=does-not-exist", "-k", "AWS-S3")
    # As for a broken test module: one process is interrupted, xdist reports the error as a failure.
    assert result.ret == (pytest.ExitCode.TESTS_FAILED if mode else pytest.ExitCode.INTERRUPTED)
    result.stdout.fnmatch_lines(["*does-not-exist: no such file or folder*"])
    result.stdout.no_fnmatch_line("*INTERNALERROR*")


def test_collection_errors_still_count_when_failures_are_tolerated(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_broken="import module_that_does_not_exist\n",
                        test_ok="import pytest\n@pytest.mark.warning\ndef test_w(): assert False\n")
    result = run(pytester, "--continue-on-collection-errors")
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.stdout.fnmatch_lines(["warning failures: 1 (no limit) -> tolerated"])


def test_malformed_blocks_are_never_compliant(pytester: pytest.Pytester) -> None:
    pytester.makefile(".tf.json", main='{"resource": {"aws_security_group": {"web": {"ingress": "0.0.0.0/0"}}}}')
    result = run(pytester, f"{OPT_SOURCE}=main.tf.json", OPT_SELECT, "AWS-EC2-001")
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.stdout.fnmatch_lines([
        "1 resource(s) that cannot be evaluated before apply:",
        "  - aws_security_group.web: `ingress` of aws_security_group.web is a string, "
        "expected a block or a list of blocks",
    ])


def test_a_crashing_policy_is_an_ordinary_error_whatever_its_severity(pytester: pytest.Pytester) -> None:
    pytester.makeconftest(
        """
        from pytest_iaccompliance import Severity, hookimpl
        from pytest_iaccompliance.policies import policy

        @policy("TEAM-1", title="buggy", severity=Severity.WARNING, resource_types=["aws_vpc"])
        def buggy(resource, context):
            return resource.properties["no_such_key"]

        @hookimpl
        def iaccompliance_policies():
            return [buggy]
        """
    )
    pytester.makefile(".tf.json", main='{"resource": {"aws_vpc": {"main": {}}}}')
    result = run(pytester, f"{OPT_SOURCE}=main.tf.json", OPT_SELECT, "TEAM-*")
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.stdout.fnmatch_lines(["policy TEAM-1 raised KeyError: 'no_such_key' on aws_vpc.main (*)"])
    result.stdout.no_fnmatch_line("*tolerated*")
    result.stdout.no_fnmatch_line("*engine.py*")


def test_an_engine_bug_is_named_without_its_frames(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    # The conftest patches the engine in this interpreter too: put it back after the test.
    monkeypatch.setattr(pytest_iaccompliance.policies.engine, "check_resources",
                        pytest_iaccompliance.policies.engine.check_resources)
    pytester.makeconftest(
        """
        import pytest_iaccompliance.policies.engine as engine

        def check_resources(policy, resources, context, **options):
            values = [dict(resource.properties) for resource in resources]
            raise LookupError("bug in the engine")

        engine.check_resources = check_resources
        """
    )
    pytester.makefile(".tf.json", main='{"resource": {"aws_db_instance": {"db": {"password": "CANARY-e1"}}}}')
    result = run(pytester, f"{OPT_SOURCE}=main.tf.json", OPT_SELECT, "AWS-RDS-001", "-l", "-rA")
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    assert "CANARY-e1" not in result.stdout.str()
    assert "bug in the engine" not in result.stdout.str()
    result.stdout.fnmatch_lines([
        f"internal error in pytest-iaccompliance while running AWS-RDS-001 on {pytester.path}/main.tf.json: "
        "LookupError",
    ])


def test_overlapping_sources_scan_each_file_once(pytester: pytest.Pytester, stacks: Path) -> None:
    legacy = "cdktf.out/stacks/legacy/cdk.tf.json"
    result = run(pytester, f"{OPT_SOURCE}={stacks.name}", f"{OPT_SOURCE}={legacy}", OPT_SELECT, "AWS-S3-001",
                 "--collect-only", "-q")
    result.stdout.fnmatch_lines(["2 tests collected*"])


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("granularity", ["policy", "resource"])
def test_a_scan_items_node_id_reruns_that_item(pytester: pytest.Pytester, stacks: Path, mode: list[str],
                                               granularity: str) -> None:
    pytester.makepyfile("def test_ok(): pass\n")
    options = (f"{OPT_SOURCE}={stacks.name}", OPT_GRANULARITY, granularity)
    listed = run(pytester, *options, "--collect-only", "-q")
    [nodeid] = [line for line in listed.stdout.lines if line.startswith(f"{stacks.name}/stacks/legacy/")
                and "::AWS-S3-001" in line]
    result = run(pytester, *mode, *options, nodeid, "-rA")
    # Arguments that name a source choose the sources, as they choose test modules.
    assert result.parseoutcomes() == {"failed": 1}
    escaped = nodeid.replace("[", "[[]")
    result.stdout.fnmatch_lines([f"FAILED (critical) {escaped}*"])


def test_empty_threshold_value_is_a_usage_error(pytester: pytest.Pytester) -> None:
    pytester.makepyfile("def test_ok(): pass")
    result = run(pytester, "--iac-max-critical=")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*--iac-max-critical expects a whole number or 'none', got an empty value*"])


def test_report_path_that_is_a_folder_is_a_usage_error(pytester: pytest.Pytester) -> None:
    pytester.mkdir("out")
    pytester.makepyfile("def test_ok(): pass")
    result = run(pytester, OPT_REPORT, "out")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*--iac-report out: is a folder; give the path of the file to write*"])


def test_stopping_early_still_states_the_verdict(pytester: pytest.Pytester, stacks: Path) -> None:
    result = run(pytester, f"{OPT_SOURCE}={stacks.name}", "-x", OPT_REPORT, "r.json")
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.stdout.fnmatch_lines(["*the run stopped early*", "critical failures: 1 (limit 0) -> FAILS the session"])
    manifest = json.loads((pytester.path / "r.json").read_text())
    assert manifest["verdict"]["critical"]["fails_session"] is True


def test_ini_sources_relative_to_ini_file(pytester: pytest.Pytester, stacks: Path) -> None:
    sub = pytester.mkdir("tests")
    pytester.makeini("[pytest]\niac_sources = cdktf.out/stacks/payments/cdk.tf.json\n")
    result = run(pytester, str(sub), "-q")
    assert result.ret == pytest.ExitCode.OK
    result.stdout.fnmatch_lines(["*passed*"])


def test_report_lists_findings_with_controls(pytester: pytest.Pytester, stacks: Path) -> None:
    run(pytester, f"{OPT_SOURCE}={stacks.name}", OPT_REPORT, "compliance.json", *XDIST)
    manifest = json.loads((pytester.path / "compliance.json").read_text())
    failed = {(f["policy_id"], f["address"]) for f in manifest["findings"] if f["status"] == "failed"}
    assert ("AWS-EC2-001", "aws_security_group.bastion") in failed
    passed = [f for f in manifest["findings"] if f["status"] == "passed" and f["policy_id"] == "AWS-S3-001"]
    assert passed[0]["address"] == "aws_s3_bucket.receipts"
    assert "NIST-800-53-r5:SC-28" in passed[0]["controls"]
    assert passed[0]["checkov_ids"]
    assert manifest["verdict"]["critical"]["fails_session"] is True
    assert manifest["totals"]["unknown"] == 1


def test_secret_values_never_reach_the_output(pytester: pytest.Pytester, data_dir: Path) -> None:
    shutil.copy(data_dir / "plan_modules.json", pytester.path / "plan.json")
    result = run(pytester, f"{OPT_SOURCE}=plan.json", OPT_REPORT, "r.json", "-rA")
    assert "hunter2hunter2" not in result.stdout.str()
    assert "hunter2hunter2" not in (pytester.path / "r.json").read_text()


def test_plugin_can_be_disabled(pytester: pytest.Pytester) -> None:
    pytester.makepyfile("import pytest\n@pytest.mark.critical\ndef test_a(): assert False\n")
    result = run(pytester, "-p", "no:iaccompliance")
    result.stdout.no_fnmatch_line("*compliance summary*")
    assert result.ret == pytest.ExitCode.TESTS_FAILED


def test_sarif_report_points_at_source_files(pytester: pytest.Pytester, stacks: Path) -> None:
    run(pytester, f"{OPT_SOURCE}={stacks.name}", OPT_SARIF, "out/results.sarif")
    sarif = json.loads((pytester.path / "out" / "results.sarif").read_text())
    assert sarif["version"] == "2.1.0"
    [run_] = sarif["runs"]
    rules = {rule["id"]: rule for rule in run_["tool"]["driver"]["rules"]}
    assert rules["AWS-EC2-001"]["defaultConfiguration"]["level"] == "error"
    results = {(r["ruleId"], r["properties"]["address"]): r for r in run_["results"]}
    bastion = results[("AWS-EC2-001", "aws_security_group.bastion")]
    location = bastion["locations"][0]
    assert location["physicalLocation"]["artifactLocation"]["uri"] == "cdktf.out/stacks/legacy/cdk.tf.json"
    assert location["logicalLocations"][0]["fullyQualifiedName"] == "legacy/bastion-sg"
    assert results[("AWS-RDS-001", "aws_db_instance.reports")]["level"] == "note"
    assert ("AWS-S3-001", "aws_s3_bucket.receipts") not in results
