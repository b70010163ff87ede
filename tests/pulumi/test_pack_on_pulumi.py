"""The built-in pack on resources that come out of real Pulumi programs, through the mapping.

Each program is written with real ``pulumi_aws`` classes and runs once (module scope) under the
recording mocks; each rule is then evaluated over the whole program, so partners linked through
Outputs (``bucket=bucket.id``, ``vpc_id=vpc.id``, ``secret_id=secret.id``) are found by the literal
ids the mocks hand back, as they are in a real Pulumi deployment.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any

import pytest

from pytest_iaccompliance.model import CONFIG_TYPES, FindingStatus
from pytest_iaccompliance.policies.base import Policy, RuleSettings
from pytest_iaccompliance.policies.engine import evaluate
from pytest_iaccompliance.policies.registry import load_registry
from pytest_iaccompliance.pulumi.harness import PulumiMocks
from pytest_iaccompliance.pulumi.mapping import TERRAFORM_ALIASES, pulumi_tokens
from pytest_iaccompliance.pulumi.runner import PulumiResources

# Deprecated classes (BucketV2, ...) are used on purpose: programs in the wild still declare them.
pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning:pulumi_aws")

P, F = FindingStatus.PASSED, FindingStatus.FAILED
SETTINGS = RuleSettings(required_tags=("Owner", "CostCentre"), allowed_instance_families=("t3", "m6i"))
REGISTRY = load_registry(entry_points=False)
ACCOUNT = "123456789012"


def doc(*statements: Mapping[str, Any]) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": list(statements)}


def allow(action: Any, resource: Any = "*", **extra: Any) -> dict[str, Any]:
    return {"Effect": "Allow", "Action": action, "Resource": resource, **extra}


# ---- programs ------------------------------------------------------------------------------------


def s3_program() -> None:
    import pulumi
    import pulumi_aws as aws

    bare = aws.s3.Bucket("bare")
    logs = aws.s3.Bucket("logs")

    # S3-001: encryption as its own resource, inline on the bucket, or nowhere.
    enc = aws.s3.Bucket("enc-partner")
    aws.s3.BucketServerSideEncryptionConfiguration(
        "enc-partner",
        bucket=enc.id,
        rules=[{"apply_server_side_encryption_by_default": {"sse_algorithm": "aws:kms"}}],
    )
    aws.s3.Bucket(
        "enc-inline",
        server_side_encryption_configuration={
            "rule": {"apply_server_side_encryption_by_default": {"sse_algorithm": "AES256"}}
        },
    )
    enc_v2 = aws.s3.BucketV2("enc-v2")
    aws.s3.BucketServerSideEncryptionConfigurationV2(
        "enc-v2",
        bucket=enc_v2.id,
        rules=[{"apply_server_side_encryption_by_default": {"sse_algorithm": "AES256"}}],
    )

    # S3-002: all four flags, or one left off.
    for name, flags in (("pab-all", (True,) * 4), ("pab-partial", (True, False, True, True))):
        bucket = aws.s3.Bucket(name)
        aws.s3.BucketPublicAccessBlock(
            name,
            bucket=bucket.id,
            block_public_acls=flags[0],
            block_public_policy=flags[1],
            ignore_public_acls=flags[2],
            restrict_public_buckets=flags[3],
        )

    # S3-003: a TLS-only policy as Output.json_dumps and as a policy-document invoke; an
    # unrelated policy given as an object.
    tls = aws.s3.Bucket("tls-json")
    aws.s3.BucketPolicy(
        "tls-json",
        bucket=tls.id,
        policy=pulumi.Output.json_dumps(
            doc(
                {
                    "Sid": "DenyInsecureTransport",
                    "Effect": "Deny",
                    "Principal": "*",
                    "Action": "s3:*",
                    "Resource": [tls.arn, pulumi.Output.concat(tls.arn, "/*")],
                    "Condition": {"Bool": {"aws:SecureTransport": "false"}},
                }
            )
        ),
    )
    tls_invoke = aws.s3.Bucket("tls-invoke")
    document = aws.iam.get_policy_document_output(
        statements=[
            {
                "sid": "DenyInsecureTransport",
                "effect": "Deny",
                "principals": [{"type": "*", "identifiers": ["*"]}],
                "actions": ["s3:*"],
                "resources": [tls_invoke.arn, tls_invoke.arn.apply(lambda arn: f"{arn}/*")],
                "conditions": [
                    {"test": "Bool", "variable": "aws:SecureTransport", "values": ["false"]}
                ],
            }
        ]
    )
    aws.s3.BucketPolicy("tls-invoke", bucket=tls_invoke.id, policy=document.json)
    no_tls = aws.s3.Bucket("tls-missing")
    aws.s3.BucketPolicy(
        "tls-missing",
        bucket=no_tls.id,
        policy=doc(
            allow(
                "s3:GetObject",
                "arn:aws:s3:::tls-missing/*",
                Principal={"AWS": f"arn:aws:iam::{ACCOUNT}:root"},
            )
        ),
    )

    # S3-004: versioning resource Enabled / Suspended, and the inline block.
    for name, status in (("ver-enabled", "Enabled"), ("ver-suspended", "Suspended")):
        bucket = aws.s3.Bucket(name)
        aws.s3.BucketVersioning(
            name, bucket=bucket.id, versioning_configuration={"status": status}
        )
    aws.s3.Bucket("ver-inline", versioning={"enabled": True})

    # S3-005: access logging resource, inline block.
    logged = aws.s3.Bucket("log-partner")
    aws.s3.BucketLogging("log-partner", bucket=logged.id, target_bucket=logs.id, target_prefix="a/")
    aws.s3.Bucket("log-inline", logging={"target_bucket": "central-logs", "target_prefix": "b/"})

    # S3-006: canned ACLs and grants, on the bucket and as a BucketAcl.
    for name, acl in (("acl-private", "private"), ("acl-public", "public-read")):
        bucket = aws.s3.Bucket(name)
        aws.s3.BucketAcl(name, bucket=bucket.id, acl=acl)
    granted = aws.s3.Bucket("acl-grant")
    aws.s3.BucketAcl(
        "acl-grant",
        bucket=granted.id,
        access_control_policy={
            "owner": {"id": "owner-canonical-id"},
            "grants": [
                {
                    "grantee": {
                        "type": "Group",
                        "uri": "http://acs.amazonaws.com/groups/global/AllUsers",
                    },
                    "permission": "READ",
                }
            ],
        },
    )
    aws.s3.Bucket(
        "acl-inline-grant",
        grants=[
            {
                "type": "Group",
                "uri": "http://acs.amazonaws.com/groups/global/AuthenticatedUsers",
                "permissions": ["READ"],
            }
        ],
    )
    pulumi.export("bare", bare.id)


def s3_account_program() -> None:
    import pulumi_aws as aws

    aws.s3.AccountPublicAccessBlock(
        "account",
        block_public_acls=True,
        block_public_policy=True,
        ignore_public_acls=True,
        restrict_public_buckets=True,
    )
    aws.s3.Bucket("covered-by-account")


def network_program() -> None:
    import pulumi_aws as aws

    world = ["0.0.0.0/0"]
    vpc = aws.ec2.Vpc("logged", cidr_block="10.0.0.0/16")
    aws.ec2.FlowLog(
        "logged",
        vpc_id=vpc.id,
        traffic_type="ALL",
        log_destination_type="s3",
        log_destination="arn:aws:s3:::flow-logs",
    )
    aws.ec2.Vpc("unlogged", cidr_block="10.1.0.0/16")

    # Security groups: inline blocks, and rules as their own resources linked by sg.id.
    aws.ec2.SecurityGroup(
        "web",
        vpc_id=vpc.id,
        ingress=[{"protocol": "tcp", "from_port": 443, "to_port": 443, "cidr_blocks": world}],
        egress=[{"protocol": "-1", "from_port": 0, "to_port": 0, "cidr_blocks": ["10.0.0.0/8"]}],
    )
    aws.ec2.SecurityGroup(
        "ssh-open",
        vpc_id=vpc.id,
        ingress=[{"protocol": "tcp", "from_port": 22, "to_port": 22, "cidr_blocks": world}],
    )
    aws.ec2.SecurityGroup(
        "all-open",
        vpc_id=vpc.id,
        ingress=[{"protocol": "-1", "from_port": 0, "to_port": 0, "ipv6_cidr_blocks": ["::/0"]}],
        egress=[{"protocol": "-1", "from_port": 0, "to_port": 0, "cidr_blocks": world}],
    )
    rdp = aws.ec2.SecurityGroup("rdp-by-rule", vpc_id=vpc.id)
    aws.ec2.SecurityGroupRule(
        "rdp-by-rule",
        type="ingress",
        security_group_id=rdp.id,
        protocol="tcp",
        from_port=3389,
        to_port=3389,
        cidr_blocks=world,
    )
    ssh = aws.ec2.SecurityGroup("ssh-by-vpc-rule", vpc_id=vpc.id)
    aws.vpc.SecurityGroupIngressRule(
        "ssh-by-vpc-rule",
        security_group_id=ssh.id,
        cidr_ipv4="0.0.0.0/0",
        ip_protocol="tcp",
        from_port=22,
        to_port=22,
    )
    egress = aws.ec2.SecurityGroup("egress-by-vpc-rule", vpc_id=vpc.id)
    aws.vpc.SecurityGroupEgressRule(
        "egress-by-vpc-rule", security_group_id=egress.id, cidr_ipv4="0.0.0.0/0", ip_protocol="-1"
    )
    # World-open ports beyond SSH/RDP: a database, plain HTTP, and HTTPS with a UDP port by rule.
    aws.ec2.SecurityGroup(
        "postgres-open",
        vpc_id=vpc.id,
        ingress=[{"protocol": "tcp", "from_port": 5432, "to_port": 5432, "cidr_blocks": world}],
    )
    aws.ec2.SecurityGroup(
        "http-open",
        vpc_id=vpc.id,
        ingress=[{"protocol": "tcp", "from_port": 80, "to_port": 80, "ipv6_cidr_blocks": ["::/0"]}],
    )
    redis = aws.ec2.SecurityGroup("redis-by-vpc-rule", vpc_id=vpc.id)
    aws.vpc.SecurityGroupIngressRule(
        "redis-by-vpc-rule",
        security_group_id=redis.id,
        cidr_ipv6="::/0",
        ip_protocol="tcp",
        from_port=6379,
        to_port=6379,
    )
    aws.ec2.DefaultSecurityGroup("default-closed", vpc_id=vpc.id)
    aws.ec2.DefaultSecurityGroup(
        "default-open",
        vpc_id=vpc.id,
        ingress=[{"protocol": "-1", "self": True, "from_port": 0, "to_port": 0}],
    )

    # Network ACLs: inline entries, and an entry as its own resource linked by nacl.id.
    aws.ec2.NetworkAcl(
        "nacl-https",
        vpc_id=vpc.id,
        ingress=[
            {
                "protocol": "tcp",
                "rule_no": 100,
                "action": "allow",
                "cidr_block": "0.0.0.0/0",
                "from_port": 443,
                "to_port": 443,
            }
        ],
    )
    aws.ec2.NetworkAcl(
        "nacl-ssh",
        vpc_id=vpc.id,
        ingress=[
            {
                "protocol": "tcp",
                "rule_no": 100,
                "action": "allow",
                "cidr_block": "0.0.0.0/0",
                "from_port": 22,
                "to_port": 22,
            }
        ],
    )
    aws.ec2.NetworkAcl(
        "nacl-all",
        vpc_id=vpc.id,
        ingress=[
            {
                "protocol": "-1",
                "rule_no": 100,
                "action": "allow",
                "cidr_block": "0.0.0.0/0",
                "from_port": 0,
                "to_port": 0,
            }
        ],
    )
    by_rule = aws.ec2.NetworkAcl("nacl-rdp-by-rule", vpc_id=vpc.id)
    aws.ec2.NetworkAclRule(
        "nacl-rdp-by-rule",
        network_acl_id=by_rule.id,
        rule_number=100,
        egress=False,
        protocol="tcp",
        rule_action="allow",
        cidr_block="0.0.0.0/0",
        from_port=3389,
        to_port=3389,
    )

    aws.ec2.Subnet("private", vpc_id=vpc.id, cidr_block="10.0.1.0/24")
    aws.ec2.Subnet(
        "public", vpc_id=vpc.id, cidr_block="10.0.2.0/24", map_public_ip_on_launch=True
    )


def compute_program() -> None:
    import pulumi_aws as aws

    ami = "ami-0123456789abcdef0"
    aws.ec2.Instance(
        "hardened",
        ami=ami,
        instance_type="t3.micro",
        metadata_options={"http_tokens": "required", "http_endpoint": "enabled"},
        associate_public_ip_address=False,
        root_block_device={"encrypted": True, "volume_size": 20},
        ebs_block_devices=[{"device_name": "/dev/sdf", "encrypted": True, "volume_size": 10}],
    )
    aws.ec2.Instance(
        "loose",
        ami=ami,
        instance_type="c5.large",
        metadata_options={"http_tokens": "optional"},
        associate_public_ip_address=True,
        root_block_device={"encrypted": False},
    )
    aws.ec2.Instance(
        "clear-data-volume",
        ami=ami,
        instance_type="m6i.large",
        root_block_device={"encrypted": True},
        ebs_block_devices=[{"device_name": "/dev/sdf", "encrypted": False, "volume_size": 10}],
    )
    aws.ec2.LaunchTemplate(
        "lt-hardened",
        image_id=ami,
        instance_type="m6i.large",
        metadata_options={"http_tokens": "required"},
        network_interfaces=[{"associate_public_ip_address": "false"}],
        block_device_mappings=[{"device_name": "/dev/xvda", "ebs": {"encrypted": "true"}}],
    )
    aws.ec2.LaunchTemplate(
        "lt-loose",
        image_id=ami,
        instance_type="r5.large",
        metadata_options={"http_tokens": "optional"},
        network_interfaces=[{"associate_public_ip_address": "true"}],
        block_device_mappings=[{"device_name": "/dev/xvda", "ebs": {"encrypted": "false"}}],
    )
    aws.ec2.LaunchConfiguration(
        "lc-loose", image_id=ami, instance_type="t3.micro", associate_public_ip_address=True
    )
    aws.ebs.Volume("vol-encrypted", availability_zone="us-east-1a", size=10, encrypted=True)
    aws.ebs.Volume("vol-clear", availability_zone="us-east-1a", size=10, encrypted=False)


def ebs_default_program() -> None:
    import pulumi_aws as aws

    aws.ebs.EncryptionByDefault("on", enabled=True)
    aws.ebs.EncryptionByDefault("off", enabled=False)
    # With encryption by default on, a volume that does not say is encrypted.
    aws.ebs.Volume("vol-default", availability_zone="us-east-1a", size=10)


def data_program() -> None:
    import pulumi_aws as aws

    common = {"engine": "postgres", "instance_class": "db.t3.micro", "allocated_storage": 20}
    aws.rds.Instance(
        "db-hardened",
        **common,
        username="app",
        manage_master_user_password=True,
        storage_encrypted=True,
        publicly_accessible=False,
        backup_retention_period=7,
        deletion_protection=True,
        iam_database_authentication_enabled=True,
    )
    aws.rds.Instance(
        "db-loose",
        **common,
        username="app",
        password="not-a-real-password",
        storage_encrypted=False,
        publicly_accessible=True,
        backup_retention_period=1,
    )
    aws.rds.Cluster(
        "aurora-hardened",
        engine="aurora-postgresql",
        master_username="app",
        manage_master_user_password=True,
        storage_encrypted=True,
        backup_retention_period=14,
        deletion_protection=True,
        iam_database_authentication_enabled=True,
    )
    loose = aws.rds.Cluster("aurora-loose", engine="aurora-mysql", master_username="app")
    aws.rds.ClusterInstance(
        "aurora-loose-1",
        cluster_identifier=loose.id,
        engine="aurora-mysql",
        instance_class="db.r6g.large",
        publicly_accessible=True,
    )
    aws.rds.ClusterInstance(
        "aurora-loose-2",
        cluster_identifier=loose.id,
        engine="aurora-mysql",
        instance_class="db.r6g.large",
    )

    aws.dynamodb.Table(
        "table-hardened",
        attributes=[{"name": "pk", "type": "S"}],
        hash_key="pk",
        billing_mode="PAY_PER_REQUEST",
        point_in_time_recovery={"enabled": True},
        server_side_encryption={"enabled": True},
    )
    aws.dynamodb.Table(
        "table-loose",
        attributes=[{"name": "pk", "type": "S"}],
        hash_key="pk",
        billing_mode="PAY_PER_REQUEST",
        point_in_time_recovery={"enabled": False},
    )
    aws.efs.FileSystem("fs-encrypted", encrypted=True)
    aws.efs.FileSystem("fs-clear")


def security_program() -> None:
    import pulumi
    import pulumi_aws as aws

    rotated = aws.kms.Key("key-rotated", enable_key_rotation=True)
    aws.kms.Key("key-static")
    aws.kms.Key(
        "key-public",
        enable_key_rotation=True,
        policy=json.dumps(doc(allow("kms:*", Principal={"AWS": "*"}))),
    )
    aws.kms.Key(
        "key-account",
        enable_key_rotation=True,
        policy=json.dumps(doc(allow("kms:*", Principal={"AWS": f"arn:aws:iam::{ACCOUNT}:root"}))),
    )

    trail_bucket = aws.s3.Bucket("trail-logs")
    group = aws.cloudwatch.LogGroup("trail", retention_in_days=365)
    role = aws.iam.Role(
        "trail-to-logs",
        assume_role_policy=doc(
            {
                "Effect": "Allow",
                "Principal": {"Service": "cloudtrail.amazonaws.com"},
                "Action": "sts:AssumeRole",
            }
        ),
    )
    aws.cloudtrail.Trail(
        "trail-hardened",
        s3_bucket_name=trail_bucket.id,
        is_multi_region_trail=True,
        include_global_service_events=True,
        enable_log_file_validation=True,
        kms_key_id=rotated.arn,
        cloud_watch_logs_group_arn=group.arn.apply(lambda arn: f"{arn}:*"),
        cloud_watch_logs_role_arn=role.arn,
    )
    aws.cloudtrail.Trail("trail-loose", s3_bucket_name=trail_bucket.id)

    fn = aws.lambda_.Function(
        "fn", role=role.arn, package_type="Image", image_uri=f"{ACCOUNT}.dkr.ecr.x/app:1"
    )
    aws.lambda_.Permission(
        "perm-s3",
        function=fn.name,
        action="lambda:InvokeFunction",
        principal="s3.amazonaws.com",
        source_arn=trail_bucket.arn,
    )
    aws.lambda_.Permission(
        "perm-any-scoped",
        function=fn.name,
        action="lambda:InvokeFunction",
        principal="*",
        source_account=ACCOUNT,
    )
    aws.lambda_.Permission(
        "perm-public", function=fn.name, action="lambda:InvokeFunction", principal="*"
    )
    aws.lambda_.FunctionUrl("url-iam", function_name=fn.name, authorization_type="AWS_IAM")
    aws.lambda_.FunctionUrl("url-open", function_name=fn.name, authorization_type="NONE")

    by_id = aws.secretsmanager.Secret("secret-rotated")
    aws.secretsmanager.SecretRotation(
        "secret-rotated",
        secret_id=by_id.id,
        rotation_lambda_arn=fn.arn,
        rotation_rules={"automatically_after_days": 30},
    )
    by_arn = aws.secretsmanager.Secret("secret-rotated-by-arn")
    aws.secretsmanager.SecretRotation(
        "secret-rotated-by-arn",
        secret_id=by_arn.arn,
        rotation_lambda_arn=fn.arn,
        rotation_rules={"schedule_expression": "rate(10 days)"},
    )
    aws.secretsmanager.Secret("secret-static")

    queue = aws.sqs.Queue("queue-sse", sqs_managed_sse_enabled=True)
    aws.sqs.Queue("queue-kms", kms_master_key_id="alias/aws/sqs")
    aws.sqs.Queue("queue-clear", sqs_managed_sse_enabled=False)
    topic = aws.sns.Topic("topic-kms", kms_master_key_id=rotated.id)
    aws.sns.Topic("topic-clear")
    aws.sqs.QueuePolicy(
        "queue-public",
        queue_url=queue.url,
        policy=queue.arn.apply(
            lambda arn: json.dumps(doc(allow("sqs:SendMessage", arn, Principal="*")))
        ),
    )
    aws.sns.TopicPolicy(
        "topic-scoped",
        arn=topic.arn,
        policy=pulumi.Output.json_dumps(
            doc(
                allow(
                    "sns:Publish",
                    topic.arn,
                    Principal={"Service": "s3.amazonaws.com"},
                    Condition={"StringEquals": {"aws:SourceAccount": ACCOUNT}},
                )
            )
        ),
    )

    lb = aws.lb.LoadBalancer("alb", load_balancer_type="application", subnets=["subnet-1"])
    target = aws.lb.TargetGroup("app", port=8080, protocol="HTTP", vpc_id="vpc-1")
    forward = [{"type": "forward", "target_group_arn": target.arn}]
    aws.lb.Listener(
        "https-modern",
        load_balancer_arn=lb.arn,
        port=443,
        protocol="HTTPS",
        ssl_policy="ELBSecurityPolicy-TLS13-1-2-2021-06",
        certificate_arn=f"arn:aws:acm:us-east-1:{ACCOUNT}:certificate/abc",
        default_actions=forward,
    )
    aws.lb.Listener(
        "https-legacy",
        load_balancer_arn=lb.arn,
        port=8443,
        protocol="HTTPS",
        ssl_policy="ELBSecurityPolicy-2016-08",
        certificate_arn=f"arn:aws:acm:us-east-1:{ACCOUNT}:certificate/abc",
        default_actions=forward,
    )
    aws.lb.Listener(
        "http-redirect",
        load_balancer_arn=lb.arn,
        port=80,
        protocol="HTTP",
        default_actions=[
            {
                "type": "redirect",
                "redirect": {"protocol": "HTTPS", "port": "443", "status_code": "HTTP_301"},
            }
        ],
    )
    aws.alb.Listener(
        "http-forward", load_balancer_arn=lb.arn, port=8080, protocol="HTTP", default_actions=forward
    )
    classic_https = {
        "instance_port": 8080,
        "instance_protocol": "http",
        "lb_port": 443,
        "lb_protocol": "https",
        "ssl_certificate_id": f"arn:aws:acm:us-east-1:{ACCOUNT}:certificate/abc",
    }
    aws.elb.LoadBalancer("classic-tls", availability_zones=["us-east-1a"], listeners=[classic_https])
    aws.elb.LoadBalancer(
        "classic-plain",
        availability_zones=["us-east-1a"],
        listeners=[
            classic_https,
            {"instance_port": 8080, "instance_protocol": "http", "lb_port": 80, "lb_protocol": "http"},
        ],
    )


def iam_program() -> None:
    import pulumi
    import pulumi_aws as aws

    bucket = aws.s3.Bucket("data")
    scoped = pulumi.Output.json_dumps(
        doc(allow(["s3:GetObject", "s3:PutObject"], pulumi.Output.concat(bucket.arn, "/*")))
    )
    aws.iam.Policy("scoped", policy=scoped)
    # Policies as objects (PolicyDocumentArgs), as JSON text, and as Output.json_dumps.
    aws.iam.Policy("admin-object", policy=doc(allow("*")))
    aws.iam.Policy("s3-star-json", policy=json.dumps(doc(allow("s3:*", "arn:aws:s3:::data/*"))))
    aws.iam.Policy(
        "write-anywhere", policy=pulumi.Output.json_dumps(doc(allow(["s3:PutObject"], "*")))
    )
    aws.iam.Policy(
        "escalation",
        policy=doc(allow(["iam:PassRole", "lambda:CreateFunction", "lambda:InvokeFunction"])),
    )
    aws.iam.Policy("not-action", policy=doc({"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"}))
    aws.iam.Policy(
        "read-anywhere", policy=doc(allow(["ec2:DescribeInstances", "s3:ListAllMyBuckets"]))
    )
    # Without Version: IAM reads 2008-10-17, where ${aws:username} is not substituted.
    aws.iam.Policy("unversioned", policy={"Statement": [allow("s3:GetObject", "arn:aws:s3:::data/*")]})
    aws.iam.Policy(
        "home-unversioned",
        policy=json.dumps({"Statement": [allow("s3:GetObject", "arn:aws:s3:::data/home/${aws:username}/*")]}),
    )

    trusted = aws.iam.Role(
        "trusted",
        assume_role_policy=json.dumps(
            doc(
                {
                    "Effect": "Allow",
                    "Principal": {"Service": "ec2.amazonaws.com"},
                    "Action": "sts:AssumeRole",
                }
            )
        ),
    )
    aws.iam.Role(
        "trust-anyone",
        assume_role_policy=doc(
            {"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole"}
        ),
        inline_policies=[{"name": "admin", "policy": json.dumps(doc(allow("*")))}],
    )
    aws.iam.RolePolicy("role-scoped", role=trusted.id, policy=scoped)
    aws.iam.RolePolicy("role-admin", role=trusted.id, policy=json.dumps(doc(allow("*"))))

    user = aws.iam.User("alice")
    group = aws.iam.Group("ops")
    aws.iam.UserPolicy("user-inline", user=user.name, policy=json.dumps(doc(allow("s3:ListBucket", "*"))))
    managed = aws.iam.Policy("managed", policy=scoped)
    aws.iam.UserPolicyAttachment("user-attached", user=user.name, policy_arn=managed.arn)
    aws.iam.PolicyAttachment("to-group", groups=[group.name], policy_arn=managed.arn)
    aws.iam.PolicyAttachment("to-user", users=[user.name], policy_arn=managed.arn)
    aws.iam.GroupPolicy("group-scoped", group=group.name, policy=scoped)

    aws.s3.BucketPolicy(
        "data-public",
        bucket=bucket.id,
        policy=bucket.arn.apply(
            lambda arn: json.dumps(doc(allow("s3:GetObject", f"{arn}/*", Principal="*")))
        ),
    )
    private = aws.s3.Bucket("private")
    aws.s3.BucketPolicy(
        "private-account",
        bucket=private.id,
        policy=doc(
            allow(
                "s3:GetObject",
                "arn:aws:s3:::private/*",
                Principal={"AWS": f"arn:aws:iam::{ACCOUNT}:role/reader"},
            )
        ),
    )
    key = aws.kms.Key("key", enable_key_rotation=True)
    aws.kms.KeyPolicy(
        "key-public",
        key_id=key.id,
        policy=pulumi.Output.json_dumps(doc(allow("kms:Decrypt", Principal="*"))),
    )


def tags_program() -> None:
    import pulumi_aws as aws

    aws.s3.Bucket("tagged", tags={"Owner": "data", "CostCentre": "42"})
    aws.s3.Bucket("half-tagged", tags={"Owner": "data"})
    aws.ec2.Vpc("untagged", cidr_block="10.0.0.0/16")
    # Types outside any hand-kept list: taggable because their class takes tags.
    aws.s3.BucketObject("object-untagged", bucket="data", key="a.txt", content="a")
    aws.s3.BucketObjectv2("object-tagged", bucket="data", key="b.txt", content="b",
                          tags={"Owner": "data", "CostCentre": "42"})
    aws.kinesis.Stream("stream-untagged", shard_count=1)


def default_tags_program() -> None:
    import pulumi_aws as aws

    aws.s3.Bucket("tagged-by-provider", tags={"Owner": "data"})


def services_program() -> None:
    """The rules beyond the seed pack: each resource as a Pulumi program declares it."""
    import pulumi
    import pulumi_aws as aws

    # S3-007 / S3-008: a public-read policy and an organisation-scoped one; SSE-KMS and SSE-S3.
    public = aws.s3.Bucket("site-public")
    aws.s3.BucketPolicy("site-public", bucket=public.id, policy=pulumi.Output.json_dumps(doc(
        {"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject",
         "Resource": pulumi.Output.concat(public.arn, "/*")})))
    scoped = aws.s3.Bucket("org-shared")
    aws.s3.BucketPolicy("org-shared", bucket=scoped.id, policy=pulumi.Output.json_dumps(doc(
        {"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject",
         "Resource": pulumi.Output.concat(scoped.arn, "/*"),
         "Condition": {"StringEquals": {"aws:PrincipalOrgID": "o-123"}}})))
    for name, algorithm in (("sse-kms", "aws:kms"), ("sse-s3", "AES256")):
        bucket = aws.s3.Bucket(name)
        aws.s3.BucketServerSideEncryptionConfiguration(
            name, bucket=bucket.id, rules=[{"apply_server_side_encryption_by_default": {"sse_algorithm": algorithm}}])

    # CT-005, DDB-003
    aws.cloudtrail.Trail("trail-on", s3_bucket_name="logs")
    aws.cloudtrail.Trail("trail-stopped", s3_bucket_name="logs", enable_logging=False)
    table = {"attributes": [{"name": "pk", "type": "S"}], "hash_key": "pk", "billing_mode": "PAY_PER_REQUEST"}
    aws.dynamodb.Table("table-cmk", **table, server_side_encryption={
        "enabled": True, "kms_key_arn": f"arn:aws:kms:us-east-1:{ACCOUNT}:key/k"})
    aws.dynamodb.Table("table-aws-key", **table, server_side_encryption={"enabled": True})

    # ELB-004 / ELB-005
    aws.elb.LoadBalancerPolicy("policy-tls12", load_balancer_name="web", policy_name="tls12",
                               policy_type_name="SSLNegotiationPolicyType", policy_attributes=[
                                   {"name": "Reference-Security-Policy", "value": "ELBSecurityPolicy-TLS-1-2-2017-01"}])
    aws.elb.LoadBalancerPolicy("policy-tlsv1", load_balancer_name="web", policy_name="tlsv1",
                               policy_type_name="SSLNegotiationPolicyType",
                               policy_attributes=[{"name": "Protocol-TLSv1", "value": "true"}])
    aws.lb.LoadBalancer("alb-strict", load_balancer_type="application", drop_invalid_header_fields=True,
                        subnets=["subnet-1", "subnet-2"])
    aws.lb.LoadBalancer("alb-default", subnets=["subnet-1", "subnet-2"])

    # CloudFront: a hardened distribution and a loose one.
    https_origin = {"domain_name": "app.example.com", "origin_id": "app", "custom_origin_config": {
        "http_port": 80, "https_port": 443, "origin_protocol_policy": "https-only",
        "origin_ssl_protocols": ["TLSv1.2"]}}
    behavior = {"target_origin_id": "app", "allowed_methods": ["GET", "HEAD"], "cached_methods": ["GET", "HEAD"]}
    restrictions = {"geo_restriction": {"restriction_type": "none"}}
    aws.cloudfront.Distribution(
        "cdn-hardened", enabled=True, origins=[https_origin],
        default_cache_behavior={**behavior, "viewer_protocol_policy": "redirect-to-https"},
        ordered_cache_behaviors=[{**behavior, "path_pattern": "/img/*", "viewer_protocol_policy": "https-only"}],
        restrictions=restrictions, web_acl_id="arn:aws:wafv2:us-east-1:123456789012:global/webacl/w/1",
        logging_config={"bucket": "logs.s3.amazonaws.com"},
        viewer_certificate={"acm_certificate_arn": "arn:aws:acm:us-east-1:123456789012:certificate/c",
                            "ssl_support_method": "sni-only", "minimum_protocol_version": "TLSv1.2_2021"})
    aws.cloudfront.Distribution(
        "cdn-loose", enabled=True,
        origins=[{**https_origin, "custom_origin_config": {**https_origin["custom_origin_config"],
                                                         "origin_protocol_policy": "http-only",
                                                         "origin_ssl_protocols": ["SSLv3", "TLSv1"]}}],
        default_cache_behavior={**behavior, "viewer_protocol_policy": "allow-all"},
        restrictions=restrictions, viewer_certificate={"cloudfront_default_certificate": True})

    # ECR
    aws.ecr.Repository("repo-hardened", image_tag_mutability="IMMUTABLE",
                       image_scanning_configuration={"scan_on_push": True},
                       encryption_configurations=[{"encryption_type": "KMS"}])
    loose_repo = aws.ecr.Repository("repo-default")
    aws.ecr.RepositoryPolicy("repo-public-push", repository=loose_repo.name, policy=json.dumps(doc(
        {"Effect": "Allow", "Principal": "*", "Action": ["ecr:PutImage", "ecr:InitiateLayerUpload"]})))
    aws.ecr.RepositoryPolicy("repo-account-push", repository=loose_repo.name, policy=json.dumps(doc(
        {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"}, "Action": "ecr:PutImage"})))

    # Redshift: provider defaults (encrypted, private) and the explicit opposites.
    warehouse = aws.redshift.Cluster("wh-default", cluster_identifier="wh-default", node_type="ra3.xlplus",
                                     master_username="admin", manage_master_password=True)
    aws.redshift.Logging("wh-default", cluster_identifier=warehouse.cluster_identifier,
                         log_destination_type="cloudwatch", log_exports=["connectionlog", "userlog"])
    aws.redshift.Cluster("wh-loose", cluster_identifier="wh-loose", node_type="ra3.xlplus", master_username="admin",
                         manage_master_password=True, encrypted="false", publicly_accessible=True)

    # ElastiCache
    aws.elasticache.ReplicationGroup("cache-hardened", description="c", node_type="cache.t4g.micro",
                                     transit_encryption_enabled=True, at_rest_encryption_enabled=True)
    aws.elasticache.ReplicationGroup("cache-default", description="c", node_type="cache.t4g.micro", engine="redis")

    # OpenSearch
    aws.opensearch.Domain("search-hardened", encrypt_at_rest={"enabled": True}, cluster_config={"instance_count": 3},
                          node_to_node_encryption={"enabled": True}, domain_endpoint_options={"enforce_https": True})
    aws.opensearch.Domain("search-loose", domain_endpoint_options={"enforce_https": False},
                          cluster_config={"instance_count": 2})

    # API Gateway
    api = aws.apigateway.RestApi("api")
    logs = aws.cloudwatch.LogGroup("api-access", retention_in_days=90)
    aws.apigateway.Stage("stage-hardened", rest_api=api.id, deployment="d-1", stage_name="prod",
                         xray_tracing_enabled=True,
                         access_log_settings={"destination_arn": logs.arn, "format": "$context.requestId"})
    aws.apigateway.Stage("stage-bare", rest_api=api.id, deployment="d-1", stage_name="dev")
    aws.apigateway.MethodSettings("cache-encrypted", rest_api=api.id, stage_name="prod", method_path="*/*",
                                  settings={"caching_enabled": True, "cache_data_encrypted": True})
    aws.apigateway.MethodSettings("cache-clear", rest_api=api.id, stage_name="dev", method_path="*/*",
                                  settings={"caching_enabled": True})

    # ECS: container definitions as programs write them (json.dumps of a list).
    hardened = [{"name": "app", "image": "app:1", "privileged": False, "readonlyRootFilesystem": True,
                 "secrets": [{"name": "DB_PASSWORD", "valueFrom": "arn:aws:ssm:us-east-1:123456789012:parameter/db"}]}]
    loose = [{"name": "app", "image": "app:1", "privileged": True,
              "environment": [{"name": "DB_PASSWORD", "value": "not-a-real-password"}]}]
    aws.ecs.TaskDefinition("task-hardened", family="app", container_definitions=json.dumps(hardened))
    aws.ecs.TaskDefinition("task-loose", family="app", container_definitions=json.dumps(loose), pid_mode="host")
    aws.ecs.Cluster("ecs-insights", settings=[{"name": "containerInsights", "value": "enabled"}])
    aws.ecs.Cluster("ecs-plain")
    aws.ecs.Service("svc-private", network_configuration={"subnets": ["subnet-1"], "assign_public_ip": False})
    aws.ecs.Service("svc-public", network_configuration={"subnets": ["subnet-1"], "assign_public_ip": True})

    # EKS
    aws.eks.Cluster("eks-hardened", role_arn=f"arn:aws:iam::{ACCOUNT}:role/eks",
                    vpc_config={"subnet_ids": ["subnet-1"], "endpoint_public_access": False,
                                "endpoint_private_access": True},
                    encryption_config={"resources": ["secrets"],
                                       "provider": {"key_arn": f"arn:aws:kms:us-east-1:{ACCOUNT}:key/k"}},
                    enabled_cluster_log_types=["api", "audit", "authenticator", "controllerManager", "scheduler"])
    aws.eks.Cluster("eks-default", role_arn=f"arn:aws:iam::{ACCOUNT}:role/eks",
                    vpc_config={"subnet_ids": ["subnet-1"]}, enabled_cluster_log_types=["api"])

    # Access logs, open methods, public domains, node SSH
    aws.lb.LoadBalancer("alb-logged", subnets=["subnet-1", "subnet-2"], drop_invalid_header_fields=True,
                        access_logs={"bucket": "logs", "enabled": True})
    resource = aws.apigateway.Resource("items", rest_api=api.id, parent_id=api.root_resource_id, path_part="items")
    aws.apigateway.Method("get-iam", rest_api=api.id, resource_id=resource.id, http_method="GET",
                          authorization="AWS_IAM")
    aws.apigateway.Method("post-open", rest_api=api.id, resource_id=resource.id, http_method="POST",
                          authorization="NONE")
    aws.opensearch.Domain("search-vpc", vpc_options={"subnet_ids": ["subnet-1"]})
    aws.eks.NodeGroup("nodes-bastion", cluster_name="k", node_role_arn=f"arn:aws:iam::{ACCOUNT}:role/n",
                      subnet_ids=["subnet-1"], scaling_config={"desired_size": 1, "max_size": 1, "min_size": 1},
                      remote_access={"ec2_ssh_key": "ops", "source_security_group_ids": ["sg-bastion"]})
    aws.eks.NodeGroup("nodes-open", cluster_name="k", node_role_arn=f"arn:aws:iam::{ACCOUNT}:role/n",
                      subnet_ids=["subnet-1"], scaling_config={"desired_size": 1, "max_size": 1, "min_size": 1},
                      remote_access={"ec2_ssh_key": "ops"})

    # Auto Scaling
    aws.autoscaling.Group("asg-hardened", max_size=2, min_size=1, launch_template={"id": "lt-1"},
                          tags=[{"key": "Owner", "value": "team", "propagate_at_launch": True}])
    aws.autoscaling.Group("asg-loose", max_size=2, min_size=1, launch_configuration="lc-1",
                          tags=[{"key": "Owner", "value": "team", "propagate_at_launch": False}])


PROGRAMS: dict[str, tuple[Callable[[], None], dict[str, Any]]] = {
    "s3": (s3_program, {}),
    "s3-account": (s3_account_program, {}),
    "network": (network_program, {}),
    "compute": (compute_program, {}),
    "ebs-default": (ebs_default_program, {}),
    "data": (data_program, {}),
    "security": (security_program, {}),
    "iam": (iam_program, {}),
    "tags": (tags_program, {}),
    "services": (services_program, {}),
    "default-tags": (default_tags_program, {"aws:defaultTags": {"tags": {"CostCentre": "7"}}}),
}

# ---- expectations --------------------------------------------------------------------------------

Case = tuple[str, str, str, FindingStatus]  # program, Terraform type, logical name, status
BUCKET, SG, NACL = "aws_s3_bucket", "aws_security_group", "aws_network_acl"
INSTANCE, TEMPLATE = "aws_instance", "aws_launch_template"
DB, CLUSTER, TRAIL = "aws_db_instance", "aws_rds_cluster", "aws_cloudtrail"
LISTENER, IAM_POLICY, ROLE = "aws_lb_listener", "aws_iam_policy", "aws_iam_role"
ROLE_POLICY = "aws_iam_role_policy"
CDN, REPO, WAREHOUSE = "aws_cloudfront_distribution", "aws_ecr_repository", "aws_redshift_cluster"
CACHE, SEARCH, STAGE = "aws_elasticache_replication_group", "aws_opensearch_domain", "aws_api_gateway_stage"
TASK, ASG = "aws_ecs_task_definition", "aws_autoscaling_group"

CASES: dict[str, tuple[Case, ...]] = {
    "AWS-S3-001": (
        ("s3", BUCKET, "enc-partner", P),
        ("s3", BUCKET, "enc-inline", P),
        ("s3", BUCKET, "enc-v2", P),
        ("s3", BUCKET, "bare", F),
    ),
    "AWS-S3-002": (
        ("s3", BUCKET, "pab-all", P),
        ("s3", BUCKET, "pab-partial", F),
        ("s3", BUCKET, "bare", F),
        ("s3-account", BUCKET, "covered-by-account", P),
    ),
    "AWS-S3-003": (
        ("s3", BUCKET, "tls-json", P),
        ("s3", BUCKET, "tls-invoke", P),
        ("s3", BUCKET, "tls-missing", F),
        ("s3", BUCKET, "bare", F),
    ),
    "AWS-S3-004": (
        ("s3", BUCKET, "ver-enabled", P),
        ("s3", BUCKET, "ver-inline", P),
        ("s3", BUCKET, "ver-suspended", F),
    ),
    "AWS-S3-005": (
        ("s3", BUCKET, "log-partner", P),
        ("s3", BUCKET, "log-inline", P),
        ("s3", BUCKET, "bare", F),
    ),
    "AWS-S3-006": (
        ("s3", BUCKET, "acl-private", P),
        ("s3", BUCKET, "bare", P),
        ("s3", BUCKET, "acl-public", F),
        ("s3", BUCKET, "acl-grant", F),
        ("s3", BUCKET, "acl-inline-grant", F),
    ),
    "AWS-EC2-001": (
        ("network", SG, "web", P),
        ("network", SG, "ssh-open", F),
        ("network", SG, "all-open", F),
        ("network", SG, "rdp-by-rule", F),
        ("network", SG, "ssh-by-vpc-rule", F),
    ),
    "AWS-EC2-002": (
        ("network", SG, "web", P),
        ("network", SG, "ssh-open", P),
        ("network", SG, "all-open", F),
    ),
    "AWS-EC2-014": (
        ("network", SG, "web", P),
        ("network", SG, "http-open", P),
        ("network", SG, "ssh-open", F),
        ("network", SG, "postgres-open", F),
        ("network", SG, "rdp-by-rule", F),
    ),
    "AWS-EC2-015": (
        ("network", SG, "web", P),
        ("network", SG, "postgres-open", P),
        ("network", SG, "http-open", F),
        ("network", SG, "all-open", F),
    ),
    "AWS-EC2-016": (
        ("network", SG, "web", P),
        ("network", SG, "ssh-open", P),
        ("network", SG, "postgres-open", F),
        ("network", SG, "redis-by-vpc-rule", F),
    ),
    "AWS-EC2-003": (
        ("network", "aws_default_security_group", "default-closed", P),
        ("network", "aws_default_security_group", "default-open", F),
    ),
    "AWS-EC2-004": (
        ("network", SG, "web", P),
        ("network", SG, "all-open", F),
        ("network", SG, "egress-by-vpc-rule", F),
    ),
    "AWS-EC2-005": (
        ("network", NACL, "nacl-https", P),
        ("network", NACL, "nacl-ssh", F),
        ("network", NACL, "nacl-all", F),
        ("network", NACL, "nacl-rdp-by-rule", F),
    ),
    "AWS-EC2-006": (
        ("network", NACL, "nacl-https", P),
        ("network", NACL, "nacl-ssh", P),
        ("network", NACL, "nacl-all", F),
    ),
    "AWS-VPC-001": (
        ("network", "aws_vpc", "logged", P),
        ("network", "aws_vpc", "unlogged", F),
    ),
    "AWS-EC2-013": (
        ("network", "aws_subnet", "private", P),
        ("network", "aws_subnet", "public", F),
    ),
    "AWS-EC2-007": (
        ("compute", INSTANCE, "hardened", P),
        ("compute", TEMPLATE, "lt-hardened", P),
        ("compute", INSTANCE, "loose", F),
        ("compute", TEMPLATE, "lt-loose", F),
        ("compute", "aws_launch_configuration", "lc-loose", F),
    ),
    "AWS-EC2-008": (
        ("compute", INSTANCE, "hardened", P),
        ("compute", TEMPLATE, "lt-hardened", P),
        ("compute", INSTANCE, "loose", F),
        ("compute", TEMPLATE, "lt-loose", F),
        ("compute", "aws_launch_configuration", "lc-loose", F),
    ),
    "AWS-EC2-009": (
        ("compute", INSTANCE, "hardened", P),
        ("compute", TEMPLATE, "lt-hardened", P),
        ("compute", INSTANCE, "loose", F),
        ("compute", INSTANCE, "clear-data-volume", F),
        ("compute", TEMPLATE, "lt-loose", F),
    ),
    "AWS-EC2-010": (
        ("compute", "aws_ebs_volume", "vol-encrypted", P),
        ("compute", "aws_ebs_volume", "vol-clear", F),
        ("ebs-default", "aws_ebs_volume", "vol-default", P),
    ),
    "AWS-EC2-011": (
        ("ebs-default", "aws_ebs_encryption_by_default", "on", P),
        ("ebs-default", "aws_ebs_encryption_by_default", "off", F),
    ),
    "AWS-EC2-012": (
        ("compute", INSTANCE, "hardened", P),
        ("compute", TEMPLATE, "lt-hardened", P),
        ("compute", INSTANCE, "loose", F),
        ("compute", TEMPLATE, "lt-loose", F),
    ),
    "AWS-RDS-001": (
        ("data", DB, "db-hardened", P),
        ("data", CLUSTER, "aurora-hardened", P),
        ("data", DB, "db-loose", F),
        ("data", CLUSTER, "aurora-loose", F),
    ),
    "AWS-RDS-002": (
        ("data", DB, "db-hardened", P),
        ("data", "aws_rds_cluster_instance", "aurora-loose-2", P),
        ("data", DB, "db-loose", F),
        ("data", "aws_rds_cluster_instance", "aurora-loose-1", F),
    ),
    "AWS-RDS-003": (
        ("data", DB, "db-hardened", P),
        ("data", CLUSTER, "aurora-hardened", P),
        ("data", DB, "db-loose", F),
        ("data", CLUSTER, "aurora-loose", F),
    ),
    "AWS-RDS-004": (
        ("data", DB, "db-hardened", P),
        ("data", CLUSTER, "aurora-hardened", P),
        ("data", DB, "db-loose", F),
        ("data", CLUSTER, "aurora-loose", F),
    ),
    "AWS-RDS-005": (
        ("data", DB, "db-hardened", P),
        ("data", CLUSTER, "aurora-hardened", P),
        ("data", DB, "db-loose", F),
        ("data", CLUSTER, "aurora-loose", F),
    ),
    "AWS-DDB-001": (
        ("data", "aws_dynamodb_table", "table-hardened", P),
        ("data", "aws_dynamodb_table", "table-loose", F),
    ),
    "AWS-DDB-002": (
        ("data", "aws_dynamodb_table", "table-hardened", P),
        ("data", "aws_dynamodb_table", "table-loose", F),
    ),
    "AWS-EFS-001": (
        ("data", "aws_efs_file_system", "fs-encrypted", P),
        ("data", "aws_efs_file_system", "fs-clear", F),
    ),
    "AWS-KMS-001": (
        ("security", "aws_kms_key", "key-rotated", P),
        ("security", "aws_kms_key", "key-static", F),
    ),
    "AWS-CT-001": (
        ("security", TRAIL, "trail-hardened", P),
        ("security", TRAIL, "trail-loose", F),
    ),
    "AWS-CT-002": (
        ("security", TRAIL, "trail-hardened", P),
        ("security", TRAIL, "trail-loose", F),
    ),
    "AWS-CT-003": (
        ("security", TRAIL, "trail-hardened", P),
        ("security", TRAIL, "trail-loose", F),
    ),
    "AWS-CT-004": (
        ("security", TRAIL, "trail-hardened", P),
        ("security", TRAIL, "trail-loose", F),
    ),
    "AWS-SQS-001": (
        ("security", "aws_sqs_queue", "queue-sse", P),
        ("security", "aws_sqs_queue", "queue-kms", P),
        ("security", "aws_sqs_queue", "queue-clear", F),
    ),
    "AWS-SNS-001": (
        ("security", "aws_sns_topic", "topic-kms", P),
        ("security", "aws_sns_topic", "topic-clear", F),
    ),
    "AWS-ELB-001": (
        ("security", LISTENER, "https-modern", P),
        ("security", LISTENER, "http-redirect", P),
        ("security", LISTENER, "http-forward", F),
    ),
    "AWS-ELB-002": (
        ("security", LISTENER, "https-modern", P),
        ("security", LISTENER, "https-legacy", F),
    ),
    "AWS-ELB-003": (
        ("security", "aws_elb", "classic-tls", P),
        ("security", "aws_elb", "classic-plain", F),
    ),
    "AWS-LAMBDA-001": (
        ("security", "aws_lambda_permission", "perm-s3", P),
        ("security", "aws_lambda_permission", "perm-any-scoped", P),
        ("security", "aws_lambda_permission", "perm-public", F),
    ),
    "AWS-LAMBDA-002": (
        ("security", "aws_lambda_function_url", "url-iam", P),
        ("security", "aws_lambda_function_url", "url-open", F),
    ),
    "AWS-SM-001": (
        ("security", "aws_secretsmanager_secret", "secret-rotated", P),
        ("security", "aws_secretsmanager_secret", "secret-rotated-by-arn", P),
        ("security", "aws_secretsmanager_secret", "secret-static", F),
    ),
    "AWS-IAM-001": (
        ("iam", IAM_POLICY, "scoped", P),
        ("iam", ROLE_POLICY, "role-scoped", P),
        ("iam", IAM_POLICY, "admin-object", F),
        ("iam", ROLE_POLICY, "role-admin", F),
        ("iam", ROLE, "trust-anyone", F),
    ),
    "AWS-IAM-002": (
        ("iam", IAM_POLICY, "scoped", P),
        ("iam", IAM_POLICY, "s3-star-json", F),
    ),
    "AWS-IAM-003": (
        ("iam", IAM_POLICY, "scoped", P),
        ("iam", IAM_POLICY, "read-anywhere", P),
        ("iam", IAM_POLICY, "write-anywhere", F),
    ),
    "AWS-IAM-004": (
        ("iam", "aws_iam_policy_attachment", "to-group", P),
        ("iam", "aws_iam_policy_attachment", "to-user", F),
        ("iam", "aws_iam_user_policy", "user-inline", F),
        ("iam", "aws_iam_user_policy_attachment", "user-attached", F),
    ),
    "AWS-IAM-005": (
        ("iam", IAM_POLICY, "scoped", P),
        ("iam", "aws_iam_group_policy", "group-scoped", P),
        ("iam", IAM_POLICY, "escalation", F),
    ),
    "AWS-IAM-006": (
        ("iam", "aws_s3_bucket_policy", "private-account", P),
        ("iam", ROLE, "trusted", P),
        ("iam", "aws_s3_bucket_policy", "data-public", F),
        ("iam", ROLE, "trust-anyone", F),
        ("iam", "aws_kms_key_policy", "key-public", F),
        ("security", "aws_kms_key", "key-account", P),
        ("security", "aws_kms_key", "key-public", F),
        ("security", "aws_sqs_queue_policy", "queue-public", F),
        ("security", "aws_sns_topic_policy", "topic-scoped", P),
        ("security", ROLE, "trail-to-logs", P),
    ),
    "AWS-IAM-007": (
        ("iam", IAM_POLICY, "scoped", P),
        ("iam", IAM_POLICY, "not-action", F),
    ),
    "AWS-IAM-008": (
        ("iam", IAM_POLICY, "scoped", P),
        ("iam", ROLE, "trusted", P),
        ("iam", IAM_POLICY, "unversioned", F),
        ("iam", IAM_POLICY, "home-unversioned", F),
    ),
    "AWS-TAG-001": (
        ("tags", BUCKET, "tagged", P),
        ("tags", BUCKET, "half-tagged", F),
        ("tags", "aws_vpc", "untagged", F),
        ("tags", "aws_s3_bucket_object", "object-untagged", F),
        ("tags", "aws_s3_object", "object-tagged", P),
        ("tags", "aws_kinesis_stream", "stream-untagged", F),
        ("default-tags", BUCKET, "tagged-by-provider", P),
    ),
    "AWS-S3-007": (("services", BUCKET, "org-shared", P), ("services", BUCKET, "site-public", F)),
    "AWS-S3-008": (("services", BUCKET, "sse-kms", P), ("services", BUCKET, "sse-s3", F)),
    "AWS-CT-005": (("services", TRAIL, "trail-on", P), ("services", TRAIL, "trail-stopped", F)),
    "AWS-DDB-003": (
        ("services", "aws_dynamodb_table", "table-cmk", P),
        ("services", "aws_dynamodb_table", "table-aws-key", F),
    ),
    "AWS-ELB-004": (
        ("services", "aws_load_balancer_policy", "policy-tls12", P),
        ("services", "aws_load_balancer_policy", "policy-tlsv1", F),
    ),
    "AWS-ELB-005": (("services", "aws_lb", "alb-strict", P), ("services", "aws_lb", "alb-default", F)),
    **dict.fromkeys(
        ("AWS-CF-001", "AWS-CF-002", "AWS-CF-003", "AWS-CF-004", "AWS-CF-005", "AWS-CF-006"),
        (("services", CDN, "cdn-hardened", P), ("services", CDN, "cdn-loose", F)),
    ),
    **dict.fromkeys(
        ("AWS-ECR-001", "AWS-ECR-002", "AWS-ECR-003"),
        (("services", REPO, "repo-hardened", P), ("services", REPO, "repo-default", F)),
    ),
    "AWS-ECR-004": (
        ("services", "aws_ecr_repository_policy", "repo-account-push", P),
        ("services", "aws_ecr_repository_policy", "repo-public-push", F),
    ),
    **dict.fromkeys(
        ("AWS-RS-001", "AWS-RS-002", "AWS-RS-003"),
        (("services", WAREHOUSE, "wh-default", P), ("services", WAREHOUSE, "wh-loose", F)),
    ),
    **dict.fromkeys(
        ("AWS-EC-001", "AWS-EC-002"),
        (("services", CACHE, "cache-hardened", P), ("services", CACHE, "cache-default", F)),
    ),
    **dict.fromkeys(
        ("AWS-OS-001", "AWS-OS-002", "AWS-OS-003"),
        (("services", SEARCH, "search-hardened", P), ("services", SEARCH, "search-loose", F)),
    ),
    **dict.fromkeys(
        ("AWS-APIGW-001", "AWS-APIGW-002"),
        (("services", STAGE, "stage-hardened", P), ("services", STAGE, "stage-bare", F)),
    ),
    "AWS-APIGW-003": (
        ("services", "aws_api_gateway_method_settings", "cache-encrypted", P),
        ("services", "aws_api_gateway_method_settings", "cache-clear", F),
    ),
    **dict.fromkeys(
        ("AWS-ECS-001", "AWS-ECS-002", "AWS-ECS-004"),
        (("services", TASK, "task-hardened", P), ("services", TASK, "task-loose", F)),
    ),
    "AWS-ECS-003": (("services", TASK, "task-hardened", P), ("services", TASK, "task-loose", F)),
    "AWS-ELB-006": (("services", "aws_lb", "alb-logged", P), ("services", "aws_lb", "alb-default", F)),
    "AWS-APIGW-004": (
        ("services", "aws_api_gateway_method", "get-iam", P),
        ("services", "aws_api_gateway_method", "post-open", F),
    ),
    "AWS-OS-004": (("services", SEARCH, "search-vpc", P), ("services", SEARCH, "search-loose", F)),
    "AWS-EKS-004": (
        ("services", "aws_eks_node_group", "nodes-bastion", P),
        ("services", "aws_eks_node_group", "nodes-open", F),
    ),
    "AWS-ECS-005": (
        ("services", "aws_ecs_cluster", "ecs-insights", P),
        ("services", "aws_ecs_cluster", "ecs-plain", F),
    ),
    "AWS-ECS-006": (
        ("services", "aws_ecs_service", "svc-private", P),
        ("services", "aws_ecs_service", "svc-public", F),
    ),
    **dict.fromkeys(
        ("AWS-EKS-001", "AWS-EKS-002", "AWS-EKS-003"),
        (("services", "aws_eks_cluster", "eks-hardened", P), ("services", "aws_eks_cluster", "eks-default", F)),
    ),
    **dict.fromkeys(
        ("AWS-ASG-001", "AWS-ASG-002"),
        (("services", ASG, "asg-hardened", P), ("services", ASG, "asg-loose", F)),
    ),
}


@pytest.fixture(scope="module")
def stack() -> Callable[[str], PulumiResources]:
    """Each program runs once, on first use, under a fresh set of recording mocks."""
    runs: dict[str, PulumiResources] = {}

    def get(program: str) -> PulumiResources:
        if program not in runs:
            function, config = PROGRAMS[program]
            runs[program] = PulumiMocks().run(function, config=config)
        return runs[program]

    return get


def _outcomes(
    item: Policy, resources: PulumiResources
) -> dict[tuple[str, str], tuple[FindingStatus, str]]:
    outcomes: dict[tuple[str, str], tuple[FindingStatus, str]] = {}
    for finding in evaluate(resources, [item], SETTINGS):
        resource = resources.by_address(finding.address)
        assert resource is not None, finding.address
        outcomes[(resource.type, resource.name)] = (finding.status, finding.message)
    return outcomes


@pytest.mark.parametrize("policy_id", sorted(CASES))
def test_rule_on_pulumi_program(policy_id: str, stack: Callable[[str], PulumiResources]) -> None:
    item = REGISTRY[policy_id]
    expected: dict[tuple[str, str, str], str | None] = {}
    actual: dict[tuple[str, str, str], str | None] = {}
    messages: dict[tuple[str, str, str], str] = {}
    for program in dict.fromkeys(case[0] for case in CASES[policy_id]):
        outcomes = _outcomes(item, stack(program))
        # Every value is known in a run (not a preview): nothing may end up "cannot evaluate".
        undecided = {k: m for k, (s, m) in outcomes.items() if s is FindingStatus.UNKNOWN}
        assert not undecided, f"{policy_id} cannot evaluate in {program}: {undecided}"
        for case_program, rtype, name, status in CASES[policy_id]:
            if case_program != program:
                continue
            key = (program, rtype, name)
            expected[key] = status.value
            found = outcomes.get((rtype, name))
            actual[key] = found[0].value if found else None
            messages[key] = found[1] if found else "no finding"
    assert actual == expected, {k: messages[k] for k in actual if actual[k] != expected[k]}


def _covered() -> set[str]:
    """Rules whose resource types a Pulumi program can declare (``*`` reads every resource)."""
    return {
        item.id
        for item in REGISTRY
        if item.applies_to_all() or any(pulumi_tokens(t) for t in item.resource_types)
    }


def test_every_pulumi_covered_rule_has_a_passed_and_a_failed_case() -> None:
    from tests.pulumi.test_secret_rules_on_pulumi import EXERCISED

    covered = _covered() - EXERCISED
    assert set(CASES) <= covered, sorted(set(CASES) - covered)
    missing = {
        rule: sorted({s.value for *_, s in CASES.get(rule, ())} ^ {P.value, F.value})
        for rule in sorted(covered)
        if {s for *_, s in CASES.get(rule, ())} != {P, F}
    }
    assert not missing, f"rules without a passed and a failed Pulumi case: {missing}"


def test_every_type_the_pack_reads_is_mapped() -> None:
    unmapped = {
        (item.id, rtype)
        for item in REGISTRY
        if not item.applies_to_all()
        for rtype in item.resource_types
        if rtype not in CONFIG_TYPES and not pulumi_tokens(TERRAFORM_ALIASES.get(rtype, rtype))
    }
    assert not unmapped


def test_every_case_names_a_resource_its_program_declares(
    stack: Callable[[str], PulumiResources],
) -> None:
    absent = [
        case
        for cases in CASES.values()
        for case in cases
        if not any(r.type == case[1] and r.name == case[2] for r in stack(case[0]))
    ]
    assert not absent


@pytest.mark.parametrize(
    ("program", "partner", "key", "target", "attribute"),
    [
        ("s3", ("aws_s3_bucket_public_access_block", "pab-all"), "bucket", (BUCKET, "pab-all"), "id"),
        ("network", ("aws_flow_log", "logged"), "vpc_id", ("aws_vpc", "logged"), "id"),
        (
            "network",
            ("aws_network_acl_rule", "nacl-rdp-by-rule"),
            "network_acl_id",
            (NACL, "nacl-rdp-by-rule"),
            "id",
        ),
        (
            "security",
            ("aws_secretsmanager_secret_rotation", "secret-rotated"),
            "secret_id",
            ("aws_secretsmanager_secret", "secret-rotated"),
            "id",
        ),
        ("iam", ("aws_iam_user_policy", "user-inline"), "user", ("aws_iam_user", "alice"), "name"),
        ("iam", ("aws_iam_group_policy", "group-scoped"), "group", ("aws_iam_group", "ops"), "name"),
    ],
)
def test_outputs_link_partners_by_the_literal_ids_the_mocks_hand_back(
    stack: Callable[[str], PulumiResources],
    program: str,
    partner: tuple[str, str],
    key: str,
    target: tuple[str, str],
    attribute: str,
) -> None:
    resources = stack(program)
    (source,) = [r for r in resources if (r.type, r.name) == partner]
    (linked,) = [r for r in resources if (r.type, r.name) == target]
    value = linked.get(attribute)
    assert isinstance(value, str)
    assert value
    assert source.get(key) == value
