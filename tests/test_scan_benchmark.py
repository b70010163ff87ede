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


def test_interleaved_rounds_alternate_their_order_and_stop_a_command_that_fails(bench: ModuleType,
                                                                                tmp_path: Path) -> None:
    log = tmp_path / "order.txt"

    def command(label: str, code: int) -> list[str]:
        return [sys.executable, "-c", f"import sys; open({str(log)!r}, 'a').write({label!r}); sys.exit({code})"]

    samples = bench.interleaved({"a": (command("a", 0), bench.SCAN_RUN), "b": (command("b", 0), bench.SCAN_RUN),
                                 "c": (command("c", 3), bench.SCAN_RUN)}, 3, ours=False)
    # The untimed round, then three timed ones, every other round reversed; "c" failed at once and stopped.
    assert log.read_text() == "cba" + "ab" + "ba" + "ab"
    assert [len(samples[label]) for label in "abc"] == [3, 3, 1]
    assert all(timing.ok for timing in samples["a"] + samples["b"])
    assert bench.median_run(samples["a"]).ok
    assert bench.median_run(samples["c"]).error.startswith("exit 3")
