"""Assertions over any resource set (cdktf, Terraform JSON, Pulumi), saying what is wrong.

cdktf's ``Testing`` matchers answer a bare bool and cannot match ``None`` (terraform-cdk#2326);
these raise ``AssertionError`` naming the resources and the properties that differ. No pytest here:
they work in any test runner. Values are shown through ``model.show_value``: an attribute that is
secret by name or by the source's marking shows its type only. Each helper hides its own frame
(``__tracebackhide__``), so a failure points at the user's line.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any

from pytest_iaccompliance.model import (
    Finding,
    FindingStatus,
    Resource,
    Resources,
    ResourceSet,
    Severity,
    as_resource_set,
    is_secret_name,
    show_value,
)
from pytest_iaccompliance.policies.base import RuleSettings
from pytest_iaccompliance.policies.suite import PolicySuite
from pytest_iaccompliance.reporting.text import finding_line

if TYPE_CHECKING:
    from pytest_iaccompliance.policies.base import Policy

__all__ = [
    "assert_all_resources",
    "assert_compliant",
    "assert_has_resource",
    "assert_resource_count",
    "property_mismatches",
]

_MAX_LISTED = 10
_ABSENT = object()


def _where(resources: ResourceSet) -> str:
    return f"stack {resources.name!r}" if resources.name else "the resource set"


def _located(resource: Resource) -> str:
    where = resource.source.describe()
    return (
        resource.address
        if where in (resource.address, resource.source.kind)
        else f"{resource.address} ({where})"
    )


def property_mismatches(
    actual: Any, expected: Any, path: str = "", *, is_secret: Callable[[str], bool] = is_secret_name
) -> list[str]:
    """How ``actual`` fails to contain ``expected``; empty when it does.

    Mappings match partially (extra keys are fine), ``None`` means "absent or null", lists match
    element by element, and a mapping matches a one-element list of blocks (Terraform's shape).
    A value at a path ``is_secret`` accepts is described by its type, never shown.
    """
    label = path or "value"

    def short(value: Any) -> str:
        return show_value(value, path, is_secret)

    if expected is None:
        return (
            []
            if actual is None or actual is _ABSENT
            else [f"{label}: expected absent or null, got {short(actual)}"]
        )
    if actual is _ABSENT or actual is None:
        return [f"{label}: missing (expected {short(expected)})"]
    if isinstance(expected, Mapping):
        if (
            isinstance(actual, (list, tuple))
            and len(actual) == 1
            and isinstance(actual[0], Mapping)
        ):
            actual = actual[0]
        if not isinstance(actual, Mapping):
            return [f"{label}: expected an object, got {short(actual)}"]
        problems: list[str] = []
        for key, value in expected.items():
            problems += property_mismatches(
                actual.get(key, _ABSENT), value, f"{path}.{key}" if path else str(key), is_secret=is_secret
            )
        return problems
    if isinstance(expected, (list, tuple)):
        if not isinstance(actual, (list, tuple)):
            return [f"{label}: expected a list, got {short(actual)}"]
        if len(actual) != len(expected):
            return [
                f"{label}: expected {len(expected)} item(s), got {len(actual)}: {short(actual)}"
            ]
        problems = []
        for index, (got, want) in enumerate(zip(actual, expected, strict=False)):
            problems += property_mismatches(got, want, f"{label}[{index}]", is_secret=is_secret)
        return problems
    if actual != expected or isinstance(actual, bool) != isinstance(expected, bool):
        return [f"{label}: expected {short(expected)}, got {short(actual)}"]
    return []


def _of_type(resources: ResourceSet, resource_type: str) -> list[Resource]:
    return resources.of_type(resource_type)


def _types_present(resources: ResourceSet) -> str:
    types = resources.types
    return (
        ", ".join(types[:_MAX_LISTED]) + (" ..." if len(types) > _MAX_LISTED else "")
        if types
        else "none"
    )


def assert_has_resource(
    resources: Resources, resource_type: str, properties: Mapping[str, Any] | None = None
) -> Resource:
    """Some resource of ``resource_type`` has ``properties`` (partial match); returns the first.

    A secret attribute (by name, or marked by the source) is described by its type in the message.
    """
    __tracebackhide__ = True
    resources = as_resource_set(resources)
    candidates = _of_type(resources, resource_type)
    if not candidates:
        raise AssertionError(
            f"{_where(resources)} has no {resource_type} resource "
            f"(types present: {_types_present(resources)})"
        )
    expected = properties or {}
    reports: list[str] = []
    for resource in candidates:
        problems = property_mismatches(resource.properties, expected, is_secret=resource.is_secret)
        if not problems:
            return resource
        reports.append(f"  {_located(resource)}: " + "; ".join(problems))
    shown = reports[:_MAX_LISTED]
    if len(reports) > _MAX_LISTED:
        shown.append(f"  ... and {len(reports) - _MAX_LISTED} more")

    def secret_anywhere(path: str) -> bool:
        return any(resource.is_secret(path) for resource in candidates)

    raise AssertionError(
        f"no {resource_type} in {_where(resources)} has properties "
        f"{show_value(dict(expected), '', secret_anywhere, limit=200)}; "
        f"{len(candidates)} candidate(s):\n" + "\n".join(shown)
    )


def assert_all_resources(
    resources: Resources,
    resource_type: str,
    predicate: Callable[[Resource], object],
    description: str | None = None,
    *,
    allow_empty: bool = False,
) -> list[Resource]:
    """Every resource of ``resource_type`` satisfies ``predicate``; the message names the others.

    The predicate gets a ``Resource`` (``.get(key)``, ``.lookup("a.b")``, ``.properties``,
    ``.tags``) and may return a truthy value or raise ``AssertionError`` with its own reason. With
    no resource of the type it fails unless ``allow_empty``: a typo must not pass silently.
    """
    __tracebackhide__ = True
    resources = as_resource_set(resources)
    candidates = _of_type(resources, resource_type)
    what = description or getattr(predicate, "__name__", "the predicate")
    if not candidates:
        if allow_empty:
            return []
        raise AssertionError(
            f"{_where(resources)} has no {resource_type} resource to check {what!r} on "
            "(types present: "
            f"{_types_present(resources)}); pass allow_empty=True if none is expected"
        )
    failing: list[str] = []
    for resource in candidates:
        try:
            ok = predicate(resource)
            reason = "" if ok else "predicate returned " + show_value(ok)
        except AssertionError as exc:
            ok, reason = False, str(exc) or "assertion failed"
        if not ok:
            failing.append(f"  {_located(resource)}: {reason}")
    if failing:
        shown = failing[:_MAX_LISTED]
        if len(failing) > _MAX_LISTED:
            shown.append(f"  ... and {len(failing) - _MAX_LISTED} more")
        raise AssertionError(
            f"{len(failing)} of {len(candidates)} {resource_type} resource(s) "
            f"in {_where(resources)} "
            f"fail {what!r}:\n" + "\n".join(shown)
        )
    return candidates


def assert_resource_count(resources: Resources, resource_type: str, count: int) -> list[Resource]:
    """Exactly ``count`` resources of ``resource_type``; the message lists those found."""
    __tracebackhide__ = True
    resources = as_resource_set(resources)
    found = _of_type(resources, resource_type)
    if len(found) != count:
        addresses = ", ".join(r.address for r in found[:_MAX_LISTED]) or "none"
        if len(found) > _MAX_LISTED:
            addresses += ", ..."
        raise AssertionError(
            f"expected {count} {resource_type} resource(s) in {_where(resources)}, "
            f"found {len(found)}: "
            f"{addresses}"
        )
    return found


def _severity(value: Severity | str) -> Severity:
    return value if isinstance(value, Severity) else Severity.parse(value)


def assert_compliant(
    resources: Resources,
    min_severity: Severity | str = Severity.WARNING,
    policies: PolicySuite | Iterable[Policy] | None = None,
    settings: RuleSettings | None = None,
) -> list[Finding]:
    """No policy fails, or cannot evaluate, at ``min_severity`` or above; the message lists each one.

    ``policies`` defaults to the registry (built-in pack plus installed packs); the ``iac_policies``
    fixture passes the project's configured suite. Returns all findings, passed ones included.
    """
    __tracebackhide__ = True
    resources = as_resource_set(resources)
    threshold = _severity(min_severity)
    if isinstance(policies, PolicySuite):
        suite = policies
    elif policies is None:
        suite = PolicySuite.load(settings=settings)
    else:
        suite = PolicySuite(tuple(policies), settings or RuleSettings())
    from pytest_iaccompliance.waivers import WaiverSet, in_code_waivers

    # Waivers recorded in code (cdktf metadata, Pulumi transformations) hold here as in a scan.
    findings = WaiverSet(in_code_waivers(resources)).apply(suite.evaluate(resources)).findings
    failed = [
        f
        for f in findings
        if f.status in (FindingStatus.FAILED, FindingStatus.UNKNOWN) and f.severity.rank >= threshold.rank
    ]
    if failed:
        failed.sort(key=lambda f: (-f.severity.rank, f.policy_id, f.address))
        lines = []
        for finding in failed:
            controls = f" [{', '.join(finding.controls)}]" if finding.controls else ""
            verdict = "cannot evaluate: " if finding.status is FindingStatus.UNKNOWN else ""
            lines.append(
                f"  {finding.severity.value.upper()} {finding.policy_id} {verdict}{finding_line(finding)}{controls}"
            )
        raise AssertionError(
            f"{len(failed)} compliance finding(s) at {threshold.value} or above "
            f"in {_where(resources)}:\n" + "\n".join(lines)
        )
    return findings
