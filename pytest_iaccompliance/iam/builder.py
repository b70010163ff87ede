"""A least-privilege policy builder whose guardrails can never cancel the grants they protect.

A common hand-written generator denies ``*`` to every principal not named ``ApprovedAdmin*``, which also denies
the very actions it grants to everyone else. Here each guardrail is shaped by what it protects:

- region and TLS guardrails deny only requests outside the approved region set or without TLS, so a
  request that satisfies them is never denied by them;
- the principal guardrail denies principals outside the approved set every action *other than* the
  grants (``NotAction``), so it narrows what other policies give them and never takes
  these grants away.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from pytest_iaccompliance.iam.catalogue import PERMISSIONS, TAGGING, WRITE, Catalogue
from pytest_iaccompliance.iam.catalogue import catalogue as load_catalogue
from pytest_iaccompliance.iam.document import (
    Condition,
    Effect,
    PolicyDocument,
    Statement,
    operator_problem,
)
from pytest_iaccompliance.reporting.text import listed

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping, Sequence

__all__ = ["Grant", "PolicyBuilder", "PolicyBuilderError"]


class PolicyBuilderError(ValueError):
    """A refused request, with the reason and the explicit opt-in that would allow it."""


@dataclass(frozen=True)
class Grant:
    actions: tuple[str, ...]
    resources: tuple[str, ...]
    conditions: tuple[Condition, ...] = ()
    sid: str | None = None


def _conditions(value: Mapping[str, Mapping[str, Any]] | None) -> tuple[Condition, ...]:
    out = []
    for operator, clauses in (value or {}).items():
        problem = operator_problem(operator)
        if problem is not None:
            raise PolicyBuilderError(problem)
        for key, raw in clauses.items():
            values = tuple(raw) if isinstance(raw, (list, tuple)) else (raw,)
            if not values:
                raise PolicyBuilderError(f"condition {operator} {key} has no values")
            out.append(Condition(operator, key, values))
    return tuple(out)


@dataclass
class PolicyBuilder:
    """Build a policy for one service: ``PolicyBuilder("s3").allow(["GetObject"], [arn]).build()``.

    Actions may be short (``GetObject``, prefixed with ``service``) or full (``sqs:SendMessage``).
    Every action must exist in the IAM catalogue; wildcards need ``allow_wildcard_actions=True`` and
    ``Resource: "*"`` on write or permissions-management actions needs
    ``allow_wildcard_resources=True``.
    """

    service: str
    catalogue: Catalogue | None = None
    grants: list[Grant] = field(default_factory=list)
    regions: tuple[str, ...] = ()
    require_tls: bool = False
    approved_principals: tuple[str, ...] = ()

    def _catalogue(self) -> Catalogue:
        if self.catalogue is None:
            self.catalogue = load_catalogue()
        return self.catalogue

    def _qualify(self, action: str) -> str:
        action = action.strip()
        if not action:
            raise PolicyBuilderError("an action name is empty")
        return action if ":" in action or action == "*" else f"{self.service}:{action}"

    def allow(
        self,
        actions: Iterable[str],
        resources: Iterable[str],
        *,
        conditions: Mapping[str, Mapping[str, Any]] | None = None,
        sid: str | None = None,
        allow_wildcard_actions: bool = False,
        allow_wildcard_resources: bool = False,
    ) -> PolicyBuilder:
        qualified = tuple(dict.fromkeys(self._qualify(a) for a in actions))
        targets = tuple(dict.fromkeys(r.strip() for r in resources))
        if not qualified:
            raise PolicyBuilderError("allow() needs at least one action")
        if not targets or not all(targets):
            raise PolicyBuilderError("allow() needs at least one non-empty resource ARN")
        known = self._catalogue()
        for action in qualified:
            if "*" in action or "?" in action:
                if not allow_wildcard_actions:
                    raise PolicyBuilderError(
                        f"wildcard action {action!r} refused: name the actions the workload calls, "
                        "or "
                        "pass allow_wildcard_actions=True"
                    )
                if not known.expand(action):
                    raise PolicyBuilderError(f"{action!r} matches no IAM action")
            elif known.lookup(action) is None:
                hints = known.close_matches(action)
                raise PolicyBuilderError(
                    f"unknown IAM action {action!r}"
                    + (f" (did you mean {', '.join(hints)}?)" if hints else "")
                )
        if "*" in targets and not allow_wildcard_resources:
            mutating = sorted(
                {
                    info.action
                    for a in qualified
                    for info in known.expand(a)
                    if info.access_level in (WRITE, PERMISSIONS, TAGGING) and not info.wildcard_only
                }
            )
            if mutating:
                raise PolicyBuilderError(
                    f'Resource "*" refused for write actions {listed(mutating, 5)}: '
                    "scope them to ARNs, or pass allow_wildcard_resources=True"
                )
        self.grants.append(Grant(qualified, targets, _conditions(conditions), sid))
        return self

    def deny_outside_regions(self, regions: Sequence[str]) -> PolicyBuilder:
        """Deny every request whose ``aws:RequestedRegion`` is not one of ``regions``."""
        if not regions:
            raise PolicyBuilderError("deny_outside_regions() needs at least one region")
        self.regions = tuple(dict.fromkeys(regions))
        return self

    def deny_insecure_transport(self) -> PolicyBuilder:
        """Deny requests made without TLS (``aws:SecureTransport`` false)."""
        self.require_tls = True
        return self

    def restrict_other_actions(self, approved_principals: Sequence[str]) -> PolicyBuilder:
        """Deny principals outside ``approved_principals`` (ARN patterns) all but the grants."""
        if not approved_principals:
            raise PolicyBuilderError(
                "restrict_other_actions() needs at least one approved principal"
            )
        self.approved_principals = tuple(dict.fromkeys(approved_principals))
        return self

    def granted_actions(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(a for g in self.grants for a in g.actions))

    def build(self) -> PolicyDocument:
        if not self.grants:
            raise PolicyBuilderError("the policy grants nothing: call allow() first")
        statements = [
            Statement(
                Effect.ALLOW,
                actions=g.actions,
                resources=g.resources,
                conditions=g.conditions,
                sid=g.sid or f"Allow{self.service.title().replace('-', '')}{index}",
            )
            for index, g in enumerate(self.grants, start=1)
        ]
        if self.regions:
            statements.append(
                Statement(
                    Effect.DENY,
                    actions=("*",),
                    resources=("*",),
                    sid="DenyOutsideApprovedRegions",
                    conditions=(Condition("StringNotEquals", "aws:RequestedRegion", self.regions),),
                )
            )
        if self.require_tls:
            statements.append(
                Statement(
                    Effect.DENY,
                    actions=("*",),
                    resources=("*",),
                    sid="DenyInsecureTransport",
                    conditions=(Condition("Bool", "aws:SecureTransport", ("false",)),),
                )
            )
        if self.approved_principals:
            statements.append(
                Statement(
                    Effect.DENY,
                    not_actions=self.granted_actions(),
                    resources=("*",),
                    sid="DenyOtherActionsOutsideApprovedPrincipals",
                    conditions=(
                        Condition("ArnNotLike", "aws:PrincipalArn", self.approved_principals),
                    ),
                )
            )
        return PolicyDocument(statements=tuple(statements))
