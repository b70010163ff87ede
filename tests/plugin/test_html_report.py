"""The HTML compliance report from a user's seat: what it shows matches the JSON manifest, row for row."""

from __future__ import annotations

import json
import shutil
from collections import Counter
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from pytest_iaccompliance.model import Finding
from pytest_iaccompliance.options import INI_HTML, OPT_HTML, OPT_REPORT, OPT_SOURCE
from pytest_iaccompliance.reporting.html import DEFAULT_ROWS, STATUS_LABEL
from pytest_iaccompliance.reporting.sections import section_totals
from tests.plugin.test_reports import CANARY, _secret_sources
from tests.reporting.page import Page, read_page
from tests.runs import MODES, run

LEGACY = "cdktf.out/stacks/legacy/cdk.tf.json"


@pytest.fixture
def stacks(pytester: pytest.Pytester, example_stacks: Path) -> Path:
    target = pytester.path / "cdktf.out"
    shutil.copytree(example_stacks, target)
    return target


def _manifest_sections(manifest: dict[str, Any]) -> dict[str, dict[str, int]]:
    """The manifest's totals by section, as the matrix labels its columns."""
    rows = manifest.get("sections")
    if rows is None:
        rows = [t.to_dict() for t in section_totals(Finding.from_dict(f) for f in manifest["findings"])]
    shown = ("passed", "failed", "unknown", "waived") + (
        ("baselined",) if any(row["totals"].get("baselined") for row in rows) else ())
    return {row["section"]: {**{STATUS_LABEL[s]: row["totals"].get(s, 0) for s in shown},
                             "total": sum(row["totals"].values())} for row in rows}


def _assert_matches_manifest(page: Page, manifest: dict[str, Any]) -> None:
    assert page.section_totals() == _manifest_sections(manifest)
    by_policy: dict[str, list[dict[str, Any]]] = {}
    for finding in manifest["findings"]:
        by_policy.setdefault(finding["policy_id"], []).append(finding)
    assert sorted(page.policies) == sorted(by_policy)
    for policy_id, findings in by_policy.items():
        block = page.policies[policy_id]
        assert Counter(block.statuses) == Counter(f["status"] for f in findings), policy_id
        assert Counter(block.addresses) == Counter(f["address"] for f in findings), policy_id
        assert block.attrs["data-severity"] == findings[0]["severity"]
    assert sum(len(p.statuses) for p in page.policies.values()) == sum(manifest["totals"].values())


@pytest.mark.parametrize("mode", MODES)
def test_every_count_matches_the_manifest(pytester: pytest.Pytester, stacks: Path, mode: list[str]) -> None:
    result = run(pytester, *mode, f"{OPT_SOURCE}={stacks.name}", OPT_REPORT, "r.json", OPT_HTML, "out/r.html")
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    manifest = json.loads((pytester.path / "r.json").read_text())
    page = read_page(pytester.path / "out" / "r.html")
    _assert_matches_manifest(page, manifest)
    # The run's facts: failed verdict, exit status, the critical count against its limit, each source.
    assert manifest["verdict"]["critical"]["failed"] > 0
    assert f"exit status {result.ret} (tests failed)" in page.text
    assert (f"{manifest['verdict']['critical']['failed']}critical failures (limit 0): fails the session"
            in page.text)
    for source in {f["source_file"] for f in manifest["findings"]}:
        assert source in page.text
    assert manifest["sources"]
    for source in manifest["sources"]:  # each with its content hash
        assert f'{source["path"]}{source["kind"]}{source["sha256"]}' in page.text
    # Remediation and controls of a failing policy are shown with it.
    assert "remediation" in page.text
    assert "CIS-AWS-3.0:2.1.1" in page.text


def test_the_html_report_alone_holds_the_passed_findings_too(pytester: pytest.Pytester, stacks: Path) -> None:
    """Without --iac-report the passed findings still reach the controller for the matrix's "passed" column."""
    run(pytester, "-n", "2", f"{OPT_SOURCE}={stacks.name}", OPT_HTML, "r.html")
    run(pytester, f"{OPT_SOURCE}={stacks.name}", OPT_REPORT, "r.json")
    page = read_page(pytester.path / "r.html")
    manifest = json.loads((pytester.path / "r.json").read_text())
    assert page.section_totals() == _manifest_sections(manifest)
    assert any(row["passed"] for row in page.section_totals().values())


def _buckets(count: int) -> dict[str, Any]:
    return {"resource": {"aws_s3_bucket": {f"b{i:03}": {"bucket": f"b{i:03}"} for i in range(count)}}}


@pytest.mark.parametrize("mode", MODES)
def test_rows_per_policy_are_bounded_and_the_rest_is_behind_show_all(pytester: pytest.Pytester,
                                                                     mode: list[str]) -> None:
    count = DEFAULT_ROWS + 7
    (pytester.path / "cdk.tf.json").write_text(json.dumps(_buckets(count)))
    run(pytester, *mode, f"{OPT_SOURCE}=cdk.tf.json", OPT_REPORT, "r.json", OPT_HTML, "r.html",
        "--iac-select", "AWS-S3-001")
    page = read_page(pytester.path / "r.html")
    block = page.policies["AWS-S3-001"]
    assert len(block.rows) == DEFAULT_ROWS
    assert len(block.rest) == 7
    assert block.show_all == f"show all {count} resources"
    assert sorted(block.addresses) == [f"aws_s3_bucket.b{i:03}" for i in range(count)]
    _assert_matches_manifest(page, json.loads((pytester.path / "r.json").read_text()))


def test_filtering_markup_names_what_the_report_holds(pytester: pytest.Pytester, stacks: Path) -> None:
    run(pytester, f"{OPT_SOURCE}={stacks.name}", OPT_HTML, "r.html")
    page = read_page(pytester.path / "r.html")
    assert page.filters["severity"] == ["critical", "warning"]
    statuses = {row["status"] for block in page.policies.values() for row in block.rows}
    assert set(page.filters["status"]) == statuses == {"failed", "unknown", "passed"}
    assert page.filters["section"] == ["", *page.matrix]
    for block in page.policies.values():
        sections = block.attrs["data-sections"].split("|")
        assert set(sections) <= set(page.matrix)
        assert block.attrs["data-statuses"].split() == [s for s in STATUS_LABEL if s in block.statuses]
    # Something to filter by: each severity and several sections are present.
    assert {b.attrs["data-severity"] for b in page.policies.values()} == {"critical", "warning"}


def test_waived_findings_show_reason_owner_and_expiry_and_expired_ones_stand_out(pytester: pytest.Pytester,
                                                                                 stacks: Path) -> None:
    soon, past = date.today() + timedelta(days=30), date.today() - timedelta(days=3)
    pytester.path.joinpath("waivers.toml").write_text(
        f'[[waiver]]\npolicy = "AWS-S3-001"\naddress = "*"\nreason = "Archive bucket, RISK-7"\nowner = "data-team"\n'
        f"expires = {soon.isoformat()}\n\n"
        f'[[waiver]]\npolicy = "AWS-IAM-001"\naddress = "*"\nreason = "Break-glass role, RISK-9"\nowner = "sec"\n'
        f"expires = {past.isoformat()}\n")
    run(pytester, f"{OPT_SOURCE}={LEGACY}", "--iac-waivers", "waivers.toml", OPT_REPORT, "r.json", OPT_HTML, "r.html")
    page = read_page(pytester.path / "r.html")
    _assert_matches_manifest(page, json.loads((pytester.path / "r.json").read_text()))
    [waived] = [row for row in page.policies["AWS-S3-001"].rows if row["status"] == "waived"]
    assert "Archive bucket, RISK-7 (owner data-team, until " + soon.isoformat() in waived["cells"][5]
    [expired] = [row for row in page.policies["AWS-IAM-001"].rows if row["status"] == "failed"]
    assert "expired" in expired["classes"]
    assert expired["cells"][5].startswith("waiver expired")
    assert f"Break-glass role, RISK-9 (owner sec, until {past.isoformat()})" in expired["cells"][5]
    assert any(row.get("waived") for row in page.section_totals().values())
    # The expired waiver also heads the waivers the run reported, with its reason, owner and end date.
    text = (pytester.path / "r.html").read_text()
    expired_table = text.split('data-kind="expired"')[1].split("</table>")[0]
    assert "Break-glass role, RISK-9" in expired_table
    assert f"<td>sec</td><td>{past.isoformat()}</td>" in expired_table


@pytest.mark.parametrize("mode", MODES)
def test_secret_canary_never_reaches_the_html_report(pytester: pytest.Pytester, mode: list[str]) -> None:
    sources = []
    for name, document in _secret_sources().items():
        (pytester.path / name).write_text(json.dumps(document))
        sources.append(f"{OPT_SOURCE}={name}")
    result = run(pytester, *mode, *sources, OPT_HTML, "r.html")
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    text = (pytester.path / "r.html").read_text()
    # Each source was judged and is in the report: the canary's absence is not an empty page's.
    page = read_page(pytester.path / "r.html")
    assert "failed" in page.policies["AWS-RDS-001"].statuses
    assert all(f"{pytester.path}/{name}" in page.text for name in _secret_sources())
    assert CANARY not in text


def test_the_page_asks_for_nothing_from_any_address(pytester: pytest.Pytester, stacks: Path) -> None:
    run(pytester, f"{OPT_SOURCE}={stacks.name}", OPT_HTML, "r.html")
    text = (pytester.path / "r.html").read_text()
    page = read_page(pytester.path / "r.html")
    assert page.urls == []
    assert "default-src 'none'" in text
    assert "@import" not in text
    assert "url(" not in text


def test_ini_path_is_relative_to_the_ini_file(pytester: pytest.Pytester, stacks: Path) -> None:
    pytester.makeini(f"[pytest]\n{INI_HTML} = reports/compliance.html\n")
    sub = pytester.mkdir("sub")
    result = pytester.runpytest_inprocess("-p", "no:cacheprovider", f"--rootdir={pytester.path}",
                                          f"{OPT_SOURCE}={stacks}", sub)
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    assert (pytester.path / "reports" / "compliance.html").is_file()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        pytest.param([OPT_HTML, "."], f"{OPT_HTML} .: is a folder*", id="folder"),
        pytest.param([OPT_HTML, "r.json", OPT_REPORT, "r.json"], f"{OPT_REPORT} and {OPT_HTML} both name*",
                     id="same-file-as-the-manifest"),
        pytest.param([OPT_HTML, LEGACY], f"{OPT_HTML} *: is also a source to scan*", id="a-source"),
        pytest.param([OPT_HTML, ""], f"{OPT_HTML} expects a file path, got an empty value", id="empty"),
    ],
)
def test_bad_html_paths_are_usage_errors(pytester: pytest.Pytester, stacks: Path, args: list[str],
                                         message: str) -> None:
    result = run(pytester, f"{OPT_SOURCE}={LEGACY}", *args)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines([f"*{message}"])


def test_without_pytest_html_nothing_is_required(pytester: pytest.Pytester, stacks: Path) -> None:
    """pytest-html's hooks are optional here: a run without it (or with it turned off) is an ordinary run."""
    result = run(pytester, "-p", "no:html", f"{OPT_SOURCE}={LEGACY}", OPT_HTML, "r.html")
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.stdout.fnmatch_lines(["*compliance summary*"])
    assert read_page(pytester.path / "r.html").policies
