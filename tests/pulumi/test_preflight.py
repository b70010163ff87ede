"""Pre-flight for Pulumi programs and components through a stack transform, from a user's seat."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from pytest_iaccompliance.preflight.pulumi import make_urn

ROOT = str(Path(__file__).resolve().parents[2])

PROGRAMS = '''
import pulumi
import pulumi_aws as aws
from pytest_iaccompliance.preflight import enable, preflight

PAB = dict(block_public_acls=True, block_public_policy=True, ignore_public_acls=True, restrict_public_buckets=True)
SSE = [{"apply_server_side_encryption_by_default": {"sse_algorithm": "aws:kms"}}]


def private_bucket(name, opts=None, **kwargs):
    bucket = aws.s3.Bucket(name, opts=opts, **kwargs)
    aws.s3.BucketServerSideEncryptionConfiguration(name, bucket=bucket.id, rules=SSE, opts=opts)
    aws.s3.BucketPublicAccessBlock(name, bucket=bucket.id, opts=opts, **PAB)
    return bucket


@preflight(required_tags=["Owner", "CostCentre"], allowed_instance_families=["t3"])
def web():
    private_bucket("assets", tags={"Owner": "web"})
    aws.ec2.Instance("server", ami="ami-1", instance_type="m5.large", tags={"Owner": "web", "CostCentre": "7"},
                     metadata_options={"http_tokens": "required"}, root_block_device={"encrypted": True})


@preflight(required_tags="Owner")
def compliant():
    private_bucket("logs", tags={"Owner": "platform"})


@preflight(required_tags="Owner")
class Tier(pulumi.ComponentResource):
    def __init__(self, name, opts=None):
        super().__init__("acme:web:Tier", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        private_bucket(f"{name}-data", opts=child)
        aws.ebs.Volume(f"{name}-disk", availability_zone="eu-west-1a", size=8, encrypted=False,
                       tags={"Owner": "web"}, opts=child)
        self.register_outputs({})


def with_component():
    Tier("web")
    aws.sqs.Queue("outside")  # not the component's: its missing tags are not the component's violation


def undecorated():
    private_bucket("plain")


def enabled_by_call():
    enable(required_tags=["Owner"])
    private_bucket("called")
'''


@pytest.fixture
def project(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> pytest.Pytester:
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(filter(None, [ROOT, os.environ.get("PYTHONPATH")])))
    pytester.makepyfile(programs=PROGRAMS)
    pytester.makepyfile(test_programs='''
        import pytest
        import programs
        from pytest_iaccompliance.preflight import PreflightError, find_preflight_error, preflight
        from pytest_iaccompliance.pulumi import PulumiProgramError


        def test_preflight_program_fails(pulumi_mocks):
            pulumi_mocks.run(programs.web)


        def test_preflight_compliant_program(pulumi_mocks):
            assert len(pulumi_mocks.run(programs.compliant).of_type("aws_s3_bucket")) == 1


        def test_component_checks_its_own_children(pulumi_mocks):
            with pytest.raises(PulumiProgramError) as failure:
                pulumi_mocks.run(programs.with_component)
            error = find_preflight_error(failure.value)
            assert error.stack == "component acme:web:Tier 'web'"
            assert [(v.location, v.token, v.policy_id) for v in error.violations] == [
                ("urn:pulumi:test::project::acme:web:Tier$aws:ebs/volume:Volume::web-disk", "aws:ebs/volume:Volume",
                 "AWS-EC2-010"),
                ("urn:pulumi:test::project::acme:web:Tier$aws:s3/bucket:Bucket::web-data", "aws:s3/bucket:Bucket",
                 "AWS-TAG-001"),
            ]


        def test_enable_in_the_program(pulumi_mocks):
            with pytest.raises(PulumiProgramError) as failure:
                pulumi_mocks.run(programs.enabled_by_call)
            assert [v.policy_id for v in find_preflight_error(failure.value).violations] == ["AWS-TAG-001"]


        def test_preview_reports_unknown_values(pulumi_mocks):
            with pytest.raises(PulumiProgramError) as failure:
                pulumi_mocks.preview(programs.compliant)
            unknown = find_preflight_error(failure.value).violations
            assert {(v.policy_id, v.unknown) for v in unknown} == {("AWS-S3-001", True), ("AWS-S3-002", True)}
            assert all("not known at construction" in v.line() for v in unknown)


        def test_unrelated(pulumi_mocks):
            pulumi_mocks.run(programs.undecorated)


        @preflight(required_tags="CostCentre")
        def test_decorated_test_adds_its_settings(pulumi_mocks):
            with pytest.raises(PulumiProgramError) as failure:
                pulumi_mocks.run(programs.compliant)
            found = find_preflight_error(failure.value).violations
            assert [(v.policy_id, v.message) for v in found] == [("AWS-TAG-001", "lacks required tag(s): CostCentre")]
    ''')
    pytester.syspathinsert()
    return pytester


def run(pytester: pytest.Pytester, *args: str) -> pytest.RunResult:
    return pytester.runpytest_subprocess("-W", "ignore::UserWarning", "-W", "ignore::DeprecationWarning", "-p",
                                         "no:cacheprovider", *args)


def test_program_and_component_fail_at_construction(project: pytest.Pytester) -> None:
    result = run(project)
    result.assert_outcomes(passed=6, failed=1)
    result.stdout.fnmatch_lines([
        "*_ test_preflight_program_fails _*",
        "pre-flight failed for stack project/test: 2 violations",
        "  stack project/test: urn:pulumi:test::project::pulumi:pulumi:Stack$aws:ec2/instance:Instance::server "
        "(aws:ec2/instance:Instance) AWS-EC2-012: uses m5.large (family m5); allowed: t3; fix: *",
        "  stack project/test: urn:pulumi:test::project::pulumi:pulumi:Stack$aws:s3/bucket:Bucket::assets "
        "(aws:s3/bucket:Bucket) AWS-TAG-001: lacks required tag(s): CostCentre; fix: *",
    ])
    assert "Traceback" not in result.stdout.str()


def test_ini_preflight_and_selection(project: pytest.Pytester) -> None:
    project.makeini("[pytest]\niac_preflight = programs:undecorated programs:compliant\n"
                    "iac_required_tags = Owner\n")
    result = run(project, "-k", "preflight", "-v")
    result.assert_outcomes(passed=3, failed=2, deselected=4)
    result.stdout.fnmatch_lines([
        "*test_programs.py::test_preflight_program_fails FAILED*",
        "*test_programs.py::test_preflight_compliant_program PASSED*",
        "*test_programs.py::test_decorated_test_adds_its_settings PASSED*",
        "*iac_preflight::programs:undecorated FAILED*",
        "*iac_preflight::programs:compliant PASSED*",
        "*program programs:undecorated: urn:pulumi:test::project::pulumi:pulumi:Stack$aws:s3/bucket:Bucket::plain"
        " (aws:s3/bucket:Bucket) AWS-TAG-001: lacks required tag(s): Owner; fix: *",
    ])
    marked = run(project, "-m", "preflight", "--co", "-q")
    marked.stdout.fnmatch_lines(["*5/9 tests collected (4 deselected)*"])
    unconfigured = project.makeini("[pytest]\n")
    assert unconfigured.exists()
    plain = run(project, "-m", "preflight", "--co", "-q")
    plain.stdout.fnmatch_lines(["*3/7 tests collected (4 deselected)*"])


def test_ini_items_under_xdist_and_a_wrong_entry(project: pytest.Pytester) -> None:
    project.makeini("[pytest]\niac_preflight = programs:undecorated programs:compliant programs:missing\n"
                    "iac_required_tags = Owner\n")
    result = run(project, "-n", "2", "-k", "preflight")
    result.assert_outcomes(passed=3, failed=3)
    result.stdout.fnmatch_lines(["ini iac_preflight: module 'programs' has no 'missing'"])
    result.stdout.fnmatch_lines(["  program programs:undecorated: *::plain (aws:s3/bucket:Bucket) AWS-TAG-001: "
                                 "lacks required tag(s): Owner; fix: *"])


@pytest.mark.parametrize(
    ("parent", "expected"),
    [
        (None, "urn:pulumi:dev::shop::aws:s3/bucket:Bucket::logs"),
        ("urn:pulumi:dev::shop::pulumi:pulumi:Stack::shop-dev", "urn:pulumi:dev::shop::aws:s3/bucket:Bucket::logs"),
        ("urn:pulumi:dev::shop::acme:web:Tier::web", "urn:pulumi:dev::shop::acme:web:Tier$aws:s3/bucket:Bucket::logs"),
        ("urn:pulumi:dev::shop::acme:App$acme:web:Tier::web",
         "urn:pulumi:dev::shop::acme:App$acme:web:Tier$aws:s3/bucket:Bucket::logs"),
    ],
)
def test_urn_as_the_engine_makes_it(parent: str | None, expected: str) -> None:
    assert make_urn("dev", "shop", parent, "aws:s3/bucket:Bucket", "logs") == expected
