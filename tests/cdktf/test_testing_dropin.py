"""``from pytest_iaccompliance.cdktf import Testing`` stays a drop-in for cdktf's own ``Testing``.

``Testing.synth(stack)`` must work wherever cdktf's string did (its matchers, ``json.loads``, snapshot
comparisons) and also read as the stack's resources.
"""

from __future__ import annotations

import copy
import json
import pickle
from typing import TYPE_CHECKING

import pytest

from pytest_iaccompliance import Severity
from pytest_iaccompliance.assertions import assert_compliant, assert_has_resource, assert_resource_count
from pytest_iaccompliance.cdktf import Testing
from pytest_iaccompliance.policies.suite import PolicySuite
from tests.cdktf.conftest import PLUGIN_ARGS

if TYPE_CHECKING:
    from types import ModuleType


def _stack(lib: ModuleType, public: bool = False) -> object:
    class WebStack(lib.TerraformStack):  # type: ignore[misc, name-defined]
        def __init__(self, scope: object, id: str) -> None:
            super().__init__(scope, id)
            bucket = lib.TerraformResource(self, "assets", terraform_resource_type="aws_s3_bucket")
            bucket.add_override("bucket", "acme-assets")
            if public:
                bucket.add_override("acl", "public-read")
            db = lib.TerraformResource(self, "orders", terraform_resource_type="aws_db_instance")
            db.add_override("engine", "postgres")
            db.add_override("storage_encrypted", public is False)

    return WebStack(lib.Testing.app(), "web")


def test_cdktf_matchers_take_the_result(lib: ModuleType) -> None:
    synthesized = Testing.synth(_stack(lib))
    assert Testing.to_have_resource(synthesized, "aws_s3_bucket")
    assert Testing.to_have_resource_with_properties(synthesized, "aws_s3_bucket", {"bucket": "acme-assets"})
    assert not Testing.to_have_resource(synthesized, "aws_instance")
    assert not Testing.to_have_resource_with_properties(synthesized, "aws_s3_bucket", {"bucket": "other"})
    # The library's own Testing, called directly, takes it too.
    assert lib.Testing.to_have_resource(synthesized, "aws_db_instance")


def test_the_text_is_cdktfs_own(lib: ModuleType) -> None:
    ours = Testing.synth(_stack(lib))
    theirs = lib.Testing.synth(_stack(lib))
    assert isinstance(ours, str)
    assert json.loads(ours) == json.loads(theirs)
    assert "//" not in ours
    assert ours == str(ours)  # compares, hashes and snapshots as the text it is
    assert {ours: 1}[str(ours)] == 1
    assert pickle.loads(pickle.dumps(ours)) == ours
    assert copy.deepcopy(ours) == ours


def test_the_result_reads_as_the_stack(lib: ModuleType) -> None:
    synthesized = Testing.synth(_stack(lib, public=True))
    assert synthesized.get_resources("aws_s3_bucket") == [{"bucket": "acme-assets", "acl": "public-read"}]
    assert synthesized.name == "web"
    assert_has_resource(synthesized, "aws_db_instance", {"engine": "postgres"})
    assert_resource_count(synthesized, "aws_s3_bucket", 1)
    with pytest.raises(AssertionError, match="AWS-RDS-001"):
        assert_compliant(synthesized, min_severity=Severity.CRITICAL)
    violations = PolicySuite.load().violations(synthesized, min_severity=Severity.CRITICAL)
    assert {f.policy_id for f in violations} >= {"AWS-RDS-001"}


def test_a_plain_string_is_refused_by_name() -> None:
    with pytest.raises(TypeError, match=r"expected the resources of a stack .* got str"):
        assert_has_resource('{"resource": {}}', "aws_s3_bucket")  # type: ignore[arg-type]


USER_TESTS = """
import json

import stacks
from pytest_iaccompliance.assertions import assert_compliant
from pytest_iaccompliance.cdktf import Testing


def test_cdktf_matchers_and_resources():
    synthesized = Testing.synth(stacks.BucketStack(Testing.app(), "web", buckets=2, public=True))
    assert Testing.to_have_resource_with_properties(synthesized, "aws_s3_bucket", {"bucket": "logs-1"})
    assert json.loads(synthesized)["resource"]["aws_s3_bucket"]["bucket0"]["acl"] == "public-read"
    assert [b["bucket"] for b in synthesized.get_resources("aws_s3_bucket")] == ["logs-0", "logs-1"]


def test_public_bucket_is_critical():
    assert_compliant(Testing.synth(stacks.BucketStack(Testing.app(), "web", public=True)), min_severity="critical")
"""


def test_a_users_module_written_for_cdktf_testing_runs_unchanged(user_project: pytest.Pytester) -> None:
    user_project.makepyfile(test_user=USER_TESTS)
    result = user_project.runpytest(*PLUGIN_ARGS, "-p", "no:cacheprovider")
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(["*compliance finding(s) at critical or above in stack 'web':*", "*CRITICAL AWS-S3-*"])
    result.stdout.no_fnmatch_line("*must be str*")
    result.stdout.no_fnmatch_line("*assertions.py:*")
