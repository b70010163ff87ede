"""Compliant and non-compliant cases for the CloudFront, ECR, Redshift, ElastiCache, OpenSearch, API Gateway,
ECS, EKS, Auto Scaling rules and the S3, CloudTrail, DynamoDB and ELB additions.

Every case runs twice: as cdktf JSON (``resource`` blocks) and as ``terraform show -json`` plan JSON with the
same values, so each rule is proven on both Terraform forms (the Pulumi form is in
tests/pulumi/test_pack_on_pulumi.py). An unset attribute is a case of its own wherever the provider's default
decides the outcome.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from collections.abc import Callable

P, F, U, NA = "passed", "failed", "unknown", None
VAR = "${var.flag}"


def one(rtype: str, label: str = "r", /, **props: Any) -> dict[str, dict[str, Any]]:
    return {rtype: {label: props}}


def merge(*parts: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    merged: dict[str, dict[str, Any]] = {}
    for part in parts:
        for rtype, blocks in part.items():
            merged.setdefault(rtype, {}).update(blocks)
    return merged


def doc(*statements: dict[str, Any]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


CF = "aws_cloudfront_distribution"
CF_ADDR = f"{CF}.r"
ORIGIN_HTTPS = {
    "domain_name": "app.example.com",
    "origin_id": "app",
    "custom_origin_config": [
        {"http_port": 80, "https_port": 443, "origin_protocol_policy": "https-only",
         "origin_ssl_protocols": ["TLSv1.2"]}
    ],
}
ORIGIN_HTTP = {
    "domain_name": "app.example.com",
    "origin_id": "app",
    "custom_origin_config": [
        {"http_port": 80, "https_port": 443, "origin_protocol_policy": "http-only",
         "origin_ssl_protocols": ["SSLv3", "TLSv1.2"]}
    ],
}
S3_ORIGIN = {"domain_name": "b.s3.amazonaws.com", "origin_id": "s3", "origin_access_control_id": "oac"}
BEHAVIOR_HTTPS = {"target_origin_id": "app", "viewer_protocol_policy": "redirect-to-https",
                  "allowed_methods": ["GET", "HEAD"], "cached_methods": ["GET", "HEAD"]}
BEHAVIOR_ALLOW_ALL = {**BEHAVIOR_HTTPS, "viewer_protocol_policy": "allow-all"}
CERT_TLS12 = [{"acm_certificate_arn": "arn:aws:acm:us-east-1:1:certificate/c", "ssl_support_method": "sni-only",
               "minimum_protocol_version": "TLSv1.2_2021"}]


def distribution(**props: Any) -> dict[str, dict[str, Any]]:
    base: dict[str, Any] = {
        "enabled": True,
        "origin": [ORIGIN_HTTPS],
        "default_cache_behavior": [BEHAVIOR_HTTPS],
        "restrictions": [{"geo_restriction": [{"restriction_type": "none"}]}],
        "viewer_certificate": CERT_TLS12,
        "web_acl_id": "arn:aws:wafv2:us-east-1:1:global/webacl/w/1",
        "logging_config": [{"bucket": "logs.s3.amazonaws.com"}],
    }
    return one(CF, "r", **{**base, **props})


PUBLIC_READ = doc({"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*"})
ORG_READ = doc(
    {"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*",
     "Condition": {"StringEquals": {"aws:PrincipalOrgID": "o-123"}}}
)
PUBLIC_WRITE = doc({"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": ["ecr:PutImage", "ecr:BatchGetImage"]})
PUBLIC_PULL = doc({"Effect": "Allow", "Principal": "*", "Action": ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"]})
KMS_SSE = {"rule": [{"apply_server_side_encryption_by_default": [{"sse_algorithm": "aws:kms"}]}]}
S3_SSE = {"rule": [{"apply_server_side_encryption_by_default": [{"sse_algorithm": "AES256"}]}]}


def containers(*definitions: dict[str, Any]) -> str:
    return json.dumps([{"name": f"c{i}", "image": "nginx", **d} for i, d in enumerate(definitions)])


def task(**props: Any) -> dict[str, dict[str, Any]]:
    return one("aws_ecs_task_definition", "r", family="app", **props)


TD = "aws_ecs_task_definition.r"
HARDENED = {"privileged": False, "readonlyRootFilesystem": True,
            "secrets": [{"name": "DB_PASSWORD", "valueFrom": "arn:aws:secretsmanager:us-east-1:1:secret:db"}],
            "environment": [{"name": "LOG_LEVEL", "value": "info"}]}
VPC_PRIVATE = [{"subnet_ids": ["subnet-1"], "endpoint_public_access": False, "endpoint_private_access": True}]
ALL_LOGS = ["api", "audit", "authenticator", "controllerManager", "scheduler"]

CASES: list[tuple[str, str, dict[str, Any], dict[str, str | None]]] = [
    # --- S3 -----------------------------------------------------------------------------------------
    ("s3-policy-public-read", "AWS-S3-007",
     merge(one("aws_s3_bucket", "b", bucket="b-bucket"), one("aws_s3_bucket_policy", "p", bucket="b-bucket",
                                                              policy=PUBLIC_READ)),
     {"aws_s3_bucket.b": F}),
    ("s3-policy-org-read", "AWS-S3-007",
     merge(one("aws_s3_bucket", "b", bucket="b-bucket"), one("aws_s3_bucket_policy", "p", bucket="b-bucket",
                                                              policy=ORG_READ)),
     {"aws_s3_bucket.b": P}),
    ("s3-no-policy", "AWS-S3-007", one("aws_s3_bucket", "b", bucket="b-bucket"), {"aws_s3_bucket.b": P}),
    ("s3-inline-policy-unknown", "AWS-S3-007", one("aws_s3_bucket", "b", bucket="b-bucket", policy=VAR),
     {"aws_s3_bucket.b": U}),
    ("s3-kms-partner", "AWS-S3-008",
     merge(one("aws_s3_bucket", "b", bucket="b-bucket"),
           one("aws_s3_bucket_server_side_encryption_configuration", "e", bucket="b-bucket", **KMS_SSE)),
     {"aws_s3_bucket.b": P}),
    ("s3-sse-s3", "AWS-S3-008",
     merge(one("aws_s3_bucket", "b", bucket="b-bucket"),
           one("aws_s3_bucket_server_side_encryption_configuration", "e", bucket="b-bucket", **S3_SSE)),
     {"aws_s3_bucket.b": F}),
    ("s3-no-encryption-config", "AWS-S3-008", one("aws_s3_bucket", "b", bucket="b-bucket"), {"aws_s3_bucket.b": F}),
    # --- CloudTrail, DynamoDB ---------------------------------------------------------------------------
    ("trail-logging-default", "AWS-CT-005", one("aws_cloudtrail", "t", name="t", s3_bucket_name="l"),
     {"aws_cloudtrail.t": P}),
    ("trail-logging-stopped", "AWS-CT-005",
     one("aws_cloudtrail", "t", name="t", s3_bucket_name="l", enable_logging=False), {"aws_cloudtrail.t": F}),
    ("ddb-cmk", "AWS-DDB-003",
     one("aws_dynamodb_table", "t", name="t", hash_key="pk",
         server_side_encryption=[{"enabled": True, "kms_key_arn": "arn:aws:kms:us-east-1:1:key/k"}]),
     {"aws_dynamodb_table.t": P}),
    ("ddb-aws-managed", "AWS-DDB-003",
     one("aws_dynamodb_table", "t", name="t", hash_key="pk", server_side_encryption=[{"enabled": True}]),
     {"aws_dynamodb_table.t": F}),
    ("ddb-owned-key", "AWS-DDB-003", one("aws_dynamodb_table", "t", name="t", hash_key="pk"),
     {"aws_dynamodb_table.t": F}),
    # --- ELB ------------------------------------------------------------------------------------------
    ("elb-policy-tls12", "AWS-ELB-004",
     one("aws_load_balancer_policy", "p", load_balancer_name="web", policy_name="tls",
         policy_type_name="SSLNegotiationPolicyType",
         policy_attribute=[{"name": "Reference-Security-Policy", "value": "ELBSecurityPolicy-TLS-1-2-2017-01"}]),
     {"aws_load_balancer_policy.p": P}),
    ("elb-policy-tlsv1", "AWS-ELB-004",
     one("aws_load_balancer_policy", "p", load_balancer_name="web", policy_name="tls",
         policy_type_name="SSLNegotiationPolicyType",
         policy_attribute=[{"name": "Protocol-TLSv1", "value": "true"}, {"name": "Protocol-TLSv1.2", "value": "true"}]),
     {"aws_load_balancer_policy.p": F}),
    ("elb-policy-old-reference", "AWS-ELB-004",
     one("aws_load_balancer_policy", "p", load_balancer_name="web", policy_name="tls",
         policy_type_name="SSLNegotiationPolicyType",
         policy_attribute=[{"name": "Reference-Security-Policy", "value": "ELBSecurityPolicy-2016-08"}]),
     {"aws_load_balancer_policy.p": F}),
    ("alb-drops-headers", "AWS-ELB-005", one("aws_lb", "a", name="a", drop_invalid_header_fields=True),
     {"aws_lb.a": P}),
    ("alb-default-forwards-headers", "AWS-ELB-005", one("aws_lb", "a", name="a"), {"aws_lb.a": F}),
    ("alb-alias-type", "AWS-ELB-005", one("aws_alb", "a", name="a", drop_invalid_header_fields=False),
     {"aws_alb.a": F}),
    ("nlb-not-applicable", "AWS-ELB-005", one("aws_lb", "n", name="n", load_balancer_type="network"),
     {"aws_lb.n": NA}),
    # --- CloudFront -------------------------------------------------------------------------------------
    ("cf-hardened", "AWS-CF-001", distribution(), {CF_ADDR: P}),
    ("cf-allow-all-ordered", "AWS-CF-001",
     distribution(ordered_cache_behavior=[{**BEHAVIOR_ALLOW_ALL, "path_pattern": "/img/*"}]), {CF_ADDR: F}),
    ("cf-allow-all-unknown", "AWS-CF-001",
     distribution(default_cache_behavior=[{**BEHAVIOR_HTTPS, "viewer_protocol_policy": VAR}]), {CF_ADDR: U}),
    ("cf-origin-https", "AWS-CF-002", distribution(origin=[ORIGIN_HTTPS, S3_ORIGIN]), {CF_ADDR: P}),
    ("cf-origin-http", "AWS-CF-002", distribution(origin=[ORIGIN_HTTP]), {CF_ADDR: F}),
    ("cf-tls12", "AWS-CF-003", distribution(), {CF_ADDR: P}),
    ("cf-default-certificate", "AWS-CF-003",
     distribution(viewer_certificate=[{"cloudfront_default_certificate": True}]), {CF_ADDR: F}),
    ("cf-tls1-policy", "AWS-CF-003",
     distribution(viewer_certificate=[{**CERT_TLS12[0], "minimum_protocol_version": "TLSv1_2016"}]), {CF_ADDR: F}),
    ("cf-version-unset", "AWS-CF-003",
     distribution(viewer_certificate=[{"acm_certificate_arn": "arn", "ssl_support_method": "sni-only"}]),
     {CF_ADDR: F}),
    ("cf-waf", "AWS-CF-004", distribution(), {CF_ADDR: P}),
    ("cf-no-waf", "AWS-CF-004", distribution(web_acl_id=None), {CF_ADDR: F}),
    ("cf-logged", "AWS-CF-005", distribution(), {CF_ADDR: P}),
    ("cf-not-logged", "AWS-CF-005", distribution(logging_config=None), {CF_ADDR: F}),
    ("cf-origin-tls12", "AWS-CF-006", distribution(), {CF_ADDR: P}),
    ("cf-origin-sslv3", "AWS-CF-006", distribution(origin=[ORIGIN_HTTP]), {CF_ADDR: F}),
    ("cf-s3-origin-only", "AWS-CF-006", distribution(origin=[S3_ORIGIN]), {CF_ADDR: NA}),
    # --- ECR ----------------------------------------------------------------------------------------------
    ("ecr-scan", "AWS-ECR-001",
     one("aws_ecr_repository", "r", name="app", image_scanning_configuration=[{"scan_on_push": True}]),
     {"aws_ecr_repository.r": P}),
    ("ecr-no-scan-default", "AWS-ECR-001", one("aws_ecr_repository", "r", name="app"), {"aws_ecr_repository.r": F}),
    ("ecr-immutable", "AWS-ECR-002", one("aws_ecr_repository", "r", name="app", image_tag_mutability="IMMUTABLE"),
     {"aws_ecr_repository.r": P}),
    ("ecr-mutable-default", "AWS-ECR-002", one("aws_ecr_repository", "r", name="app"), {"aws_ecr_repository.r": F}),
    ("ecr-mutable-unknown", "AWS-ECR-002", one("aws_ecr_repository", "r", name="app", image_tag_mutability=VAR),
     {"aws_ecr_repository.r": U}),
    ("ecr-kms", "AWS-ECR-003",
     one("aws_ecr_repository", "r", name="app", encryption_configuration=[{"encryption_type": "KMS"}]),
     {"aws_ecr_repository.r": P}),
    ("ecr-aes-default", "AWS-ECR-003", one("aws_ecr_repository", "r", name="app"), {"aws_ecr_repository.r": F}),
    ("ecr-policy-public-push", "AWS-ECR-004",
     one("aws_ecr_repository_policy", "p", repository="app", policy=PUBLIC_WRITE),
     {"aws_ecr_repository_policy.p": F}),
    ("ecr-policy-public-pull", "AWS-ECR-004",
     one("aws_ecr_repository_policy", "p", repository="app", policy=PUBLIC_PULL),
     {"aws_ecr_repository_policy.p": P}),
    # --- Redshift -----------------------------------------------------------------------------------------
    ("rs-default-encrypted", "AWS-RS-001", one("aws_redshift_cluster", "c", cluster_identifier="c"),
     {"aws_redshift_cluster.c": P}),
    ("rs-unencrypted", "AWS-RS-001", one("aws_redshift_cluster", "c", cluster_identifier="c", encrypted="false"),
     {"aws_redshift_cluster.c": F}),
    ("rs-default-private", "AWS-RS-002", one("aws_redshift_cluster", "c", cluster_identifier="c"),
     {"aws_redshift_cluster.c": P}),
    ("rs-public", "AWS-RS-002", one("aws_redshift_cluster", "c", cluster_identifier="c", publicly_accessible=True),
     {"aws_redshift_cluster.c": F}),
    ("rs-logging-partner", "AWS-RS-003",
     merge(one("aws_redshift_cluster", "c", cluster_identifier="wh"),
           one("aws_redshift_logging", "l", cluster_identifier="wh", log_destination_type="cloudwatch")),
     {"aws_redshift_cluster.c": P}),
    ("rs-no-logging", "AWS-RS-003", one("aws_redshift_cluster", "c", cluster_identifier="wh"),
     {"aws_redshift_cluster.c": F}),
    # --- ElastiCache ------------------------------------------------------------------------------------
    ("ec-transit", "AWS-EC-001",
     one("aws_elasticache_replication_group", "g", replication_group_id="g", description="d",
         transit_encryption_enabled=True), {"aws_elasticache_replication_group.g": P}),
    ("ec-transit-default", "AWS-EC-001",
     one("aws_elasticache_replication_group", "g", replication_group_id="g", description="d"),
     {"aws_elasticache_replication_group.g": F}),
    ("ec-rest", "AWS-EC-002",
     one("aws_elasticache_replication_group", "g", replication_group_id="g", description="d",
         at_rest_encryption_enabled=True), {"aws_elasticache_replication_group.g": P}),
    ("ec-rest-redis-default", "AWS-EC-002",
     one("aws_elasticache_replication_group", "g", replication_group_id="g", description="d", engine="redis"),
     {"aws_elasticache_replication_group.g": F}),
    ("ec-rest-valkey-default", "AWS-EC-002",
     one("aws_elasticache_replication_group", "g", replication_group_id="g", description="d", engine="valkey"),
     {"aws_elasticache_replication_group.g": P}),
    # --- OpenSearch ---------------------------------------------------------------------------------------
    ("os-rest", "AWS-OS-001", one("aws_opensearch_domain", "d", domain_name="d", encrypt_at_rest=[{"enabled": True}]),
     {"aws_opensearch_domain.d": P}),
    ("os-rest-default", "AWS-OS-001", one("aws_opensearch_domain", "d", domain_name="d"),
     {"aws_opensearch_domain.d": F}),
    ("es-rest-off", "AWS-OS-001",
     one("aws_elasticsearch_domain", "d", domain_name="d", encrypt_at_rest=[{"enabled": False}]),
     {"aws_elasticsearch_domain.d": F}),
    ("os-n2n", "AWS-OS-002",
     one("aws_opensearch_domain", "d", domain_name="d", cluster_config=[{"instance_count": 3}],
         node_to_node_encryption=[{"enabled": True}]),
     {"aws_opensearch_domain.d": P}),
    ("os-n2n-default", "AWS-OS-002",
     one("aws_opensearch_domain", "d", domain_name="d", cluster_config=[{"instance_count": 3}]),
     {"aws_opensearch_domain.d": F}),
    ("os-n2n-single-node", "AWS-OS-002", one("aws_opensearch_domain", "d", domain_name="d"),
     {"aws_opensearch_domain.d": NA}),
    ("os-n2n-count-unknown", "AWS-OS-002",
     one("aws_opensearch_domain", "d", domain_name="d", cluster_config=[{"instance_count": "${var.nodes}"}]),
     {"aws_opensearch_domain.d": U}),
    ("os-https-default", "AWS-OS-003", one("aws_opensearch_domain", "d", domain_name="d"),
     {"aws_opensearch_domain.d": P}),
    ("os-http-allowed", "AWS-OS-003",
     one("aws_opensearch_domain", "d", domain_name="d", domain_endpoint_options=[{"enforce_https": False}]),
     {"aws_opensearch_domain.d": F}),
    # --- API Gateway --------------------------------------------------------------------------------------
    ("apigw-access-log", "AWS-APIGW-001",
     one("aws_api_gateway_stage", "s", stage_name="prod", rest_api_id="a", deployment_id="d",
         access_log_settings=[{"destination_arn": "arn:aws:logs:us-east-1:1:log-group:api", "format": "$context"}]),
     {"aws_api_gateway_stage.s": P}),
    ("apigw-no-access-log", "AWS-APIGW-001",
     one("aws_api_gateway_stage", "s", stage_name="prod", rest_api_id="a", deployment_id="d"),
     {"aws_api_gateway_stage.s": F}),
    ("apigwv2-no-access-log", "AWS-APIGW-001", one("aws_apigatewayv2_stage", "s", name="$default", api_id="a"),
     {"aws_apigatewayv2_stage.s": F}),
    ("apigw-xray", "AWS-APIGW-002",
     one("aws_api_gateway_stage", "s", stage_name="prod", rest_api_id="a", deployment_id="d",
         xray_tracing_enabled=True), {"aws_api_gateway_stage.s": P}),
    ("apigw-xray-default", "AWS-APIGW-002",
     one("aws_api_gateway_stage", "s", stage_name="prod", rest_api_id="a", deployment_id="d"),
     {"aws_api_gateway_stage.s": F}),
    ("apigw-cache-encrypted", "AWS-APIGW-003",
     one("aws_api_gateway_method_settings", "m", rest_api_id="a", stage_name="prod", method_path="*/*",
         settings=[{"caching_enabled": True, "cache_data_encrypted": True}]),
     {"aws_api_gateway_method_settings.m": P}),
    ("apigw-cache-clear", "AWS-APIGW-003",
     one("aws_api_gateway_method_settings", "m", rest_api_id="a", stage_name="prod", method_path="*/*",
         settings=[{"caching_enabled": True}]),
     {"aws_api_gateway_method_settings.m": F}),
    ("apigw-no-cache", "AWS-APIGW-003",
     one("aws_api_gateway_method_settings", "m", rest_api_id="a", stage_name="prod", method_path="*/*",
         settings=[{"metrics_enabled": True}]),
     {"aws_api_gateway_method_settings.m": NA}),
    # --- ECS ----------------------------------------------------------------------------------------------
    ("ecs-unprivileged", "AWS-ECS-001", task(container_definitions=containers(HARDENED)), {TD: P}),
    ("ecs-privileged", "AWS-ECS-001", task(container_definitions=containers(HARDENED, {"privileged": True})),
     {TD: F}),
    ("ecs-definitions-unknown", "AWS-ECS-001", task(container_definitions="${var.containers}"), {TD: U}),
    ("ecs-secrets-from-store", "AWS-ECS-002", task(container_definitions=containers(HARDENED)), {TD: P}),
    ("ecs-plaintext-password", "AWS-ECS-002",
     task(container_definitions=containers({"environment": [{"name": "DB_PASSWORD", "value": "hunter2"}]})),
     {TD: F}),
    ("ecs-read-only", "AWS-ECS-003", task(container_definitions=containers(HARDENED)), {TD: P}),
    ("ecs-writable-default", "AWS-ECS-003", task(container_definitions=containers({})), {TD: F}),
    ("ecs-task-pid", "AWS-ECS-004", task(container_definitions=containers(HARDENED), pid_mode="task"), {TD: P}),
    ("ecs-host-pid", "AWS-ECS-004", task(container_definitions=containers(HARDENED), pid_mode="host"), {TD: F}),
    ("ecs-insights", "AWS-ECS-005",
     one("aws_ecs_cluster", "c", name="c", setting=[{"name": "containerInsights", "value": "enabled"}]),
     {"aws_ecs_cluster.c": P}),
    ("ecs-no-insights", "AWS-ECS-005", one("aws_ecs_cluster", "c", name="c"), {"aws_ecs_cluster.c": F}),
    ("ecs-service-private", "AWS-ECS-006",
     one("aws_ecs_service", "s", name="s", network_configuration=[{"subnets": ["subnet-1"]}]),
     {"aws_ecs_service.s": P}),
    ("ecs-service-public-ip", "AWS-ECS-006",
     one("aws_ecs_service", "s", name="s",
         network_configuration=[{"subnets": ["subnet-1"], "assign_public_ip": True}]),
     {"aws_ecs_service.s": F}),
    # --- EKS ----------------------------------------------------------------------------------------------
    ("eks-private", "AWS-EKS-001", one("aws_eks_cluster", "k", name="k", role_arn="r", vpc_config=VPC_PRIVATE),
     {"aws_eks_cluster.k": P}),
    ("eks-public-default", "AWS-EKS-001",
     one("aws_eks_cluster", "k", name="k", role_arn="r", vpc_config=[{"subnet_ids": ["subnet-1"]}]),
     {"aws_eks_cluster.k": F}),
    ("eks-secrets", "AWS-EKS-002",
     one("aws_eks_cluster", "k", name="k", role_arn="r", vpc_config=VPC_PRIVATE,
         encryption_config=[{"resources": ["secrets"], "provider": [{"key_arn": "arn:aws:kms:us-east-1:1:key/k"}]}]),
     {"aws_eks_cluster.k": P}),
    ("eks-no-secrets-encryption", "AWS-EKS-002",
     one("aws_eks_cluster", "k", name="k", role_arn="r", vpc_config=VPC_PRIVATE), {"aws_eks_cluster.k": F}),
    ("eks-all-logs", "AWS-EKS-003",
     one("aws_eks_cluster", "k", name="k", role_arn="r", vpc_config=VPC_PRIVATE, enabled_cluster_log_types=ALL_LOGS),
     {"aws_eks_cluster.k": P}),
    ("eks-some-logs", "AWS-EKS-003",
     one("aws_eks_cluster", "k", name="k", role_arn="r", vpc_config=VPC_PRIVATE,
         enabled_cluster_log_types=["api"]),
     {"aws_eks_cluster.k": F}),
    # --- Auto Scaling -------------------------------------------------------------------------------------
    ("asg-propagates", "AWS-ASG-001",
     one("aws_autoscaling_group", "g", max_size=2, min_size=1,
         tag=[{"key": "Owner", "value": "team", "propagate_at_launch": True}]),
     {"aws_autoscaling_group.g": P}),
    ("asg-tag-not-propagated", "AWS-ASG-001",
     one("aws_autoscaling_group", "g", max_size=2, min_size=1,
         tag=[{"key": "Owner", "value": "team", "propagate_at_launch": False}]),
     {"aws_autoscaling_group.g": F}),
    ("asg-no-tags", "AWS-ASG-001", one("aws_autoscaling_group", "g", max_size=2, min_size=1),
     {"aws_autoscaling_group.g": F}),
    ("asg-template", "AWS-ASG-002",
     one("aws_autoscaling_group", "g", max_size=2, min_size=1, launch_template=[{"id": "lt-1"}]),
     {"aws_autoscaling_group.g": P}),
    ("asg-launch-configuration", "AWS-ASG-002",
     one("aws_autoscaling_group", "g", max_size=2, min_size=1, launch_configuration="lc"),
     {"aws_autoscaling_group.g": F}),
    # --- access logs, open methods, public domains, node SSH, match-viewer origins -------------------------
    ("alb-logged", "AWS-ELB-006", one("aws_lb", "a", name="a", access_logs=[{"bucket": "logs", "enabled": True}]),
     {"aws_lb.a": P}),
    ("alb-logs-block-off-by-default", "AWS-ELB-006", one("aws_lb", "a", name="a", access_logs=[{"bucket": "logs"}]),
     {"aws_lb.a": F}),
    ("alb-no-logs", "AWS-ELB-006", one("aws_lb", "a", name="a"), {"aws_lb.a": F}),
    ("elb-logs-block-on-by-default", "AWS-ELB-006", one("aws_elb", "c", name="c", access_logs=[{"bucket": "logs"}]),
     {"aws_elb.c": P}),
    ("gwlb-not-applicable", "AWS-ELB-006", one("aws_lb", "g", name="g", load_balancer_type="gateway"),
     {"aws_lb.g": NA}),
    ("apigw-method-iam", "AWS-APIGW-004",
     one("aws_api_gateway_method", "m", rest_api_id="a", resource_id="r", http_method="GET", authorization="AWS_IAM"),
     {"aws_api_gateway_method.m": P}),
    ("apigw-method-api-key", "AWS-APIGW-004",
     one("aws_api_gateway_method", "m", rest_api_id="a", resource_id="r", http_method="GET", authorization="NONE",
         api_key_required=True),
     {"aws_api_gateway_method.m": P}),
    ("apigw-method-open", "AWS-APIGW-004",
     one("aws_api_gateway_method", "m", rest_api_id="a", resource_id="r", http_method="POST", authorization="NONE"),
     {"aws_api_gateway_method.m": F}),
    ("apigw-method-preflight", "AWS-APIGW-004",
     one("aws_api_gateway_method", "m", rest_api_id="a", resource_id="r", http_method="OPTIONS",
         authorization="NONE"),
     {"aws_api_gateway_method.m": NA}),
    ("os-in-vpc", "AWS-OS-004",
     one("aws_opensearch_domain", "d", domain_name="d", vpc_options=[{"subnet_ids": ["subnet-1"]}]),
     {"aws_opensearch_domain.d": P}),
    ("os-public", "AWS-OS-004", one("aws_opensearch_domain", "d", domain_name="d"), {"aws_opensearch_domain.d": F}),
    ("eks-nodes-ssh-from-bastion", "AWS-EKS-004",
     one("aws_eks_node_group", "n", cluster_name="k", node_role_arn="r", subnet_ids=["s"],
         remote_access=[{"ec2_ssh_key": "ops", "source_security_group_ids": ["sg-bastion"]}]),
     {"aws_eks_node_group.n": P}),
    ("eks-nodes-ssh-open", "AWS-EKS-004",
     one("aws_eks_node_group", "n", cluster_name="k", node_role_arn="r", subnet_ids=["s"],
         remote_access=[{"ec2_ssh_key": "ops"}]),
     {"aws_eks_node_group.n": F}),
    ("eks-nodes-no-ssh", "AWS-EKS-004",
     one("aws_eks_node_group", "n", cluster_name="k", node_role_arn="r", subnet_ids=["s"]),
     {"aws_eks_node_group.n": P}),
    ("cf-match-viewer-allow-all", "AWS-CF-002",
     distribution(origin=[{**ORIGIN_HTTPS, "custom_origin_config": [
         {**ORIGIN_HTTPS["custom_origin_config"][0], "origin_protocol_policy": "match-viewer"}]}],
         default_cache_behavior=[BEHAVIOR_ALLOW_ALL]),
     {CF_ADDR: F}),
    ("cf-match-viewer-https", "AWS-CF-002",
     distribution(origin=[{**ORIGIN_HTTPS, "custom_origin_config": [
         {**ORIGIN_HTTPS["custom_origin_config"][0], "origin_protocol_policy": "match-viewer"}]}]),
     {CF_ADDR: P}),
]


def plan_document(resources: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """The same resources as ``terraform show -json`` renders a plan: values, blocks as lists."""
    planned = [
        {
            "address": f"{rtype}.{label}",
            "mode": "managed",
            "type": rtype,
            "name": label,
            "provider_name": "registry.terraform.io/hashicorp/aws",
            "values": {k: v for k, v in values.items() if v is not None},
        }
        for rtype, blocks in resources.items()
        for label, values in blocks.items()
    ]
    return {
        "format_version": "1.2",
        "terraform_version": "1.9.5",
        "planned_values": {"root_module": {"resources": planned}},
        "resource_changes": [],
        "configuration": {"root_module": {"resources": []}},
    }


def without_nones(resources: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {t: {n: {k: v for k, v in p.items() if v is not None} for n, p in b.items()} for t, b in resources.items()}


@pytest.mark.parametrize("form", ["cdktf", "plan"])
@pytest.mark.parametrize(
    ("policy_id", "resources", "expected"), [pytest.param(c[1], c[2], c[3], id=c[0]) for c in CASES]
)
def test_rule_case(
    form: str,
    policy_id: str,
    resources: dict[str, Any],
    expected: dict[str, str | None],
    load: Callable[..., Any],
    cdktf: Callable[..., Any],
    check_set: Callable[..., Any],
) -> None:
    if form == "cdktf":
        resource_set = load(cdktf(without_nones(resources)))
    else:
        resource_set = load(plan_document(resources), "plan.json")
    outcomes = check_set(resource_set, policy_id)
    got = {address: outcomes[address][0] if address in outcomes else None for address in expected}
    assert got == expected, outcomes


def test_every_rule_here_has_a_passed_and_a_failed_case() -> None:
    by_rule: dict[str, set[str | None]] = {}
    for _, policy_id, _, expected in CASES:
        by_rule.setdefault(policy_id, set()).update(expected.values())
    assert {r for r, seen in by_rule.items() if not {P, F} <= seen} == set()


@pytest.mark.parametrize(
    ("policy_id", "resources", "phrase"),
    [
        ("AWS-ECR-002", one("aws_ecr_repository", "r", name="app"), "provider default is MUTABLE"),
        ("AWS-EKS-001", one("aws_eks_cluster", "k", name="k", vpc_config=[{"subnet_ids": ["s"]}]),
         "provider default is true"),
        ("AWS-EC-001", one("aws_elasticache_replication_group", "g", replication_group_id="g"),
         "provider default is false"),
        ("AWS-CF-003", distribution(viewer_certificate=[{"acm_certificate_arn": "a"}]), "provider default is TLSv1"),
    ],
)
def test_failure_on_an_unset_attribute_names_the_default(
    policy_id: str, resources: dict[str, Any], phrase: str, check: Callable[..., Any]
) -> None:
    [(status, message)] = check(policy_id, resources).values()
    assert status == F
    assert phrase in message


def test_plaintext_secret_message_names_the_variable_never_the_value(check: Callable[..., Any]) -> None:
    resources = task(container_definitions=containers({"environment": [{"name": "API_KEY", "value": "sk-live-42"}]}))
    [(status, message)] = check("AWS-ECS-002", resources).values()
    assert status == F
    assert "API_KEY" in message
    assert "sk-live-42" not in message


def exercised_policy_ids() -> set[str]:
    return {c[1] for c in CASES}


def test_container_named_by_an_object_is_shown_as_its_type(check: Callable[..., Any]) -> None:
    """Found by the robustness property: a container "name" holding an object must not reach the message."""
    definitions = json.dumps([{"name": {"password": "hunter2"}, "privileged": True}])
    [(status, message)] = check("AWS-ECS-001", task(container_definitions=definitions)).values()
    assert status == F
    assert "hunter2" not in message
