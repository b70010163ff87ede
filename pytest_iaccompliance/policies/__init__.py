"""Policies: the type, the registry, the engine, and the built-in rules and packs."""

from __future__ import annotations

from pytest_iaccompliance.policies.base import (
    Outcome,
    Policy,
    PolicyContext,
    Result,
    RuleSettings,
    cannot_evaluate,
    compliant,
    non_compliant,
    not_applicable,
    policy,
)
from pytest_iaccompliance.policies.engine import PolicyError, evaluate
from pytest_iaccompliance.policies.registry import (
    DuplicatePolicyError,
    PolicyRegistry,
    PolicySelectionError,
    load_registry,
)

__all__ = [
    "DuplicatePolicyError",
    "Outcome",
    "Policy",
    "PolicyContext",
    "PolicyError",
    "PolicyRegistry",
    "PolicySelectionError",
    "Result",
    "RuleSettings",
    "cannot_evaluate",
    "compliant",
    "evaluate",
    "load_registry",
    "non_compliant",
    "not_applicable",
    "policy",
]
