"""A policy whose own Deny cancels its own Allows for the principal it is attached to.

The pattern: Allow what the workload needs, then Deny ``*`` unless the caller is ``ApprovedAdmin*``;
attached to a role that is not an approved admin, the policy grants nothing, and the workload fails
at run time. Each attached policy is evaluated with the IAM evaluator, for the principal it is attached
to (its ARN from the resource set), on each action and resource it allows.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from pytest_iaccompliance.iam.document import Effect, PolicyDocument, PolicyDocumentError, Statement, parse_policy
from pytest_iaccompliance.iam.evaluator import Request, UnsupportedConditionError, statement_applies
from pytest_iaccompliance.model import Resource, ResourceSet, Severity, Unknown, is_unknown
from pytest_iaccompliance.policies.base import (
    Policy,
    PolicyContext,
    Result,
    judge,
    not_applicable,
    policy,
)
from pytest_iaccompliance.policies.rules.iam import parsed_policy_text
from pytest_iaccompliance.policies.values import as_list, policy_document

__all__ = ["POLICIES", "attached_documents"]

PRINCIPAL_TYPES = ("aws_iam_role", "aws_iam_user")
_PLACEHOLDER_ACCOUNTS = ("000000000000", "999999999999")
_PLACEHOLDER_NAMES = ("unknown-principal-a", "unknown-principal-b")


@dataclass(frozen=True)
class Attached:
    """One policy document attached to a principal, and what attaches it (for the message)."""

    label: str
    raw: Any


def _kind(principal: Resource) -> str:
    return "role" if principal.type == "aws_iam_role" else "user"


def _names(principal: Resource) -> set[str]:
    """Literal identifiers an attachment may name the principal by."""
    return {str(v) for key in ("name", "id", "arn")
            if isinstance(v := principal.properties.get(key), (str, int)) and not is_unknown(v)}


class _Attachments:
    """Who attaches what to whom in one resource set, read once: per principal (by identity), the separate
    inline policies and the managed-policy ARNs attached to it, in source order; and the managed policies
    by literal ARN. A role asks a dictionary, so the rule stays linear in the set's size."""

    def __init__(self, resources: ResourceSet) -> None:
        self.resources = resources
        self.inline: dict[int, list[Resource]] = {}
        self.arns: dict[int, list[tuple[str, Any]]] = {}
        self.policies_by_arn: dict[str, Resource] = {}
        for managed in resources.of_type("aws_iam_policy"):
            arn = managed.properties.get("arn")
            if isinstance(arn, str):
                self.policies_by_arn.setdefault(arn, managed)
        for kind, principal_type in (("role", "aws_iam_role"), ("user", "aws_iam_user")):
            by_name: dict[str, list[Resource]] = {}
            for principal in resources.of_type(principal_type):
                for name in _names(principal):
                    by_name.setdefault(name, []).append(principal)
            for inline in resources.of_type(f"aws_iam_{kind}_policy"):
                for principal in self._named(inline.properties.get(kind), by_name, principal_type):
                    self.inline.setdefault(id(principal), []).append(inline)
            attachments = [(a, [a.properties.get(kind)])
                           for a in resources.of_type(f"aws_iam_{kind}_policy_attachment")]
            attachments += [(a, as_list(a.properties.get(f"{kind}s")))
                            for a in resources.of_type("aws_iam_policy_attachment")]
            for attachment, values in attachments:
                seen: set[int] = set()
                for value in values:
                    for principal in self._named(value, by_name, principal_type):
                        if id(principal) not in seen:
                            seen.add(id(principal))
                            self.arns.setdefault(id(principal), []).append(
                                (attachment.address, attachment.properties.get("policy_arn")))

    def _named(self, value: Any, by_name: dict[str, list[Resource]], principal_type: str) -> list[Resource]:
        """The principals ``value`` points at: the one its reference resolves to, or those its literal names."""
        if isinstance(value, str) and "${" in value:
            target = self.resources.resolve(value)
            return [target] if target is not None and target.type == principal_type else []
        if isinstance(value, (str, int)):
            return by_name.get(str(value), [])
        return []

    def policy_by_arn(self, value: Any) -> Resource | None:
        """The ``aws_iam_policy`` a ``policy_arn`` names, by reference or by its literal ARN."""
        target = self.resources.resolve(value) if isinstance(value, str) and "${" in value else None
        if target is not None:
            return target if target.type == "aws_iam_policy" else None
        return self.policies_by_arn.get(value) if isinstance(value, str) else None


def _attachments(resources: ResourceSet, context: PolicyContext | None) -> _Attachments:
    if context is None or context.resources is not resources:
        return _Attachments(resources)
    return context.remember(("AWS-IAM-009", "attachments"), lambda: _Attachments(resources))


def attached_documents(principal: Resource, resources: ResourceSet,
                       context: PolicyContext | None = None) -> Iterator[Attached]:
    """Every policy document attached to a role or user in this set: inline, separate inline resources,
    managed policies through attachments, and a role's ``managed_policy_arns``. With the evaluation's
    ``context``, the set's attachments are read once for every principal."""
    index = _attachments(resources, context)
    kind = _kind(principal)
    if kind == "role":
        for position, block in enumerate(principal.blocks("inline_policy")):
            if block.get("policy") is not None:
                yield Attached(f"inline_policy[{position}]", block.get("policy"))
    for inline in index.inline.get(id(principal), ()):
        if inline.get("policy") is not None:
            yield Attached(inline.address, inline.get("policy"))
    arns = list(index.arns.get(id(principal), ()))
    if kind == "role":
        arns.extend((f"{principal.address} managed_policy_arns", v)
                    for v in as_list(principal.properties.get("managed_policy_arns")))
    for via, arn in arns:
        managed = index.policy_by_arn(arn)
        if managed is not None and managed.get("policy") is not None:
            yield Attached(f"{managed.address} (attached by {via})", managed.get("policy"))


def _hinted_arns(document: PolicyDocument, kind: str) -> list[str]:
    """ARNs a Deny's identity conditions single out (``role/ApprovedAdmin*`` as ``role/ApprovedAdminx``): an
    unknown principal may be one of them, so they are tried beside the placeholders."""
    found: list[str] = []
    for statement in document.statements:
        for condition in statement.conditions:
            key = condition.key.lower()
            for value in condition.values:
                text = str(value).replace("*", "x").replace("?", "x")
                if key in ("aws:principalarn",) and text.startswith("arn:") and f":{kind}/" in text:
                    parts = text.split(":", 5)
                    if len(parts) == 6:
                        account = parts[4] if parts[4].isdigit() else _PLACEHOLDER_ACCOUNTS[0]
                        found.append(":".join([*parts[:4], account, parts[5]]))
                elif key == "aws:username" and kind == "user":
                    found.append(f"arn:aws:iam::{_PLACEHOLDER_ACCOUNTS[0]}:user/{text}")
    return found


def _candidate_arns(principal: Resource, accounts: set[str]) -> tuple[list[str], str]:
    """The ARNs the principal may have, and what is not known about it ("" when its ARN is known)."""
    arn = principal.properties.get("arn")
    if isinstance(arn, str) and arn.startswith("arn:") and not is_unknown(arn):
        return [arn], ""
    kind = _kind(principal)
    path = principal.properties.get("path")
    path = path if isinstance(path, str) and path.startswith("/") and not is_unknown(path) else "/"
    name = principal.properties.get("name")
    if isinstance(name, str) and name and not is_unknown(name):
        names: tuple[str, ...] = (name,)
        missing = "its account"
    else:
        names = _PLACEHOLDER_NAMES
        missing = "its name and account"
    account_ids = sorted(accounts) or list(_PLACEHOLDER_ACCOUNTS)
    if accounts:
        account_ids.append(_PLACEHOLDER_ACCOUNTS[0])
    return [f"arn:aws:iam::{a}:{kind}{path}{n}" for a in account_ids for n in names], missing


def _accounts_in(document: PolicyDocument) -> set[str]:
    found: set[str] = set()
    for statement in document.statements:
        for condition in statement.conditions:
            for value in condition.values:
                parts = str(value).split(":")
                if len(parts) > 4 and parts[4].isdigit() and len(parts[4]) == 12:
                    found.add(parts[4])
    return found


_IDENTITY_KEYS = frozenset({"aws:principalarn", "aws:principalaccount", "aws:username", "aws:principaltype",
                            "aws:userid"})


def _context(arn: str, kind: str) -> dict[str, Any]:
    parts = arn.split(":")
    name = arn.rsplit("/", 1)[-1]
    context: dict[str, Any] = {"aws:PrincipalArn": arn, "aws:PrincipalAccount": parts[4],
                               "aws:PrincipalType": "AssumedRole" if kind == "role" else "User"}
    if kind == "user":
        context["aws:username"] = name
    return context


def _decisive_denies(document: PolicyDocument) -> list[Statement]:
    """Deny statements whose conditions read only who the caller is: what else a request carries (source
    IP, MFA, tags) is unknown here, and a Deny guarded by it does not cancel the Allows for every call."""
    return [s for s in document.statements if s.effect is Effect.DENY
            and all(c.key.lower() in _IDENTITY_KEYS for c in s.conditions)]


def _cancelled(allow: Statement, denies: list[Statement], arn: str, kind: str) -> bool:
    """Whether every (action, resource) the Allow names is denied to ``arn`` by one of ``denies``."""
    if allow.actions is None:
        return False  # NotAction: what it allows cannot be listed
    resources = allow.resources if allow.resources is not None else ("*",)
    if allow.not_resources is not None:
        return False
    context = _context(arn, kind)
    for action, resource in itertools.product(allow.actions, resources):
        request = Request(action=action, resource=resource, principal=arn, context=context)
        if not any(statement_applies(deny, request) for deny in denies):
            return False
    return True


def _verdict(principal: Resource, attached: Attached, document: PolicyDocument) -> tuple[list[str], list[str]]:
    denies = _decisive_denies(document)
    allows = [(i, s) for i, s in enumerate(document.statements) if s.effect is Effect.ALLOW]
    if not denies or not allows:
        return [], []
    arns, missing = _candidate_arns(principal, _accounts_in(document))
    if missing == "its name and account":
        arns.extend(_hinted_arns(document, _kind(principal)))
    per_arn = [[i for i, s in allows if _cancelled(s, denies, arn, _kind(principal))] for arn in arns]
    if all(per_arn[0] == other for other in per_arn[1:]):
        cancelled = per_arn[0]
        if not cancelled:
            return [], []
        actions = [a for i, s in allows if i in cancelled for a in (s.actions or ())]
        shown = ", ".join(actions[:5]) + (" ..." if len(actions) > 5 else "")
        whole = "everything it allows" if len(cancelled) == len(allows) else f"its own Allow of {shown}"
        who = arns[0] if not missing else f"this {_kind(principal)}"
        return [f"{principal.address}: {attached.label} denies {whole} to {who}"
                + (f" ({shown})" if len(cancelled) == len(allows) else "")], []
    return [], [f"{principal.address}: whether {attached.label} denies its own Allows depends on {missing}, "
                "not known before apply"]


def _read(raw: Any, context: PolicyContext) -> PolicyDocument | str | None:
    if isinstance(raw, str) and "${" not in raw and "\\u" not in raw:
        # Plain JSON text, the common case: no value in it can be unknown (a ``${`` could only be spelt
        # through a \u escape), and the IAM rules have parsed it already.
        parsed = parsed_policy_text(raw, context)
        if parsed is not None:
            return parsed
    document = policy_document(raw, context.resources)
    if isinstance(document, Unknown):
        return f"is not known before apply ({document.reason})"
    if document is None:
        return None
    if _holds_unknown(document):
        # A document of Allows alone cancels nothing, whatever its unknown resources or conditions turn out to be.
        return None if _allows_only(document) else "holds values known only after apply"
    try:
        return parse_policy(document)
    except PolicyDocumentError:
        return None  # AWS-IAM-008 reports a document AWS rejects


def _allows_only(document: Any) -> bool:
    statements = document.get("Statement") if isinstance(document, Mapping) else None
    if isinstance(statements, Mapping):
        statements = [statements]
    return isinstance(statements, list) and all(
        isinstance(s, Mapping) and s.get("Effect") == "Allow" for s in statements)


def _holds_unknown(value: Any) -> bool:
    if is_unknown(value):
        return True
    if isinstance(value, Mapping):
        return any(_holds_unknown(v) for v in value.values())
    if isinstance(value, (list, tuple)):
        return any(_holds_unknown(v) for v in value)
    return False


@policy(
    "AWS-IAM-009",
    title="No policy attached to a role or user denies, for that principal, what it allows",
    severity=Severity.CRITICAL,
    resource_types=PRINCIPAL_TYPES,
    remediation="Scope the guardrail Deny so it does not match the principal the policy is attached to (or "
    "attach the policy only to the approved principals the Deny exempts); a Deny always wins over an Allow.",
)
def no_self_cancelling_policies(resource: Resource, context: PolicyContext) -> Result:
    """An explicit Deny wins over every Allow: a policy that denies its own principal what it allows grants
    nothing, so the workload fails in production while every review of the Allow looks right."""
    problems: list[str] = []
    unknown: list[str] = []
    seen = False
    for attached in attached_documents(resource, context.resources, context):
        seen = True
        document = _read(attached.raw, context)
        if isinstance(document, str):
            unknown.append(f"{resource.address}: {attached.label} {document}")
            continue
        if document is None:
            continue
        try:
            found, undecided = _verdict(resource, attached, document)
        except UnsupportedConditionError:
            continue  # AWS-IAM-008 reports the operator AWS rejects
        problems.extend(found)
        unknown.extend(undecided)
    if not seen:
        return not_applicable()
    return judge(problems, unknown)


POLICIES: tuple[Policy, ...] = (no_self_cancelling_policies,)
