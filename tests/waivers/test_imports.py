"""Importing what teams already keep: Checkov baselines, .trivyignore and .trivyignore.yaml."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from pytest_iaccompliance.model import Finding, FindingStatus, Severity
from pytest_iaccompliance.waivers import (
    WaiverError,
    parse_checkov_baseline,
    parse_trivyignore,
    parse_trivyignore_yaml,
    read_any,
)

TODAY = date(2026, 6, 1)
ROOT = Path("/repo")


def finding(policy_id: str = "AWS-S3-005", checkov_ids: tuple[str, ...] = ("CKV_AWS_18",),
            address: str = "aws_s3_bucket.b", source: str = "/repo/main.tf.json") -> Finding:
    return Finding(policy_id, Severity.WARNING, FindingStatus.FAILED, address, "aws_s3_bucket", source, "no logging",
                   checkov_ids=checkov_ids)


CHECKOV = {"check_type": "terraform", "failed_checks": [
    {"file": "/main.tf.json", "findings": [{"resource": "aws_s3_bucket.b", "check_ids": ["CKV_AWS_18", "CKV_AWS_21"]}]},
]}


def test_a_checkov_baseline_waives_through_the_equivalent_checkov_id_in_its_file_only() -> None:
    waivers = parse_checkov_baseline(json.dumps(CHECKOV), ".checkov.baseline", on=TODAY)
    assert len(waivers) == 2
    statuses = [f.status for f in waivers.apply([finding(), finding(source="/repo/other/main.tf.json"),
                                                 finding(address="aws_s3_bucket.c")], ROOT).findings]
    assert statuses == [FindingStatus.WAIVED, FindingStatus.FAILED, FindingStatus.FAILED]
    assert {w.warning for w in waivers.waivers} == {"imported without reason or expiry"}


@pytest.mark.parametrize(("document", "message"), [
    ({"failed_checks": {}}, "not a Checkov baseline"),
    ({"failed_checks": [{"findings": []}]}, "failed_checks 1: field `file`"),
    ({"failed_checks": [{"file": "/a", "findings": [{"resource": "r", "check_ids": "CKV_AWS_1"}]}]},
     "failed_checks 1: finding 1: field `check_ids`"),
])
def test_a_malformed_checkov_baseline_names_the_entry(document: object, message: str) -> None:
    with pytest.raises(WaiverError, match=message):
        parse_checkov_baseline(json.dumps(document), ".checkov.baseline", on=TODAY)


def test_trivyignore_reads_ids_expiry_and_the_comment_above_as_reason() -> None:
    text = "# Logging bucket for the CDN, reviewed in SEC-7\nCKV_AWS_18 exp:2026-07-01\n\nCKV_AWS_21\n" \
           "AVD-AWS-0089 exp:2026-05-01\n"
    waivers = parse_trivyignore(text, ".trivyignore", on=TODAY)
    first, second, third = waivers.waivers
    assert (first.reason, first.expires, first.warning) == (
        "Logging bucket for the CDN, reviewed in SEC-7", date(2026, 7, 1), None)
    assert first.origin == ".trivyignore: line 2 (CKV_AWS_18)"
    assert second.warning == "imported without reason or expiry"
    assert third.warning == "imported without reason"
    assert waivers.expired == (third,)
    assert waivers.apply([finding()], ROOT).findings[0].status is FindingStatus.WAIVED


def test_trivyignore_expiry_obeys_the_horizon_and_a_bad_line_is_named() -> None:
    with pytest.raises(WaiverError, match=r"\.trivyignore: line 1: field `expires`: 2027-06-01 is more than 180"):
        parse_trivyignore("CKV_AWS_18 exp:2027-06-01\n", ".trivyignore", on=TODAY)
    with pytest.raises(WaiverError, match=r"\.trivyignore: line 2: unexpected 'until:2026'"):
        parse_trivyignore("CKV_AWS_18\nCKV_AWS_21 until:2026\n", ".trivyignore", on=TODAY)


def test_trivyignore_yaml_reads_misconfigurations_with_paths_statement_and_expiry() -> None:
    text = """
vulnerabilities:
  - id: CVE-2023-0001
misconfigurations:
  - id: CKV_AWS_18
    paths: ["main.tf.json"]
    statement: Access logs go to the central account instead
    expired_at: 2026-07-01
  - id: AWS-S3-004
"""
    waivers = parse_trivyignore_yaml(text, ".trivyignore.yaml", on=TODAY)
    first, second = waivers.waivers
    assert (first.source, first.reason, first.expires, first.warning) == (
        "main.tf.json", "Access logs go to the central account instead", date(2026, 7, 1), None)
    assert second.warning == "imported without reason or expiry"
    applied = waivers.apply([finding(), finding(source="/repo/x/main.tf.json"),
                             finding("AWS-S3-004", ("CKV_AWS_21",))], ROOT)
    assert [f.status for f in applied.findings] == [FindingStatus.WAIVED, FindingStatus.FAILED, FindingStatus.WAIVED]


@pytest.mark.parametrize(("text", "message"), [
    ("misconfigurations: [1]", "misconfigurations 1: field `id`"),
    ("misconfigurations:\n  - id: X\n    expired_at: soon", "misconfigurations 1: field `expires`"),
    ("misconfigurations: {}", "field `misconfigurations`: expects a list"),
    ("- a", "expects a mapping"),
    ("a: [", "is not valid YAML"),
])
def test_a_malformed_trivyignore_yaml_names_the_entry(text: str, message: str) -> None:
    with pytest.raises(WaiverError, match=message):
        parse_trivyignore_yaml(text, ".trivyignore.yaml", on=TODAY)


def test_files_are_recognized_by_name(tmp_path: Path) -> None:
    (tmp_path / ".trivyignore").write_text("CKV_AWS_18\n")
    (tmp_path / ".checkov.baseline").write_text(json.dumps(CHECKOV))
    (tmp_path / "x.trivyignore.yaml").write_text("misconfigurations:\n  - id: CKV_AWS_18\n")
    (tmp_path / "waivers.toml").write_text("")
    assert len(read_any(tmp_path / ".trivyignore", on=TODAY)) == 1
    assert len(read_any(tmp_path / ".checkov.baseline", on=TODAY)) == 2
    assert len(read_any(tmp_path / "x.trivyignore.yaml", on=TODAY)) == 1
    assert len(read_any(tmp_path / "waivers.toml", on=TODAY)) == 0
