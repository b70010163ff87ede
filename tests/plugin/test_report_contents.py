"""What the reports say, from a user's seat: SARIF GitHub takes as is, the manifest and its schema, JUnit
properties, the section table, the user's own lines, and the same reports with and without pytest-xdist."""

from __future__ import annotations

import hashlib
import json
import xml.etree.ElementTree as ET
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from pytest_iaccompliance.fixtures.waivers import OPT_BASELINE, OPT_BASELINE_WRITE, OPT_WAIVERS
from pytest_iaccompliance.options import OPT_REPORT, OPT_SARIF, OPT_SOURCE
from pytest_iaccompliance.reporting.manifest import manifest_schema
from tests.runs import MODES, XDIST, run

SARIF_SCHEMA = Path(__file__).parent.parent / "data" / "sarif-schema-2.1.0.json"
CANARY = "CANARY-5e1d-never-print"
SOON = datetime.now(timezone.utc).date() + timedelta(days=30)

STACK = {
    "resource": {
        "aws_s3_bucket": {
            "data": {"bucket": "acme-data", "tags": {"owner": "team-a", "api_token": CANARY}},
            "logs": {"bucket": "acme-logs", "tags": {"owner": "team-b", "cost-center": "42"}},
        },
        "aws_iam_policy": {"admin": {"name": "admin", "policy": json.dumps(
            {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]})}},
    }
}
WAIVERS = (f'[[waiver]]\npolicy = "AWS-IAM-001"\naddress = "aws_iam_policy.admin"\n'
           f'reason = "Break-glass role, reviewed by the risk board (RISK-7)"\nexpires = {SOON.isoformat()}\n\n'
           f'[[waiver]]\npolicy = "AWS-EC2-001"\naddress = "aws_security_group.*"\n'
           f'reason = "Legacy bastion, removed with RISK-9"\nexpires = {SOON.isoformat()}\n')
INI = "[pytest]\niac_required_tags = owner cost-center\n"


def line_of(text: str, needle: str) -> int:
    return text[: text.index(needle)].count("\n") + 1


@pytest.fixture
def stack(pytester: pytest.Pytester) -> Path:
    path = pytester.path / "main.tf.json"
    path.write_text(json.dumps(STACK, indent=2))
    pytester.path.joinpath("waivers.toml").write_text(WAIVERS)
    pytester.makeini(INI)
    return path


def reports(pytester: pytest.Pytester, *args: str) -> tuple[pytest.RunResult, dict[str, Any], dict[str, Any]]:
    result = run(pytester, *args, OPT_REPORT, "r.json", OPT_SARIF, "r.sarif")
    return (result, json.loads((pytester.path / "r.json").read_text()),
            json.loads((pytester.path / "r.sarif").read_text()))


def validate_sarif(document: dict[str, Any]) -> None:
    schema = json.loads(SARIF_SCHEMA.read_text())
    jsonschema.Draft4Validator(schema).validate(document)


@pytest.mark.parametrize("mode", MODES)
def test_sarif_is_valid_and_ready_for_code_scanning(pytester: pytest.Pytester, stack: Path, mode: list[str]) -> None:
    result, _, sarif = reports(pytester, *mode, OPT_SOURCE, stack.name, OPT_WAIVERS, "waivers.toml")
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    validate_sarif(sarif)
    [sarif_run] = sarif["runs"]
    assert sarif_run["automationDetails"] == {"id": "pytest-iaccompliance/"}
    rules = {rule["id"]: rule for rule in sarif_run["tool"]["driver"]["rules"]}
    for rule in rules.values():
        assert rule["properties"]["security-severity"] in ("9.0", "5.0")
        assert "security" in rule["properties"]["tags"]
        assert rule["help"]["text"]
        assert rule["help"]["markdown"]
    s3 = rules["AWS-S3-002"]
    assert s3["properties"]["security-severity"] == "9.0"
    assert "Remediation: " in s3["help"]["text"]
    assert "CIS-AWS-3.0:2.1.4" in s3["help"]["text"]
    assert "`CIS-AWS-3.0:2.1.4`" in s3["help"]["markdown"]
    text = stack.read_text()
    lines = {"aws_s3_bucket.data": line_of(text, '"data": {'), "aws_s3_bucket.logs": line_of(text, '"logs": {'),
             "aws_iam_policy.admin": line_of(text, '"admin": {')}
    assert sarif_run["results"]
    for finding in sarif_run["results"]:
        [location] = finding["locations"]
        physical = location["physicalLocation"]
        assert physical["artifactLocation"]["uri"] == "main.tf.json"
        assert physical["region"]["startLine"] == lines[finding["properties"]["address"]]
        assert rules[finding["ruleId"]]["id"] == sarif_run["tool"]["driver"]["rules"][finding["ruleIndex"]]["id"]
    waived = [r for r in sarif_run["results"] if r["properties"]["status"] == "waived"]
    assert [r["ruleId"] for r in waived] == ["AWS-IAM-001"]
    assert waived[0]["suppressions"][0]["kind"] == "external"
    assert "RISK-7" in waived[0]["suppressions"][0]["justification"]
    assert all("suppressions" not in r for r in sarif_run["results"] if r["properties"]["status"] == "failed")


def test_security_severity_and_category_are_configurable(pytester: pytest.Pytester, stack: Path) -> None:
    pytester.makeini(INI + "iac_security_severity =\n    critical = 8.5\n    warning = 3\n"
                     "iac_sarif_category = infra/prod\n")
    _, _, sarif = reports(pytester, OPT_SOURCE, stack.name)
    [sarif_run] = sarif["runs"]
    scores = {r["properties"]["severity"]: r["properties"]["security-severity"]
              for r in sarif_run["tool"]["driver"]["rules"]}
    assert scores == {"critical": "8.5", "warning": "3.0"}
    assert sarif_run["automationDetails"] == {"id": "infra/prod/"}


@pytest.mark.parametrize("line", ["critical = 11", "severe = 5.0", "warning"])
def test_a_bad_security_severity_is_a_usage_error(pytester: pytest.Pytester, stack: Path, line: str) -> None:
    pytester.makeini(INI + f"iac_security_severity =\n    {line}\n")
    result = run(pytester, OPT_SOURCE, stack.name)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*iac_security_severity*"])


@pytest.mark.parametrize("mode", MODES)
def test_failed_marked_tests_are_results_at_their_own_line(pytester: pytest.Pytester, mode: list[str]) -> None:
    pytester.makepyfile(test_marked=f"""
        import pytest

        @pytest.mark.critical
        def test_database_is_private():
            assert "{CANARY}" == "hidden"

        @pytest.mark.warning
        def test_tags():
            pass

        def test_plain():
            assert False
    """)
    result, _, sarif = reports(pytester, *mode)
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    validate_sarif(sarif)
    [sarif_run] = sarif["runs"]
    [failed] = sarif_run["results"]
    assert failed["ruleId"] == "TEST-CRITICAL"
    assert failed["level"] == "error"
    physical = failed["locations"][0]["physicalLocation"]
    assert physical["artifactLocation"]["uri"] == "test_marked.py"
    assert physical["region"]["startLine"] == 3  # where pytest locates the test (its first decorator)
    [rule] = sarif_run["tool"]["driver"]["rules"]
    assert rule["properties"]["security-severity"] == "9.0"
    assert CANARY not in (pytester.path / "r.sarif").read_text()


@pytest.mark.parametrize("mode", MODES)
def test_manifest_validates_and_holds_inventory_digests_coverage_sections_and_waivers(
        pytester: pytest.Pytester, stack: Path, mode: list[str]) -> None:
    result, manifest, _ = reports(pytester, *mode, OPT_SOURCE, stack.name, OPT_WAIVERS, "waivers.toml")
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    jsonschema.Draft202012Validator(manifest_schema()).validate(manifest)
    assert manifest["sources"] == [{"path": "main.tf.json", "kind": "terraform-json",
                                    "sha256": hashlib.sha256(stack.read_bytes()).hexdigest()}]
    resources = {r["address"]: r for r in manifest["resources"]}
    assert sorted(resources) == ["aws_iam_policy.admin", "aws_s3_bucket.data", "aws_s3_bucket.logs"]
    assert resources["aws_s3_bucket.logs"]["tags"] == {"cost-center": "42", "owner": "team-b"}
    assert resources["aws_s3_bucket.data"]["tags"] == {"api_token": "<secret>", "owner": "team-a"}
    coverage = manifest["tag_coverage"]
    assert coverage["required"] == ["owner", "cost-center"]
    assert coverage["by_tag"]["owner"]["missing"] == ["aws_iam_policy.admin"]
    assert coverage["by_tag"]["cost-center"]["missing"] == ["aws_iam_policy.admin", "aws_s3_bucket.data"]
    assert coverage["by_tag"]["cost-center"]["tagged"] == 1
    sections = {s["label"]: s["totals"] for s in manifest["sections"]}
    assert sections["CIS 2.1 storage"]["failed"] >= 2
    assert sections["CIS 1 identity and access management"]["waived"] == 1
    waivers = manifest["waivers"]
    assert [w["policy"] for w in waivers["used"]] == ["AWS-IAM-001"]
    assert [w["policy"] for w in waivers["stale"]] == ["AWS-EC2-001"]
    assert waivers["complete"] is True
    assert manifest["baseline"] is None
    text = stack.read_text()
    lines = {(f["address"], f["origin_line"]) for f in manifest["findings"]}
    assert ("aws_s3_bucket.logs", line_of(text, '"logs": {')) in lines
    assert CANARY not in (pytester.path / "r.json").read_text()


def test_manifest_reports_the_baseline_state(pytester: pytest.Pytester, stack: Path) -> None:
    run(pytester, OPT_SOURCE, stack.name, OPT_BASELINE_WRITE, "baseline.json")
    STACK_FIXED = json.loads(stack.read_text())
    del STACK_FIXED["resource"]["aws_iam_policy"]
    stack.write_text(json.dumps(STACK_FIXED, indent=2))
    _, manifest, sarif = reports(pytester, OPT_SOURCE, stack.name, OPT_BASELINE, "baseline.json")
    jsonschema.Draft202012Validator(manifest_schema()).validate(manifest)
    baseline = manifest["baseline"]
    assert baseline["path"] == "baseline.json"
    assert baseline["new"] == 0
    assert baseline["baselined"] == baseline["entries"] - len(baseline["fixed"]) > 0
    assert [key for key in baseline["fixed"] if "aws_iam_policy.admin" in key]
    states = {r["baselineState"] for r in sarif["runs"][0]["results"]}
    assert states == {"unchanged"}


def test_reports_are_identical_with_and_without_xdist(pytester: pytest.Pytester, stack: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    pytester.makepyfile(test_marked="""
        import pytest

        @pytest.mark.critical
        def test_one():
            assert False

        @pytest.mark.warning
        def test_two():
            assert False
    """)
    outputs = []
    for mode in ([], XDIST):
        run(pytester, *mode, OPT_SOURCE, stack.name, OPT_WAIVERS, "waivers.toml",
            OPT_REPORT, "r.json", OPT_SARIF, "r.sarif")
        outputs.append(((pytester.path / "r.json").read_text(), (pytester.path / "r.sarif").read_text()))
    assert outputs[0] == outputs[1]
    assert json.loads(outputs[0][0])["generated_at"] == "2023-11-14T22:13:20+00:00"


@pytest.mark.parametrize("mode", MODES)
def test_junit_properties_of_scan_items_and_marked_tests(pytester: pytest.Pytester, stack: Path,
                                                         mode: list[str]) -> None:
    pytester.makepyfile(test_marked="""
        import pytest

        @pytest.mark.critical
        @pytest.mark.compliance("CIS-AWS-3.0:2.1.4")
        def test_buckets():
            pass
    """)
    run(pytester, *mode, OPT_SOURCE, stack.name, OPT_WAIVERS, "waivers.toml", "--junitxml=junit.xml")
    cases = {case.get("name"): {p.get("name"): p.get("value") for p in case.iter("property")}
             for case in ET.parse(pytester.path / "junit.xml").getroot().iter("testcase")}
    assert cases["AWS-IAM-001"] == {"iac_severity": "critical", "iac_policy_id": "AWS-IAM-001",
                                    "iac_controls": cases["AWS-IAM-001"]["iac_controls"],
                                    "iac_waiver_state": "waived"}
    assert "CIS-AWS-3.0:1.16" in cases["AWS-IAM-001"]["iac_controls"].split(",")
    assert cases["AWS-S3-002"]["iac_waiver_state"] == "none"
    assert cases["test_buckets"] == {"iac_severity": "critical", "iac_policy_id": "",
                                     "iac_controls": "CIS-AWS-3.0:2.1.4", "iac_waiver_state": "none"}


def test_summary_has_a_bounded_table_by_framework_section(pytester: pytest.Pytester, stack: Path) -> None:
    result = run(pytester, OPT_SOURCE, stack.name)
    result.stdout.fnmatch_lines(["by framework section:", "    CIS 1 identity and access management: 1 failed",
                                 "    CIS 2.1 storage: * failed*"])
    data_line = line_of(stack.read_text(), '"data": {')
    result.stdout.fnmatch_lines([f"*AWS-S3-002*aws_s3_bucket.data (main.tf.json:{data_line})*"])
    pytester.makeini(INI + "iac_max_listed = 1\n")
    bounded = run(pytester, OPT_SOURCE, stack.name)
    bounded.stdout.fnmatch_lines(["by framework section:", "    CIS 1 identity and access management: 1 failed",
                                  "    ... and * more (full list: --iac-report)"])


