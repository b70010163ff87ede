"""Helpers to run one built-in policy over a small cdktf-style document."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from pytest_iaccompliance.policies.base import Policy, RuleSettings
from pytest_iaccompliance.policies.builtin import builtin_policies
from pytest_iaccompliance.policies.engine import evaluate
from pytest_iaccompliance.sources import load_document

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

    from pytest_iaccompliance.model import ResourceSet

POLICIES: dict[str, Policy] = {p.id: p for p in builtin_policies()}

Outcomes = dict[str, tuple[str, str]]


def cdktf_document(resources: Mapping[str, Mapping[str, Any]], **extra: Any) -> dict[str, Any]:
    """A cdk.tf.json as cdktf synthesizes it: stack metadata plus ``resource`` blocks."""
    return {
        "//": {"metadata": {"stackName": "test", "version": "0.21.0"}},
        "resource": resources,
        **extra,
    }


def load_resources(document: Mapping[str, Any], name: str = "cdk.tf.json") -> ResourceSet:
    [loaded] = load_document(document, Path(name))
    return loaded.resources


def run_policy(
    resources: ResourceSet, policy_id: str, settings: RuleSettings | None = None
) -> Outcomes:
    """Findings of one policy by address: ``(status, message)``; not-applicable ones absent."""
    return {
        f.address: (f.status.value, f.message)
        for f in evaluate(resources, [POLICIES[policy_id]], settings or RuleSettings())
    }


@pytest.fixture
def check() -> Callable[..., Outcomes]:
    """Run a policy over ``resource`` blocks given in cdktf JSON form."""

    def run(
        policy_id: str,
        resources: Mapping[str, Mapping[str, Any]],
        settings: RuleSettings | None = None,
    ) -> Outcomes:
        return run_policy(load_resources(cdktf_document(resources)), policy_id, settings)

    return run


@pytest.fixture
def check_set() -> Callable[..., Outcomes]:
    """Run a policy over an already loaded resource set (plan JSON, Pulumi-shaped resources)."""
    return run_policy


@pytest.fixture
def load() -> Callable[..., ResourceSet]:
    return load_resources


@pytest.fixture
def cdktf() -> Callable[..., dict[str, Any]]:
    return cdktf_document
