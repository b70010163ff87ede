"""Reading attribute values the way every source may spell them, so rules never parse tokens."""

from __future__ import annotations

import functools
import ipaddress
import json
import math
import re
from collections.abc import Callable, Mapping
from typing import Any, ParamSpec, TypeVar, cast

from pytest_iaccompliance.model import (
    Resource,
    ResourceSet,
    Unknown,
    UnreadableValue,
    is_unknown,
    kind_of,
    unknown_reason,
)

__all__ = [
    "OPEN_CIDRS",
    "as_bool",
    "as_int",
    "as_list",
    "as_port",
    "as_text",
    "covers_all_ports",
    "covers_port",
    "ip_protocol",
    "is_open_cidr",
    "is_set",
    "parse_json_document",
    "policy_document",
    "port_span",
    "principal_is_public",
    "read_field",
    "read_strings",
    "statements",
]

T = TypeVar("T")
P = ParamSpec("P")

OPEN_CIDRS = frozenset({"0.0.0.0/0", "::/0"})

_TRUE = {"true", "1", "yes", "on", "enabled"}
_FALSE = {"false", "0", "no", "off", "disabled", ""}
# IP protocol numbers the rules name; any other number 0-255 is a protocol without these ports.
_PROTOCOL_NUMBERS = {"6": "tcp", "17": "udp", "1": "icmp", "58": "icmpv6", "-1": "all"}
_PROTOCOL_NAMES = frozenset({"tcp", "udp", "icmp", "icmpv6", "all"})


def read_field(name: str, read: Callable[[Any], T], value: Any) -> T:
    """``read(value)``, with the field's name leading the reason when the value cannot be read, so the
    "cannot evaluate" message says which attribute is at fault."""
    try:
        return read(value)
    except UnreadableValue as exc:
        raise UnreadableValue(f"{name} {exc.reason}") from None


def as_bool(value: Any, default: bool | None = False) -> bool | Unknown | None:
    """``True``/``False`` from a bool or its string spelling; ``UNKNOWN`` for an expression.

    Raises ``UnreadableValue`` for anything else (an object, a list, ``"maybe"``, ``2``): guessing
    ``default`` there would let a malformed flag read as a compliant one.
    """
    if isinstance(value, Unknown):
        return value
    if value is None:
        return default
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)) and value in (0, 1):
        return bool(value)
    if isinstance(value, str):
        if is_unknown(value):
            return Unknown(unknown_reason(value))
        lowered = value.strip().lower()
        if lowered in _TRUE:
            return True
        if lowered in _FALSE:
            return False
    raise UnreadableValue.of(value, "true or false")


def as_int(value: Any, default: int | None = None) -> int | Unknown | None:
    """A whole number from a number or its string spelling; ``UNKNOWN`` for an expression.

    Raises ``UnreadableValue`` for a bool, a fraction, NaN or infinity (JSON's ``NaN``, ``1e400``), a
    non-numeric string or a container: none of them is a number a rule can compare.
    """
    if isinstance(value, Unknown):
        return value
    if value is None:
        return default
    if isinstance(value, bool):
        raise UnreadableValue.of(value, "a whole number")
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        if math.isfinite(value) and value.is_integer():
            return int(value)
        raise UnreadableValue(f"is {'a fraction' if math.isfinite(value) else kind_of(value)}, "
                              "expected a whole number")
    if isinstance(value, str):
        if is_unknown(value):
            return Unknown(unknown_reason(value))
        text = value.strip()
        if len(text) <= 20:  # a longer digit string is no setting any rule reads (and int() is slow on it)
            try:
                return int(text)
            except ValueError:
                pass
        raise UnreadableValue("is a string that is not a whole number")
    raise UnreadableValue.of(value, "a whole number")


def as_port(value: Any, default: int | None = None) -> int | Unknown | None:
    """A port number (-1 for "any", as ICMP rules spell it); ``UnreadableValue`` outside -1..65535."""
    port = as_int(value, default)
    if isinstance(port, int) and not -1 <= port <= 65535:
        raise UnreadableValue("is a number outside the port range -1..65535")
    return port


def as_text(value: Any) -> str | Unknown | None:
    """A string setting; ``UNKNOWN`` for an unresolved expression, ``None`` when absent.

    Numbers and bools read as Terraform converts them (``6`` -> ``"6"``); an object or a list raises
    ``UnreadableValue``, since its text would never match what a rule looks for.
    """
    if isinstance(value, Unknown):
        return value
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float) and math.isfinite(value):
        return str(int(value)) if value.is_integer() else str(value)
    if not isinstance(value, str):
        raise UnreadableValue.of(value, "a string")
    if is_unknown(value):
        return Unknown(unknown_reason(value))
    return value


def is_set(value: Any) -> bool:
    """Whether an attribute is given at all: a reference or computed value counts, ``""`` not.

    For "names a KMS key" or "names a log group" checks the value itself does not matter, only that
    one is configured, so an expression still known only after apply is a pass, not an unknown. An
    object, a list or a bool where a name belongs raises ``UnreadableValue``.
    """
    if value is None:
        return False
    if isinstance(value, Unknown):
        return True
    if isinstance(value, str):
        return bool(value.strip())
    if isinstance(value, (list, tuple, Mapping, bool)):
        raise UnreadableValue.of(value, "a name or an identifier")
    return True


def as_list(value: Any) -> list[Any]:
    """A scalar or a list as a list; ``None`` as empty."""
    if value is None:
        return []
    if isinstance(value, (list, tuple)):
        return list(value)
    return [value]


def read_strings(value: Any, name: str) -> tuple[list[str], list[str]]:
    """A list of strings (one string counts as a list of one, as Pulumi may give it), read element by
    element: the strings, and a reason for each element that is unknown or not a string.

    The reasons let a rule report a definite finding among the readable elements and still say which
    ones it could not judge.
    """
    if value is None:
        return [], []
    if isinstance(value, str) and not is_unknown(value):
        return [value], []
    if not isinstance(value, (list, tuple)):
        return [], [f"{name} {UnreadableValue.of(value, 'a list of strings').reason}"]
    strings: list[str] = []
    problems: list[str] = []
    for index, item in enumerate(value):
        if isinstance(item, str) and not is_unknown(item):
            strings.append(item)
        else:
            problems.append(f"{name}[{index}] {UnreadableValue.of(item, 'a string').reason}")
    return strings, problems


def is_open_cidr(value: Any, *, strict: bool = False) -> bool:
    """True for any CIDR spanning the whole address space (``0.0.0.0/0``, ``::/0``, ``0::0/0``).

    With ``strict``, a string that is no CIDR block raises ``UnreadableValue`` instead of reading as
    "not open" (AWS would reject it, so it tells nothing about what gets deployed).
    """
    if not isinstance(value, str) or is_unknown(value):
        return False
    if value in OPEN_CIDRS:
        return True
    spans_all = _spans_all_addresses(value)
    if spans_all is None:
        if strict:
            raise UnreadableValue("is a string that is not a CIDR block")
        return False
    return spans_all


@functools.lru_cache(maxsize=4096)
def _spans_all_addresses(text: str) -> bool | None:
    """Whether a CIDR block spans every address; ``None`` for text that is no CIDR block. Cached: a plan
    repeats its VPC and subnet ranges on every rule, and parsing one costs more than the rule's logic."""
    try:
        return ipaddress.ip_network(text.strip(), strict=False).prefixlen == 0
    except ValueError:
        return None


def ip_protocol(value: Any) -> str | Unknown:
    """A rule's protocol as a name: ``tcp``, ``udp``, ``icmp``, ``icmpv6``, ``all`` or ``proto-N``.

    Absent reads as ``tcp`` (the rule resources' default); anything that is no protocol name or
    number 0-255 raises ``UnreadableValue``.
    """
    text = as_text(value) if value is not None else "tcp"
    if isinstance(text, Unknown) or text is None:
        return text or "tcp"
    lowered = text.strip().lower()
    if lowered in _PROTOCOL_NAMES:
        return lowered
    if lowered in _PROTOCOL_NUMBERS:
        return _PROTOCOL_NUMBERS[lowered]
    if lowered.isdigit() and int(lowered) <= 255:
        return f"proto-{int(lowered)}"
    raise UnreadableValue("is a string that is not an IP protocol name or number")


def _remembered(read: Callable[P, T]) -> Callable[P, T]:
    """``read``, its answers kept by value: a plan repeats a few port ranges and protocols on thousands of
    rules, each judged by several policies. Keyed by type too (``True`` is not the port ``1``); a value that
    cannot be a key (a list where a port belongs) is read afresh, to the error it gives; an error is never
    kept."""
    cached = cast("Callable[P, T]", functools.lru_cache(maxsize=4096, typed=True)(read))

    @functools.wraps(read)
    def reading(*args: P.args, **kwargs: P.kwargs) -> T:
        try:
            return cached(*args, **kwargs)
        except TypeError:
            return read(*args, **kwargs)

    return reading


def _port_range(from_port: Any, to_port: Any) -> tuple[int, int] | Unknown:
    low = read_field("from_port", as_port, from_port)
    high = read_field("to_port", as_port, to_port)
    if isinstance(low, Unknown):
        return low
    if isinstance(high, Unknown):
        return high
    return (0 if low is None else low), (65535 if high is None else high)


@_remembered
def covers_port(from_port: Any, to_port: Any, protocol: Any, port: int) -> bool | Unknown:
    """Whether a rule's port range and protocol admit TCP ``port``; ``-1``/``all`` admit all.

    Raises ``UnreadableValue`` naming the field (``from_port is a list, ...``) when one cannot be read.
    """
    proto = read_field("protocol", ip_protocol, protocol)
    if isinstance(proto, Unknown):
        return proto
    if proto == "all":
        return True
    if proto != "tcp":
        return False
    ports = _port_range(from_port, to_port)
    if isinstance(ports, Unknown):
        return ports
    low, high = ports
    if low in (0, -1) and high in (0, -1):
        return True  # 0-0 over tcp is read by AWS as every port
    return low <= port <= high


@_remembered
def port_span(
    from_port: Any, to_port: Any, protocol: Any, protocols: frozenset[str] = frozenset({"tcp", "udp"})
) -> tuple[int, int] | Unknown | None:
    """The ports a rule admits over ``protocols`` as an inclusive range: every port for ``-1``/``all``
    (or 0-0, as AWS reads it), ``None`` for a protocol without these ports (ICMP, GRE, ...).

    Raises ``UnreadableValue`` naming the field when one cannot be read.
    """
    proto = read_field("protocol", ip_protocol, protocol)
    if isinstance(proto, Unknown):
        return proto
    if proto == "all":
        return 0, 65535
    if proto not in protocols:
        return None
    ports = _port_range(from_port, to_port)
    if isinstance(ports, Unknown):
        return ports
    low, high = ports
    if low in (0, -1) and high in (0, -1):
        return 0, 65535
    return max(low, 0), high


@_remembered
def covers_all_ports(from_port: Any, to_port: Any, protocol: Any) -> bool | Unknown:
    """Whether a rule admits every port: protocol ``-1``/``all``, or TCP/UDP 0-65535 (or 0-0, as
    ``covers_port`` reads it).

    Raises ``UnreadableValue`` naming the field when one cannot be read.
    """
    proto = read_field("protocol", ip_protocol, protocol)
    if isinstance(proto, Unknown):
        return proto
    if proto == "all":
        return True
    if proto not in {"tcp", "udp"}:
        return False
    ports = _port_range(from_port, to_port)
    if isinstance(ports, Unknown):
        return ports
    low, high = ports
    return (low in (0, -1) and high in (0, -1)) or (low <= 1 and high >= 65535)  # 0-0: as covers_port


_NOT_LITERAL = object()
_JSONENCODE = re.compile(r"\$\{jsonencode\((.*)\)\}", re.DOTALL)
_HCL_TOKEN = re.compile(
    r'\s*(?:(?P<punct>[{}\[\],=:])|"(?P<string>(?:[^"\\]|\\.)*)"|(?P<number>-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)'
    r"|(?P<word>[A-Za-z_][A-Za-z0-9_-]*))"
)
_HCL_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\"}


def _hcl_string(raw: str) -> str | None:
    """An HCL quoted string's value; ``None`` when it interpolates (``${...}``, ``%{...}``)."""
    out: list[str] = []
    i = 0
    while i < len(raw):
        char = raw[i]
        if char == "\\":
            nxt = raw[i + 1 : i + 2]
            if nxt == "u" and re.fullmatch(r"[0-9a-fA-F]{4}", raw[i + 2 : i + 6]):
                out.append(chr(int(raw[i + 2 : i + 6], 16)))
                i += 6
                continue
            if nxt not in _HCL_ESCAPES:
                return None
            out.append(_HCL_ESCAPES[nxt])
            i += 2
        elif raw.startswith(("$${", "%%{"), i):
            out.append(raw[i + 1 : i + 3])
            i += 3
        elif raw.startswith(("${", "%{"), i):
            return None
        else:
            out.append(char)
            i += 1
    return "".join(out)


def _jsonencode_literal(text: str) -> Any:
    """The value of ``${jsonencode(<literal>)}`` (what cdktf's ``Fn.jsonencode`` of plain data leaves in
    cdk.tf.json), or ``_NOT_LITERAL`` when the text is anything else: a reference, a function call, a
    ``for`` expression or a syntax error are not literals, and stay unknown."""
    match = _JSONENCODE.fullmatch(text)
    if match is None:
        return _NOT_LITERAL
    tokens: list[tuple[str, Any]] = []
    body, pos = match.group(1), 0
    while pos < len(body):
        if body[pos:].strip() == "":
            break
        token = _HCL_TOKEN.match(body, pos)
        if token is None:
            return _NOT_LITERAL
        pos = token.end()
        if token.group("punct"):
            tokens.append(("punct", token.group("punct")))
        elif token.group("string") is not None:
            string = _hcl_string(token.group("string"))
            if string is None:
                return _NOT_LITERAL
            tokens.append(("value", string))
        elif token.group("number"):
            number = token.group("number")
            tokens.append(("value", float(number) if any(c in number for c in ".eE") else int(number)))
        else:
            word = token.group("word")
            literal = {"true": True, "false": False, "null": None}
            tokens.append(("value", literal[word]) if word in literal else ("word", word))

    def parse(at: int) -> tuple[Any, int]:
        kind, token = tokens[at]
        if kind == "value":
            return token, at + 1
        if (kind, token) == ("punct", "["):
            items: list[Any] = []
            at += 1
            while tokens[at] != ("punct", "]"):
                item, at = parse(at)
                items.append(item)
                if tokens[at] == ("punct", ","):
                    at += 1
                elif tokens[at] != ("punct", "]"):
                    raise ValueError("expected , or ]")
            return items, at + 1
        if (kind, token) == ("punct", "{"):
            mapping: dict[str, Any] = {}
            at += 1
            while tokens[at] != ("punct", "}"):
                key_kind, key = tokens[at]
                if key_kind not in ("value", "word") or not isinstance(key, str):
                    raise ValueError("expected a key")
                if tokens[at + 1] not in (("punct", "="), ("punct", ":")):
                    raise ValueError("expected = or :")
                mapping[key], at = parse(at + 2)
                if tokens[at] == ("punct", ","):
                    at += 1
                elif tokens[at] != ("punct", "}"):
                    raise ValueError("expected , or }")
            return mapping, at + 1
        raise ValueError(f"not a literal: {kind}")

    try:
        value, end = parse(0)
    except (ValueError, IndexError):
        return _NOT_LITERAL
    return value if end == len(tokens) else _NOT_LITERAL


def parse_json_document(value: Any) -> Mapping[str, Any] | Unknown | None:
    """A JSON policy document given as an object or as a string (cdktf's ``jsonencode`` output)."""
    if isinstance(value, Unknown):
        return value
    if isinstance(value, Mapping):
        return value
    if isinstance(value, str):
        encoded = _jsonencode_literal(value.strip())
        if encoded is not _NOT_LITERAL:
            return encoded if isinstance(encoded, Mapping) else None
        if value.strip().startswith("${") and value.strip().endswith("}"):
            return Unknown(f"document {unknown_reason(value)}")
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
