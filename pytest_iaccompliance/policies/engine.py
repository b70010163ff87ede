"""Running policies over a resource set: linear in resources, because each policy reads its types only.

A policy that raises is a bug in the policy, not a verdict on the resource. Under pytest it is an
ordinary error of its item (``check_resource`` raises ``PolicyError``). In ``evaluate`` (``scan()``,
``PolicySuite.evaluate``, ``assert_compliant``) it must not take the rest of the scan down with it: the
crash becomes an ``unknown`` finding for that policy and resource, whose message says the policy
raised, and every other policy and resource is still judged. So a crash never passes, and never hides
the findings of the policies that work.
"""

from __future__ import annotations

import traceback
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

from pytest_iaccompliance.model import (
    WHOLE_SOURCE,
    Finding,
    FindingStatus,
    Resource,
    Resources,
    ResourceSet,
    UnreadableValue,
    as_resource_set,
    paused_gc,
)
from pytest_iaccompliance.policies.base import (
    Outcome,
    Policy,
    PolicyContext,
    Result,
    RuleSettings,
    cannot_evaluate,
)

__all__ = [
    "BrokenPolicyError",
    "PolicyError",
    "candidates",
    "check_resource",
    "check_resources",
    "crash_finding",
    "crash_text",
    "evaluate",
    "evaluate_policy",
    "finding_for",
]


# Exceptions whose text names a key, an attribute or a limit, never a resource's value: shown in full.
# Any other exception's text may quote the value the policy choked on (``int('hunter2')``): withheld.
_TELLING_ERRORS = (LookupError, AttributeError, NameError, NotImplementedError, RecursionError)


class PolicyError(RuntimeError):
    """A policy raised or answered something other than a ``Result``; names the policy and resource."""

    def __init__(self, message: str, policy_id: str = "", address: str = "") -> None:
        super().__init__(message)
        self.policy_id = policy_id
        self.address = address


class BrokenPolicyError(RuntimeError):
    """A policy that cannot run at all (a foreign policy's syntax or runtime error, in its engine's words):
    the text is about the policy, not a resource's values, and is shown in full."""


def crash_text(exc: Exception) -> tuple[str, str]:
    """``("KeyError: 'x'", "; at rules.py:12 in check")``: the exception, with its own text only when
    that cannot quote a value, and the place it was raised (empty when unknown)."""
    text = f"{type(exc).__name__}: {exc}" if isinstance(exc, _TELLING_ERRORS) else type(exc).__name__
    frames = traceback.extract_tb(exc.__traceback__)
    where = f"; at {Path(frames[-1].filename).name}:{frames[-1].lineno} in {frames[-1].name}" if frames else ""
    return text, where


def candidates(policy: Policy, resources: ResourceSet) -> Iterable[Resource]:
    """The resources a policy is asked about; with ``WHOLE_SOURCE`` among its types, the source too."""
    if WHOLE_SOURCE in policy.resource_types:
        found = list(resources) if "*" in policy.resource_types else resources.of_type(*policy.resource_types)
        return [*found, resources.whole_source()]
    if policy.applies_to_all():
        return resources
    return resources.of_type(*policy.resource_types)


def _status(outcome: Outcome) -> FindingStatus | None:
    """The status an outcome stands for; ``None`` for not applicable. Identity tests: an enum member's hash
    is a Python-level call, which a dictionary keyed by outcome would pay for every judged pair."""
    if outcome is Outcome.COMPLIANT:
        return FindingStatus.PASSED
    if outcome is Outcome.NON_COMPLIANT:
        return FindingStatus.FAILED
    if outcome is Outcome.UNKNOWN:
        return FindingStatus.UNKNOWN
    return None


def finding_for(policy: Policy, resource: Resource, result: Result) -> Finding | None:
    """The finding a result stands for; ``None`` for not applicable."""
    status = _status(result.outcome)
    if status is None:
        return None
    return _finding(_policy_fields(policy)[status], resource, _message(policy, status, result.messages))


def _message(policy: Policy, status: FindingStatus, messages: tuple[str, ...]) -> str:
    """The rule's messages joined, or what a finding without one says."""
    if messages:
        return messages[0] if len(messages) == 1 else "; ".join(messages)
    return "compliant" if status is FindingStatus.PASSED else policy.title


def _finding(base: dict[str, Any], resource: Resource, message: str) -> Finding:
    """Made once per judged pair, so on a large plan it is the engine's innermost step: what a finding
    shares with every other finding of its policy and status is read once per policy (``_policy_fields``),
    and only where its resource is, and its message, are set here."""
    source = resource.source
    fields = base.copy()  # a copy of a dict, then plain stores: a third of the cost of a ``{**base, ...}``
    fields["address"] = resource.address
    fields["resource_type"] = resource.type
    fields["source_file"] = source.file
    fields["message"] = message
    fields["location"] = source.path
    if source.origin_line is not None:  # the user's line, where the source recorded it
        fields["origin_file"] = source.origin_file
        fields["origin_line"] = source.origin_line
    # ``Finding.from_fields`` without its check that every field is given: ``_policy_fields`` made it on
    # this very set of keys when it made ``base``, and it would cost a third of the finding here.
    finding = _new(Finding)
    _set(finding, "__dict__", fields)
    return finding


_new = object.__new__
_set = object.__setattr__
# What a finding says of its resource: set per finding, over its policy's fields for its status.
_RESOURCE_FIELDS = ("address", "resource_type", "source_file", "message", "location")


# Policy id() -> (policy, fields by status). The policy is held, so its id cannot be reused while cached; keyed
# by id because hashing a policy (a dataclass of ten fields) per finding would cost more than it saves.
_POLICY_FIELDS: dict[int, tuple[Policy, dict[FindingStatus, dict[str, Any]]]] = {}


def _policy_fields(policy: Policy) -> dict[FindingStatus, dict[str, Any]]:
    """Per status, the fields every finding of a policy with that status shares, its defaults included."""
    cached = _POLICY_FIELDS.get(id(policy))
    if cached is not None and cached[0] is policy:
        return cached[1]
    if len(_POLICY_FIELDS) >= 4096:
        _POLICY_FIELDS.clear()
    fields = {
        **Finding.defaults(),
        "policy_id": policy.id,
        "severity": policy.severity,
        "title": policy.title,
        "controls": policy.controls,
        "checkov_ids": policy.checkov_ids,
    }
    by_status = {status: {**fields, "status": status} for status in FindingStatus}
    Finding.from_fields({**by_status[FindingStatus.PASSED], **dict.fromkeys(_RESOURCE_FIELDS, "")})  # complete?
    _POLICY_FIELDS[id(policy)] = (policy, by_status)
    return by_status


def _policy_error(policy: Policy, resource: Resource, exc: Exception) -> PolicyError:
    text, where = crash_text(exc)
    return PolicyError(
        f"policy {policy.id} raised {text} on {resource.address} ({resource.source.describe()}{where})",
        policy.id,
        resource.address,
    )


def _not_a_result(policy: Policy, resource: Resource, result: object) -> PolicyError:
    return PolicyError(
        f"policy {policy.id} returned {type(result).__name__} for {resource.address}; a check returns "
        "compliant(), non_compliant(...), not_applicable() or cannot_evaluate(...)",
        policy.id,
        resource.address,
    )


_COMPLIANT = Outcome.COMPLIANT
_NON_COMPLIANT = Outcome.NON_COMPLIANT
_UNKNOWN = Outcome.UNKNOWN


def check_resource(policy: Policy, resource: Resource, context: PolicyContext) -> Finding | None:
    """One policy on one resource; a misbehaving policy is reported by id and resource."""
    findings = check_resources(policy, (resource,), context)
    return findings[0] if findings else None


def check_resources(policy: Policy, resources: Iterable[Resource], context: PolicyContext, *,
                    isolate_crashes: bool = False) -> list[Finding]:
    """One policy over resources, not-applicable pairs left out: the engine's innermost loop.

    A policy that raises, or answers something other than a ``Result``, raises ``PolicyError`` naming the
    policy and resource; with ``isolate_crashes`` it gives that resource an ``unknown`` finding instead
    (``crash_finding``) and the loop goes on. One loop per policy, so what every pair of a policy shares
    (its check, its findings' common fields) is read once, not once per resource.
    """
    # What a third-party check answers is checked, whatever its annotation says.
    check: Callable[[Resource, PolicyContext], object] = policy.check
    by_status = _policy_fields(policy)
    # Read here, not per finding: an enum member's hash is a Python-level call.
    passed = by_status[FindingStatus.PASSED]
    failed = by_status[FindingStatus.FAILED]
    unknown = by_status[FindingStatus.UNKNOWN]
    findings: list[Finding] = []
    append = findings.append
    for resource in resources:
        try:
            result = check(resource, context)
        except UnreadableValue as exc:
            reason = exc.reason if exc.reason.startswith("`") else f"{resource.address}: {exc.reason}"
            result = cannot_evaluate(reason)
        except BrokenPolicyError as exc:
            broken = PolicyError(f"policy {policy.id} cannot run: {exc}", policy.id, resource.address)
            if not isolate_crashes:
                raise broken from exc
            findings.append(crash_finding(policy, resource, broken))
            continue
        except PolicyError as own:  # a policy that reports its own failure (an adapter whose tool failed)
            if not isolate_crashes:
                raise
            findings.append(crash_finding(policy, resource, own))
            continue
        except Exception as exc:
            crashed = _policy_error(policy, resource, exc)
            if not isolate_crashes:
                raise crashed from exc
            findings.append(crash_finding(policy, resource, crashed))
            continue
        if type(result) is not Result and not isinstance(result, Result):
            error = _not_a_result(policy, resource, result)
            if not isolate_crashes:
                raise error
            findings.append(crash_finding(policy, resource, error))
            continue
        outcome = result.outcome
        if outcome is _COMPLIANT:
            messages = result.messages
            append(_finding(passed, resource,
                            _message(policy, FindingStatus.PASSED, messages) if messages else "compliant"))
        elif outcome is _NON_COMPLIANT:
            append(_finding(failed, resource, _message(policy, FindingStatus.FAILED, result.messages)))
        elif outcome is _UNKNOWN:
            append(_finding(unknown, resource, _message(policy, FindingStatus.UNKNOWN, result.messages)))
    return findings


def crash_finding(policy: Policy, resource: Resource, error: PolicyError) -> Finding:
    """The ``unknown`` finding standing for a policy that crashed on ``resource``."""
    finding = finding_for(policy, resource, cannot_evaluate(f"{error}; the policy could not judge this resource"))
    assert finding is not None
    return finding


def evaluate_policy(policy: Policy, context: PolicyContext, *, isolate_crashes: bool = False) -> Iterator[Finding]:
    """Findings of one policy over the context's resources; not-applicable pairs yield nothing.

    With ``isolate_crashes`` a policy that raises on one resource gives an ``unknown`` finding there
    (``crash_finding``) and goes on with the next; otherwise ``PolicyError`` propagates.
    """
    yield from check_resources(policy, candidates(policy, context.resources), context,
                               isolate_crashes=isolate_crashes)


def evaluate(
    resources: Resources,
    policies: Iterable[Policy],
    settings: RuleSettings | None = None,
) -> list[Finding]:
    """Every policy over every resource it reads, passed findings included.

    A policy that crashes on a resource gives an ``unknown`` finding saying so (see the module's
    docstring); the other policies and resources are judged as usual.
    """
    context = PolicyContext(as_resource_set(resources), settings or RuleSettings())
    with paused_gc():  # findings are acyclic: a large scan would otherwise trigger full collections
        findings: list[Finding] = []
        for policy in policies:
            findings += check_resources(policy, candidates(policy, context.resources), context, isolate_crashes=True)
        return findings
