"""Pre-flight: the program checks its resources as Pulumi constructs them (``enable()`` in __main__.py).

``pytest -k preflight`` runs these alone; ``pulumi preview`` runs the same check.
"""

from __future__ import annotations

import pulumi_aws as aws
import pytest

from pytest_iaccompliance.preflight import find_preflight_error, preflight
from pytest_iaccompliance.pulumi import PulumiProgramError


def test_web_tier_passes_preflight(stack):  # type: ignore[no-untyped-def]
    """The `stack` fixture runs __main__.py, whose pre-flight would have failed the run."""
    assert stack.of_type("aws_db_instance")


@preflight(required_tags=["Owner"])
def scratch_bucket() -> None:
    aws.s3.Bucket("scratch")


def test_preflight_stops_an_untagged_public_bucket(pulumi_mocks):  # type: ignore[no-untyped-def]
    with pytest.raises(PulumiProgramError) as failure:
        pulumi_mocks.run(scratch_bucket)
    error = find_preflight_error(failure.value)
    assert error is not None
    assert {v.policy_id for v in error.violations} == {"AWS-S3-001", "AWS-S3-002", "AWS-TAG-001"}
    assert all(v.token == "aws:s3/bucket:Bucket" and v.location.endswith("::scratch") for v in error.violations)
