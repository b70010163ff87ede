"""The pytest entry point (``-p no:iaccompliance`` turns it off): options, markers and sub-plugins.

Kept thin and cheap to import: the domain and heavy libraries load only when an option or fixture asks.
"""

from __future__ import annotations

import pytest

# Glue modules that each bring their fixtures, options and hooks; registered like any pytest plugin.
SUBPLUGINS = (
    "pytest_iaccompliance.fixtures.core",
    "pytest_iaccompliance.fixtures.pulumi",
)


def pytest_addoption(parser: pytest.Parser, pluginmanager: pytest.PytestPluginManager) -> None:
    # pytest_addoption is historic: sub-plugins registered here still receive it for their own options.
    for name in SUBPLUGINS:
        if pluginmanager.get_plugin(name) is None:
            pluginmanager.import_plugin(name)
