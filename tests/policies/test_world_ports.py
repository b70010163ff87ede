"""World-open ports (AWS-EC2-014/015/016) on plan JSON, and ini ``iac_public_ports`` from a user's seat.

The cdktf JSON cases live in ``test_builtin_rules.py``, the Pulumi ones in
``tests/pulumi/test_pack_on_pulumi.py``; here the same rules read ``terraform show -json`` plans, where
a value unknown before apply sits in ``after_unknown`` rather than in a ``${...}`` token.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from pytest_iaccompliance.options import INI_PUBLIC_PORTS, OPT_SELECT, OPT_SOURCE
from pytest_iaccompliance.policies.base import RuleSettings
from pytest_iaccompliance.policies.rules.vpc import parse_public_ports
from tests.policies.conftest import run_policy
from tests.policies.test_plan_and_pulumi_forms import planned

P, F, U = "passed", "failed", "unknown"
WORLD = ["0.0.0.0/0"]


def block(low: int, high: int | None = None, protocol: str = "tcp", **source: Any) -> dict[str, Any]:
    return {"from_port": low, "to_port": low if high is None else high, "protocol": protocol,
            "cidr_blocks": source.get("cidr_blocks", WORLD if not source else []),
            "ipv6_cidr_blocks": source.get("ipv6_cidr_blocks", []),
            "security_groups": [], "self": False, "prefix_list_ids": [], "description": ""}


def plan(groups: dict[str, list[dict[str, Any]]], *extra: dict[str, Any],
         changes: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    resources = [planned(f"aws_security_group.{name}", "aws_security_group", name,
                         {"name": name, "vpc_id": "vpc-1", "ingress": ingress})
                 for name, ingress in groups.items()]
    return {"format_version": "1.2", "terraform_version": "1.9.5",
            "planned_values": {"root_module": {"resources": [*resources, *extra]}},
            "resource_changes": changes or []}


PLAN = plan(
    {
        "ssh": [block(22)],
        "mysql_v6": [block(3306, ipv6_cidr_blocks=["::/0"])],
        "http": [block(80)],
        "https": [block(443)],
        "alt_range": [block(8000, 8100)],
        "redis_udp": [block(6379, protocol="udp")],
        "private_db": [block(5432, cidr_blocks=["10.0.0.0/8"])],
        "icmp": [block(-1, protocol="icmp")],
        "unknown_port": [{**block(0), "from_port": None, "to_port": None}],
        "by_rule": [],
    },
    planned("aws_vpc_security_group_ingress_rule.mongo", "aws_vpc_security_group_ingress_rule", "mongo",
            {"security_group_id": "sg-elsewhere", "ip_protocol": "tcp", "from_port": 27017, "to_port": 27017,
             "cidr_ipv4": "0.0.0.0/0"}),
    changes=[{"address": "aws_security_group.unknown_port",
              "change": {"actions": ["create"],
                         "after_unknown": {"ingress": [{"from_port": True, "to_port": True}]}}}],
)

EXPECTED: dict[str, dict[str, str]] = {
    "AWS-EC2-014": {"ssh": F, "mysql_v6": F, "http": P, "https": P, "alt_range": F, "redis_udp": P,
                    "private_db": P, "icmp": P, "unknown_port": U, "by_rule": P, "mongo": P},
    "AWS-EC2-015": {"ssh": P, "mysql_v6": P, "http": F, "https": P, "alt_range": F, "redis_udp": P,
                    "private_db": P, "icmp": P, "unknown_port": U, "by_rule": P, "mongo": P},
    "AWS-EC2-016": {"ssh": P, "mysql_v6": F, "http": P, "https": P, "alt_range": F, "redis_udp": F,
                    "private_db": P, "icmp": P, "unknown_port": U, "by_rule": P, "mongo": F},
}


@pytest.fixture(scope="module")
def plan_resources(tmp_path_factory: pytest.TempPathFactory) -> Any:
    from pytest_iaccompliance.sources import load_document

    [loaded] = load_document(PLAN, tmp_path_factory.mktemp("plan") / "plan.json")
    return loaded.resources


@pytest.mark.parametrize("policy_id", sorted(EXPECTED))
def test_world_port_rules_on_a_plan(policy_id: str, plan_resources: Any) -> None:
    outcomes = run_policy(plan_resources, policy_id)
    got = {address.rsplit(".", 1)[-1]: status for address, (status, _) in outcomes.items()}
    assert got == EXPECTED[policy_id], outcomes


def test_messages_name_the_ports_and_what_listens_there(plan_resources: Any) -> None:
    high = run_policy(plan_resources, "AWS-EC2-014")
    assert high["aws_security_group.mysql_v6"][1] == (
        "aws_security_group.mysql_v6 allows high-risk port(s) 3306 (MySQL) from ::/0")
    other = run_policy(plan_resources, "AWS-EC2-015")
    assert other["aws_security_group.alt_range"][1] == (
        "aws_security_group.alt_range allows port(s) outside iac_public_ports 8000-8079, 8081-8085, 8087, "
        "8089-8100 from 0.0.0.0/0")


def test_public_ports_setting_allows_listed_ports_only(plan_resources: Any) -> None:
    served = run_policy(plan_resources, "AWS-EC2-015", RuleSettings(public_ports=(80, 443)))
    assert served["aws_security_group.http"][0] == P
    assert served["aws_security_group.alt_range"][0] == F
    # A high-risk port stays AWS-EC2-014's finding, listed or not.
    assert run_policy(plan_resources, "AWS-EC2-014", RuleSettings(public_ports=(22, 443)))[
        "aws_security_group.ssh"][0] == F


@pytest.mark.parametrize(
    ("words", "message"),
    [
        (["443", "eighty"], "expects port numbers 0-65535 separated by spaces, got 'eighty'"),
        (["70000"], "got '70000'"),
        (["443", "5432"], "lists 5432 (PostgreSQL/Aurora), a database port"),
    ],
)
def test_public_ports_refuse_non_ports_and_database_ports(words: list[str], message: str) -> None:
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        parse_public_ports(words)


def _world_http_stack(path: Path) -> Path:
    source = path / "cdk.tf.json"
    source.write_text(json.dumps({
        "//": {"metadata": {"stackName": "web", "version": "0.21.0"}},
        "resource": {"aws_security_group": {"web": {"name": "web", "ingress": [
            {"from_port": 80, "to_port": 80, "protocol": "tcp", "cidr_blocks": WORLD}]}}},
    }), encoding="utf-8")
    return source


def test_ini_public_ports_from_a_users_seat(pytester: pytest.Pytester) -> None:
    source = _world_http_stack(pytester.path)
    default = pytester.runpytest_subprocess("-p", "no:cacheprovider", f"{OPT_SOURCE}={source.name}",
                                            OPT_SELECT, "AWS-EC2-015", "-rA")
    default.stdout.fnmatch_lines(["*aws_security_group.web* allows port(s) outside iac_public_ports 80 from 0.0.0.0/0"])
    pytester.makeini(f"[pytest]\n{INI_PUBLIC_PORTS} = 443 80\n")
    listed = pytester.runpytest_subprocess("-p", "no:cacheprovider", f"{OPT_SOURCE}={source.name}",
                                           OPT_SELECT, "AWS-EC2-015", "-rA")
    listed.stdout.fnmatch_lines(["PASSED cdk.tf.json::AWS-EC2-015"])


def test_ini_public_ports_naming_a_database_port_is_a_usage_error(pytester: pytest.Pytester) -> None:
    source = _world_http_stack(pytester.path)
    pytester.makeini(f"[pytest]\n{INI_PUBLIC_PORTS} = 443 3306\n")
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", f"{OPT_SOURCE}={source.name}")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*ini iac_public_ports lists 3306 (MySQL/MariaDB/Aurora), a database port*"])


@pytest.mark.parametrize("protocol", ["tcp", "udp", "6"])
def test_ports_zero_to_zero_read_as_every_port_by_every_rule(protocol: str) -> None:
    """0-0 is every port for the SSH/RDP rule; the all-ports rule must read it the same way."""
    from pytest_iaccompliance.policies.values import covers_all_ports, covers_port, port_span

    assert covers_port(0, 0, "tcp", 22) is True
    assert covers_all_ports(0, 0, protocol) is True
    assert port_span(0, 0, protocol) == (0, 65535)


def test_a_groups_ingress_is_read_once_for_every_world_rule(monkeypatch: pytest.MonkeyPatch) -> None:
    """Five rules judge the same world-open ingress on different ports: the group's rules are read once per
    evaluation, not once per rule (on a large plan the rereading cost more than the judging)."""
    from pytest_iaccompliance.policies import engine
    from pytest_iaccompliance.policies.registry import load_registry
    from pytest_iaccompliance.policies.rules import vpc
    from pytest_iaccompliance.sources.terraform_json import load_document

    calls = 0
    world_cidrs = vpc.world_cidrs

    def counting(*args: Any, **kwargs: Any) -> Any:
        nonlocal calls
        calls += 1
        return world_cidrs(*args, **kwargs)

    monkeypatch.setattr(vpc, "world_cidrs", counting)
    [loaded] = load_document(plan({"web": [block(22), block(5432)]}), Path("plan.json"))
    chosen = [p for p in load_registry().select(None, None, None)
              if p.id in ("AWS-EC2-001", "AWS-EC2-002", "AWS-EC2-014", "AWS-EC2-015", "AWS-EC2-016")]
    findings = engine.evaluate(loaded.resources, chosen, RuleSettings())
    assert {f.policy_id: f.status.value for f in findings} == {
        "AWS-EC2-001": F, "AWS-EC2-002": P, "AWS-EC2-014": F, "AWS-EC2-015": P, "AWS-EC2-016": F}
    assert calls == 2  # each of the two ingress blocks, once
