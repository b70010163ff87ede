"""How findings and lists of resources read, in a terminal, an assertion message or a rule's own message.

One home, so every output agrees: a finding names its resource once, a long list is cut the same way
everywhere, and a bound chosen by the user (``iac_max_listed``, ``-v``) means the same thing in every place.
Imports nothing but the model, so any layer may use it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any, TypeVar

from pytest_iaccompliance.model import Finding, FindingStatus, Resource, ResourceSet, Severity

T = TypeVar("T")

__all__ = [
    "and_more",
    "bounded",
    "finding_line",
    "listed",
    "located",
    "resource_set_name",
    "shown_setting",
    "violation_line",
    "violations_message",
]


def finding_line(finding: Finding) -> str:
    """``address (location): what is wrong [waiver]``, naming the resource once.

    Rule messages begin with the resource they judge (they may also name a separate rule resource), so a
    message that already starts with the finding's address is not prefixed with it again.
    """
    address, message = finding.address, finding.message
    where = f" ({finding.location})" if finding.location and finding.location != address else ""
    waiver = f" [{finding.waiver}]" if finding.waiver else ""
    if message.startswith(f"{address}: "):
        return f"{address}{where}: {message[len(address) + 2:]}{waiver}"
    if message.startswith(f"{address} "):
        return f"{address}{where}{message[len(address):]}{waiver}"
    return f"{address}{where}: {message}{waiver}"


def violation_line(finding: Finding) -> str:
    """``CRITICAL AWS-S3-001 cannot evaluate: address: message [controls]``: one entry in a list of many."""
    controls = f" [{', '.join(finding.controls)}]" if finding.controls else ""
    verdict = "cannot evaluate: " if finding.status is FindingStatus.UNKNOWN else ""
    return f"{finding.severity.value.upper()} {finding.policy_id} {verdict}{finding_line(finding)}{controls}"


def and_more(hidden: int, hint: str = "") -> str:
    """``... and 40 more (hint)``: what stands for the entries a bound left out."""
    return f"... and {hidden} more" + (f" ({hint})" if hint else "")


def bounded(entries: Sequence[T], limit: int | None, *, show: Callable[[T], str] = str, indent: str = "",
            hint: str = "") -> list[str]:
    """At most ``limit`` entries (every one when ``None``), each shown as a line, then one line counting the
    rest. Entries left out are never shown, so bounding 50,000 findings costs ten lines of formatting."""
    if limit is None or len(entries) <= limit:
        return [show(entry) for entry in entries]
    return [*(show(entry) for entry in entries[:limit]), f"{indent}{and_more(len(entries) - limit, hint)}"]


def listed(items: Iterable[str], limit: int | None, *, hint: str = "") -> str:
    """``a, b, c and 4 more``: a short inline list; ``none`` when there is nothing to list."""
    entries = list(items)
    if not entries:
        return "none"
    if limit is None or len(entries) <= limit:
        return ", ".join(entries)
    shown = ", ".join(entries[:limit])
    rest = f"and {len(entries) - limit} more" + (f" ({hint})" if hint else "")
    return f"{shown} {rest}" if shown else rest


def located(resource: Resource) -> str:
    """``address (file :: construct path)``: a resource and where it was declared, when that says more."""
    where = resource.source.describe()
    return resource.address if where in (resource.address, resource.source.kind) else f"{resource.address} ({where})"


def shown_setting(resource: Resource, path: str, value: Any = None) -> str:
    """A setting of ``resource`` for a rule's message (the one at ``path`` by default): short; a secret (by
    name or the source's marking), an object or a list as its type only."""
    return resource.show_value(path, value, scalar=True)


def resource_set_name(resources: ResourceSet) -> str:
    """``stack 'web'``, or ``the resource set`` for one without a name."""
    return f"stack {resources.name!r}" if resources.name else "the resource set"


def violations_message(violations: Sequence[Finding], threshold: Severity, resources: ResourceSet) -> str:
    """The message of a failed compliance assertion: every violation, most severe first."""
    ordered = sorted(violations, key=lambda f: (-f.severity.rank, f.policy_id, f.address))
    return (
        f"{len(ordered)} compliance finding(s) at {threshold.value} or above in {resource_set_name(resources)}:\n"
        + "\n".join(f"  {violation_line(f)}" for f in ordered)
    )
