"""Control frameworks as data: which built-in policy answers which control id.

A rule says what it checks; a pack says which auditor's question that answers. Keeping the mapping
here, one table per framework, lets a reviewer check a framework against its source in one place.
"""

from __future__ import annotations

from collections.abc import Mapping

from pytest_iaccompliance.policies.packs import aws_fsbp, cis_aws, nist_800_53_r5

__all__ = ["FRAMEWORKS", "controls_for"]

FRAMEWORKS: Mapping[str, Mapping[str, tuple[str, ...]]] = {
    cis_aws.PREFIX: cis_aws.CONTROLS,
    nist_800_53_r5.PREFIX: nist_800_53_r5.CONTROLS,
    aws_fsbp.PREFIX: aws_fsbp.CONTROLS,
}


def controls_for(policy_id: str) -> tuple[str, ...]:
    """Prefixed control ids (``CIS-AWS-3.0:2.1.1``) for one policy, across every framework."""
    return tuple(
        control if ":" in control else f"{prefix}:{control}"
        for prefix, mapping in FRAMEWORKS.items()
        for control in mapping.get(policy_id, ())
    )
