"""The bad-input corpus from a user's seat: ``--iac-source`` on each case, in one process and under xdist."""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import pytest

from pytest_iaccompliance.options import OPT_SOURCE
from tests.runs import MODES, run, run_subprocess

BAD = Path(__file__).parent.parent / "data" / "bad"


def assert_collection_error(result: pytest.RunResult, mode: list[str]) -> None:
    """Ended as for a broken test module: one process stops at collection (2), xdist runs what it collected
    and fails (1). Never a pass, never an internal error."""
    output = result.stdout.str() + result.stderr.str()
    assert "INTERNALERROR" not in output
    assert "Traceback" not in output
    assert result.ret == (pytest.ExitCode.TESTS_FAILED if mode else pytest.ExitCode.INTERRUPTED)


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize(
    ("name", "address"),
    [
        ("duplicate_resource_sections.tf.json", "aws_security_group.open"),
        ("duplicate_block.tf.json", "aws_security_group.web"),
        ("dynamic_literal.tf.json", "aws_security_group.web"),
    ],
)
def test_every_body_is_judged(pytester: pytest.Pytester, mode: list[str], name: str, address: str) -> None:
    shutil.copy(BAD / name, pytester.path / name)
    result = run(pytester, *mode, f"{OPT_SOURCE}={name}", "--iac-select", "AWS-EC2-001", "-rA")
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.stdout.fnmatch_lines([f"*{address}* allows SSH (port 22) from 0.0.0.0/0*"])


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("duplicate_resource_name.tf.json", "*`resource.aws_security_group.web` is declared 2 times*"),
        ("list_of_bodies.tf.json", "*`resource.aws_security_group.sg` is declared 2 times*"),
        ("plan_without_planned_values.json", "*has no `planned_values`*"),
    ],
)
@pytest.mark.parametrize("mode", MODES)
def test_ambiguous_or_empty_sources_are_collection_errors(pytester: pytest.Pytester, mode: list[str], name: str,
                                                          message: str) -> None:
    shutil.copy(BAD / name, pytester.path / name)
    result = run(pytester, *mode, f"{OPT_SOURCE}={name}")
    assert_collection_error(result, mode)
    result.stdout.fnmatch_lines([f"*ERROR collecting {name}*", f"*{name}: {message.lstrip('*')}"])


@pytest.mark.skipif(sys.platform == "win32", reason="FIFOs as on POSIX")
@pytest.mark.parametrize("mode", MODES)
def test_fifo_in_a_scanned_folder_is_an_error_not_a_hang(pytester: pytest.Pytester, example_stacks: Path,
                                                         mode: list[str]) -> None:
    shutil.copytree(example_stacks, pytester.path / "cdktf.out")
    os.mkfifo(pytester.path / "cdktf.out" / "stacks" / "legacy" / "x.tf.json")
    # Its own interpreter, under a timeout: a reader that blocks on the FIFO fails the test, not the run.
    result = run_subprocess(pytester, *mode, f"{OPT_SOURCE}=cdktf.out", timeout=120)
    assert_collection_error(result, mode)
    result.stdout.fnmatch_lines(["*x.tf.json: is not a regular file (a FIFO); only regular files are read*"])


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ('{"resource": ' + "[" * 10_000 + "]" * 10_000 + "}", "is not valid JSON we can read: nested too deeply"),
        ('{"resource": {"aws_s3_bucket": {"b": {"n": ' + "7" * 5_000 + "}}}}",
         "is not valid JSON we can read: a number has more than * digits"),
    ],
    ids=["deep", "huge-number"],
)
@pytest.mark.parametrize("mode", MODES)
def test_unreadable_json_is_a_collection_error_naming_the_file(pytester: pytest.Pytester, mode: list[str],
                                                               content: str, message: str) -> None:
    pytester.makefile(".tf.json", main=content)
    result = run(pytester, *mode, f"{OPT_SOURCE}=main.tf.json")
    assert_collection_error(result, mode)
    result.stdout.fnmatch_lines(["*ERROR collecting main.tf.json*", f"*main.tf.json: {message}"])
    result.stdout.no_fnmatch_line("*7777*")


@pytest.mark.skipif(sys.platform == "win32", reason="symlinks as on POSIX")
@pytest.mark.parametrize("mode", MODES)
def test_symlinked_stack_folder_is_scanned(pytester: pytest.Pytester, example_stacks: Path, mode: list[str]) -> None:
    shutil.copytree(example_stacks / "stacks" / "legacy", pytester.path / "elsewhere")
    (pytester.path / "cdktf.out" / "stacks").mkdir(parents=True)
    (pytester.path / "cdktf.out" / "stacks" / "legacy").symlink_to(pytester.path / "elsewhere")
    result = run(pytester, *mode, f"{OPT_SOURCE}=cdktf.out", "--iac-select", "AWS-EC2-001", "-rA")
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.stdout.fnmatch_lines(["*aws_security_group.bastion* allows SSH (port 22) from 0.0.0.0/0*"])
