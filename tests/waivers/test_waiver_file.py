"""The waiver file and its matching: what is accepted, what is refused (naming entry and field), and why."""

from __future__ import annotations

import dataclasses
import glob
from datetime import date, timedelta
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pytest_iaccompliance.model import Finding, FindingStatus, Severity
from pytest_iaccompliance.waivers import (
    Waiver,
    WaiverError,
    WaiverSet,
    parse_waivers,
    read_waivers,
    reason_problem,
    relative_source,
)

TODAY = date(2026, 6, 1)


def entry(**fields: object) -> dict[str, object]:
    base: dict[str, object] = {"policy": "AWS-S3-*", "address": "aws_s3_bucket.logs",
                               "reason": "Log bucket written by CloudTrail only (SEC-12)",
                               "expires": TODAY + timedelta(days=30)}
    base.update(fields)
    return {k: v for k, v in base.items() if v is not None}


def parse(*entries: dict[str, object], max_days: int = 180) -> WaiverSet:
    return parse_waivers({"waiver": list(entries)}, "waivers.toml", on=TODAY, max_days=max_days)


def finding(policy_id: str = "AWS-S3-001", address: str = "aws_s3_bucket.logs",
            status: FindingStatus = FindingStatus.FAILED, source_file: str | None = "/repo/cdktf.out/app/cdk.tf.json",
            checkov_ids: tuple[str, ...] = ()) -> Finding:
    return Finding(policy_id, Severity.CRITICAL, status, address, "aws_s3_bucket", source_file, "no encryption",
                   checkov_ids=checkov_ids)


def test_a_valid_entry_reads_with_every_field() -> None:
    waivers = parse(entry(owner="platform", source="cdktf.out/*"))
    (waiver,) = waivers.waivers
    assert waiver == Waiver(policy="AWS-S3-*", address="aws_s3_bucket.logs",
                            reason="Log bucket written by CloudTrail only (SEC-12)", expires=TODAY + timedelta(days=30),
                            origin="waivers.toml: waiver 1", owner="platform", source="cdktf.out/*")
    assert waiver.describe() == ("waivers.toml: waiver 1: Log bucket written by CloudTrail only (SEC-12) "
                                 "(owner platform, until 2026-07-01)")


@pytest.mark.parametrize("missing", ["policy", "address", "reason", "expires"])
def test_a_missing_required_field_names_the_entry_and_the_field(missing: str) -> None:
    with pytest.raises(WaiverError, match=rf"^waivers.toml: waiver 2: field `{missing}`: is required"):
        parse(entry(), entry(**{missing: None}))


@pytest.mark.parametrize("reason", ["", "   ", "todo", "TODO", "TBD.", "fixme: later", "n/a", "-", "...", "xxx",
                                    "placeholder", "wip", "?", "12345"])
def test_empty_or_placeholder_reasons_are_refused(reason: str) -> None:
    with pytest.raises(WaiverError, match=r"waiver 1: field `reason`: .*(empty|placeholder)"):
        parse(entry(reason=reason))


@pytest.mark.parametrize("reason", ["Legacy stack, replaced in Q3 (PLAT-88)", "vendor requires HTTP", "n/a until GA"])
def test_real_reasons_are_accepted(reason: str) -> None:
    assert reason_problem(reason) is None


def test_a_reason_that_is_not_text_is_refused() -> None:
    with pytest.raises(WaiverError, match=r"field `reason`: must be text, got int"):
        parse(entry(reason=42))


def test_an_expiry_past_the_horizon_is_refused_and_the_horizon_is_configurable() -> None:
    far = entry(expires=TODAY + timedelta(days=181))
    with pytest.raises(WaiverError, match=r"waiver 1: field `expires`: 2026-11-29 is more than 180 days ahead"):
        parse(far)
    assert len(parse(far, max_days=365)) == 1
    assert len(parse(entry(expires=TODAY + timedelta(days=180)))) == 1


@pytest.mark.parametrize(("value", "message"), [
    ("2026-13-01", "expects a date \\(YYYY-MM-DD\\), got '2026-13-01'"),
    (20260701, "expects a date \\(YYYY-MM-DD\\), got int"),
])
def test_an_expiry_that_is_not_a_date_is_refused(value: object, message: str) -> None:
    with pytest.raises(WaiverError, match=f"field `expires`: {message}"):
        parse(entry(expires=value))


def test_an_expiry_may_be_written_as_text() -> None:
    (waiver,) = parse(entry(expires="2026-06-30")).waivers
    assert waiver.expires == date(2026, 6, 30)


def test_unknown_fields_and_keys_are_refused_so_typos_do_not_pass_silently() -> None:
    with pytest.raises(WaiverError, match=r"waiver 1: field `expiry`: unknown field"):
        parse(entry(expiry="2026-07-01"))
    with pytest.raises(WaiverError, match=r"unknown top-level key 'waivers'"):
        parse_waivers({"waivers": []}, "waivers.toml", on=TODAY)
    with pytest.raises(WaiverError, match=r"waiver 1: is not a table"):
        parse_waivers({"waiver": ["x"]}, "waivers.toml", on=TODAY)


def test_a_file_that_is_not_toml_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "waivers.toml"
    path.write_text("[[waiver]\npolicy = 1\n")
    with pytest.raises(WaiverError, match=r"^w.toml: is not valid TOML"):
        read_waivers(path, label="w.toml", on=TODAY)
    with pytest.raises(WaiverError, match=r"missing.toml: cannot read"):
        read_waivers(tmp_path / "missing.toml", label="missing.toml", on=TODAY)


def test_a_toml_file_reads_dates_natively(tmp_path: Path) -> None:
    path = tmp_path / "waivers.toml"
    path.write_text('[[waiver]]\npolicy = "AWS-S3-001"\naddress = "*"\nreason = "Accepted by risk board"\n'
                    "expires = 2026-07-01\n")
    (waiver,) = read_waivers(path, on=TODAY).waivers
    assert waiver.expires == date(2026, 7, 1)


def test_policy_globs_match_the_policy_id_or_an_equivalent_checkov_id() -> None:
    by_checkov = Waiver("CKV_AWS_19", "*", "Accepted by risk board", None, "w")
    assert by_checkov.matches(finding(checkov_ids=("CKV_AWS_19",)), "")
    assert not by_checkov.matches(finding(checkov_ids=("CKV_AWS_190",)), "")
    assert Waiver("AWS-S3-*", "*", "r", None, "w").matches(finding(), "")
    assert not Waiver("AWS-IAM-*", "*", "r", None, "w").matches(finding(), "")


def test_the_source_glob_is_matched_against_the_path_relative_to_the_rootdir() -> None:
    waiver = Waiver("*", "*", "r", None, "w", source="cdktf.out/*")
    source = relative_source("/repo/cdktf.out/app/cdk.tf.json", Path("/repo"))
    assert source == "cdktf.out/app/cdk.tf.json"
    assert waiver.matches(finding(), source)
    assert not waiver.matches(finding(), "other/cdk.tf.json")
    assert relative_source(None, Path("/repo")) == ""


@given(st.text(min_size=1, max_size=40))
def test_an_escaped_name_matches_itself_and_nothing_else(name: str) -> None:
    """Importers escape foreign ids and addresses: ``aws_s3_bucket.b[0]`` must not turn into a glob."""
    waiver = Waiver("*", glob.escape(name), "r", None, "w")
    assert waiver.matches(finding(address=name), "")
    assert not waiver.matches(finding(address=name + "x"), "")
    assert not waiver.matches(finding(address="x" + name), "")


@given(st.text(max_size=20), st.text(max_size=40))
def test_a_prefix_glob_matches_exactly_the_addresses_with_that_prefix(prefix: str, address: str) -> None:
    waiver = Waiver("*", glob.escape(prefix) + "*", "r", None, "w")
    assert waiver.matches(finding(address=address), "") == address.startswith(prefix)
    assert waiver.matches(finding(address=prefix + address), "")


def test_active_waivers_waive_open_findings_and_say_which() -> None:
    waivers = parse(entry(), entry(policy="AWS-EC2-*"))
    findings = [finding(), finding(status=FindingStatus.UNKNOWN), finding(status=FindingStatus.PASSED),
                finding(address="aws_s3_bucket.data")]
    applied = waivers.apply(findings, Path("/repo"))
    assert [f.status for f in applied.findings] == [FindingStatus.WAIVED, FindingStatus.WAIVED, FindingStatus.PASSED,
                                                    FindingStatus.FAILED]
    assert applied.findings[0].waiver is not None
    assert applied.findings[0].waiver.startswith("waivers.toml: waiver 1: Log bucket")
    assert applied.used == {"waivers.toml: waiver 1"}
    assert [w.origin for w in waivers.stale(applied.used)] == ["waivers.toml: waiver 2"]


def test_a_waiver_holds_through_its_expiry_day_and_then_only_reports() -> None:
    last_day = parse(entry(expires=TODAY))
    assert last_day.apply([finding()]).findings[0].status is FindingStatus.WAIVED
    expired = WaiverSet(last_day.waivers, on=TODAY + timedelta(days=1))
    assert expired.active == ()
    applied = expired.apply([finding()])
    (still_failed,) = applied.findings
    assert still_failed.status is FindingStatus.FAILED
    assert still_failed.waiver is not None
    assert still_failed.waiver.startswith("expired waivers.toml: waiver 1")
    assert applied.expired_hits == {"waivers.toml: waiver 1": ["AWS-S3-001 aws_s3_bucket.logs"]}
    assert expired.stale(applied.used) == []  # expired waivers are reported as expired, not as stale


def test_a_waiver_matching_only_passed_findings_is_stale() -> None:
    waivers = parse(entry())
    applied = waivers.apply([finding(status=FindingStatus.PASSED)])
    assert applied.used == set()
    assert waivers.stale(applied.used) == list(waivers.waivers)


def test_waiver_sets_add_up_judged_on_the_same_day() -> None:
    combined = parse(entry()) + parse(entry(expires=TODAY - timedelta(days=1)))
    assert len(combined) == 2
    assert (len(combined.active), len(combined.expired)) == (1, 1)
    assert dataclasses.replace(combined.waivers[0]).origin == "waivers.toml: waiver 1"
