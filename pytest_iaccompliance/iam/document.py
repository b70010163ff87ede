"""A typed model of IAM policy documents, read from every legal JSON shape and rendered canonically.

AWS accepts a string or a list for most elements and several principal forms; rules, the analyser
and the evaluator read this one normalized model instead of re-parsing those shapes each time.
"""

from __future__ import annotations

import enum
import json
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, TypeAlias, Union

__all__ = [
    "CONDITION_OPERATORS",
    "PRINCIPAL_KINDS",
    "SET_QUALIFIERS",
    "VERSIONS",
    "Condition",
    "Effect",
    "PolicyDocument",
    "PolicyDocumentError",
    "Principal",
    "Statement",
    "operator_problem",
    "parse_policy",
]

ConditionValue: TypeAlias = Union[str, int, float, bool]  # noqa: UP007 - runtime alias on 3.10

VERSIONS = ("2012-10-17", "2008-10-17")
"""The versions IAM accepts; without ``Version`` it reads a document as ``2008-10-17``."""
CURRENT_VERSION, LEGACY_VERSION = VERSIONS

CONDITION_OPERATORS = frozenset(
    {
        "StringEquals",
        "StringNotEquals",
        "StringEqualsIgnoreCase",
        "StringNotEqualsIgnoreCase",
        "StringLike",
        "StringNotLike",
        "NumericEquals",
        "NumericNotEquals",
        "NumericLessThan",
        "NumericLessThanEquals",
        "NumericGreaterThan",
        "NumericGreaterThanEquals",
        "DateEquals",
        "DateNotEquals",
        "DateLessThan",
        "DateLessThanEquals",
        "DateGreaterThan",
        "DateGreaterThanEquals",
        "Bool",
        "BinaryEquals",
        "IpAddress",
        "NotIpAddress",
        "ArnEquals",
        "ArnLike",
        "ArnNotEquals",
        "ArnNotLike",
        "Null",
    }
)
"""Every condition operator IAM defines (IAM JSON policy elements: Condition operators), without
the ``IfExists`` suffix (allowed on all but ``Null``) and the set qualifiers. IAM rejects a document
naming any other (MalformedPolicyDocument); the parser, the analyser and the evaluator all read
this one set, and the evaluator implements each of them."""
SET_QUALIFIERS = ("ForAllValues", "ForAnyValue")
"""Prefixes (``ForAnyValue:StringLike``) that compare a multivalued key value by value."""
_IF_EXISTS = "IfExists"
PRINCIPAL_KINDS = ("AWS", "Service", "Federated", "CanonicalUser")
_STATEMENT_KEYS = frozenset(
    {
        "Sid",
        "Effect",
        "Principal",
        "NotPrincipal",
        "Action",
        "NotAction",
        "Resource",
        "NotResource",
        "Condition",
    }
)
_ACTION = re.compile(r"^(\*|[A-Za-z0-9][A-Za-z0-9-]*:[A-Za-z0-9*?_-]+)$")


class PolicyDocumentError(ValueError):
    """A malformed document; ``path`` names the element at fault (``Statement[1].Effect``)."""

    def __init__(self, path: str, message: str) -> None:
        super().__init__(f"{path}: {message}" if path else message)
        self.path = path
        self.reason = message


class Effect(enum.Enum):
    ALLOW = "Allow"
    DENY = "Deny"


_EFFECTS = {effect.value: effect for effect in Effect}


@dataclass(frozen=True)
class Principal:
    """``"*"`` or principal kinds mapped to identifiers (``{"AWS": [...], "Service": ...}``)."""

    entries: tuple[tuple[str, tuple[str, ...]], ...] = ()
    wildcard: bool = False

    @property
    def is_everyone(self) -> bool:
        """``"*"`` or ``{"AWS": "*"}``: anyone, anonymous callers included."""
        return self.wildcard or "*" in self.values("AWS")

    def values(self, kind: str) -> tuple[str, ...]:
        return next((ids for k, ids in self.entries if k == kind), ())

    def identifiers(self) -> Iterator[tuple[str, str]]:
        for kind, ids in self.entries:
            for identifier in ids:
                yield kind, identifier

    def to_json(self) -> Any:
        if self.wildcard:
            return "*"
        return {kind: _scalar_or_list(ids) for kind, ids in self.entries}


def operator_problem(operator: str) -> str | None:
    """Why IAM rejects a condition operator, or ``None`` for one it defines (case-sensitive, as IAM)."""
    qualifier, sep, name = operator.rpartition(":")
    if sep and qualifier not in SET_QUALIFIERS:
        return (
            f"unknown set qualifier {qualifier + sep!r} in condition operator {operator!r} "
            f"(IAM defines {' and '.join(q + ':' for q in SET_QUALIFIERS)})"
        )
    base = name[: -len(_IF_EXISTS)] if name.endswith(_IF_EXISTS) else name
    if base == "Null" and base != name:
        return f"condition operator {operator!r}: Null takes no IfExists suffix"
    if base in CONDITION_OPERATORS:
        return None
    import difflib

    # An operator the name extends or shortens (StringEqualsPlease: StringEquals), else the nearest.
    related = sorted(o for o in CONDITION_OPERATORS if base and (base.startswith(o) or o.startswith(base)))
    near = (
        difflib.get_close_matches(base, related, n=1, cutoff=0)
        if related
        else difflib.get_close_matches(base, sorted(CONDITION_OPERATORS), n=1)
    )
    qualifier, suffix = operator[: len(operator) - len(name)], name[len(base) :]
    hint = f" (did you mean {qualifier}{near[0]}{suffix}?)" if near else ""
    return f"unknown condition operator {operator!r}{hint}"


@dataclass(frozen=True)
class Condition:
    """One operator and key with the values to compare (values OR, clauses AND)."""

    operator: str
    key: str
    values: tuple[ConditionValue, ...]

    @property
    def qualifier(self) -> str | None:
        """``ForAnyValue`` or ``ForAllValues`` when the operator has a set qualifier."""
        head, sep, _ = self.operator.partition(":")
        return head if sep else None

    @property
    def base_operator(self) -> str:
        """The operator without its set qualifier and ``IfExists`` suffix (``StringLike``)."""
        name = self.operator.rpartition(":")[2]
        return name[: -len(_IF_EXISTS)] if name.endswith(_IF_EXISTS) else name

    @property
    def if_exists(self) -> bool:
        return self.operator.endswith(_IF_EXISTS)


@dataclass(frozen=True)
class Statement:
    effect: Effect
    actions: tuple[str, ...] | None = None
    not_actions: tuple[str, ...] | None = None
    resources: tuple[str, ...] | None = None
    not_resources: tuple[str, ...] | None = None
    principal: Principal | None = None
    not_principal: Principal | None = None
    conditions: tuple[Condition, ...] = ()
    sid: str | None = None

    @property
    def is_allow(self) -> bool:
        return self.effect is Effect.ALLOW

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if self.sid is not None:
            out["Sid"] = self.sid
        out["Effect"] = self.effect.value
        if self.principal is not None:
            out["Principal"] = self.principal.to_json()
        if self.not_principal is not None:
            out["NotPrincipal"] = self.not_principal.to_json()
        for name, values in (
            ("Action", self.actions),
            ("NotAction", self.not_actions),
            ("Resource", self.resources),
            ("NotResource", self.not_resources),
        ):
            if values is not None:
                out[name] = _scalar_or_list(values)
        if self.conditions:
            block: dict[str, dict[str, Any]] = {}
            for condition in self.conditions:
                block.setdefault(condition.operator, {})[condition.key] = _scalar_or_list(
                    condition.values
                )
            out["Condition"] = block
        return out


@dataclass(frozen=True)
class PolicyDocument:
    statements: tuple[Statement, ...]
    version: str | None = "2012-10-17"
    id: str | None = None

    @classmethod
    def parse(cls, value: str | bytes | Mapping[str, Any] | PolicyDocument) -> PolicyDocument:
        return parse_policy(value)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if self.version is not None:
            out["Version"] = self.version
        if self.id is not None:
            out["Id"] = self.id
        out["Statement"] = [s.to_json() for s in self.statements]
        return out

    def to_json(self, *, indent: int | None = None) -> str:
        """Canonical JSON: fixed element order, single values unwrapped, equal documents alike."""
        return json.dumps(
            self.to_dict(),
            indent=indent,
            sort_keys=False,
            separators=None if indent else (",", ":"),
        )

    def __iter__(self) -> Iterator[Statement]:
        return iter(self.statements)


def _scalar_or_list(values: tuple[Any, ...]) -> Any:
    return values[0] if len(values) == 1 else list(values)


def _strings(value: Any, path: str, *, allow_empty: bool = False) -> tuple[str, ...]:
    items = list(value) if isinstance(value, (list, tuple)) else [value]
    if not items and not allow_empty:
        raise PolicyDocumentError(path, "must not be empty")
    for index, item in enumerate(items):
        if not isinstance(item, str):
            where = f"{path}[{index}]" if isinstance(value, (list, tuple)) else path
            raise PolicyDocumentError(where, f"expected a string, got {_type_name(item)}")
    return tuple(items)


def _type_name(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, Mapping):
        return "an object"
    if isinstance(value, (list, tuple)):
        return "a list"
    return type(value).__name__


def _actions(value: Any, path: str) -> tuple[str, ...]:
    actions = _strings(value, path)
    for index, action in enumerate(actions):
        if not _ACTION.match(action.strip()):
            where = f"{path}[{index}]" if isinstance(value, (list, tuple)) else path
            raise PolicyDocumentError(where, f'{action!r} is not an action (service:Action or "*")')
    return tuple(a.strip() for a in actions)


def _principal(value: Any, path: str) -> Principal:
    if value == "*":
        return Principal(wildcard=True)
    if not isinstance(value, Mapping):
        raise PolicyDocumentError(
            path,
            'expected "*" or an object of AWS/Service/Federated/'
            f"CanonicalUser, got {_type_name(value)}",
        )
    if not value:
        raise PolicyDocumentError(path, "must not be empty")
    entries = []
    for kind, ids in value.items():
        if kind not in PRINCIPAL_KINDS:
            raise PolicyDocumentError(
                f"{path}.{kind}",
                f"unknown principal kind (expected one of {', '.join(PRINCIPAL_KINDS)})",
            )
        entries.append((str(kind), _strings(ids, f"{path}.{kind}")))
    return Principal(entries=tuple(entries))


def _conditions(value: Any, path: str) -> tuple[Condition, ...]:
    if not isinstance(value, Mapping):
        raise PolicyDocumentError(path, f"expected an object, got {_type_name(value)}")
    out = []
    for operator, clauses in value.items():
        where = f"{path}.{operator}"
        if not isinstance(operator, str) or not operator:
            raise PolicyDocumentError(path, "condition operator must be a non-empty string")
        problem = operator_problem(operator)
        if problem is not None:
            raise PolicyDocumentError(where, problem)
        if not isinstance(clauses, Mapping) or not clauses:
            raise PolicyDocumentError(where, "expected a non-empty object of condition keys")
        for key, raw in clauses.items():
            items = list(raw) if isinstance(raw, (list, tuple)) else [raw]
            for index, item in enumerate(items):
                if item is None or isinstance(item, (Mapping, list, tuple)):
                    at = (
                        f"{where}.{key}[{index}]"
                        if isinstance(raw, (list, tuple))
                        else f"{where}.{key}"
                    )
                    raise PolicyDocumentError(
                        at, f"expected a string, number or boolean, got {_type_name(item)}"
                    )
            if not items:
                raise PolicyDocumentError(f"{where}.{key}", "must not be empty")
            out.append(Condition(operator, str(key), tuple(items)))
    return tuple(out)


def _statement(raw: Any, path: str) -> Statement:
    # Exact types and set operations first: a large plan holds thousands of documents.
    if type(raw) is not dict and not isinstance(raw, Mapping):
        raise PolicyDocumentError(path, f"expected an object, got {_type_name(raw)}")
    if not _STATEMENT_KEYS.issuperset(raw):
        unknown = [k for k in raw if k not in _STATEMENT_KEYS]
        raise PolicyDocumentError(f"{path}.{unknown[0]}", "unknown statement element")
    if "Effect" not in raw:
        raise PolicyDocumentError(f"{path}.Effect", "is required")
    effect_raw = raw["Effect"]
    effect = _EFFECTS.get(effect_raw) if type(effect_raw) is str else None
    if effect is None:
        try:
            effect = Effect(effect_raw)
        except ValueError:
            raise PolicyDocumentError(
                f"{path}.Effect", f'expected "Allow" or "Deny", got {effect_raw!r}'
            ) from None
    for a, b in (
        ("Action", "NotAction"),
        ("Resource", "NotResource"),
        ("Principal", "NotPrincipal"),
    ):
        if a in raw and b in raw:
            raise PolicyDocumentError(f"{path}.{b}", f"{a} and {b} are mutually exclusive")
    if "Action" not in raw and "NotAction" not in raw:
        raise PolicyDocumentError(f"{path}.Action", "is required (or NotAction)")
    sid = raw.get("Sid")
    if sid is not None and not isinstance(sid, str):
        raise PolicyDocumentError(f"{path}.Sid", f"expected a string, got {_type_name(sid)}")

    def opt(name: str, read: Any) -> Any:
        return read(raw[name], f"{path}.{name}") if name in raw else None

    return Statement(
        effect=effect,
        actions=opt("Action", _actions),
        not_actions=opt("NotAction", _actions),
        resources=opt("Resource", _strings),
        not_resources=opt("NotResource", _strings),
        principal=opt("Principal", _principal),
        not_principal=opt("NotPrincipal", _principal),
        conditions=opt("Condition", _conditions) or (),
        sid=sid,
    )


def parse_policy(value: str | bytes | Mapping[str, Any] | PolicyDocument) -> PolicyDocument:
    """A ``PolicyDocument`` from JSON text or an object; errors name the path at fault."""
    if isinstance(value, PolicyDocument):
        return value
    if isinstance(value, (str, bytes)):
        try:
            value = json.loads(value)
        except (ValueError, RecursionError) as error:
            raise PolicyDocumentError("", f"not valid JSON: {error}") from None
    if type(value) is not dict and not isinstance(value, Mapping):
        raise PolicyDocumentError(
            "", f"a policy document must be a JSON object, got {_type_name(value)}"
        )
    unknown = [k for k in value if k not in ("Version", "Id", "Statement")]
    if unknown:
        raise PolicyDocumentError(str(unknown[0]), "unknown top-level element")
    version = value.get("Version")
    if version is not None and version not in VERSIONS:
        raise PolicyDocumentError(
            "Version", f"expected one of {', '.join(VERSIONS)}, got {version!r}"
        )
    policy_id = value.get("Id")
    if policy_id is not None and not isinstance(policy_id, str):
        raise PolicyDocumentError("Id", f"expected a string, got {_type_name(policy_id)}")
    if "Statement" not in value:
        raise PolicyDocumentError("Statement", "is required")
    raw = value["Statement"]
    single = type(raw) is dict or (type(raw) is not list and isinstance(raw, Mapping))
    items: Iterable[Any] = [raw] if single else raw
    if not single and not isinstance(raw, (list, tuple)):
        raise PolicyDocumentError(
            "Statement", f"expected an object or a list, got {_type_name(raw)}"
        )
    statements = tuple(
        _statement(item, "Statement" if single else f"Statement[{index}]")
        for index, item in enumerate(items)
    )
    return PolicyDocument(statements=statements, version=version, id=policy_id)
