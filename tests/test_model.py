"""The normalized model: shapes hidden behind accessors, lookups by type and address."""

from __future__ import annotations

import dataclasses
import gc

import pytest

from pytest_iaccompliance.model import (
    Finding,
    FindingStatus,
    Resource,
    ResourceSet,
    Severity,
    SourceLocation,
    Unknown,
    UnreadableValue,
    as_blocks,
    is_secret_name,
    is_unknown,
    kind_of,
    parse_reference,
    paused_gc,
    show_value,
)


def bucket(name: str, **properties: object) -> Resource:
    return Resource("aws_s3_bucket", name, f"aws_s3_bucket.{name}", properties)


def test_blocks_accept_object_list_or_nothing() -> None:
    assert as_blocks({"a": 1}) == [{"a": 1}]
    assert as_blocks([{"a": 1}, {"b": 2}]) == [{"a": 1}, {"b": 2}]
    assert as_blocks(None) == []


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("0.0.0.0/0", ("`ingress`", "is a string, expected a block or a list of blocks")),
        ([{"a": 1}, "junk"], ("`ingress[1]`", "is a string, expected a block")),
        (Unknown("computed"), ("`ingress`", "is not known before apply (computed)")),
        ("${var.rules}", ("`ingress`", "is not known before apply (depends on ${var.rules})")),
        ([{"a": 1}, "${each.value}"], ("`ingress[1]`", "is not known before apply (depends on ${each.value})")),
    ],
)
def test_blocks_refuse_what_is_not_blocks(value: object, message: tuple[str, str]) -> None:
    """The reason names the element and its type, never its content (which may be a secret)."""
    where, reason = message
    with pytest.raises(UnreadableValue) as info:
        as_blocks(value)
    assert reason in info.value.reason
    resource = bucket("b", ingress=value)
    with pytest.raises(UnreadableValue) as info:
        resource.blocks("ingress")
    assert info.value.reason == f"{where} of aws_s3_bucket.b {reason}"
    assert "junk" not in info.value.reason


def test_blocks_read_one_by_one_keep_the_readable_ones() -> None:
    resource = bucket("b", ingress=[{"a": 1}, "${var.extra}", 42, {"b": 2}])
    blocks, problems = resource.read_blocks("ingress")
    assert blocks == [{"a": 1}, {"b": 2}]
    assert problems == [
        "`ingress[1]` of aws_s3_bucket.b is not known before apply (depends on ${var.extra})",
        "`ingress[2]` of aws_s3_bucket.b is a number, expected a block",
    ]


def test_lookup_walks_lists_and_objects() -> None:
    as_list = bucket("a", versioning=[{"enabled": True}])
    as_object = bucket("b", versioning={"enabled": True})
    assert as_list.lookup("versioning.enabled") is True
    assert as_object.lookup("versioning.enabled") is True
    assert as_object.lookup("versioning.mfa_delete", "absent") == "absent"


def test_tags_read_from_tags_all_or_tags() -> None:
    assert dict(bucket("a", tags={"owner": "x", "empty": None}).tags) == {"owner": "x"}
    assert dict(bucket("b", tags={"a": "1"}, tags_all={"a": "1", "b": "2"}).tags) == {"a": "1", "b": "2"}


def test_unknown_is_falsy_and_detected() -> None:
    assert not Unknown()
    assert is_unknown("${var.x}")
    assert is_unknown("arn:${data.aws_partition.p.partition}:s3:::b")
    assert not is_unknown("plain")


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("aws_s3_bucket.logs.id", ("aws_s3_bucket.logs", "id")),
        ("aws_s3_bucket.logs", ("aws_s3_bucket.logs", None)),
        ("module.net.aws_vpc.main.id", ("module.net.aws_vpc.main", "id")),
        ('module.net["a"].aws_subnet.s[2].id', ('module.net["a"].aws_subnet.s[2]', "id")),
        ("data.aws_iam_policy_document.p.json", ("data.aws_iam_policy_document.p", "json")),
        ("var.region", None),
    ],
)
def test_parse_reference(expression: str, expected: tuple[str, str | None] | None) -> None:
    parsed = parse_reference(expression)
    if expected is None:
        assert parsed is None or parsed[0].startswith("var.")
    else:
        assert parsed == expected


def test_resource_set_indexes_by_type_and_address() -> None:
    resources = ResourceSet([bucket("a"), bucket("b"), Resource("aws_vpc", "v", "aws_vpc.v", {})])
    assert [r.name for r in resources.of_type("aws_s3_bucket")] == ["a", "b"]
    assert resources.of_type("aws_kms_key") == []
    assert resources.types == ["aws_s3_bucket", "aws_vpc"]
    assert "aws_vpc.v" in resources
    assert len(resources) == 3


def test_find_related_by_reference_and_by_literal() -> None:
    target = bucket("logs", bucket="acme-logs")
    by_reference = Resource("aws_s3_bucket_versioning", "r", "aws_s3_bucket_versioning.r",
                            {"bucket": "${aws_s3_bucket.logs.id}"})
    by_literal = Resource("aws_s3_bucket_versioning", "l", "aws_s3_bucket_versioning.l", {"bucket": "acme-logs"})
    other = Resource("aws_s3_bucket_versioning", "o", "aws_s3_bucket_versioning.o", {"bucket": "other"})
    resources = ResourceSet([target, by_reference, by_literal, other])
    assert resources.find_related("aws_s3_bucket_versioning", target, "bucket") == [by_reference, by_literal]


def test_find_related_answers_stay_whole_when_a_caller_changes_them() -> None:
    target = bucket("logs", bucket="acme-logs")
    partner = Resource("aws_s3_bucket_versioning", "r", "aws_s3_bucket_versioning.r",
                       {"bucket": "${aws_s3_bucket.logs.id}"})
    named = Resource("aws_s3_bucket_versioning", "n", "aws_s3_bucket_versioning.n", {"bucket": "acme-logs"})
    resources = ResourceSet([target, partner, named])
    first = resources.find_related("aws_s3_bucket_versioning", target, "bucket")
    first.clear()
    assert resources.find_related("aws_s3_bucket_versioning", target, "bucket") == [partner, named]
    # Another way of naming the target is another question, with its own answer.
    assert resources.find_related("aws_s3_bucket_versioning", target, "bucket", match_on=("id",)) == [partner]


def test_references_resolve_alike_each_time_and_per_set() -> None:
    logs = bucket("logs")
    resources = ResourceSet([logs])
    assert resources.resolve("${aws_s3_bucket.logs.id}") is logs
    assert resources.resolve("${aws_s3_bucket.logs.id}") is logs
    assert resources.resolve("${aws_s3_bucket.other.id}") is None
    other_logs = bucket("logs")
    assert ResourceSet([other_logs]).resolve("${aws_s3_bucket.logs.id}") is other_logs


def test_resources_from_two_sources_are_distinct_keys() -> None:
    here = Resource("aws_s3_bucket", "b", "aws_s3_bucket.b", {}, SourceLocation("cdktf", "a/cdk.tf.json"))
    there = Resource("aws_s3_bucket", "b", "aws_s3_bucket.b", {}, SourceLocation("cdktf", "b/cdk.tf.json"))
    same = Resource("aws_s3_bucket", "b", "aws_s3_bucket.b", {"x": 1}, SourceLocation("cdktf", "a/cdk.tf.json"))
    assert here != there
    assert here == same
    assert hash(here) == hash(same)
    assert {here: 1, there: 2}[same] == 1


def test_finding_from_fields_is_the_finding_the_constructor_makes() -> None:
    fields = {"policy_id": "P-1", "severity": Severity.WARNING, "status": FindingStatus.FAILED,
              "address": "aws_s3_bucket.b", "resource_type": "aws_s3_bucket", "source_file": "cdk.tf.json",
              "message": "bad", "location": "stack/b"}
    made = Finding.from_fields({**Finding.defaults(), **fields})
    assert made == Finding(**fields)
    assert made.to_dict() == Finding(**fields).to_dict()
    with pytest.raises(TypeError, match=r"missing \['message'\]"):
        Finding.from_fields({**Finding.defaults(), **{k: v for k, v in fields.items() if k != "message"}})
    with pytest.raises(TypeError, match=r"unknown \['colour'\]"):
        Finding.from_fields({**Finding.defaults(), **fields, "colour": "red"})


def test_severity_parse_names_choices() -> None:
    assert Severity.parse(" Critical ") is Severity.CRITICAL
    with pytest.raises(ValueError, match="expected one of critical, warning"):
        Severity.parse("high")


@pytest.mark.parametrize(
    ("path", "secret"),
    [
        ("password", True),
        ("master_password", True),
        ("masterUserPassword", True),
        ("secret_string", True),
        ("private_key_pem", True),
        ("auth_token", True),
        ("access_key_id", True),
        ("connection.api_key", True),
        ("settings[0].credentials.user", True),
        ("http_tokens", False),
        ("kms_key_id", False),
        ("ingress[0].cidr_blocks", False),
        ("tags.owner", False),
    ],
)
def test_secret_names(path: str, secret: bool) -> None:
    assert is_secret_name(path) is secret


def test_resource_secrets_by_name_and_by_marking() -> None:
    resource = Resource("aws_lb_listener", "l", "aws_lb_listener.l",
                        {"ssl_policy": "p", "default_action": [{"auth": {"x": 1}}], "port": 443},
                        secret_paths=frozenset({"ssl_policy", "default_action.auth"}))
    assert resource.is_secret("ssl_policy")
    assert resource.is_secret("default_action[0].auth.x")  # inside a marked value
    assert resource.is_secret("default_action")  # holds a marked value
    assert resource.is_secret("password")  # by name, marked or not
    assert not resource.is_secret("port")


def test_show_value_names_the_type_of_a_secret_never_its_content() -> None:
    canary = "CANARY-show"
    assert show_value(canary, "db.password") == "<secret: a string>"
    shown = show_value({"user": "admin", "password": canary, "nested": [{"token": 7}]}, limit=200)
    assert canary not in shown
    assert shown == "{'user': 'admin', 'password': <secret: a string>, 'nested': [{'token': <secret: a number>}]}"
    marked = Resource("x", "y", "x.y", {"note": canary}, secret_paths=frozenset({"note"}))
    assert marked.show_value("note") == "<secret: a string>"
    assert show_value({"port": canary}, "listener", scalar=True) == "<an object>"
    assert show_value("x" * 200).endswith("...")


def test_unreadable_values_are_described_by_type() -> None:
    for value, kind in [(float("nan"), "a non-finite number"), ({"a": 1}, "an object"), ([1], "a list"),
                        (None, "null"), (True, "a bool"), ("CANARY", "a string")]:
        assert kind_of(value) == kind
        assert UnreadableValue.of(value, "a port").reason == f"is {kind}, expected a port"
    assert UnreadableValue.of("${var.a}-CANARY", "x").reason == "is not known before apply (depends on ${var.a})"


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("${var.x}", "depends on ${var.x}"),
        ("prefix-${var.a}-${local.b}", "depends on ${var.a}, ${local.b}"),
        ('${format("secret CANARY.value %s", var.name)}', "depends on var.name"),
        ('${jsonencode({"password": "CANARY"})}', "depends on an unresolved expression"),
    ],
)
def test_unknown_reason_names_references_never_literals(value: str, reason: str) -> None:
    assert UnreadableValue.of(value, "x").reason == f"is not known before apply ({reason})"


def test_what_is_built_with_the_collector_paused_is_not_walked_as_young_objects() -> None:
    gc.unfreeze()  # what an earlier in-process scan session of this test run may have left frozen
    with paused_gc():
        built = [[index] for index in range(5000)]
    assert gc.isenabled()
    oldest = {id(item) for item in gc.get_objects(generation=2)}
    assert all(id(item) in oldest for item in built)


def test_a_pause_leaves_a_frozen_generation_it_did_not_make_frozen() -> None:
    gc.freeze()
    try:
        frozen = gc.get_freeze_count()
        with paused_gc():
            built = [[index] for index in range(100)]
        assert gc.get_freeze_count() == frozen
        assert len(built) == 100
    finally:
        gc.unfreeze()


def test_findings_equal_in_every_field_are_one_and_any_other_field_tells_them_apart() -> None:
    """The hash reads a few fields; equality (what the reports drop duplicates by) still reads all of them."""
    base = Finding(policy_id="AWS-S3-001", severity=Severity.CRITICAL, status=FindingStatus.FAILED,
                   address="aws_s3_bucket.b", resource_type="aws_s3_bucket", source_file="cdk.tf.json",
                   message="aws_s3_bucket.b: not encrypted", controls=("CIS-AWS-3.0:2.1.1",))
    same = Finding.from_fields(dict(vars(base)))
    variants = [dataclasses.replace(base, **{name: value}) for name, value in (
        ("status", FindingStatus.WAIVED), ("severity", Severity.WARNING), ("waiver", "W1"),
        ("origin_file", "app.py"), ("origin_line", 3), ("location", "stack/b"), ("source_file", "other.json"),
        ("controls", ()), ("title", "t"), ("checkov_ids", ("CKV_AWS_19",)), ("resource_type", "x"))]
    assert len({base, same}) == 1
    assert list(dict.fromkeys([base, *variants, same, *variants])) == [base, *variants]
