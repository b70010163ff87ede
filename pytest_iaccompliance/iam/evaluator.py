"""Decide a request against policy documents the way IAM does within one account.

An explicit Deny in any matching statement wins; otherwise any matching Allow allows; otherwise the
request is implicitly denied. Statements match on action (case-insensitive wildcards), resource
(ARN wildcards per segment), principal (for resource-based policies) and every condition clause,
with AWS's missing-key rules: a positive operator on a missing key is false, a negated one true,
``IfExists`` true, ``ForAllValues`` true and ``ForAnyValue`` false.
"""

from __future__ import annotations

import base64
import enum
import ipaddress
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from pytest_iaccompliance.iam.document import (
    Condition,
    Effect,
    PolicyDocument,
    Principal,
    Statement,
    operator_problem,
    parse_policy,
)
from pytest_iaccompliance.iam.matching import (
    any_action_matches,
    arn_matches,
    glob_matches,
    lookup,
    substitute,
)

__all__ = [
    "OPERATORS",
    "Decision",
    "Evaluation",
    "Request",
    "UnsupportedConditionError",
    "condition_holds",
    "evaluate",
    "statement_applies",
]


class Decision(enum.Enum):
    ALLOW = "Allow"
    EXPLICIT_DENY = "ExplicitDeny"
    IMPLICIT_DENY = "ImplicitDeny"


class UnsupportedConditionError(ValueError):
    """An operator IAM does not define: deciding without it would be a guess."""


@dataclass(frozen=True)
class Request:
    """One API call as IAM sees it; ``context`` maps condition keys to a value or a list."""

    action: str
    resource: str = "*"
    principal: str | None = None
    context: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Evaluation:
    decision: Decision
    allowed_by: tuple[tuple[int, int], ...] = ()
    denied_by: tuple[tuple[int, int], ...] = ()
    """(document index, statement index) pairs of the matching statements."""

    @property
    def allowed(self) -> bool:
        return self.decision is Decision.ALLOW


def evaluate(
    documents: PolicyDocument
    | Mapping[str, Any]
    | str
    | Iterable[PolicyDocument | Mapping[str, Any] | str],
    request: Request,
) -> Evaluation:
    """The decision for ``request`` under all ``documents`` together (identity or resource)."""
    if isinstance(documents, (PolicyDocument, Mapping, str)):
        documents = [documents]
    allowed: list[tuple[int, int]] = []
    denied: list[tuple[int, int]] = []
    for doc_index, raw in enumerate(documents):
        document = parse_policy(raw)
        for index, statement in enumerate(document.statements):
            if statement_applies(statement, request):
                (allowed if statement.effect is Effect.ALLOW else denied).append((doc_index, index))
    if denied:
        decision = Decision.EXPLICIT_DENY
    elif allowed:
        decision = Decision.ALLOW
    else:
        decision = Decision.IMPLICIT_DENY
    return Evaluation(decision, tuple(allowed), tuple(denied))


def statement_applies(statement: Statement, request: Request) -> bool:
    """Whether every element of the statement matches the request (its effect aside)."""
    if statement.actions is not None and not any_action_matches(statement.actions, request.action):
        return False
    if statement.not_actions is not None and any_action_matches(
        statement.not_actions, request.action
    ):
        return False
    if statement.resources is not None and not _any_resource(statement.resources, request):
        return False
    if statement.not_resources is not None and _any_resource(statement.not_resources, request):
        return False
    if statement.principal is not None and not _principal_matches(statement.principal, request):
        return False
    if statement.not_principal is not None and _principal_matches(statement.not_principal, request):
        return False
    return all(condition_holds(c, request.context) for c in statement.conditions)


def _any_resource(patterns: Sequence[str], request: Request) -> bool:
    for pattern in patterns:
        resolved = substitute(pattern, request.context)
        if resolved is not None and arn_matches(resolved, request.resource):
            return True
    return False


_ASSUMED_ROLE = re.compile(r"^arn:([^:]+):sts::(\d{12}):assumed-role/([^/]+)/.+$")
_ACCOUNT_ROOT = re.compile(r"^(?:arn:[^:]+:iam::)?(\d{12})(?::root)?$")


def _principal_matches(principal: Principal, request: Request) -> bool:
    if principal.is_everyone:
        return True
    caller = request.principal
    if caller is None:
        return False
    candidates = {caller}
    session = _ASSUMED_ROLE.match(caller)
    if session:
        candidates.add(f"arn:{session[1]}:iam::{session[2]}:role/{session[3]}")
    account = _account_of(caller)
    for _kind, identifier in principal.identifiers():
        if identifier in candidates:
            return True
        root = _ACCOUNT_ROOT.match(identifier)
        if root and account == root[1]:
            return True  # the account (its root) delegates to every principal in it
    return False


def _account_of(arn: str) -> str | None:
    parts = arn.split(":")
    return parts[4] if len(parts) > 5 and parts[0] == "arn" and parts[4].isdigit() else None


# --- conditions -----------------------------------------------------------------------------------

Compare = Callable[[str, str], bool]


def _number(text: str) -> float | None:
    try:
        return float(text)
    except ValueError:
        return None


def _date(text: str) -> float | None:
    number = _number(text)
    if number is not None:
        return number  # epoch seconds
    try:
        parsed = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=timezone.utc)
    return parsed.timestamp()


def _ordered(
    convert: Callable[[str], float | None], test: Callable[[float, float], bool]
) -> Compare:
    def compare(actual: str, wanted: str) -> bool:
        a, w = convert(actual), convert(wanted)
        return a is not None and w is not None and test(a, w)

    return compare


def _ip_in(actual: str, wanted: str) -> bool:
    try:
        return ipaddress.ip_address(actual.strip()) in ipaddress.ip_network(
            wanted.strip(), strict=False
        )
    except ValueError:
        return False


def _binary_equals(actual: str, wanted: str) -> bool:
    try:
        return base64.b64decode(actual, validate=True) == base64.b64decode(wanted, validate=True)
    except ValueError:
        return False


def _eq(a: float, b: float) -> bool:
    return a == b


def _lt(a: float, b: float) -> bool:
    return a < b


def _le(a: float, b: float) -> bool:
    return a <= b


def _gt(a: float, b: float) -> bool:
    return a > b


def _ge(a: float, b: float) -> bool:
    return a >= b


# operator -> (comparison, negated, values may hold policy variables): every operator of
# document.CONDITION_OPERATORS but Null, which tests presence only.
OPERATORS: Mapping[str, tuple[Compare, bool, bool]] = {
    "StringEquals": (lambda a, w: a == w, False, True),
    "StringNotEquals": (lambda a, w: a == w, True, True),
    "StringEqualsIgnoreCase": (lambda a, w: a.lower() == w.lower(), False, True),
    "StringNotEqualsIgnoreCase": (lambda a, w: a.lower() == w.lower(), True, True),
    "StringLike": (lambda a, w: glob_matches(w, a), False, True),
    "StringNotLike": (lambda a, w: glob_matches(w, a), True, True),
    "NumericEquals": (_ordered(_number, _eq), False, False),
    "NumericNotEquals": (_ordered(_number, _eq), True, False),
    "NumericLessThan": (_ordered(_number, _lt), False, False),
    "NumericLessThanEquals": (_ordered(_number, _le), False, False),
    "NumericGreaterThan": (_ordered(_number, _gt), False, False),
    "NumericGreaterThanEquals": (_ordered(_number, _ge), False, False),
    "DateEquals": (_ordered(_date, _eq), False, False),
    "DateNotEquals": (_ordered(_date, _eq), True, False),
    "DateLessThan": (_ordered(_date, _lt), False, False),
    "DateLessThanEquals": (_ordered(_date, _le), False, False),
    "DateGreaterThan": (_ordered(_date, _gt), False, False),
    "DateGreaterThanEquals": (_ordered(_date, _ge), False, False),
    "Bool": (lambda a, w: a.lower() == w.lower(), False, True),
    "BinaryEquals": (_binary_equals, False, False),
    "IpAddress": (_ip_in, False, False),
    "NotIpAddress": (_ip_in, True, False),
    "ArnEquals": (lambda a, w: arn_matches(w, a), False, True),
    "ArnLike": (lambda a, w: arn_matches(w, a), False, True),
    "ArnNotEquals": (lambda a, w: arn_matches(w, a), True, True),
    "ArnNotLike": (lambda a, w: arn_matches(w, a), True, True),
}


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def condition_holds(condition: Condition, context: Mapping[str, Any]) -> bool:
    """One clause against the request context, with IAM's missing-key and set-qualifier rules."""
    base = condition.base_operator
    raw = lookup(context, condition.key)
    present = raw is not None and not (isinstance(raw, (list, tuple)) and not raw)
    problem = operator_problem(condition.operator)
    if problem is not None:
        raise UnsupportedConditionError(problem)
    if base == "Null":
        wanted = {_text(v).lower() for v in condition.values}
        return ("true" in wanted and not present) or ("false" in wanted and present)
    compare, negated, variables = OPERATORS[base]
    qualifier = condition.qualifier
    if not present:
        if condition.if_exists or qualifier == "ForAllValues":
            return True
        if qualifier == "ForAnyValue":
            return False
        return negated
    wanted_values = []
    for value in condition.values:
        text = _text(value)
        if variables:
            resolved = substitute(text, context)
            if resolved is None:
                continue
            text = resolved
        wanted_values.append(text)
    actual_values = [_text(v) for v in (raw if isinstance(raw, (list, tuple)) else [raw])]

    def one(actual: str) -> bool:
        hit = any(compare(actual, wanted) for wanted in wanted_values)
        return not hit if negated else hit  # negated operators: NOR over the policy's values

    if qualifier == "ForAllValues":
        return all(one(a) for a in actual_values)
    if negated and qualifier is None:
        return all(one(a) for a in actual_values)
    return any(one(a) for a in actual_values)
