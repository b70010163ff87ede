"""Drift from a user's seat: --iac-drift scan items, severities, thresholds, waivers, and the fixture."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import pytest

from pytest_iaccompliance.fixtures.drift import OPT_DRIFT
from pytest_iaccompliance.fixtures.waivers import OPT_WAIVERS

MODES = [pytest.param([], id="single"), pytest.param(["-n", "2"], id="xdist")]
SOON = (datetime.now(timezone.utc).date() + timedelta(days=30)).isoformat()

BASELINE = {"resource": {
    "aws_security_group": {"web": {"name": "web", "ingress": [
        {"from_port": 443, "to_port": 443, "protocol": "tcp", "cidr_blocks": ["10.0.0.0/8"]}]}},
    "aws_s3_bucket": {"b": {"bucket": "b", "tags": {"env": "prod"}}, "gone": {"bucket": "g"}},
}}
LIVE = {"format_version": "1.0", "values": {"root_module": {"resources": [
    {"address": "aws_security_group.web", "mode": "managed", "type": "aws_security_group", "name": "web",
     "values": {"id": "sg-1", "arn": "arn:aws:ec2:::sg-1", "name": "web", "egress": [], "ingress": [
         {"from_port": 443, "to_port": 443, "protocol": "tcp", "cidr_blocks": ["10.0.0.0/8", "0.0.0.0/0"],
          "ipv6_cidr_blocks": [], "description": "", "self": False, "security_groups": [],
          "prefix_list_ids": []}]}},
    {"address": "aws_s3_bucket.b", "mode": "managed", "type": "aws_s3_bucket", "name": "b",
     "values": {"bucket": "b", "tags": {"env": "dev"}, "tags_all": {"env": "dev"}, "force_destroy": False}},
    {"address": "aws_s3_bucket.new", "mode": "managed", "type": "aws_s3_bucket", "name": "new",
     "values": {"bucket": "n"}},
]}}}


@pytest.fixture
def files(pytester: pytest.Pytester) -> pytest.Pytester:
    pytester.path.joinpath("main.tf.json").write_text(json.dumps(BASELINE))
    pytester.path.joinpath("live.json").write_text(json.dumps(LIVE))
    return pytester


def run(pytester: pytest.Pytester, mode: list[str], *args: str) -> pytest.RunResult:
    return pytester.runpytest_subprocess(*mode, "-p", "no:cacheprovider", *args)


@pytest.mark.parametrize("mode", MODES)
def test_drift_is_reported_by_kind_and_severity_and_counts_against_thresholds(files: pytest.Pytester,
                                                                              mode: list[str]) -> None:
    result = run(files, mode, OPT_DRIFT, "main.tf.json=live.json")
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.stdout.fnmatch_lines_random([
        "1 drift(s) of live.json from main.tf.json:",
        "  - aws_security_group.web: `ingress.cidr_blocks` is ['10.0.0.0/8', '0.0.0.0/0'] live, the baseline "
        "declares ['10.0.0.0/8']",
        "3 drift(s) of live.json from main.tf.json:",
        "  - aws_s3_bucket.gone: declared in the baseline, missing live",
        "  - aws_s3_bucket.new: exists live, not declared in the baseline",
        "  - aws_s3_bucket.b: `tags.env` is 'dev' live, the baseline declares 'prod'",
        "critical failures: 1 (limit 0) -> FAILS the session",
        "warning failures: 1 (no limit) -> tolerated",
    ])


@pytest.mark.parametrize("mode", MODES)
def test_waivers_apply_to_drift_as_to_any_finding(files: pytest.Pytester, mode: list[str]) -> None:
    files.path.joinpath("waivers.toml").write_text(
        f'[[waiver]]\npolicy = "DRIFT-CHANGED"\naddress = "aws_security_group.web"\n'
        f'reason = "Temporary partner access, CHG-991"\nexpires = {SOON}\n')
    result = run(files, mode, OPT_DRIFT, "main.tf.json=live.json", OPT_WAIVERS, "waivers.toml")
    assert result.ret == pytest.ExitCode.OK
    result.stdout.fnmatch_lines(["critical failures: 0 (limit 0) -> ok", "waived findings (not counted): 1",
                                 "    DRIFT-CHANGED aws_security_group.web: waivers.toml: waiver 1: *"])


def test_ini_pairs_severities_and_ignored_attributes(files: pytest.Pytester) -> None:
    files.makeini("[pytest]\niac_drift = main.tf.json=live.json\n"
                  "iac_drift_severity =\n    aws_s3_bucket tags = critical\n"
                  "iac_drift_ignore = ingress\n")
    result = run(files, [])
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.stdout.fnmatch_lines(["critical failures: 1 (limit 0) -> FAILS the session",
                                 "    live.json::drift-critical"])
    assert "aws_s3_bucket.b: `tags.env`" in result.stdout.str().split("drift-warning")[0]
    assert "ingress" not in result.stdout.str()


def test_no_drift_is_one_passing_item(files: pytest.Pytester) -> None:
    files.path.joinpath("same.tf.json").write_text(json.dumps(BASELINE))
    result = run(files, [], OPT_DRIFT, "main.tf.json=same.tf.json", "-v")
    assert result.ret == pytest.ExitCode.OK
    result.stdout.fnmatch_lines(["same.tf.json::drift-none PASSED*"])


@pytest.mark.parametrize(("args", "message"), [
    ([OPT_DRIFT, "main.tf.json"], f"ERROR: {OPT_DRIFT} expects BASELINE=LIVE (two paths), got 'main.tf.json'"),
    ([OPT_DRIFT, "=live.json"], f"ERROR: {OPT_DRIFT} expects BASELINE=LIVE*"),
    (["-o", "iac_drift_severity=aws_s3_bucket = critical", OPT_DRIFT, "main.tf.json=live.json"],
     "ERROR: ini iac_drift_severity: expected `TYPE_GLOB ATTRIBUTE_GLOB = critical|warning`*"),
])
def test_bad_drift_settings_are_usage_errors(files: pytest.Pytester, args: list[str], message: str) -> None:
    result = run(files, [], *args)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines([message])


@pytest.mark.parametrize("mode", MODES)
def test_a_missing_live_file_is_a_collection_error_naming_it(files: pytest.Pytester, mode: list[str]) -> None:
    result = run(files, mode, OPT_DRIFT, "main.tf.json=nowhere.json")
    # pytest-xdist reports a collection error as a failed run rather than an interrupted one.
    assert result.ret == (pytest.ExitCode.TESTS_FAILED if mode else pytest.ExitCode.INTERRUPTED)
    result.stdout.fnmatch_lines(["*ERROR collecting nowhere.json*", "*/nowhere.json: no such file or folder"])


def test_the_fixture_compares_resource_sets_or_paths(files: pytest.Pytester) -> None:
    files.makepyfile(test_nightly="""
        import pytest
        from pytest_iaccompliance.sources import load_path

        def test_critical_drift(iac_drift):
            drift = iac_drift(load_path("main.tf.json")[0].resources, "live.json")
            assert sorted(c.kind for c in drift.changes) == ["DRIFT-ADDED", "DRIFT-CHANGED", "DRIFT-CHANGED",
                                                             "DRIFT-REMOVED"]
            with pytest.raises(AssertionError, match="1 drift"):
                drift.assert_none("critical")

        @pytest.mark.critical
        def test_gate(iac_drift):
            iac_drift("main.tf.json", "live.json").assert_none("critical")
    """)
    result = run(files, [])
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(["E *CRITICAL DRIFT-CHANGED aws_security_group.web: `ingress.cidr_blocks`*"])
