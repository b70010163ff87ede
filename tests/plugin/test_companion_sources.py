"""What configures the infrastructure is scanned with it: ``.env`` files beside a source, Pulumi project
and stack files in a scanned folder. Each is a scan item of its own, named by its file."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import pytest

from pytest_iaccompliance import load, scan
from pytest_iaccompliance.model import FindingStatus
from pytest_iaccompliance.options import OPT_SOURCE

if TYPE_CHECKING:
    from pathlib import Path

VALUE = "Companion-Value-0b7f"
STACK = {"//": {"metadata": {"stackName": "app"}},
         "terraform": {"backend": {"s3": {"bucket": "state", "key": "app", "encrypt": True,
                                          "kms_key_id": "alias/state", "use_lockfile": True}}},
         "resource": {"aws_s3_bucket": {"b": {"bucket": "b"}}}}


def write_project(root: Path) -> None:
    stacks = root / "cdktf.out" / "stacks" / "app"
    stacks.mkdir(parents=True)
    (stacks / "cdk.tf.json").write_text(json.dumps(STACK))
    (stacks / ".env").write_text(f"DB_PASSWORD={VALUE}\n")
    (stacks / ".env.example").write_text("DB_PASSWORD=\n")
    infra = root / "infra"
    infra.mkdir()
    (infra / "Pulumi.yaml").write_text("name: shop\nruntime: python\nbackend:\n  url: s3://state?region=eu-west-1\n")
    (infra / "Pulumi.prod.yaml").write_text("encryptionsalt: v1:abc\nconfig:\n  aws:region: eu-west-1\n")


def test_a_folder_scan_reads_env_and_pulumi_files(pytester: pytest.Pytester) -> None:
    write_project(pytester.path)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", f"{OPT_SOURCE}=.", "-rA",
                                           "--iac-select=AWS-SECRET-005", "--iac-select=PULUMI-STACK-*",
                                           "--iac-select=IAC-BACKEND-*")
    result.stdout.fnmatch_lines_random([
        "    cdktf.out/stacks/app/.env::AWS-SECRET-005",
        "    infra/Pulumi.prod.yaml::PULUMI-STACK-001",
        "    infra/Pulumi.yaml::PULUMI-STACK-002",
        "PASSED cdktf.out/stacks/app/cdk.tf.json::IAC-BACKEND-001",
    ])
    result.stdout.no_fnmatch_line("*.env.example::*")
    assert VALUE not in result.stdout.str()
    outcomes = result.parseoutcomes()
    assert (outcomes["tolerated"], outcomes["passed"]) == (3, 3)


def test_a_file_source_brings_the_env_beside_it(pytester: pytest.Pytester) -> None:
    write_project(pytester.path)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider",
                                           f"{OPT_SOURCE}=cdktf.out/stacks/app/cdk.tf.json",
                                           "--iac-select=AWS-SECRET-005", "-rA")
    result.stdout.fnmatch_lines(["  - .env sets secret values: DB_PASSWORD",
                                 "    cdktf.out/stacks/app/.env::AWS-SECRET-005"])
    assert result.parseoutcomes()["tolerated"] == 1


def test_a_bad_pulumi_stack_file_is_a_collection_error_naming_it(pytester: pytest.Pytester) -> None:
    pytester.path.joinpath("Pulumi.yaml").write_text("name: shop\n")
    pytester.path.joinpath("Pulumi.prod.yaml").write_text(f"config: [{VALUE}]\n")
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", f"{OPT_SOURCE}=Pulumi.prod.yaml")
    assert result.ret == pytest.ExitCode.INTERRUPTED
    result.stdout.fnmatch_lines(["*Pulumi.prod.yaml: `config` is list, expected a mapping*"])
    assert VALUE not in result.stdout.str() + result.stderr.str()


def test_scan_and_load_from_python(tmp_path: Path) -> None:
    write_project(tmp_path)
    findings = scan(tmp_path, select=["AWS-SECRET-005", "PULUMI-STACK-001"])
    assert {(f.policy_id, f.address, f.status) for f in findings} == {
        ("AWS-SECRET-005", ".env", FindingStatus.FAILED),
        ("PULUMI-STACK-001", "Pulumi.prod.yaml::prod", FindingStatus.FAILED),
    }
    stack = load(tmp_path / "cdktf.out")
    assert stack.name == "app"
    assert [entry.address for entry in stack.configuration] == ["terraform.backend.s3"]
