"""The HTML compliance report as a person sees it, in headless Chromium: verdict, matrix, chart, filters.

The report is the terraform_json example's own (its pytest.ini sets ``iac_html``), run from a copy.
"""

from __future__ import annotations

import base64
import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from pytest_iaccompliance.options import OPT_HTML, OPT_REPORT, OPT_SOURCE
from pytest_iaccompliance.reporting.html import DEFAULT_ROWS
from tests.runs import run

EXAMPLE = Path(__file__).parent.parent.parent / "examples" / "terraform_json"
PNG = b"\x89PNG\r\n\x1a\n"


def _example_report(pytester: pytest.Pytester) -> tuple[Path, dict[str, Any]]:
    for entry in EXAMPLE.iterdir():
        if entry.name in ("pytest.ini", "cdktf.out"):
            (shutil.copytree if entry.is_dir() else shutil.copy)(entry, pytester.path / entry.name)
    result = run(pytester, "-c", "pytest.ini", f"{OPT_SOURCE}=cdktf.out", OPT_REPORT, "r.json")
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    return pytester.path / "compliance-report.html", json.loads((pytester.path / "r.json").read_text())


def _open(browser: Any, report: Path) -> None:
    browser.get_log("performance")  # what earlier pages logged
    browser.get(report.as_uri())
    assert browser.execute_script("return document.readyState") == "complete"


def _visible(browser: Any, selector: str) -> list[Any]:
    from selenium.webdriver.common.by import By

    return [element for element in browser.find_elements(By.CSS_SELECTOR, selector) if element.is_displayed()]


def _network_requests(browser: Any) -> list[str]:
    requests = []
    for entry in browser.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message["method"] in ("Network.requestWillBeSent", "Network.webSocketCreated"):
            params = message["params"]
            requests.append(params.get("request", {}).get("url") or params.get("url", ""))
    return requests


def test_a_person_sees_the_verdict_matrix_and_chart_and_no_request_leaves(pytester: pytest.Pytester, browser: Any,
                                                                          tmp_path: Path) -> None:
    report, manifest = _example_report(pytester)
    _open(browser, report)
    shot = tmp_path / "report.png"
    assert browser.save_screenshot(str(shot))
    assert shot.read_bytes().startswith(PNG)

    [verdict] = _visible(browser, "#verdict")
    assert verdict.text.startswith("FAILED")
    critical = manifest["verdict"]["critical"]["failed"]
    assert _visible(browser, '.verdict[data-severity="critical"]')[0].text.startswith(f"{critical}\n")
    matrix_rows = _visible(browser, "#matrix tbody tr")
    assert len(matrix_rows) >= 10
    assert all(any(cell.text not in ("", "0") for cell in row.find_elements("css selector", "td.num"))
               for row in matrix_rows)
    bars = _visible(browser, "#chart rect.bar")
    assert len(bars) >= len(matrix_rows)
    widths = browser.execute_script(
        "return Array.from(document.querySelectorAll('#chart rect.bar'), r => r.getBoundingClientRect().width)")
    assert all(width > 0 for width in widths)
    assert {bar.get_attribute("data-status") for bar in bars} >= {"passed", "failed"}

    # Nothing was fetched: the network log holds the page itself only, and the page loaded no resource.
    requests = _network_requests(browser)
    assert report.as_uri() in requests
    assert [url for url in requests if url != report.as_uri()] == []
    assert browser.execute_script("return performance.getEntriesByType('resource').length") == 0
    # No console error (a script or style the page's own policy refused would show here).
    assert [entry for entry in browser.get_log("browser") if entry["level"] == "SEVERE"] == []


def test_filtering_hides_rows_and_policies(pytester: pytest.Pytester, browser: Any) -> None:
    from selenium.webdriver.support.ui import Select

    report, _ = _example_report(pytester)
    _open(browser, report)
    rows = _visible(browser, "tr.row")
    passed = _visible(browser, 'tr.row[data-status="passed"]')
    assert passed
    assert len(passed) < len(rows)

    browser.find_element("css selector", 'input[name="status"][value="passed"]').click()
    assert _visible(browser, 'tr.row[data-status="passed"]') == []
    assert len(_visible(browser, "tr.row")) == len(rows) - len(passed)
    assert _visible(browser, 'tr.row[data-status="failed"]')

    browser.find_element("css selector", 'input[name="severity"][value="critical"]').click()
    assert _visible(browser, 'section.policy[data-severity="critical"]') == []
    assert _visible(browser, 'section.policy[data-severity="warning"]')

    browser.find_element("css selector", 'input[name="severity"][value="critical"]').click()
    Select(browser.find_element("css selector", 'select[name="section"]')).select_by_value("CIS 2.1")
    shown = _visible(browser, "section.policy")
    assert shown
    assert all("CIS 2.1" in policy.get_attribute("data-sections").split("|") for policy in shown)
    assert len(shown) < len(browser.find_elements("css selector", "section.policy"))

    # A section's name in the matrix filters to it too; a second click shows every section again.
    button = browser.find_element("css selector", '#matrix tr[data-section="NIST AC"] button')
    button.click()
    assert all("NIST AC" in p.get_attribute("data-sections").split("|") for p in _visible(browser, "section.policy"))
    button.click()
    assert Select(browser.find_element("css selector", 'select[name="section"]')).first_selected_option.text == (
        "all sections")


def test_show_all_lists_every_resource(pytester: pytest.Pytester, browser: Any) -> None:
    count = DEFAULT_ROWS + 9
    document = {"resource": {"aws_s3_bucket": {f"b{i:03}": {"bucket": f"b{i:03}"} for i in range(count)}}}
    (pytester.path / "cdk.tf.json").write_text(json.dumps(document))
    run(pytester, f"{OPT_SOURCE}=cdk.tf.json", "--iac-select", "AWS-S3-001", OPT_HTML, "r.html",
        OPT_REPORT, "r.json")
    _open(browser, pytester.path / "r.html")
    assert len(_visible(browser, "#policy-AWS-S3-001 tr.row")) == DEFAULT_ROWS
    browser.find_element("css selector", "#policy-AWS-S3-001 button.show-all").click()
    rows = _visible(browser, "#policy-AWS-S3-001 tr.row")
    assert sorted(row.find_element("css selector", "td:nth-child(2) .mono").text for row in rows) == [
        f"aws_s3_bucket.b{i:03}" for i in range(count)]
    # Every row, listed or added by "show all", names its file and line as the manifest does.
    manifest = json.loads((pytester.path / "r.json").read_text())
    lines = {f["address"]: f"{f['origin_file']}:{f['origin_line']}" for f in manifest["findings"]}
    shown = {row.find_element("css selector", "td:nth-child(2) .mono").text:
             row.find_element("css selector", "td:nth-child(3) div").text for row in rows}
    assert shown == lines
    assert _visible(browser, "#policy-AWS-S3-001 button.show-all") == []
    # Rows added later obey the filters in force.
    browser.find_element("css selector", 'input[name="status"][value="failed"]').click()
    assert _visible(browser, "#policy-AWS-S3-001 tr.row") == []


def test_printed_to_pdf_the_filters_go_and_every_policy_opens(pytester: pytest.Pytester, browser: Any) -> None:
    report, manifest = _example_report(pytester)
    _open(browser, report)
    pdf = base64.b64decode(browser.print_page())
    assert pdf.startswith(b"%PDF")
    browser.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": "print"})
    try:
        browser.execute_script("window.dispatchEvent(new Event('beforeprint'))")
        assert _visible(browser, "#filters") == []
        policies = {f["policy_id"] for f in manifest["findings"]}
        assert len(_visible(browser, "section.policy table.rows")) == len(policies)
    finally:
        browser.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": ""})
