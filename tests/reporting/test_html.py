"""The HTML renderer on its own: what a manifest's values can and cannot do to the page."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pytest_iaccompliance.model import Finding, FindingStatus, Severity
from pytest_iaccompliance.reporting.html import findings_fragment, render_html, summary_fragment
from pytest_iaccompliance.reporting.manifest import build_manifest
from tests.reporting.page import read_page

HOSTILE = '</script><script>alert(1)</script><img src="http://attacker.example/x">'


def _finding(address: str, status: FindingStatus = FindingStatus.FAILED, **fields: Any) -> Finding:
    values: dict[str, Any] = {"policy_id": "AWS-S3-001", "severity": Severity.CRITICAL, "status": status,
                              "address": address, "resource_type": "aws_s3_bucket", "source_file": "cdk.tf.json",
                              "message": f"{address}: not encrypted", "title": "S3 bucket encrypted",
                              "controls": ("CIS-AWS-3.0:2.1.1", "NIST-800-53-r5:SC-28")}
    return Finding(**{**values, **fields})


def _manifest(findings: list[Finding]) -> dict[str, Any]:
    return build_manifest(findings, {"critical": {"failed": 1, "limit": 0, "fails_session": True, "tests": []}},
                          tool_version="1.0", exit_status=1)


def test_values_are_text_in_rows_and_behind_show_all(tmp_path: Path) -> None:
    findings = [_finding(f"aws_s3_bucket.b{i}", message=HOSTILE, location=HOSTILE) for i in range(5)]
    page_file = tmp_path / "r.html"
    page_file.write_text(render_html(_manifest(findings), max_rows=2))
    text = page_file.read_text()
    assert "<script>alert" not in text
    assert "<img" not in text
    assert text.count("</script>") == 1 + 1  # the page's own script and the one "show all" data block
    page = read_page(page_file)
    block = page.policies["AWS-S3-001"]
    assert [row["cells"][4] for row in block.rows] == [HOSTILE, HOSTILE]  # shown as text, whole
    assert [cells[6] for cells in block.rest] == [HOSTILE] * 3
    assert page.urls == []


def test_the_users_own_line_is_shown_where_the_manifest_has_it(tmp_path: Path) -> None:
    findings = [_finding("aws_s3_bucket.a", origin_file="app/main.py", origin_line=42), _finding("aws_s3_bucket.b")]
    page_file = tmp_path / "r.html"
    page_file.write_text(render_html(_manifest(findings), max_rows=1))
    page = read_page(page_file)
    [row] = page.policies["AWS-S3-001"].rows
    assert row["cells"][2] == "cdk.tf.json\napp/main.py:42"
    assert page.policies["AWS-S3-001"].rest == [
        ["failed", "aws_s3_bucket.b", "aws_s3_bucket", "cdk.tf.json", "", "", "aws_s3_bucket.b: not encrypted", ""]]


def test_remediation_from_the_caller_and_from_the_manifest(tmp_path: Path) -> None:
    manifest = _manifest([_finding("aws_s3_bucket.a")])
    assert "Turn on SSE-KMS" in render_html(manifest, remediation={"AWS-S3-001": "Turn on SSE-KMS"})
    manifest["policies"] = {"AWS-S3-001": {"remediation": "Use the manifest's words"}}
    text = render_html(manifest, remediation={"AWS-S3-001": "Turn on SSE-KMS"})
    assert "Use the manifest&#x27;s words" in text
    assert "Turn on SSE-KMS" not in text


def test_sources_with_hashes_and_waivers_when_the_manifest_lists_them() -> None:
    manifest = _manifest([_finding("aws_s3_bucket.a", status=FindingStatus.WAIVED, waiver="w.toml: ok (until x)")])
    manifest["sources"] = [{"path": "cdk.tf.json", "kind": "cdktf", "sha256": "ab" * 32}]
    manifest["waivers"] = {"expired": [{"origin": "w.toml: waiver 2", "policy": "AWS-IAM-*", "address": "*",
                                        "reason": "Break-glass", "owner": "sec", "expires": "2020-01-01"}]}
    text = render_html(manifest)
    assert "ab" * 32 in text
    assert 'data-kind="expired"' in text
    assert "Break-glass" in text


def test_fragments_for_pytest_html_carry_their_own_scoped_style() -> None:
    manifest = _manifest([_finding("aws_s3_bucket.a"), _finding("aws_s3_bucket.b", status=FindingStatus.PASSED)])
    summary = summary_fragment(manifest)
    assert summary.startswith('<div class="iac-compliance"><style>')
    assert 'id="matrix"' in summary
    assert "<svg" in summary
    rows = findings_fragment(map(Finding.from_dict, manifest["findings"]), max_rows=1)
    assert rows.count('class="row ') == 1
    assert 'data-status="failed"' in rows  # what needs attention first
    assert "1 more resources" in rows
    for fragment in (summary, rows):
        style = fragment.split("<style>")[1].split("</style>")[0]
        selectors = [rule.split("{")[0] for rule in style.replace("\n", "").split("}") if "{" in rule]
        assert all(part.strip().startswith(".iac-compliance") for sel in selectors for part in sel.split(","))


def test_a_fragment_lists_each_policy_of_a_test_that_judged_several() -> None:
    findings = [_finding("aws_s3_bucket.a"), _finding("aws_iam_policy.p", policy_id="AWS-IAM-001", title="No *")]
    fragment = findings_fragment(findings)
    assert fragment.count("<table") == 2
    assert "<b>AWS-IAM-001</b> No *" in fragment
    assert "aws_iam_policy.p" in fragment
    assert "aws_s3_bucket.a" in fragment
