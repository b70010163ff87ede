"""Waivers and baselines from a user's seat: what counts, what is shown, and what stops the run."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pytest

from pytest_iaccompliance.fixtures.waivers import OPT_BASELINE, OPT_BASELINE_WRITE, OPT_WAIVERS
from pytest_iaccompliance.options import OPT_REPORT, OPT_SOURCE

MODES = [pytest.param([], id="single"), pytest.param(["-n", "2"], id="xdist")]
TODAY = datetime.now(timezone.utc).date()
SOON = TODAY + timedelta(days=30)

# One bucket that fails AWS-S3-002/003 (critical) and 004/005 (warning); a policy allowing "*" (critical).
STACK = {
    "resource": {
        "aws_iam_policy": {"admin": {"name": "admin", "policy": json.dumps(
            {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]})}},
        "aws_s3_bucket": {"data": {"bucket": "acme-data", "server_side_encryption_configuration": {"rule": {
            "apply_server_side_encryption_by_default": {"sse_algorithm": "aws:kms"}}}}},
    }
}


def run(pytester: pytest.Pytester, mode: list[str], *args: str) -> pytest.RunResult:
    return pytester.runpytest_subprocess(*mode, "-p", "no:cacheprovider", *args)


def waiver(policy: str, address: str, *, expires: date = SOON, reason: str = "Accepted by the risk board (RISK-7)",
           extra: str = "") -> str:
    return (f'[[waiver]]\npolicy = "{policy}"\naddress = "{address}"\nreason = "{reason}"\n'
            f"expires = {expires.isoformat()}\n{extra}\n")


@pytest.fixture
def stack(pytester: pytest.Pytester) -> Path:
    path = pytester.path / "main.tf.json"
    path.write_text(json.dumps(STACK))
    return path


CRITICALS = waiver("AWS-S3-00[23]", "aws_s3_bucket.data") + waiver("AWS-IAM-001", "aws_iam_policy.*")


@pytest.mark.parametrize("mode", MODES)
def test_waived_findings_do_not_count_and_are_shown_as_waived(pytester: pytest.Pytester, stack: Path,
                                                              mode: list[str]) -> None:
    pytester.path.joinpath("waivers.toml").write_text(CRITICALS)
    result = run(pytester, mode, OPT_SOURCE, stack.name, OPT_WAIVERS, "waivers.toml", OPT_REPORT, "report.json")
    assert result.ret == pytest.ExitCode.OK
    result.stdout.fnmatch_lines([
        "critical failures: 0 (limit 0) -> ok",
        "*waivers and baseline*",
        "waived findings (not counted): 3",
        "    AWS-IAM-001 aws_iam_policy.admin: waivers.toml: waiver 2: Accepted by the risk board (RISK-7) "
        f"(until {SOON.isoformat()})",
        "*3 waived*",
    ])
    findings = json.loads(pytester.path.joinpath("report.json").read_text())["findings"]
    waived = sorted((f["policy_id"], f["waiver"].split(":")[1].strip()) for f in findings if f["status"] == "waived")
    assert waived == [("AWS-IAM-001", "waiver 2"), ("AWS-S3-002", "waiver 1"), ("AWS-S3-003", "waiver 1")]


def test_ini_names_the_waiver_file_relative_to_the_ini_file(pytester: pytest.Pytester, stack: Path) -> None:
    pytester.mkdir("policy").joinpath("waivers.toml").write_text(CRITICALS)
    pytester.makeini("[pytest]\niac_sources = main.tf.json\niac_waivers = policy/waivers.toml\n")
    result = run(pytester, [])
    assert result.ret == pytest.ExitCode.OK
    result.stdout.fnmatch_lines(["*3 waived*"])


@pytest.mark.parametrize("mode", MODES)
def test_a_partly_waived_item_fails_for_the_rest_and_lists_what_was_waived(pytester: pytest.Pytester,
                                                                           mode: list[str]) -> None:
    two = {"resource": {"aws_s3_bucket": {"a": {"bucket": "a"}, "b": {"bucket": "b"}}}}
    pytester.path.joinpath("main.tf.json").write_text(json.dumps(two))
    pytester.path.joinpath("waivers.toml").write_text(waiver("AWS-S3-002", "aws_s3_bucket.a"))
    result = run(pytester, mode, OPT_SOURCE, "main.tf.json", OPT_WAIVERS, "waivers.toml", "-k", "AWS-S3-002")
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.stdout.fnmatch_lines([
        "1 non-compliant resource(s) in *main.tf.json:",
        "  - aws_s3_bucket.b*",
        "1 waived or baselined (not counted):",
        "  - aws_s3_bucket.a* [[]waivers.toml: waiver 1: Accepted by the risk board (RISK-7) (until *)]",
        "critical failures: 1 (limit 0) -> FAILS the session",
    ])


@pytest.mark.parametrize("mode", MODES)
def test_an_expired_waiver_no_longer_waives_and_is_reported(pytester: pytest.Pytester, stack: Path,
                                                            mode: list[str]) -> None:
    expired = TODAY - timedelta(days=1)
    pytester.path.joinpath("waivers.toml").write_text(
        waiver("AWS-S3-00[23]", "aws_s3_bucket.data") + waiver("AWS-IAM-001", "*", expires=expired))
    result = run(pytester, mode, OPT_SOURCE, stack.name, OPT_WAIVERS, "waivers.toml")
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.stdout.fnmatch_lines([
        "  - aws_iam_policy.admin* [[]expired waivers.toml: waiver 2: *]",
        "critical failures: 1 (limit 0) -> FAILS the session",
        "    main.tf.json::AWS-IAM-001",
        "expired waivers (no longer waive; their findings count): 1",
        f"    waivers.toml: waiver 2: expired {expired.isoformat()}; still matches AWS-IAM-001 aws_iam_policy.admin",
    ])


@pytest.mark.parametrize("mode", MODES)
def test_a_waiver_that_matched_nothing_is_reported_stale(pytester: pytest.Pytester, stack: Path,
                                                         mode: list[str]) -> None:
    pytester.path.joinpath("waivers.toml").write_text(
        CRITICALS + waiver("AWS-EC2-*", "*") + waiver("AWS-S3-001", "aws_s3_bucket.data"))
    result = run(pytester, mode, OPT_SOURCE, stack.name, OPT_WAIVERS, "waivers.toml")
    assert result.ret == pytest.ExitCode.OK
    result.stdout.fnmatch_lines([
        "stale waivers (matched no failed finding in this run; remove them): 2",
        "    waivers.toml: waiver 3: policy AWS-EC2-*, address *",
        "    waivers.toml: waiver 4: policy AWS-S3-001, address aws_s3_bucket.data",
    ])
    assert "waiver 1: policy" not in result.stdout.str()


@pytest.mark.parametrize(("entry", "message"), [
    (waiver("AWS-S3-002", "*", reason="todo"), "waiver 1: field `reason`: 'todo' is a placeholder, not a reason"),
    (waiver("AWS-S3-002", "*", reason=" "), "waiver 1: field `reason`: is empty"),
    ('[[waiver]]\npolicy = "AWS-S3-002"\naddress = "*"\nexpires = 2026-01-01\n',
     "waiver 1: field `reason`: is required"),
    (waiver("AWS-S3-002", "*", expires=TODAY + timedelta(days=400)), "waiver 1: field `expires`: * is more than 180"),
    (waiver("A", "*") + waiver("AWS-S3-002", "*", extra='expiry = "x"'), "waiver 2: field `expiry`: unknown field"),
    ("[[waiver]\n", "is not valid TOML"),
])
@pytest.mark.parametrize("mode", MODES)
def test_a_malformed_waiver_is_a_usage_error_naming_the_entry_and_field(
        pytester: pytest.Pytester, stack: Path, mode: list[str], entry: str, message: str) -> None:
    pytester.path.joinpath("waivers.toml").write_text(entry)
    result = run(pytester, mode, OPT_SOURCE, stack.name, OPT_WAIVERS, "waivers.toml")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines([f"ERROR: iaccompliance: waivers.toml: {message}*"])
    assert "Traceback" not in result.stderr.str()


def test_the_horizon_is_configurable(pytester: pytest.Pytester, stack: Path) -> None:
    pytester.path.joinpath("waivers.toml").write_text(
        waiver("AWS-*", "*", expires=TODAY + timedelta(days=300)))
    pytester.makeini("[pytest]\niac_waiver_max_days = 365\n")
    assert run(pytester, [], OPT_SOURCE, stack.name, OPT_WAIVERS, "waivers.toml").ret == pytest.ExitCode.OK
    pytester.makeini("[pytest]\niac_waiver_max_days = soon\n")
    result = run(pytester, [], OPT_SOURCE, stack.name, OPT_WAIVERS, "waivers.toml")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*ini iac_waiver_max_days expects a whole number of days, got 'soon'"])


def test_a_missing_waiver_file_is_a_usage_error(pytester: pytest.Pytester, stack: Path) -> None:
    result = run(pytester, [], OPT_SOURCE, stack.name, OPT_WAIVERS, "nowhere.toml")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["ERROR: iaccompliance: nowhere.toml: cannot read: No such file or directory"])


@pytest.mark.parametrize("mode", MODES)
def test_imported_ignore_files_waive_through_checkov_ids_and_say_what_they_lack(
        pytester: pytest.Pytester, stack: Path, mode: list[str]) -> None:
    # AWS-S3-002 is CKV_AWS_53.., AWS-S3-003 is CKV_AWS_379, AWS-IAM-001 is CKV_AWS_1/62/63.
    pytester.path.joinpath(".trivyignore").write_text(
        f"# Public website bucket, see WEB-1\nCKV_AWS_53 exp:{SOON.isoformat()}\nCKV_AWS_379\n")
    pytester.path.joinpath(".checkov.baseline").write_text(json.dumps({"failed_checks": [
        {"file": "/main.tf.json", "findings": [{"resource": "aws_iam_policy.admin", "check_ids": ["CKV_AWS_62"]}]}]}))
    pytester.path.joinpath("x.trivyignore.yaml").write_text(
        f"misconfigurations:\n  - id: CKV_AWS_18\n    statement: Central logging account\n"
        f"    expired_at: {SOON.isoformat()}\n")
    result = run(pytester, mode, OPT_SOURCE, stack.name, OPT_WAIVERS, ".trivyignore", OPT_WAIVERS,
                 ".checkov.baseline", OPT_WAIVERS, "x.trivyignore.yaml")
    assert result.ret == pytest.ExitCode.OK
    result.stdout.fnmatch_lines([
        "waived findings (not counted): 4",
        "    AWS-IAM-001 aws_iam_policy.admin: .checkov.baseline: failed_checks 1: finding 1 (CKV_AWS_62): "
        "no reason recorded (no expiry)",
        "    AWS-S3-002 aws_s3_bucket.data: .trivyignore: line 2 (CKV_AWS_53): Public website bucket, see WEB-1 "
        "(until *)",
        "    AWS-S3-003 aws_s3_bucket.data: .trivyignore: line 3 (CKV_AWS_379): no reason recorded (no expiry)",
        "    AWS-S3-005 aws_s3_bucket.data: x.trivyignore.yaml: misconfigurations 1 (CKV_AWS_18): Central logging *",
        "imported waivers without a reason or an expiry: 2",
        "    .trivyignore: line 3 (CKV_AWS_379): imported without reason or expiry",
        "    .checkov.baseline: failed_checks 1: finding 1 (CKV_AWS_62): imported without reason or expiry",
    ])


# -- baselines ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("mode", MODES)
def test_a_written_baseline_makes_the_next_run_pass_and_shows_baselined_findings(
        pytester: pytest.Pytester, stack: Path, mode: list[str]) -> None:
    first = run(pytester, mode, OPT_SOURCE, stack.name, OPT_BASELINE_WRITE, "baseline.json")
    assert first.ret == pytest.ExitCode.TESTS_FAILED  # writing records; it does not excuse this run
    first.stdout.fnmatch_lines(["baseline written: *baseline.json (5 findings)"])
    written = json.loads(pytester.path.joinpath("baseline.json").read_text())
    assert written["findings"][0] == {"address": "aws_iam_policy.admin", "policy_id": "AWS-IAM-001",
                                      "source": "main.tf.json"}
    second = run(pytester, mode, OPT_SOURCE, stack.name, OPT_BASELINE, "baseline.json")
    assert second.ret == pytest.ExitCode.OK
    second.stdout.fnmatch_lines(["baselined findings (not counted): 5",
                                 "    AWS-IAM-001 aws_iam_policy.admin: baseline baseline.json", "*5 waived*"])


@pytest.mark.parametrize("mode", MODES)
def test_new_findings_count_and_fixed_entries_are_reported(pytester: pytest.Pytester, stack: Path,
                                                           mode: list[str]) -> None:
    baseline = {"baseline_version": 1, "findings": [
        {"source": "main.tf.json", "address": "aws_s3_bucket.data", "policy_id": p}
        for p in ("AWS-S3-002", "AWS-S3-003", "AWS-S3-004", "AWS-S3-005")] + [
        {"source": "main.tf.json", "address": "aws_s3_bucket.gone", "policy_id": "AWS-S3-002"}]}
    pytester.path.joinpath("baseline.json").write_text(json.dumps(baseline))
    result = run(pytester, mode, OPT_SOURCE, stack.name, OPT_BASELINE, "baseline.json")
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.stdout.fnmatch_lines([
        "critical failures: 1 (limit 0) -> FAILS the session",
        "    main.tf.json::AWS-IAM-001",
        "baselined findings (not counted): 4",
        f"fixed since the baseline (shrink it with {OPT_BASELINE_WRITE}): 1",
        "    AWS-S3-002 aws_s3_bucket.gone in main.tf.json",
    ])


@pytest.mark.parametrize("mode", MODES)
def test_the_same_address_in_another_file_is_not_absorbed_by_the_baseline(pytester: pytest.Pytester,
                                                                           mode: list[str]) -> None:
    for folder in ("app", "other"):
        pytester.mkdir(folder).joinpath("main.tf.json").write_text(json.dumps(STACK))
    assert run(pytester, mode, OPT_SOURCE, "app", OPT_BASELINE_WRITE, "baseline.json").ret == 1
    result = run(pytester, mode, OPT_SOURCE, "app", OPT_SOURCE, "other", OPT_BASELINE, "baseline.json")
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.stdout.fnmatch_lines(["critical failures: 3 (limit 0) -> FAILS the session",
                                 "    other/main.tf.json::AWS-*", "    other/main.tf.json::AWS-*",
                                 "    other/main.tf.json::AWS-*", "baselined findings (not counted): 5"])
    assert "app/main.tf.json::AWS" not in result.stdout.str().split("compliance summary")[1]


def test_rewriting_the_baseline_shrinks_it_to_what_still_fails(pytester: pytest.Pytester, stack: Path) -> None:
    run(pytester, [], OPT_SOURCE, stack.name, OPT_BASELINE_WRITE, "baseline.json")
    fixed = json.loads(json.dumps(STACK))
    del fixed["resource"]["aws_iam_policy"]
    stack.write_text(json.dumps(fixed))
    result = run(pytester, [], OPT_SOURCE, stack.name, OPT_BASELINE, "baseline.json",
                 OPT_BASELINE_WRITE, "baseline.json")
    assert result.ret == pytest.ExitCode.OK
    result.stdout.fnmatch_lines(["*AWS-IAM-001 aws_iam_policy.admin in main.tf.json",
                                 "baseline written: *baseline.json (4 findings)"])
    rows = json.loads(pytester.path.joinpath("baseline.json").read_text())["findings"]
    assert [r["policy_id"] for r in rows] == ["AWS-S3-002", "AWS-S3-003", "AWS-S3-004", "AWS-S3-005"]


@pytest.mark.parametrize("mode", MODES)
def test_a_malformed_baseline_is_a_usage_error_naming_the_entry(pytester: pytest.Pytester, stack: Path,
                                                                mode: list[str]) -> None:
    pytester.path.joinpath("baseline.json").write_text(
        json.dumps({"baseline_version": 1, "findings": [{"source": "main.tf.json", "address": "a"}]}))
    result = run(pytester, mode, OPT_SOURCE, stack.name, OPT_BASELINE, "baseline.json")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["ERROR: iaccompliance: baseline.json: finding 1: field `policy_id`: expects text"])


def test_a_baseline_is_not_written_from_a_run_that_stopped_early(pytester: pytest.Pytester, stack: Path) -> None:
    result = run(pytester, [], OPT_SOURCE, stack.name, OPT_BASELINE_WRITE, "baseline.json", "-x")
    result.stdout.fnmatch_lines([f"{OPT_BASELINE_WRITE}: not written, the run stopped before judging everything"])
    assert not pytester.path.joinpath("baseline.json").exists()


def test_a_run_without_scan_items_does_not_call_waivers_stale(pytester: pytest.Pytester) -> None:
    pytester.path.joinpath("waivers.toml").write_text(waiver("AWS-EC2-*", "*"))
    pytester.makepyfile("def test_unit():\n    assert True\n")
    result = run(pytester, [], OPT_WAIVERS, "waivers.toml")
    assert result.ret == pytest.ExitCode.OK
    assert "stale waivers" not in result.stdout.str()


def in_code(record: dict[str, str]) -> dict[str, object]:
    stack = json.loads(json.dumps(STACK))
    stack["resource"]["aws_s3_bucket"]["data"]["//"] = {"iaccompliance_waivers": {"AWS-S3-00[23]": record},
                                                         "metadata": {"path": "app/data"}}
    return stack


@pytest.mark.parametrize("mode", MODES)
def test_a_waiver_recorded_in_synthesized_metadata_waives_in_a_scan(pytester: pytest.Pytester,
                                                                    mode: list[str]) -> None:
    pytester.path.joinpath("cdk.tf.json").write_text(json.dumps(
        in_code({"reason": "Public website (SEC-42)", "expires": SOON.isoformat(), "owner": "web"})))
    result = run(pytester, mode, OPT_SOURCE, "cdk.tf.json", "-k", "AWS-S3")
    assert result.ret == pytest.ExitCode.OK
    result.stdout.fnmatch_lines([
        "waived findings (not counted): 2",
        "    AWS-S3-002 aws_s3_bucket.data: stack *: aws_s3_bucket.data waives AWS-S3-00[[]23] in code: Public website "
        f"(SEC-42) (owner web, until {SOON.isoformat()})",
    ])


def test_a_malformed_record_in_synthesized_metadata_fails_the_item_naming_it(pytester: pytest.Pytester) -> None:
    pytester.path.joinpath("cdk.tf.json").write_text(json.dumps(in_code({"reason": "todo", "expires": "2026-01-01"})))
    result = run(pytester, [], OPT_SOURCE, "cdk.tf.json", "-k", "AWS-S3-002")
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.stdout.fnmatch_lines(["iaccompliance: stack *: aws_s3_bucket.data waives AWS-S3-00[[]23] in code: "
                                 "field `reason`: 'todo' is a placeholder, not a reason*",
                                 # an error of the item, not a compliance verdict, and never a pass
                                 "FAILED cdk.tf.json::AWS-S3-002 - iaccompliance: stack *"])


def test_a_waiver_in_code_obeys_the_projects_horizon(pytester: pytest.Pytester) -> None:
    pytester.path.joinpath("cdk.tf.json").write_text(json.dumps(
        in_code({"reason": "Public website (SEC-42)", "expires": SOON.isoformat()})))
    pytester.makeini("[pytest]\niac_waiver_max_days = 7\n")
    result = run(pytester, [], OPT_SOURCE, "cdk.tf.json", "-k", "AWS-S3-002")
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.stdout.fnmatch_lines([f"iaccompliance: stack *: aws_s3_bucket.data waives AWS-S3-00[[]23] in code: field "
                                 f"`expires`: {SOON.isoformat()} is more than 7 days ahead (ini iac_waiver_max_days)"])
