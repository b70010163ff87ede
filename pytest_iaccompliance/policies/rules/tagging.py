"""Tagging rules: audit trails and cost allocation depend on tags every resource carries."""

from __future__ import annotations

import functools
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pytest_iaccompliance.model import Resource, ResourceSet, Severity, is_unknown
from pytest_iaccompliance.policies.base import (
    Policy,
    PolicyContext,
    Result,
    cannot_evaluate,
    compliant,
    non_compliant,
    not_applicable,
    policy,
)

# Which types can carry tags is the provider schema's answer (a resource that takes ``tags``), shipped as a
# list generated from the pulumi_aws SDK (tools/gen_taggable.py), so the rule needs neither Pulumi nor cdktf.
TAGGABLE_TYPES_FILE = Path(__file__).with_name("taggable_types.txt")


@functools.cache
def taggable_types() -> frozenset[str]:
    lines = TAGGABLE_TYPES_FILE.read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip() for line in lines if line.strip() and not line.startswith("#"))


def default_tags(resources: ResourceSet) -> Mapping[str, Any]:
    """Tags the AWS provider's ``default_tags`` adds to every resource it creates."""
    providers = resources.metadata.get("providers") or {}
    aws = providers.get("aws") if isinstance(providers, Mapping) else None
    merged: dict[str, Any] = {}
    for config in aws if isinstance(aws, list) else [aws]:
        if not isinstance(config, Mapping):
            continue
        blocks = config.get("default_tags")
        for block in blocks if isinstance(blocks, list) else [blocks]:
            if isinstance(block, Mapping) and isinstance(block.get("tags"), Mapping):
                merged.update(block["tags"])
    return merged


def _is_taggable(resource: Resource) -> bool:
    if resource.mode != "managed" or not resource.type.startswith("aws_"):
        return False
    return resource.type in taggable_types() or "tags" in resource.properties


@policy(
    "AWS-TAG-001",
    title="Resource carries every tag named in ini iac_required_tags",
    severity=Severity.WARNING,
    resource_types=["*"],
    requires_settings=["required_tags"],
    remediation="Add the missing tags on the resource, or once for all "
    "resources through the AWS provider's default_tags block.",
)
def required_tags(resource: Resource, context: PolicyContext) -> Result:
    """Untagged resources cannot be traced to an owner, a cost centre or a data classification."""
    required = context.settings.required_tags
    if not required or not _is_taggable(resource):
        return not_applicable()
    tags_value = resource.get("tags")
    if is_unknown(tags_value):
        return cannot_evaluate(f"tags of {resource.address} are not known before apply")
    # A resource's own tag wins over the provider's default of the same name (an empty one included).
    tags = resource.tags
    if all(tags.get(t) not in (None, "") for t in required):
        return compliant()  # tagged on its own: the provider's defaults cannot change that
    defaults = context.remember("provider-default-tags", lambda: default_tags(context.resources))
    missing_tags = [t for t in required if (tags[t] if t in tags else defaults.get(t)) in (None, "")]
    if missing_tags:
        return non_compliant(f"{resource.address} lacks required tag(s): {', '.join(missing_tags)}")
    return compliant()


POLICIES: tuple[Policy, ...] = (required_tags,)
