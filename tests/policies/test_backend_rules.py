"""State backend (IAC-BACKEND-*) and Pulumi stack settings (PULUMI-STACK-*) rules, compliant and not.

Terraform backends come from the synthesized ``terraform.backend`` block (cdktf, plain Terraform JSON);
Pulumi settings from ``Pulumi.yaml``/``Pulumi.<stack>.yaml`` and from a stack export's
``secrets_providers``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest

from pytest_iaccompliance.policies.base import RuleSettings
from pytest_iaccompliance.sources import SourceError, load_file
from tests.policies.conftest import cdktf_document, load_resources, run_policy

if TYPE_CHECKING:
    from pathlib import Path

    from pytest_iaccompliance.model import ResourceSet

P, F, U = "passed", "failed", "unknown"
S3 = "terraform.backend.s3"
SECURE_S3 = {"bucket": "state", "key": "app.tfstate", "region": "eu-west-1", "encrypt": True,
             "kms_key_id": "arn:aws:kms:eu-west-1:111122223333:key/1", "use_lockfile": True}

# The rules this module gives compliant and non-compliant cases for (see test_pack_metadata).
EXERCISED = frozenset({
    "IAC-BACKEND-001",
    "IAC-BACKEND-002",
    "IAC-BACKEND-003",
    "IAC-BACKEND-004",
    "IAC-BACKEND-005",
    "PULUMI-STACK-001",
    "PULUMI-STACK-002",
})


def backend(kind: str, body: dict[str, Any], *, stack: str = "test", name: str = "cdk.tf.json") -> ResourceSet:
    document = cdktf_document({}, terraform={"backend": {kind: body}})
    document["//"]["metadata"]["stackName"] = stack
    return load_resources(document, name)


def outcome(resources: ResourceSet, policy_id: str, settings: RuleSettings | None = None) -> tuple[str, str] | None:
    found = run_policy(resources, policy_id, settings)
    assert len(found) <= 1
    return next(iter(found.values()), None)


@pytest.mark.parametrize(("body", "expected"), [
    (SECURE_S3, P),
    ({**SECURE_S3, "encrypt": False}, F),
    ({key: v for key, v in SECURE_S3.items() if key != "encrypt"}, F),
    ({**SECURE_S3, "encrypt": "${var.encrypt}"}, U),
])
def test_s3_backend_encrypts(body: dict[str, Any], expected: str) -> None:
    result = outcome(backend("s3", body), "IAC-BACKEND-001")
    assert result is not None
    assert result[0] == expected


def test_s3_backend_encryption_message() -> None:
    assert outcome(backend("s3", {"bucket": "state", "key": "k"}), "IAC-BACKEND-001") == (
        F, "terraform.backend.s3: S3 backend stores the state unencrypted (encrypt unset)")


def test_s3_backend_kms_key() -> None:
    assert outcome(backend("s3", SECURE_S3), "IAC-BACKEND-002") == (P, "compliant")
    assert outcome(backend("s3", {**SECURE_S3, "kms_key_id": "${aws_kms_key.state.arn}"}), "IAC-BACKEND-002") == (
        P, "compliant")
    without = {k: v for k, v in SECURE_S3.items() if k != "kms_key_id"}
    assert outcome(backend("s3", without), "IAC-BACKEND-002") == (
        F, f"{S3}: no kms_key_id, so the state is readable by anyone who can read the bucket")


@pytest.mark.parametrize(("lock", "expected"), [
    ({"use_lockfile": True}, P),
    ({"dynamodb_table": "locks"}, P),
    ({"use_lockfile": False}, F),
    ({}, F),
    ({"use_lockfile": "${var.lock}"}, U),
])
def test_s3_backend_locking(lock: dict[str, Any], expected: str) -> None:
    body = {**{k: v for k, v in SECURE_S3.items() if k != "use_lockfile"}, **lock}
    result = outcome(backend("s3", body), "IAC-BACKEND-003")
    assert result is not None
    assert result[0] == expected


def test_backend_rules_do_not_apply_to_other_backends() -> None:
    local = backend("local", {"path": "terraform.tfstate"})
    for policy_id in ("IAC-BACKEND-001", "IAC-BACKEND-002", "IAC-BACKEND-003", "IAC-BACKEND-005"):
        assert outcome(local, policy_id) is None


def test_local_backend_for_a_shared_stack() -> None:
    shared = RuleSettings(shared_stacks=("prod-*", "network"))
    assert outcome(backend("local", {"path": "p"}, stack="prod-eu"), "IAC-BACKEND-004", shared) == (
        F, "terraform.backend.local: stack 'prod-eu' is shared but keeps its state in a local file")
    assert outcome(backend("s3", SECURE_S3, stack="network"), "IAC-BACKEND-004", shared) == (P, "compliant")
    assert outcome(backend("local", {"path": "p"}, stack="sandbox"), "IAC-BACKEND-004", shared) is None


def test_shared_stacks_in_the_python_api(tmp_path: Path) -> None:
    import json

    from pytest_iaccompliance import scan

    document = cdktf_document({}, terraform={"backend": {"local": {"path": "terraform.prod.tfstate"}}})
    document["//"]["metadata"]["stackName"] = "prod"
    (tmp_path / "cdk.tf.json").write_text(json.dumps(document))
    [finding] = scan(tmp_path / "cdk.tf.json", select="IAC-BACKEND-004", shared_stacks="prod")
    assert (finding.status.value, finding.address) == (F, "terraform.backend.local")
    assert scan(tmp_path / "cdk.tf.json", select="IAC-BACKEND-004") == []


def test_shared_stacks_come_from_the_ini(pytester: pytest.Pytester) -> None:
    import json

    document = cdktf_document({}, terraform={"backend": {"local": {"path": "terraform.prod.tfstate"}}})
    document["//"]["metadata"]["stackName"] = "prod"
    pytester.path.joinpath("cdk.tf.json").write_text(json.dumps(document))
    pytester.makeini("[pytest]\niac_shared_stacks = prod staging-*\n")
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "--iac-source=cdk.tf.json",
                                           "--iac-select=IAC-BACKEND-004", "-rA")
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.stdout.fnmatch_lines(["*terraform.backend.local: stack 'prod' is shared but keeps its state in a "
                                 "local file*"])
    unset = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-c", "/dev/null", "--rootdir", ".",
                                          "--iac-source=cdk.tf.json", "--iac-select=IAC-BACKEND-004")
    unset.stdout.fnmatch_lines(["*no tests ran*"])


@pytest.mark.parametrize(("body", "expected"), [
    ({"address": "https://state.example.com/app", "lock_address": "https://state.example.com/app/lock"}, P),
    ({"address": "http://state.example.com/app"}, F),
    ({"address": "https://state.example.com/app", "unlock_address": "http://state.example.com/unlock"}, F),
    ({"address": "https://state.example.com/app", "skip_cert_verification": True}, F),
    ({"address": "${var.state_url}"}, U),
])
def test_http_backend_tls(body: dict[str, Any], expected: str) -> None:
    result = outcome(backend("http", body), "IAC-BACKEND-005")
    assert result is not None
    assert result[0] == expected


def test_http_backend_message_shows_the_scheme_not_the_url() -> None:
    result = outcome(backend("http", {"address": "http://admin:hunter2@state.example.com/app"}), "IAC-BACKEND-005")
    assert result == (F, "terraform.backend.http: address does not use https (its scheme is 'http')")


def test_backend_in_plain_terraform_json() -> None:
    resources = load_resources({"terraform": {"backend": {"s3": {"bucket": "b", "key": "k"}}}}, "main.tf.json")
    assert outcome(resources, "IAC-BACKEND-001") == (
        F, "terraform.backend.s3: S3 backend stores the state unencrypted (encrypt unset)")


# --- Pulumi ---------------------------------------------------------------------------------------

def _stack(tmp_path: Path, stack_file: str, project: str = "name: shop\nruntime: python\n") -> ResourceSet:
    (tmp_path / "Pulumi.yaml").write_text(project)
    (tmp_path / "Pulumi.prod.yaml").write_text(stack_file)
    [loaded] = load_file(tmp_path / "Pulumi.prod.yaml")
    return loaded.resources


@pytest.mark.parametrize(("stack_file", "project", "expected"), [
    ("secretsprovider: awskms://alias/pulumi?region=eu-west-1\nencryptedkey: AQICAHh\n", "name: shop\n",
     (P, "compliant")),
    ("secretsprovider: awskms://alias/pulumi?region=eu-west-1\n", "name: shop\n",
     (F, "Pulumi.prod.yaml::prod: secretsprovider is awskms:// but the stack holds no encryptedkey (the data key "
         "KMS protects)")),
    ("encryptionsalt: v1:abc:def\n", "name: shop\nbackend:\n  url: s3://state\n",
     (F, "Pulumi.prod.yaml::prod: secrets are encrypted with the default passphrase provider")),
    ("config:\n  aws:region: eu-west-1\n", "name: shop\n",
     (F, "Pulumi.prod.yaml::prod: secrets are encrypted with the Pulumi service's default")),
    ("config: {}\n", "name: shop\nbackend:\n  url: file://~/.pulumi\n",
     (F, "Pulumi.prod.yaml::prod: secrets are encrypted with the default passphrase provider")),
])
def test_pulumi_secrets_provider(tmp_path: Path, stack_file: str, project: str, expected: tuple[str, str]) -> None:
    assert outcome(_stack(tmp_path, stack_file, project), "PULUMI-STACK-001") == expected


def test_pulumi_secrets_provider_from_a_stack_export() -> None:
    from tests.policies.test_secret_rules import _export, _secret

    kms = {"type": "cloud", "state": {"url": "awskms://alias/pulumi?region=eu-west-1", "encryptedkey": "AQIC"}}
    passphrase = {"type": "passphrase", "state": {"salt": "v1:abc"}}
    assert outcome(load_resources(_export(_secret("x"), secrets_providers=kms), "s.json"), "PULUMI-STACK-001") == (
        P, "compliant")
    assert outcome(load_resources(_export(_secret("x"), secrets_providers=passphrase), "s.json"),
                   "PULUMI-STACK-001") == (F, "s.json::secrets_providers: secrets are encrypted with the default "
                                              "passphrase provider")


@pytest.mark.parametrize(("url", "expected"), [
    ("s3://state-bucket?region=eu-west-1&ssetype=aws:kms&kmskeyid=alias/state", (P, "compliant")),
    ("s3://state-bucket?region=eu-west-1", (F, "Pulumi.yaml::shop: the s3:// backend URL names no server-side "
                                             "encryption (ssetype or kmskeyid)")),
    ("https://api.pulumi.com", None),
])
def test_pulumi_self_managed_s3_backend(tmp_path: Path, url: str, expected: tuple[str, str] | None) -> None:
    (tmp_path / "Pulumi.yaml").write_text(f"name: shop\nruntime: python\nbackend:\n  url: {url}\n")
    [loaded] = load_file(tmp_path / "Pulumi.yaml")
    assert outcome(loaded.resources, "PULUMI-STACK-002") == expected


@pytest.mark.parametrize(("text", "reason"), [
    ("config: [1, 2]\n", "`config` is list, expected a mapping"),
    ("- a\n- b\n", "top-level YAML value is list, expected a mapping"),
    ("secretsprovider: [awskms]\n", "`secretsprovider` is list, expected a string"),
    ("config:\n  aws:region: 'unclosed\n", "is not valid YAML: found unexpected end of stream at line 3 column 1"),
])
def test_a_bad_stack_file_is_named(tmp_path: Path, text: str, reason: str) -> None:
    (tmp_path / "Pulumi.prod.yaml").write_text(text)
    with pytest.raises(SourceError) as caught:
        load_file(tmp_path / "Pulumi.prod.yaml")
    assert str(caught.value) == f"{tmp_path / 'Pulumi.prod.yaml'}: {reason}"
