"""Running policies over a resource set: linear in resources, because each policy reads its types only."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from pytest_iaccompliance.model import Finding, FindingStatus, Resource, ResourceSet, UnreadableValue
from pytest_iaccompliance.policies.base import (
    Outcome,
    Policy,
    PolicyContext,
    Result,
    RuleSettings,
    cannot_evaluate,
)

__all__ = ["PolicyError", "candidates", "check_resource", "evaluate", "evaluate_policy", "finding_for"]

_STATUS = {
    Outcome.COMPLIANT: FindingStatus.PASSED,
    Outcome.NON_COMPLIANT: FindingStatus.FAILED,
    Outcome.UNKNOWN: FindingStatus.UNKNOWN,
}


class PolicyError(RuntimeError):
    """A policy raised or answered something other than a ``Result``; names the policy and resource."""


def candidates(item: Policy, resources: ResourceSet) -> Iterable[Resource]:
    if item.applies_to_all():
        return resources
    return resources.of_type(*item.resource_types)


def finding_for(item: Policy, resource: Resource, result: Result) -> Finding | None:
    status = _STATUS.get(result.outcome)
    if status is None:
        return None
    if result.messages:
        message = "; ".join(result.messages)
    elif status is FindingStatus.PASSED:
        message = "compliant"
    else:
        message = item.title
    return Finding(
        policy_id=item.id,
        severity=item.severity,
        status=status,
        address=resource.address,
        resource_type=resource.type,
        source_file=resource.source.file,
        message=message,
        title=item.title,
        controls=item.controls,
        checkov_ids=item.checkov_ids,
        location=resource.source.path,
    )


def check_resource(item: Policy, resource: Resource, context: PolicyContext) -> Finding | None:
    """One policy on one resource; a misbehaving policy is reported by id and resource."""
    try:
        result = item.check(resource, context)
    except UnreadableValue as exc:
        reason = exc.reason if exc.reason.startswith("`") else f"{resource.address}: {exc.reason}"
        result = cannot_evaluate(reason)
    except Exception as exc:
        raise PolicyError(
            f"policy {item.id} raised {type(exc).__name__}: {exc} on {resource.address} "
            f"({resource.source.describe()})"
        ) from exc
    if not isinstance(result, Result):
        raise PolicyError(
            f"policy {item.id} returned {result!r} for {resource.address}; a check returns "
            "compliant(), non_compliant(...), not_applicable() or cannot_evaluate(...)"
        )
    return finding_for(item, resource, result)


def evaluate_policy(item: Policy, context: PolicyContext) -> Iterator[Finding]:
    """Findings of one policy over the context's resources; not-applicable pairs yield nothing."""
    for resource in candidates(item, context.resources):
        finding = check_resource(item, resource, context)
        if finding is not None:
            yield finding


def evaluate(
    resources: ResourceSet,
    policies: Iterable[Policy],
    settings: RuleSettings | None = None,
) -> list[Finding]:
    """Every policy over every resource it reads, passed findings included."""
    context = PolicyContext(resources, settings or RuleSettings())
    return [finding for item in policies for finding in evaluate_policy(item, context)]
