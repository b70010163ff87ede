"""Hypothesis-generated variations of the security-group shapes (filled in below)."""

from __future__ import annotations

from tests.parity.harness import Case


def generated_cases() -> list[Case]:
    return []
