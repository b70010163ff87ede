"""Pulumi type tokens and property names in Terraform's vocabulary, so one rule serves Pulumi and cdktf.

A type token is derived from its parts, as the bridge that generated ``pulumi_aws`` derived it the
other way: ``aws:cloudfront/distribution:Distribution`` is ``aws_cloudfront_distribution``. Pulumi
modules named differently from the Terraform prefix (``apigateway`` for ``api_gateway``, EC2's types
without a prefix) and the types the bridge renamed (``aws:rds/instance:Instance`` is
``aws_db_instance``) are small tables below; an explicit table keeps the aliases (``aws:alb/*``, the
``V2`` S3 classes). Property names come from the installed ``pulumi_aws`` SDK: its
``@pulumi.getter(name="...")`` annotations say which Python (snake_case) name each wire (camelCase)
name has; the SDK's source is read as text, lazily and once per module, so nothing is imported.
Where Pulumi pluralized a Terraform block (``defaultActions`` for ``default_action``) a small per-type
table renames it back. No pulumi import here: the ``pulumi stack export`` source uses this module too.
"""

from __future__ import annotations

import functools
import importlib.util
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

__all__ = [
    "PROPERTY_RENAMES",
    "TERRAFORM_ALIASES",
    "TYPE_MAP",
    "SdkNames",
    "parse_token",
    "pulumi_tokens",
    "rename_path",
    "resource_source",
    "sdk_module_dir",
    "sdk_names",
    "sdk_resource_tokens",
    "snake_case",
    "taggable_terraform_types",
    "terraform_properties",
    "terraform_type",
]

# Terraform type -> the Pulumi tokens that declare it (aws:alb/* are aliases of aws:lb/*, V2 S3
# resources
# are the pre-v7 names of the same Terraform resources).
_TERRAFORM_TO_PULUMI: Final[dict[str, tuple[str, ...]]] = {
    "aws_s3_bucket": ("aws:s3/bucket:Bucket", "aws:s3/bucketV2:BucketV2"),
    "aws_s3_bucket_public_access_block": (
        "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
    ),
    "aws_s3_account_public_access_block": (
        "aws:s3/accountPublicAccessBlock:AccountPublicAccessBlock",
    ),
    "aws_s3_bucket_server_side_encryption_configuration": (
        "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
        "aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2",
    ),
    "aws_s3_bucket_versioning": (
        "aws:s3/bucketVersioning:BucketVersioning",
        "aws:s3/bucketVersioningV2:BucketVersioningV2",
    ),
    "aws_s3_bucket_logging": (
        "aws:s3/bucketLogging:BucketLogging",
        "aws:s3/bucketLoggingV2:BucketLoggingV2",
    ),
    "aws_s3_bucket_acl": ("aws:s3/bucketAcl:BucketAcl", "aws:s3/bucketAclV2:BucketAclV2"),
    "aws_s3_bucket_policy": ("aws:s3/bucketPolicy:BucketPolicy",),
    "aws_security_group": ("aws:ec2/securityGroup:SecurityGroup",),
    "aws_security_group_rule": ("aws:ec2/securityGroupRule:SecurityGroupRule",),
    "aws_vpc_security_group_ingress_rule": (
        "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
    ),
    "aws_vpc_security_group_egress_rule": (
        "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule",
    ),
    "aws_default_security_group": ("aws:ec2/defaultSecurityGroup:DefaultSecurityGroup",),
    "aws_default_network_acl": ("aws:ec2/defaultNetworkAcl:DefaultNetworkAcl",),
    "aws_network_acl": ("aws:ec2/networkAcl:NetworkAcl",),
    "aws_network_acl_rule": ("aws:ec2/networkAclRule:NetworkAclRule",),
    "aws_vpc": ("aws:ec2/vpc:Vpc",),
    "aws_flow_log": ("aws:ec2/flowLog:FlowLog",),
    "aws_subnet": ("aws:ec2/subnet:Subnet",),
    "aws_internet_gateway": ("aws:ec2/internetGateway:InternetGateway",),
    "aws_nat_gateway": ("aws:ec2/natGateway:NatGateway",),
    "aws_route_table": ("aws:ec2/routeTable:RouteTable",),
    "aws_eip": ("aws:ec2/eip:Eip",),
    "aws_instance": ("aws:ec2/instance:Instance",),
    "aws_launch_template": ("aws:ec2/launchTemplate:LaunchTemplate",),
    "aws_launch_configuration": ("aws:ec2/launchConfiguration:LaunchConfiguration",),
    "aws_ebs_volume": ("aws:ebs/volume:Volume",),
    "aws_ebs_encryption_by_default": ("aws:ebs/encryptionByDefault:EncryptionByDefault",),
    "aws_db_instance": ("aws:rds/instance:Instance",),
    "aws_rds_cluster": ("aws:rds/cluster:Cluster",),
    "aws_rds_cluster_instance": ("aws:rds/clusterInstance:ClusterInstance",),
    "aws_db_subnet_group": ("aws:rds/subnetGroup:SubnetGroup",),
    "aws_kms_key": ("aws:kms/key:Key",),
    "aws_kms_key_policy": ("aws:kms/keyPolicy:KeyPolicy",),
    "aws_kms_alias": ("aws:kms/alias:Alias",),
    "aws_iam_policy": ("aws:iam/policy:Policy",),
    "aws_iam_role": ("aws:iam/role:Role",),
    "aws_iam_user": ("aws:iam/user:User",),
    "aws_iam_group": ("aws:iam/group:Group",),
    "aws_iam_instance_profile": ("aws:iam/instanceProfile:InstanceProfile",),
    "aws_iam_role_policy": ("aws:iam/rolePolicy:RolePolicy",),
    "aws_iam_user_policy": ("aws:iam/userPolicy:UserPolicy",),
    "aws_iam_group_policy": ("aws:iam/groupPolicy:GroupPolicy",),
    "aws_iam_user_policy_attachment": ("aws:iam/userPolicyAttachment:UserPolicyAttachment",),
    "aws_iam_role_policy_attachment": ("aws:iam/rolePolicyAttachment:RolePolicyAttachment",),
    "aws_iam_group_policy_attachment": ("aws:iam/groupPolicyAttachment:GroupPolicyAttachment",),
    "aws_iam_policy_attachment": ("aws:iam/policyAttachment:PolicyAttachment",),
    "aws_cloudtrail": ("aws:cloudtrail/trail:Trail",),
    "aws_cloudwatch_log_group": ("aws:cloudwatch/logGroup:LogGroup",),
    "aws_dynamodb_table": ("aws:dynamodb/table:Table",),
    "aws_sqs_queue": ("aws:sqs/queue:Queue",),
    "aws_sqs_queue_policy": ("aws:sqs/queuePolicy:QueuePolicy",),
    "aws_sns_topic": ("aws:sns/topic:Topic",),
    "aws_sns_topic_policy": ("aws:sns/topicPolicy:TopicPolicy",),
    "aws_lb": ("aws:lb/loadBalancer:LoadBalancer", "aws:alb/loadBalancer:LoadBalancer"),
    "aws_lb_listener": ("aws:lb/listener:Listener", "aws:alb/listener:Listener"),
    "aws_lb_target_group": ("aws:lb/targetGroup:TargetGroup", "aws:alb/targetGroup:TargetGroup"),
    "aws_elb": ("aws:elb/loadBalancer:LoadBalancer",),
    "aws_efs_file_system": ("aws:efs/fileSystem:FileSystem",),
    "aws_lambda_function": ("aws:lambda/function:Function",),
    "aws_lambda_permission": ("aws:lambda/permission:Permission",),
    "aws_lambda_function_url": ("aws:lambda/functionUrl:FunctionUrl",),
    "aws_secretsmanager_secret": ("aws:secretsmanager/secret:Secret",),
    "aws_secretsmanager_secret_version": ("aws:secretsmanager/secretVersion:SecretVersion",),
    "aws_secretsmanager_secret_rotation": ("aws:secretsmanager/secretRotation:SecretRotation",),
    "aws_ecr_repository": ("aws:ecr/repository:Repository",),
    "aws_ecs_cluster": ("aws:ecs/cluster:Cluster",),
    "aws_eks_cluster": ("aws:eks/cluster:Cluster",),
    "aws_elasticache_cluster": ("aws:elasticache/cluster:Cluster",),
    "aws_autoscaling_group": ("aws:autoscaling/group:Group",),
    "aws_apigatewayv2_api": ("aws:apigatewayv2/api:Api",),
}

TYPE_MAP: Final[Mapping[str, str]] = {
    token: terraform for terraform, tokens in _TERRAFORM_TO_PULUMI.items() for token in tokens
}

# Per Terraform type: Pulumi's snake_case name (dotted path below the resource for nested blocks,
# list
# positions left out) -> Terraform's name, where Pulumi pluralized a repeated block or renamed a
# field.
PROPERTY_RENAMES: Final[Mapping[str, Mapping[str, str]]] = {
    "aws_s3_bucket": {
        "cors_rules": "cors_rule",
        "grants": "grant",
        "lifecycle_rules": "lifecycle_rule",
        "loggings": "logging",
        "replication_configurations": "replication_configuration",
        "server_side_encryption_configurations": "server_side_encryption_configuration",
        "server_side_encryption_configurations.rules": "rule",
        "versionings": "versioning",
        "websites": "website",
    },
    "aws_s3_bucket_server_side_encryption_configuration": {"rules": "rule"},
    "aws_s3_bucket_acl": {"access_control_policy.grants": "grant"},
    "aws_s3_bucket_logging": {"target_grants": "target_grant"},
    "aws_route_table": {"routes": "route"},
    "aws_instance": {
        "ebs_block_devices": "ebs_block_device",
        "ephemeral_block_devices": "ephemeral_block_device",
        "network_interfaces": "network_interface",
    },
    "aws_launch_template": {"license_specifications": "license_specification"},
    "aws_launch_configuration": {
        "ebs_block_devices": "ebs_block_device",
        "ephemeral_block_devices": "ephemeral_block_device",
    },
    "aws_db_instance": {
        "listener_endpoints": "listener_endpoint",
        "master_user_secrets": "master_user_secret",
    },
    "aws_rds_cluster": {"master_user_secrets": "master_user_secret"},
    "aws_iam_role": {"inline_policies": "inline_policy"},
    "aws_cloudtrail": {
        "advanced_event_selectors": "advanced_event_selector",
        "event_selectors": "event_selector",
        "insight_selectors": "insight_selector",
    },
    "aws_dynamodb_table": {
        "attributes": "attribute",
        "global_secondary_indexes": "global_secondary_index",
        "local_secondary_indexes": "local_secondary_index",
        "replicas": "replica",
    },
    "aws_lb": {"subnet_mappings": "subnet_mapping"},
    "aws_lb_listener": {"default_actions": "default_action"},
    "aws_elb": {"listeners": "listener"},
    "aws_efs_file_system": {"lifecycle_policies": "lifecycle_policy"},
    "aws_lambda_function": {"name": "function_name"},
    "aws_lambda_permission": {"function": "function_name"},
    "aws_secretsmanager_secret": {"replicas": "replica"},
    "aws_ecr_repository": {"encryption_configurations": "encryption_configuration"},
    "aws_ecs_cluster": {"settings": "setting"},
    "aws_elasticache_cluster": {"log_delivery_configurations": "log_delivery_configuration"},
    "aws_autoscaling_group": {"tags": "tag"},
    "aws_cloudfront_distribution": {
        "origins": "origin",
        "origin_groups": "origin_group",
        "ordered_cache_behaviors": "ordered_cache_behavior",
        "custom_error_responses": "custom_error_response",
        "origins.custom_headers": "custom_header",
        "default_cache_behavior.function_associations": "function_association",
        "default_cache_behavior.lambda_function_associations": "lambda_function_association",
        "ordered_cache_behaviors.function_associations": "function_association",
        "ordered_cache_behaviors.lambda_function_associations": "lambda_function_association",
    },
    "aws_elasticache_replication_group": {"log_delivery_configurations": "log_delivery_configuration"},
    "aws_load_balancer_policy": {"policy_attributes": "policy_attribute"},
}

_TOKEN = re.compile(r"^(?P<package>[^:]+):(?P<module>[^:]*):(?P<name>[^:]+)$")
_CAMEL_BOUNDARY = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")
_GETTER = re.compile(
    r'@pulumi\.getter(?:\(name="(?P<wire>[^"]+)"\))?\s*\n'
    r"\s*def (?P<python>\w+)\(self\) -> (?P<annotation>[^\n]*):"
)
# Values under these keys are user data (tag names, environment variables): their keys stay as
# written.
_ALWAYS_MAPS: Final = frozenset({"tags", "tagsAll", "tags_all", "variables"})


def parse_token(token: str) -> tuple[str, str, str] | None:
    """``aws:s3/bucket:Bucket`` as (package, module, name): module is ``s3``, ``index`` at the top.
    """
    match = _TOKEN.match(token)
    if not match:
        return None
    module = match["module"].split("/", 1)[0]
    return match["package"], module, match["name"]


# Pulumi module -> the Terraform prefix of its types, where they differ ("" for none: ``aws_vpc``).
_MODULE_PREFIX: Final[Mapping[str, str]] = {
    "alb": "lb",
    "amp": "prometheus",
    "apigateway": "api_gateway",
    "bcmdata": "bcmdataexports",
    "bedrockmodel": "bedrock_model",
    "cfg": "config",
    "cloudcontrol": "cloudcontrolapi",
    "cloudhsmv2": "cloudhsm_v2",
    "costexplorer": "ce",
    "directconnect": "dx",
    "directoryservice": "directory_service",
    "ec2": "",
    "ec2clientvpn": "ec2_client_vpn",
    "ec2transitgateway": "ec2_transit_gateway",
    "elasticbeanstalk": "elastic_beanstalk",
    "elb": "",
    "macie": "macie2",
    "mediaconvert": "media_convert",
    "mediapackage": "media_package",
    "mediapackagev2": "media_packagev2",
    "mediastore": "media_store",
    "opensearchingest": "osis",
    "resourceexplorer": "resourceexplorer2",
    "route53recoverycontrol": "route53recoverycontrolconfig",
    "servicediscovery": "service_discovery",
}
# (Pulumi module, class name prefix) -> the Terraform prefix: services Pulumi folded into another module.
_NAME_PREFIX: Final[Mapping[tuple[str, str], str]] = {
    ("bedrock", "Agentcore"): "bedrockagentcore",
    ("bedrock", "Agent"): "bedrockagent",
    ("chime", "Sdkvoice"): "chimesdkvoice",
    ("cloudfront", "Keyvaluestore"): "cloudfrontkeyvaluestore",
    ("lex", "V2models"): "lexv2models",
    ("opensearch", "Serverless"): "opensearchserverless",
    ("notifications", "Contacts"): "notificationscontacts",
    ("pinpoint", "Smsvoicev2"): "pinpointsmsvoicev2",
    ("resiliencehub", "V2"): "resiliencehub",
    ("route53", "Profiles"): "route53profiles",
    ("s3", "Vectors"): "s3vectors",
    ("servicecatalog", "Appregistry"): "servicecatalogappregistry",
    ("ssm", "Contacts"): "ssmcontacts",
    ("ssm", "Quicksetup"): "ssmquicksetup",
}
# Classes of the ``ec2`` and ``rds`` modules whose Terraform type keeps a prefix (``aws_ec2_fleet``, ``aws_db_proxy``).
_EC2_PREFIXED: Final = frozenset({
    "AllowedImagesSettings", "AvailabilityZoneGroup", "CapacityBlockReservation", "CapacityReservation",
    "CarrierGateway", "DefaultCreditSpecification", "Fleet", "ImageBlockPublicAccess", "InstanceMetadataDefaults",
    "LocalGatewayRoute", "LocalGatewayRouteTableVpcAssociation", "ManagedPrefixList", "ManagedPrefixListEntry",
    "NetworkInsightsAnalysis", "NetworkInsightsPath", "SerialConsoleAccess", "SubnetCidrReservation", "Tag",
    "TrafficMirrorFilter", "TrafficMirrorFilterRule", "TrafficMirrorSession", "TrafficMirrorTarget",
})
_RDS_DB_PREFIXED: Final = frozenset({
    "ClusterSnapshot", "EventSubscription", "Instance", "InstanceAutomatedBackupsReplication", "OptionGroup",
    "ParameterGroup", "Proxy", "ProxyDefaultTargetGroup", "ProxyEndpoint", "ProxyTarget", "Snapshot",
    "SnapshotCopy", "SubnetGroup",
})
# Tokens whose Terraform type the bridge renamed outright.
_RENAMED: Final[Mapping[str, str]] = {
    "aws:account/alternativeContact:AlternativeContact": "aws_account_alternate_contact",
    "aws:apigateway/response:Response": "aws_api_gateway_gateway_response",
    "aws:appconfig/eventIntegration:EventIntegration": "aws_appintegrations_event_integration",
    "aws:appsync/dataSource:DataSource": "aws_appsync_datasource",
    "aws:appsync/graphQLApi:GraphQLApi": "aws_appsync_graphql_api",
    "aws:autoscaling/tag:Tag": "aws_autoscaling_group_tag",
    "aws:cfg/recorder:Recorder": "aws_config_configuration_recorder",
    "aws:cfg/recorderStatus:RecorderStatus": "aws_config_configuration_recorder_status",
    "aws:cfg/rule:Rule": "aws_config_config_rule",
    "aws:cloudformation/cloudFormationType:CloudFormationType": "aws_cloudformation_type",
    "aws:cloudtrail/trail:Trail": "aws_cloudtrail",
    "aws:cloudwatch/internetMonitor:InternetMonitor": "aws_internetmonitor_monitor",
    "aws:codeartifact/domainPermissions:DomainPermissions": "aws_codeartifact_domain_permissions_policy",
    "aws:codedeploy/application:Application": "aws_codedeploy_app",
    "aws:codepipeline/pipeline:Pipeline": "aws_codepipeline",
    "aws:cognito/identityPoolRoleAttachment:IdentityPoolRoleAttachment": "aws_cognito_identity_pool_roles_attachment",
    "aws:controltower/controlTowerControl:ControlTowerControl": "aws_controltower_control",
    "aws:datasync/efsLocation:EfsLocation": "aws_datasync_location_efs",
    "aws:datasync/fsxOpenZfsFileSystem:FsxOpenZfsFileSystem": "aws_datasync_location_fsx_openzfs_file_system",
    "aws:datasync/locationFsxLustre:LocationFsxLustre": "aws_datasync_location_fsx_lustre_file_system",
    "aws:datasync/locationFsxWindows:LocationFsxWindows": "aws_datasync_location_fsx_windows_file_system",
    "aws:datasync/nfsLocation:NfsLocation": "aws_datasync_location_nfs",
    "aws:datasync/s3Location:S3Location": "aws_datasync_location_s3",
    "aws:directconnect/hostedTransitVirtualInterfaceAcceptor:HostedTransitVirtualInterfaceAcceptor":
        "aws_dx_hosted_transit_virtual_interface_accepter",
    "aws:directconnect/linkAggregationGroup:LinkAggregationGroup": "aws_dx_lag",
    "aws:directoryservice/serviceRegion:ServiceRegion": "aws_directory_service_region",
    "aws:docdb/elasticCluster:ElasticCluster": "aws_docdbelastic_cluster",
    "aws:ec2/dedicatedHost:DedicatedHost": "aws_ec2_host",
    "aws:ec2/encryptionControl:EncryptionControl": "aws_vpc_encryption_control",
    "aws:ec2/networkInterfaceSecurityGroupAttachment:NetworkInterfaceSecurityGroupAttachment":
        "aws_network_interface_sg_attachment",
    "aws:ec2/peeringConnectionOptions:PeeringConnectionOptions": "aws_vpc_peering_connection_options",
    "aws:ec2/securityGroupAssociation:SecurityGroupAssociation": "aws_vpc_endpoint_security_group_association",
    "aws:ec2/vpcEndpointServiceAllowedPrinciple:VpcEndpointServiceAllowedPrinciple":
        "aws_vpc_endpoint_service_allowed_principal",
    "aws:ec2transitgateway/instanceConnectEndpoint:InstanceConnectEndpoint": "aws_ec2_instance_connect_endpoint",
    "aws:ec2transitgateway/instanceState:InstanceState": "aws_ec2_instance_state",
    "aws:ec2transitgateway/transitGateway:TransitGateway": "aws_ec2_transit_gateway",
    "aws:elb/attachment:Attachment": "aws_elb_attachment",
    "aws:elb/listenerPolicy:ListenerPolicy": "aws_load_balancer_listener_policy",
    "aws:elb/loadBalancerCookieStickinessPolicy:LoadBalancerCookieStickinessPolicy": "aws_lb_cookie_stickiness_policy",
    "aws:elb/sslNegotiationPolicy:SslNegotiationPolicy": "aws_lb_ssl_negotiation_policy",
    "aws:guardduty/iPSet:IPSet": "aws_guardduty_ipset",
    "aws:guardduty/threatIntelSet:ThreatIntelSet": "aws_guardduty_threatintelset",
    "aws:iam/openIdConnectProvider:OpenIdConnectProvider": "aws_iam_openid_connect_provider",
    "aws:iam/sshKey:SshKey": "aws_iam_user_ssh_key",
    "aws:licensemanager/licenseGrant:LicenseGrant": "aws_licensemanager_grant",
    "aws:licensemanager/licenseGrantAccepter:LicenseGrantAccepter": "aws_licensemanager_grant_accepter",
    "aws:location/routeCalculation:RouteCalculation": "aws_location_route_calculator",
    "aws:rds/instanceDesiredState:InstanceDesiredState": "aws_rds_instance_state",
    "aws:rds/roleAssociation:RoleAssociation": "aws_db_instance_role_association",
    "aws:route53/hostedZoneDnsSec:HostedZoneDnsSec": "aws_route53_hosted_zone_dnssec",
    "aws:route53/resolverDnsSecConfig:ResolverDnsSecConfig": "aws_route53_resolver_dnssec_config",
    "aws:s3/analyticsConfiguration:AnalyticsConfiguration": "aws_s3_bucket_analytics_configuration",
    "aws:s3/bucketObjectv2:BucketObjectv2": "aws_s3_object",
    "aws:s3/bucketReplicationConfig:BucketReplicationConfig": "aws_s3_bucket_replication_configuration",
    "aws:s3/inventory:Inventory": "aws_s3_bucket_inventory",
    "aws:serverlessrepository/cloudFormationStack:CloudFormationStack":
        "aws_serverlessapplicationrepository_cloudformation_stack",
    "aws:ses/mailFrom:MailFrom": "aws_ses_domain_mail_from",
    "aws:sns/dataProtectionPolicy:DataProtectionPolicy": "aws_sns_topic_data_protection_policy",
    "aws:sqs/redriveAllowPolicy:RedriveAllowPolicy": "aws_sqs_queue_redrive_allow_policy",
    "aws:sqs/redrivePolicy:RedrivePolicy": "aws_sqs_queue_redrive_policy",
    "aws:storagegateway/cachesIscsiVolume:CachesIscsiVolume": "aws_storagegateway_cached_iscsi_volume",
    "aws:waf/ipSet:IpSet": "aws_waf_ipset",
    "aws:wafregional/ipSet:IpSet": "aws_wafregional_ipset",
}


def _derived_type(token: str) -> str | None:
    """The Terraform type the bridge's naming rule gives an ``aws`` token; ``None`` for other packages."""
    match = _TOKEN.match(token)
    if not match or match["package"] != "aws":
        return None
    module, name = match["module"].split("/", 1)[0], match["name"]
    renamed = _RENAMED.get(token)
    if renamed is not None:
        return renamed
    if module == "s3" and name.endswith("V2"):  # pre-v7 names of the same Terraform resources
        name = name[:-2]
    name = name.replace("OpenZfs", "Openzfs")
    for (owner, prefix), terraform_prefix in _NAME_PREFIX.items():
        if module == owner and name.startswith(prefix) and name != prefix:
            return f"aws_{terraform_prefix}_{snake_case(name[len(prefix):])}"
    if module == "ec2" and name in _EC2_PREFIXED:
        prefix = "ec2"
    elif module == "rds":
        prefix = "db" if name in _RDS_DB_PREFIXED else "rds"
    else:
        prefix = _MODULE_PREFIX.get(module, snake_case(module))
    return f"aws_{prefix}_{snake_case(name)}" if prefix else f"aws_{snake_case(name)}"


def terraform_type(token: str) -> str:
    """The Terraform type a Pulumi token stands for; a token of another package is kept as it is."""
    return TYPE_MAP.get(token) or _derived_type(token) or token


@functools.cache
def sdk_resource_tokens(package: str = "aws") -> tuple[str, ...]:
    """Every resource token the installed SDK registers (from its module table, read as text)."""
    directory = sdk_module_dir(package, "index")
    if directory is None:
        return ()
    try:
        text = (directory / "__init__.py").read_text(encoding="utf-8")
    except OSError:
        return ()
    match = re.search(r'resource_modules="""(.*?)"""', text, re.DOTALL)
    if match is None:
        return ()
    try:
        modules = json.loads(match[1])
    except ValueError:
        return ()
    return tuple(sorted(token for entry in modules for token in entry.get("classes", {})))


@functools.cache
def _tokens_by_type() -> Mapping[str, tuple[str, ...]]:
    found: dict[str, list[str]] = {}
    for token in sdk_resource_tokens():
        found.setdefault(terraform_type(token), []).append(token)
    return {terraform: tuple(tokens) for terraform, tokens in found.items()}


@functools.cache
def resource_source(token: str) -> str | None:
    """The text of the installed SDK's module declaring ``token``'s class (its Args, State and resource
    classes); ``None`` when the SDK or the module is not installed."""
    parsed = parse_token(token)
    if parsed is None:
        return None
    directory = sdk_module_dir(parsed[0], parsed[1])
    if directory is None:
        return None
    try:
        return (directory / f"{snake_case(token.split(':')[1].split('/')[-1])}.py").read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None


# Types Terraform spells twice; Pulumi's tokens name the canonical spelling.
TERRAFORM_ALIASES: Final[Mapping[str, str]] = {
    "aws_alb": "aws_lb",
    "aws_alb_listener": "aws_lb_listener",
    "aws_alb_listener_certificate": "aws_lb_listener_certificate",
    "aws_alb_listener_rule": "aws_lb_listener_rule",
    "aws_alb_target_group": "aws_lb_target_group",
    "aws_alb_target_group_attachment": "aws_lb_target_group_attachment",
}
_TAGS_INPUT = re.compile(r"def tags\(self\) -> (?:Optional\[)?pulumi\.Input\[")


def taggable_terraform_types() -> list[str]:
    """Terraform types whose resource takes ``tags`` as an input, as the installed SDK declares them: the
    provider schema's own answer to "can this resource carry tags"."""
    taggable = {
        terraform_type(token) for token in sdk_resource_tokens() if _TAGS_INPUT.search(resource_source(token) or "")
    }
    return sorted(taggable | {alias for alias, canonical in TERRAFORM_ALIASES.items() if canonical in taggable})


def pulumi_tokens(terraform: str) -> tuple[str, ...]:
    """The Pulumi tokens of a Terraform type: the explicit table's, else the installed SDK's (empty when none)."""
    return _TERRAFORM_TO_PULUMI.get(terraform) or _tokens_by_type().get(terraform, ())


def snake_case(name: str) -> str:
    """The generic camelCase -> snake_case conversion, used when the SDK does not declare a name."""
    return _CAMEL_BOUNDARY.sub("_", name).lower()


@dataclass(frozen=True)
class SdkNames:
    """What one SDK module declares: Python names by wire name, and which wire names hold free-form
    maps.
    """

    python_names: Mapping[str, str]
    map_valued: frozenset[str]
    # Wire names that take an IAM policy document as an object (``Union[str, PolicyDocumentArgs]``):
    # the document's keys (``Statement``, ``Effect``) are IAM's, never renamed.
    documents: frozenset[str] = frozenset()


_EMPTY = SdkNames({}, frozenset())


def sdk_module_dir(package: str, module: str) -> Path | None:
    try:
        spec = importlib.util.find_spec(f"pulumi_{package.replace('-', '_')}")
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    root = Path(next(iter(spec.submodule_search_locations)))
    if module in ("", "index"):
        return root
    for candidate in (module, f"{module}_"):  # ``lambda`` is ``lambda_`` in Python
        if (root / candidate).is_dir():
            return root / candidate
    return None


@functools.cache
def sdk_names(package: str, module: str) -> SdkNames:
    """The names the installed SDK declares for a module (``aws``, ``s3``), read once from its
    source.
    """
    directory = sdk_module_dir(package, module)
    if directory is None:
        return _EMPTY
    python_names: dict[str, str] = {}
    maps: dict[str, bool] = {}
    documents: set[str] = set()
    for path in sorted(directory.glob("*.py")):
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            continue
        for match in _GETTER.finditer(text):
            python = match["python"]
            wire = match["wire"] or python
            python_names.setdefault(wire, python)
            is_map = "Mapping[" in match["annotation"].split("Sequence[", 1)[0]
            # A wire name counts as a free-form map only if every declaration of it is one.
            maps[wire] = maps.get(wire, True) and is_map
            if "PolicyDocument" in match["annotation"]:
                documents.add(wire)
    return SdkNames(
        python_names,
        frozenset(w for w, is_map in maps.items() if is_map),
        frozenset(documents),
    )


def _names_for(token: str) -> list[SdkNames]:
    parsed = parse_token(token)
    if parsed is None:
        return []
    package, module, _ = parsed
    names = [sdk_names(package, module)]
    if module not in ("", "index"):
        names.append(sdk_names(package, "index"))
    return names


def _python_name(wire: str, names: list[SdkNames]) -> str:
    for declared in names:
        python = declared.python_names.get(wire)
        if python is not None:
            return python.rstrip("_") or python
    return snake_case(wire)


def _is_map(wire: str, names: list[SdkNames]) -> bool:
    """Whether the value under ``wire`` is user data (tags, a policy document): keys kept as written.
    """
    return wire in _ALWAYS_MAPS or any(
        wire in declared.map_valued or wire in declared.documents for declared in names
    )


def terraform_properties(token: str, properties: Mapping[str, Any]) -> dict[str, Any]:
    """A resource's Pulumi properties under Terraform's names (nested objects kept as objects)."""
    names = _names_for(token)
    renames = PROPERTY_RENAMES.get(terraform_type(token), {})
    return {
        _rename(k, "", renames, names): _convert(v, _key_path("", k, names), k, renames, names)
        for k, v in properties.items()
        if not k.startswith("__")
    }


def rename_path(token: str, path: str) -> str:
    """A dotted wire-name path (``serverSideEncryptionConfigurations.rules``) under Terraform's
    names.
    """
    names = _names_for(token)
    renames = PROPERTY_RENAMES.get(terraform_type(token), {})
    parts: list[str] = []
    pulumi_path = ""
    in_map = False
    for wire in path.split("."):
        if in_map or wire.isdigit():
            parts.append(wire)
            continue
        parts.append(_rename(wire, pulumi_path, renames, names))
        pulumi_path = _key_path(pulumi_path, wire, names)
        in_map = _is_map(wire, names)
    return ".".join(parts)


def _key_path(parent: str, wire: str, names: list[SdkNames]) -> str:
    python = _python_name(wire, names)
    return f"{parent}.{python}" if parent else python


def _rename(wire: str, parent: str, renames: Mapping[str, str], names: list[SdkNames]) -> str:
    python = _python_name(wire, names)
    return renames.get(f"{parent}.{python}" if parent else python, python)


def _convert(
    value: Any, path: str, wire: str, renames: Mapping[str, str], names: list[SdkNames]
) -> Any:
    if isinstance(value, Mapping):
        if _is_map(wire, names):
            return dict(value)
        return {
            _rename(k, path, renames, names): _convert(
                v, _key_path(path, k, names), k, renames, names
            )
            for k, v in value.items()
        }
    if isinstance(value, list):
        item_wire = wire
        if wire in _ALWAYS_MAPS and names and wire not in names[0].map_valued:
            item_wire = ""  # a list under ``tags`` (an Auto Scaling group's tag blocks) holds blocks, not a map
        return [_convert(v, path, item_wire, renames, names) for v in value]
    return value
