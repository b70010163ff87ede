"""Reading a setting together with the provider's default, so a rule that fails on an unset attribute
says the default is the reason, and one whose default is secure passes it."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from pytest_iaccompliance.model import Resource, Unknown, UnreadableValue, is_unknown, unknown_reason
from pytest_iaccompliance.policies.base import Result, cannot_evaluate, compliant, non_compliant
from pytest_iaccompliance.policies.rules._common import flag_is
from pytest_iaccompliance.policies.values import as_text, read_field
from pytest_iaccompliance.reporting.text import shown_setting

__all__ = ["block_setting", "flag_with_default", "json_list", "text_setting"]


def block_setting(resource: Resource, block: str, key: str) -> Any:
    """``key`` of the first ``block`` (``None`` when either is absent); an unknown block is ``Unknown`` and a
    value that is not a block raises ``UnreadableValue``."""
    value = resource.get(block)
    if isinstance(value, Unknown) or is_unknown(value):
        return Unknown(f"{block} is not known before apply")
    blocks, problems = resource.read_blocks(block)
    if problems:
        raise UnreadableValue("; ".join(problems))
    return blocks[0].get(key) if blocks else None


def flag_with_default(
    resource: Resource, path: str, expected: bool, *, default: bool, failure: str, value: Any = None
) -> Result:
    """Compliant when the boolean at ``path`` (or ``value``) is ``expected``; unset reads as the provider's
    ``default``, and a failure on an unset flag names the default as its reason."""
    raw = value
    if raw is None and "." not in path:
        raw = resource.get(path)
    if raw is None:
        if default is expected:
            return compliant()
        return non_compliant(
            f"{resource.address}: {failure} ({path} is unset, and the provider default is {str(default).lower()})"
        )
    return flag_is(resource, path, expected, default=default, failure=failure, value=raw)


def text_setting(resource: Resource, path: str, value: Any = None) -> str | Unknown | None:
    """A string setting at ``path`` (or ``value``); raises ``UnreadableValue`` naming the path."""
    raw = resource.get(path) if value is None and "." not in path else value
    return read_field(path, as_text, raw)


def json_list(value: Any, name: str) -> list[Mapping[str, Any]] | Unknown | None:
    """A JSON array of objects given as text (``jsonencode`` output) or as a list; ``None`` when absent."""
    if value is None:
        return None
    if isinstance(value, Unknown):
        return value
    if isinstance(value, str):
        if is_unknown(value):
            return Unknown(f"{name} {unknown_reason(value)}")
        try:
            value = json.loads(value)
        except json.JSONDecodeError:
            raise UnreadableValue(f"{name} is a string that is not JSON") from None
    if not isinstance(value, list) or not all(isinstance(item, Mapping) for item in value):
        raise UnreadableValue(f"{name} is not a list of objects")
    return list(value)


def unknown_or_unreadable(resource: Resource, path: str, exc: UnreadableValue | Unknown) -> Result:
    reason = exc.reason
    if isinstance(exc, Unknown):
        return cannot_evaluate(f"{path} of {resource.address} is not known before apply ({reason})")
    return cannot_evaluate(f"{path} of {resource.address} {reason}")


def shown(resource: Resource, path: str, value: Any) -> str:
    return shown_setting(resource, path, value)
