"""Bad ``--iac-source`` inputs from a user's seat: each is a collection error naming the file, in one process
and under pytest-xdist, and behaves as a broken test module does under ``-x``, ``--pdb`` and friends."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

import pytest_iaccompliance.sources
from pytest_iaccompliance.options import OPT_SOURCE
from tests.runs import MODES, mode_id, run, run_subprocess

# What pytest gives for a broken test module beside a passing test: one process stops before running
# anything; xdist runs what was collected and fails (test_flags_act_as_for_a_broken_test_module checks both).
BROKEN_EXIT = {"single": pytest.ExitCode.INTERRUPTED, "xdist": pytest.ExitCode.TESTS_FAILED}
CANARY = "CANARY-7f3a-do-not-print"


def _missing(root: Path) -> str:
    return "nope.cdk.tf.json"


def _invalid_json(root: Path) -> str:
    (root / "broken.json").write_text('{"resource": {')
    return "broken.json"


def _wrong_shape(root: Path) -> str:
    (root / "shape.json").write_text('{"resource": {"aws_s3_bucket": ["b"]}}')
    return "shape.json"


def _self_symlink(root: Path) -> str:
    os.symlink("loop.tf.json", root / "loop.tf.json")
    return "loop.tf.json"


def _symlink_loop_in_folder(root: Path) -> str:
    stack = root / "cdktf.out" / "stacks" / "web"
    stack.mkdir(parents=True)
    os.symlink("cdk.tf.json", stack / "cdk.tf.json")
    return "cdktf.out"


# case: (make it, the collector in error, the file its message names)
BAD_SOURCES = {
    "missing": (_missing, "nope.cdk.tf.json", "nope.cdk.tf.json"),
    "invalid-json": (_invalid_json, "broken.json", "broken.json"),
    "wrong-shape": (_wrong_shape, "shape.json", "shape.json"),
    "self-symlink": (_self_symlink, "loop.tf.json", "loop.tf.json"),
    # A loop found while walking the folder stops the folder, naming the looping file.
    "symlink-loop-in-folder": (_symlink_loop_in_folder, "cdktf.out", "cdktf.out/stacks/web/cdk.tf.json"),
}


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("case", list(BAD_SOURCES))
def test_bad_source_is_a_collection_error_naming_the_file(pytester: pytest.Pytester, mode: list[str],
                                                          case: str) -> None:
    make, collector, named = BAD_SOURCES[case]
    source = make(pytester.path)
    pytester.makepyfile(test_ok="def test_ok(): pass\n")
    result = run(pytester, *mode, f"{OPT_SOURCE}={source}")
    output = result.stdout.str() + result.stderr.str()
    assert "INTERNALERROR" not in output
    assert "Traceback" not in output
    assert result.ret == BROKEN_EXIT[mode_id(mode)]
    result.stdout.fnmatch_lines([f"*ERROR collecting {collector} *", f"{pytester.path}/{named}: *"])


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("flags", [[], ["-x"], ["--continue-on-collection-errors"]], ids=["plain", "x", "continue"])
def test_flags_act_as_for_a_broken_test_module(pytester: pytest.Pytester, mode: list[str], flags: list[str]) -> None:
    pytester.makepyfile(test_ok="def test_ok(): pass\n")
    (pytester.path / "broken.json").write_text("{")
    source = run(pytester, *mode, *flags, f"{OPT_SOURCE}=broken.json")
    pytester.makepyfile(test_zz_broken="import module_that_does_not_exist\n")  # collected last, as sources are
    module = run(pytester, *mode, *flags)
    assert "INTERNALERROR" not in source.stdout.str() + source.stderr.str()
    assert source.ret == module.ret
    assert source.parseoutcomes() == module.parseoutcomes()


def test_pdb_enters_the_debugger_on_a_bad_source(pytester: pytest.Pytester) -> None:
    (pytester.path / "broken.json").write_text("{")
    # Its own interpreter: the debugger reads the terminal (here closed, so it quits at once).
    result = run_subprocess(pytester, "--pdb", f"{OPT_SOURCE}=broken.json")
    result.stdout.fnmatch_lines(["*entering PDB*"])


@pytest.mark.parametrize("mode", MODES)
def test_m_critical_still_stops_on_a_bad_source(pytester: pytest.Pytester, mode: list[str]) -> None:
    """Scan items exist before deselection, and a broken source blocks the run under any selection."""
    (pytester.path / "broken.json").write_text("{")
    pytester.makepyfile(test_ok="import pytest\n@pytest.mark.critical\ndef test_c(): pass\n")
    result = run(pytester, *mode, "-m", "critical", f"{OPT_SOURCE}=broken.json")
    assert result.ret == BROKEN_EXIT[mode_id(mode)]
    result.stdout.fnmatch_lines([f"{pytester.path}/broken.json: is not valid JSON*"])


@pytest.mark.parametrize("mode", MODES)
def test_showlocals_never_prints_the_source_text(pytester: pytest.Pytester, mode: list[str]) -> None:
    (pytester.path / "invalid.json").write_text(f'{{"password": "{CANARY}", ')
    # Nested beyond the interpreter's recursion limit: the JSON reader's frames hold the whole text.
    (pytester.path / "deep.json").write_text(f'["{CANARY}", ' + "[" * 10_000 + "]" * 10_000 + "]")
    result = run(pytester, *mode, "-l", "-rA", "-vv", f"{OPT_SOURCE}=invalid.json", f"{OPT_SOURCE}=deep.json")
    output = result.stdout.str() + result.stderr.str()
    assert CANARY not in output
    result.stdout.fnmatch_lines(["*ERROR collecting deep.json*", f"*{pytester.path}/deep.json*"])
    assert "INTERNALERROR" not in output


@pytest.mark.parametrize("mode", MODES)
def test_a_reader_bug_is_named_without_its_frames(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch,
                                                  mode: list[str]) -> None:
    # The conftest patches the reader in this interpreter too: put it back after the test.
    monkeypatch.setattr(pytest_iaccompliance.sources, "load_file", pytest_iaccompliance.sources.load_file)
    pytester.makeconftest(
        """
        import json
        import pytest_iaccompliance.sources as sources

        def load_file(path):
            document = json.loads(path.read_text())
            raise LookupError("bug in a reader")

        sources.load_file = load_file
        """
    )
    (pytester.path / "main.tf.json").write_text(f'{{"resource": {{"aws_db_instance": {{"db": '
                                                f'{{"password": "{CANARY}"}}}}}}}}')
    result = run(pytester, *mode, "-l", f"{OPT_SOURCE}=main.tf.json")
    output = result.stdout.str() + result.stderr.str()
    assert CANARY not in output
    assert "bug in a reader" not in output
    result.stdout.fnmatch_lines([
        f"internal error in pytest-iaccompliance while reading {pytester.path}/main.tf.json: LookupError",
        "hint: this is a bug, please report it*--full-trace*",
    ])
    full = run(pytester, *mode, "--full-trace", f"{OPT_SOURCE}=main.tf.json")
    full.stdout.fnmatch_lines(["*LookupError: bug in a reader"])
