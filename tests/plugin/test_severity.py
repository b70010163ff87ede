"""Exit status by severity: every row of the contract, in one process and under pytest-xdist."""

from __future__ import annotations

import json

import pytest

from pytest_iaccompliance.options import OPT_MAX_CRITICAL, OPT_MAX_WARNINGS, OPT_REPORT
from pytest_iaccompliance.session import TOLERATED
from tests.runs import MODES
from tests.runs import run as run_pytest

SUITE = """
import pytest

@pytest.mark.critical
def test_critical_fails():
    assert False, "unencrypted bucket"

@pytest.mark.warning
def test_warning_fails():
    assert False, "missing tag"

@pytest.mark.warning
def test_warning_fails_too():
    assert False, "egress open"

@pytest.mark.critical
def test_critical_passes():
    pass

def test_plain_passes():
    pass
"""


def run(pytester: pytest.Pytester, mode: list[str], *args: str) -> pytest.RunResult:
    return run_pytest(pytester, *mode, *args)


@pytest.mark.parametrize("mode", MODES)
def test_critical_failure_fails_session_by_default(pytester: pytest.Pytester, mode: list[str]) -> None:
    pytester.makepyfile(SUITE)
    result = run(pytester, mode)
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.stdout.fnmatch_lines(["*compliance summary*",
                                 "critical failures: 1 (limit 0) -> FAILS the session",
                                 "*test_critical_fails*",
                                 "warning failures: 2 (no limit) -> tolerated"])


@pytest.mark.parametrize("mode", MODES)
def test_critical_within_limit_and_warnings_unlimited_exit_zero(pytester: pytest.Pytester,
                                                                mode: list[str]) -> None:
    pytester.makepyfile(SUITE)
    result = run(pytester, mode, OPT_MAX_CRITICAL, "1")
    assert result.ret == pytest.ExitCode.OK
    result.stdout.fnmatch_lines(["critical failures: 1 (limit 1) -> tolerated",
                                 f"*2 passed, 3 {TOLERATED}*"])
    result.stdout.no_fnmatch_line("*[0-9] failed*")


@pytest.mark.parametrize("mode", MODES)
def test_warnings_over_limit_fail_session(pytester: pytest.Pytester, mode: list[str]) -> None:
    pytester.makepyfile(SUITE)
    result = run(pytester, mode, OPT_MAX_CRITICAL, "1", OPT_MAX_WARNINGS, "1")
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.stdout.fnmatch_lines(["warning failures: 2 (limit 1) -> FAILS the session"])
    # Counted failures stay "failed"; the tolerated critical one is shown apart.
    result.stdout.fnmatch_lines(["*2 failed, 2 passed, 1 tolerated*"])


@pytest.mark.parametrize("mode", MODES)
def test_warnings_at_limit_are_tolerated(pytester: pytest.Pytester, mode: list[str]) -> None:
    pytester.makepyfile(SUITE)
    result = run(pytester, mode, OPT_MAX_CRITICAL, "1", OPT_MAX_WARNINGS, "2")
    assert result.ret == pytest.ExitCode.OK


@pytest.mark.parametrize("mode", MODES)
def test_unmarked_failure_always_fails(pytester: pytest.Pytester, mode: list[str]) -> None:
    pytester.makepyfile(
        """
        import pytest

        @pytest.mark.warning
        def test_warning_fails():
            assert False

        def test_plain_fails():
            assert False
        """
    )
    result = run(pytester, mode, OPT_MAX_CRITICAL, "10")
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.stdout.fnmatch_lines(["*1 failed, 1 tolerated*"])


@pytest.mark.parametrize("mode", MODES)
def test_error_in_fixture_of_warning_test_is_ordinary(pytester: pytest.Pytester, mode: list[str]) -> None:
    pytester.makepyfile(
        """
        import pytest

        @pytest.fixture
        def broken():
            raise RuntimeError("synthesis failed")

        @pytest.mark.warning
        def test_uses_broken(broken):
            pass
        """
    )
    result = run(pytester, mode)
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.stdout.fnmatch_lines(["*1 error*"])


def test_ini_limits(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(SUITE)
    pytester.makeini("[pytest]\niac_max_critical = 1\niac_max_warnings = 1\n")
    result = run(pytester, [])
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.stdout.fnmatch_lines(["critical failures: 1 (limit 1) -> tolerated",
                                 "warning failures: 2 (limit 1) -> FAILS the session"])


def test_command_line_overrides_ini(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(SUITE)
    pytester.makeini("[pytest]\niac_max_critical = 0\n")
    assert run(pytester, [], OPT_MAX_CRITICAL, "1").ret == pytest.ExitCode.OK


def test_closest_marker_wins(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import pytest

        @pytest.mark.critical
        class TestStack:
            @pytest.mark.warning
            def test_tag(self):
                assert False

            def test_encryption(self):
                assert False
        """
    )
    result = run(pytester, [], "-v")
    result.stdout.fnmatch_lines(["critical failures: 1 (limit 0) -> FAILS the session",
                                 "*TestStack::test_encryption",
                                 "warning failures: 1 (no limit) -> tolerated",
                                 "*TestStack::test_tag"])
    result.stdout.fnmatch_lines(["*test_tag FAILED (warning)*"])


def test_no_tests_keeps_pytest_code(pytester: pytest.Pytester) -> None:
    assert run(pytester, []).ret == pytest.ExitCode.NO_TESTS_COLLECTED


def test_usage_error_for_bad_limit(pytester: pytest.Pytester) -> None:
    pytester.makepyfile("def test_ok(): pass")
    result = run(pytester, [], OPT_MAX_WARNINGS, "many")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines([f"*{OPT_MAX_WARNINGS} expects a whole number, got 'many'*"])


def test_interrupted_keeps_pytest_code(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import pytest

        @pytest.mark.warning
        def test_stop():
            raise KeyboardInterrupt
        """
    )
    assert run_pytest(pytester, OPT_MAX_CRITICAL, "5", no_reraise_ctrlc=True).ret == pytest.ExitCode.INTERRUPTED


def test_collect_only_counts_nothing(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(SUITE)
    result = run(pytester, [], "--collect-only")
    assert result.ret == pytest.ExitCode.OK
    result.stdout.no_fnmatch_line("*compliance summary*")


def test_strict_markers_rejects_typo(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import pytest

        @pytest.mark.critcal
        def test_typo():
            pass
        """
    )
    result = run(pytester, [], "--strict-markers")
    assert result.ret == pytest.ExitCode.INTERRUPTED
    result.stdout.fnmatch_lines(["*'critcal' not found in `markers` configuration option*"])


def test_m_critical_selects_only_critical(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(SUITE)
    result = run(pytester, [], "-m", "critical", "--strict-markers")
    result.assert_outcomes(passed=1, failed=1)


@pytest.mark.parametrize("mode", MODES)
def test_manifest_verdict_matches_exit(pytester: pytest.Pytester, mode: list[str]) -> None:
    pytester.makepyfile(SUITE)
    result = run(pytester, mode, OPT_REPORT, "out/report.json", OPT_MAX_CRITICAL, "1")
    assert result.ret == pytest.ExitCode.OK
    manifest = json.loads((pytester.path / "out" / "report.json").read_text())
    assert manifest["exit_status"] == 0
    assert manifest["verdict"]["critical"] == {
        "failed": 1,
        "limit": 1,
        "fails_session": False,
        "tests": ["test_manifest_verdict_matches_exit.py::test_critical_fails"],
    }
    assert manifest["verdict"]["warning"]["failed"] == 2
