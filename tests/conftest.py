"""Shared test data, and Hypothesis profiles: ``ci`` keeps the suite quick, ``nightly`` searches deeper.

Select the profile with ``IAC_HYPOTHESIS_PROFILE=nightly``; the default is ``ci``.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

DATA = Path(__file__).parent / "data"
EXAMPLE_STACKS = Path(__file__).parent.parent / "examples" / "terraform_json" / "cdktf.out"

settings.register_profile("ci", max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("nightly", max_examples=1000, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow])
settings.load_profile(os.environ.get("IAC_HYPOTHESIS_PROFILE", "ci"))


@pytest.fixture
def data_dir() -> Path:
    return DATA


@pytest.fixture
def example_stacks() -> Path:
    return EXAMPLE_STACKS


def _checkov_installed() -> bool:
    import importlib.util

    return importlib.util.find_spec("checkov") is not None


def _browser_installed() -> bool:
    import importlib.util
    import shutil

    return all(importlib.util.find_spec(name) is not None for name in ("selenium", "pytest_html")) and all(
        shutil.which(name) for name in ("chromium", "chromedriver"))


# The parity suite and the Checkov adapter's tests need Checkov (tox -e parity / -e checkov install it);
# elsewhere they are not collected, unless IAC_REQUIRE_CHECKOV says Checkov must be there, so a missing
# install fails loudly instead. The same for the HTML report in a browser (tox -e html): selenium,
# pytest-html and Chromium, or IAC_REQUIRE_BROWSER.
_CHECKOV_PRESENT = _checkov_installed() or bool(os.environ.get("IAC_REQUIRE_CHECKOV"))
collect_ignore = [] if _CHECKOV_PRESENT else ["parity"]
collect_ignore_glob = [] if _CHECKOV_PRESENT else ["adapters/test_checkov*.py"]
if not (_browser_installed() or os.environ.get("IAC_REQUIRE_BROWSER")):
    collect_ignore.append("html")


def _rego_installed() -> bool:
    import importlib.util

    return importlib.util.find_spec("regorus") is not None


# The Rego suite needs the `rego` extra (tox -e rego installs it and sets IAC_REQUIRE_REGO, so a missing
# engine fails there instead of being left out).
if not (_rego_installed() or os.environ.get("IAC_REQUIRE_REGO")):
    collect_ignore.append("rego")
