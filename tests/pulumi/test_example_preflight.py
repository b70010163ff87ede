"""The Pulumi example's pre-flight tests, selected as users select them (runs where Pulumi is installed)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

EXAMPLES = Path(__file__).parent.parent.parent / "examples"


def test_pulumi_preflight_example_selected_by_k() -> None:
    """``pytest -k preflight`` in the Pulumi example runs its pre-flight tests and nothing else."""
    completed = subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-k", "preflight", "-v"],
                               cwd=EXAMPLES / "pulumi_app", capture_output=True, text=True, check=False)
    assert completed.returncode == 0, completed.stdout[-3000:]
    assert "tests/test_preflight.py::test_web_tier_passes_preflight PASSED" in completed.stdout
    assert "tests/test_preflight.py::test_preflight_stops_an_untagged_public_bucket PASSED" in completed.stdout
    assert "2 passed, 11 deselected" in completed.stdout
