"""A web tier: network, security groups, an encrypted database, a private bucket, a role and a
secret.
"""

from __future__ import annotations

import json

import pulumi
import pulumi_aws as aws
from network import Network

from pytest_iaccompliance.preflight import enable
from pytest_iaccompliance.waivers import waive_opts

# Pre-flight: every resource below is checked as it is constructed (a Pulumi stack transform), so
# `pulumi preview` fails before anything is created when one lacks these tags, encryption or a
# public-access block. Tests run the same check under mocks.
enable(required_tags=["Environment", "Owner", "CostCenter"])

config = pulumi.Config()
environment = config.require("environment")
tags = {"Environment": environment, "Owner": "platform", "CostCenter": "web"}

network = Network("main", cidr="10.0.0.0/16", tags=tags)

web = aws.ec2.SecurityGroup(
    "web",
    vpc_id=network.vpc.id,
    description="HTTPS from the internet",
    ingress=[
        {
            "protocol": "tcp",
            "from_port": 443,
            "to_port": 443,
            "cidr_blocks": ["0.0.0.0/0"],
            "description": "HTTPS",
        }
    ],
    # The web tier calls the payment provider's public API: egress is open for now, accepted in code below.
    egress=[{"protocol": "-1", "from_port": 0, "to_port": 0, "cidr_blocks": ["0.0.0.0/0"]}],
    tags=tags,
    # An in-code waiver, with a reason, an owner and an end date: reports show the finding as waived (SARIF:
    # a suppressed result on this line). The horizon is wide so the example's date stays valid for years.
    opts=waive_opts(
        "AWS-EC2-004",
        reason="Calls the payment provider's public API; egress narrows to its ranges with NET-214",
        owner="platform",
        expires="2031-06-30",
        max_days=2000,
    ),
)
database_sg = aws.ec2.SecurityGroup(
    "database",
    vpc_id=network.vpc.id,
    description="PostgreSQL from the web tier only",
    ingress=[{"protocol": "tcp", "from_port": 5432, "to_port": 5432, "security_groups": [web.id]}],
    tags=tags,
)

key = aws.kms.Key(
    "data",
    description="Data at rest",
    enable_key_rotation=True,
    deletion_window_in_days=30,
    tags=tags,
)
subnets = aws.rds.SubnetGroup("database", subnet_ids=[s.id for s in network.subnets], tags=tags)
database = aws.rds.Instance(
    "orders",
    engine="postgres",
    engine_version="16.3",
    instance_class=config.get("dbInstanceClass") or "db.t3.micro",
    allocated_storage=20,
    db_name="orders",
    username="orders_admin",
    password=config.require_secret("dbPassword"),
    db_subnet_group_name=subnets.name,
    vpc_security_group_ids=[database_sg.id],
    storage_encrypted=True,
    kms_key_id=key.arn,
    publicly_accessible=False,
    backup_retention_period=7,
    deletion_protection=True,
    iam_database_authentication_enabled=True,
    auto_minor_version_upgrade=True,
    multi_az=True,
    skip_final_snapshot=False,
    final_snapshot_identifier="orders-final",
    tags=tags,
)

assets = aws.s3.Bucket("assets", tags=tags)
aws.s3.BucketPublicAccessBlock(
    "assets",
    bucket=assets.id,
    block_public_acls=True,
    block_public_policy=True,
    ignore_public_acls=True,
    restrict_public_buckets=True,
)
aws.s3.BucketServerSideEncryptionConfiguration(
    "assets",
    bucket=assets.id,
    rules=[
        {
            "apply_server_side_encryption_by_default": {
                "sse_algorithm": "aws:kms",
                "kms_master_key_id": key.arn,
            },
            "bucket_key_enabled": True,
        }
    ],
)
aws.s3.BucketVersioning("assets", bucket=assets.id, versioning_configuration={"status": "Enabled"})
# Access logs go to the account's central log bucket, like the VPC flow logs.
aws.s3.BucketLogging(
    "assets",
    bucket=assets.id,
    target_bucket=config.require("accessLogBucket"),
    target_prefix="assets/",
)
# Plain-HTTP requests would expose objects in transit: deny every request without TLS.
aws.s3.BucketPolicy(
    "assets",
    bucket=assets.id,
    policy=assets.arn.apply(
        lambda arn: json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Sid": "DenyInsecureTransport",
                        "Effect": "Deny",
                        "Principal": "*",
                        "Action": "s3:*",
                        "Resource": [arn, f"{arn}/*"],
                        "Condition": {"Bool": {"aws:SecureTransport": "false"}},
                    }
                ],
            }
        )
    ),
)

assume = aws.iam.get_policy_document(
    statements=[
        {
            "actions": ["sts:AssumeRole"],
            "principals": [{"type": "Service", "identifiers": ["ec2.amazonaws.com"]}],
        }
    ]
)
role = aws.iam.Role("web", assume_role_policy=assume.json, tags=tags)
aws.iam.RolePolicy(
    "web-assets",
    role=role.id,
    policy=assets.arn.apply(
        lambda arn: json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {"Effect": "Allow", "Action": ["s3:GetObject"], "Resource": [f"{arn}/*"]}
                ],
            }
        )
    ),
)

secret = aws.secretsmanager.Secret(
    "orders-db",
    description="Orders database credentials",
    kms_key_id=key.arn,
    recovery_window_in_days=7,
    tags=tags,
)
credentials = aws.secretsmanager.SecretVersion(
    "orders-db",
    secret_id=secret.id,
    secret_string=pulumi.Output.json_dumps(
        {"username": "orders_admin", "password": config.require_secret("dbPassword")}
    ),
)

# The account's shared PostgreSQL single-user rotation function changes the password every 30 days,
# so a leaked credential does not stay valid.
aws.secretsmanager.SecretRotation(
    "orders-db",
    secret_id=secret.id,
    rotation_lambda_arn=config.require("rotationLambdaArn"),
    rotation_rules={"automatically_after_days": 30},
    opts=pulumi.ResourceOptions(depends_on=[credentials]),
)

pulumi.export("vpc_id", network.vpc.id)
pulumi.export("bucket", assets.bucket)
pulumi.export("db_endpoint", database.endpoint)
