"""Findings about what a policy document grants, each with a severity driven by access level.

Pure analysis of one document: no I/O beyond the catalogue, never raises on arbitrary input (a
malformed document is itself a finding), so one document cannot stop a scan of 50,000 resources.
"""

from __future__ import annotations

import enum
import functools
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from pytest_iaccompliance.iam.catalogue import (
    PERMISSIONS,
    WRITE,
    Catalogue,
    default_catalogue,
)
from pytest_iaccompliance.iam.document import (
    CURRENT_VERSION,
    LEGACY_VERSION,
    PolicyDocument,
    PolicyDocumentError,
    Statement,
    operator_problem,
    parse_policy,
)
from pytest_iaccompliance.iam.evaluator import OPERATORS
from pytest_iaccompliance.iam.matching import action_matches, policy_variables
from pytest_iaccompliance.model import Severity
from pytest_iaccompliance.reporting.text import listed

__all__ = [
    "ESCALATIONS",
    "RESTRICTING_CONDITION_KEYS",
    "Check",
    "IamFinding",
    "analyse",
    "granted",
]


class Check(enum.Enum):
    """What a finding is about; rules select findings by check."""

    MALFORMED = "malformed"
    FULL_ADMIN = "full-admin"
    SERVICE_WILDCARD = "service-wildcard"
    WILDCARD_RESOURCE = "wildcard-resource"
    ALLOW_NOT_ACTION = "allow-not-action"
    ALLOW_NOT_RESOURCE = "allow-not-resource"
    PUBLIC_PRINCIPAL = "public-principal"
    PRIVILEGE_ESCALATION = "privilege-escalation"
    UNKNOWN_ACTION = "unknown-action"
    VERSION = "version"

    # Members are singletons compared by identity, so the identity hash agrees with equality; Enum's own
    # hashes the name in Python, and checks key sets and dicts once per statement and rule on every document.
    __hash__ = object.__hash__


@dataclass(frozen=True)
class IamFinding:
    check: Check
    severity: Severity
    message: str
    path: str = ""
    """Where in the document (``Statement[1].Action[0]``); empty for the whole document."""
    actions: tuple[str, ...] = ()

    def describe(self) -> str:
        return f"{self.path}: {self.message}" if self.path else self.message


ESCALATIONS: tuple[tuple[str, ...], ...] = (
    ("iam:CreatePolicyVersion",),
    ("iam:SetDefaultPolicyVersion",),
    ("iam:AttachUserPolicy",),
    ("iam:AttachGroupPolicy",),
    ("iam:AttachRolePolicy",),
    ("iam:PutUserPolicy",),
    ("iam:PutGroupPolicy",),
    ("iam:PutRolePolicy",),
    ("iam:AddUserToGroup",),
    ("iam:CreateAccessKey",),
    ("iam:CreateLoginProfile",),
    ("iam:UpdateLoginProfile",),
    ("iam:UpdateAssumeRolePolicy",),
    ("lambda:UpdateFunctionCode",),
    ("glue:UpdateDevEndpoint",),
    ("iam:PassRole", "ec2:RunInstances"),
    ("iam:PassRole", "lambda:CreateFunction"),
    ("iam:PassRole", "glue:CreateDevEndpoint"),
    ("iam:PassRole", "cloudformation:CreateStack"),
    ("iam:PassRole", "datapipeline:CreatePipeline"),
    ("iam:PassRole", "ecs:RunTask"),
    ("iam:PassRole", "codebuild:CreateProject"),
    ("iam:PassRole", "sagemaker:CreateNotebookInstance"),
    ("iam:PassRole", "ssm:SendCommand"),
)
"""Known privilege-escalation paths (Rhino Security Labs' catalogue): each tuple is one path."""

RESTRICTING_CONDITION_KEYS = frozenset(
    k.lower()
    for k in (
        "aws:SourceArn",
        "aws:SourceAccount",
        "aws:SourceOwner",
        "aws:SourceVpc",
        "aws:SourceVpce",
        "aws:SourceIp",
        "aws:SourceOrgID",
        "aws:SourceOrgPaths",
        "aws:PrincipalArn",
        "aws:PrincipalAccount",
        "aws:PrincipalOrgID",
        "aws:PrincipalOrgPaths",
        "aws:PrincipalServiceName",
        "aws:userid",
        "aws:username",
        "aws:VpceAccount",
        "aws:VpceOrgID",
        "aws:VpcSourceIp",
        "kms:CallerAccount",
        "kms:ViaService",
        "s3:DataAccessPointAccount",
        "sts:ExternalId",
        "aws:FederatedProvider",
        "cognito-identity.amazonaws.com:aud",
        "token.actions.githubusercontent.com:sub",
    )
)
"""Condition keys that narrow who may use a statement with ``Principal: "*"``."""

_POSITIVE_PREFIXES = ("StringEquals", "StringLike", "ArnEquals", "ArnLike", "IpAddress")


def _restricting(statement: Statement) -> bool:
    for condition in statement.conditions:
        base = condition.base_operator
        if (
            condition.key.lower() in RESTRICTING_CONDITION_KEYS
            and not condition.if_exists
            and base.startswith(_POSITIVE_PREFIXES)
            and condition.qualifier != "ForAllValues"
            and "*" not in [str(v).strip() for v in condition.values]
        ):
            return True
    return False


def granted(document: PolicyDocument, action: str, *, include_unbounded: bool = True) -> bool:
    """Whether some Allow statement names ``action`` (ignoring resources and conditions)."""
    for statement in document.statements:
        if not statement.is_allow:
            continue
        if statement.actions is not None:
            patterns = [a for a in statement.actions if include_unbounded or a != "*"]
            if any(action_matches(p, action) for p in patterns):
                return True
        elif (
            include_unbounded
            and statement.not_actions is not None
            and not any(action_matches(p, action) for p in statement.not_actions)
        ):
            return True
    return False


class _LazyCatalogue:
    """The catalogue, loaded only when a statement actually needs an access level or a name."""

    def __init__(self, given: Catalogue | None, enabled: bool) -> None:
        self._value = given
        self._resolved = given is not None or not enabled

    def get(self) -> Catalogue | None:
        if not self._resolved:
            self._value = default_catalogue()
            self._resolved = True
        return self._value


def _statement_path(index: int, single: bool) -> str:
    return "Statement" if single else f"Statement[{index}]"


def analyse(
    document: Any,
    *,
    catalogue: Catalogue | None = None,
    checks: Iterable[Check] | None = None,
    lookup_catalogue: bool = True,
    parsed: PolicyDocument | None = None,
) -> list[IamFinding]:
    """Findings for one document given as JSON text, an object or a ``PolicyDocument``.

    ``checks`` limits the work to what the caller reads (rules ask only for theirs); the
    catalogue is consulted only for checks that need access levels or action names, and only
    when installed. ``parsed`` is ``document`` already parsed, by a caller that reads it for more
    than this analysis (paths are still spelt from ``document``, as it was written).
    """
    wanted = frozenset(checks) if checks is not None else frozenset(Check)
    try:
        parsed = parse_policy(document) if parsed is None else parsed
    except PolicyDocumentError as error:
        return [
            IamFinding(
                Check.MALFORMED,
                Severity.WARNING,
                f"not a valid policy document: {error.reason}",
                error.path,
            )
        ]
    except (TypeError, ValueError, RecursionError) as error:
        return [
            IamFinding(Check.MALFORMED, Severity.WARNING, f"not a valid policy document: {error}")
        ]
    single = _is_single(document)
    rejected = _rejected_condition(parsed, single)
    if rejected is not None:
        return [rejected]
    lazy = _LazyCatalogue(catalogue, lookup_catalogue)
    findings: list[IamFinding] = []
    if Check.VERSION in wanted:
        findings.extend(_version(parsed, single))
    for index, statement in enumerate(parsed.statements):
        path = _statement_path(index, single)
        findings.extend(_statement_findings(statement, path, wanted, lazy))
    if Check.PRIVILEGE_ESCALATION in wanted:
        findings.extend(_escalations(parsed))
    return findings


def _rejected_condition(document: PolicyDocument, single: bool) -> IamFinding | None:
    """A condition operator IAM rejects in a document built as objects (the parser refuses JSON
    naming one), reported as the parser would."""
    for index, statement in enumerate(document.statements):
        for condition in statement.conditions:
            problem = operator_problem(condition.operator)
            if problem is not None:
                path = f"{_statement_path(index, single)}.Condition.{condition.operator}"
                return IamFinding(Check.MALFORMED, Severity.WARNING, f"not a valid policy document: {problem}", path)
    return None


def _variable_places(document: PolicyDocument, single: bool) -> Iterable[tuple[str, str]]:
    """(path, variable) of each policy variable, in the elements that substitute them."""
    for index, statement in enumerate(document.statements):
        path = _statement_path(index, single)
        for element, values in (("Resource", statement.resources), ("NotResource", statement.not_resources)):
            for position, value in enumerate(values or ()):
                for variable in policy_variables(value):
                    yield f"{path}.{element}[{position}]", variable
        for condition in statement.conditions:
            operator = OPERATORS.get(condition.base_operator)
            if operator is None or not operator[2]:
                continue  # Numeric, Date, IP, Binary and Null values never substitute variables
            for given in condition.values:
                if isinstance(given, str):
                    for variable in policy_variables(given):
                        yield f"{path}.Condition.{condition.operator}.{condition.key}", variable


def _version(document: PolicyDocument, single: bool) -> list[IamFinding]:
    """Without ``Version`` IAM reads a document as 2008-10-17, which does not substitute policy
    variables: ``${aws:username}`` then matches only that literal text, so an Allow grants nothing
    and, worse, a Deny guards nothing. That is critical; a missing Version alone is a warning."""
    if document.version == CURRENT_VERSION:
        return []
    places = list(_variable_places(document, single))
    if places:
        path, variable = places[0]
        named = (
            f"policy variables {variable} and {len(places) - 1} more are"
            if len(places) > 1
            else f"policy variable {variable} is"
        )
        reading = (
            f"under Version {LEGACY_VERSION}"
            if document.version == LEGACY_VERSION
            else f"without Version (IAM reads the document as {LEGACY_VERSION})"
        )
        return [
            IamFinding(
                Check.VERSION,
                Severity.CRITICAL,
                f"{named} not substituted {reading}: each matches only its literal text; "
                f'state "Version": "{CURRENT_VERSION}"',
                path,
            )
        ]
    if document.version is None:
        return [
            IamFinding(
                Check.VERSION,
                Severity.WARNING,
                f"no Version: IAM reads the document as {LEGACY_VERSION}, which has no policy variables; "
                f'state "Version": "{CURRENT_VERSION}"',
                "Version",
            )
        ]
    return []


def _is_single(document: Any) -> bool:
    if isinstance(document, Mapping):
        return isinstance(document.get("Statement"), Mapping)
    if isinstance(document, (str, bytes)):
        text = document.decode(errors="replace") if isinstance(document, bytes) else document
        head = text.partition('"Statement"')[2].lstrip(" \t\r\n:")
        return head.startswith("{")
    return False


def _statement_findings(
    statement: Statement, path: str, wanted: frozenset[Check], lazy: _LazyCatalogue
) -> list[IamFinding]:
    findings: list[IamFinding] = []
    actions = statement.actions or ()
    catalogue = lazy.get() if Check.UNKNOWN_ACTION in wanted else None
    if catalogue is not None:
        named = [("Action", actions), ("NotAction", statement.not_actions or ())]
        for element, position, action in (
            (e, i, a) for e, items in named for i, a in enumerate(items)
        ):
            if action != "*" and not catalogue.expand(action):
                service = action.partition(":")[0]
                if catalogue.service_name(service) is None:
                    hint = "unknown service"
                else:
                    matches = catalogue.close_matches(action)
                    hint = "no such action" + (f" (did you mean {', '.join(matches)}?)" if matches else "")
                findings.append(
                    IamFinding(
                        Check.UNKNOWN_ACTION,
                        Severity.WARNING,
                        f"{action!r} matches no IAM action: {hint}",
                        f"{path}.{element}[{position}]",
                        (action,),
                    )
                )
    if not statement.is_allow:
        return findings
    everyone = statement.principal is not None and statement.principal.is_everyone
    if Check.PUBLIC_PRINCIPAL in wanted and everyone and not _restricting(statement):
        findings.append(
            IamFinding(
                Check.PUBLIC_PRINCIPAL,
                Severity.CRITICAL,
                'allows Principal "*" (anyone, anonymous callers included) '
                "without a condition restricting the caller",
                f"{path}.Principal",
            )
        )
    if Check.FULL_ADMIN in wanted and "*" in actions:
        scope = (
            "every resource"
            if statement.resources is not None and "*" in statement.resources
            else "its resources"
        )
        findings.append(
            IamFinding(
                Check.FULL_ADMIN,
                Severity.CRITICAL,
                f'allows every action ("*") on {scope}',
                f"{path}.Action",
                ("*",),
            )
        )
    if Check.SERVICE_WILDCARD in wanted:
        for action in actions:
            service, _, name = action.partition(":")
            if name and name.strip("*") == "" and action != "*":
                known = lazy.get()
                level = known.highest_access_level([action]) if known else None
                severity = Severity.WARNING if level in ("Read", "List") else Severity.CRITICAL
                findings.append(
                    IamFinding(
                        Check.SERVICE_WILDCARD,
                        severity,
                        f"allows every {service} action ({action!r})"
                        + (f", up to {level}" if level else ""),
                        f"{path}.Action",
                        (action,),
                    )
                )
    if Check.ALLOW_NOT_ACTION in wanted and statement.not_actions is not None:
        findings.append(
            IamFinding(
                Check.ALLOW_NOT_ACTION,
                Severity.CRITICAL,
                "Allow with NotAction grants every action except the listed ones, "
                "including ones AWS adds later",
                f"{path}.NotAction",
            )
        )
    if Check.ALLOW_NOT_RESOURCE in wanted and statement.not_resources is not None:
        findings.append(
            IamFinding(
                Check.ALLOW_NOT_RESOURCE,
                Severity.WARNING,
                "Allow with NotResource grants every resource except the listed ones",
                f"{path}.NotResource",
            )
        )
    if (
        Check.WILDCARD_RESOURCE in wanted
        and statement.resources is not None
        and "*" in statement.resources
        and actions
        and "*" not in actions
    ):
        findings.extend(_wildcard_resource(actions, path, lazy.get()))
    return findings


def _wildcard_resource(
    actions: Sequence[str], path: str, catalogue: Catalogue | None
) -> list[IamFinding]:
    if catalogue is None:
        return [
            IamFinding(
                Check.WILDCARD_RESOURCE,
                Severity.WARNING,
                'Resource "*" with actions whose access level is unknown (install '
                "policy_sentry for access levels)",
                f"{path}.Resource",
                tuple(actions),
            )
        ]
    # Actions that take no ARN are exempt: "*" is the only scope they can have.
    permissions = [a for action in actions for a in catalogue.scopable(action, PERMISSIONS)]
    writes = [a for action in actions for a in catalogue.scopable(action, WRITE)]
    findings = []
    if permissions:
        findings.append(
            IamFinding(
                Check.WILDCARD_RESOURCE,
                Severity.CRITICAL,
                f'Resource "*" on permissions-management actions {_sample(permissions)}',
                f"{path}.Resource",
                tuple(permissions),
            )
        )
    if writes:
        findings.append(
            IamFinding(
                Check.WILDCARD_RESOURCE,
                Severity.WARNING,
                f'Resource "*" on write actions {_sample(writes)}',
                f"{path}.Resource",
                tuple(writes),
            )
        )
    return findings


def _sample(actions: Sequence[str], limit: int = 4) -> str:
    return listed(dict.fromkeys(actions), limit)


_ESCALATION_ACTIONS = tuple(dict.fromkeys(a for path in ESCALATIONS for a in path))


_ESCALATION_BY_NAME = {a.lower(): frozenset({a}) for a in _ESCALATION_ACTIONS}


@functools.lru_cache(maxsize=4096)
def _escalation_actions_of(pattern: str) -> frozenset[str]:
    """The escalation actions a lowercased pattern covers; an exact name needs no regex."""
    if "*" not in pattern and "?" not in pattern:
        return _ESCALATION_BY_NAME.get(pattern, frozenset())
    return frozenset(a for a in _ESCALATION_ACTIONS if action_matches(pattern, a))


def _escalations(document: PolicyDocument) -> list[IamFinding]:
    """Escalation paths granted by named actions or patterns, leaving ``*`` and NotAction to
    their own findings (both already grant every path)."""
    allowed: set[str] = set()
    for statement in document.statements:
        if statement.is_allow and statement.actions is not None:
            for pattern in statement.actions:
                if pattern != "*":
                    allowed |= _escalation_actions_of(pattern.lower())
    if not allowed:
        return []
    return [
        IamFinding(
            Check.PRIVILEGE_ESCALATION,
            Severity.CRITICAL,
            "allows privilege escalation through " + " + ".join(path_actions),
            "",
            path_actions,
        )
        for path_actions in ESCALATIONS
        if allowed.issuperset(path_actions)
    ]
