"""Reading attribute values the way every source may spell them, so rules never parse tokens."""

from __future__ import annotations

import ipaddress
import json
from collections.abc import Mapping
from typing import Any

from pytest_iaccompliance.model import (
    UNKNOWN,
    Resource,
    ResourceSet,
    Unknown,
    is_unknown,
)

__all__ = [
    "OPEN_CIDRS",
    "as_bool",
    "as_int",
    "as_list",
    "as_text",
    "covers_all_ports",
    "covers_port",
    "is_open_cidr",
    "is_set",
    "parse_json_document",
    "policy_document",
    "principal_is_public",
    "statements",
]

OPEN_CIDRS = frozenset({"0.0.0.0/0", "::/0"})

_TRUE = {"true", "1", "yes", "on", "enabled"}
_FALSE = {"false", "0", "no", "off", "disabled", ""}


def as_bool(value: Any, default: bool | None = False) -> bool | Unknown | None:
    """``True``/``False`` from a bool or its string spelling; ``UNKNOWN`` for an expression."""
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


def as_text(value: Any) -> str | Unknown | None:
    """A string setting; ``UNKNOWN`` for an unresolved expression, ``None`` when absent."""
    if isinstance(value, Unknown):
        return value
    if value is None:
        return None
    text = str(value)
    if is_unknown(text):
        return Unknown(f"depends on {text}")
    return text


def is_set(value: Any) -> bool:
    """Whether an attribute is given at all: a reference or computed value counts, ``""`` not.

    For "names a KMS key" or "names a log group" checks the value itself does not matter, only that
    one is configured, so an expression still known only after apply is a pass, not an unknown.
    """
    if value is None:
        return False
    if isinstance(value, Unknown):
        return True
    if isinstance(value, str):
        return bool(value.strip())
    if isinstance(value, (list, tuple, Mapping)):
        return bool(value)
    return True


def as_list(value: Any) -> list[Any]:
    """A scalar or a list as a list; ``None`` as empty."""
    if value is None:
        return []
    if isinstance(value, (list, tuple)):
        return list(value)
    return [value]


def is_open_cidr(value: Any) -> bool:
    """True for any CIDR spanning the whole address space (``0.0.0.0/0``, ``::/0``, ``0::0/0``)."""
    if not isinstance(value, str) or is_unknown(value):
        return False
    if value in OPEN_CIDRS:
        return True
    try:
        return ipaddress.ip_network(value.strip(), strict=False).prefixlen == 0
    except ValueError:
        return False


def covers_port(from_port: Any, to_port: Any, protocol: Any, port: int) -> bool | Unknown:
    """Whether a rule's port range and protocol admit TCP ``port``; ``-1``/``all`` admit all."""
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


def covers_all_ports(from_port: Any, to_port: Any, protocol: Any) -> bool | Unknown:
    """Whether a rule admits every port: protocol ``-1``/``all``, or TCP/UDP 0-65535."""
    proto = str(protocol).lower() if protocol is not None else "tcp"
    if is_unknown(proto):
        return UNKNOWN
    if proto in {"-1", "all"}:
        return True
    low, high = as_int(from_port, 0), as_int(to_port, 65535)
    if isinstance(low, Unknown):
        return low
    if isinstance(high, Unknown):
        return high
    return (low or 0) <= 1 and (65535 if high is None else high) >= 65535


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


def _from_policy_document_data(data: Resource) -> dict[str, Any] | Unknown:
    """A ``data.aws_iam_policy_document`` rendered to the JSON document it produces."""
    from pytest_iaccompliance.iam.terraform import render_policy_document

    documents: dict[str, list[Mapping[str, Any]]] = {"sources": [], "overrides": []}
    for key, kind in (("source_policy_documents", "sources"), ("source_json", "sources"),
                      ("override_policy_documents", "overrides"), ("override_json", "overrides")):
        for document in as_list(data.get(key)):
            parsed = parse_json_document(document)
            if not isinstance(parsed, Mapping):
                return Unknown(f"{data.address} merges {key} that cannot be read statically")
            documents[kind].append(parsed)
    return render_policy_document(
        data.blocks("statement"),
        sources=documents["sources"],
        overrides=documents["overrides"],
        version=data.get("version"),
        policy_id=data.get("policy_id"),
    )


def policy_document(value: Any, resources: ResourceSet) -> Mapping[str, Any] | Unknown | None:
    """The document a ``policy`` attribute holds: JSON text, an object, or a document reference."""
    target = resources.resolve(value) if isinstance(value, str) and value.startswith("${") else None
    if target is not None and target.type == "aws_iam_policy_document" and target.mode == "data":
        return _from_policy_document_data(target)
    return parse_json_document(value)


def statements(document: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    return [s for s in as_list(document.get("Statement")) if isinstance(s, Mapping)]


def principal_is_public(principal: Any) -> bool:
    """``"*"``, ``{"AWS": "*"}`` or a list holding ``"*"``: anyone, in any account."""
    if isinstance(principal, Mapping):
        return any(
            "*" in [str(v).strip() for v in as_list(values)]
            for key, values in principal.items()
            if str(key).upper() in {"AWS", "*"}
        )
    return "*" in [str(v).strip() for v in as_list(principal)]
