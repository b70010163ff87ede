"""Foreign policy files the project has but cannot run are a usage error, never silently left out."""

from __future__ import annotations

import sys

import pytest

from tests.runs import run


def test_rego_files_without_an_engine_stop_the_run_saying_what_to_install(pytester: pytest.Pytester,
                                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "regorus", None)  # what an environment without the `rego` extra sees
    pytester.path.joinpath("main.tf.json").write_text('{"resource": {"aws_s3_bucket": {"b": {"bucket": "b"}}}}')
    pytester.mkdir("policy").joinpath("s3.rego").write_text("package main\n")
    pytester.makeini("[pytest]\niac_sources = main.tf.json\n")
    result = run(pytester)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*1 Rego policy file(s) found (*s3.rego, ...) but no Rego engine is installed: "
                                 "pip install 'pytest-iaccompliance[[]rego]'"])


def test_a_missing_policy_pack_is_named(pytester: pytest.Pytester) -> None:
    pytester.path.joinpath("main.tf.json").write_text('{"resource": {"aws_s3_bucket": {"b": {"bucket": "b"}}}}')
    pytester.makeini("[pytest]\niac_sources = main.tf.json\niac_crossguard = no-such-pack\n")
    result = run(pytester)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*no-such-pack: no policy pack here (expected a folder with __main__.py, or a .py "
                                 "file)"])
