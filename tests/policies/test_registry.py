"""The registry: built-ins and third-party packs through one hook, ids unique, selection strict."""

from __future__ import annotations

import textwrap

import pytest

from pytest_iaccompliance.hookspecs import hookimpl
from pytest_iaccompliance.model import FindingStatus, Resource, ResourceSet, Severity
from pytest_iaccompliance.options import OPT_SOURCE
from pytest_iaccompliance.policies import (
    DuplicatePolicyError,
    PolicyContext,
    PolicyRegistry,
    PolicySelectionError,
    Result,
    compliant,
    load_registry,
    non_compliant,
    policy,
)
from pytest_iaccompliance.policies.engine import PolicyError, check_resource, evaluate
from tests.runs import run


@policy("ACME-001", title="Buckets are named acme-*", severity=Severity.WARNING, resource_types=["aws_s3_bucket"])
def acme_names(resource: Resource, context: PolicyContext) -> Result:
    return non_compliant("bad name")


class AcmePack:
    @hookimpl
    def iaccompliance_policies(self) -> list[object]:
        return [acme_names]

    @hookimpl
    def iaccompliance_control_mappings(self) -> dict[str, list[str]]:
        return {"AWS-S3-001": ["ACME-SEC:7.1"]}


def test_builtins_register_through_the_hook() -> None:
    registry = load_registry(entry_points=False)
    assert "AWS-S3-001" in registry
    assert registry.origin("AWS-S3-001") == "plugin 'iaccompliance.builtin'"


def test_third_party_pack_adds_policies_and_controls() -> None:
    registry = load_registry([AcmePack()], entry_points=False)
    assert registry["ACME-001"] is acme_names
    assert "ACME-SEC:7.1" in registry["AWS-S3-001"].controls


def test_duplicate_ids_are_refused_naming_both_origins() -> None:
    class Copycat:
        @hookimpl
        def iaccompliance_policies(self) -> list[object]:
            return [acme_names.with_severity(Severity.CRITICAL)]

    with pytest.raises(DuplicatePolicyError, match=r"policy id 'ACME-001' from plugin .* is already registered by"):
        load_registry([AcmePack(), Copycat()], entry_points=False)


def test_selection_and_overrides() -> None:
    registry = PolicyRegistry([acme_names])
    assert registry.select(["ACME-*"], [], {"ACME-001": Severity.CRITICAL})[0].severity is Severity.CRITICAL
    assert registry.select([], ["ACME-*"]) == []
    with pytest.raises(PolicySelectionError, match="matches no registered policy"):
        registry.select(["NOPE-*"])
    with pytest.raises(PolicySelectionError, match="unknown policy 'NOPE-1'"):
        registry.select(severity_overrides={"NOPE-1": Severity.WARNING})


def test_non_policy_contribution_is_refused() -> None:
    class Broken:
        @hookimpl
        def iaccompliance_policies(self) -> list[object]:
            return ["not a policy"]

    with pytest.raises(TypeError, match="returned 'not a policy', not a Policy"):
        load_registry([Broken()], entry_points=False)


def test_policy_that_raises_is_named_with_its_resource() -> None:
    @policy("BOOM-1", title="boom", severity=Severity.WARNING, resource_types=["aws_vpc"])
    def boom(resource: Resource, context: PolicyContext) -> Result:
        raise KeyError("cidr_block")

    resources = ResourceSet([Resource("aws_vpc", "main", "aws_vpc.main", {})])
    with pytest.raises(PolicyError, match=r"policy BOOM-1 raised KeyError: 'cidr_block' on aws_vpc.main "
                       r"\(memory; at test_registry.py:\d+ in boom\)$"):
        check_resource(boom, resources[0], PolicyContext(resources))
    [finding] = evaluate(resources, [boom])
    assert finding.status is FindingStatus.UNKNOWN
    assert finding.message.startswith("policy BOOM-1 raised KeyError: 'cidr_block' on aws_vpc.main (memory; at ")


def test_a_crashing_policy_does_not_stop_the_others_and_never_quotes_a_value() -> None:
    """Crashes isolate per policy and resource; the exception's text (which may quote a value) is withheld."""
    @policy("BOOM-2", title="boom", severity=Severity.CRITICAL, resource_types=["aws_vpc"])
    def boom(resource: Resource, context: PolicyContext) -> Result:
        if resource.name == "bad":
            int(resource.get("cidr_block"))
        return compliant()

    resources = ResourceSet([Resource("aws_vpc", name, f"aws_vpc.{name}", {"cidr_block": f"10.0.0.0/16-{name}"})
                             for name in ("first", "bad", "last")])
    flow_logs = next(p for p in load_registry(entry_points=False) if p.id == "AWS-VPC-001")
    findings = evaluate(resources, [boom, flow_logs])
    by_key = {(f.policy_id, f.address): f for f in findings}
    assert by_key[("BOOM-2", "aws_vpc.first")].status is FindingStatus.PASSED
    assert by_key[("BOOM-2", "aws_vpc.last")].status is FindingStatus.PASSED
    crashed = by_key[("BOOM-2", "aws_vpc.bad")]
    assert crashed.status is FindingStatus.UNKNOWN
    assert "policy BOOM-2 raised ValueError on aws_vpc.bad (memory; at test_registry.py:" in crashed.message
    assert "10.0.0.0/16-bad" not in crashed.message
    assert {by_key[("AWS-VPC-001", f"aws_vpc.{n}")].status for n in ("first", "bad", "last")} == {
        FindingStatus.FAILED}


def test_entry_point_pack_is_loaded_by_the_plugin(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        acme_rules=textwrap.dedent(
            """
            from pytest_iaccompliance import Severity, hookimpl
            from pytest_iaccompliance.policies import non_compliant, policy

            @policy("ACME-100", title="No legacy buckets", severity=Severity.CRITICAL,
                    resource_types=["aws_s3_bucket"])
            def no_legacy(resource, context):
                return non_compliant(f"{resource.address} is legacy")

            @hookimpl
            def iaccompliance_policies():
                return [no_legacy]
            """
        )
    )
    dist = pytester.mkdir("acme_rules-1.0.dist-info")
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: acme-rules\nVersion: 1.0\n")
    (dist / "entry_points.txt").write_text("[pytest_iaccompliance]\nacme = acme_rules\n")
    pytester.makefile(".tf.json", main='{"resource": {"aws_s3_bucket": {"old": {"bucket": "old"}}}}')
    pytester.syspathinsert()  # where the pack and its distribution metadata are found, as if installed
    result = run(pytester, f"{OPT_SOURCE}=main.tf.json", "--iac-select=ACME-*")
    result.stdout.fnmatch_lines(["*ACME-100 [[]critical[]] No legacy buckets*",
                                 "*  - aws_s3_bucket.old is legacy*"])
    assert result.ret == pytest.ExitCode.TESTS_FAILED


def test_conftest_pack_joins_the_registry(pytester: pytest.Pytester) -> None:
    pytester.makeconftest(
        """
        from pytest_iaccompliance import Severity, hookimpl
        from pytest_iaccompliance.policies import compliant, policy

        @policy("TEAM-1", title="VPCs are fine", severity=Severity.WARNING, resource_types=["aws_vpc"])
        def vpc_ok(resource, context):
            return compliant()

        @hookimpl
        def iaccompliance_policies():
            return [vpc_ok]
        """
    )
    pytester.makefile(".tf.json", main='{"resource": {"aws_vpc": {"main": {"cidr_block": "10.0.0.0/16"}}}}')
    result = run(pytester, f"{OPT_SOURCE}=main.tf.json", "-v")
    result.stdout.fnmatch_lines(["*main.tf.json::TEAM-1 PASSED*"])


def test_duplicate_from_conftest_is_a_usage_error(pytester: pytest.Pytester) -> None:
    pytester.makeconftest(
        """
        from pytest_iaccompliance import hookimpl
        from pytest_iaccompliance.policies.builtin import builtin_policies

        @hookimpl
        def iaccompliance_policies():
            return builtin_policies()[:1]
        """
    )
    pytester.makefile(".tf.json", main='{"resource": {"aws_vpc": {"main": {}}}}')
    result = run(pytester, f"{OPT_SOURCE}=main.tf.json")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*iaccompliance: policy id 'AWS-*' from plugin * is already registered*"])


def test_policy_reporting_its_own_failure_keeps_its_words() -> None:
    """An adapter whose tool failed (Checkov crashing on a source) says why, rather than being shown as
    a crash of the policy by its exception type only."""

    @policy("TOOL-1", title="tool", severity=Severity.WARNING, resource_types=["aws_vpc"])
    def tool(resource: Resource, context: PolicyContext) -> Result:
        raise PolicyError("the tool crashed on main.tf.json", "TOOL-1", resource.address)

    resources = ResourceSet([Resource("aws_vpc", "main", "aws_vpc.main", {})])
    with pytest.raises(PolicyError, match=r"^the tool crashed on main.tf.json$"):
        check_resource(tool, resources[0], PolicyContext(resources))
