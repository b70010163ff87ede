"""The glue's own housekeeping: what it registers it removes, and fixtures reach state through options."""

from __future__ import annotations

import pytest

from pytest_iaccompliance.options import SETTINGS, SUITE, policy_suite
from pytest_iaccompliance.plugin import SEVERITY_PLUGIN


def test_the_severity_plugin_leaves_with_its_config(pytester: pytest.Pytester) -> None:
    config = pytester.parseconfigure()
    assert config.pluginmanager.get_plugin(SEVERITY_PLUGIN) is not None
    config._ensure_unconfigure()
    assert config.pluginmanager.get_plugin(SEVERITY_PLUGIN) is None


def test_the_fixture_and_the_scan_items_share_one_suite(pytester: pytest.Pytester) -> None:
    config = pytester.parseconfigure("--iac-select=AWS-S3-*")
    assert SUITE not in config.stash
    suite = policy_suite(config)
    assert config.stash[SUITE] is suite
    assert policy_suite(config) is suite
    assert {p.id for p in suite}
    assert all(p.id.startswith("AWS-S3-") for p in suite)
    assert config.stash[SETTINGS].select == ("AWS-S3-*",)
