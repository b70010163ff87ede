"""The type table and property names against the installed pulumi_aws SDK (read as text, not
imported).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from pytest_iaccompliance.pulumi.mapping import (
    PROPERTY_RENAMES,
    TERRAFORM_ALIASES,
    TYPE_MAP,
    parse_token,
    pulumi_tokens,
    sdk_module_dir,
    sdk_resource_tokens,
    snake_case,
    terraform_properties,
    terraform_type,
)

PACK_TYPES = [
    "aws_s3_bucket",
    "aws_s3_bucket_public_access_block",
    "aws_s3_bucket_server_side_encryption_configuration",
    "aws_s3_bucket_versioning",
    "aws_s3_bucket_logging",
    "aws_s3_bucket_acl",
    "aws_s3_bucket_policy",
    "aws_security_group",
    "aws_security_group_rule",
    "aws_vpc_security_group_ingress_rule",
    "aws_vpc_security_group_egress_rule",
    "aws_default_security_group",
    "aws_network_acl",
    "aws_network_acl_rule",
    "aws_vpc",
    "aws_flow_log",
    "aws_subnet",
    "aws_instance",
    "aws_launch_template",
    "aws_ebs_volume",
    "aws_ebs_encryption_by_default",
    "aws_db_instance",
    "aws_rds_cluster",
    "aws_kms_key",
    "aws_iam_policy",
    "aws_iam_role",
    "aws_iam_role_policy",
    "aws_iam_user_policy",
    "aws_iam_group_policy",
    "aws_iam_user_policy_attachment",
    "aws_cloudtrail",
    "aws_dynamodb_table",
    "aws_sqs_queue",
    "aws_sns_topic",
    "aws_lb",
    "aws_lb_listener",
    "aws_efs_file_system",
    "aws_lambda_function",
    "aws_lambda_permission",
    "aws_lambda_function_url",
    "aws_secretsmanager_secret",
    "aws_secretsmanager_secret_rotation",
]
_REGISTRATION = re.compile(r"super\((\w+), __self__\)\.__init__\(\s*'([^']+)'")


def _resource_file(token: str) -> str:
    parsed = parse_token(token)
    assert parsed is not None, token
    directory = sdk_module_dir(parsed[0], parsed[1])
    assert directory is not None, f"no pulumi_aws module for {token}"
    return (directory / f"{snake_case(token.split(':')[1].split('/')[-1])}.py").read_text(
        encoding="utf-8"
    )


@pytest.mark.parametrize("terraform", PACK_TYPES)
def test_every_pack_type_is_mapped(terraform: str) -> None:
    assert pulumi_tokens(terraform), f"{terraform} has no Pulumi token"
    for token in pulumi_tokens(terraform):
        assert terraform_type(token) == terraform


@pytest.mark.parametrize("token", sorted(TYPE_MAP))
def test_every_token_is_registered_by_the_installed_sdk(token: str) -> None:
    registered = {found for _, found in _REGISTRATION.findall(_resource_file(token))}
    assert token in registered


@pytest.mark.parametrize(("terraform", "renames"), sorted(PROPERTY_RENAMES.items()))
def test_every_renamed_property_exists_in_the_sdk(terraform: str, renames: dict[str, str]) -> None:
    text = "".join(_resource_file(token) for token in pulumi_tokens(terraform))
    top_level = [p for p in renames if "." not in p]
    for python_name in top_level:
        assert re.search(rf"def {python_name}\(self\)", text), (
            f"{terraform}: no property {python_name}"
        )


def test_token_of_another_package_is_kept() -> None:
    assert terraform_type("my:component:Thing") == "my:component:Thing"
    assert terraform_type("random:index/randomPassword:RandomPassword") == "random:index/randomPassword:RandomPassword"
    assert terraform_type("not a token") == "not a token"


REFERENCE = Path(__file__).parent.parent / "data" / "terraform_aws_resource_types.txt"


def _reference_types() -> set[str]:
    lines = REFERENCE.read_text(encoding="utf-8").splitlines()
    return {line for line in lines if line and not line.startswith("#")}


def test_every_sdk_resource_class_maps_to_a_terraform_type() -> None:
    tokens = sdk_resource_tokens()
    assert len(tokens) > 1000, "the installed pulumi_aws registers its resource classes"
    mapped = {token: terraform_type(token) for token in tokens}
    malformed = {t: m for t, m in mapped.items() if not re.fullmatch(r"aws_[a-z0-9]+(_[a-z0-9]+)*", m)}
    assert not malformed
    reference = _reference_types()
    # Every type of the reference provider is what some class maps to: a derivation gone wrong leaves
    # its real type unclaimed.
    unclaimed = reference - set(mapped.values()) - set(TERRAFORM_ALIASES)
    assert not unclaimed, sorted(unclaimed)
    # Two classes share a type only as aliases (alb/lb, the pre-v7 V2 S3 classes, deprecated renames).
    by_type: dict[str, list[str]] = {}
    for token, terraform in mapped.items():
        by_type.setdefault(terraform, []).append(token)
    shared = {t: ts for t, ts in by_type.items() if len(ts) > 1}
    for terraform, shared_tokens in shared.items():
        modules = {parse_token(token)[1] for token in shared_tokens}  # type: ignore[index]
        names = {token.rsplit(":", 1)[1].removesuffix("V2") for token in shared_tokens}
        assert modules <= {"alb", "lb"} or len(names) == 1 or terraform == "aws_vpc_encryption_control", shared_tokens
    # Classes the reference provider version does not have yet are few, and each keeps the bridge's naming rule.
    newer = sorted(t for t, m in mapped.items() if m not in reference)
    assert len(newer) < len(tokens) // 8, newer


@pytest.mark.parametrize(
    ("token", "terraform"),
    [
        ("aws:cloudfront/distribution:Distribution", "aws_cloudfront_distribution"),
        ("aws:ecs/service:Service", "aws_ecs_service"),
        ("aws:kinesis/stream:Stream", "aws_kinesis_stream"),
        ("aws:redshift/cluster:Cluster", "aws_redshift_cluster"),
        ("aws:s3/bucketObject:BucketObject", "aws_s3_bucket_object"),
        ("aws:s3/bucketObjectv2:BucketObjectv2", "aws_s3_object"),
        ("aws:apigateway/stage:Stage", "aws_api_gateway_stage"),
        ("aws:rds/proxy:Proxy", "aws_db_proxy"),
        ("aws:rds/globalCluster:GlobalCluster", "aws_rds_global_cluster"),
        ("aws:ec2/fleet:Fleet", "aws_ec2_fleet"),
        ("aws:ec2/natGateway:NatGateway", "aws_nat_gateway"),
        ("aws:opensearch/serverlessCollection:ServerlessCollection", "aws_opensearchserverless_collection"),
        ("aws:cloudtrail/trail:Trail", "aws_cloudtrail"),
    ],
)
def test_type_derived_from_the_token(token: str, terraform: str) -> None:
    assert terraform_type(token) == terraform
    assert token in pulumi_tokens(terraform)


def test_properties_use_sdk_names_and_terraform_blocks() -> None:
    props = terraform_properties(
        "aws:s3/bucketV2:BucketV2",
        {
            "serverSideEncryptionConfigurations": [
                {
                    "rules": [
                        {
                            "applyServerSideEncryptionByDefault": {"sseAlgorithm": "aws:kms"},
                            "bucketKeyEnabled": True,
                        }
                    ]
                }
            ],
            "tags": {"CostCenter": "x"},
            "__defaults": [],
        },
    )
    assert props == {
        "server_side_encryption_configuration": [
            {
                "rule": [
                    {
                        "apply_server_side_encryption_by_default": {"sse_algorithm": "aws:kms"},
                        "bucket_key_enabled": True,
                    }
                ]
            }
        ],
        "tags": {"CostCenter": "x"},
    }
    listener = terraform_properties(
        "aws:lb/listener:Listener", {"defaultActions": [{"type": "forward"}]}
    )
    assert listener == {"default_action": [{"type": "forward"}]}
    permission = terraform_properties("aws:lambda/permission:Permission", {"function": "f"})
    assert permission == {"function_name": "f"}


def test_generic_fallback_converter() -> None:
    assert snake_case("cidrBlocks") == "cidr_blocks"
    assert snake_case("ipv6CidrBlock") == "ipv6_cidr_block"
    assert snake_case("enableDNSSupport") == "enable_dns_support"


def test_policy_documents_given_as_objects_keep_iam_keys() -> None:
    document = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "NotAction": "iam:*"}]}
    assert terraform_properties("aws:iam/policy:Policy", {"policy": document}) == {"policy": document}
    role = terraform_properties("aws:iam/role:Role", {"assumeRolePolicy": document, "maxSessionDuration": 1})
    assert role == {"assume_role_policy": document, "max_session_duration": 1}


def test_bucket_acl_grants_are_terraform_grant_blocks() -> None:
    grant = {"grantee": {"type": "Group", "uri": "u"}, "permission": "READ"}
    props = terraform_properties(
        "aws:s3/bucketAcl:BucketAcl", {"accessControlPolicy": {"grants": [grant], "owner": {"id": "o"}}}
    )
    assert props == {"access_control_policy": {"grant": [grant], "owner": {"id": "o"}}}


def test_mock_state_holds_policy_documents_as_json_text() -> None:
    from pytest_iaccompliance.pulumi.answers import AwsAnswers

    document = {"Version": "2012-10-17", "Statement": []}
    _, state = AwsAnswers().resource_state("aws:iam/policy:Policy", "p", {"policy": document})
    assert state["policy"] == json.dumps(document)
    _, user = AwsAnswers().resource_state("aws:iam/user:User", "alice", {})
    assert user["name"].startswith("alice-")
    assert user["id"] == user["name"]


def test_mock_state_has_the_addresses_aws_computes() -> None:
    from pytest_iaccompliance.pulumi.answers import AwsAnswers

    answers = AwsAnswers(region="eu-west-1")
    _, lb = answers.resource_state("aws:lb/loadBalancer:LoadBalancer", "web", {"name": "web"})
    assert lb["dnsName"].startswith("web-")
    assert lb["dnsName"].endswith(".eu-west-1.elb.amazonaws.com")
    assert lb["zoneId"].startswith("Z")
    _, internal = answers.resource_state("aws:alb/loadBalancer:LoadBalancer", "api", {"name": "api", "internal": True})
    assert internal["dnsName"].startswith("internal-api-")
    _, db = answers.resource_state("aws:rds/instance:Instance", "db", {"identifier": "orders", "port": 6432.0})
    assert db["address"].startswith("orders.")
    assert db["address"].endswith(".eu-west-1.rds.amazonaws.com")
    assert db["endpoint"] == f"{db['address']}:6432"
    _, cluster = answers.resource_state("aws:rds/cluster:Cluster", "c", {"clusterIdentifier": "orders"})
    assert ".cluster-" in cluster["endpoint"]
    assert ".cluster-ro-" in cluster["readerEndpoint"]
    _, bucket = answers.resource_state("aws:s3/bucket:Bucket", "b", {"bucket": "logs"})
    assert bucket["bucketDomainName"] == "logs.s3.amazonaws.com"
    assert bucket["bucketRegionalDomainName"] == "logs.s3.eu-west-1.amazonaws.com"
    key_id, key = answers.resource_state("aws:kms/key:Key", "k", {})
    assert key["keyId"] == key_id
    # Deterministic: the same program gets the same addresses.
    assert answers.resource_state("aws:lb/loadBalancer:LoadBalancer", "web", {"name": "web"})[1] == lb


def test_mock_state_leaves_what_the_program_did_not_decide_unset() -> None:
    """A placeholder where the program set nothing (a port, a public IP) could make a rule judge a value nobody
    chose: those stay unset."""
    from pytest_iaccompliance.pulumi.answers import AwsAnswers

    _, db = AwsAnswers().resource_state("aws:rds/instance:Instance", "db", {"identifier": "orders"})
    assert "port" not in db
    assert "endpoint" not in db
    _, instance = AwsAnswers().resource_state("aws:ec2/instance:Instance", "web", {})
    assert "publicIp" not in instance
    assert "publicDns" not in instance


def test_taggable_list_shipped_with_the_plugin_is_what_the_installed_sdk_declares() -> None:
    """The tag rule reads a generated list (no Pulumi needed at scan time); it must match the schema."""
    from pytest_iaccompliance.policies.rules.tagging import taggable_types
    from pytest_iaccompliance.pulumi.mapping import taggable_terraform_types

    declared = set(taggable_terraform_types())
    assert {"aws_s3_bucket_object", "aws_s3_object", "aws_cloudfront_distribution", "aws_alb"} <= declared
    assert "aws_iam_role_policy" not in declared  # inline policies take no tags
    assert taggable_types() == declared, "run python tools/gen_taggable.py"


def test_mock_state_fills_what_the_class_declares_as_computed() -> None:
    """Defaults come from the class's declared outputs, for every type alike: an ARN, endpoints, DNS names,
    generated names and one validation record per certificate domain; inputs and addresses stay as chosen."""
    from pytest_iaccompliance.pulumi.answers import AwsAnswers

    answers = AwsAnswers()
    domains = {"domainName": "example.com", "subjectAlternativeNames": ["a.example.com"]}
    _, cert = answers.resource_state("aws:acm/certificate:Certificate", "c", domains)
    assert [o["domainName"] for o in cert["domainValidationOptions"]] == ["example.com", "a.example.com"]
    assert cert["domainValidationOptions"][1]["resourceRecordName"].endswith(".a.example.com.")
    assert cert["domainValidationOptions"][0]["resourceRecordType"] == "CNAME"
    assert cert["arn"].startswith("arn:aws:acm:us-east-1:123456789012:certificate/")
    _, cdn = answers.resource_state("aws:cloudfront/distribution:Distribution", "cdn", {})
    assert cdn["domainName"].endswith(".cloudfront.net")
    assert cdn["hostedZoneId"].startswith("Z")
    _, search = answers.resource_state("aws:opensearch/domain:Domain", "logs", {"domainName": "logs"})
    assert search["endpoint"].endswith(".opensearch.us-east-1.amazonaws.com")
    assert search["domainName"] == "logs"
    _, cache = answers.resource_state("aws:elasticache/replicationGroup:ReplicationGroup", "r", {})
    assert cache["primaryEndpointAddress"].endswith(".amazonaws.com")
    _, stage = answers.resource_state("aws:apigateway/stage:Stage", "s", {"stageName": "prod"})
    assert stage["invokeUrl"].startswith("https://")
    _, key = answers.resource_state("aws:ec2/keyPair:KeyPair", "k", {})
    assert key["keyName"].startswith("k-")  # generated: the class takes key_name with a key_name_prefix
    # Another resource's identifier is never invented: a load balancer's VPC, an instance's network interface.
    _, lb = answers.resource_state("aws:lb/loadBalancer:LoadBalancer", "web", {})
    assert "vpcId" not in lb
    _, instance = answers.resource_state("aws:ec2/instance:Instance", "i", {})
    assert "primaryNetworkInterfaceId" not in instance
    assert "outpostArn" not in instance
