"""Hypothesis profiles: ``ci`` keeps the suite quick, ``nightly`` searches deeper.

Select with ``IAC_HYPOTHESIS_PROFILE=nightly``; the default is ``ci``.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

settings.register_profile(
    "ci", max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile(
    "nightly", max_examples=1000, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.load_profile(os.environ.get("IAC_HYPOTHESIS_PROFILE", "ci"))
