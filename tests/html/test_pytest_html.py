"""pytest-html's report gains a compliance section: the verdict and coverage in its summary, findings per scan item."""

from __future__ import annotations

import html
import json
import re
import shutil
from pathlib import Path
from typing import Any

import pytest

from pytest_iaccompliance.options import OPT_REPORT, OPT_SOURCE
from tests.plugin.test_html_report import _manifest_sections
from tests.plugin.test_reports import CANARY, _secret_sources
from tests.reporting.page import read_page
from tests.runs import MODES, run


def _blob(report: Path) -> dict[str, Any]:
    """pytest-html 4 keeps every test's row and extras as JSON in one attribute of the page."""
    match = re.search(r'data-jsonblob="([^"]*)"', report.read_text())
    assert match is not None
    return json.loads(html.unescape(match.group(1)))  # type: ignore[no-any-return]


@pytest.mark.parametrize("mode", MODES)
def test_summary_and_scan_item_extras(pytester: pytest.Pytester, example_stacks: Path, mode: list[str]) -> None:
    shutil.copytree(example_stacks, pytester.path / "cdktf.out")
    result = run(pytester, *mode, f"{OPT_SOURCE}=cdktf.out", "--html=ph.html", "--self-contained-html")
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    run(pytester, f"{OPT_SOURCE}=cdktf.out", OPT_REPORT, "r.json")
    manifest = json.loads((pytester.path / "r.json").read_text())

    page = read_page(pytester.path / "ph.html")
    assert page.section_totals() == _manifest_sections(manifest)
    assert f"{manifest['verdict']['critical']['failed']}critical failures (limit 0): fails the session" in page.text

    tests = _blob(pytester.path / "ph.html")["tests"]
    for policy_id in {f["policy_id"] for f in manifest["findings"]}:
        for stack in ("legacy", "payments"):
            source = f"cdktf.out/stacks/{stack}/cdk.tf.json"
            expected = sorted((f["address"], f["status"]) for f in manifest["findings"]
                              if f["policy_id"] == policy_id and f["source_file"].endswith(source))
            if not expected:
                continue
            [entry] = tests[f"{source}::{policy_id}"]
            [extra] = [e for e in entry["extras"] if e["name"] == "compliance"]
            assert extra["format_type"] == "html"
            shown = re.findall(r'data-status="(\w+)".*?<div class="mono">([^<]*)</div>', extra["content"])
            assert sorted((address, status) for status, address in shown) == expected


def test_secret_canary_never_reaches_pytest_html(pytester: pytest.Pytester) -> None:
    sources = []
    for name, document in _secret_sources().items():
        (pytester.path / name).write_text(json.dumps(document))
        sources.append(f"{OPT_SOURCE}={name}")
    result = run(pytester, *sources, "--html=ph.html", "--self-contained-html")
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    text = (pytester.path / "ph.html").read_text()
    assert "iac-compliance" in text
    assert CANARY not in text
