"""Compliance tests for the payments stack, over its synthesized JSON."""

from __future__ import annotations

from pathlib import Path

import pytest

from pytest_iaccompliance import ResourceSet, Severity, load
from pytest_iaccompliance.policies.suite import PolicySuite

STACKS = Path(__file__).parent / "cdktf.out"


@pytest.fixture(scope="module")
def synthesized_stack() -> ResourceSet:
    return load(STACKS, stack="payments")


@pytest.mark.critical
def test_security_group_ingress_rules(synthesized_stack: ResourceSet) -> None:
    """No security group admits the whole internet."""
    for sg in synthesized_stack.get_resources("aws_security_group"):
        for rule in sg.get("ingress", []):
            assert "0.0.0.0/0" not in rule.get("cidr_blocks", []), "CIS Violation: Unrestricted ingress detected"


@pytest.mark.critical
def test_encryption_flags_across_resources(synthesized_stack: ResourceSet) -> None:
    for db in synthesized_stack.get_resources("aws_db_instance"):
        assert db.get("storage_encrypted") is True, "CIS Violation: RDS encryption disabled"


@pytest.mark.critical
def test_state_backend_is_encrypted_and_locked(synthesized_stack: ResourceSet) -> None:
    backend = synthesized_stack.metadata["backend"]["s3"]
    assert backend["encrypt"] is True
    assert backend.get("dynamodb_table") or backend.get("use_lockfile")


@pytest.mark.critical
def test_built_in_pack_has_no_critical_violation(synthesized_stack: ResourceSet, iac_policies: PolicySuite) -> None:
    violations = iac_policies.violations(synthesized_stack, min_severity=Severity.CRITICAL)
    assert not violations, "\n".join(f"{v.policy_id} {v.address}: {v.message}" for v in violations)


@pytest.mark.warning
def test_every_resource_is_tagged_for_cost_allocation(
    synthesized_stack: ResourceSet, iac_policies: PolicySuite
) -> None:
    untagged = [f.address for f in iac_policies.violations(synthesized_stack) if f.policy_id == "AWS-TAG-001"]
    assert not untagged, f"missing owner/cost-center tags: {untagged}"
