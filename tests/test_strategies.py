from __future__ import annotations

import ipaddress
import re
from typing import TypeVar

import pytest
from hypothesis import Phase, find, given, settings
from hypothesis import strategies as st

from pytest_iaccompliance import strategies as iac_st
from pytest_iaccompliance.iam import Request, catalogue, evaluate
from pytest_iaccompliance.iam.matching import arn_matches

T = TypeVar("T")

# Generate and shrink only: the explain phase, which only annotates a failure report, re-runs a
# structured strategy hundreds of times (about a minute for a policy document). No database, so
# the shrink starts afresh instead of replaying an earlier run's answer.
SHRINK = settings(database=None, phases=[Phase.generate, Phase.shrink])


def simplest(strategy: st.SearchStrategy[T]) -> T:
    """The example ``strategy`` shrinks to: what a failing test would report."""
    return find(strategy, lambda _: True, settings=SHRINK)


@given(iac_st.actions("s3", access_levels=["Write"]))
def test_actions_are_real_and_at_the_requested_level(action: str) -> None:
    assert catalogue().access_level(action) == "Write"
    assert action.startswith("s3:")


@given(iac_st.action_patterns("iam"))
def test_action_patterns_cover_real_actions(pattern: str) -> None:
    assert catalogue().expand(pattern)


@pytest.mark.parametrize("service", ["s3", "iam", "kms", "lambda", "dynamodb"])
@given(data=st.data())
def test_arns_fit_a_catalogue_format(service: str, data: st.DataObject) -> None:
    arn = data.draw(iac_st.arns(service))
    templates = [
        re.sub(r"\$\{[^}]+\}", "*", t).replace("${Partition}", "aws")
        for t in catalogue().arn_formats(service)
    ]
    assert arn.startswith("arn:aws:")
    assert "${" not in arn
    assert any(arn_matches(t, arn) for t in templates)


@given(iac_st.cidr_blocks(min_prefix=8, max_prefix=28))
def test_cidr_blocks_are_normalized_networks(block: str) -> None:
    network = ipaddress.ip_network(block)
    assert str(network) == block
    assert 8 <= network.prefixlen <= 28


def test_cidr_blocks_shrink_to_the_open_block() -> None:
    assert simplest(iac_st.cidr_blocks()) == "0.0.0.0/0"
    assert simplest(iac_st.cidr_blocks(6)) == "::/0"


@given(iac_st.tag_sets(required=["Owner", "CostCenter"]))
def test_tag_sets_are_valid_and_hold_required_keys(tags: dict[str, str]) -> None:
    assert {"Owner", "CostCenter"} <= set(tags)
    assert all(0 < len(k) <= 128 and not k.lower().startswith("aws:") for k in tags)
    assert all(len(v) <= 256 for v in tags.values())


def test_tag_sets_shrink_to_the_required_keys() -> None:
    assert simplest(iac_st.tag_sets(required=["Owner"])) == {"Owner": ""}


def test_action_patterns_shrink_to_an_exact_action() -> None:
    assert catalogue().lookup(simplest(iac_st.action_patterns("s3"))) is not None


def test_policy_documents_shrink_to_one_simple_allow() -> None:
    document = simplest(iac_st.policy_documents())
    (statement,) = document.statements
    assert statement.is_allow
    assert statement.conditions == ()
    assert statement.principal is None
    assert len(statement.actions or ()) == 1
    assert len(statement.resources or ()) == 1


@given(iac_st.policy_documents(with_principal=True), iac_st.requests())
def test_generated_documents_and_requests_evaluate(document: object, request: Request) -> None:
    evaluation = evaluate(document, request)  # type: ignore[arg-type]
    assert evaluation.decision.value in {"Allow", "ExplicitDeny", "ImplicitDeny"}


def test_bad_arguments_are_reported() -> None:
    with pytest.raises(ValueError, match="unknown access levels"):
        iac_st.actions("s3", access_levels=["Admin"])
    with pytest.raises(ValueError, match="no ARN format"):
        iac_st.arns("nosuchservice")
    with pytest.raises(ValueError, match="version"):
        iac_st.cidr_blocks(5)
