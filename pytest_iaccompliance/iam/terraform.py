"""The document Terraform's ``aws_iam_policy_document`` data source renders (Pulumi's
``aws.iam.get_policy_document`` is the same provider code), so a rule reads a data-source reference
and a mocked invoke exactly as AWS would receive them.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

from pytest_iaccompliance.model import as_blocks

__all__ = ["render_policy_document"]


def _values(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, (list, tuple)) else [value]


def _one_or_list(values: Iterable[Any]) -> Any:
    # The provider writes a single value as a string and several as a list.
    values = list(values)
    return values[0] if len(values) == 1 else values


def _principals(blocks: Iterable[Mapping[str, Any]]) -> dict[str, Any] | str:
    merged: dict[str, list[Any]] = {}
    for block in blocks:
        merged.setdefault(str(block.get("type") or "AWS"), []).extend(_values(block.get("identifiers")))
    if list(merged) == ["*"]:
        return "*"
    return {kind: _one_or_list(identifiers) for kind, identifiers in merged.items()}


def _statement(block: Mapping[str, Any]) -> dict[str, Any]:
    statement: dict[str, Any] = {}
    if block.get("sid"):
        statement["Sid"] = str(block["sid"])
    statement["Effect"] = str(block.get("effect") or "Allow")
    for key, name in (("actions", "Action"), ("not_actions", "NotAction"),
                      ("resources", "Resource"), ("not_resources", "NotResource")):
        if block.get(key):
            statement[name] = _one_or_list(_values(block[key]))
    for key, name in (("principals", "Principal"), ("not_principals", "NotPrincipal")):
        principals = as_blocks(block.get(key))
        if principals:
            statement[name] = _principals(principals)
    conditions: dict[str, dict[str, Any]] = {}
    for condition in as_blocks(block.get("condition")):
        test, variable = condition.get("test"), condition.get("variable")
        if test and variable:
            conditions.setdefault(str(test), {})[str(variable)] = _one_or_list(_values(condition.get("values")))
    if conditions:
        statement["Condition"] = conditions
    return statement


def _statements_of(document: Any) -> list[dict[str, Any]]:
    try:
        parsed = json.loads(document) if isinstance(document, str) else document
    except json.JSONDecodeError:
        raise ValueError("a source or override policy document is not JSON") from None
    found = parsed.get("Statement") if isinstance(parsed, Mapping) else None
    return [dict(s) for s in as_blocks(found)]


def render_policy_document(
    statements: Iterable[Mapping[str, Any]],
    *,
    sources: Iterable[Any] = (),
    overrides: Iterable[Any] = (),
    version: str | None = None,
    policy_id: str | None = None,
) -> dict[str, Any]:
    """IAM JSON from statement blocks in Terraform's shape, with the provider's merge rules.

    Source documents come first; a statement whose Sid matches an earlier one replaces it; override
    documents are merged last the same way; statements without a Sid are appended.
    """
    merged: list[dict[str, Any]] = []

    def merge(new: Iterable[dict[str, Any]]) -> None:
        for statement in new:
            sid = statement.get("Sid")
            index = next((i for i, s in enumerate(merged) if sid and s.get("Sid") == sid), None)
            if index is None:
                merged.append(statement)
            else:
                merged[index] = statement

    for source in sources:
        merge(_statements_of(source))
    merge(_statement(block) for block in statements)
    for override in overrides:
        merge(_statements_of(override))
    document: dict[str, Any] = {"Version": version or "2012-10-17"}
    if policy_id:
        document["Id"] = policy_id
    document["Statement"] = merged
    return document
