"""Checkov's checks from the user's seat: a project with a custom check, ``--iac-checkov`` on a cdktf synthesis
and a plan, with the project's severities, thresholds, waivers, ``-m`` and ``-n 2``.

Every run has its own interpreter: Checkov's compiled graph library can be imported only once per process,
and its check registries are process-wide, so runs in this interpreter would share (or fail to load) them.
"""

from __future__ import annotations

import json
import re

import pytest

from tests.adapters.checkov_project import BROKEN_CHECK, crashing_source, ini, waiver, write_project
from tests.runs import MODES, XDIST
from tests.runs import run_subprocess as run

SOURCES = ("--iac-source", "cdktf.out", "--iac-source", "plan.json")


@pytest.fixture
def project(pytester: pytest.Pytester) -> pytest.Pytester:
    write_project(pytester.path)
    pytester.makeini(ini())
    return pytester


@pytest.mark.parametrize("mode", MODES)
def test_custom_check_runs_on_cdktf_and_plan_at_the_mapped_severity(project: pytest.Pytester, mode: list[str]) -> None:
    result = run(project, *SOURCES, "--iac-report", "report.json", *mode)
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    text = result.stdout.str()
    # One item per check and source, at the severity ini iac_checkov_severity gives it.
    result.stdout.fnmatch_lines([
        "*critical failures: 8 (limit 0) -> FAILS the session*",
        "*CKV_ACME_1 [[]critical[]] S3 bucket names start with acme-: aws_s3_bucket.exports (*), "
        'module.web.aws_s3_bucket.assets[[]"eu"[]] (*)',
        "*CKV_AWS_144 [[]warning[]] Ensure that S3 bucket has cross-region replication enabled:*",
    ])
    assert "FAILED (critical) cdktf.out/stacks/app/cdk.tf.json::CKV_ACME_1" in text
    assert "FAILED (critical) plan.json::CKV_ACME_1" in text
    report = json.loads((project.path / "report.json").read_text())
    acme = {(f["source_file"].split("/")[-1], f["address"]): f["status"] for f in report["findings"]
            if f["policy_id"] == "CKV_ACME_1"}
    assert acme == {
        ("cdk.tf.json", "aws_s3_bucket.logs"): "passed",
        ("cdk.tf.json", "aws_s3_bucket.exports"): "failed",
        ("plan.json", "aws_s3_bucket.logs"): "passed",
        ("plan.json", 'module.web.aws_s3_bucket.assets["eu"]'): "failed",
    }
    assert all(f["severity"] == "critical" for f in report["findings"] if f["policy_id"] == "CKV_ACME_1")
    assert {f["severity"] for f in report["findings"] if f["policy_id"] == "CKV_AWS_144"} == {"warning"}


def test_a_check_a_built_in_rule_declares_is_reported_once_with_checkovs_verdict_beside(
        project: pytest.Pytester) -> None:
    result = run(project, *SOURCES, "--iac-report", "report.json")
    text = result.stdout.str()
    assert "::CKV_AWS_21" not in text
    assert "::CKV_AWS_19" not in text
    assert "aws_s3_bucket.exports (app/exports): does not have versioning enabled; Checkov CKV_AWS_21: failed, " \
           "agrees" in text
    # Where the two differ, the terminal says so (here a difference the rule documents).
    assert "aws_s3_bucket.exports (app/exports): has no server-side encryption configuration; Checkov CKV_AWS_19: " \
           "passed, differs (documented in the rule)" in text
    report = json.loads((project.path / "report.json").read_text())
    versioning = {f["address"]: f for f in report["findings"]
                  if f["policy_id"] == "AWS-S3-004" and f["source_file"].endswith("cdk.tf.json")}
    assert versioning["aws_s3_bucket.logs"]["status"] == "passed"
    assert versioning["aws_s3_bucket.logs"]["message"] == "compliant; Checkov CKV_AWS_21: passed, agrees"
    assert not any(f["policy_id"] in ("CKV_AWS_21", "CKV_AWS_19") for f in report["findings"])


def test_thresholds_count_checkov_failures_by_their_severity(project: pytest.Pytester) -> None:
    project.makeini(ini(severity="CKV_* = critical"))
    selected = ("--iac-select", "CKV_ACME_*", "--iac-select", "CKV_AWS_144")
    tolerated = run(project, "--iac-source", "plan.json", *selected, "--iac-max-critical", "2")
    assert tolerated.ret == pytest.ExitCode.OK, tolerated.stdout.str()
    tolerated.stdout.fnmatch_lines(["*critical failures: 2 (limit 2) -> tolerated*"])
    blocked = run(project, "--iac-source", "plan.json", *selected, "--iac-max-critical", "1")
    assert blocked.ret == pytest.ExitCode.TESTS_FAILED
    blocked.stdout.fnmatch_lines(["*critical failures: 2 (limit 1) -> FAILS the session*"])


def test_a_waiver_file_waives_one_checkov_finding(project: pytest.Pytester) -> None:
    (project.path / "waivers.toml").write_text(waiver("CKV_ACME_1", "aws_s3_bucket.exports"), encoding="utf-8")
    result = run(project, "--iac-source", "cdktf.out", "--iac-select", "CKV_ACME_*", "--iac-waivers", "waivers.toml",
                 "-rA")
    assert result.ret == pytest.ExitCode.OK, result.stdout.str()
    result.stdout.fnmatch_lines(["waived findings (not counted): 1",
                                 "    CKV_ACME_1 aws_s3_bucket.exports: waivers.toml: waiver 1: Export bucket *",
                                 "*= 1 waived in *"])
    # The same finding on the plan is not waived: the waiver names the cdktf address only.
    result = run(project, *SOURCES, "--iac-select", "CKV_ACME_*", "--iac-waivers", "waivers.toml")
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.stdout.fnmatch_lines(["*critical failures: 1 (limit 0) -> FAILS the session*", "*plan.json::CKV_ACME_1"])


@pytest.mark.parametrize("mode", MODES)
def test_m_critical_selects_checkov_checks_by_their_mapped_severity(project: pytest.Pytester, mode: list[str]) -> None:
    result = run(project, *SOURCES, "-m", "critical", "--iac-select", "CKV_*", "-rA", *mode)
    text = result.stdout.str()
    assert "::CKV_ACME_1" in text
    assert "::CKV_AWS_144" not in text  # a warning: deselected
    result.assert_outcomes(failed=2)


def test_a_custom_check_that_cannot_load_is_one_failing_item(pytester: pytest.Pytester) -> None:
    write_project(pytester.path, checks=BROKEN_CHECK)
    pytester.makeini(ini())
    result = run(pytester, "--iac-source", "cdktf.out", "-rA")
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    text = result.stdout.str()
    assert "INTERNALERROR" not in text
    result.stdout.fnmatch_lines([
        "*_ CHECKOV: Checkov loads its checks and runs on this source _*",
        "Checkov could not load custom checks: *checks: Cannot load external check 'bucket_named_acme' from "
        "*bucket_named_acme.py: SyntaxError: expected ':' (bucket_named_acme.py, line 4)*",
    ])
    assert len(re.findall(r"^FAILED .*::CHECKOV", text, re.MULTILINE)) == 1
    assert "Traceback" not in text


def test_a_folder_checkov_cannot_load_checks_from_is_reported(pytester: pytest.Pytester) -> None:
    """Checkov loads Python checks only from a folder with an ``__init__.py``; otherwise it silently loads none."""
    write_project(pytester.path)
    (pytester.path / "checks" / "__init__.py").unlink()
    pytester.makeini(ini())
    result = run(pytester, "--iac-source", "cdktf.out", "-rA")
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.stdout.fnmatch_lines(["Checkov could not load custom checks: *No __init__.py found in *checks. * (Checkov "
                                 "loads Python checks only from a folder holding an __init__.py)*"])


def test_checkov_crashing_on_a_source_is_one_failing_item(project: pytest.Pytester) -> None:
    (project.path / "main.tf.json").write_text(crashing_source(), encoding="utf-8")
    result = run(project, "--iac-source", "main.tf.json", "--iac-source", "plan.json", "-rA")
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    text = result.stdout.str()
    assert "INTERNALERROR" not in text
    result.stdout.fnmatch_lines(["Checkov crashed on *main.tf.json (terraform_json): Exception; at parser.py:* in *"])
    assert len(re.findall(r"^FAILED .*::CHECKOV", text, re.MULTILINE)) == 1
    # The source's Checkov checks have no verdict to give; the plan's are judged as usual.
    assert "main.tf.json::CKV_ACME_1" not in re.sub(r"SKIPPED.*", "", text)
    assert "FAILED (critical) plan.json::CKV_ACME_1" in text


def test_without_the_option_checkov_is_never_imported(project: pytest.Pytester) -> None:
    project.makeini("[pytest]\n")
    project.makeconftest("""
        import sys

        def pytest_sessionfinish(session):
            with open("imported.txt", "w") as handle:
                handle.write(str("checkov" in sys.modules))
    """)
    result = run(project, *SOURCES)
    assert result.ret == pytest.ExitCode.TESTS_FAILED  # the built-in policies judge as usual
    assert (project.path / "imported.txt").read_text() == "False"
    result = run(project, *SOURCES, "--iac-checkov")
    assert "::CKV_AWS_144" in result.stdout.str()
    assert (project.path / "imported.txt").read_text() == "True"


def test_xdist_counts_checkov_failures_on_the_controller(project: pytest.Pytester) -> None:
    single = run(project, *SOURCES, "--iac-select", "CKV_*")
    spread = run(project, *SOURCES, "--iac-select", "CKV_*", *XDIST)
    for result in (single, spread):
        # CKV_AWS_21 and CKV_AWS_19 judge too: the built-in rules declaring them are not selected.
        result.stdout.fnmatch_lines(["*critical failures: 2 (limit 0) -> FAILS the session*",
                                     "*warning failures: 4 (no limit) -> tolerated*",
                                     "*CKV_AWS_21 [[]warning[]] *: aws_s3_bucket.exports (*), "
                                     "aws_s3_bucket.logs (*), *"])


def test_a_pack_passing_what_checkov_fails_shows_the_difference(project: pytest.Pytester) -> None:
    """A team's own rule declares the Checkov id it replaces: it judges, and where it passes a resource Checkov
    fails, the warnings summary says so (a passing item shows no message)."""
    project.makeconftest("""
        from pytest_iaccompliance.hookspecs import hookimpl
        from pytest_iaccompliance.model import Severity
        from pytest_iaccompliance.policies import compliant, policy

        @policy("ACME-NAMES", title="Bucket names follow the naming standard", severity=Severity.WARNING,
                resource_types=["aws_s3_bucket"], checkov_ids=["CKV_ACME_1"])
        def names(resource, context):
            return compliant()

        @hookimpl
        def iaccompliance_policies():
            return [names]
    """)
    result = run(project, "--iac-source", "cdktf.out", "--iac-select", "ACME-*", "--iac-select", "CKV_ACME_*",
                 "--iac-report", "report.json")
    assert result.ret == pytest.ExitCode.OK, result.stdout.str()
    assert "::CKV_ACME_1" not in result.stdout.str()
    result.stdout.fnmatch_lines(["*warnings summary*", "*CheckovDisagreement: ACME-NAMES passes aws_s3_bucket.exports "
                                 "(*) where Checkov CKV_ACME_1 fails it; the rule documents no such difference"])
    report = json.loads((project.path / "report.json").read_text())
    assert {f["address"]: f["message"] for f in report["findings"] if f["policy_id"] == "ACME-NAMES"} == {
        "aws_s3_bucket.logs": "compliant; Checkov CKV_ACME_1: passed, agrees",
        "aws_s3_bucket.exports": "compliant; Checkov CKV_ACME_1: failed, differs",
    }


def test_skipped_checks_are_no_policies(project: pytest.Pytester) -> None:
    project.makeini(ini(extra="iac_checkov_skip_checks = CKV_AWS_1??\n"))
    result = run(project, "--iac-source", "plan.json", "--iac-select", "CKV_*", "-rA")
    text = result.stdout.str()
    assert "plan.json::CKV_ACME_1" in text
    assert "CKV_AWS_144" not in text


@pytest.mark.parametrize(("ini_text", "message"), [
    (ini(severity="CKV_ACME_1 = urgent"), "ERROR: ini iac_checkov_severity: CKV_ACME_1: *urgent*"),
    (ini(folder="missing"), "ERROR: ini iac_checkov_external_checks_dir *missing: no such folder"),
])
def test_bad_checkov_settings_are_usage_errors(project: pytest.Pytester, ini_text: str, message: str) -> None:
    project.makeini(ini_text)
    result = run(project, "--iac-source", "plan.json")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines([message])
