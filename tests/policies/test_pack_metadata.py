"""The registry's metadata is complete, and every non-IAM rule has a test case."""

from __future__ import annotations

import re

import pytest

from pytest_iaccompliance.model import Resource, ResourceSet
from pytest_iaccompliance.policies.builtin import builtin_policies
from pytest_iaccompliance.policies.packs import FRAMEWORKS

POLICIES = builtin_policies()
ID_FORMAT = re.compile(r"^(AWS|IAC|PULUMI)-[A-Z0-9]+-\d{3}$")
NIST_FORMAT = re.compile(r"^NIST-800-53-r5:[A-Z]{2}-\d{1,2}(\(\d{1,2}\))?$")
CIS_FORMAT = re.compile(r"^CIS-AWS-(3\.0|1\.4|1\.5):\d+(\.\d+){1,2}$")
FSBP_FORMAT = re.compile(r"^AWS-FSBP:[A-Za-z0-9]+\.\d{1,2}$")
CHECKOV_FORMAT = re.compile(r"^CKV2?_AWS_\d+$")


@pytest.mark.parametrize("item", POLICIES, ids=lambda p: p.id)
def test_policy_metadata_complete(item: object) -> None:
    from pytest_iaccompliance.policies.base import Policy

    assert isinstance(item, Policy)
    assert ID_FORMAT.match(item.id)
    assert item.title
    assert item.remediation
    assert item.description, "the check's docstring says why the rule matters"
    nist = [c for c in item.controls if c.startswith("NIST-800-53-r5:")]
    assert nist, f"{item.id} maps to no NIST 800-53 r5 control"
    for control in item.controls:
        assert NIST_FORMAT.match(control) or CIS_FORMAT.match(control) or FSBP_FORMAT.match(control), control
    for checkov_id in item.checkov_ids:
        assert CHECKOV_FORMAT.match(checkov_id), checkov_id


def test_ids_unique_and_at_least_forty_rules() -> None:
    ids = [p.id for p in POLICIES]
    assert len(ids) == len(set(ids))
    assert len([i for i in ids if not i.startswith("AWS-IAM-")]) >= 40


def test_pack_tables_name_only_registered_policies() -> None:
    ids = {p.id for p in POLICIES}
    for framework, mapping in FRAMEWORKS.items():
        unknown = set(mapping) - ids - {i for i in mapping if i.startswith("AWS-IAM-")}
        assert not unknown, f"{framework} maps unregistered policies {sorted(unknown)}"
        assert list(mapping) == sorted(mapping), f"{framework} entries are kept sorted by policy id"


def test_every_non_iam_policy_is_exercised() -> None:
    from tests.policies.test_builtin_rules import exercised_policy_ids

    missing = {p.id for p in POLICIES if not p.id.startswith("AWS-IAM-")} - exercised_policy_ids()
    assert not missing, f"no test case for {sorted(missing)}"


def test_partner_lookup_is_indexed_once_per_type_and_keys() -> None:
    buckets = [
        Resource("aws_s3_bucket", f"b{i}", f"aws_s3_bucket.b{i}", {"bucket": f"name-{i}"})
        for i in range(50)
    ]
    partners = [
        Resource(
            "aws_s3_bucket_versioning",
            f"v{i}",
            f"aws_s3_bucket_versioning.v{i}",
            {"bucket": f"${{aws_s3_bucket.b{i}.id}}" if i % 2 else f"name-{i}"},
        )
        for i in range(50)
    ]
    resources = ResourceSet([*buckets, *partners])
    for index, target in enumerate(buckets):
        found = resources.find_related("aws_s3_bucket_versioning", target, "bucket")
        assert [r.name for r in found] == [f"v{index}"]
    assert len(resources._partner_indexes) == 1


def test_a_difference_from_an_undeclared_checkov_id_is_refused() -> None:
    from pytest_iaccompliance.model import Severity
    from pytest_iaccompliance.policies.base import compliant, policy

    with pytest.raises(ValueError, match=r"X-001 documents differences from undeclared Checkov ids \['CKV_AWS_2'\]"):
        policy("X-001", title="t", severity=Severity.WARNING, resource_types=["aws_s3_bucket"],
               checkov_ids=["CKV_AWS_1"], checkov_differences=[("CKV_AWS_2", "why")])(lambda r, c: compliant())
