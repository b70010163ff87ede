"""In-code waivers on cdktf/cdktn constructs: recorded in the synthesized ``//`` metadata, honoured by the
fixture, ``assert_compliant`` and a scan of ``cdktf.out``, with the same required reason and expiry."""

from __future__ import annotations

import json
import os
import sys
from datetime import datetime, timedelta, timezone
from types import ModuleType

import pytest

from pytest_iaccompliance.waivers import WaiverError, waive
from tests.cdktf.conftest import LIB, PLUGIN_ARGS, ROOT

SOON = (datetime.now(timezone.utc).date() + timedelta(days=30)).isoformat()

APP_MODULE = f"""
from {LIB} import App, TerraformResource, TerraformStack
from constructs import Construct
from pytest_iaccompliance.waivers import waive


class Website(Construct):
    def __init__(self, scope, id):
        super().__init__(scope, id)
        for name in ("site", "assets"):
            bucket = TerraformResource(self, name, terraform_resource_type="aws_s3_bucket")
            bucket.add_override("bucket", name)


class WebStack(TerraformStack):
    def __init__(self, scope, id):
        super().__init__(scope, id)
        website = Website(self, "web")
        waive(website, "AWS-S3-*", reason="Static public website, approved in SEC-42", expires="{SOON}",
              owner="web-team")
        other = TerraformResource(self, "data", terraform_resource_type="aws_s3_bucket")
        other.add_override("bucket", "data")


if __name__ == "__main__":
    app = App(outdir="cdktf.out")
    WebStack(app, "web")
    app.synth()
"""

USER_TEST = """
from pytest_iaccompliance.assertions import assert_compliant
import webapp


def test_waived_buckets_pass_and_the_other_fails(cdktf_synth, iac_policies):
    stack = cdktf_synth(webapp.WebStack, "web")
    waived = [f for f in iac_policies.evaluate(stack) if f.address.startswith("aws_s3_bucket.web")]
    try:
        assert_compliant(stack, "critical", iac_policies)
    except AssertionError as exc:
        text = str(exc)
    assert "aws_s3_bucket.data" in text
    assert "aws_s3_bucket.web" not in text
    # evaluate() is the policies' own verdict; waivers apply where thresholds and assertions decide.
    assert any(f.status.value == "failed" for f in waived)
"""


@pytest.fixture
def project(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> pytest.Pytester:
    pytester.makepyfile(webapp=APP_MODULE)
    pytester.makeini("[pytest]\n")
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join([str(ROOT), str(pytester.path)]))
    return pytester


def test_the_waiver_is_in_the_synthesized_metadata_and_assert_compliant_honours_it(project: pytest.Pytester) -> None:
    project.makepyfile(test_web=USER_TEST)
    result = project.runpytest_subprocess(*PLUGIN_ARGS, "-p", "no:cacheprovider")
    result.assert_outcomes(passed=1)


def test_a_scan_of_cdktf_out_honours_the_waiver(project: pytest.Pytester) -> None:
    synth = project.run(sys.executable, "webapp.py")
    assert synth.ret == 0, synth.stderr.str()
    document = json.loads((project.path / "cdktf.out" / "stacks" / "web" / "cdk.tf.json").read_text())
    site = next(body for name, body in document["resource"]["aws_s3_bucket"].items() if "site" in name)
    assert site["//"]["iaccompliance_waivers"] == {"AWS-S3-*": {
        "reason": "Static public website, approved in SEC-42", "expires": SOON, "owner": "web-team"}}
    result = project.runpytest_subprocess(*PLUGIN_ARGS, "-p", "no:cacheprovider", "--iac-source", "cdktf.out",
                                          "-k", "AWS-S3-002")
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.stdout.fnmatch_lines([
        "1 non-compliant resource(s) in *cdk.tf.json:",
        "  - aws_s3_bucket.data*",
        "2 waived or baselined (not counted):",
        "  - aws_s3_bucket.web_assets_* [[]stack web: aws_s3_bucket.web_assets_* waives AWS-S3-* in code: "
        f"Static public website, approved in SEC-42 (owner web-team, until {SOON})]",
        "*waived findings (not counted): 2*",
    ])


@pytest.mark.parametrize(("reason", "expires", "message"), [
    ("todo", SOON, "field `reason`: 'todo' is a placeholder"),
    ("", SOON, "field `reason`: is empty"),
    ("Public website", "2099-01-01", "field `expires`: 2099-01-01 is more than 180 days ahead"),
    ("Public website", "next week", "field `expires`: expects a date"),
])
def test_a_waiver_in_code_needs_a_reason_and_an_expiry(lib: ModuleType, reason: str, expires: str,
                                                        message: str) -> None:
    stack = lib.TerraformStack(lib.Testing.app(), "s")
    bucket = lib.TerraformResource(stack, "b", terraform_resource_type="aws_s3_bucket")
    with pytest.raises(WaiverError, match=f"^waiver of AWS-S3-002 on s/b: {message}"):
        waive(bucket, "AWS-S3-002", reason=reason, expires=expires)


def test_a_construct_without_resources_cannot_carry_a_waiver(lib: ModuleType) -> None:
    stack = lib.TerraformStack(lib.Testing.app(), "empty")
    with pytest.raises(WaiverError, match="found no resource to record the waiver on"):
        waive(stack, "AWS-S3-002", reason="Public website", expires=SOON)
