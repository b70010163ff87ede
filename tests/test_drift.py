"""Drift between a baseline resource set and live state: each change kind, severities, what is not drift."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pytest_iaccompliance.drift import (
    DRIFT_ADDED,
    DRIFT_CHANGED,
    DRIFT_REMOVED,
    DriftResult,
    DriftRule,
    compare,
    drift_findings,
    parse_rules,
)
from pytest_iaccompliance.model import UNKNOWN, FindingStatus, Resource, ResourceSet, Severity, SourceLocation


def resource(rtype: str, name: str, /, file: str = "live.json", **properties: Any) -> Resource:
    return Resource(rtype, name, f"{rtype}.{name}", properties, SourceLocation("state", file))


def sets(baseline: list[Resource], live: list[Resource]) -> tuple[ResourceSet, ResourceSet]:
    return ResourceSet(baseline), ResourceSet(live)


INGRESS = [{"from_port": 443, "to_port": 443, "protocol": "tcp", "cidr_blocks": ["10.0.0.0/8"]}]
# How Terraform state holds the same block: every argument, defaults included.
LIVE_INGRESS = [{"from_port": 443, "to_port": 443, "protocol": "tcp", "cidr_blocks": ["10.0.0.0/8"],
                 "ipv6_cidr_blocks": [], "description": "", "self": False, "security_groups": [],
                 "prefix_list_ids": []}]


def test_identical_declarations_with_computed_and_default_attributes_live_are_no_drift() -> None:
    baseline, live = sets(
        [resource("aws_security_group", "web", ingress=INGRESS, tags={"env": "prod"}, name="web")],
        [resource("aws_security_group", "web", ingress=LIVE_INGRESS, tags={"env": "prod"}, name="web",
                  id="sg-1", arn="arn:aws:ec2:eu-west-1:1:security-group/sg-1", owner_id="1",
                  tags_all={"env": "prod", "managed": "tf"}, egress=[], description="Managed by Terraform")])
    assert compare(baseline, live) == []


def test_a_resource_added_or_removed_is_drift_with_the_type_severity() -> None:
    baseline, live = sets([resource("aws_s3_bucket", "gone"), resource("aws_security_group_rule", "ssh")],
                          [resource("aws_s3_bucket", "new")])
    changes = {(c.kind, c.address, c.severity) for c in compare(baseline, live)}
    assert changes == {(DRIFT_REMOVED, "aws_s3_bucket.gone", Severity.WARNING),
                       (DRIFT_REMOVED, "aws_security_group_rule.ssh", Severity.CRITICAL),
                       (DRIFT_ADDED, "aws_s3_bucket.new", Severity.WARNING)}


def test_an_opened_ingress_is_critical_and_names_the_attribute_path() -> None:
    opened = [{**LIVE_INGRESS[0], "cidr_blocks": ["10.0.0.0/8", "0.0.0.0/0"]}]
    baseline, live = sets([resource("aws_security_group", "web", ingress=INGRESS)],
                          [resource("aws_security_group", "web", ingress=opened)])
    (change,) = compare(baseline, live)
    assert (change.kind, change.path, change.severity) == (DRIFT_CHANGED, "ingress.cidr_blocks", Severity.CRITICAL)
    assert change.message == ("aws_security_group.web: `ingress.cidr_blocks` is ['10.0.0.0/8', '0.0.0.0/0'] live, "
                              "the baseline declares ['10.0.0.0/8']")


def test_a_default_argument_set_live_inside_a_block_is_drift() -> None:
    ipv6 = [{**LIVE_INGRESS[0], "ipv6_cidr_blocks": ["::/0"]}]
    baseline, live = sets([resource("aws_security_group", "web", ingress=INGRESS)],
                          [resource("aws_security_group", "web", ingress=ipv6)])
    assert [c.path for c in compare(baseline, live)] == ["ingress.ipv6_cidr_blocks"]


def test_a_watched_attribute_set_only_live_is_drift_and_an_unwatched_one_is_not() -> None:
    baseline, live = sets([resource("aws_security_group", "web", name="web")],
                          [resource("aws_security_group", "web", name="web", ingress=LIVE_INGRESS,
                                    revoke_rules_on_delete=True)])
    assert [(c.path, c.severity) for c in compare(baseline, live)] == [("ingress", Severity.CRITICAL)]


def test_a_tag_change_is_a_warning_and_tags_all_is_computed() -> None:
    baseline, live = sets([resource("aws_s3_bucket", "b", tags={"env": "prod"})],
                          [resource("aws_s3_bucket", "b", tags={"env": "dev"}, tags_all={"env": "dev"})])
    assert [(c.path, c.severity) for c in compare(baseline, live)] == [("tags.env", Severity.WARNING)]


def test_a_policy_document_compares_by_meaning_not_by_text() -> None:
    declared = json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]})
    same = json.dumps({"Statement": [{"Resource": "*", "Action": ["s3:GetObject"], "Effect": "Allow"}],
                       "Version": "2012-10-17"}, indent=2)
    widened = json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]})
    baseline = ResourceSet([resource("aws_iam_policy", "p", policy=declared)])
    assert compare(baseline, ResourceSet([resource("aws_iam_policy", "p", policy=same)])) == []
    (change,) = compare(baseline, ResourceSet([resource("aws_iam_policy", "p", policy=widened)]))
    assert (change.path, change.severity) == ("policy", Severity.CRITICAL)


def test_numbers_written_as_text_in_state_are_the_same_value() -> None:
    baseline, live = sets([resource("aws_db_instance", "db", allocated_storage=20, multi_az=True)],
                          [resource("aws_db_instance", "db", allocated_storage="20", multi_az=True)])
    assert compare(baseline, live) == []


def test_a_value_unknown_in_the_baseline_is_not_compared() -> None:
    baseline, live = sets([resource("aws_s3_bucket_policy", "p", bucket="${aws_s3_bucket.b.id}", policy=UNKNOWN)],
                          [resource("aws_s3_bucket_policy", "p", bucket="b-123", policy="{}")])
    assert compare(baseline, live) == []


def test_project_rules_come_first_and_ignored_attributes_are_not_compared() -> None:
    baseline, live = sets([resource("aws_s3_bucket", "b", tags={"env": "prod"}, bucket="b", acl="private")],
                          [resource("aws_s3_bucket", "b", tags={"env": "dev"}, bucket="b2", acl="private")])
    rules = parse_rules(["aws_s3_bucket tags = critical"])
    changes = compare(baseline, live, rules=rules, ignored=["bucket"])
    assert [(c.path, c.severity) for c in changes] == [("tags.env", Severity.CRITICAL)]


@pytest.mark.parametrize("line", ["aws_s3_bucket = critical", "a b c = warning", "a b critical",
                                  "a b = severe"])
def test_a_malformed_rule_line_is_refused(line: str) -> None:
    with pytest.raises(ValueError, match=r"expected|unknown severity"):
        parse_rules([line])


def test_a_secret_attribute_that_drifted_shows_its_type_only() -> None:
    baseline, live = sets([resource("aws_db_instance", "db", password="old-secret-value")],
                          [resource("aws_db_instance", "db", password="new-secret-value")])
    (change,) = compare(baseline, live)
    assert "secret-value" not in change.message
    assert "<secret: a string>" in change.message


def test_drift_becomes_failed_findings_keyed_to_the_live_file() -> None:
    baseline, live = sets([resource("aws_s3_bucket", "gone", file="main.tf.json")],
                          [resource("aws_s3_bucket", "new")])
    findings = drift_findings(baseline, live)
    assert {(f.policy_id, f.status, f.source_file) for f in findings} == {
        (DRIFT_REMOVED, FindingStatus.FAILED, "live.json"), (DRIFT_ADDED, FindingStatus.FAILED, "live.json")}


def test_the_result_asserts_by_severity() -> None:
    baseline, live = sets([resource("aws_s3_bucket", "b", tags={"env": "prod"})],
                          [resource("aws_s3_bucket", "b", tags={"env": "dev"})])
    result = DriftResult(tuple(compare(baseline, live)))
    result.assert_none("critical")
    with pytest.raises(AssertionError, match=r"1 drift\(s\) from the baseline:\n  WARNING DRIFT-CHANGED"):
        result.assert_none()


def test_rules_match_the_top_level_attribute_of_a_path() -> None:
    rule = DriftRule("aws_security_group", "ingress", Severity.CRITICAL)
    assert rule.matches("aws_security_group", "ingress.cidr_blocks")
    assert rule.matches("aws_security_group", "ingress[0].cidr_blocks")
    assert not rule.matches("aws_security_group", "ingress_extra")


scalars = st.one_of(st.booleans(), st.integers(-5, 5), st.text(max_size=5))
values = st.recursive(scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=3), st.dictionaries(st.text("abc", min_size=1, max_size=3), inner, max_size=3)),
    max_leaves=8)


@given(st.dictionaries(st.sampled_from(["name", "acl", "versioning", "tags", "ingress"]), values, max_size=4))
def test_a_resource_never_drifts_from_itself(properties: dict[str, Any]) -> None:
    baseline, live = sets([resource("aws_security_group", "x", **properties)],
                          [resource("aws_security_group", "x", **properties)])
    assert compare(baseline, live) == []


def test_paths_load_through_the_sources(tmp_path: Path) -> None:
    from pytest_iaccompliance.drift import load_stack as load_one
    from pytest_iaccompliance.sources import SourceError

    (tmp_path / "main.tf.json").write_text(json.dumps({"resource": {"aws_s3_bucket": {"b": {"bucket": "b"}}}}))
    assert [r.address for r in load_one(tmp_path / "main.tf.json")] == ["aws_s3_bucket.b"]
    (tmp_path / "two").mkdir()
    for name in ("a", "b"):
        (tmp_path / "two" / name).mkdir()
        (tmp_path / "two" / name / "cdk.tf.json").write_text(json.dumps({"resource": {}}))
    with pytest.raises(SourceError, match="holds 2 stacks; compare one stack's file"):
        load_one(tmp_path / "two")
