"""What a Rego policy reads as ``input`` for a source that is not a Terraform JSON file: our resources."""

from __future__ import annotations

from pathlib import Path

from pytest_iaccompliance.adapters.rego import RegoPack
from pytest_iaccompliance.model import FindingStatus, Resource, ResourceSet, SourceLocation
from pytest_iaccompliance.policies.suite import PolicySuite

POLICY = """\
package main

import rego.v1

deny contains {"msg": "bucket without versioning", "resource": r.address} if {
	some r in input.resources
	r.type == "aws_s3_bucket"
	not r.properties.versioning.enabled
}
"""


def test_pulumi_resources_are_given_in_normalized_form(tmp_path: Path) -> None:
    tmp_path.joinpath("versioning.rego").write_text(POLICY)
    urn = "urn:pulumi:dev::app::aws:s3/bucket:Bucket::logs"
    resources = ResourceSet([
        Resource("aws_s3_bucket", "logs", urn, {"bucket": "logs"}, SourceLocation("pulumi", "app", urn, "dev")),
        Resource("aws_s3_bucket", "data", "urn:pulumi:dev::app::aws:s3/bucket:Bucket::data",
                 {"versioning": {"enabled": True}}, SourceLocation("pulumi", "app", None, "dev")),
    ], name="dev", metadata={"kind": "pulumi"})
    suite = PolicySuite(tuple(RegoPack([tmp_path / "versioning.rego"]).iaccompliance_policies()))
    verdicts = {(f.address, f.status) for f in suite.evaluate(resources)}
    assert verdicts == {(urn, FindingStatus.FAILED),
                        ("urn:pulumi:dev::app::aws:s3/bucket:Bucket::data", FindingStatus.PASSED)}
