"""Pulumi CrossGuard packs from a user's seat: a real ``pulumi_policy`` pack, run without the Pulumi CLI on a
``pulumi stack export`` source and on a program under ``pulumi_mocks``."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from pytest_iaccompliance.fixtures.waivers import OPT_WAIVERS
from pytest_iaccompliance.options import OPT_MAX_WARNINGS, OPT_REPORT
from tests.runs import MODES, run, run_subprocess

PACK = '''
from pulumi_policy import (EnforcementLevel, PolicyConfigSchema, PolicyPack, ResourceValidationPolicy, Severity,
                           StackValidationPolicy)


def no_public_buckets(args, report_violation):
    if args.resource_type != "aws:s3/bucket:Bucket":
        args.not_applicable("not a bucket")
    if args.props.get("acl") == "public-read":
        report_violation("the bucket is readable by anyone")


def key_rotation(args, report_violation):
    if args.resource_type == "aws:kms/key:Key" and not args.props.get("enableKeyRotation"):
        report_violation("key rotation is off")


def owner_tag(args, report_violation):
    if args.resource_type == "aws:s3/bucket:Bucket" and "Owner" not in (args.props.get("tags") or {}):
        report_violation("no Owner tag")


def bucket_limit(args, report_violation):
    limit = args.get_config()["maxBuckets"]
    buckets = [r for r in args.resources if r.resource_type == "aws:s3/bucket:Bucket"]
    if len(buckets) > limit:
        report_violation(f"{len(buckets)} buckets, at most {limit}")


def retired(args, report_violation):
    report_violation("a disabled policy never runs")


PolicyPack(
    name="acme",
    enforcement_level=EnforcementLevel.ADVISORY,
    policies=[
        ResourceValidationPolicy(name="no-public-buckets", description="Buckets are private",
                                 validate=no_public_buckets, enforcement_level=EnforcementLevel.MANDATORY),
        ResourceValidationPolicy(name="key-rotation", description="Keys rotate", validate=key_rotation,
                                 severity=Severity.HIGH),
        ResourceValidationPolicy(name="owner-tag", description="Buckets name an owner", validate=owner_tag),
        StackValidationPolicy(name="bucket-limit", description="Few buckets", validate=bucket_limit,
                              config_schema=PolicyConfigSchema(properties={"maxBuckets": {"type": "integer",
                                                                                          "default": 10}})),
        ResourceValidationPolicy(name="retired", description="Retired", validate=retired,
                                 enforcement_level=EnforcementLevel.DISABLED),
    ],
)
'''

CRASHING = '''
from pulumi_policy import PolicyPack, ResourceValidationPolicy


def divides(args, report_violation):
    return 1 / 0


PolicyPack(name="shaky", policies=[ResourceValidationPolicy(name="divides", description="Divides",
                                                            validate=divides)])
'''

STACK = "urn:pulumi:dev::shop::"
LOGS, DATA, KEY = (f"{STACK}aws:s3/bucket:Bucket::logs", f"{STACK}aws:s3/bucket:Bucket::data",
                   f"{STACK}aws:kms/key:Key::key")


def export() -> dict[str, object]:
    provider = f"{STACK}pulumi:providers:aws::default"

    def resource(urn: str, token: str, props: dict[str, object]) -> dict[str, object]:
        return {"urn": urn, "custom": True, "type": token, "id": urn.rsplit("::", 1)[-1], "inputs": props,
                "outputs": props, "provider": f"{provider}::p-1"}

    return {"version": 3, "deployment": {"manifest": {}, "resources": [
        {"urn": f"{STACK}pulumi:pulumi:Stack::shop-dev", "custom": False, "type": "pulumi:pulumi:Stack"},
        {"urn": provider, "custom": True, "id": "p-1", "type": "pulumi:providers:aws",
         "inputs": {"region": "eu-west-1"}, "outputs": {"region": "eu-west-1"}},
        resource(LOGS, "aws:s3/bucket:Bucket", {"bucket": "logs", "acl": "public-read", "tags": {"Owner": "web"}}),
        resource(DATA, "aws:s3/bucket:Bucket", {"bucket": "data"}),
        resource(KEY, "aws:kms/key:Key", {"enableKeyRotation": False}),
    ]}}


@pytest.fixture
def project(pytester: pytest.Pytester) -> Path:
    pytester.path.joinpath("stack-export.json").write_text(json.dumps(export()))
    pytester.mkdir("policy-pack").joinpath("__main__.py").write_text(PACK)
    pytester.path.joinpath("policy-config.json").write_text(json.dumps({"bucket-limit": {"maxBuckets": 1}}))
    pytester.makeini("[pytest]\niac_sources = stack-export.json\niac_select = crossguard.*\n"
                     "iac_crossguard = policy-pack\niac_crossguard_config = policy-config.json\n")
    return pytester.path


def failures(path: Path) -> list[tuple[str, str, str, str]]:
    manifest = json.loads(path.read_text())
    return sorted((f["policy_id"], f["severity"], f["status"], f["address"]) for f in manifest["findings"]
                  if f["status"] != "passed")


@pytest.mark.parametrize("mode", MODES)
def test_pack_policies_are_items_with_levels_severities_and_config(pytester: pytest.Pytester, project: Path,
                                                                   mode: list[str]) -> None:
    result = run(pytester, *mode, OPT_REPORT, "report.json")
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    assert failures(project / "report.json") == [
        ("crossguard.acme.bucket-limit", "warning", "failed", "source:dev"),  # config: at most 1 bucket
        ("crossguard.acme.key-rotation", "critical", "failed", KEY),  # advisory, but severity high
        ("crossguard.acme.no-public-buckets", "critical", "failed", LOGS),  # mandatory
        ("crossguard.acme.owner-tag", "warning", "failed", DATA),  # advisory
    ]
    manifest = json.loads((project / "report.json").read_text())
    judged = {(f["policy_id"], f["address"]) for f in manifest["findings"]}
    assert ("crossguard.acme.no-public-buckets", KEY) not in judged  # not_applicable() is honoured
    assert not any(policy.startswith("crossguard.acme.retired") for policy, _ in judged)  # disabled
    result.stdout.fnmatch_lines([f"*{LOGS}: the bucket is readable by anyone*"])


def test_levels_are_configurable(pytester: pytest.Pytester, project: Path) -> None:
    pytester.makeini("[pytest]\niac_sources = stack-export.json\niac_select = crossguard.*\n"
                     "iac_crossguard = policy-pack\niac_crossguard_levels =\n    mandatory = warning\n"
                     "    disabled = warning\n")
    result = run(pytester, OPT_REPORT, "report.json")
    found = failures(project / "report.json")
    assert ("crossguard.acme.no-public-buckets", "warning", "failed", LOGS) in found
    assert ("crossguard.acme.retired", "warning", "failed", LOGS) in found
    assert ("crossguard.acme.key-rotation", "critical", "failed", KEY) in found  # declared severity wins
    assert result.ret == pytest.ExitCode.TESTS_FAILED


def test_a_threshold_a_waiver_and_minus_m_critical(pytester: pytest.Pytester, project: Path) -> None:
    expires = (datetime.now(timezone.utc).date() + timedelta(days=30)).isoformat()
    pytester.path.joinpath("waivers.toml").write_text("".join(
        f'[[waiver]]\npolicy = "{policy}"\naddress = "{address}"\nreason = "Accepted (RISK-3)"\n'
        f"expires = {expires}\n" for policy, address in (("crossguard.acme.no-public-buckets", LOGS),
                                                        ("crossguard.acme.key-rotation", KEY))))
    waived = run(pytester, OPT_WAIVERS, "waivers.toml")
    assert waived.ret == pytest.ExitCode.OK
    waived.stdout.fnmatch_lines(["critical failures: 0 (limit 0) -> ok", "warning failures: 2 (no limit) -> tolerated"])
    limited = run(pytester, OPT_WAIVERS, "waivers.toml", f"{OPT_MAX_WARNINGS}=1")
    assert limited.ret == pytest.ExitCode.TESTS_FAILED
    critical = run(pytester, "-m", "critical", "--collect-only", "-q")
    critical.stdout.fnmatch_lines(["stack-export.json::crossguard.acme.no-public-buckets",
                                   "stack-export.json::crossguard.acme.key-rotation", "*2 deselected*"])


def test_a_crashing_policy_is_one_failing_item_naming_it(pytester: pytest.Pytester, project: Path) -> None:
    pytester.mkdir("shaky").joinpath("__main__.py").write_text(CRASHING)
    pytester.makeini("[pytest]\niac_sources = stack-export.json\niac_select = crossguard.*\n"
                     "iac_crossguard =\n    policy-pack\n    shaky\n")
    result = run(pytester, "-rf")
    result.stdout.fnmatch_lines([
        f"policy crossguard.shaky.divides raised ZeroDivisionError on {LOGS} (*; at __main__.py:6 in divides)"])
    assert result.stdout.str().count("FAILED stack-export.json::crossguard.shaky.divides") == 1
    assert "Traceback" not in result.stdout.str()


PROGRAM = '''
import pulumi
import pulumi_aws as aws


def shop():
    logs = aws.s3.Bucket("logs", acl="public-read", tags={"Owner": "web"})
    aws.s3.BucketPolicy("logs", bucket=logs.id, policy=logs.arn.apply(lambda arn: "{}"))
'''

TEST = '''
import json

from programs import shop
from pytest_iaccompliance import FindingStatus

URN = "urn:pulumi:test::project::pulumi:pulumi:Stack$"

def test_pack_on_a_program(pulumi_mocks, iac_policies):
    stack = pulumi_mocks.run(shop)
    failed = {(f.policy_id, f.address) for f in iac_policies.evaluate(stack) if f.status is FindingStatus.FAILED}
    assert failed == {("crossguard.acme.no-public-buckets", f"{URN}aws:s3/bucket:Bucket::logs"),
                      ("crossguard.acme.policy-text", f"{URN}aws:s3/bucketPolicy:BucketPolicy::logs")}


def test_preview_unknowns_cannot_be_evaluated(pulumi_mocks, iac_policies):
    stack = pulumi_mocks.preview(shop)
    unknown = [f for f in iac_policies.evaluate(stack) if f.status is FindingStatus.UNKNOWN]
    assert [(f.policy_id, f.address) for f in unknown] == [
        ("crossguard.acme.policy-text", f"{URN}aws:s3/bucketPolicy:BucketPolicy::logs")]
    assert "can't be known during preview" in unknown[0].message
'''

POLICY_TEXT = '''

def policy_text(args, report_violation):
    if args.resource_type == "aws:s3/bucketPolicy:BucketPolicy" and "Deny" not in args.props["policy"]:
        report_violation("no Deny statement")
'''


def test_pack_on_a_program_under_mocks_and_in_preview(pytester: pytest.Pytester) -> None:
    pack = PACK.replace("PolicyPack(", POLICY_TEXT + "\n\nPolicyPack(").replace(
        "    policies=[\n", '    policies=[\n        ResourceValidationPolicy(name="policy-text", '
        'description="Bucket policies deny", validate=policy_text, enforcement_level=EnforcementLevel.MANDATORY),\n')
    pytester.mkdir("policy-pack").joinpath("__main__.py").write_text(pack)
    pytester.makeini("[pytest]\niac_crossguard = policy-pack\niac_select =\n    crossguard.acme.no-public-buckets\n"
                     "    crossguard.acme.policy-text\n")
    pytester.makepyfile(programs=PROGRAM, test_shop=TEST)
    result = run_subprocess(pytester)
    result.assert_outcomes(passed=2)


def test_without_a_pack_pulumi_policy_is_never_imported(pytester: pytest.Pytester) -> None:
    pytester.path.joinpath("stack-export.json").write_text(json.dumps(export()))
    pytester.makeini("[pytest]\niac_sources = stack-export.json\n")
    pytester.makepyfile(test_engine="""
        import sys

        def test_engine_not_loaded():
            assert "pulumi_policy" not in sys.modules
        """)
    result = run_subprocess(pytester, "-k", "engine_not_loaded")
    assert result.parseoutcomes()["passed"] == 1


def test_an_unknown_enforcement_level_in_the_config_is_a_usage_error(pytester: pytest.Pytester,
                                                                     project: Path) -> None:
    pytester.path.joinpath("policy-config.json").write_text(json.dumps({"owner-tag": "mandatry"}))
    result = run(pytester)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*policy-pack/__main__.py: policy 'owner-tag' has enforcement level 'mandatry', "
                                 "expected one of mandatory, remediate, advisory, disabled"])
