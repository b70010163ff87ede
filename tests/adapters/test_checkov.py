"""The Checkov adapter as a domain module: which checks become policies, at which severity, how Checkov's
results reach our addresses, and that Checkov runs once per resource set."""

from __future__ import annotations

import warnings
from dataclasses import replace
from pathlib import Path

import pytest

from pytest_iaccompliance.adapters import checkov as adapter
from pytest_iaccompliance.adapters.checkov import (
    RUN_POLICY_ID,
    CheckovAdapter,
    CheckovCheck,
    CheckovDisagreement,
    CheckovOptions,
    CheckovRun,
    severity_for,
)
from pytest_iaccompliance.model import FindingStatus, Resource, Severity, SourceLocation
from pytest_iaccompliance.policies.base import Policy, PolicyContext, compliant
from pytest_iaccompliance.policies.engine import evaluate
from pytest_iaccompliance.sources import load_file
from tests.adapters.checkov_project import CHECKS, cdktf_stack, crashing_source, plan, write_project


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("checkov-project")
    write_project(root)
    return root


@pytest.fixture(scope="module")
def checkov(project: Path) -> CheckovAdapter:
    """One adapter for the module: Checkov's registries are process-wide, so the custom folder loads once."""
    options = CheckovOptions(checks=tuple(CHECKS.split()), external_checks_dirs=(project / "checks",),
                             severities=(("CKV_ACME_*", Severity.CRITICAL),))
    return CheckovAdapter(options)


def _policies(checkov: CheckovAdapter) -> dict[str, Policy]:
    return {policy.id: policy for policy in checkov.iaccompliance_policies()}


def _statuses(policy: Policy, path: Path) -> dict[str, str]:
    [stack] = load_file(path)
    return {f.address: f.status.value for f in evaluate(stack.resources, [policy])}


def test_severity_exact_id_then_first_glob_then_default() -> None:
    mapping = (("CKV_AWS_*", Severity.WARNING), ("CKV_*", Severity.CRITICAL), ("CKV_AWS_20", Severity.CRITICAL))
    assert severity_for("CKV_AWS_20", mapping, Severity.WARNING) is Severity.CRITICAL
    assert severity_for("CKV_AWS_21", mapping, Severity.CRITICAL) is Severity.WARNING
    assert severity_for("CKV_GCP_1", mapping, Severity.WARNING) is Severity.CRITICAL
    assert severity_for("ACME_1", mapping, Severity.WARNING) is Severity.WARNING


def test_checks_become_policies_at_the_mapped_severity(checkov: CheckovAdapter) -> None:
    policies = _policies(checkov)
    assert set(policies) == {RUN_POLICY_ID, "CKV_ACME_1", "CKV_AWS_144", "CKV_AWS_19", "CKV_AWS_21"}
    acme = policies["CKV_ACME_1"]
    assert (acme.title, acme.severity, acme.resource_types, acme.checkov_ids) == (
        "S3 bucket names start with acme-", Severity.CRITICAL, ("aws_s3_bucket",), ("CKV_ACME_1",))
    assert policies["CKV_AWS_144"].severity is Severity.WARNING


def test_a_check_a_selected_policy_declares_is_judged_once(checkov: CheckovAdapter) -> None:
    """AWS-S3-001 and AWS-S3-004 declare CKV_AWS_19 and CKV_AWS_21: with them selected Checkov's checks are
    no items of their own; with them ignored, Checkov's checks judge."""
    from pytest_iaccompliance.policies.builtin import builtin_policies

    builtins = builtin_policies()
    with_builtins = {p.id for p in checkov.arrange([*builtins, *_policies(checkov).values()])}
    assert {"AWS-S3-001", "AWS-S3-004", "CKV_ACME_1", "CKV_AWS_144"} <= with_builtins
    assert not {"CKV_AWS_19", "CKV_AWS_21"} & with_builtins
    others = [p for p in builtins if p.id not in ("AWS-S3-001", "AWS-S3-004")]
    without = {p.id for p in checkov.arrange([*others, *_policies(checkov).values()])}
    assert {"CKV_AWS_19", "CKV_AWS_21"} <= without


def test_a_policy_passing_what_checkov_fails_warns_unless_documented(checkov: CheckovAdapter, tmp_path: Path) -> None:
    """Ours wins, so the finding passes; a passing item shows no message, so the difference is a warning."""
    lenient = Policy(id="ACME-LENIENT", title="any name will do", severity=Severity.WARNING,
                     resource_types=("aws_s3_bucket",), check=lambda resource, context: compliant(),
                     checkov_ids=("CKV_ACME_1",))
    path = tmp_path / "cdk.tf.json"
    path.write_text(cdktf_stack(), encoding="utf-8")
    [stack] = load_file(path)
    [judging] = [p for p in checkov.arrange([lenient, *_policies(checkov).values()]) if p.id == "ACME-LENIENT"]
    with pytest.warns(CheckovDisagreement, match=r"^ACME-LENIENT passes aws_s3_bucket.exports \(.*cdk.tf.json :: "
                      r"app/exports\) where Checkov CKV_ACME_1 fails it; the rule documents no such difference$"):
        findings = {f.address: f.message for f in evaluate(stack.resources, [judging])}
    assert findings == {"aws_s3_bucket.logs": "compliant; Checkov CKV_ACME_1: passed, agrees",
                        "aws_s3_bucket.exports": "compliant; Checkov CKV_ACME_1: failed, differs"}
    documented = replace(lenient, checkov_differences=(("CKV_ACME_1", "legacy names are accepted"),))
    [judging] = [p for p in checkov.arrange([documented, *_policies(checkov).values()]) if p.id == "ACME-LENIENT"]
    with warnings.catch_warnings(record=True) as caught:
        findings = {f.address: f.message for f in evaluate(stack.resources, [judging])}
    assert not [w for w in caught if issubclass(w.category, CheckovDisagreement)]
    assert findings["aws_s3_bucket.exports"] == ("compliant; Checkov CKV_ACME_1: failed, differs (documented in the "
                                                 "rule)")


def test_a_custom_check_named_like_one_of_our_policies_is_prefixed(project: Path) -> None:
    ours = Policy(id="CKV_ACME_1", title="ours", severity=Severity.WARNING, resource_types=("aws_s3_bucket",),
                  check=lambda resource, context: compliant())
    options = CheckovOptions(checks=("CKV_ACME_1",), external_checks_dirs=(project / "checks",))
    ids = {policy.id for policy in CheckovAdapter(options, ours=[ours]).iaccompliance_policies()}
    assert ids == {RUN_POLICY_ID, "CHECKOV-CKV_ACME_1"}


@pytest.mark.parametrize("indent", [1, None], ids=["synthesized", "minified"])
def test_json_runner_names_become_our_addresses(checkov: CheckovAdapter, tmp_path: Path, indent: int | None) -> None:
    """Minified, every block shares line 1: the record's name and the check's types still place it
    (``aws_s3_bucket.logs``, not ``aws_s3_bucket_versioning.logs``)."""
    path = tmp_path / "cdk.tf.json"
    path.write_text(cdktf_stack(indent=indent), encoding="utf-8")
    policies = _policies(checkov)
    assert _statuses(policies["CKV_ACME_1"], path) == {"aws_s3_bucket.logs": "passed",
                                                       "aws_s3_bucket.exports": "failed"}
    [stack] = load_file(path)
    run = checkov.run_for(PolicyContext(stack.resources))
    assert run.problems == []
    # A graph check (CKV_AWS_21) names its results <type>.<name>: the same addresses.
    assert {address for (cid, _, address) in run.verdicts if cid == "CKV_AWS_21"} == {
        "aws_s3_bucket.logs", "aws_s3_bucket.exports"}


def test_terraform_json_under_another_name_is_read(checkov: CheckovAdapter, tmp_path: Path) -> None:
    """Checkov's Terraform JSON runner reads only ``*.tf.json``; a cdktf stack written as ``stack.json`` is
    read all the same."""
    path = tmp_path / "stack.json"
    path.write_text(cdktf_stack(), encoding="utf-8")
    assert _statuses(_policies(checkov)["CKV_ACME_1"], path) == {"aws_s3_bucket.logs": "passed",
                                                                 "aws_s3_bucket.exports": "failed"}


def test_plan_module_addresses(checkov: CheckovAdapter, tmp_path: Path) -> None:
    path = tmp_path / "plan.json"
    path.write_text(plan(), encoding="utf-8")
    assert _statuses(_policies(checkov)["CKV_ACME_1"], path) == {
        "aws_s3_bucket.logs": "passed", 'module.web.aws_s3_bucket.assets["eu"]': "failed"}


def test_checkov_runs_once_per_resource_set(checkov: CheckovAdapter, tmp_path: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "cdk.tf.json"
    path.write_text(cdktf_stack(), encoding="utf-8")
    calls: list[Path] = []
    real = adapter._run_checkov

    def counted(file: Path, framework: str, ids: tuple[str, ...]) -> object:
        calls.append(file)
        return real(file, framework, ids)

    monkeypatch.setattr(adapter, "_run_checkov", counted)
    policies = checkov.arrange(_policies(checkov).values())
    [stack] = load_file(path)
    findings = evaluate(stack.resources, policies)
    assert calls == [path]
    assert {f.policy_id for f in findings} == {RUN_POLICY_ID, "CKV_ACME_1", "CKV_AWS_144", "CKV_AWS_19", "CKV_AWS_21"}


def test_sources_checkov_does_not_read_are_not_judged(checkov: CheckovAdapter, data_dir: Path) -> None:
    """A state file (or a Pulumi program) is no input Checkov reads: no verdict, and no Checkov run."""
    [state] = load_file(data_dir / "state.json")
    run = checkov.run_for(PolicyContext(state.resources))
    assert (run.read, run.verdicts, run.problems) == (False, {}, [])
    assert evaluate(state.resources, list(_policies(checkov).values())) == []


def test_a_crash_is_an_unknown_finding_outside_pytest(checkov: CheckovAdapter, tmp_path: Path) -> None:
    """``scan()`` and ``PolicySuite.evaluate`` never pass what Checkov could not judge: its run policy is
    ``unknown`` on every resource of that source, saying why."""
    path = tmp_path / "main.tf.json"
    path.write_text(crashing_source(), encoding="utf-8")
    [stack] = load_file(path)
    findings = evaluate(stack.resources, list(_policies(checkov).values()))
    assert [(f.policy_id, f.status) for f in findings] == [(RUN_POLICY_ID, FindingStatus.UNKNOWN)]
    assert findings[0].message.startswith(f"Checkov crashed on {path} (terraform_json): Exception; at parser.py:")


def test_a_result_for_a_resource_the_source_does_not_hold_is_a_problem() -> None:
    resource = Resource("aws_s3_bucket", "logs", "aws_s3_bucket.logs", {}, SourceLocation("cdktf", "cdk.tf.json"))
    run = CheckovRun()
    records = [adapter._Record("CKV_X_1", "aws_s3_bucket.logs", (1, 2), False),
               adapter._Record("CKV_X_1", "aws_s3_bucket.ghost", (3, 4), True)]
    catalogue = {"CKV_X_1": CheckovCheck("CKV_X_1", "x", ("aws_s3_bucket",))}
    adapter._place(records, None, "cdk.tf.json", [resource], catalogue, run)
    assert run.verdict("CKV_X_1", resource) == "failed"
    assert run.problems == ["Checkov judged resources cdk.tf.json does not hold under these names: "
                            "CKV_X_1 on aws_s3_bucket.ghost"]


def test_a_selection_matching_no_check_is_reported_and_runs_nothing(tmp_path: Path) -> None:
    """Checkov reads an empty selection as "every check": a typo must not turn into that."""
    checkov = CheckovAdapter(CheckovOptions(checks=("CKV_NOPE_*",)))
    assert {p.id for p in checkov.iaccompliance_policies()} == {RUN_POLICY_ID}
    path = tmp_path / "cdk.tf.json"
    path.write_text(cdktf_stack(), encoding="utf-8")
    [stack] = load_file(path)
    [finding, *_] = evaluate(stack.resources, list(checkov.iaccompliance_policies()))
    assert finding.status is FindingStatus.UNKNOWN
    assert "check pattern 'CKV_NOPE_*' matches no Checkov check" in finding.message
    assert checkov.run_for(PolicyContext(stack.resources)).verdicts == {}


def test_built_in_verdicts_beside_checkovs(checkov: CheckovAdapter, tmp_path: Path) -> None:
    from pytest_iaccompliance.policies.builtin import builtin_policies

    path = tmp_path / "cdk.tf.json"
    path.write_text(cdktf_stack(), encoding="utf-8")
    [stack] = load_file(path)
    versioning = checkov.with_verdicts(next(p for p in builtin_policies() if p.id == "AWS-S3-004"))
    messages = {f.address: (f.status.value, f.message) for f in evaluate(stack.resources, [versioning])}
    assert messages == {
        "aws_s3_bucket.logs": ("passed", "compliant; Checkov CKV_AWS_21: passed, agrees"),
        "aws_s3_bucket.exports": ("failed", "aws_s3_bucket.exports: does not have versioning enabled; "
                                            "Checkov CKV_AWS_21: failed, agrees"),
    }


def test_options_select_and_skip_by_glob() -> None:
    options = CheckovOptions(checks=("CKV_AWS_*",), skip_checks=("CKV_AWS_2?",))
    assert options.runs("CKV_AWS_144")
    assert not options.runs("CKV_AWS_21")
    assert not options.runs("CKV2_AWS_5")
