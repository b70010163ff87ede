"""Plaintext-secret rules (AWS-SECRET-*) on every source kind they read: a literal fails, a reference passes.

cdktf JSON and plain Terraform JSON tell a literal from a ``${...}`` reference directly; a plan by its
configuration's ``constant_value`` (its planned values are always resolved); a state and Pulumi by the
marking (``sensitive``, Pulumi's secret signature). Messages name the attribute path, never the value.
"""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from pytest_iaccompliance.pulumi.decode import SECRET_SIG, SIG_KEY
from pytest_iaccompliance.sources import load_file
from tests.policies.conftest import cdktf_document, load_resources, run_policy

if TYPE_CHECKING:
    from pytest_iaccompliance.model import ResourceSet

P, F = "passed", "failed"
VALUE = "Plain-Text-Value-5d1e"
AWS_KEY = "AKIAIOSFODNN7EXAMPLE"
SECRET_KEY = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
PEM = "-----BEGIN RSA PRIVATE KEY-----\nMIIB\n-----END RSA PRIVATE KEY-----"

# The rules this module gives compliant and non-compliant cases for (see test_pack_metadata).
EXERCISED = frozenset({
    "AWS-SECRET-001",
    "AWS-SECRET-002",
    "AWS-SECRET-003",
    "AWS-SECRET-004",
    "AWS-SECRET-005",
    "AWS-SECRET-006",
})


def statuses(resources: ResourceSet, policy_id: str) -> dict[str, str]:
    outcomes = run_policy(resources, policy_id)
    for _, message in outcomes.values():
        assert VALUE not in message
        assert AWS_KEY not in message
        assert SECRET_KEY not in message
    return {address: status for address, (status, _) in outcomes.items()}


def cdktf(**sections: Any) -> ResourceSet:
    resources = sections.pop("resource", {})
    return load_resources(cdktf_document(resources, **sections))


# --- AWS-SECRET-001: literal secrets on resources -------------------------------------------------

RESOURCES = {
    "aws_db_instance": {"literal": {"engine": "postgres", "password": VALUE},
                        "reference": {"engine": "postgres", "password": "${var.db_password}"},
                        "managed": {"engine": "postgres", "manage_master_user_password": True}},
    "aws_rds_cluster": {"c": {"master_password": VALUE}},
    "aws_secretsmanager_secret_version": {"v": {"secret_id": "app/token", "secret_string": VALUE},
                                          "ref": {"secret_id": "app/token",
                                                  "secret_string": "${jsonencode(var.payload)}"}},
    "aws_lambda_function": {"f": {"function_name": "f", "environment": {"variables": {
        "DB_PASSWORD": VALUE, "LOG_LEVEL": "debug"}}},
        "g": {"function_name": "g", "environment": {"variables": {"DB_PASSWORD_ARN": "arn:aws:secretsmanager:x"}}},
        "keyed": {"function_name": "k", "environment": {"variables": {"AWS_SECRET_ACCESS_KEY": SECRET_KEY}}}},
    "aws_iam_account_password_policy": {"p": {"minimum_password_length": 14}},
}


RESOURCES_EXPECTED = {
    "aws_db_instance.literal": F,
    "aws_db_instance.reference": P,
    "aws_rds_cluster.c": F,
    "aws_secretsmanager_secret_version.v": F,
    "aws_secretsmanager_secret_version.ref": P,
    "aws_lambda_function.f": F,
    "aws_lambda_function.keyed": F,
}


def test_literal_secret_attributes_fail_on_cdktf() -> None:
    assert statuses(cdktf(resource=RESOURCES), "AWS-SECRET-001") == RESOURCES_EXPECTED


def test_the_message_names_the_attribute_path() -> None:
    outcomes = run_policy(cdktf(resource=RESOURCES), "AWS-SECRET-001")
    assert outcomes["aws_lambda_function.f"][1] == (
        "aws_lambda_function.f: `environment.variables.DB_PASSWORD` is a literal secret in the configuration")


def test_plain_terraform_json_reads_as_cdktf() -> None:
    [loaded] = [load_resources({"resource": RESOURCES}, "main.tf.json")]
    assert statuses(loaded, "AWS-SECRET-001")["aws_db_instance.literal"] == F
    assert statuses(loaded, "AWS-SECRET-001")["aws_db_instance.reference"] == P


def _plan(password_expression: dict[str, Any], sensitive: bool = True) -> dict[str, Any]:
    values = {"engine": "postgres", "password": VALUE}
    return {
        "format_version": "1.2", "terraform_version": "1.9.5",
        "planned_values": {"root_module": {"resources": [{
            "address": "aws_db_instance.db", "mode": "managed", "type": "aws_db_instance", "name": "db",
            "values": values, "sensitive_values": {"password": sensitive}}]}},
        "configuration": {"root_module": {"resources": [{
            "address": "aws_db_instance.db", "mode": "managed", "type": "aws_db_instance", "name": "db",
            "expressions": {"engine": {"constant_value": "postgres"}, "password": password_expression}}]}},
    }


def test_plan_literal_is_read_from_the_configuration() -> None:
    literal = load_resources(_plan({"constant_value": VALUE}), "plan.json")
    reference = load_resources(_plan({"references": ["var.db_password"]}), "plan.json")
    unmarked = load_resources(_plan({"references": ["var.db_password"]}, sensitive=False), "plan.json")
    assert statuses(literal, "AWS-SECRET-001") == {"aws_db_instance.db": F}
    assert statuses(reference, "AWS-SECRET-001") == {"aws_db_instance.db": P}
    assert statuses(unmarked, "AWS-SECRET-001") == {"aws_db_instance.db": F}
    assert "not marked sensitive" in run_policy(unmarked, "AWS-SECRET-001")["aws_db_instance.db"][1]


def _state(sensitive: list[Any]) -> dict[str, Any]:
    return {"version": 4, "terraform_version": "1.9.5", "serial": 1, "lineage": "l", "outputs": {},
            "resources": [{"mode": "managed", "type": "aws_db_instance", "name": "db", "instances": [
                {"attributes": {"engine": "postgres", "password": VALUE}, "sensitive_attributes": sensitive}]}]}


def test_state_secret_must_be_marked_sensitive() -> None:
    marked = load_resources(_state([[{"type": "get_attr", "value": "password"}]]), "terraform.tfstate")
    unmarked = load_resources(_state([]), "terraform.tfstate")
    assert statuses(marked, "AWS-SECRET-001") == {"aws_db_instance.db": P}
    assert statuses(unmarked, "AWS-SECRET-001") == {"aws_db_instance.db": F}


def _secret(value: Any) -> dict[str, Any]:
    return {SIG_KEY: SECRET_SIG, "plaintext": json.dumps(value)}


def _export(password: Any, *, provider: dict[str, Any] | None = None,
            secrets_providers: dict[str, Any] | None = None) -> dict[str, Any]:
    resources: list[dict[str, Any]] = [
        {"urn": "urn:pulumi:prod::shop::pulumi:pulumi:Stack::shop-prod", "type": "pulumi:pulumi:Stack",
         "custom": False, "outputs": {}},
        {"urn": "urn:pulumi:prod::shop::aws:rds/instance:Instance::db", "type": "aws:rds/instance:Instance",
         "custom": True, "id": "db-1", "inputs": {"engine": "postgres", "password": password}, "outputs": {}},
    ]
    if provider is not None:
        resources.append({"urn": "urn:pulumi:prod::shop::pulumi:providers:aws::east", "custom": True,
                          "type": "pulumi:providers:aws", "id": "p-1", "inputs": provider, "outputs": {}})
    deployment: dict[str, Any] = {"manifest": {"version": "v3.140.0"}, "resources": resources}
    if secrets_providers is not None:
        deployment["secrets_providers"] = secrets_providers
    return {"version": 3, "deployment": deployment}


DB_URN = "urn:pulumi:prod::shop::aws:rds/instance:Instance::db"
PROVIDER_URN = "urn:pulumi:prod::shop::pulumi:providers:aws::east"


def test_pulumi_export_input_must_be_a_pulumi_secret() -> None:
    secret = load_resources(_export(_secret(VALUE)), "stack.json")
    plain = load_resources(_export(VALUE), "stack.json")
    assert statuses(secret, "AWS-SECRET-001") == {DB_URN: P}
    assert statuses(plain, "AWS-SECRET-001") == {DB_URN: F}
    assert run_policy(plain, "AWS-SECRET-001")[DB_URN][1] == (
        f"{DB_URN}: `password` holds a plaintext secret not marked a Pulumi secret")


# --- AWS-SECRET-002: provider credentials ---------------------------------------------------------

PROVIDERS = {"aws": [{"region": "eu-west-1", "access_key": AWS_KEY, "secret_key": VALUE},
                     {"alias": "ops", "region": "eu-west-1", "profile": "ops"},
                     {"alias": "ci", "access_key": "${var.key}", "secret_key": "${var.secret}"}]}
PROVIDERS_EXPECTED = {"provider.aws": F, "provider.aws.ops": P, "provider.aws.ci": P}


def test_provider_credentials_on_cdktf() -> None:
    assert statuses(cdktf(provider=PROVIDERS), "AWS-SECRET-002") == PROVIDERS_EXPECTED


def test_provider_credentials_in_a_plan_configuration() -> None:
    plan = _plan({"references": ["var.db_password"]})
    plan["configuration"]["provider_config"] = {
        "aws": {"name": "aws", "expressions": {"access_key": {"constant_value": AWS_KEY},
                                               "region": {"constant_value": "eu-west-1"}}},
        "aws.ci": {"name": "aws", "alias": "ci", "expressions": {"secret_key": {"references": ["var.secret"]}}},
    }
    assert statuses(load_resources(plan, "plan.json"), "AWS-SECRET-002") == {
        "provider.aws": F, "provider.aws.ci": P}


def test_provider_credentials_in_a_pulumi_export() -> None:
    plain = load_resources(_export(_secret(VALUE), provider={"region": "eu-west-1", "secretKey": VALUE}), "s.json")
    secret = load_resources(_export(_secret(VALUE), provider={"region": "eu-west-1", "secretKey": _secret(VALUE)}),
                            "s.json")
    assert statuses(plain, "AWS-SECRET-002") == {PROVIDER_URN: F}
    assert statuses(secret, "AWS-SECRET-002") == {PROVIDER_URN: P}


# --- AWS-SECRET-003: variable defaults ------------------------------------------------------------

def test_secret_variable_defaults() -> None:
    resources = cdktf(variable={
        "db_password": {"type": "string", "default": VALUE},
        "api": {"type": "string", "sensitive": True, "default": VALUE},
        "admin_token": {"type": "string", "sensitive": True},
        "region": {"type": "string", "default": "eu-west-1"},
    })
    assert statuses(resources, "AWS-SECRET-003") == {"var.db_password": F, "var.api": F, "var.admin_token": P}


def test_secret_variable_default_in_a_plan() -> None:
    plan = _plan({"references": ["var.db_password"]})
    plan["configuration"]["root_module"]["variables"] = {"db_password": {"default": VALUE, "sensitive": True},
                                                         "db_user": {"default": "app"}}
    assert statuses(load_resources(plan, "plan.json"), "AWS-SECRET-003") == {"var.db_password": F}


# --- AWS-SECRET-004: credentials in user data -----------------------------------------------------

USER_DATA = {
    "aws_instance": {"keyed": {"user_data": f"#!/bin/sh\nexport AWS_ACCESS_KEY_ID={AWS_KEY}\n"},
                     "clean": {"user_data": "#!/bin/sh\naws s3 cp s3://b/app /opt/app\n"},
                     "templated": {"user_data": "${templatefile(\"boot.sh\", {key = var.key})}"}},
    "aws_launch_template": {"lt": {"user_data": base64.b64encode(
        f"#!/bin/sh\ncat > key.pem <<EOF\n{PEM}\nEOF\n".encode()).decode()}},
}
USER_DATA_EXPECTED = {"aws_instance.keyed": F, "aws_instance.clean": P, "aws_instance.templated": P,
                      "aws_launch_template.lt": F}


def test_credentials_in_user_data() -> None:
    outcomes = run_policy(cdktf(resource=USER_DATA), "AWS-SECRET-004")
    assert {a: s for a, (s, _) in outcomes.items()} == USER_DATA_EXPECTED
    assert outcomes["aws_launch_template.lt"][1] == "aws_launch_template.lt: `user_data` holds a private key"
    assert AWS_KEY not in outcomes["aws_instance.keyed"][1]


# --- AWS-SECRET-005 and AWS-SECRET-006: files beside the code -------------------------------------

def _loaded(path: Path) -> ResourceSet:
    [loaded] = load_file(path)
    return loaded.resources


def test_dotenv_with_secret_values(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text(f"# local settings\nexport DB_PASSWORD='{VALUE}'\nLOG_LEVEL=debug\n"
                                   f"DEPLOY_KEY_ID={AWS_KEY}\nEMPTY_TOKEN=\n")
    (tmp_path / ".env.local").write_text("LOG_LEVEL=info\nAPI_TOKEN=\n")
    outcomes = run_policy(_loaded(tmp_path / ".env"), "AWS-SECRET-005")
    [(status, message)] = outcomes.values()
    assert status == F
    assert message == ".env sets secret values: DB_PASSWORD, DEPLOY_KEY_ID (an AWS access key id)"
    assert statuses(_loaded(tmp_path / ".env.local"), "AWS-SECRET-005") == {".env.local": P}


def test_dotenv_bad_line_is_named_not_quoted(tmp_path: Path) -> None:
    from pytest_iaccompliance.sources import SourceError

    (tmp_path / ".env").write_text(f"OK=1\n{VALUE}\n")
    with pytest.raises(SourceError) as caught:
        load_file(tmp_path / ".env")
    assert str(caught.value) == f"{tmp_path / '.env'}: line 2 is not a NAME=value assignment"


def test_pulumi_stack_config_in_plaintext(tmp_path: Path) -> None:
    (tmp_path / "Pulumi.yaml").write_text("name: shop\nruntime: python\n")
    (tmp_path / "Pulumi.prod.yaml").write_text(
        "secretsprovider: awskms://alias/pulumi?region=eu-west-1\nencryptedkey: AQICAHh\nconfig:\n"
        f"  aws:region: eu-west-1\n  aws:secretKey: {VALUE}\n  shop:dbPassword:\n    secure: v1:abc\n")
    (tmp_path / "Pulumi.dev.yaml").write_text("config:\n  shop:dbPassword:\n    secure: v1:abc\n")
    prod = run_policy(_loaded(tmp_path / "Pulumi.prod.yaml"), "AWS-SECRET-006")
    assert list(prod.values()) == [(F, "Pulumi.prod.yaml::prod: config `aws:secretKey` is plaintext")]
    assert statuses(_loaded(tmp_path / "Pulumi.dev.yaml"), "AWS-SECRET-006") == {"Pulumi.dev.yaml::dev": P}
