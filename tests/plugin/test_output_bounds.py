"""Terminal output stays readable at any size: a bounded list per scan item and summary line, reports complete."""

from __future__ import annotations

import json
import re

import pytest

from pytest_iaccompliance.options import INI_MAX_LISTED, OPT_REPORT, OPT_SOURCE

BUCKETS = 120
SELECT = "--iac-select=AWS-S3-005"  # server access logging: fails for every bare bucket
MORE = "(full list: --iac-report)"


def _source(pytester: pytest.Pytester) -> None:
    buckets = {f"b{index:03d}": {"bucket": f"b{index:03d}"} for index in range(BUCKETS)}
    pytester.path.joinpath("main.tf.json").write_text(json.dumps({"resource": {"aws_s3_bucket": buckets}}))


def _listed(result: pytest.RunResult) -> list[str]:
    """The resources the failure report lists (pytest's own short summary repeats it at -vv)."""
    lines = result.stdout.lines
    end = next((i for i, line in enumerate(lines) if "short test summary info" in line), len(lines))
    return [line for line in lines[:end] if line.startswith("  - aws_s3_bucket.")]


def _summary(result: pytest.RunResult) -> str:
    lines = [line for line in result.stdout.lines if line.startswith("    AWS-S3-005 [warning]")]
    assert len(lines) == 1, result.stdout.str()
    return lines[0]


def _run(pytester: pytest.Pytester, *args: str) -> pytest.RunResult:
    _source(pytester)
    result = pytester.runpytest(f"{OPT_SOURCE}=main.tf.json", SELECT, "--iac-max-warnings=0", *args)
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.stdout.fnmatch_lines([f"{BUCKETS} non-compliant resource(s) in *main.tf.json:"])
    return result


def test_a_failing_scan_item_lists_ten_resources_then_counts_the_rest(pytester: pytest.Pytester) -> None:
    result = _run(pytester)
    assert len(_listed(result)) == 10
    result.stdout.fnmatch_lines([f"  ... and {BUCKETS - 10} more {MORE}"])
    summary = _summary(result)
    assert len(re.findall(r"aws_s3_bucket\.b\d+", summary)) == 10
    assert summary.endswith(f"and {BUCKETS - 10} more {MORE}")


def test_verbose_raises_the_bound(pytester: pytest.Pytester) -> None:
    result = _run(pytester, "-v")
    assert len(_listed(result)) == 100
    result.stdout.fnmatch_lines([f"  ... and {BUCKETS - 100} more {MORE}"])
    assert len(re.findall(r"aws_s3_bucket\.b\d+", _summary(result))) == 100


def test_very_verbose_lists_every_resource(pytester: pytest.Pytester) -> None:
    result = _run(pytester, "-vv")
    assert len(_listed(result)) == BUCKETS
    assert "more (full list" not in result.stdout.str()
    assert len(re.findall(r"aws_s3_bucket\.b\d+", _summary(result))) == BUCKETS


def test_the_ini_sets_the_bound(pytester: pytest.Pytester) -> None:
    pytester.makeini(f"[pytest]\n{INI_MAX_LISTED} = 3\n")
    result = _run(pytester)
    assert len(_listed(result)) == 3
    result.stdout.fnmatch_lines([f"  ... and {BUCKETS - 3} more {MORE}"])


def test_a_bad_bound_is_a_usage_error(pytester: pytest.Pytester) -> None:
    pytester.makeini(f"[pytest]\n{INI_MAX_LISTED} = some\n")
    _source(pytester)
    result = pytester.runpytest(f"{OPT_SOURCE}=main.tf.json")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines([f"*{INI_MAX_LISTED} expects a whole number, got 'some'*"])


def test_the_manifest_and_junit_stay_complete(pytester: pytest.Pytester) -> None:
    result = _run(pytester, f"{OPT_REPORT}=report.json", "--junitxml=junit.xml")
    assert len(_listed(result)) == 10
    manifest = json.loads(pytester.path.joinpath("report.json").read_text())
    failed = {f["address"] for f in manifest["findings"] if f["status"] == "failed"}
    assert failed == {f"aws_s3_bucket.b{index:03d}" for index in range(BUCKETS)}
    junit = pytester.path.joinpath("junit.xml").read_text()
    assert all(f"aws_s3_bucket.b{index:03d}" in junit for index in range(BUCKETS))


def test_the_bound_holds_under_xdist(pytester: pytest.Pytester) -> None:
    pytest.importorskip("xdist")
    result = _run(pytester, "-n", "2", f"{OPT_REPORT}=report.json", "--junitxml=junit.xml")
    assert len(_listed(result)) == 10
    result.stdout.fnmatch_lines([f"  ... and {BUCKETS - 10} more {MORE}"])
    assert _summary(result).endswith(f"and {BUCKETS - 10} more {MORE}")
    manifest = json.loads(pytester.path.joinpath("report.json").read_text())
    assert sum(f["status"] == "failed" for f in manifest["findings"]) == BUCKETS
    junit = pytester.path.joinpath("junit.xml").read_text()
    assert all(f"aws_s3_bucket.b{index:03d}" in junit for index in range(BUCKETS))
