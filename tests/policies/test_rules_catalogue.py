"""RULES.md is generated from the registry and must match it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TOOL = ROOT / "tools" / "gen_rules.py"


def test_rules_md_is_up_to_date() -> None:
    result = subprocess.run(
        [sys.executable, str(TOOL), "--check"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, (
        result.stderr + "\nRun `python tools/gen_rules.py` and commit RULES.md."
    )


def test_check_fails_on_a_stale_catalogue(tmp_path: Path) -> None:
    stale = tmp_path / "RULES.md"
    stale.write_text("# Built-in rules\n\nold\n", encoding="utf-8")
    result = subprocess.run(
        [sys.executable, str(TOOL), "--check", "--output", str(stale)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 1
    assert "out of date" in result.stderr


def test_catalogue_lists_every_rule_with_its_controls(tmp_path: Path) -> None:
    output = tmp_path / "RULES.md"
    subprocess.run(
        [sys.executable, str(TOOL), "--output", str(output)],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    text = output.read_text(encoding="utf-8")
    assert "| AWS-S3-003 | S3 bucket policy denies requests that do not use TLS" in text
    assert "2.1.1 (v3.0)" in text
    assert "3.4 (v1.4)" in text
    assert "CKV2_AWS_11" in text
