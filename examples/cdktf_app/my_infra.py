"""A small production platform in CDK for Terraform: network, database, storage, IAM, remote state.

It passes every critical rule of the built-in pack (TLS-only bucket policy, VPC flow logs to an
encrypted log group, ...) and keeps a few warnings (open egress, no access logging, no IAM database
authentication) that ``pytest --iac-source cdktf.out`` reports as tolerated.

Synthesize with ``cdktf synth`` (see cdktf.json) or ``python my_infra.py``; the tests beside it
synthesize it through the ``cdktf_synth`` fixture instead.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from cdktf import App, S3Backend, TerraformStack
from cdktf_cdktf_provider_aws.cloudwatch_log_group import CloudwatchLogGroup
from cdktf_cdktf_provider_aws.data_aws_caller_identity import DataAwsCallerIdentity
from cdktf_cdktf_provider_aws.data_aws_iam_policy_document import (
    DataAwsIamPolicyDocument,
    DataAwsIamPolicyDocumentStatement,
    DataAwsIamPolicyDocumentStatementCondition,
    DataAwsIamPolicyDocumentStatementPrincipals,
)
from cdktf_cdktf_provider_aws.db_instance import DbInstance
from cdktf_cdktf_provider_aws.db_subnet_group import DbSubnetGroup
from cdktf_cdktf_provider_aws.flow_log import FlowLog
from cdktf_cdktf_provider_aws.iam_policy import IamPolicy
from cdktf_cdktf_provider_aws.iam_role import IamRole
from cdktf_cdktf_provider_aws.iam_role_policy import IamRolePolicy
from cdktf_cdktf_provider_aws.iam_role_policy_attachment import IamRolePolicyAttachment
from cdktf_cdktf_provider_aws.kms_key import KmsKey
from cdktf_cdktf_provider_aws.provider import AwsProvider, AwsProviderDefaultTags
from cdktf_cdktf_provider_aws.s3_bucket import S3Bucket
from cdktf_cdktf_provider_aws.s3_bucket_policy import S3BucketPolicy
from cdktf_cdktf_provider_aws.s3_bucket_public_access_block import S3BucketPublicAccessBlock
from cdktf_cdktf_provider_aws.s3_bucket_server_side_encryption_configuration import (
    S3BucketServerSideEncryptionConfigurationA,
    S3BucketServerSideEncryptionConfigurationRuleA,
    S3BucketServerSideEncryptionConfigurationRuleApplyServerSideEncryptionByDefaultA,
)
from cdktf_cdktf_provider_aws.s3_bucket_versioning import (
    S3BucketVersioningA,
    S3BucketVersioningVersioningConfiguration,
)
from cdktf_cdktf_provider_aws.security_group import (
    SecurityGroup,
    SecurityGroupEgress,
    SecurityGroupIngress,
)
from cdktf_cdktf_provider_aws.subnet import Subnet
from cdktf_cdktf_provider_aws.vpc import Vpc

from pytest_iaccompliance.preflight import preflight

if TYPE_CHECKING:
    from constructs import Construct


# Pre-flight: before `cdktf synth` writes cdk.tf.json (and whenever a test synthesizes the stack), a
# cdktf Aspect checks every resource for these tags (the provider's default_tags count), encryption at
# rest and public access, and fails the synthesis listing each violation with its construct path.
@preflight(required_tags=["environment", "owner", "cost-center"])
class PlatformStack(TerraformStack):
    """VPC with private subnets, a web and a database tier, encrypted storage and a scoped role."""

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        environment: str = "prod",
        region: str = "eu-west-1",
        admin_cidr: str = "10.20.0.0/16",
    ) -> None:
        super().__init__(scope, id)
        S3Backend(
            self,
            bucket="acme-terraform-state",
            key=f"{environment}/platform.tfstate",
            region=region,
            encrypt=True,
            dynamodb_table="acme-terraform-locks",
        )
        AwsProvider(
            self,
            "aws",
            region=region,
            default_tags=[
                AwsProviderDefaultTags(
                    tags={
                        "environment": environment,
                        "owner": "platform-team",
                        "cost-center": "cc-1042",
                    }
                )
            ],
        )

        account_id = DataAwsCallerIdentity(self, "current").account_id
        flow_log_group_name = f"/aws/vpc-flow-logs/{environment}-main"
        # The account keeps administering the key (as the default key policy does); CloudWatch Logs
        # may use it only for the flow-log group, so the log group can be encrypted with it.
        key_policy = DataAwsIamPolicyDocument(
            self,
            "data_key_policy",
            statement=[
                DataAwsIamPolicyDocumentStatement(
                    sid="AccountAdministersKey",
                    actions=["kms:*"],
                    resources=["*"],
                    principals=[
                        DataAwsIamPolicyDocumentStatementPrincipals(
                            type="AWS", identifiers=[f"arn:aws:iam::{account_id}:root"]
                        )
                    ],
                ),
                DataAwsIamPolicyDocumentStatement(
                    sid="CloudWatchLogsEncryptsFlowLogs",
                    actions=[
                        "kms:Encrypt*",
                        "kms:Decrypt*",
                        "kms:ReEncrypt*",
                        "kms:GenerateDataKey*",
                        "kms:Describe*",
                    ],
                    resources=["*"],
                    principals=[
                        DataAwsIamPolicyDocumentStatementPrincipals(
                            type="Service", identifiers=[f"logs.{region}.amazonaws.com"]
                        )
                    ],
                    condition=[
                        DataAwsIamPolicyDocumentStatementCondition(
                            test="ArnEquals",
                            variable="kms:EncryptionContext:aws:logs:arn",
                            values=[
                                f"arn:aws:logs:{region}:{account_id}:log-group:"
                                f"{flow_log_group_name}"
                            ],
                        )
                    ],
                ),
            ],
        )
        key = KmsKey(
            self,
            "data_key",
            description=f"{environment} data at rest",
            enable_key_rotation=True,
            deletion_window_in_days=30,
            policy=key_policy.json,
        )

        vpc = Vpc(
            self,
            "main",
            cidr_block="10.0.0.0/16",
            enable_dns_hostnames=True,
            enable_dns_support=True,
            tags={"Name": f"{environment}-main"},
        )
        self._flow_logs(vpc, key, flow_log_group_name, environment, region, account_id)
        subnets = [
            Subnet(
                self,
                f"private_{zone}",
                vpc_id=vpc.id,
                cidr_block=f"10.0.{index}.0/24",
                availability_zone=f"{region}{zone}",
                map_public_ip_on_launch=False,
            )
            for index, zone in enumerate(("a", "b"), start=1)
        ]

        web = SecurityGroup(
            self,
            "web",
            name=f"{environment}-web",
            vpc_id=vpc.id,
            description="HTTPS in, all out",
            ingress=[
                SecurityGroupIngress(
                    from_port=443,
                    to_port=443,
                    protocol="tcp",
                    cidr_blocks=["0.0.0.0/0"],
                    description="public HTTPS",
                ),
                SecurityGroupIngress(
                    from_port=22,
                    to_port=22,
                    protocol="tcp",
                    cidr_blocks=[admin_cidr],
                    description="SSH from the admin VPN",
                ),
            ],
            egress=[
                SecurityGroupEgress(
                    from_port=0, to_port=0, protocol="-1", cidr_blocks=["0.0.0.0/0"]
                )
            ],
        )
        database_sg = SecurityGroup(
            self,
            "database",
            name=f"{environment}-database",
            vpc_id=vpc.id,
            description="PostgreSQL from the web tier only",
            ingress=[
                SecurityGroupIngress(
                    from_port=5432,
                    to_port=5432,
                    protocol="tcp",
                    security_groups=[web.id],
                    description="web tier",
                )
            ],
        )

        subnet_group = DbSubnetGroup(
            self,
            "database_subnets",
            name=f"{environment}-database",
            subnet_ids=[s.id for s in subnets],
        )
        DbInstance(
            self,
            "orders",
            identifier=f"{environment}-orders",
            engine="postgres",
            engine_version="16.3",
            instance_class="db.t4g.medium",
            allocated_storage=50,
            storage_encrypted=True,
            kms_key_id=key.arn,
            db_subnet_group_name=subnet_group.name,
            vpc_security_group_ids=[database_sg.id],
            username="orders_admin",
            manage_master_user_password=True,
            publicly_accessible=False,
            multi_az=True,
            backup_retention_period=14,
            deletion_protection=True,
        )

        bucket = S3Bucket(self, "documents", bucket=f"acme-{environment}-documents")
        S3BucketPublicAccessBlock(
            self,
            "documents_public_access",
            bucket=bucket.id,
            block_public_acls=True,
            block_public_policy=True,
            ignore_public_acls=True,
            restrict_public_buckets=True,
        )
        S3BucketVersioningA(
            self,
            "documents_versioning",
            bucket=bucket.id,
            versioning_configuration=S3BucketVersioningVersioningConfiguration(status="Enabled"),
        )
        tls_only = DataAwsIamPolicyDocument(
            self,
            "documents_tls_only",
            statement=[
                DataAwsIamPolicyDocumentStatement(
                    sid="DenyInsecureTransport",
                    effect="Deny",
                    actions=["s3:*"],
                    resources=[bucket.arn, f"{bucket.arn}/*"],
                    principals=[
                        DataAwsIamPolicyDocumentStatementPrincipals(type="*", identifiers=["*"])
                    ],
                    condition=[
                        DataAwsIamPolicyDocumentStatementCondition(
                            test="Bool", variable="aws:SecureTransport", values=["false"]
                        )
                    ],
                )
            ],
        )
        S3BucketPolicy(self, "documents_policy", bucket=bucket.id, policy=tls_only.json)
        S3BucketServerSideEncryptionConfigurationA(
            self,
            "documents_encryption",
            bucket=bucket.id,
            rule=[
                S3BucketServerSideEncryptionConfigurationRuleA(
                    apply_server_side_encryption_by_default=(
                        S3BucketServerSideEncryptionConfigurationRuleApplyServerSideEncryptionByDefaultA(
                            sse_algorithm="aws:kms", kms_master_key_id=key.arn
                        )
                    ),
                    bucket_key_enabled=True,
                )
            ],
        )

        role = IamRole(
            self,
            "app_role",
            name=f"{environment}-app",
            assume_role_policy=json.dumps(
                {
                    "Version": "2012-10-17",
                    "Statement": [
                        {
                            "Effect": "Allow",
                            "Action": "sts:AssumeRole",
                            "Principal": {"Service": "ec2.amazonaws.com"},
                        }
                    ],
                }
            ),
        )
        policy = IamPolicy(
            self,
            "app_documents",
            name=f"{environment}-app-documents",
            policy=json.dumps(
                {
                    "Version": "2012-10-17",
                    "Statement": [
                        {
                            "Effect": "Allow",
                            "Action": ["s3:GetObject", "s3:PutObject"],
                            "Resource": f"arn:aws:s3:::acme-{environment}-documents/*",
                        }
                    ],
                }
            ),
        )
        IamRolePolicyAttachment(
            self, "app_documents_attachment", role=role.name, policy_arn=policy.arn
        )

    def _flow_logs(
        self,
        vpc: Vpc,
        key: KmsKey,
        group_name: str,
        environment: str,
        region: str,
        account_id: str,
    ) -> None:
        """All VPC traffic to a KMS-encrypted log group, written by a role only VPC Flow Logs assumes."""
        group = CloudwatchLogGroup(
            self,
            "flow_logs",
            name=group_name,
            retention_in_days=365,
            kms_key_id=key.arn,
        )
        role = IamRole(
            self,
            "flow_logs_role",
            name=f"{environment}-vpc-flow-logs",
            assume_role_policy=json.dumps(
                {
                    "Version": "2012-10-17",
                    "Statement": [
                        {
                            "Effect": "Allow",
                            "Action": "sts:AssumeRole",
                            "Principal": {"Service": "vpc-flow-logs.amazonaws.com"},
                            "Condition": {"StringEquals": {"aws:SourceAccount": account_id}},
                        }
                    ],
                }
            ),
        )
        IamRolePolicy(
            self,
            "flow_logs_delivery",
            name="deliver-flow-logs",
            role=role.id,
            policy=json.dumps(
                {
                    "Version": "2012-10-17",
                    "Statement": [
                        {
                            "Effect": "Allow",
                            "Action": [
                                "logs:CreateLogStream",
                                "logs:PutLogEvents",
                                "logs:DescribeLogStreams",
                            ],
                            "Resource": f"{group.arn}:*",
                        },
                        {
                            "Effect": "Allow",
                            "Action": "logs:DescribeLogGroups",
                            "Resource": f"arn:aws:logs:{region}:{account_id}:log-group:*",
                        },
                    ],
                }
            ),
        )
        FlowLog(
            self,
            "main_flow_log",
            vpc_id=vpc.id,
            traffic_type="ALL",
            log_destination_type="cloud-watch-logs",
            log_destination=group.arn,
            iam_role_arn=role.arn,
            max_aggregation_interval=60,
        )


if __name__ == "__main__":
    from pathlib import Path

    from pytest_iaccompliance.cdktf import record_origins

    # Each resource's line in this file goes into cdktf.out, so a scan of it (and its SARIF) points here.
    record_origins(relative_to=Path(__file__).resolve().parent)
    app = App()
    PlatformStack(app, "platform-prod")
    app.synth()
