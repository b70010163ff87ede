"""Property: no built-in rule crashes on any JSON value, and no message shows a secret-named value.

A rule meets hostile input as values of the wrong type, NaN, infinity, huge numbers, unresolved
expressions and nesting where a scalar belongs. Each must answer (compliant, non-compliant, not
applicable, or cannot evaluate), never raise: a crash would abort the scan of every other resource.
And whatever shape surrounds a ``password`` or a ``token``, its value never reaches a message.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pytest_iaccompliance.model import Resource, ResourceSet, is_secret_name
from pytest_iaccompliance.policies.base import PolicyContext, RuleSettings
from pytest_iaccompliance.policies.builtin import builtin_policies
from pytest_iaccompliance.policies.engine import check_resource

# Attributes the rules read, at the top level and inside blocks.
KEYS = [
    "acl", "action", "apply_server_side_encryption_by_default", "associate_public_ip_address",
    "authorization_type", "backup_retention_period", "cidr_block", "cidr_blocks", "cidr_ipv4",
    "cloud_watch_logs_group_arn", "customer_master_key_spec", "default_action", "ebs", "egress", "enabled",
    "encrypted", "engine", "engine_mode", "from_port", "grant", "grantee", "http_endpoint", "http_tokens",
    "ingress", "instance_type", "ip_protocol", "ipv6_cidr_blocks", "is_multi_region_trail", "key_usage",
    "kms_key_id", "kms_master_key_id", "lb_port", "lb_protocol", "listener", "logging",
    "map_public_ip_on_launch", "metadata_options", "network_interfaces", "permission", "principal",
    "protocol", "publicly_accessible", "redirect", "root_block_device", "rotation_rules", "rule",
    "rule_action", "rule_no", "server_side_encryption_configuration", "snapshot_id", "source_arn",
    "sqs_managed_sse_enabled", "ssl_policy", "status", "storage_encrypted", "tags", "to_port", "type", "uri",
    "versioning", "versioning_configuration",
    # CloudFront, ECR, Redshift, ElastiCache, OpenSearch, API Gateway, ECS, EKS, Auto Scaling, ELB policies
    "viewer_protocol_policy", "default_cache_behavior", "ordered_cache_behavior", "origin", "custom_origin_config",
    "origin_protocol_policy", "origin_ssl_protocols", "viewer_certificate", "minimum_protocol_version",
    "cloudfront_default_certificate", "web_acl_id", "logging_config", "bucket", "image_tag_mutability",
    "image_scanning_configuration", "scan_on_push", "encryption_configuration", "encryption_type", "policy",
    "transit_encryption_enabled", "at_rest_encryption_enabled", "encrypt_at_rest", "node_to_node_encryption",
    "domain_endpoint_options", "enforce_https", "access_log_settings", "destination_arn", "xray_tracing_enabled",
    "settings", "caching_enabled", "cache_data_encrypted", "container_definitions", "environment", "name", "value",
    "privileged", "readonlyRootFilesystem", "pid_mode", "setting", "network_configuration", "assign_public_ip",
    "vpc_config", "endpoint_public_access", "encryption_config", "resources", "enabled_cluster_log_types", "tag",
    "propagate_at_launch", "launch_configuration", "policy_attribute", "drop_invalid_header_fields",
    "load_balancer_type", "enable_logging", "server_side_encryption", "kms_key_arn", "cluster_identifier",
    "log_destination_type",
]
SECRET_KEYS = ["password", "master_password", "secret_string", "private_key", "auth_token"]
CANARY = "CANARY-5e1d"
SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**30), max_value=10**30),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([float("nan"), float("inf"), 22.5, 70000]),
    st.sampled_from(["0.0.0.0/0", "::/0", "tcp", "-1", "22", "true", "HTTPS", "${var.x}", "", "Enabled", "*"]),
    st.text(max_size=8),
)
JSON = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.sampled_from(KEYS + SECRET_KEYS), inner, max_size=4),
    max_leaves=12,
)


def planted(value: Any, depth: int = 0) -> Any:
    """The value with every secret-named entry replaced by the canary (bare, or inside a list)."""
    if isinstance(value, dict):
        return {k: ([CANARY] if depth % 2 else CANARY) if is_secret_name(k) else planted(v, depth + 1)
                for k, v in value.items()}
    if isinstance(value, list):
        return [planted(v, depth + 1) for v in value]
    return value


PROPERTIES = st.dictionaries(st.sampled_from(KEYS + SECRET_KEYS), JSON, max_size=6).map(planted)
POLICIES = [p for p in builtin_policies() if not p.applies_to_all()]
TYPES = sorted({t for p in POLICIES for t in p.resource_types})
SETTINGS = RuleSettings(required_tags=("owner",), allowed_instance_families=("t3",))
RULE = {"from_port": 22, "to_port": 22, "protocol": "tcp", "cidr_blocks": ["0.0.0.0/0"]}
# Realistic bodies, one field of which is replaced by an arbitrary value: where hostile input bites.
TEMPLATES: list[tuple[str, dict[str, Any]]] = [
    ("aws_security_group", {"ingress": [RULE], "egress": [{**RULE, "protocol": "-1"}]}),
    ("aws_security_group_rule", {"type": "ingress", **RULE}),
    ("aws_vpc_security_group_ingress_rule", {"ip_protocol": "tcp", "from_port": 22, "to_port": 22,
                                             "cidr_ipv4": "0.0.0.0/0"}),
    ("aws_network_acl", {"ingress": [{"rule_no": 100, "action": "allow", "cidr_block": "0.0.0.0/0", **RULE}]}),
    ("aws_network_acl_rule", {"rule_number": 100, "egress": False, "rule_action": "allow",
                              "cidr_block": "0.0.0.0/0", **RULE}),
    ("aws_default_security_group", {"ingress": [RULE]}),
    ("aws_db_instance", {"engine": "postgres", "storage_encrypted": True, "publicly_accessible": False,
                         "backup_retention_period": 7, "password": CANARY,
                         "deletion_protection": True, "iam_database_authentication_enabled": True}),
    ("aws_lb_listener", {"protocol": "HTTP", "ssl_policy": "ELBSecurityPolicy-2016-08",
                         "default_action": [{"type": "redirect", "redirect": [{"protocol": "HTTPS"}]}]}),
    ("aws_elb", {"listener": [{"lb_port": 80, "lb_protocol": "http"}]}),
    ("aws_instance", {"instance_type": "t3.micro", "metadata_options": [{"http_tokens": "required"}],
                      "root_block_device": [{"encrypted": True}], "ebs_block_device": [{"encrypted": False}],
                      "associate_public_ip_address": False}),
    ("aws_launch_template", {"network_interfaces": [{"associate_public_ip_address": True}],
                             "block_device_mappings": [{"ebs": [{"encrypted": False}]}]}),
    ("aws_s3_bucket", {"acl": "private", "grant": [{"permission": "READ", "grantee": [{"uri": "x"}]}],
                       "versioning": [{"enabled": True}], "logging": [{"target_bucket": "logs"}],
                       "server_side_encryption_configuration": [{"rule": [
                           {"apply_server_side_encryption_by_default": [{"sse_algorithm": "aws:kms"}]}]}]}),
    ("aws_kms_key", {"customer_master_key_spec": "SYMMETRIC_DEFAULT", "enable_key_rotation": True}),
    ("aws_lambda_permission", {"principal": "*", "source_arn": "arn", "action": "lambda:InvokeFunction"}),
    ("aws_cloudtrail", {"kms_key_id": "k", "is_multi_region_trail": True}),
    ("aws_subnet", {"map_public_ip_on_launch": False}),
    ("aws_cloudfront_distribution", {
        "origin": [{"domain_name": "d", "custom_origin_config": [
            {"origin_protocol_policy": "https-only", "origin_ssl_protocols": ["TLSv1.2"]}]}],
        "default_cache_behavior": [{"viewer_protocol_policy": "allow-all"}],
        "ordered_cache_behavior": [{"viewer_protocol_policy": "https-only"}],
        "viewer_certificate": [{"minimum_protocol_version": "TLSv1.2_2021"}],
        "web_acl_id": "w", "logging_config": [{"bucket": "b"}]}),
    ("aws_ecs_task_definition", {"pid_mode": "task", "container_definitions": (
        '[{"name": "app", "privileged": true, "readonlyRootFilesystem": false,'
        ' "environment": [{"name": "DB_PASSWORD", "value": "CANARY-5e1d"}]}]')}),
    ("aws_ecs_task_definition", {"container_definitions": [
        {"name": "app", "privileged": False, "environment": [{"name": "API_TOKEN", "value": CANARY}]}]}),
    ("aws_eks_cluster", {"vpc_config": [{"endpoint_public_access": False}], "enabled_cluster_log_types": ["api"],
                         "encryption_config": [{"resources": ["secrets"]}]}),
    ("aws_ecr_repository", {"image_tag_mutability": "MUTABLE", "image_scanning_configuration": [{"scan_on_push": True}],
                            "encryption_configuration": [{"encryption_type": "KMS"}]}),
    ("aws_ecr_repository_policy", {"policy": '{"Statement": [{"Effect": "Allow", "Principal": "*", '
                                             '"Action": "ecr:PutImage"}]}'}),
    ("aws_autoscaling_group", {"tag": [{"key": "k", "value": "v", "propagate_at_launch": True}],
                               "launch_configuration": "lc"}),
    ("aws_load_balancer_policy", {"policy_attribute": [{"name": "Protocol-TLSv1", "value": "true"}]}),
    ("aws_api_gateway_method_settings", {"settings": [{"caching_enabled": True, "cache_data_encrypted": False}]}),
    ("aws_opensearch_domain", {"encrypt_at_rest": [{"enabled": True}], "node_to_node_encryption": [{"enabled": True}],
                               "domain_endpoint_options": [{"enforce_https": True}]}),
    ("aws_elasticache_replication_group", {"engine": "redis", "transit_encryption_enabled": True,
                                           "at_rest_encryption_enabled": False}),
]


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix] if prefix else []
    if isinstance(value, dict):
        for key, inner in value.items():
            found += _paths(inner, (*prefix, key))
    elif isinstance(value, list):
        for index, inner in enumerate(value):
            found += _paths(inner, (*prefix, index))
    return found


def _replaced(value: Any, path: tuple[Any, ...], new: Any) -> Any:
    if not path:
        return new
    head, rest = path[0], path[1:]
    if isinstance(value, dict):
        return {k: _replaced(v, rest, new) if k == head else v for k, v in value.items()}
    return [_replaced(v, rest, new) if i == head else v for i, v in enumerate(value)]


@st.composite
def mutated(draw: st.DrawFn, body: dict[str, Any]) -> dict[str, Any]:
    path = draw(st.sampled_from(_paths(body)))
    return _replaced(body, path, draw(JSON.map(planted)))


def _judge_all(resource_type: str, properties: dict[str, Any], partner: dict[str, Any]) -> None:
    resource = Resource(resource_type, "r", f"{resource_type}.r", properties)
    # A partner of every kind the rules look up, naming the resource by reference.
    partners = [
        Resource(t, "p", f"{t}.p", {**partner, "bucket": f"${{{resource_type}.r.id}}",
                                    "security_group_id": f"${{{resource_type}.r.id}}",
                                    "network_acl_id": f"${{{resource_type}.r.id}}"})
        for t in TYPES if t != resource_type
    ]
    context = PolicyContext(ResourceSet([resource, *partners]), SETTINGS)
    for item in POLICIES:
        if resource_type in item.resource_types:
            finding = check_resource(item, resource, context)  # raises PolicyError on a crash
            assert finding is None or CANARY not in finding.message, (item.id, finding.message)


@pytest.mark.parametrize(("resource_type", "body"), TEMPLATES, ids=[t for t, _ in TEMPLATES])
@given(data=st.data())
def test_rules_answer_a_hostile_field_and_never_show_a_secret(resource_type: str, body: dict[str, Any],
                                                              data: st.DataObject) -> None:
    _judge_all(resource_type, data.draw(mutated(body)), data.draw(PROPERTIES))


@given(st.sampled_from(TYPES), PROPERTIES, PROPERTIES)
def test_rules_answer_any_json_value_and_never_show_a_secret(resource_type: str, properties: dict[str, Any],
                                                            partner: dict[str, Any]) -> None:
    _judge_all(resource_type, properties, partner)
