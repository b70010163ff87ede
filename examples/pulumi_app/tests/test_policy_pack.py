"""The team's CrossGuard pack (policy-pack/, ini `iac_crossguard`) on the program, run under mocks."""

from __future__ import annotations

from pytest_iaccompliance import FindingStatus


def test_the_policy_pack_passes_on_the_program(stack, iac_policies):  # type: ignore[no-untyped-def]
    findings = [f for f in iac_policies.evaluate(stack) if f.policy_id.startswith("crossguard.web-tier.")]
    assert {f.policy_id for f in findings} == {
        "crossguard.web-tier.no-ssh-from-anywhere",
        "crossguard.web-tier.databases-are-private",
        "crossguard.web-tier.owner-tag",
    }
    assert all(f.status is FindingStatus.PASSED for f in findings), [f"{f.address}: {f.message}" for f in findings]
