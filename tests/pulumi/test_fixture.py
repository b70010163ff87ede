"""What a user sees: the ``pulumi_mocks`` fixture running programs under the real Pulumi runtime."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.runs import run_subprocess

ROOT = str(Path(__file__).resolve().parents[2])

PROGRAMS = '''
import json
import pulumi
import pulumi_aws as aws


class Tier(pulumi.ComponentResource):
    def __init__(self, name, opts=None):
        super().__init__("acme:web:Tier", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        self.bucket = aws.s3.Bucket(f"{name}-logs", tags={"Owner": "web"}, opts=child)
        self.sg = aws.ec2.SecurityGroup(f"{name}-sg", ingress=[{
            "protocol": "tcp", "from_port": 22, "to_port": 22, "cidr_blocks": ["0.0.0.0/0"]}], opts=child)
        self.register_outputs({})


def components():
    tier = Tier("web")
    aws.s3.BucketPublicAccessBlock("web-logs", bucket=tier.bucket.id, block_public_acls=True)
    pulumi.export("bucket", tier.bucket.bucket)


def configured():
    config = pulumi.Config()
    aws.rds.Instance("db", engine="postgres", instance_class=config.require("dbClass"),
                     allocated_storage=config.require_int("storage"),
                     password=config.require_secret("dbPassword"), storage_encrypted=True)
    pulumi.export("password", config.require_secret("dbPassword"))


def invokes():
    me = aws.get_caller_identity()
    region = aws.get_region()
    zones = aws.get_availability_zones()
    ami = aws.ec2.get_ami(owners=["amazon"], most_recent=True,
                          filters=[{"name": "name", "values": ["al2023-ami-*"]}])
    doc = aws.iam.get_policy_document(statements=[{
        "sid": "Read", "actions": ["s3:GetObject"], "resources": ["arn:aws:s3:::b/*"],
        "principals": [{"type": "AWS", "identifiers": [f"arn:aws:iam::{me.account_id}:root"]}],
        "conditions": [{"test": "Bool", "variable": "aws:SecureTransport", "values": ["true"]}]}])
    aws.iam.Policy("read", policy=doc.json)
    aws.ec2.Instance("web", ami=ami.id, instance_type="t3.micro", availability_zone=zones.names[0])
    vpc = aws.ec2.get_vpc(default=True)
    aws.ec2.Subnet("sub", vpc_id=vpc.id, cidr_block="10.0.1.0/24")
    pulumi.export("region", region.region)


def unregistered():
    aws.ec2.get_vpc(default=True)


def referencing():
    bucket = aws.s3.Bucket("data")
    aws.s3.BucketServerSideEncryptionConfiguration("data", bucket=bucket.id, rules=[{
        "apply_server_side_encryption_by_default": {"sse_algorithm": "aws:kms", "kms_master_key_id": "k"}}])
    aws.iam.Role("app", assume_role_policy=bucket.arn.apply(lambda arn: json.dumps({"Statement": arn})))


def website():
    """A program as real stacks write it: DNS-validated certificate, load balancer alias, CDN, API stage URL."""
    zone = aws.route53.Zone("zone", name="example.com")
    cert = aws.acm.Certificate("cert", domain_name="example.com", subject_alternative_names=["www.example.com"],
                               validation_method="DNS")
    records = []
    for index in range(2):
        option = cert.domain_validation_options.apply(lambda options, i=index: options[i])
        records.append(aws.route53.Record(
            f"validation-{index}", zone_id=zone.zone_id, name=option.resource_record_name,
            type=option.resource_record_type, records=[option.resource_record_value], ttl=60))
    aws.acm.CertificateValidation("cert", certificate_arn=cert.arn,
                                  validation_record_fqdns=[r.fqdn for r in records])
    lb = aws.lb.LoadBalancer("web", load_balancer_type="application", subnets=["subnet-1", "subnet-2"])
    aws.route53.Record("alias", zone_id=zone.zone_id, name="www.example.com", type="A",
                       aliases=[{"name": lb.dns_name, "zone_id": lb.zone_id, "evaluate_target_health": True}])
    cdn = aws.cloudfront.Distribution(
        "cdn", enabled=True,
        origins=[{"domain_name": lb.dns_name.apply(lambda d: d.lower()), "origin_id": "lb",
                  "custom_origin_config": {"http_port": 80, "https_port": 443,
                                           "origin_protocol_policy": "https-only",
                                           "origin_ssl_protocols": ["TLSv1.2"]}}],
        default_cache_behavior={"target_origin_id": "lb", "viewer_protocol_policy": "redirect-to-https",
                                "allowed_methods": ["GET", "HEAD"], "cached_methods": ["GET", "HEAD"],
                                "cache_policy_id": "658327ea-f89d-4fab-a63d-7e88639e58f6"},
        restrictions={"geo_restriction": {"restriction_type": "none"}},
        viewer_certificate={"acm_certificate_arn": cert.arn, "ssl_support_method": "sni-only",
                            "minimum_protocol_version": "TLSv1.2_2021"})
    api = aws.apigateway.RestApi("api")
    pulumi.export("cdn", cdn.domain_name.apply(lambda d: "https://" + d))
    pulumi.export("api", api.execution_arn.apply(lambda arn: arn + "/*/*"))
    pulumi.export("alias_target", lb.dns_name.apply(str.upper))
'''


@pytest.fixture
def project(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> pytest.Pytester:
    # The subprocess must import this checkout even when it is not installed.
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(filter(None, [ROOT, os.environ.get("PYTHONPATH")])))
    pytester.makepyfile(programs=PROGRAMS)
    pytester.syspathinsert()
    return pytester


def run(pytester: pytest.Pytester, *args: str) -> pytest.RunResult:
    # Its own interpreter: Pulumi's runtime (settings, mocks, event loop) is process-wide; run here it hangs.
    return run_subprocess(pytester, "-W", "ignore::UserWarning", *args)


def test_every_resource_with_components_and_parents(project: pytest.Pytester) -> None:
    project.makepyfile(test_it='''
        import programs

        def test_capture(pulumi_mocks):
            stack = pulumi_mocks.run(programs.components)
            assert sorted(r.type for r in stack) == [
                "acme:web:Tier", "aws_s3_bucket", "aws_s3_bucket_public_access_block", "aws_security_group"]
            tier = stack.by_name("web")[0]
            bucket = stack.of_type("aws_s3_bucket")[0]
            assert bucket.parent == tier.address
            assert {r.name for r in stack.children(tier)} == {"web-logs", "web-sg"}
            assert bucket.address.startswith("urn:pulumi:test::project::acme:web:Tier$aws:s3/bucket:Bucket::")
            assert stack.by_address("aws_s3_bucket.web-logs") is bucket
            pab = stack.of_type("aws_s3_bucket_public_access_block")[0]
            assert pab.get("bucket") == bucket.get("id") == bucket.get("bucket") == stack.outputs["bucket"]
            assert stack.find_related("aws_s3_bucket_public_access_block", bucket, "bucket") == [pab]
            sg = stack.of_type("aws_security_group")[0]
            assert sg.blocks("ingress")[0]["cidr_blocks"] == ["0.0.0.0/0"]
            assert sg.get("arn").startswith("arn:aws:ec2:us-east-1:123456789012:security-group/sg-")
            assert stack.get_resources("aws_s3_bucket")[0]["tags"] == {"Owner": "web"}
    ''')
    run(project).assert_outcomes(passed=1)


def test_real_program_reads_computed_outputs(project: pytest.Pytester) -> None:
    """Outputs AWS computes (validation records, DNS names, a distribution's domain, an execution ARN) have
    plausible values out of the box, so a program that builds on them runs without a registered answer."""
    project.makepyfile(test_it='''
        import programs

        def test_website(pulumi_mocks):
            stack = pulumi_mocks.run(programs.website)
            records = sorted((r for r in stack.of_type("aws_route53_record") if r.name.startswith("validation")),
                             key=lambda r: r.name)
            assert [r.get("name") for r in records][1].endswith(".www.example.com.")
            assert all(r.get("type") == "CNAME" for r in records)
            assert all(r.get("records")[0].endswith(".acm-validations.aws.") for r in records)
            assert stack.outputs["cdn"].startswith("https://d") and stack.outputs["cdn"].endswith(".cloudfront.net")
            assert stack.outputs["api"].startswith("arn:aws:apigateway:us-east-1:123456789012:")
            assert stack.outputs["alias_target"].endswith(".US-EAST-1.ELB.AMAZONAWS.COM")
            cdn = stack.of_type("aws_cloudfront_distribution")[0]
            assert cdn.blocks("origin")[0]["domain_name"].endswith(".elb.amazonaws.com")
    ''')
    run(project).assert_outcomes(passed=1)


def test_config_and_secrets(project: pytest.Pytester) -> None:
    project.makepyfile(test_it='''
        import programs

        def test_config(pulumi_mocks):
            stack = pulumi_mocks.run(programs.configured, config={"dbClass": "db.t3.micro", "storage": 20},
                                     secrets={"dbPassword": "hunter2"})
            db = stack.of_type("aws_db_instance")[0]
            assert db.get("instance_class") == "db.t3.micro"
            assert db.get("allocated_storage") == 20
            assert db.get("storage_encrypted") is True
            assert db.is_secret("password") and not db.is_secret("engine")
            assert "password" in stack.secret_outputs
            assert stack.metadata["outputs"]["password"] == "[secret]"
            assert "hunter2" not in repr(stack.metadata)

        def test_missing_config_is_named(pulumi_mocks):
            import pytest
            from pytest_iaccompliance.pulumi import PulumiProgramError
            with pytest.raises(PulumiProgramError, match="dbClass"):
                pulumi_mocks.run(programs.configured)
    ''')
    run(project).assert_outcomes(passed=2)


def test_default_and_registered_invokes(project: pytest.Pytester) -> None:
    project.makepyfile(test_it='''
        import json
        import programs

        def test_invokes(pulumi_mocks):
            pulumi_mocks.register_invoke("aws:ec2/getVpc:getVpc", {"id": "vpc-0abc", "cidrBlock": "10.0.0.0/16"})
            stack = pulumi_mocks.run(programs.invokes, config={"aws:region": "eu-west-1"})
            assert stack.outputs["region"] == "eu-west-1"
            instance = stack.of_type("aws_instance")[0]
            assert instance.get("ami").startswith("ami-")
            assert instance.get("availability_zone") == "eu-west-1a"
            assert stack.of_type("aws_subnet")[0].get("vpc_id") == "vpc-0abc"
            policy = json.loads(stack.of_type("aws_iam_policy")[0].get("policy"))
            assert policy == {"Version": "2012-10-17", "Statement": [{
                "Sid": "Read", "Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*",
                "Principal": {"AWS": "arn:aws:iam::123456789012:root"},
                "Condition": {"Bool": {"aws:SecureTransport": "true"}}}]}
            tokens = [token for token, _ in stack.invokes]
            assert "aws:index/getCallerIdentity:getCallerIdentity" in tokens
            assert "aws:ec2/getVpc:getVpc" in tokens
    ''')
    run(project).assert_outcomes(passed=1)


def test_unregistered_invoke_names_token_and_fix(project: pytest.Pytester) -> None:
    project.makepyfile(test_it='''
        import programs

        def test_unregistered(pulumi_mocks):
            pulumi_mocks.run(programs.unregistered)
    ''')
    result = run(project)
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines([
        "*PulumiProgramError: unregistered: no mock answer for invoke `aws:ec2/getVpc:getVpc`*",
        "*pulumi_mocks.register_invoke('aws:ec2/getVpc:getVpc'*",
    ])


def test_registered_resource_answers(project: pytest.Pytester) -> None:
    project.makepyfile(test_it='''
        import programs

        def test_answers(pulumi_mocks):
            pulumi_mocks.register_resource("aws_s3_bucket", lambda args: ("fixed-bucket", {"bucket": "fixed-bucket"}))
            stack = pulumi_mocks.run(programs.referencing)
            assert stack.of_type("aws_s3_bucket")[0].get("id") == "fixed-bucket"
            sse = stack.of_type("aws_s3_bucket_server_side_encryption_configuration")[0]
            assert sse.get("bucket") == "fixed-bucket"
            assert sse.blocks("rule")[0]["apply_server_side_encryption_by_default"]["sse_algorithm"] == "aws:kms"
    ''')
    run(project).assert_outcomes(passed=1)


ISOLATION = '''
    import programs

    def test_first(pulumi_mocks):
        stack = pulumi_mocks.run(programs.components, stack="one")
        assert len(stack) == 4
        assert all("::one::" not in r.address or r.address.startswith("urn:pulumi:one::") for r in stack)

    def test_failing_program_in_between(pulumi_mocks):
        import pytest
        with pytest.raises(Exception):
            pulumi_mocks.run(programs.unregistered)

    def test_second(pulumi_mocks):
        stack = pulumi_mocks.run(programs.referencing)
        assert sorted(r.type for r in stack) == [
            "aws_iam_role", "aws_s3_bucket", "aws_s3_bucket_server_side_encryption_configuration"]
        assert all(r.address.startswith("urn:pulumi:test::project::") for r in stack)

    def test_plain_set_mocks_afterwards_still_works():
        import pulumi

        class Mocks(pulumi.runtime.Mocks):
            def new_resource(self, args):
                return args.name + "_id", args.inputs
            def call(self, args):
                return {}

        pulumi.runtime.set_mocks(Mocks(), preview=False)
        import pulumi_aws as aws
        bucket = aws.s3.Bucket("plain")

        @pulumi.runtime.test
        def check():
            return bucket.id.apply(lambda i: assert_id(i))

        def assert_id(value):
            assert value == "plain_id"

        check()
'''


def test_state_isolation_between_tests(project: pytest.Pytester) -> None:
    project.makepyfile(test_it=ISOLATION)
    run(project).assert_outcomes(passed=4)


def test_state_isolation_under_xdist(project: pytest.Pytester) -> None:
    project.makepyfile(test_it=ISOLATION, test_more=ISOLATION)
    run(project, "-n", "2").assert_outcomes(passed=8)


def test_preview_unknowns_are_never_compliant(project: pytest.Pytester) -> None:
    project.makepyfile(test_it='''
        from pytest_iaccompliance.model import UNKNOWN, is_unknown
        import programs

        def test_preview(pulumi_mocks):
            stack = pulumi_mocks.preview(programs.referencing)
            bucket = stack.of_type("aws_s3_bucket")[0]
            assert bucket.get("id") is UNKNOWN
            sse = stack.of_type("aws_s3_bucket_server_side_encryption_configuration")[0]
            assert sse.get("bucket") is UNKNOWN and is_unknown(sse.get("bucket"))
            assert not sse.get("bucket")
            role = stack.of_type("aws_iam_role")[0]
            assert role.get("assume_role_policy") is UNKNOWN
            assert stack.metadata["preview"] is True
    ''')
    run(project).assert_outcomes(passed=1)


def test_a_run_leaves_no_event_loop_open(project: pytest.Pytester) -> None:
    """Pulumi's mock monitor gives its worker threads event loops it never closes; finalized later by the
    collector, one can break an unrelated compile (CPython's "AST constructor recursion depth mismatch")."""
    project.makepyfile(test_it='''
        import gc
        import warnings

        import programs

        def test_no_loop_left(pulumi_mocks):
            pulumi_mocks.register_invoke("aws:ec2/getVpc:getVpc", {"id": "vpc-0abc", "cidrBlock": "10.0.0.0/16"})
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always", ResourceWarning)
                stack = pulumi_mocks.run(programs.invokes, config={"aws:region": "eu-west-1"})
                gc.collect()
            assert stack.of_type("aws_instance")
            assert [str(w.message) for w in caught if "unclosed event loop" in str(w.message)] == []
    ''')
    run(project).assert_outcomes(passed=1)
