"""Infrastructure-as-code compliance for cdktf, cdktn, Terraform and Pulumi, as a pytest plugin."""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping, Sequence

from pytest_iaccompliance.hookspecs import hookimpl
from pytest_iaccompliance.model import (
    Finding,
    FindingStatus,
    Resource,
    ResourceSet,
    Severity,
    SourceLocation,
)

__all__ = [
    "Finding",
    "FindingStatus",
    "Resource",
    "ResourceSet",
    "Severity",
    "SourceLocation",
    "__version__",
    "hookimpl",
    "load",
    "scan",
]

__version__ = "0.1.0"


def load(path: str | os.PathLike[str], *, stack: str | None = None) -> ResourceSet:
    """The resources of one stack in a file or folder (``stack`` picks one of a ``cdktf.out``)."""
    from pytest_iaccompliance.sources import SourceError, load_path

    loaded = load_path(path, companions=False)
    if stack is not None:
        chosen = [item for item in loaded if item.resources.name == stack]
        if not chosen:
            names = ", ".join(sorted(str(item.resources.name) for item in loaded))
            raise SourceError(path, f"has no stack {stack!r} (stacks: {names})")
        loaded = chosen
    if len(loaded) > 1:
        names = ", ".join(sorted(str(item.resources.name) for item in loaded))
        raise SourceError(path, f"holds {len(loaded)} stacks ({names}); pass stack= to pick one")
    return loaded[0].resources


def _words(value: str | Sequence[str] | None) -> tuple[str, ...] | None:
    """One string is one item (``select="AWS-S3-*"``), never a sequence of characters."""
    if value is None:
        return None
    return (value,) if isinstance(value, str) else tuple(value)


def scan(
    paths: str | os.PathLike[str] | Iterable[str | os.PathLike[str]],
    *,
    select: Sequence[str] | None = None,
    ignore: Sequence[str] | None = None,
    severity_overrides: Mapping[str, Severity | str] | None = None,
    required_tags: Sequence[str] = (),
    allowed_instance_families: Sequence[str] = (),
    shared_stacks: Sequence[str] = (),
    opt_in: Sequence[str] = (),
    plugins: Iterable[object] = (),
) -> list[Finding]:
    """Findings of the registered policies over every source under ``paths``, without pytest.

    Passed findings are included, so a caller can tell "compliant" from "not evaluated". A value a
    rule cannot read, and a policy that crashes on a resource, give an ``unknown`` finding for that
    policy and resource (the message says which); neither stops the scan of the others. A source
    that cannot be read raises ``SourceError`` naming it.
    """
    from pytest_iaccompliance.policies.base import RuleSettings
    from pytest_iaccompliance.policies.suite import PolicySuite
    from pytest_iaccompliance.sources import load_path

    if isinstance(paths, (str, os.PathLike)):
        paths = [paths]
    suite = PolicySuite.load(
        select=_words(select),
        ignore=_words(ignore),
        severity_overrides={
            policy_id: Severity.parse(value) if isinstance(value, str) else value
            for policy_id, value in (severity_overrides or {}).items()
        },
        settings=RuleSettings(_words(required_tags) or (), _words(allowed_instance_families) or (),
                              shared_stacks=_words(shared_stacks) or (), opt_in=_words(opt_in) or ()),
        plugins=plugins,
    )
    findings: list[Finding] = []
    for path in paths:
        for loaded in load_path(path):
            findings += suite.evaluate(loaded.resources)  # whole lists: a large plan has 100,000s of findings
    return findings
