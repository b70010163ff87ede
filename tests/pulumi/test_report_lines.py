"""Findings from Pulumi programs point at the line that called the resource's constructor, in reports and in
the Pulumi example (these need the `pulumi` extra, so they run in its environment)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.plugin.test_report_contents import reports, validate_sarif
from tests.runs import MODES
from tests.test_examples import EXAMPLES, construct_line, example_reports, region, results_by_rule

PULUMI_PROGRAM = """\
import pulumi_aws as aws


def program():
    aws.s3.BucketV2("logs")
    aws.ec2.SecurityGroup(
        "web",
        ingress=[{"protocol": "tcp", "from_port": 22, "to_port": 22, "cidr_blocks": ["0.0.0.0/0"]}],
    )
"""


@pytest.mark.parametrize("mode", MODES)
def test_pulumi_findings_point_at_the_constructor_call(pytester: pytest.Pytester, mode: list[str]) -> None:
    pytester.makepyfile(infra=PULUMI_PROGRAM)
    pytester.makepyfile(test_infra="""
        import pytest
        from infra import program
        from pytest_iaccompliance.assertions import assert_compliant

        @pytest.mark.critical
        def test_program(pulumi_mocks):
            assert_compliant(pulumi_mocks.run(program), min_severity="critical")
    """)
    pytester.makeini("[pytest]\nfilterwarnings = ignore::DeprecationWarning\n")
    result, manifest, sarif = reports(pytester, *mode)
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    validate_sarif(sarif)
    by_rule = {r["ruleId"]: r for r in sarif["runs"][0]["results"]}
    region = by_rule["AWS-EC2-001"]["locations"][0]["physicalLocation"]
    assert region["artifactLocation"]["uri"] == "infra.py"
    assert region["region"]["startLine"] == 6  # aws.ec2.SecurityGroup(
    assert by_rule["TEST-CRITICAL"]["locations"][0]["physicalLocation"]["region"]["startLine"] == 5
    origins = {(Path(f["origin_file"]).name, f["origin_line"]) for f in manifest["findings"]
               if f["address"].endswith("::logs")}
    assert origins == {("infra.py", 5)}
    assert any(r["address"].endswith("::web") for r in manifest["resources"])
    result.stdout.fnmatch_lines(["*AWS-EC2-001*web (infra.py:6)*"])


def test_pulumi_example_reports_land_on_the_constructor_call(tmp_path: Path) -> None:
    """The program's findings point at the line that called the resource's constructor."""
    manifest, document = example_reports("pulumi_app", tmp_path, "tests/test_compliance.py", "-k", "configured_pack")
    waived = results_by_rule(document)["AWS-EC2-004"]
    source = EXAMPLES / "pulumi_app" / "__main__.py"
    assert region(waived) == ("__main__.py", construct_line(source, "SecurityGroup", "web"))
    assert "NET-214" in waived["suppressions"][0]["justification"]
    lines = {f["origin_line"] for f in manifest["findings"] if f["address"].endswith("SecurityGroup::database")}
    assert lines == {construct_line(source, "SecurityGroup", "database")}
