"""Result helpers shared by the service rule modules, so each rule states only what it checks."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pytest_iaccompliance.model import Resource, Unknown, UnreadableValue
from pytest_iaccompliance.policies.base import (
    PolicyContext,
    Result,
    cannot_evaluate,
    compliant,
    non_compliant,
)
from pytest_iaccompliance.policies.values import as_bool
from pytest_iaccompliance.reporting.text import listed, shown_setting

if TYPE_CHECKING:
    from collections.abc import Sequence

__all__ = ["flag_is", "partner_missing"]


def flag_is(
    resource: Resource, key: str, expected: bool, *, default: bool, failure: str, value: Any = None
) -> Result:
    """Compliant when the boolean ``key`` (or ``value``) is ``expected``; unknown or unreadable
    (an object, ``"maybe"``) cannot be evaluated."""
    raw = resource.get(key) if value is None else value
    try:
        parsed = as_bool(raw, default=default)
    except UnreadableValue as exc:
        return cannot_evaluate(f"{key} of {resource.address} {exc.reason}")
    if isinstance(parsed, Unknown):
        return cannot_evaluate(
            f"{key} of {resource.address} is not known before apply ({parsed.reason})"
        )
    if parsed is expected:
        return compliant()
    shown = "unset" if raw is None else f"= {shown_setting(resource, key, raw)}"
    return non_compliant(f"{resource.address}: {failure} ({key} {shown})")


def partner_missing(
    context: PolicyContext,
    resource: Resource,
    partner_types: Sequence[str],
    keys: Sequence[str],
    failure: str,
) -> Result:
    """No partner found: unknown when a partner's target is itself unknown, otherwise a failure."""
    unresolved = [r for t in partner_types for r in context.resources.unresolved_related(t, *keys)]
    if unresolved:
        shown = listed((r.address for r in unresolved), 3)
        return cannot_evaluate(
            f"{resource.address}: {failure}, unless it is the target of {shown}, whose "
            f"{'/'.join(keys)} is not known before apply"
        )
    return non_compliant(f"{resource.address}: {failure}")
