"""Drift: what the live state (``terraform show -json``, ``terraform.tfstate``, ``pulumi stack export``)
has that the baseline (cdktf synthesis, plan JSON, a Pulumi run under mocks) did not declare.

Only what the baseline declares is compared, plus the attributes a severity rule watches (a security
group's ingress, a bucket's public access, policy documents): live state also holds every default and
every computed value, and reading those as drift would bury the real change. Nested blocks match by
containment: a key the baseline leaves out may be empty in the live state, never set. A value the
baseline does not know (a reference resolved only at apply) is not compared. Messages show values
through ``show_value``, so a secret attribute shows its type only.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from fnmatch import fnmatchcase
from typing import Any

from pytest_iaccompliance.model import (
    Finding,
    FindingStatus,
    Resource,
    Resources,
    ResourceSet,
    Severity,
    as_resource_set,
    is_unknown,
    show_value,
)

__all__ = [
    "DEFAULT_IGNORED",
    "DEFAULT_RULES",
    "DRIFT_ADDED",
    "DRIFT_CHANGED",
    "DRIFT_REMOVED",
    "Change",
    "DriftRule",
    "compare",
    "drift_findings",
    "parse_rules",
]

DRIFT_ADDED = "DRIFT-ADDED"
DRIFT_REMOVED = "DRIFT-REMOVED"
DRIFT_CHANGED = "DRIFT-CHANGED"
_TITLES = {
    DRIFT_ADDED: "Resource exists live but not in the baseline",
    DRIFT_REMOVED: "Resource in the baseline is missing live",
    DRIFT_CHANGED: "Resource attribute differs live from the baseline",
}

# Attributes the provider computes (matched against the top-level name or the full path).
DEFAULT_IGNORED: tuple[str, ...] = (
    "id", "arn", "*_arn", "tags_all", "owner_id", "unique_id", "*_id_unique", "create_date", "created_*",
    "creation_*", "*_time", "*_timestamp", "last_modified*", "latest_version", "version_id", "etag", "timeouts",
    "hosted_zone_id", "bucket_domain_name", "bucket_regional_domain_name", "region", "*_domain_name",
    "dns_name", "endpoint", "address", "resource_id", "urn", "__*",
)


@dataclass(frozen=True)
class DriftRule:
    """Severity of drift on resources of ``resource_type`` (glob) at ``attribute`` (glob over the path;
    ``*`` also stands for a whole resource added or removed)."""

    resource_type: str
    attribute: str
    severity: Severity

    def matches(self, resource_type: str, path: str) -> bool:
        return fnmatchcase(resource_type, self.resource_type) and (
            fnmatchcase(path, self.attribute) or fnmatchcase(path.split(".", 1)[0].split("[", 1)[0], self.attribute))


_CRITICAL, _WARNING = Severity.CRITICAL, Severity.WARNING
DEFAULT_RULES: tuple[DriftRule, ...] = (
    DriftRule("*", "tags", _WARNING),
    DriftRule("aws_security_group", "ingress", _CRITICAL),
    DriftRule("aws_security_group", "egress", _CRITICAL),
    DriftRule("aws_security_group_rule", "*", _CRITICAL),
    DriftRule("aws_vpc_security_group_*_rule", "*", _CRITICAL),
    DriftRule("aws_network_acl*", "*", _CRITICAL),
    DriftRule("aws_s3_bucket_public_access_block", "*", _CRITICAL),
    DriftRule("aws_s3_account_public_access_block", "*", _CRITICAL),
    DriftRule("aws_s3_bucket_acl", "*", _CRITICAL),
    DriftRule("aws_s3_bucket_policy", "*", _CRITICAL),
    DriftRule("aws_s3_bucket", "acl", _CRITICAL),
    DriftRule("aws_iam_*", "*", _CRITICAL),
    DriftRule("*", "*policy", _CRITICAL),
    DriftRule("*", "policy_*", _CRITICAL),
    DriftRule("*", "publicly_accessible", _CRITICAL),
)
# Rules that name an attribute (not "*") are watched: set live while absent from the baseline is drift.
_DEFAULT_SEVERITY = Severity.WARNING


def parse_rules(lines: Iterable[str]) -> tuple[DriftRule, ...]:
    """``TYPE_GLOB ATTRIBUTE_GLOB = critical|warning`` lines, as ini ``iac_drift_severity`` holds them."""
    rules: list[DriftRule] = []
    for line in lines:
        left, sep, severity = line.partition("=")
        parts = left.split()
        if not sep or len(parts) != 2:
            raise ValueError(f"expected `TYPE_GLOB ATTRIBUTE_GLOB = critical|warning`, got {line!r}")
        rules.append(DriftRule(parts[0], parts[1], Severity.parse(severity)))
    return tuple(rules)


@dataclass(frozen=True)
class Change:
    """One difference: a resource added or removed, or one attribute path changed."""

    kind: str
    address: str
    resource_type: str
    severity: Severity
    message: str
    path: str = ""
    source_file: str | None = None

    def to_finding(self) -> Finding:
        return Finding(policy_id=self.kind, severity=self.severity, status=FindingStatus.FAILED, address=self.address,
                       resource_type=self.resource_type, source_file=self.source_file, message=self.message,
                       title=_TITLES[self.kind])


# What a key the baseline leaves out may hold live (``false`` as ``_canonical`` writes it).
_EMPTY: tuple[object, ...] = (None, "", False, "false")


def _is_empty(value: object) -> bool:
    return value in _EMPTY if not isinstance(value, (Mapping, list, tuple)) else not value


def _canonical(value: Any) -> Any:
    """One shape for equal meaning: JSON documents parsed, one-element lists as their element, scalars
    as text (state keeps ``"80"`` where configuration has ``80``), key order and list order not counted."""
    if isinstance(value, str):
        text = value.strip()
        if text[:1] in "{[" and text[-1:] in "}]":
            try:
                return _canonical(json.loads(text))
            except ValueError:
                pass
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(int(value)) if isinstance(value, float) and value.is_integer() else str(value)
    if isinstance(value, Mapping):
        return {str(k): _canonical(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        items = [_canonical(v) for v in value]
        return items[0] if len(items) == 1 else sorted(items, key=lambda v: json.dumps(v, sort_keys=True))
    return value


def _contains(live: Any, expected: Any) -> bool:
    """``live`` holds what ``expected`` declares; keys ``expected`` leaves out are empty live."""
    if is_unknown(expected):
        return True
    if isinstance(expected, Mapping):
        if not isinstance(live, Mapping):
            return False
        return all(_contains(live.get(k), v) if not _is_empty(v) else _is_empty(live.get(k))
                   for k, v in expected.items()) and all(
            _is_empty(v) for k, v in live.items() if k not in expected)
    if isinstance(expected, list):
        live_items = live if isinstance(live, list) else [live]
        if len(live_items) != len(expected):
            return False
        remaining = list(live_items)
        for item in expected:  # order-insensitive: Terraform sets (ingress, cidr_blocks) have no order
            match = next((i for i, candidate in enumerate(remaining) if _contains(candidate, item)), None)
            if match is None:
                return False
            remaining.pop(match)
        return True
    return bool(live == expected)


def _ignored(path: str, ignored: Sequence[str]) -> bool:
    top = path.split(".", 1)[0]
    return any(fnmatchcase(path, pattern) or fnmatchcase(top, pattern) for pattern in ignored)


def _severity(rules: Sequence[DriftRule], resource_type: str, path: str) -> Severity:
    return next((r.severity for r in rules if r.matches(resource_type, path)), _DEFAULT_SEVERITY)


def _watched(rules: Sequence[DriftRule], resource_type: str, key: str) -> bool:
    return any(r.attribute != "*" and r.matches(resource_type, key) for r in rules)


_ROOT_STACK = "pulumi:pulumi:Stack$"


def _key(address: str) -> str:
    """How a resource is matched: its address; for a Pulumi URN without the root stack in its type chain,
    which the engine leaves out of real URNs and the mock monitor puts in."""
    return address.replace(_ROOT_STACK, "") if address.startswith("urn:pulumi:") else address


def compare(baseline: Resources, live: Resources, *, rules: Sequence[DriftRule] = (),
            ignored: Sequence[str] = ()) -> list[Change]:
    """Every drift of ``live`` from ``baseline``; ``rules`` come before ``DEFAULT_RULES``, ``ignored``
    adds to ``DEFAULT_IGNORED``. Managed resources are matched by address; data sources are not compared."""
    all_rules = (*rules, *DEFAULT_RULES)
    all_ignored = (*DEFAULT_IGNORED, *ignored)
    expected = {_key(r.address): r for r in as_resource_set(baseline) if r.mode == "managed"}
    actual = {_key(r.address): r for r in as_resource_set(live) if r.mode == "managed"}
    changes: list[Change] = []
    # A removed resource is reported against the live file too, so waivers and baselines key it there.
    live_file = next((r.source.file for r in actual.values() if r.source.file), None)
    for key in sorted(expected.keys() - actual.keys()):
        resource = expected[key]
        address = resource.address
        changes.append(Change(DRIFT_REMOVED, address, resource.type, _severity(all_rules, resource.type, "*"),
                              f"{address}: declared in the baseline, missing live", source_file=live_file))
    for key in sorted(actual.keys() - expected.keys()):
        resource = actual[key]
        address = resource.address
        changes.append(Change(DRIFT_ADDED, address, resource.type, _severity(all_rules, resource.type, "*"),
                              f"{address}: exists live, not declared in the baseline",
                              source_file=resource.source.file))
    for key in sorted(expected.keys() & actual.keys()):
        changes.extend(_attribute_changes(expected[key], actual[key], all_rules, all_ignored))
    return changes


def _single(value: Any) -> Any:
    return value[0] if isinstance(value, (list, tuple)) and len(value) == 1 else value


def _differences(have: Any, want: Any, path: str) -> list[tuple[str, Any, Any]]:
    """Where ``have`` departs from ``want``, as deep as one block inside another can say it."""
    if is_unknown(want) or (want is None and _is_empty(have)) or _contains(_canonical(have), _canonical(want)):
        return []
    inner_have, inner_want = _single(have), _single(want)
    if isinstance(inner_have, Mapping) and isinstance(inner_want, Mapping):
        keys = [k for k, v in inner_want.items() if not _is_empty(v)]
        keys += [k for k, v in inner_have.items() if k not in inner_want and not _is_empty(_canonical(v))]
        found = [d for k in keys for d in _differences(inner_have.get(k), inner_want.get(k), f"{path}.{k}")]
        return found or [(path, have, want)]
    return [(path, have, want)]


def _attribute_changes(expected: Resource, actual: Resource, rules: Sequence[DriftRule],
                       ignored: Sequence[str]) -> list[Change]:
    changes: list[Change] = []
    keys = [k for k, v in expected.properties.items() if v is not None]
    keys += sorted(k for k in actual.properties if k not in expected.properties and _watched(rules, actual.type, k))
    for key in keys:
        for path, have, want in _differences(actual.properties.get(key), expected.properties.get(key), key):
            if _ignored(path, ignored):
                continue
            shown_want = "absent" if want is None else show_value(want, path, actual.is_secret, limit=240)
            shown_have = "absent" if have is None else show_value(have, path, actual.is_secret, limit=240)
            changes.append(Change(
                DRIFT_CHANGED, actual.address, actual.type, _severity(rules, actual.type, path),
                f"{actual.address}: `{path}` is {shown_have} live, the baseline declares {shown_want}",
                path=path, source_file=actual.source.file))
    return changes


def drift_findings(baseline: Resources, live: Resources, *, rules: Sequence[DriftRule] = (),
                   ignored: Sequence[str] = ()) -> list[Finding]:
    """Drift as failed findings (policy ids ``DRIFT-ADDED``/``-REMOVED``/``-CHANGED``), so thresholds,
    waivers, baselines and reports treat it as any other finding."""
    return [change.to_finding() for change in compare(baseline, live, rules=rules, ignored=ignored)]


@dataclass(frozen=True)
class DriftResult:
    """What ``iac_drift(baseline, live)`` answers: the changes, as findings too, and an assertion."""

    changes: tuple[Change, ...]

    @property
    def findings(self) -> list[Finding]:
        return [change.to_finding() for change in self.changes]

    def at_least(self, severity: Severity | str = Severity.WARNING) -> list[Change]:
        threshold = Severity.parse(severity) if isinstance(severity, str) else severity
        return [c for c in self.changes if c.severity.rank >= threshold.rank]

    def assert_none(self, min_severity: Severity | str = Severity.WARNING) -> None:
        """Fail listing every drift at ``min_severity`` or above."""
        __tracebackhide__ = True
        found = self.at_least(min_severity)
        if found:
            lines = [f"  {c.severity.value.upper()} {c.kind} {c.message}" for c in found]
            raise AssertionError(f"{len(found)} drift(s) from the baseline:\n" + "\n".join(lines))

    def __len__(self) -> int:
        return len(self.changes)

    def __bool__(self) -> bool:
        return bool(self.changes)


def load_stack(path: str | os.PathLike[str]) -> ResourceSet:
    """The one stack a baseline or live file holds; a folder of several stacks must name one."""
    from pytest_iaccompliance.sources import SourceError, load_path

    loaded = load_path(path)
    if len(loaded) != 1:
        raise SourceError(path, f"holds {len(loaded)} stacks; compare one stack's file")
    return loaded[0].resources
