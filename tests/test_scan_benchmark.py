"""The scan benchmark reports a run that did not scan as an error, never as a time, and refuses an
environment pytest would not load the plugin from (a core-only venv without it once gave exit 4 "times")."""

from __future__ import annotations

import importlib.util
import sys
import venv
from pathlib import Path
from types import ModuleType

import pytest

BENCHMARK = Path(__file__).resolve().parent.parent / "benchmarks" / "scan_vs_checkov.py"


@pytest.fixture(scope="module")
def bench() -> ModuleType:
    spec = importlib.util.spec_from_file_location("scan_vs_checkov", BENCHMARK)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses read their module's namespace
    spec.loader.exec_module(module)
    return module


def test_a_pytest_usage_error_is_an_error_row(bench: ModuleType) -> None:
    usage_error = [sys.executable, "-c", "import sys; print('error: unrecognized arguments: --iac-source'); "
                   "sys.exit(4)"]
    timing = bench.timed(usage_error, 1, ours=False, expected=bench.PYTEST_RUN)
    assert not timing.ok
    assert timing.show().startswith("ERROR: exit 4 (expected 0 or 1): error: unrecognized arguments")


def test_a_pytest_run_with_findings_is_a_time(bench: ModuleType) -> None:
    findings = [sys.executable, "-c", "import sys; print('16 failed, 21 passed, 5 skipped in 1.33s'); sys.exit(1)"]
    timing = bench.timed(findings, 1, ours=False, expected=bench.PYTEST_RUN)
    assert timing.ok, timing.error
    assert "exit 1" in timing.show()


def test_a_pytest_run_that_ran_nothing_is_an_error_row(bench: ModuleType) -> None:
    nothing = [sys.executable, "-c", "print('no tests ran in 0.01s')"]
    timing = bench.timed(nothing, 1, ours=False, expected=bench.PYTEST_RUN)
    assert timing.error == "exit 0 but no scan ran: no tests ran in 0.01s"


def test_an_environment_without_the_plugin_is_refused(bench: ModuleType, tmp_path: Path) -> None:
    venv.EnvBuilder(with_pip=False).create(tmp_path / "bare")
    with pytest.raises(SystemExit, match=r"core environment .*: the plugin is not installed there"):
        bench.checked_environment("core", tmp_path / "bare" / "bin" / "python")
