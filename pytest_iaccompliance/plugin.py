"""The pytest entry point (``-p no:iaccompliance`` turns it off): options, markers and sub-plugins.

Kept thin and cheap to import: the domain and heavy libraries load only when an option or fixture asks.
"""

from __future__ import annotations

import pytest

from pytest_iaccompliance.options import Settings, add_options

# Glue modules that each bring their fixtures, options and hooks; registered like any pytest plugin.
SUBPLUGINS = (
    "pytest_iaccompliance.fixtures.core",
    "pytest_iaccompliance.fixtures.cdktf",
    "pytest_iaccompliance.fixtures.pulumi",
)

MARKERS = (
    "critical: a failure of this test is a critical compliance violation (fails the session past "
    "--iac-max-critical, default 0)",
    "warning: a failure of this test is a compliance warning (fails the session only past "
    "--iac-max-warnings)",
    "preflight: a fast pre-flight check run before synthesis or deployment (select with -k preflight "
    "or -m preflight)",
    "compliance(*control_ids): the CIS / NIST control ids this test provides evidence for",
)

SETTINGS = pytest.StashKey[Settings]()


def pytest_addoption(parser: pytest.Parser, pluginmanager: pytest.PytestPluginManager) -> None:
    add_options(parser)
    # pytest_addoption is historic: sub-plugins registered here still receive it for their own options.
    for name in SUBPLUGINS:
        if pluginmanager.get_plugin(name) is None:
            pluginmanager.import_plugin(name)


def pytest_configure(config: pytest.Config) -> None:
    for line in MARKERS:
        config.addinivalue_line("markers", line)
    settings = Settings.from_config(config)
    config.stash[SETTINGS] = settings
    from pytest_iaccompliance.session import SeverityPlugin

    config.pluginmanager.register(SeverityPlugin(config, settings), "iaccompliance-severity")


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(session: pytest.Session, config: pytest.Config,
                                  items: list[pytest.Item]) -> None:
    """Scan items join before ``-m``/``-k`` deselection, so ``-m critical`` selects policies too."""
    settings = config.stash[SETTINGS]
    if not settings.sources:
        return
    from pytest_iaccompliance.collect import source_collectors

    for collector in source_collectors(session, settings):
        report = collector.ihook.pytest_make_collect_report(collector=collector)
        collector.ihook.pytest_collectreport(report=report)
        items.extend(node for node in report.result if isinstance(node, pytest.Item))
