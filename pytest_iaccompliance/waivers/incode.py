"""In-code waivers: recorded on the resource where it is declared, so they travel with the code.

cdktf: ``waive(construct, ...)`` writes the waiver into the resource's synthesized ``//`` metadata, so
the synthesized ``cdk.tf.json`` carries it and a scan of ``cdktf.out`` honours it as the fixture does
(Checkov ignores its own skip comments there, checkov#4634). Pulumi: ``waive_opts(...)`` gives resource
options whose transformation records the waiver where the mock run reads it. Both require a reason and an expiry
within the horizon, as the waiver file does.
"""

from __future__ import annotations

import glob
from collections.abc import Mapping
from datetime import date
from typing import Any

from pytest_iaccompliance.model import IN_CODE_WAIVERS
from pytest_iaccompliance.waivers.file import check_expiry
from pytest_iaccompliance.waivers.model import DEFAULT_MAX_DAYS, Waiver, WaiverError, reason_problem, today

__all__ = ["in_code_waivers", "pulumi_waiver", "waive", "waive_opts",
           "waiver_record", "waivers_from_records"]

METADATA_KEY = IN_CODE_WAIVERS  # under "//" in synthesized JSON, and in a ResourceSet's metadata by address


def waiver_record(policy: str, reason: str, expires: date | str, *, owner: str = "", where: str = "waiver",
                  max_days: int = DEFAULT_MAX_DAYS, on: date | None = None) -> dict[str, str]:
    """A checked, JSON-ready waiver for one resource (the address is the resource's own)."""
    if not isinstance(policy, str) or not policy.strip():
        raise WaiverError(where, "expects a policy id or glob", "policy")
    problem = reason_problem(reason)
    if problem:
        raise WaiverError(where, problem, "reason")
    until = check_expiry(expires, where, on=on or today(), max_days=max_days)
    record = {"reason": " ".join(reason.split()), "expires": until.isoformat()}
    return record | ({"owner": owner} if owner else {})


def waive(construct: Any, policy: str, *, reason: str, expires: date | str, owner: str = "",
          max_days: int = DEFAULT_MAX_DAYS) -> None:
    """Waive ``policy`` (id or glob) on a cdktf/cdktn resource, or on every resource under a construct.

    The waiver is written into each resource's ``//`` metadata, so it is part of the synthesized JSON:
    the ``cdktf_synth`` fixture, ``assert_compliant`` and a scan of ``cdktf.out`` all honour it.
    """
    where = f"waiver of {policy} on {getattr(getattr(construct, 'node', None), 'path', construct)}"
    if isinstance(policy, str) and "." in policy:
        raise WaiverError(where, "a policy id with a dot cannot be recorded in cdktf metadata", "policy")
    record = waiver_record(policy, reason, expires, owner=owner, where=where, max_days=max_days)
    targets = [construct] if _is_resource(construct) else [
        child for child in construct.node.find_all() if _is_resource(child)]
    if not targets:
        raise WaiverError(where, "found no resource to record the waiver on")
    for target in targets:
        target.add_override(f"//.{METADATA_KEY}.{policy.strip()}", record)


def _is_resource(construct: Any) -> bool:
    return hasattr(construct, "add_override") and isinstance(getattr(construct, "terraform_resource_type", None), str)


def pulumi_waiver(policy: str, *, reason: str, expires: date | str, owner: str = "",
                  max_days: int = DEFAULT_MAX_DAYS) -> Any:
    """A Pulumi resource transformation that records a waiver of ``policy`` on the resource it is given
    to (``opts=ResourceOptions(transformations=[pulumi_waiver(...)])``); it changes nothing deployed."""
    record = waiver_record(policy, reason, expires, owner=owner, where=f"waiver of {policy}", max_days=max_days)

    def transformation(args: Any) -> None:
        from pytest_iaccompliance.pulumi.runner import RECORDED_WAIVERS

        RECORDED_WAIVERS.setdefault((str(args.type_), str(args.name)), {})[policy.strip()] = record

    return transformation


def waive_opts(policy: str, *, reason: str, expires: date | str, owner: str = "",
               max_days: int = DEFAULT_MAX_DAYS) -> Any:
    """``pulumi.ResourceOptions`` carrying ``pulumi_waiver``; merge with others by
    ``ResourceOptions.merge``."""
    import pulumi

    return pulumi.ResourceOptions(transformations=[
        pulumi_waiver(policy, reason=reason, expires=expires, owner=owner, max_days=max_days)])


def waivers_from_records(records: object, address: str, where: str) -> list[Waiver]:
    """The waivers recorded on one resource (``{policy: {reason, expires, owner}}``); a malformed record
    is an error naming the resource and the field."""
    if not isinstance(records, Mapping):
        raise WaiverError(where, f"expects an object of waivers by policy id on {address}", METADATA_KEY)
    waivers: list[Waiver] = []
    for policy, record in records.items():
        origin = f"{where}: {address} waives {policy} in code"
        if not isinstance(record, Mapping):
            raise WaiverError(origin, "is not an object")
        reason = record.get("reason")
        problem = reason_problem(reason)
        if problem:
            raise WaiverError(origin, problem, "reason")
        try:
            expires = date.fromisoformat(str(record.get("expires")))
        except ValueError:
            raise WaiverError(origin, f"expects a date (YYYY-MM-DD), got {record.get('expires')!r}",
                              "expires") from None
        waivers.append(Waiver(policy=str(policy), address=glob.escape(address), reason=" ".join(str(reason).split()),
                              expires=expires, origin=origin, owner=str(record.get("owner") or "")))
    return waivers


def in_code_waivers(resources: Any) -> tuple[Waiver, ...]:
    """The in-code waivers a source recorded on a resource set (``metadata[IN_CODE_WAIVERS]``), checked."""
    metadata = getattr(resources, "metadata", None)
    found = metadata.get(IN_CODE_WAIVERS) if isinstance(metadata, Mapping) else None
    if not found:
        return ()
    name = getattr(resources, "name", None)
    where = f"stack {name}" if name else "stack"
    if not isinstance(found, Mapping):
        raise WaiverError(str(where), "expects waivers by resource address", IN_CODE_WAIVERS)
    return tuple(w for address, records in found.items() for w in waivers_from_records(records, str(address), where))
