"""Synthesis announced on an interactive terminal, and only when the synth cache cannot answer."""

from __future__ import annotations

import pytest

from pytest_iaccompliance.options import OPT_SYNTH_CACHE
from tests.cdktf.conftest import PLUGIN_ARGS

INTERACTIVE = """
import pytest

@pytest.hookimpl(trylast=True)
def pytest_configure(config):
    # What pytest's reporter does at a terminal: truthy and callable (an attribute before pytest 9, a method since).
    config.pluginmanager.get_plugin("terminalreporter").isatty = lambda: True
"""

TESTS = """
import stacks

def test_synth(cdktf_synth):
    assert cdktf_synth(stacks.BucketStack, "app").name == "app"

def test_again(cdktf_synth):
    assert cdktf_synth(stacks.BucketStack, "app").name == "app"
"""


def test_a_synthesis_is_announced_once(user_project: pytest.Pytester) -> None:
    user_project.makeconftest(INTERACTIVE)
    user_project.makepyfile(test_user=TESTS)
    result = user_project.runpytest(*PLUGIN_ARGS, OPT_SYNTH_CACHE, "on")
    result.assert_outcomes(passed=2)
    announced = [line for line in result.stdout.lines if line.startswith("iaccompliance: synthesizing ")]
    assert len(announced) == 1, result.stdout.str()
    assert "BucketStack" in announced[0]
    # The result letters go on under their file's name again, as after pytest's own live log lines.
    result.stdout.fnmatch_lines(["iaccompliance: synthesizing *", "test_user.py .*"])


def test_nothing_is_announced_where_output_is_not_a_terminal(user_project: pytest.Pytester) -> None:
    user_project.makepyfile(test_user=TESTS)
    result = user_project.runpytest(*PLUGIN_ARGS, OPT_SYNTH_CACHE, "off")
    result.assert_outcomes(passed=2)
    assert "synthesizing" not in result.stdout.str()
