"""Reading attribute values the way every source may spell them, so rules never parse tokens."""

from __future__ import annotations

import ipaddress
import json
from collections.abc import Iterable, Mapping
from typing import Any

from pytest_iaccompliance.model import UNKNOWN, Unknown, is_unknown

__all__ = [
    "OPEN_CIDRS",
    "as_bool",
    "as_int",
    "as_list",
    "covers_port",
    "is_open_cidr",
    "parse_json_document",
]

OPEN_CIDRS = frozenset({"0.0.0.0/0", "::/0"})

_TRUE = {"true", "1", "yes", "on", "enabled"}
_FALSE = {"false", "0", "no", "off", "disabled", ""}


def as_bool(value: Any, default: bool | None = False) -> bool | Unknown | None:
    """``True``/``False`` from a bool or its string spelling; ``UNKNOWN`` for an unresolved expression."""
    if isinstance(value, Unknown):
        return value
    if value is None:
        return default
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)):
        return bool(value)
    if isinstance(value, str):
        if is_unknown(value):
            return Unknown(f"depends on {value}")
        lowered = value.strip().lower()
        if lowered in _TRUE:
            return True
        if lowered in _FALSE:
            return False
    return default


def as_int(value: Any, default: int | None = None) -> int | Unknown | None:
    if isinstance(value, Unknown):
        return value
    if isinstance(value, bool) or value is None:
        return default
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value)
    if isinstance(value, str):
        if is_unknown(value):
            return Unknown(f"depends on {value}")
        try:
            return int(value.strip())
        except ValueError:
            return default
    return default


def as_list(value: Any) -> list[Any]:
    """A scalar or a list as a list; ``None`` as empty."""
    if value is None:
        return []
    if isinstance(value, (list, tuple)):
        return list(value)
    return [value]


def is_open_cidr(value: Any) -> bool:
    """True for any CIDR that spans the whole address space (``0.0.0.0/0``, ``::/0``, ``0::0/0``)."""
    if not isinstance(value, str) or is_unknown(value):
        return False
    if value in OPEN_CIDRS:
        return True
    try:
        return ipaddress.ip_network(value.strip(), strict=False).prefixlen == 0
    except ValueError:
        return False


def covers_port(from_port: Any, to_port: Any, protocol: Any, port: int) -> bool | Unknown:
    """Whether a rule's port range and protocol admit TCP ``port``; ``-1``/``all`` protocols admit all."""
    proto = str(protocol).lower() if protocol is not None else "tcp"
    if is_unknown(proto):
        return UNKNOWN
    if proto in {"-1", "all"}:
        return True
    if proto not in {"tcp", "6"}:
        return False
    low, high = as_int(from_port, 0), as_int(to_port, 65535)
    if isinstance(low, Unknown):
        return low
    if isinstance(high, Unknown):
        return high
    low, high = low or 0, 65535 if high is None else high
    if low == 0 and high == 0:
        return True  # 0-0 over tcp is read by AWS as every port
    return low <= port <= high


def parse_json_document(value: Any) -> Mapping[str, Any] | Unknown | None:
    """A JSON policy document given as an object or as a string (cdktf's ``jsonencode`` output)."""
    if isinstance(value, Unknown):
        return value
    if isinstance(value, Mapping):
        return value
    if isinstance(value, str):
        if value.strip().startswith("${") and value.strip().endswith("}"):
            return Unknown(f"document is the expression {value}")
        try:
            parsed = json.loads(value)
        except json.JSONDecodeError:
            if is_unknown(value):
                return Unknown("document contains unresolved expressions")
            return None
        return parsed if isinstance(parsed, Mapping) else None
    return None


def missing(keys: Iterable[str], present: Mapping[str, Any]) -> list[str]:
    return [k for k in keys if k not in present]
