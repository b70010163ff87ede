"""Checkov checks as policies of ours: one ``Policy`` per check, judged from one in-process Checkov run.

Checkov's start-up and graph building cost seconds, so it runs once per source (``PolicyContext.remember``)
with every registered check, through its own runners: ``terraform_json`` for cdktf synthesis and
Terraform JSON (a file not named ``*.tf.json`` is copied to such a name, as that runner reads nothing
else) and ``terraform_plan`` for ``terraform show -json`` plans. Each check's policy reads that run's
verdicts for its resource. Checkov's names are mapped to our addresses: its JSON runner names resource
checks' results ``resource.<name>`` (the type is found from the lines the record covers), graph checks
and the plan runner ``<type>.<name>`` or full module addresses.

A check another selected policy declares (``Policy.checkov_ids``, as most built-in rules do) is not judged
twice: that policy judges, and Checkov's verdict is written beside its message, marked where the two
differ; a resource the policy passes and Checkov fails, for no reason the rule documents, also gives a
``CheckovDisagreement`` warning, since a passing item shows no message.

Checkov failing to load a custom check, crashing on a source, or judging a resource we cannot place is
reported by one policy, ``CHECKOV``, whose item fails naming the check, file or resource; the checks'
own items then have no verdict to give (not applicable) rather than one failure each.
"""

from __future__ import annotations

import logging
import shutil
import tempfile
import warnings
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from fnmatch import fnmatchcase
from pathlib import Path
from typing import Any

from pytest_iaccompliance.hookspecs import hookimpl
from pytest_iaccompliance.model import Resource, ResourceSet, Severity
from pytest_iaccompliance.policies.base import (
    Outcome,
    Policy,
    PolicyContext,
    Result,
    compliant,
    non_compliant,
    not_applicable,
)
from pytest_iaccompliance.policies.engine import PolicyError, crash_text
from pytest_iaccompliance.sources.terraform_json import KIND_CDKTF, KIND_PLAN, KIND_TF_JSON

__all__ = [
    "RUN_POLICY_ID",
    "CheckovAdapter",
    "CheckovCheck",
    "CheckovDisagreement",
    "CheckovOptions",
    "CheckovRun",
    "severity_for",
]

RUN_POLICY_ID = "CHECKOV"
# Prefix of a Checkov check whose id is already a policy id of ours (a custom check named like a built-in).
CLASH_PREFIX = "CHECKOV-"
FAILED, PASSED = "failed", "passed"

# Our source kinds and the Checkov framework that reads them; other kinds (state, Pulumi) it does not read.
_FRAMEWORKS = {KIND_CDKTF: "terraform_json", KIND_TF_JSON: "terraform_json", KIND_PLAN: "terraform_plan"}
_CHECKOV_LOGGERS = ("checkov.common.checks.base_check_registry", "checkov.common.checks_infra.registry")


def severity_for(check_id: str, mapping: Sequence[tuple[str, Severity]], default: Severity) -> Severity:
    """An exact id wins over globs; among globs the first listed matches; otherwise ``default``."""
    for pattern, severity in mapping:
        if pattern == check_id:
            return severity
    for pattern, severity in mapping:
        if fnmatchcase(check_id, pattern):
            return severity
    return default


@dataclass(frozen=True)
class CheckovOptions:
    """The project's Checkov settings (ini ``iac_checkov_*``)."""

    checks: tuple[str, ...] = ()
    """Check ids or globs to run; empty: every check."""
    skip_checks: tuple[str, ...] = ()
    external_checks_dirs: tuple[Path, ...] = ()
    severities: tuple[tuple[str, Severity], ...] = ()
    default_severity: Severity = Severity.WARNING

    def runs(self, check_id: str) -> bool:
        if self.checks and not any(fnmatchcase(check_id, p) for p in self.checks):
            return False
        return not any(fnmatchcase(check_id, p) for p in self.skip_checks)


@dataclass(frozen=True)
class CheckovCheck:
    """What a policy needs to know of a Checkov check."""

    id: str
    name: str
    resource_types: tuple[str, ...]


@dataclass
class CheckovRun:
    """Checkov's verdicts on one resource set: ``(check id, source file, address) -> statuses``."""

    verdicts: dict[tuple[str, str | None, str], list[str]] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    read: bool = False
    """Whether Checkov read any of the set's sources (it reads no state file, no Pulumi program)."""

    def verdict(self, check_id: str, resource: Resource) -> str | None:
        statuses = self.verdicts.get((check_id, resource.source.file, resource.address))
        if not statuses:
            return None
        return FAILED if FAILED in statuses else PASSED


class _CapturedErrors(logging.Handler):
    """Checkov logs a custom check it cannot import and goes on without it: here that is an error."""

    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        text = record.getMessage()
        if record.levelno >= logging.ERROR or "No __init__.py found" in text:
            if record.exc_info and record.exc_info[1] is not None:
                exc = record.exc_info[1]
                text = f"{text}: {type(exc).__name__}: {exc}"
            elif "No __init__.py found" in text:
                text += " (Checkov loads Python checks only from a folder holding an __init__.py)"
            self.messages.append(text)


@contextmanager
def _capturing_checkov_errors() -> Iterator[_CapturedErrors]:
    handler = _CapturedErrors()
    loggers = [logging.getLogger(name) for name in _CHECKOV_LOGGERS]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)
    try:
        yield handler
    finally:
        for logger, level in zip(loggers, levels, strict=True):
            logger.removeHandler(handler)
            logger.setLevel(level)


def _types(supported: Iterable[str]) -> tuple[str, ...]:
    """A check's resource types; a pattern (``aws_*``) or none means it reads every resource."""
    types = tuple(dict.fromkeys(str(t) for t in supported))
    if not types or any(ch in t for t in types for ch in "*?["):
        return ("*",)
    return types


def load_catalogue(options: CheckovOptions) -> tuple[dict[str, CheckovCheck], list[str]]:
    """Every Terraform resource, data and graph check Checkov has, custom ones included, and the errors
    met loading the custom ones."""
    with warnings.catch_warnings():  # Checkov's own imports warn of deprecations in its dependencies
        warnings.simplefilter("ignore")
        from checkov.common.bridgecrew.check_type import CheckType
        from checkov.common.checks_infra.registry import get_graph_checks_registry
        from checkov.terraform.checks.data.registry import data_registry
        from checkov.terraform.checks.resource.registry import resource_registry
        from checkov.terraform.plan_runner import Runner  # noqa: F401  (warms what the runs import)
        from checkov.terraform_json.runner import TerraformJsonRunner  # noqa: F401

    graph = get_graph_checks_registry(CheckType.TERRAFORM)
    graph.load_checks()
    errors: list[str] = []
    for folder in options.external_checks_dirs:
        with _capturing_checkov_errors() as captured:
            try:
                resource_registry.load_external_checks(str(folder))
                graph.load_external_checks(str(folder))
            except Exception as exc:  # a broken YAML check raises where a Python one is only logged
                text, where = crash_text(exc)
                errors.append(f"{text}{where}")
        errors.extend(f"{folder}: {message}" for message in captured.messages)
    names: dict[str, str] = {}
    types: dict[str, list[str]] = {}

    def add(check_id: str, name: str, supported: Iterable[str]) -> None:
        names.setdefault(check_id, name)
        types.setdefault(check_id, []).extend(supported)

    for registry in (resource_registry, data_registry):
        for entity_type, checks in registry.checks.items():
            for check in checks:
                add(check.id, check.name, [entity_type])
        for pattern, checks in registry.wildcard_checks.items():
            for check in checks:
                add(check.id, check.name, [pattern])
    for check in graph.checks:
        add(check.id, check.name, check.resource_types or ())
    catalogue = {cid: CheckovCheck(cid, names[cid], _types(types[cid])) for cid in names}
    return catalogue, errors


class CheckovAdapter:
    """A policy pack made of Checkov's checks; registered by the host only when a project asks for it."""

    def __init__(self, options: CheckovOptions, *, ours: Iterable[Policy] | None = None) -> None:
        self.options = options
        if ours is None:
            from pytest_iaccompliance.policies.builtin import builtin_policies

            ours = builtin_policies()
        # Ids a check must not take (a custom check named like a built-in rule is prefixed instead).
        self._ours = {policy.id for policy in ours}
        self._catalogue: dict[str, CheckovCheck] | None = None
        self._load_errors: list[str] = []
        self._run_ids: tuple[str, ...] = ()
        self._own: set[str] = set()

    # -- the pack ------------------------------------------------------------------------------------------

    def catalogue(self) -> dict[str, CheckovCheck]:
        if self._catalogue is None:
            try:
                catalogue, self._load_errors = load_catalogue(self.options)
            except Exception as exc:  # a broken install: one failing item, not an internal error
                text, where = crash_text(exc)
                catalogue, self._load_errors = {}, [f"importing Checkov raised {text}{where}"]
            for pattern in self.options.checks:  # a typo would otherwise quietly run nothing for it
                if catalogue and not any(fnmatchcase(cid, pattern) for cid in catalogue):
                    self._load_errors.append(f"check pattern {pattern!r} matches no Checkov check")
            self._catalogue = {cid: check for cid, check in catalogue.items() if self.options.runs(cid)}
            self._run_ids = tuple(sorted(self._catalogue))
        return self._catalogue

    @hookimpl
    def iaccompliance_policies(self) -> list[Policy]:
        policies = [self._run_policy(), *(self._policy(check) for check in self.catalogue().values())]
        self._own = {policy.id for policy in policies}
        return policies

    def _policy(self, check: CheckovCheck) -> Policy:
        policy_id = f"{CLASH_PREFIX}{check.id}" if check.id in self._ours else check.id
        severity = severity_for(check.id, self.options.severities, self.options.default_severity)

        def judge(resource: Resource, context: PolicyContext) -> Result:
            run = self.run_for(context)
            if run.problems:
                return not_applicable()  # the CHECKOV item reports why there is no verdict
            verdict = run.verdict(check.id, resource)
            if verdict is None:
                return not_applicable()
            if verdict == FAILED:
                return non_compliant(f"{resource.address}: {check.name} (Checkov {check.id} failed)")
            return compliant()

        return Policy(
            id=policy_id,
            title=check.name,
            severity=severity,
            resource_types=check.resource_types,
            check=judge,
            checkov_ids=(check.id,),
            description=f"Checkov check {check.id}, run in-process on the source's file.",
        )

    def _run_policy(self) -> Policy:
        def judge(resource: Resource, context: PolicyContext) -> Result:
            self.catalogue()
            if self._load_errors:
                raise PolicyError("Checkov could not load custom checks: " + "; ".join(self._load_errors),
                                  RUN_POLICY_ID, resource.address)
            run = self.run_for(context)
            if run.problems:
                raise PolicyError("; ".join(run.problems), RUN_POLICY_ID, resource.address)
            return compliant() if run.read else not_applicable()

        return Policy(
            id=RUN_POLICY_ID,
            title="Checkov loads its checks and runs on this source",
            severity=Severity.CRITICAL,
            resource_types=("*",),
            check=judge,
            description="Fails when Checkov cannot load a custom check, crashes on the source, or judges a "
            "resource the source does not hold; the Checkov checks' own items then give no verdict.",
        )

    # -- built-in policies with Checkov's verdict beside theirs ----------------------------------------------

    def arrange(self, policies: Iterable[Policy]) -> list[Policy]:
        """The selected policies with each check judged once: a check another selected policy declares
        (``Policy.checkov_ids``) is not an item of its own; that policy judges, Checkov's verdict beside."""
        chosen = list(policies)
        covered = {cid for policy in chosen if policy.id not in self._own for cid in policy.checkov_ids}
        return [self.with_verdicts(policy) for policy in chosen
                if not (policy.id in self._own and set(policy.checkov_ids) & covered)]

    def with_verdicts(self, policy: Policy) -> Policy:
        """``policy``, its messages followed by Checkov's verdict on each Checkov id it declares."""
        self.catalogue()
        ids = tuple(cid for cid in policy.checkov_ids if cid in self._run_ids)
        if not ids or policy.id in self._own:
            return policy
        original = policy.check
        documented = {cid for cid, _ in policy.checkov_differences}

        def judge(resource: Resource, context: PolicyContext) -> Result:
            result = original(resource, context)
            if not isinstance(result, Result) or result.outcome is Outcome.NOT_APPLICABLE:
                return result
            run = self.run_for(context)
            verdicts = [(cid, verdict) for cid in ids if (verdict := run.verdict(cid, resource)) is not None]
            if not verdicts:
                return result
            if result.outcome is Outcome.COMPLIANT:
                missed = [cid for cid, verdict in verdicts if verdict == FAILED and cid not in documented]
                if missed:
                    _warn_disagreement(policy.id, resource, missed)
            notes = [_note(cid, verdict, result.outcome, cid in documented) for cid, verdict in verdicts]
            base = result.messages or (("compliant",) if result.outcome is Outcome.COMPLIANT else (policy.title,))
            return Result(result.outcome, (*base, *notes))

        return replace(policy, check=judge)

    # -- running Checkov -----------------------------------------------------------------------------------

    def run_for(self, context: PolicyContext) -> CheckovRun:
        """Checkov's run on the context's sources, once per resource set."""
        return context.remember(("checkov-run", id(self)), lambda: self._run(context.resources))

    def _run(self, resources: ResourceSet) -> CheckovRun:
        self.catalogue()
        run = CheckovRun()
        files: dict[tuple[str, str], list[Resource]] = {}
        for resource in resources:
            framework = _FRAMEWORKS.get(resource.source.kind)
            if framework is not None and resource.source.file:
                files.setdefault((framework, resource.source.file), []).append(resource)
        for (framework, file), held in files.items():
            run.read = True
            if not self._run_ids:  # Checkov reads an empty selection as "every check"
                continue
            try:
                records, spans = _run_checkov(Path(file), framework, self._run_ids)
            except FileNotFoundError:
                run.problems.append(f"Checkov cannot read {file}: no such file")
                continue
            except _Unparsed:
                run.problems.append(f"Checkov could not parse {file} ({framework})")
                continue
            except Exception as exc:
                text, where = crash_text(exc)
                run.problems.append(f"Checkov crashed on {file} ({framework}): {text}{where}")
                continue
            _place(records, spans, file, held, self._catalogue or {}, run)
        return run


class CheckovDisagreement(UserWarning):
    """A policy passes a resource that Checkov fails on a check the policy declares, with no documented reason."""


def _warn_disagreement(policy_id: str, resource: Resource, check_ids: Sequence[str]) -> None:
    """Ours wins, so the finding passes; the warning (in pytest's warnings summary) keeps the difference in
    sight. Shown, never raised: ``-W error`` must not turn a passing resource into a crash."""
    with warnings.catch_warnings():
        warnings.simplefilter("always", CheckovDisagreement)
        warnings.warn(CheckovDisagreement(
            f"{policy_id} passes {resource.address} ({resource.source.describe()}) where Checkov "
            f"{', '.join(check_ids)} fails it; the rule documents no such difference"), stacklevel=2)


def _note(check_id: str, verdict: str, ours: Outcome, documented: bool) -> str:
    if ours is Outcome.UNKNOWN:
        return f"Checkov {check_id}: {verdict}"
    agrees = (verdict == FAILED) == (ours is Outcome.NON_COMPLIANT)
    if agrees:
        return f"Checkov {check_id}: {verdict}, agrees"
    return f"Checkov {check_id}: {verdict}, differs" + (" (documented in the rule)" if documented else "")


class _Unparsed(Exception):
    """Checkov reported the file as one it could not parse (it names no more than the file)."""


@dataclass(frozen=True)
class _Record:
    """One Checkov result, in the fields we read."""

    check_id: str
    resource: str
    lines: tuple[int, int]
    passed: bool


def _run_checkov(path: Path, framework: str, check_ids: Sequence[str]) -> tuple[list[_Record], _Spans | None]:
    """Checkov's records on one file, and for the JSON runner the lines each of its blocks spans."""
    from checkov.runner_filter import RunnerFilter

    if not path.is_file():
        raise FileNotFoundError(str(path))
    runner_filter = RunnerFilter(framework=[framework], checks=list(check_ids), show_progress_bar=False)
    if framework == "terraform_plan":
        from checkov.terraform.plan_runner import Runner as PlanRunner

        return _records(PlanRunner().run(root_folder=None, files=[str(path)], runner_filter=runner_filter)), None
    from checkov.terraform_json.runner import TerraformJsonRunner

    with _tf_json_name(path) as readable:
        runner = TerraformJsonRunner()
        report = runner.run(root_folder=None, files=[str(readable)], runner_filter=runner_filter)
        return _records(report), _entities(runner.definitions)


@contextmanager
def _tf_json_name(path: Path) -> Iterator[Path]:
    """The file under a name Checkov's Terraform JSON runner reads (``*.tf.json``)."""
    if path.name.endswith(".tf.json"):
        yield path
        return
    with tempfile.TemporaryDirectory(prefix="iac-checkov-") as folder:
        copy = Path(folder, f"{path.stem}.tf.json")
        shutil.copyfile(path, copy)
        yield copy


# The JSON runner's blocks by the lines they span: (type, our address) of each.
_Spans = dict[tuple[int, int], list[tuple[str, str]]]


def _entities(definitions: dict[Any, Any]) -> _Spans:
    spans: _Spans = {}
    for definition in definitions.values():
        for block_type, prefix in (("resource", ""), ("data", "data.")):
            for entry in definition.get(block_type) or ():
                for entity_type, named in (entry or {}).items():
                    for name, body in (named or {}).items():
                        if isinstance(body, dict) and "__startline__" in body:
                            span = (int(body["__startline__"]), int(body["__endline__"]))
                            spans.setdefault(span, []).append((entity_type, f"{prefix}{entity_type}.{name}"))
    return spans


def _records(report: Any) -> list[_Record]:
    if isinstance(report, list):  # a runner may give one report per framework
        return [record for part in report for record in _records(part)]
    if report.parsing_errors:
        raise _Unparsed
    records = []
    for passed, found in ((False, report.failed_checks), (True, report.passed_checks)):
        for record in found:
            lines = tuple(record.file_line_range or (0, 0))
            records.append(_Record(str(record.check_id), str(record.resource), (lines[0], lines[-1]), passed))
    return records


def _address(record: _Record, spans: _Spans | None, check: CheckovCheck) -> str:
    """Our address for a record: the JSON runner's Python checks name theirs ``resource.<name>`` or
    ``data.<name>``, found here by the lines the record covers, its name and the check's types; graph checks
    and the plan runner give ``<type>.<name>`` or a full module address, which is ours already."""
    block, _, name = record.resource.partition(".")
    if spans is None or block not in ("resource", "data") or "." in name:
        return record.resource
    data = block == "data"
    matching = [address for entity_type, address in spans.get(record.lines, ())
                if address.startswith("data.") == data and address.rsplit(".", 1)[-1] == name
                and (check.resource_types == ("*",) or entity_type in check.resource_types)]
    return matching[0] if len(matching) == 1 else record.resource


def _place(records: Sequence[_Record], spans: _Spans | None, file: str, held: Sequence[Resource],
           catalogue: dict[str, CheckovCheck], run: CheckovRun) -> None:
    """Each record under our address; a record naming no resource of the source is a problem, not dropped."""
    addresses = {resource.address for resource in held}
    unplaced: set[str] = set()
    for record in records:
        check = catalogue.get(record.check_id)
        if check is None:
            continue
        address = _address(record, spans, check)
        if address not in addresses:
            unplaced.add(f"{record.check_id} on {record.resource}")
            continue
        run.verdicts.setdefault((record.check_id, file, address), []).append(PASSED if record.passed else FAILED)
    if unplaced:
        shown = ", ".join(sorted(unplaced)[:10]) + (f" and {len(unplaced) - 10} more" if len(unplaced) > 10 else "")
        run.problems.append(f"Checkov judged resources {file} does not hold under these names: {shown}")
