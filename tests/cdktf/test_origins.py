"""Findings on cdktf/cdktn stacks point at the Python line that created the construct, through the fixture and
the ``Testing`` drop-in (a scan of a ``cdktf.out`` written with ``record_origins`` is in tests/test_examples.py)."""

from __future__ import annotations

import json
import os

import pytest

from tests.cdktf.conftest import LIB, PLUGIN_ARGS, ROOT

APP_MODULE = f"""
from {LIB} import TerraformResource, TerraformStack
from constructs import Construct


class Website(Construct):
    def __init__(self, scope, id):
        super().__init__(scope, id)
        for name in ("site", "assets"):
            bucket = TerraformResource(self, name, terraform_resource_type="aws_s3_bucket")
            bucket.add_override("bucket", name)


class WebStack(TerraformStack):
    def __init__(self, scope, id):
        super().__init__(scope, id)
        Website(self, "web")
        other = TerraformResource(self, "data", terraform_resource_type="aws_s3_bucket")
        other.add_override("bucket", "data")
"""

USER_TESTS = """
import pytest
from pytest_iaccompliance.assertions import assert_compliant
from pytest_iaccompliance.cdktf import Testing
import webapp


@pytest.mark.critical
def test_fixture(cdktf_synth):
    assert_compliant(cdktf_synth(webapp.WebStack, "web"), "critical")


@pytest.mark.critical
def test_dropin():
    stack = webapp.WebStack(Testing.app(), "web")
    assert_compliant(Testing.synth(stack), "critical")
"""


def test_findings_point_at_the_line_that_created_the_construct(pytester: pytest.Pytester,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    pytester.makepyfile(webapp=APP_MODULE, test_web=USER_TESTS)
    pytester.makeini("[pytest]\n")
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join([str(ROOT), str(pytester.path)]))
    written = (pytester.path / "webapp.py").read_text().splitlines()
    website_line = next(n for n, line in enumerate(written, 1) if "bucket = TerraformResource(" in line)
    data_line = next(n for n, line in enumerate(written, 1) if "other = TerraformResource(" in line)
    result = pytester.runpytest_subprocess(*PLUGIN_ARGS, "-p", "no:cacheprovider", "--iac-synth-cache=off",
                                           "--iac-sarif=r.sarif", "--iac-report=r.json")
    result.assert_outcomes(failed=2)
    results = json.loads((pytester.path / "r.sarif").read_text())["runs"][0]["results"]
    places: dict[str, set[tuple[str, int]]] = {}
    for entry in results:
        if entry["ruleId"] == "AWS-S3-002":
            physical = entry["locations"][0]["physicalLocation"]
            places.setdefault(entry["properties"]["address"], set()).add(
                (physical["artifactLocation"]["uri"], physical["region"]["startLine"]))
    assert places["aws_s3_bucket.data"] == {("webapp.py", data_line)}
    websites = {address: lines for address, lines in places.items() if address.startswith("aws_s3_bucket.web_")}
    assert len(websites) == 2
    assert all(lines == {("webapp.py", website_line)} for lines in websites.values())
    # Both ways of synthesizing were judged: the fixture's and the drop-in's findings each carry the line.
    manifest = json.loads((pytester.path / "r.json").read_text())
    data = [f for f in manifest["findings"] if f["address"] == "aws_s3_bucket.data" and f["policy_id"] == "AWS-S3-002"]
    assert len({f["source_file"] for f in data}) == 2
    assert {f["origin_line"] for f in data} == {data_line}
