"""The pytest entry point (``-p no:iaccompliance`` turns it off): options, markers and sub-plugins.

Kept thin and cheap to import: the domain and heavy libraries load only when an option or fixture asks.
"""

from __future__ import annotations

import gc
from collections.abc import Generator
from pathlib import Path

import pytest

from pytest_iaccompliance.options import SETTINGS, Settings, add_options

# Glue modules that each bring their fixtures, options and hooks; registered like any pytest plugin.
SUBPLUGINS = (
    "pytest_iaccompliance.fixtures.core",
    "pytest_iaccompliance.fixtures.cdktf",
    "pytest_iaccompliance.fixtures.pulumi",
    "pytest_iaccompliance.fixtures.aws",
    "pytest_iaccompliance.fixtures.preflight",
    "pytest_iaccompliance.fixtures.waivers",
    "pytest_iaccompliance.fixtures.drift",
    "pytest_iaccompliance.fixtures.htmlreport",
    "pytest_iaccompliance.fixtures.foreign_policies",
)

SEVERITY_PLUGIN = "iaccompliance-severity"

MARKERS = (
    "critical: a failure of this test is a critical compliance violation (fails the session past "
    "--iac-max-critical, default 0)",
    "warning: a failure of this test is a compliance warning (fails the session only past "
    "--iac-max-warnings)",
    "preflight: a fast pre-flight check run before synthesis or deployment (select with -k preflight "
    "or -m preflight)",
    "compliance(*control_ids): the CIS / NIST control ids this test provides evidence for",
)

def pytest_addoption(parser: pytest.Parser, pluginmanager: pytest.PytestPluginManager) -> None:
    add_options(parser)
    # pytest_addoption is historic: sub-plugins registered here still receive it for their own options.
    for name in SUBPLUGINS:
        if pluginmanager.get_plugin(name) is None:
            pluginmanager.import_plugin(name)


def pytest_configure(config: pytest.Config) -> None:
    _thaw_earlier_session()
    for line in MARKERS:
        config.addinivalue_line("markers", line)
    settings = Settings.from_config(config)
    config.stash[SETTINGS] = settings
    from pytest_iaccompliance.session import SeverityPlugin

    config.pluginmanager.register(SeverityPlugin(config, settings), SEVERITY_PLUGIN)


def pytest_unconfigure(config: pytest.Config) -> None:
    # As pytest's own plugins do: a config configured again (pytester in-process) registers a fresh one.
    plugin = config.pluginmanager.get_plugin(SEVERITY_PLUGIN)
    if plugin is not None:
        config.pluginmanager.unregister(plugin)


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> pytest.Collector | None:
    """A configured source named as an argument is collected like a test module, so its node ids select."""
    settings = parent.config.stash[SETTINGS]
    if not settings.sources:
        return None
    from pytest_iaccompliance.collect import named_source

    return named_source(parent, file_path, settings)


@pytest.hookimpl(wrapper=True, trylast=True)
def pytest_make_collect_report(collector: pytest.Collector) -> Generator[None, pytest.CollectReport,
                                                                          pytest.CollectReport]:
    """Sources join the session's children, so pytest collects them as it collects test files.

    Their errors then travel like any collection error (``--pdb``, ``-x``, xdist), and their items
    exist before ``-m``/``-k`` deselection, so ``-m critical`` selects policies too. Innermost
    wrapper: other plugins (``--lf``) see the sources among the session's children.
    """
    report = yield
    if isinstance(collector, pytest.Session) and report.passed:
        settings = collector.config.stash[SETTINGS]
        if settings.sources:
            from pytest_iaccompliance.collect import source_collectors

            report.result.extend(source_collectors(collector, settings))
    return report


# Whether a session in this process froze the collector's heap (process state, as the collector is).
_frozen = False


def pytest_collection_finish(session: pytest.Session) -> None:
    """Loaded sources are moved out of the cyclic collector's reach for the rest of the process.

    Tens of thousands of resources are millions of acyclic containers, alive until the session ends: the
    collector would walk them again in every full collection while tests run, in pytest's own collections
    at the end, and in the interpreter's at exit, each costing about as much as judging them. Frozen,
    they are still freed by reference counting; a later session in the same process (pytester, an
    embedding ``pytest.main``) thaws them first, so they never outlive the next session.
    """
    global _frozen
    if session.config.stash[SETTINGS].sources and session.items:
        gc.freeze()
        _frozen = True


@pytest.hookimpl(wrapper=True)
def pytest_runtestloop(session: pytest.Session) -> Generator[None, object, object]:
    """After the run, the data the rules derived while judging the sources is released (see
    ``collect.release_derived``), before pytest's closing collection walks it; the findings kept for the
    reports (every passed one, when a manifest or HTML report is asked for) join the frozen sources."""
    global _frozen
    try:
        return (yield)
    finally:
        if session.config.stash[SETTINGS].sources:
            from pytest_iaccompliance.collect import release_derived

            release_derived(session.items)
            # Under xdist the controller collected nothing, but holds every worker's findings.
            gc.freeze()
            _frozen = True


def _thaw_earlier_session() -> None:
    global _frozen
    if _frozen:
        gc.unfreeze()
        _frozen = False
