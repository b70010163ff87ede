"""Running pytest on a user's project from pytester: one process, and under pytest-xdist.

Runs happen in this interpreter (``runpytest_inprocess``): pytester snapshots and restores
``sys.modules``, ``sys.path`` and the working folder around each, and the plugin keeps its state in
the run's ``config.stash``. Under ``-n 2`` the workers are separate interpreters all the same, so
only the controller shares this one. A test whose user code patches a package module restores it with
``monkeypatch``; a run that needs its own interpreter says why and uses :func:`run_subprocess`.
"""

from __future__ import annotations

import pytest

# Hypothesis' pytest plugin imports all of Hypothesis when a session ends; with
# PYTHONDONTWRITEBYTECODE (as tox sets it) pytest then rewrites and compiles it afresh in every
# process, about a second each for a controller and its xdist workers. These runs never use it.
NO_HYPOTHESIS = ("-p", "no:hypothesispytest")
BASE_ARGS = ("-p", "no:cacheprovider", *NO_HYPOTHESIS)

XDIST = ["-n", "2"]
MODES = [pytest.param([], id="single"), pytest.param(XDIST, id="xdist")]


def mode_id(mode: list[str]) -> str:
    return "xdist" if mode else "single"


def run(pytester: pytest.Pytester, *args: str, no_reraise_ctrlc: bool = False) -> pytest.RunResult:
    """pytest on ``pytester.path`` in this interpreter; ``no_reraise_ctrlc`` for a run that is meant
    to end interrupted (otherwise pytester re-raises the inner ``KeyboardInterrupt`` here)."""
    return pytester.runpytest_inprocess(*BASE_ARGS, *args, no_reraise_ctrlc=no_reraise_ctrlc)


def run_subprocess(pytester: pytest.Pytester, *args: str, timeout: float | None = None) -> pytest.RunResult:
    """pytest on ``pytester.path`` in a new interpreter, for a run that needs one (a timeout, a terminal)."""
    return pytester.runpytest_subprocess(*BASE_ARGS, *args, timeout=timeout)
