"""EKS rules: the control plane is private, its secrets encrypted and its activity logged."""

from __future__ import annotations

from pytest_iaccompliance.model import Resource, Severity, Unknown, UnreadableValue, is_unknown
from pytest_iaccompliance.policies.base import (
    Policy,
    PolicyContext,
    Result,
    cannot_evaluate,
    compliant,
    non_compliant,
    policy,
)
from pytest_iaccompliance.policies.rules._defaults import block_setting, flag_with_default
from pytest_iaccompliance.policies.values import read_strings

CLUSTER = ["aws_eks_cluster"]
LOG_TYPES = ("api", "audit", "authenticator", "controllerManager", "scheduler")


@policy(
    "AWS-EKS-001",
    title="EKS cluster API endpoint is not public",
    severity=Severity.CRITICAL,
    resource_types=CLUSTER,
    remediation="Set vpc_config.endpoint_public_access = false and endpoint_private_access = true; reach the API "
    "through the VPC (a bastion, VPN or CI runner inside it).",
    checkov_ids=["CKV_AWS_39"],
)
def private_endpoint(resource: Resource, context: PolicyContext) -> Result:
    """A public Kubernetes API is one stolen kubeconfig away from the whole cluster.

    The provider makes the endpoint public unless told otherwise, so an unset ``endpoint_public_access``
    fails; restricting ``public_access_cidrs`` still leaves it public and is not enough here.
    """
    try:
        value = block_setting(resource, "vpc_config", "endpoint_public_access")
    except UnreadableValue as exc:
        return cannot_evaluate(f"vpc_config of {resource.address}: {exc.reason}")
    return flag_with_default(
        resource,
        "vpc_config.endpoint_public_access",
        False,
        default=True,
        failure="the Kubernetes API endpoint is public",
        value=value,
    )


@policy(
    "AWS-EKS-002",
    title="EKS cluster encrypts Kubernetes secrets with KMS",
    severity=Severity.WARNING,
    resource_types=CLUSTER,
    remediation='Add encryption_config { resources = ["secrets"], provider { key_arn = <KMS key ARN> } }.',
    checkov_ids=["CKV_AWS_58"],
)
def secrets_encrypted(resource: Resource, context: PolicyContext) -> Result:
    """Envelope encryption keeps Secrets unreadable in etcd backups and to anyone without the KMS key."""
    blocks, unknown = resource.read_blocks("encryption_config")
    if unknown:
        return cannot_evaluate(*unknown)
    undecided: list[str] = []
    for block in blocks:
        resources, unreadable = read_strings(block.get("resources"), "encryption_config.resources")
        undecided.extend(f"{resource.address}: {reason}" for reason in unreadable)
        if "secrets" in resources:
            return compliant()
    if undecided:
        return cannot_evaluate(*undecided)
    return non_compliant(f"{resource.address} does not encrypt secrets with KMS (no encryption_config for secrets)")


@policy(
    "AWS-EKS-003",
    title="EKS cluster sends every control-plane log type to CloudWatch",
    severity=Severity.WARNING,
    resource_types=CLUSTER,
    remediation='Set enabled_cluster_log_types = ["api", "audit", "authenticator", "controllerManager", '
    '"scheduler"].',
    checkov_ids=["CKV_AWS_37"],
)
def control_plane_logged(resource: Resource, context: PolicyContext) -> Result:
    """The audit and authenticator logs are the record of who did what through the Kubernetes API."""
    value = resource.get("enabled_cluster_log_types")
    if isinstance(value, Unknown):
        return cannot_evaluate(f"enabled_cluster_log_types of {resource.address} is not known before apply")
    enabled, unreadable = read_strings(value, "enabled_cluster_log_types")
    missing = [t for t in LOG_TYPES if t not in enabled]
    if not missing:
        return compliant()
    if unreadable:
        return cannot_evaluate(*(f"{resource.address}: {reason}" for reason in unreadable))
    return non_compliant(f"{resource.address} does not log {', '.join(missing)}")


@policy(
    "AWS-EKS-004",
    title="EKS node group SSH access is limited to named security groups",
    severity=Severity.CRITICAL,
    resource_types=["aws_eks_node_group"],
    remediation="Set remote_access.source_security_group_ids to the bastion's security group, or drop "
    "remote_access and reach nodes through SSM Session Manager.",
    checkov_ids=["CKV_AWS_100"],
)
def node_ssh_restricted(resource: Resource, context: PolicyContext) -> Result:
    """With an SSH key and no source security groups, EKS opens port 22 on every node to 0.0.0.0/0."""
    blocks, unreadable = resource.read_blocks("remote_access")
    if unreadable:
        return cannot_evaluate(*unreadable)
    if not blocks or blocks[0].get("ec2_ssh_key") is None:
        return compliant()
    sources = blocks[0].get("source_security_group_ids")
    if isinstance(sources, Unknown) or is_unknown(sources) or (isinstance(sources, list) and sources):
        return compliant()
    return non_compliant(
        f"{resource.address} opens SSH to the internet (remote_access has an ec2_ssh_key and no "
        "source_security_group_ids)"
    )


POLICIES: tuple[Policy, ...] = (private_endpoint, secrets_encrypted, control_plane_logged, node_ssh_restricted)
