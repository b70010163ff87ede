"""Secret values are never printed: a canary planted in secrets and in unreadable values never shows.

The canary sits in secret-named attributes (password, master_password, secret_string, private_key,
auth_token), in attributes the source marks secret (Terraform ``sensitive_values``, Pulumi's secret
signature) and in values the rules cannot read (a port given as an object holding it, a CIDR list
holding it), over cdktf JSON, a plan, a state and a Pulumi export. It must not appear in the terminal
(``-rA -vv -l``), the JUnit XML, the manifest or the SARIF file, nor in the messages ``scan()`` returns.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import pytest

from pytest_iaccompliance import FindingStatus, scan
from pytest_iaccompliance.options import OPT_REPORT, OPT_SARIF, OPT_SOURCE
from pytest_iaccompliance.pulumi.decode import SECRET_SIG, SIG_KEY
from tests.runs import MODES, run

if TYPE_CHECKING:
    from pathlib import Path

CANARY = "CANARY-9f3b2c71e0a4"
AWS_KEY = "AKIAIOSFODNN7CANARY9"
OPEN_SSH = {"from_port": 22, "to_port": 22, "protocol": "tcp", "cidr_blocks": ["0.0.0.0/0"]}

CDKTF = {
    "//": {"metadata": {"stackName": "canary", "version": "0.21.0"}},
    "provider": {"aws": [{"region": "eu-west-1", "access_key": CANARY, "secret_key": CANARY}]},
    "variable": {"db_password": {"type": "string", "default": CANARY},
                 "api": {"type": "string", "sensitive": True, "default": {"token": CANARY}}},
    "terraform": {"backend": {"http": {"address": f"http://{CANARY}.example.com/state", "password": CANARY}}},
    "resource": {
        "aws_lambda_function": {"fn": {"function_name": "fn", "environment": {"variables": {"API_TOKEN": CANARY}}}},
        "aws_launch_template": {"lt": {"user_data": f"#!/bin/sh\nexport AWS_ACCESS_KEY_ID={AWS_KEY}\n# {CANARY}\n"}},
        "aws_db_instance": {
            "db": {
                "engine": "postgres",
                "password": CANARY,
                "publicly_accessible": {"flag": CANARY},
                "backup_retention_period": CANARY,
                "storage_encrypted": CANARY,
                "deletion_protection": [CANARY],
            }
        },
        "aws_rds_cluster": {"c": {"master_password": CANARY, "storage_encrypted": {"v": CANARY}}},
        "aws_secretsmanager_secret_version": {"v": {"secret_id": "s", "secret_string": CANARY}},
        "aws_iam_access_key": {"k": {"user": "u", "private_key": CANARY}},
        "aws_elasticache_replication_group": {"r": {"auth_token": CANARY, "description": "cache"}},
        "aws_security_group": {
            "g": {
                "ingress": [
                    {**OPEN_SSH, "from_port": {"port": CANARY}},
                    {**OPEN_SSH, "protocol": CANARY},
                    {**OPEN_SSH, "cidr_blocks": [{"cidr": CANARY}, CANARY]},
                    CANARY,
                ]
            }
        },
        "aws_lb_listener": {"l": {"protocol": {"p": CANARY}, "port": 80}},
        "aws_elb": {"e": {"listener": [{"lb_port": {"p": CANARY}, "lb_protocol": "http"}]}},
        "aws_instance": {
            "i": {
                "metadata_options": {"http_tokens": {"t": CANARY}},
                "associate_public_ip_address": CANARY,
                "root_block_device": {"encrypted": CANARY},
            }
        },
        "aws_s3_bucket": {
            "b": {
                "bucket": "b",
                "acl": {"a": CANARY},
                "grant": [{"permission": {"p": CANARY}, "uri": "http://acs.amazonaws.com/groups/global/AllUsers"}],
            }
        },
    },
}


def _terraform_resources() -> list[dict[str, Any]]:
    """Plan and state resources: a secret-named value, and values only the marking says are secret."""
    return [
        {"address": "aws_db_instance.p", "mode": "managed", "type": "aws_db_instance", "name": "p",
         "values": {"password": CANARY, "publicly_accessible": CANARY, "engine": "postgres"},
         "sensitive_values": {"password": True, "publicly_accessible": True}},
        {"address": "aws_lb_listener.p", "mode": "managed", "type": "aws_lb_listener", "name": "p",
         "values": {"protocol": "HTTPS", "ssl_policy": CANARY, "port": 443},
         "sensitive_values": {"ssl_policy": True}},
    ]


PLAN = {"format_version": "1.2", "terraform_version": "1.9.5",
        "planned_values": {"root_module": {"resources": _terraform_resources()}},
        "configuration": {
            "provider_config": {"aws": {"name": "aws", "expressions": {"secret_key": {"constant_value": CANARY}}}},
            "root_module": {
                "variables": {"db_password": {"default": CANARY, "sensitive": True}},
                "resources": [{"address": "aws_db_instance.p", "mode": "managed", "type": "aws_db_instance",
                               "name": "p", "expressions": {"password": {"constant_value": CANARY}}}]}}}
STATE = {"format_version": "1.0", "terraform_version": "1.9.5",
         "values": {"root_module": {"resources": _terraform_resources()}}}


def _secret(value: Any) -> dict[str, Any]:
    return {SIG_KEY: SECRET_SIG, "plaintext": json.dumps(value)}


PULUMI = {
    "version": 3,
    "deployment": {
        "manifest": {"version": "v3.140.0"},
        "resources": [
            {"urn": "urn:pulumi:prod::shop::pulumi:pulumi:Stack::shop-prod", "type": "pulumi:pulumi:Stack",
             "custom": False, "outputs": {}},
            {"urn": "urn:pulumi:prod::shop::aws:rds/instance:Instance::db", "type": "aws:rds/instance:Instance",
             "custom": True, "id": "db-1",
             "inputs": {"engine": "postgres", "password": _secret(CANARY), "publiclyAccessible": _secret(CANARY)},
             "outputs": {}},
            {"urn": "urn:pulumi:prod::shop::aws:lb/listener:Listener::web", "type": "aws:lb/listener:Listener",
             "custom": True, "id": "l-1",
             "inputs": {"protocol": "HTTPS", "port": 443, "sslPolicy": _secret(CANARY)}, "outputs": {}},
            {"urn": "urn:pulumi:prod::shop::aws:secretsmanager/secretVersion:SecretVersion::v",
             "type": "aws:secretsmanager/secretVersion:SecretVersion", "custom": True, "id": "v-1",
             "inputs": {"secretId": "s", "secretString": _secret(CANARY)}, "outputs": {}},
            {"urn": "urn:pulumi:prod::shop::aws:lambda/function:Function::fn", "type": "aws:lambda/function:Function",
             "custom": True, "id": "fn-1",
             "inputs": {"environment": {"variables": {"API_TOKEN": CANARY}}}, "outputs": {}},
            {"urn": "urn:pulumi:prod::shop::pulumi:providers:aws::east", "type": "pulumi:providers:aws",
             "custom": True, "id": "p-1", "inputs": {"region": "us-east-1", "secretKey": CANARY}, "outputs": {}},
        ],
        "secrets_providers": {"type": "passphrase", "state": {"salt": CANARY}},
    },
}

# Marked secret only by the plan's change record (after_sensitive), not by sensitive_values.
_LISTENER = {"address": "aws_lb_listener.p", "mode": "managed", "type": "aws_lb_listener", "name": "p",
             "values": {"protocol": "HTTPS", "ssl_policy": CANARY, "port": 443}}
PLAN_CHANGE_MARKED = {
    "format_version": "1.2", "terraform_version": "1.9.5",
    "planned_values": {"root_module": {"resources": [_LISTENER]}},
    "resource_changes": [{"address": "aws_lb_listener.p", "type": "aws_lb_listener", "name": "p",
                          "change": {"actions": ["create"], "after": _LISTENER["values"], "after_unknown": {},
                                     "after_sensitive": {"ssl_policy": True}, "before_sensitive": False}}],
}
# A backend's terraform.tfstate marks secrets as lists of attribute steps.
RAW_STATE = {
    "version": 4, "terraform_version": "1.9.5", "serial": 1, "lineage": "l", "outputs": {},
    "resources": [{"mode": "managed", "type": "aws_lb_listener", "name": "p",
                   "instances": [{"attributes": {"protocol": "HTTPS", "ssl_policy": CANARY, "port": 443},
                                  "sensitive_attributes": [[{"type": "get_attr", "value": "ssl_policy"}]]}]}],
}

SOURCES = {"cdk.tf.json": CDKTF, "plan.json": PLAN, "state.json": STATE, "stack.json": PULUMI,
           "plan-changes.json": PLAN_CHANGE_MARKED, "terraform.tfstate": RAW_STATE}
# Files beside the sources: a .env (read with any source of its folder) and a Pulumi project's stack files.
TEXT_SOURCES = {
    ".env": f"DB_PASSWORD={CANARY}\nDEPLOY_KEY={AWS_KEY}\nGREETING='{CANARY}'\n",
    "Pulumi.yaml": f"name: shop\nruntime: python\nbackend:\n  url: s3://{CANARY}-state?region=eu-west-1\n",
    "Pulumi.prod.yaml": (f"encryptionsalt: v1:{CANARY}\nconfig:\n  aws:secretKey: {CANARY}\n"
                         f"  shop:apiToken: {CANARY}\n  shop:dbPassword:\n    secure: v1:{CANARY}\n"),
}

USER_TEST = f"""
from pytest_iaccompliance import load
from pytest_iaccompliance.assertions import assert_has_resource


def test_password_is_unset():
    assert_has_resource(load("cdk.tf.json"), "aws_db_instance", {{"password": None}})


def test_marked_value_matches():
    assert_has_resource(load("plan.json"), "aws_lb_listener", {{"ssl_policy": "ELBSecurityPolicy-TLS13-1-2-2021-06"}})


def test_pulumi_secret_matches():
    assert_has_resource(load("stack.json"), "aws_lb_listener", {{"ssl_policy": "{CANARY[:6]}"}})
"""


@pytest.fixture
def sources(tmp_path: Path) -> Path:
    for name, document in SOURCES.items():
        (tmp_path / name).write_text(json.dumps(document))
    for name, text in TEXT_SOURCES.items():
        (tmp_path / name).write_text(text)
    return tmp_path


@pytest.mark.parametrize("name", [*SOURCES, *TEXT_SOURCES])
def test_scan_messages_never_quote_the_canary(sources: Path, name: str) -> None:
    findings = scan(sources / name)
    assert findings
    assert {f.status for f in findings} & {FindingStatus.UNKNOWN, FindingStatus.FAILED}
    leaked = [f"{f.policy_id} {f.address}: {f.message}" for f in findings if CANARY in f.message]
    assert not leaked


def test_marked_values_are_described_not_shown(sources: Path) -> None:
    """Without the marking the listener's policy name would be quoted; marked, only its type is."""
    for name in ("plan.json", "state.json", "stack.json", "plan-changes.json", "terraform.tfstate"):
        [finding] = scan(sources / name, select=["AWS-ELB-002"])
        assert finding.status is FindingStatus.FAILED
        assert "uses <secret: a string>, which accepts TLS versions below 1.2" in finding.message


@pytest.mark.parametrize("mode", MODES)
def test_canary_never_reaches_terminal_junit_manifest_or_sarif(pytester: pytest.Pytester, mode: list[str]) -> None:
    for name, document in SOURCES.items():
        pytester.path.joinpath(name).write_text(json.dumps(document))
    for name, text in TEXT_SOURCES.items():
        pytester.path.joinpath(name).write_text(text)
    pytester.makepyfile(test_user=USER_TEST)
    args = [f"{OPT_SOURCE}={name}" for name in (*SOURCES, "Pulumi.yaml", "Pulumi.prod.yaml")]
    result = run(pytester, *mode, *args, "-rA", "-vv", "-l", "--junitxml=junit.xml", f"{OPT_REPORT}=manifest.json",
                 f"{OPT_SARIF}=report.sarif")
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    outcomes = result.parseoutcomes()
    assert outcomes["failed"] >= 3
    result.stdout.fnmatch_lines([
        "*password: expected absent or null, got <secret: a string>*",
        "*ssl_policy: expected <secret: a string>, got <secret: a string>*",
    ])
    for line in ("*provider.aws: `access_key` is a literal credential in the configuration*",
                 "*var.db_password is named like a secret and has a literal default*",
                 "*aws_launch_template.lt: `user_data` holds an AWS access key id*",
                 "*`environment.variables.API_TOKEN` holds a plaintext secret not marked a Pulumi secret*",
                 "*.env sets secret values: DB_PASSWORD, DEPLOY_KEY (an AWS access key id)*",
                 "*Pulumi.prod.yaml::prod*config `aws:secretKey` is plaintext*",
                 "*terraform.backend.http: address does not use https*",
                 "*names no server-side encryption (ssetype or kmskeyid)*"):
        result.stdout.fnmatch_lines([line])
    assert CANARY not in result.stdout.str()
    assert CANARY not in result.stderr.str()
    for report in ("junit.xml", "manifest.json", "report.sarif"):
        text = pytester.path.joinpath(report).read_text()
        assert text, report
        assert CANARY not in text, report


def test_a_failed_assertion_points_at_the_users_line(pytester: pytest.Pytester, sources: Path) -> None:
    """The assertion helpers hide their own frames: the traceback ends at the user's call."""
    pytester.path.joinpath("cdk.tf.json").write_text(json.dumps(CDKTF))
    pytester.makepyfile(test_user=USER_TEST)
    result = run(pytester, "-k", "password_is_unset")
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.stdout.fnmatch_lines([">       assert_has_resource(load(\"cdk.tf.json\"), \"aws_db_instance\", *"])
    result.stdout.no_fnmatch_line("*assertions.py:*")
    result.stdout.no_fnmatch_line("*raise AssertionError(*")


def test_a_malformed_source_is_not_quoted(pytester: pytest.Pytester) -> None:
    """``-l`` on a file that is not JSON: the error names the file, never its text."""
    pytester.path.joinpath("broken.tf.json").write_text(
        '{"resource": {"aws_db_instance": {"db": {"password": "' + CANARY + '", }}}'
    )
    result = run(pytester, f"{OPT_SOURCE}=broken.tf.json", "-rA", "-vv", "-l", "--junitxml=junit.xml")
    assert result.ret == pytest.ExitCode.INTERRUPTED
    result.stdout.fnmatch_lines(["*broken.tf.json*"])
    assert CANARY not in result.stdout.str() + result.stderr.str()
    assert CANARY not in pytester.path.joinpath("junit.xml").read_text()


@pytest.mark.parametrize("mode", MODES)
def test_an_entry_without_address_is_named_not_quoted(pytester: pytest.Pytester, mode: list[str]) -> None:
    """The error names the entry by position and type; its values (a password here) stay out of every output."""
    entry = {"mode": "managed", "type": "aws_db_instance", "name": "p", "values": {"password": CANARY}}
    state = {"format_version": "1.0", "values": {"root_module": {"resources": [entry]}}}
    pytester.path.joinpath("state.json").write_text(json.dumps(state))
    result = run(pytester, *mode, f"{OPT_SOURCE}=state.json", "-rA", "-vv", "-l", "--junitxml=junit.xml",
                 f"{OPT_REPORT}=manifest.json")
    assert result.ret in (pytest.ExitCode.INTERRUPTED, pytest.ExitCode.TESTS_FAILED)
    result.stdout.fnmatch_lines(["*state.json*aws_db_instance*address*"])
    assert CANARY not in result.stdout.str() + result.stderr.str()
    for report in ("junit.xml", "manifest.json"):
        assert CANARY not in pytester.path.joinpath(report).read_text(), report
