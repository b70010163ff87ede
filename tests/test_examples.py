"""The README's examples command, run from a user's seat."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import jsonschema

from pytest_iaccompliance.reporting.manifest import manifest_schema

EXAMPLES = Path(__file__).parent.parent / "examples"
SARIF_SCHEMA = Path(__file__).parent / "data" / "sarif-schema-2.1.0.json"


def test_terraform_json_examples_end_as_documented() -> None:
    completed = subprocess.run([sys.executable, str(EXAMPLES / "run.py"), "terraform_json"],
                               capture_output=True, text=True, check=False)
    assert completed.returncode == 0, completed.stdout[-3000:]
    out = completed.stdout
    assert "5 passed" in out
    assert "critical failures: 8 (limit 0) -> FAILS the session" in out  # incl. AWS-EC2-014
    assert "warning failures: 9 (no limit) -> tolerated" in out  # incl. AWS-S3-008 and IAC-BACKEND-002
    assert "examples: 0 unexpected outcome(s)" in out
    # Its pytest.ini asks for the HTML report, which shows the same verdict.
    assert "### wrote examples/terraform_json/compliance-report.html" in out
    report = (EXAMPLES / "terraform_json" / "compliance-report.html").read_text()
    assert "8</div><div>critical failures (limit 0): fails the session" in report


def test_terraform_plan_examples_end_as_documented() -> None:
    completed = subprocess.run([sys.executable, str(EXAMPLES / "run.py"), "terraform_plan"],
                               capture_output=True, text=True, check=False)
    assert completed.returncode == 0, completed.stdout[-3000:]
    out = completed.stdout
    assert "critical failures: 3 (limit 0) -> FAILS the session" in out
    assert "plan.json::AWS-EC2-001" in out
    assert "plan.json::AWS-EC2-014" in out
    assert "plan.json::AWS-RDS-001" in out
    assert "warning failures: 3 (no limit) -> tolerated" in out
    assert "examples: 0 unexpected outcome(s)" in out


def construct_line(source: Path, cls: str, name: str) -> int:
    """The line of ``cls(`` whose construct id (or Pulumi name) is ``name``: where a finding should land."""
    text = source.read_text()
    match = re.search(rf"\b{cls}\(\s*(?:self,\s*)?\"{re.escape(name)}\"", text)
    assert match is not None, f"{cls}({name!r}) not found in {source}"
    return text[: match.start()].count("\n") + 1


def example_reports(folder: str, tmp_path: Path, *args: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """The manifest and SARIF of a pytest run in an example, validated against their schemas."""
    report, sarif = tmp_path / "compliance.json", tmp_path / "compliance.sarif"
    completed = subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", *args,
                                f"--iac-report={report}", f"--iac-sarif={sarif}"],
                               cwd=EXAMPLES / folder, capture_output=True, text=True, check=False)
    assert completed.returncode == 0, completed.stdout[-3000:]
    manifest, document = json.loads(report.read_text()), json.loads(sarif.read_text())
    jsonschema.Draft202012Validator(manifest_schema()).validate(manifest)
    jsonschema.Draft4Validator(json.loads(SARIF_SCHEMA.read_text())).validate(document)
    return manifest, document


def results_by_rule(document: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {result["ruleId"]: result for result in document["runs"][0]["results"]}


def region(result: dict[str, Any]) -> tuple[str, int]:
    physical = result["locations"][0]["physicalLocation"]
    return physical["artifactLocation"]["uri"], physical["region"]["startLine"]


def test_cdktf_example_reports_land_on_the_lines_of_my_infra(tmp_path: Path) -> None:
    """The committed cdktf.out carries each resource's Python line, so a scan of it points into my_infra.py."""
    manifest, document = example_reports("cdktf_app", tmp_path, "--iac-source", "cdktf.out", "cdktf.out")
    source = EXAMPLES / "cdktf_app" / "my_infra.py"
    results = results_by_rule(document)
    assert region(results["AWS-EC2-004"]) == ("my_infra.py", construct_line(source, "SecurityGroup", "web"))
    assert region(results["AWS-S3-005"]) == ("my_infra.py", construct_line(source, "S3Bucket", "documents"))
    waived = results["AWS-RDS-005"]
    assert region(waived) == ("my_infra.py", construct_line(source, "DbInstance", "orders"))
    assert waived["suppressions"][0]["status"] == "accepted"
    assert "DB-311" in waived["suppressions"][0]["justification"]
    # The backend is configuration, with no construct line: it lands on its line in the synthesized file.
    stack_file = EXAMPLES / "cdktf_app" / "cdktf.out" / "stacks" / "platform-prod" / "cdk.tf.json"
    text = stack_file.read_text()
    assert region(results["IAC-BACKEND-002"]) == ("cdktf.out/stacks/platform-prod/cdk.tf.json",
                                                  text[: text.index('"s3": {')].count("\n") + 1)
    assert [w["policy"] for w in manifest["waivers"]["used"]] == ["AWS-RDS-005"]
    assert manifest["waivers"]["stale"] == []
