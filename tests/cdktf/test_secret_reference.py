"""``cdktf_secret``: the stack reads the secret at apply time, so its value never reaches ``cdk.tf.json``.

Synthesized through the real jsii runtime. The counter-case shows why a resolved value must never be
passed to a construct: it is written into the JSON as a literal, and AWS-SECRET-001 fails it.
"""

from __future__ import annotations

import importlib
import json
from typing import TYPE_CHECKING, Any

import pytest

from pytest_iaccompliance.policies.builtin import builtin_policies
from pytest_iaccompliance.policies.engine import evaluate
from pytest_iaccompliance.secrets import cdktf_secret, resolve_secret
from pytest_iaccompliance.sources import load_document
from tests.cdktf.conftest import LIB

if TYPE_CHECKING:
    from collections.abc import Callable

    from pytest_iaccompliance.awsmock import AwsMock

pytest.importorskip("cdktf_cdktf_provider_aws")
pytest.importorskip("moto")

VALUE = "Db-Password-Value-41c7"
[SECRET_001] = [p for p in builtin_policies() if p.id == "AWS-SECRET-001"]


def synth(password: Callable[[Any], str]) -> str:
    from cdktf_cdktf_provider_aws.db_instance import DbInstance
    from cdktf_cdktf_provider_aws.provider import AwsProvider

    lib = importlib.import_module(LIB)
    app = lib.Testing.app()
    stack = lib.TerraformStack(app, "db")
    AwsProvider(stack, "aws", region="us-east-1")
    DbInstance(stack, "db", engine="postgres", instance_class="db.t3.micro", allocated_storage=20,
               username="app", password=password(stack))
    return str(lib.Testing.synth(stack))


def secret_001(text: str) -> str:
    from pathlib import Path

    [loaded] = load_document(json.loads(text), Path("cdk.tf.json"))
    [finding] = evaluate(loaded.resources, [SECRET_001])
    return finding.status.value


def test_the_value_is_absent_from_the_synthesized_json(aws_mock: AwsMock) -> None:
    aws_mock.seed_secret("prod/db", {"password": VALUE})
    text = synth(lambda stack: cdktf_secret(stack, "db-password", "prod/db", key="password"))
    assert VALUE not in text
    document = json.loads(text)
    data = document["data"]["aws_secretsmanager_secret_version"]["db-password"]
    assert (data["secret_id"], data["version_stage"]) == ("prod/db", "AWSCURRENT")
    password = document["resource"]["aws_db_instance"]["db"]["password"]
    assert password == "${jsondecode(data.aws_secretsmanager_secret_version.db-password.secret_string).password}"
    assert secret_001(text) == "passed"


def test_a_whole_secret_is_referenced_too() -> None:
    text = synth(lambda stack: cdktf_secret(stack, "db-password", "prod/db-password"))
    password = json.loads(text)["resource"]["aws_db_instance"]["db"]["password"]
    assert password == "${data.aws_secretsmanager_secret_version.db-password.secret_string}"


def test_a_resolved_literal_lands_in_the_json_and_fails(aws_mock: AwsMock) -> None:
    aws_mock.seed_secret("prod/db", {"password": VALUE})
    text = synth(lambda stack: resolve_secret("prod/db", key="password"))
    assert VALUE in text
    assert secret_001(text) == "failed"
