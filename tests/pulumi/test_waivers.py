"""In-code waivers on Pulumi resources: a transformation records them, the mock run carries them."""

from __future__ import annotations

import os
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from pytest_iaccompliance.model import FindingStatus
from pytest_iaccompliance.pulumi import run_program
from pytest_iaccompliance.waivers import WaiverError, WaiverSet, in_code_waivers, waive_opts

ROOT = str(Path(__file__).resolve().parents[2])
SOON = (datetime.now(timezone.utc).date() + timedelta(days=30)).isoformat()

PROGRAM = f'''
import pulumi
import pulumi_aws as aws
from pytest_iaccompliance.waivers import waive_opts


def program():
    aws.s3.Bucket("site", opts=waive_opts("AWS-S3-*", reason="Static public website (SEC-42)", expires="{SOON}"))
    aws.s3.Bucket("data")
'''

USER_TEST = """
from pytest_iaccompliance.assertions import assert_compliant
import programs


def test_only_the_unwaived_bucket_fails(pulumi_mocks, iac_policies):
    stack = pulumi_mocks.run(programs.program)
    try:
        assert_compliant(stack, "critical", iac_policies)
    except AssertionError as exc:
        text = str(exc)
    assert "::data" in text
    assert "::site" not in text
"""


def test_a_waiver_option_is_recorded_on_the_resource_by_the_mock_run(tmp_path: Path,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "waived_program.py").write_text(PROGRAM)
    monkeypatch.syspath_prepend(str(tmp_path))
    import waived_program  # type: ignore[import-not-found]

    stack = run_program(waived_program.program)
    (waiver,) = in_code_waivers(stack)
    site = next(r for r in stack if r.name == "site")
    assert (waiver.policy, waiver.expires.isoformat() if waiver.expires else None) == ("AWS-S3-*", SOON)
    assert waiver.origin.endswith(f"{site.address} waives AWS-S3-* in code")
    from pytest_iaccompliance.policies.suite import PolicySuite

    findings = WaiverSet([waiver]).apply(PolicySuite.load(select=["AWS-S3-002"]).evaluate(stack)).findings
    assert {(f.address.rsplit("::", 1)[1], f.status) for f in findings} == {
        ("site", FindingStatus.WAIVED), ("data", FindingStatus.FAILED)}
    # The next run starts clean: nothing recorded in one program leaks into another.
    assert in_code_waivers(run_program(lambda: None)) == ()


def test_a_waiver_option_needs_a_reason() -> None:
    with pytest.raises(WaiverError, match="field `reason`: 'TBD' is a placeholder"):
        waive_opts("AWS-S3-002", reason="TBD", expires=SOON)


def test_assert_compliant_honours_the_waiver_from_a_users_seat(pytester: pytest.Pytester,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    pytester.makepyfile(programs=PROGRAM, test_stack=USER_TEST)
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join([ROOT, str(pytester.path)]))
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=1)
