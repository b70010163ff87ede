"""Both tools over one combined document: each case's resources renamed apart, Checkov run once.

A case is one resource and the partners it needs (a bucket and its public-access block, a group and
its separate rule resources). Its verdict, per tool, folds the verdicts on all its addresses: failed
when any address fails, ``unknown`` (ours only) when none fails and one cannot be evaluated, passed
otherwise. Folding is what makes the tools comparable: Checkov judges a separate
``aws_security_group_rule`` on its own address, where our rules judge it with the group it belongs to.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pytest_iaccompliance.model import FindingStatus
from pytest_iaccompliance.policies.base import Policy, RuleSettings
from pytest_iaccompliance.policies.engine import evaluate
from pytest_iaccompliance.sources import load_document

FAILED, PASSED, UNKNOWN = "failed", "passed", "unknown"


@dataclass(frozen=True)
class Case:
    """Hand-written or generated resources for one rule, with the verdict a reviewer expects of ours.

    ``differs`` names the Checkov ids whose verdict on this case is a documented difference; an
    agreement there is as much a failure as an undocumented disagreement (the record went stale).
    """

    rule: str
    name: str
    blocks: Mapping[str, Mapping[str, Mapping[str, Any]]]  # "resource"/"data"/"provider" -> type -> label -> body
    expect: str
    differs: tuple[str, ...] = ()
    origin: str = "table"

    def labels(self) -> list[tuple[str, str, str]]:
        return [(kind, rtype, label) for kind, types in self.blocks.items() for rtype, bodies in types.items()
                for label in bodies]


@dataclass
class Verdicts:
    """Per case key: our folded verdict and Checkov's, with the addresses and messages behind them."""

    ours: dict[str, str] = field(default_factory=dict)
    theirs: dict[str, str] = field(default_factory=dict)
    detail: dict[str, list[str]] = field(default_factory=dict)


def case_key(index: int) -> str:
    return f"c{index:04d}"


def _rename(case: Case, key: str) -> dict[str, Any]:
    """The case's blocks with every label prefixed by ``key``, references to them rewritten."""
    text = json.dumps(case.blocks)
    for kind, rtype, label in case.labels():
        prefix = "data." if kind == "data" else ""
        text = re.sub(rf"(?<![\w.]){re.escape(prefix + rtype)}\.{re.escape(label)}(?=[.}}\s\])]|$)",
                      f"{prefix}{rtype}.{key}_{label}", text)
    renamed = json.loads(text)
    return {kind: {rtype: {f"{key}_{label}": body for label, body in bodies.items()}
                   for rtype, bodies in types.items()} for kind, types in renamed.items()}


def _terraform(blocks: Mapping[str, Mapping[str, Mapping[str, Any]]]) -> dict[str, Any]:
    """Blocks as Terraform JSON writes them: a ``provider`` block is a list of configurations, its label
    the ``alias`` (every one aliased, so cases never share the default configuration)."""
    return {kind: {rtype: [{"alias": label, **body} for label, body in bodies.items()] if kind == "provider"
                   else dict(bodies) for rtype, bodies in types.items()} for kind, types in blocks.items()}


def combined_document(cases: Sequence[Case]) -> dict[str, Any]:
    """One Terraform JSON configuration holding every case, each label prefixed with its case key."""
    merged: dict[str, dict[str, dict[str, Any]]] = {}
    for index, case in enumerate(cases):
        for kind, types in _rename(case, case_key(index)).items():
            for rtype, bodies in types.items():
                merged.setdefault(kind, {}).setdefault(rtype, {}).update(bodies)
    return _terraform(merged)


def _key_of(label: str) -> str:
    return label.split("_", 1)[0]


_ALIAS = re.compile(r'"alias":\s*"(c\d{4})_')


def _record_key(record: Any) -> str:
    """The case key of a Checkov record: from the label, or for a provider (which Checkov names
    ``provider.aws`` whatever its alias) from the alias in the configuration it quotes."""
    if str(record.resource).startswith("provider."):
        for _, line in record.code_block or ():
            if match := _ALIAS.search(line):
                return match.group(1)
        raise AssertionError(f"no case alias in Checkov's record of {record.resource}: {record.file_line_range}")
    return _key_of(str(record.resource).rsplit(".", 1)[-1])


def _fold(statuses: Iterable[str]) -> str:
    seen = set(statuses)
    if FAILED in seen:
        return FAILED
    return UNKNOWN if UNKNOWN in seen else PASSED


def run_ours(cases: Sequence[Case], policies: Mapping[str, Policy], settings: RuleSettings,
             path: Path) -> tuple[dict[str, str], dict[str, list[str]]]:
    """Our folded verdict per case key, each case loaded on its own (literal-name links and unknown
    partners of one case must not reach another; Checkov links by reference only)."""
    verdicts: dict[str, str] = {}
    detail: dict[str, list[str]] = {}
    for index, case in enumerate(cases):
        key = case_key(index)
        document = {"//": {"metadata": {"stackName": key, "version": "0.21.0"}}, **_terraform(_rename(case, key))}
        [loaded] = load_document(document, path)
        statuses = []
        for finding in evaluate(loaded.resources, [policies[case.rule]], settings):
            statuses.append(finding.status.value)
            if finding.status is not FindingStatus.PASSED:
                detail.setdefault(key, []).append(f"ours {finding.status.value}: {finding.message}")
        verdicts[key] = _fold(statuses)
    return verdicts, detail


def run_checkov(path: Path, check_ids: Sequence[str]) -> dict[tuple[str, str], list[str]]:
    """Checkov's results over the combined file, in-process: ``(case key, check id) -> results``."""
    from checkov.runner_filter import RunnerFilter
    from checkov.terraform_json.runner import TerraformJsonRunner

    report = TerraformJsonRunner().run(
        root_folder=None,
        files=[str(path)],
        runner_filter=RunnerFilter(framework=["terraform_json"], checks=list(check_ids)),
    )
    results: dict[tuple[str, str], list[str]] = {}
    for record in [*report.failed_checks, *report.passed_checks]:
        results.setdefault((_record_key(record), record.check_id), []).append(
            FAILED if record in report.failed_checks else PASSED
        )
    return results


def compare(cases: Sequence[Case], policies: Mapping[str, Policy], settings: RuleSettings,
            workdir: Path) -> Verdicts:
    """Both tools over every case, Checkov once for the whole corpus."""
    document = {"//": {"metadata": {"stackName": "parity", "version": "0.21.0"}}, **combined_document(cases)}
    path = workdir / "cdk.tf.json"
    path.write_text(json.dumps(document, indent=1), encoding="utf-8")
    check_ids = sorted({cid for case in cases for cid in policies[case.rule].checkov_ids})
    theirs = run_checkov(path, check_ids)
    ours, detail = run_ours(cases, policies, settings, path)
    verdicts = Verdicts(ours=ours, detail=detail)
    for index, case in enumerate(cases):
        key = case_key(index)
        statuses = [s for cid in policies[case.rule].checkov_ids for s in theirs.get((key, cid), ())]
        verdicts.theirs[key] = _fold(statuses)
        failing = [cid for cid in policies[case.rule].checkov_ids if FAILED in theirs.get((key, cid), ())]
        if failing:
            verdicts.detail.setdefault(key, []).append(f"Checkov fails {', '.join(failing)}")
    return verdicts


def checkov_ids_known() -> set[str]:
    """Every check id the installed Checkov registers for Terraform (resource, data, provider and graph checks)."""
    from checkov.common.bridgecrew.check_type import CheckType
    from checkov.common.checks_infra.registry import get_graph_checks_registry
    from checkov.terraform.checks.data.registry import data_registry
    from checkov.terraform.checks.provider.registry import provider_registry
    from checkov.terraform.checks.resource.registry import resource_registry

    graph = get_graph_checks_registry(CheckType.TERRAFORM)
    graph.load_checks()
    known = {check.id for checks in resource_registry.checks.values() for check in checks}
    known |= {check.id for checks in data_registry.checks.values() for check in checks}
    known |= {check.id for checks in provider_registry.checks.values() for check in checks}
    return known | {check.id for check in graph.checks}
