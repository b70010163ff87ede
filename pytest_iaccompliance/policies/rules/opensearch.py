"""OpenSearch (and Elasticsearch) domain rules: data is encrypted on disk, between nodes and to clients."""

from __future__ import annotations

from pytest_iaccompliance.model import Resource, Severity, Unknown, UnreadableValue, is_unknown
from pytest_iaccompliance.policies.base import (
    Outcome,
    Policy,
    PolicyContext,
    Result,
    cannot_evaluate,
    compliant,
    non_compliant,
    not_applicable,
    policy,
)
from pytest_iaccompliance.policies.rules._defaults import block_setting, flag_with_default
from pytest_iaccompliance.policies.values import as_int, read_field

DOMAIN = ["aws_opensearch_domain", "aws_elasticsearch_domain"]


def _block_flag(resource: Resource, block: str, key: str, *, default: bool, failure: str) -> Result:
    try:
        value = block_setting(resource, block, key)
    except UnreadableValue as exc:
        return cannot_evaluate(f"{block} of {resource.address}: {exc.reason}")
    return flag_with_default(resource, f"{block}.{key}", True, default=default, failure=failure, value=value)


@policy(
    "AWS-OS-001",
    title="OpenSearch domain is encrypted at rest",
    severity=Severity.CRITICAL,
    resource_types=DOMAIN,
    remediation="Add encrypt_at_rest { enabled = true } (with kms_key_id for a customer-managed key).",
    checkov_ids=["CKV_AWS_5"],
)
def encrypted_at_rest(resource: Resource, context: PolicyContext) -> Result:
    """Search indices copy the data they index; unencrypted, every disk and snapshot holds it in clear text."""
    return _block_flag(resource, "encrypt_at_rest", "enabled", default=False, failure="domain is not encrypted at rest")


@policy(
    "AWS-OS-002",
    title="OpenSearch domain encrypts node-to-node traffic",
    severity=Severity.WARNING,
    resource_types=DOMAIN,
    remediation="Add node_to_node_encryption { enabled = true }.",
    checkov_ids=["CKV_AWS_6"],
)
def node_to_node(resource: Resource, context: PolicyContext) -> Result:
    """Shard replication and queries between nodes cross the VPC in clear text without it.

    A single-node domain (``cluster_config.instance_count`` unset or 1, as CKV_AWS_6 reads it) has no
    node-to-node traffic and is not judged.
    """
    try:
        count = read_field(
            "cluster_config.instance_count", as_int, block_setting(resource, "cluster_config", "instance_count")
        )
    except UnreadableValue as exc:
        return cannot_evaluate(f"cluster_config of {resource.address}: {exc.reason}")
    if count is None or (isinstance(count, int) and count <= 1):
        return not_applicable()
    result = _block_flag(
        resource, "node_to_node_encryption", "enabled", default=False, failure="node-to-node traffic is not encrypted"
    )
    if isinstance(count, Unknown) and result.outcome is Outcome.NON_COMPLIANT:
        return cannot_evaluate(f"cluster_config.instance_count of {resource.address} is not known before apply")
    return result


@policy(
    "AWS-OS-003",
    title="OpenSearch domain endpoint requires HTTPS",
    severity=Severity.WARNING,
    resource_types=DOMAIN,
    remediation="Leave domain_endpoint_options.enforce_https unset or set it to true.",
    checkov_ids=["CKV_AWS_83"],
)
def enforce_https(resource: Resource, context: PolicyContext) -> Result:
    """An endpoint that answers plain HTTP lets clients send credentials and queries in clear text.

    The provider enforces HTTPS unless told otherwise, so only ``enforce_https = false`` fails.
    """
    return _block_flag(
        resource, "domain_endpoint_options", "enforce_https", default=True, failure="endpoint accepts plain HTTP"
    )


@policy(
    "AWS-OS-004",
    title="OpenSearch domain is deployed inside a VPC",
    severity=Severity.CRITICAL,
    resource_types=DOMAIN,
    remediation="Add vpc_options { subnet_ids = [...], security_group_ids = [...] }; a domain cannot move "
    "into a VPC later, so this must be right at creation.",
    checkov_ids=["CKV_AWS_137"],
)
def in_vpc(resource: Resource, context: PolicyContext) -> Result:
    """Without vpc_options the domain has a public endpoint, guarded only by its access policy."""
    blocks, unreadable = resource.read_blocks("vpc_options")
    if unreadable:
        return cannot_evaluate(*unreadable)
    for block in blocks:
        subnets = block.get("subnet_ids")
        if isinstance(subnets, Unknown) or is_unknown(subnets):
            return compliant()  # subnets known only after apply are still subnets: the domain is in a VPC
        if isinstance(subnets, list) and subnets:
            return compliant()
    return non_compliant(f"{resource.address} has a public endpoint (no vpc_options with subnet_ids)")


POLICIES: tuple[Policy, ...] = (encrypted_at_rest, node_to_node, enforce_https, in_vpc)
