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


# The parity suite needs Checkov (tox -e parity installs it); elsewhere it is not collected, unless
# IAC_REQUIRE_CHECKOV says Checkov must be there, so a missing install fails loudly instead.
collect_ignore = [] if _checkov_installed() or os.environ.get("IAC_REQUIRE_CHECKOV") else ["parity"]


def _rego_installed() -> bool:
    import importlib.util

    return importlib.util.find_spec("regorus") is not None


# The Rego suite needs the `rego` extra (tox -e rego installs it and sets IAC_REQUIRE_REGO, so a missing
# engine fails there instead of being left out).
if not (_rego_installed() or os.environ.get("IAC_REQUIRE_REGO")):
    collect_ignore.append("rego")
