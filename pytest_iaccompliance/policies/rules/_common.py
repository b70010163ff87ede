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
    from collections.abc import Callable, Sequence

__all__ = ["flag_is", "on_resource_or_partner", "partner_missing"]


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


def on_resource_or_partner(
    context: PolicyContext,
    resource: Resource,
    partner_type: str,
    *,
    inline: Callable[[Resource], bool | Unknown],
    partner: Callable[[Resource], bool | Unknown],
    missing: str,
    keys: Sequence[str] = ("bucket",),
    unknown: str | None = None,
) -> Result:
    """A setting that may sit on the resource itself or on a separate ``partner_type`` resource naming it
    through ``keys`` (a bucket's encryption, versioning or logging). ``inline`` and ``partner`` read it on
    one resource: on (True), off or absent (False), or unknown (the reason says why).

    Compliant as soon as either place turns it on. Otherwise an unknown reading means "cannot evaluate"
    (it might turn it on); with nothing on and nothing unknown, ``partner_missing`` decides between a
    failure and "cannot evaluate" (a partner whose target is unknown might be the missing one). ``unknown``,
    when given, is the one message for any unknown reading.
    """
    undecided: list[str] = []
    verdict = inline(resource)
    if verdict is True:
        return compliant()
    if isinstance(verdict, Unknown):
        undecided.append(verdict.reason)
    for related in context.resources.find_related(partner_type, resource, *keys):
        verdict = partner(related)
        if verdict is True:
            return compliant()
        if isinstance(verdict, Unknown):
            undecided.append(verdict.reason)
    if undecided:
        return cannot_evaluate(unknown) if unknown else cannot_evaluate(*dict.fromkeys(undecided))
    return partner_missing(context, resource, [partner_type], keys, missing)
