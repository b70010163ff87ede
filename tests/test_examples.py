"""The README's examples command, run from a user's seat."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

EXAMPLES = Path(__file__).parent.parent / "examples"


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
