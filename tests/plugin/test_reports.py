"""The JSON manifest and SARIF from a user's seat: where they may be written, how, and what they say."""

from __future__ import annotations

import json
import os
import shutil
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from pytest_iaccompliance.options import OPT_REPORT, OPT_SARIF, OPT_SOURCE
from tests.runs import MODES, run

CANARY = "CANARY-91c2-never-print"
PULUMI_SIG = "4dabf18193072939515e22adb298388d"
PULUMI_SECRET = "1b47061264138c4ac30d75fd1eb44270"


@pytest.fixture
def stacks(pytester: pytest.Pytester, example_stacks: Path) -> Path:
    target = pytester.path / "cdktf.out"
    shutil.copytree(example_stacks, target)
    return target


@pytest.fixture
def umask() -> Iterator[None]:
    """Tests set the process umask (which the run and its xdist workers share); put it back afterwards."""
    previous = os.umask(0o022)
    os.umask(previous)
    try:
        yield
    finally:
        os.umask(previous)


LEGACY = "cdktf.out/stacks/legacy/cdk.tf.json"


@pytest.mark.parametrize(
    ("option", "given", "source_args", "ini"),
    [
        pytest.param(OPT_REPORT, LEGACY, [f"{OPT_SOURCE}={LEGACY}"], None, id="report-is-a-source-file"),
        pytest.param(OPT_SARIF, f"cdktf.out/../{LEGACY}", [f"{OPT_SOURCE}={LEGACY}"], None,
                     id="sarif-is-a-source-spelled-differently"),
        pytest.param(OPT_REPORT, "link.json", [f"{OPT_SOURCE}={LEGACY}"], None, id="report-is-a-symlink-to-a-source"),
        pytest.param(OPT_REPORT, LEGACY, [], f"[pytest]\niac_sources = {LEGACY}\n", id="report-is-an-ini-source"),
    ],
)
def test_report_over_a_source_is_a_usage_error(pytester: pytest.Pytester, stacks: Path, option: str, given: str,
                                               source_args: list[str], ini: str | None) -> None:
    os.symlink(LEGACY, pytester.path / "link.json")
    if ini:
        pytester.makeini(ini)
    before = (pytester.path / LEGACY).read_bytes()
    result = run(pytester, *source_args, option, given)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines([f"*{option} {pytester.path}/{given}: is also a source to scan*overwrite it*"])
    assert (pytester.path / LEGACY).read_bytes() == before


def test_report_and_sarif_on_one_file_is_a_usage_error(pytester: pytest.Pytester, stacks: Path) -> None:
    result = run(pytester, f"{OPT_SOURCE}={stacks.name}", OPT_REPORT, "out.json", OPT_SARIF, "./out.json")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines([f"*{OPT_REPORT} and {OPT_SARIF} both name {pytester.path}/out.json*"])
    assert not (pytester.path / "out.json").exists()


@pytest.mark.usefixtures("umask")
@pytest.mark.parametrize(("mask", "mode"), [(0o022, 0o644), (0o027, 0o640), (0o002, 0o664)],
                         ids=["022", "027", "002"])
def test_reports_respect_the_umask(pytester: pytest.Pytester, stacks: Path, mask: int, mode: int) -> None:
    os.umask(mask)
    run(pytester, f"{OPT_SOURCE}={LEGACY}", OPT_REPORT, "r.json", OPT_SARIF, "r.sarif")
    assert stat.S_IMODE((pytester.path / "r.json").stat().st_mode) == mode
    assert stat.S_IMODE((pytester.path / "r.sarif").stat().st_mode) == mode


@pytest.mark.parametrize("mode", MODES)
def test_collection_errors_are_recorded_in_the_reports(pytester: pytest.Pytester, stacks: Path,
                                                       mode: list[str]) -> None:
    (pytester.path / "broken.json").write_text(f'{{"password": "{CANARY}", ')
    pytester.makepyfile(test_broken="import module_that_does_not_exist\n")
    result = run(pytester, *mode, f"{OPT_SOURCE}={LEGACY}", f"{OPT_SOURCE}=broken.json",
                 OPT_REPORT, "r.json", OPT_SARIF, "r.sarif")
    assert result.ret in (pytest.ExitCode.INTERRUPTED, pytest.ExitCode.TESTS_FAILED)
    manifest = json.loads((pytester.path / "r.json").read_text())
    assert manifest["exit_status"] == result.ret
    errors = {error["nodeid"]: error for error in manifest["errors"]}
    assert sorted(errors) == sorted(error["nodeid"] for error in manifest["errors"]) == ["broken.json",
                                                                                        "test_broken.py"]
    assert errors["broken.json"]["file"] == "broken.json"
    assert errors["broken.json"]["message"].startswith(f"{pytester.path}/broken.json: is not valid JSON")
    assert errors["test_broken.py"]["message"].startswith("ImportError while importing test module")
    assert all("\n" not in error["message"] for error in errors.values())

    [sarif_run] = json.loads((pytester.path / "r.sarif").read_text())["runs"]
    [invocation] = sarif_run["invocations"]
    assert invocation["executionSuccessful"] is False
    assert invocation["exitCode"] == result.ret
    notes = {note["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]: note
             for note in invocation["toolExecutionNotifications"]}
    assert set(notes) == {"broken.json", "test_broken.py"}
    assert notes["broken.json"]["level"] == "error"
    assert notes["broken.json"]["message"]["text"] == errors["broken.json"]["message"]
    for path in ("r.json", "r.sarif"):
        assert CANARY not in (pytester.path / path).read_text()


def test_a_clean_run_has_no_errors_and_succeeds(pytester: pytest.Pytester, stacks: Path) -> None:
    result = run(pytester, f"{OPT_SOURCE}={LEGACY}", OPT_REPORT, "r.json", OPT_SARIF, "r.sarif")
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    assert json.loads((pytester.path / "r.json").read_text())["errors"] == []
    [invocation] = json.loads((pytester.path / "r.sarif").read_text())["runs"][0]["invocations"]
    assert invocation == {"executionSuccessful": True, "exitCode": 1, "toolExecutionNotifications": []}


def _secret_sources() -> dict[str, Any]:
    """One failing, secret-bearing resource per source kind; the canary sits only in values marked secret."""
    # The manifest lists every resource with its tags: one named like a secret shows its type only.
    cdktf = {"resource": {"aws_db_instance": {"db": {"engine": "postgres", "storage_encrypted": False,
                                                     "password": CANARY, "tags": {"api_token": CANARY}}}}}
    plan = {
        "format_version": "1.2",
        "planned_values": {"root_module": {"resources": [
            {"address": "aws_db_instance.db", "mode": "managed", "type": "aws_db_instance", "name": "db",
             "values": {"engine": "postgres", "storage_encrypted": False, "password": CANARY,
                        "custom_data": CANARY},
             "sensitive_values": {"password": True, "custom_data": True}},
            # A secret-marked value a rule reads, of a type it cannot judge.
            {"address": "aws_db_instance.marked", "mode": "managed", "type": "aws_db_instance", "name": "marked",
             "values": {"engine": "postgres", "storage_encrypted": CANARY},
             "sensitive_values": {"storage_encrypted": True}},
        ]}},
    }
    state = {
        "version": 4, "terraform_version": "1.9.5", "serial": 1, "lineage": "x", "outputs": {},
        "resources": [{"mode": "managed", "type": "aws_db_instance", "name": "db", "instances": [{
            "attributes": {"id": "db-1", "storage_encrypted": False, "password": CANARY, "custom_data": CANARY},
            "sensitive_attributes": [[{"type": "get_attr", "value": "custom_data"}],
                                     [{"type": "get_attr", "value": "password"}]],
        }]}],
    }
    pulumi = {"version": 3, "deployment": {"manifest": {"version": "v3.140.0"}, "resources": [
        {"urn": "urn:pulumi:prod::shop::pulumi:pulumi:Stack::shop-prod", "type": "pulumi:pulumi:Stack",
         "custom": False},
        {"urn": "urn:pulumi:prod::shop::aws:rds/instance:Instance::db", "type": "aws:rds/instance:Instance",
         "id": "db-1", "custom": True,
         "inputs": {"storageEncrypted": False,
                    "password": {PULUMI_SIG: PULUMI_SECRET, "plaintext": json.dumps(CANARY)}}},
    ]}}
    return {"cdk.tf.json": cdktf, "plan.json": plan, "terraform.tfstate.json": state, "stack.json": pulumi}


@pytest.mark.parametrize("mode", MODES)
def test_secret_canary_never_reaches_any_output(pytester: pytest.Pytester, mode: list[str]) -> None:
    sources = []
    for name, document in _secret_sources().items():
        (pytester.path / name).write_text(json.dumps(document))
        sources.append(f"{OPT_SOURCE}={name}")
    result = run(pytester, *mode, *sources, "-rA", "-vv", "-l", "--junitxml=junit.xml",
                 OPT_REPORT, "r.json", OPT_SARIF, "r.sarif")
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    # Each source was read and judged: the storage rule failed on every one of them.
    manifest = json.loads((pytester.path / "r.json").read_text())
    judged = {Path(f["source_file"]).name for f in manifest["findings"]
              if f["policy_id"] == "AWS-RDS-001" and f["status"] == "failed"}
    assert judged == set(_secret_sources())
    tags = {Path(r["source_file"]).name: r["tags"] for r in manifest["resources"] if r["tags"]}
    assert tags["cdk.tf.json"] == {"api_token": "<secret>"}
    outputs = {
        "terminal": result.stdout.str() + result.stderr.str(),
        **{name: (pytester.path / name).read_text() for name in ("junit.xml", "r.json", "r.sarif")},
    }
    assert [name for name, text in outputs.items() if CANARY in text] == []
