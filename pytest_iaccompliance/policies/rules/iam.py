"""IAM rules over policy documents, wherever the document is written."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pytest_iaccompliance.model import Resource, ResourceSet, Severity, Unknown
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
from pytest_iaccompliance.policies.values import as_list, parse_json_document

POLICY_DOCUMENT_TYPES = (
    "aws_iam_policy",
    "aws_iam_role_policy",
    "aws_iam_user_policy",
    "aws_iam_group_policy",
)


def _from_policy_document_data(data: Resource) -> dict[str, Any]:
    """A ``data.aws_iam_policy_document`` rendered to the JSON document it produces."""
    statements = []
    for block in data.blocks("statement"):
        statement: dict[str, Any] = {"Effect": str(block.get("effect") or "Allow")}
        for key, name in (("actions", "Action"), ("not_actions", "NotAction"),
                          ("resources", "Resource"), ("not_resources", "NotResource")):
            if block.get(key) is not None:
                statement[name] = as_list(block.get(key))
        statements.append(statement)
    return {"Version": "2012-10-17", "Statement": statements}


def policy_document(value: Any, resources: ResourceSet) -> Mapping[str, Any] | Unknown | None:
    """The document a ``policy`` attribute holds: JSON text, an object, or a reference to a document."""
    target = resources.resolve(value) if isinstance(value, str) and value.startswith("${") else None
    if target is not None and target.type == "aws_iam_policy_document" and target.mode == "data":
        return _from_policy_document_data(target)
    return parse_json_document(value)


def statements(document: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    return [s for s in as_list(document.get("Statement")) if isinstance(s, Mapping)]


@policy(
    "AWS-IAM-001",
    title="IAM policy does not allow all actions (\"*\")",
    severity=Severity.CRITICAL,
    resource_types=POLICY_DOCUMENT_TYPES,
    remediation="Grant the specific actions the workload calls; full access belongs to break-glass "
    "roles managed outside application stacks.",
    checkov_ids=["CKV_AWS_1", "CKV_AWS_62", "CKV_AWS_63"],
)
def no_star_actions(resource: Resource, context: PolicyContext) -> Result:
    """A policy that allows ``*`` grants administrator access and defeats every other control."""
    document = policy_document(resource.get("policy"), context.resources)
    if isinstance(document, Unknown):
        return cannot_evaluate(f"policy of {resource.address}: {document.reason}")
    if document is None:
        return not_applicable() if resource.get("policy") is None else cannot_evaluate(
            f"policy of {resource.address} is not a JSON policy document"
        )
    offending = [
        str(statement.get("Sid") or f"statement {index}")
        for index, statement in enumerate(statements(document))
        if str(statement.get("Effect", "")).lower() == "allow"
        and "*" in [str(a).strip() for a in as_list(statement.get("Action"))]
    ]
    if offending:
        return non_compliant(f"{resource.address} allows action \"*\" in {', '.join(offending)}")
    return compliant()


POLICIES: tuple[Policy, ...] = (no_star_actions,)
