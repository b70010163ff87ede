"""Progress on an interactive terminal: what a long step is doing, through pytest's own reporter."""

from __future__ import annotations

import json

import pytest

from pytest_iaccompliance.options import OPT_SOURCE
from pytest_iaccompliance.terminal import LARGE_SOURCE_BYTES

# What pytest's reporter does at a terminal, made so under pytester (its output is not one).
INTERACTIVE = """
import pytest

@pytest.hookimpl(trylast=True)
def pytest_configure(config):
    # Truthy and callable: an attribute before pytest 9, a method since.
    config.pluginmanager.get_plugin("terminalreporter").isatty = lambda: True
"""


def _large_source(pytester: pytest.Pytester) -> None:
    note = "x" * LARGE_SOURCE_BYTES
    document = {"resource": {"aws_s3_bucket": {"b": {"bucket": "b", "tags": {"note": note}}}}}
    pytester.path.joinpath("main.tf.json").write_text(json.dumps(document))


def test_reading_a_large_source_is_announced_at_a_terminal(pytester: pytest.Pytester) -> None:
    _large_source(pytester)
    pytester.makeconftest(INTERACTIVE)
    result = pytester.runpytest(f"{OPT_SOURCE}=main.tf.json", "--iac-select=AWS-S3-001", "--iac-max-critical=1")
    result.stdout.fnmatch_lines(["*collecting ... reading main.tf.json (1.0 MB)*"])


def test_nothing_is_announced_where_output_is_not_a_terminal(pytester: pytest.Pytester) -> None:
    _large_source(pytester)
    result = pytester.runpytest(f"{OPT_SOURCE}=main.tf.json", "--iac-select=AWS-S3-001", "--iac-max-critical=1")
    assert result.ret == pytest.ExitCode.OK
    result.stdout.fnmatch_lines(["*critical failures: 1 (limit 1) -> tolerated"])
    assert "reading main.tf.json" not in result.stdout.str()
