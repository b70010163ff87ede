"""The waiver file: TOML, one ``[[waiver]]`` table per accepted finding pattern.

```toml
[[waiver]]
policy = "IAC-S3-*"               # policy id or equivalent Checkov id (glob)
address = "aws_s3_bucket.logs"    # resource address or Pulumi URN (glob)
source = "cdktf.out/stacks/app/*" # optional: source file relative to the rootdir (glob)
reason = "Access logs bucket; CloudTrail writes here, see SEC-123"
owner = "platform-team"           # optional
expires = 2026-03-31              # required, at most the maximum horizon ahead
```
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from pytest_iaccompliance.waivers.model import DEFAULT_MAX_DAYS, Waiver, WaiverError, WaiverSet, reason_problem, today

__all__ = ["FIELDS", "check_expiry", "load_toml", "parse_waivers", "read_waivers"]

FIELDS = ("policy", "address", "source", "reason", "owner", "expires")
_REQUIRED = ("policy", "address", "reason", "expires")


def load_toml(path: Path, label: str | None = None) -> dict[str, Any]:
    """TOML through the standard library (3.11+) or ``tomli``; errors name the file (as ``label``)."""
    file = label or str(path)
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - exercised on Python 3.10 only
        try:
            import tomli as tomllib  # type: ignore[import-not-found,unused-ignore]
        except ImportError:
            raise WaiverError(file, "reading TOML on Python 3.10 needs the tomli package") from None
    try:
        with open(path, "rb") as handle:
            document: dict[str, Any] = tomllib.load(handle)
            return document
    except OSError as exc:
        raise WaiverError(file, f"cannot read: {exc.strerror or exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise WaiverError(file, f"is not valid TOML: {exc}") from None
    except UnicodeDecodeError:
        raise WaiverError(file, "is not valid TOML: not UTF-8 text") from None


def check_expiry(value: object, origin: str, *, on: date, max_days: int) -> date:
    """A waiver's end date: a date (TOML date or ``YYYY-MM-DD``) no further ahead than the horizon."""
    if isinstance(value, datetime):
        raise WaiverError(origin, f"expects a date (YYYY-MM-DD), got a date and time {value.isoformat()}", "expires")
    if isinstance(value, str):
        try:
            value = date.fromisoformat(value.strip())
        except ValueError:
            raise WaiverError(origin, f"expects a date (YYYY-MM-DD), got {value!r}", "expires") from None
    if not isinstance(value, date):
        raise WaiverError(origin, f"expects a date (YYYY-MM-DD), got {type(value).__name__}", "expires")
    if value > on + timedelta(days=max_days):
        raise WaiverError(origin, f"{value.isoformat()} is more than {max_days} days ahead (the maximum "
                          "horizon): agree a nearer date and renew the waiver when it comes", "expires")
    return value


def _text(entry: Mapping[str, Any], name: str, origin: str, *, required: bool) -> str | None:
    value = entry.get(name)
    if value is None:
        if required:
            raise WaiverError(origin, "is required", name)
        return None
    if not isinstance(value, str) or not value.strip():
        raise WaiverError(origin, f"expects non-empty text, got {value!r}", name)
    return value.strip()


def parse_waivers(document: Mapping[str, Any], file: str, *, on: date | None = None,
                  max_days: int = DEFAULT_MAX_DAYS) -> WaiverSet:
    """Every ``[[waiver]]`` entry checked; the first bad one is an error naming its number and field."""
    on = on or today()
    unknown = sorted(set(document) - {"waiver"})
    if unknown:
        raise WaiverError(file, f"unknown top-level key {unknown[0]!r}: waivers are `[[waiver]]` tables")
    entries = document.get("waiver", [])
    if not isinstance(entries, list):
        raise WaiverError(file, "`waiver` must be an array of tables: write each one as [[waiver]]")
    waivers: list[Waiver] = []
    for number, entry in enumerate(entries, start=1):
        origin = f"{file}: waiver {number}"
        if not isinstance(entry, Mapping):
            raise WaiverError(origin, "is not a table: write each waiver as [[waiver]]")
        extra = sorted(set(entry) - set(FIELDS))
        if extra:
            raise WaiverError(origin, f"unknown field (expected one of {', '.join(FIELDS)})", extra[0])
        for name in _REQUIRED:
            if name not in entry:
                raise WaiverError(origin, "is required", name)
        policy = _text(entry, "policy", origin, required=True) or ""
        address = _text(entry, "address", origin, required=True) or ""
        problem = reason_problem(entry.get("reason"))
        if problem:
            raise WaiverError(origin, problem, "reason")
        expires = check_expiry(entry["expires"], origin, on=on, max_days=max_days)
        waivers.append(Waiver(
            policy=policy,
            address=address,
            reason=" ".join(str(entry["reason"]).split()),
            expires=expires,
            origin=origin,
            owner=_text(entry, "owner", origin, required=False) or "",
            source=_text(entry, "source", origin, required=False),
        ))
    return WaiverSet(waivers, on=on)


def read_waivers(path: Path, *, label: str | None = None, on: date | None = None,
                 max_days: int = DEFAULT_MAX_DAYS) -> WaiverSet:
    """The waivers of a TOML file; ``label`` is how messages name it (the path as the user wrote it)."""
    return parse_waivers(load_toml(path, label), label or str(path), on=on, max_days=max_days)
