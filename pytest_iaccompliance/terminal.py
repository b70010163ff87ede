"""What a long step is doing, said on an interactive terminal through pytest's own reporter.

Reading a large source or synthesizing a stack can take seconds; a person at a terminal is told which
one is under way. Nothing is said where output is not a terminal (CI logs, pytester, ``-q -q``) or on
an xdist worker, whose output is not the terminal.
"""

from __future__ import annotations

import contextlib

import pytest

__all__ = ["LARGE_SOURCE_BYTES", "announce", "interactive_reporter"]

# A source at least this large is announced while it is read.
LARGE_SOURCE_BYTES = 1_000_000


def interactive_reporter(config: pytest.Config) -> pytest.TerminalReporter | None:
    """pytest's terminal reporter when it writes to an interactive terminal, else ``None``."""
    if hasattr(config, "workerinput") or int(config.getoption("verbose", 0) or 0) < 0:
        return None
    reporter = config.pluginmanager.get_plugin("terminalreporter")
    if reporter is None:
        return None
    isatty = getattr(reporter, "isatty", False)  # a method since pytest 9, a bool before
    if not (isatty() if callable(isatty) else isatty):
        return None
    return reporter  # type: ignore[no-any-return]


def announce(config: pytest.Config, text: str, *, transient: bool = False) -> None:
    """Say ``text`` on an interactive terminal: ``transient`` rewrites the current line (as pytest's own
    "collecting ..." line does), otherwise it is a line of its own, after which pytest writes the test's
    file name again before the next result."""
    reporter = interactive_reporter(config)
    if reporter is None:
        return
    capture = config.pluginmanager.get_plugin("capturemanager")
    with capture.global_and_fixture_disabled() if capture is not None else contextlib.nullcontext():
        if transient:
            reporter.rewrite(text, bold=True, erase=True)
        else:
            reporter.ensure_newline()
            reporter.write_line(text)
