"""In-code waivers: recorded on the resource where it is declared, so they travel with the code.

cdktf: ``waive(construct, ...)`` writes the waiver into the resource's synthesized ``//`` metadata, so
the synthesized ``cdk.tf.json`` carries it and a scan of ``cdktf.out`` honours it as the fixture does
(Checkov ignores its own skip comments there, checkov#4634). Pulumi: ``waive_opts(...)`` gives resource
options whose transform records the waiver where the mocks read it. Both require a reason and an expiry
within the horizon, as the waiver file does.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any

from pytest_iaccompliance.waivers.file import check_expiry
from pytest_iaccompliance.waivers.model import DEFAULT_MAX_DAYS, Waiver, WaiverError, reason_problem, today

__all__ = ["METADATA_KEY", "in_code_waivers", "waiver_record", "waivers_from_records"]

# Where a resource's waivers live: under "//" in synthesized JSON, in a ResourceSet's metadata by address.
METADATA_KEY = "iaccompliance_waivers"


def waiver_record(policy: str, reason: str, expires: date | str, *, owner: str = "", where: str = "waiver",
                  max_days: int = DEFAULT_MAX_DAYS, on: date | None = None) -> dict[str, str]:
    """A checked, JSON-ready waiver for one resource (the address is the resource's own)."""
    if not isinstance(policy, str) or not policy.strip():
        raise WaiverError(where, "expects a policy id or glob", "policy")
    problem = reason_problem(reason)
    if problem:
        raise WaiverError(where, problem, "reason")
    until = check_expiry(expires, where, on=on or today(), max_days=max_days)
    return {"policy": policy.strip(), "reason": " ".join(reason.split()), "owner": owner, "expires": until.isoformat()}


def waivers_from_records(records: object, address: str, where: str) -> list[Waiver]:
    """The waivers recorded on one resource; a malformed record is an error naming the resource."""
    if not isinstance(records, list):
        raise WaiverError(where, f"expects a list of waivers on {address}", METADATA_KEY)
    waivers: list[Waiver] = []
    for number, record in enumerate(records, start=1):
        origin = f"{where}: waiver {number}"
        if not isinstance(record, Mapping):
            raise WaiverError(origin, "is not an object")
        policy, reason = record.get("policy"), record.get("reason")
        if not isinstance(policy, str) or not policy:
            raise WaiverError(origin, "is required", "policy")
        problem = reason_problem(reason)
        if problem:
            raise WaiverError(origin, problem, "reason")
        try:
            expires = date.fromisoformat(str(record.get("expires")))
        except ValueError:
            raise WaiverError(origin, f"expects a date (YYYY-MM-DD), got {record.get('expires')!r}",
                              "expires") from None
        waivers.append(Waiver(policy=policy, address=address, reason=str(reason), expires=expires, origin=origin,
                              owner=str(record.get("owner") or "")))
    return waivers


def in_code_waivers(resources: Any) -> tuple[Waiver, ...]:
    """The in-code waivers a source recorded on a resource set (``metadata[METADATA_KEY]``)."""
    metadata = getattr(resources, "metadata", None)
    found = metadata.get(METADATA_KEY) if isinstance(metadata, Mapping) else None
    return tuple(found) if isinstance(found, Iterable) else ()
