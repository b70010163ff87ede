"""Baselines: keyed by (source, address, policy), a stable file that round-trips, and what counts as fixed."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pytest_iaccompliance.model import Finding, FindingStatus, Severity
from pytest_iaccompliance.waivers import Baseline, BaselineKey, WaiverError

ROOT = Path("/repo")


def finding(address: str = "aws_s3_bucket.b", source: str | None = "/repo/a/main.tf.json",
            policy_id: str = "AWS-S3-001", status: FindingStatus = FindingStatus.FAILED,
            message: str = "no encryption") -> Finding:
    return Finding(policy_id, Severity.CRITICAL, status, address, "aws_s3_bucket", source, message)


keys = st.builds(BaselineKey, st.text(max_size=30), st.text(min_size=1, max_size=30),
                 st.text(min_size=1, max_size=20))


@given(st.frozensets(keys, max_size=20))
def test_a_baseline_reads_back_as_written(entries: frozenset[BaselineKey]) -> None:
    baseline = Baseline(entries, "b.json")
    assert Baseline.from_json(baseline.to_json(), "b.json") == baseline


@given(st.lists(keys, max_size=20, unique=True), st.randoms())
def test_the_file_does_not_depend_on_the_order_findings_came_in(entries: list[BaselineKey], rnd: random.Random) -> None:
    shuffled = list(entries)
    rnd.shuffle(shuffled)
    assert Baseline(frozenset(entries)).to_json() == Baseline(frozenset(shuffled)).to_json()


def test_the_file_is_sorted_indented_json_without_messages_or_timestamps() -> None:
    baseline = Baseline.from_findings([finding("aws_s3_bucket.z"), finding("aws_s3_bucket.a")], ROOT)
    text = baseline.to_json()
    assert json.loads(text) == {"baseline_version": 1, "findings": [
        {"address": "aws_s3_bucket.a", "policy_id": "AWS-S3-001", "source": "a/main.tf.json"},
        {"address": "aws_s3_bucket.z", "policy_id": "AWS-S3-001", "source": "a/main.tf.json"},
    ]}
    assert text.endswith("}\n")
    assert "\n  " in text
    assert "no encryption" not in text


def test_only_findings_that_count_are_recorded() -> None:
    findings = [finding(status=s) for s in FindingStatus] + [finding(address="x", status=FindingStatus.BASELINED)]
    recorded = Baseline.from_findings(findings, ROOT).keys
    assert recorded == {BaselineKey("a/main.tf.json", "aws_s3_bucket.b", "AWS-S3-001"),
                        BaselineKey("a/main.tf.json", "x", "AWS-S3-001")}


def test_findings_read_from_reports_as_dicts_key_the_same() -> None:
    original = finding()
    assert BaselineKey.of(original.to_dict(), ROOT) == BaselineKey.of(original, ROOT)


def test_the_same_address_in_another_file_is_a_new_finding() -> None:
    baseline = Baseline.from_findings([finding()], ROOT)
    applied = baseline.apply([finding(), finding(source="/repo/b/main.tf.json")], ROOT)
    assert [f.status for f in applied.findings] == [FindingStatus.BASELINED, FindingStatus.FAILED]
    assert applied.used == {BaselineKey("a/main.tf.json", "aws_s3_bucket.b", "AWS-S3-001")}


def test_a_reworded_message_is_still_the_same_finding() -> None:
    baseline = Baseline.from_findings([finding(message="old wording")], ROOT)
    assert baseline.apply([finding(message="new wording")], ROOT).findings[0].status is FindingStatus.BASELINED


def test_entries_no_finding_matched_are_fixed() -> None:
    baseline = Baseline.from_findings([finding(), finding("aws_s3_bucket.gone")], ROOT)
    applied = baseline.apply([finding(), finding("aws_s3_bucket.gone", status=FindingStatus.PASSED)], ROOT)
    assert baseline.fixed(applied.used) == [BaselineKey("a/main.tf.json", "aws_s3_bucket.gone", "AWS-S3-001")]


@pytest.mark.parametrize(("text", "message"), [
    ("{", "b.json: is not valid JSON"),
    ("[]", "b.json: is not a baseline"),
    ('{"findings": []}', "b.json: has baseline_version None"),
    ('{"baseline_version": 1, "findings": [1]}', "b.json: finding 1: is not an object"),
    ('{"baseline_version": 1, "findings": [{"source": "", "address": "a"}]}',
     "b.json: finding 1: field `policy_id`: expects text"),
    ('{"baseline_version": 1, "findings": [{"source": "", "address": "a", "policy_id": "P", "note": 1}]}',
     "b.json: finding 1: field `note`: unknown field"),
])
def test_a_malformed_baseline_names_the_entry_and_field(text: str, message: str) -> None:
    with pytest.raises(WaiverError, match=f"^{message}"):
        Baseline.from_json(text, "b.json")


def test_an_unreadable_baseline_names_the_file(tmp_path: Path) -> None:
    with pytest.raises(WaiverError, match=r"^base\.json: cannot read"):
        Baseline.read(tmp_path / "missing.json", "base.json")
