"""A team's own IAM policy module: the uploader role's policy, from the least-privilege builder.

The guardrails (approved regions, TLS only, other actions reserved to approved admins) are explicit
denies shaped so that they can never take away the grants themselves.
"""

from __future__ import annotations

from typing import Any

from pytest_iaccompliance.iam import PolicyBuilder

APPROVED_ADMINS = ("arn:aws:iam::*:role/ApprovedAdmin*",)
UPLOAD_ACTIONS = ("GetObject", "PutObject", "AbortMultipartUpload")


def uploader_policy(bucket: str, regions: tuple[str, ...] = ("us-east-1",)) -> dict[str, Any]:
    """Read and write the objects of one bucket, from approved regions, over TLS."""
    return (
        PolicyBuilder("s3")
        .allow(UPLOAD_ACTIONS, [f"arn:aws:s3:::{bucket}/*"])
        .deny_outside_regions(regions)
        .deny_insecure_transport()
        .restrict_other_actions(APPROVED_ADMINS)
        .build()
        .to_dict()
    )
