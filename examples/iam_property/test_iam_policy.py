"""Property tests of ``app_policies`` with pytest-iaccompliance's Hypothesis strategies.

Run with ``pytest examples/iam_property``. The properties are about what the policy *means* (decided
by the evaluator), not about its JSON: a syntax lint would not notice a Deny that cancels a grant.
"""

from __future__ import annotations

from app_policies import UPLOAD_ACTIONS, uploader_policy
from hypothesis import given, settings
from hypothesis import strategies as st

from pytest_iaccompliance import Severity
from pytest_iaccompliance import strategies as iac_st
from pytest_iaccompliance.iam import Decision, Request, analyse, evaluate

BUCKET = "team-uploads"
REGIONS = ("us-east-1", "eu-west-1")
POLICY = uploader_policy(BUCKET, REGIONS)

object_keys = st.text("abcdefghijklmnopqrstuvwxyz0123456789/-_.", min_size=1, max_size=40)
callers = st.builds(
    "arn:aws:iam::{}:role/{}".format,
    iac_st.account_ids(),
    st.sampled_from(["uploader", "batch-job", "ApprovedAdminOps"]),
)


def context(region: str, caller: str, tls: str = "true") -> dict[str, str]:
    return {"aws:RequestedRegion": region, "aws:SecureTransport": tls, "aws:PrincipalArn": caller}


@settings(max_examples=50, deadline=None)
@given(st.sampled_from(UPLOAD_ACTIONS), object_keys, st.sampled_from(REGIONS), callers)
def test_every_grant_is_usable_in_approved_regions(
    action: str, key: str, region: str, caller: str
) -> None:
    request = Request(
        f"s3:{action}", f"arn:aws:s3:::{BUCKET}/{key}", caller, context(region, caller)
    )
    assert evaluate(POLICY, request).decision is Decision.ALLOW


@settings(max_examples=50, deadline=None)
@given(
    iac_st.actions("s3"),
    iac_st.arns("s3"),
    iac_st.regions(),
    callers,
    st.sampled_from(["true", "false"]),
)
def test_nothing_else_is_allowed(action: str, arn: str, region: str, caller: str, tls: str) -> None:
    decision = evaluate(POLICY, Request(action, arn, caller, context(region, caller, tls))).decision
    if decision is Decision.ALLOW:
        assert action.split(":")[1] in UPLOAD_ACTIONS
        assert arn.startswith(f"arn:aws:s3:::{BUCKET}/")
        assert region in REGIONS
        assert tls == "true"


def test_the_analyser_has_nothing_to_say() -> None:
    assert [f for f in analyse(POLICY) if f.severity is Severity.CRITICAL] == []
