"""Node.js checks: missing or too old gets one clear error; jsii's banner is silenced politely."""

from __future__ import annotations

import stat
from typing import TYPE_CHECKING

import pytest

from pytest_iaccompliance.cdktf import NodeError
from pytest_iaccompliance.cdktf.node import (
    MIN_NODE_MAJOR,
    check_node,
    parse_node_version,
    silence_node_banner,
)

if TYPE_CHECKING:
    from pathlib import Path


def _executable(path: Path, version_line: str) -> Path:
    path.write_text(f"#!/bin/sh\necho '{version_line}'\n")
    path.chmod(path.stat().st_mode | stat.S_IEXEC)
    return path


def test_the_installed_node_passes() -> None:
    assert check_node()[0] >= MIN_NODE_MAJOR


def test_no_node_on_path(tmp_path: Path) -> None:
    with pytest.raises(
        NodeError, match=r"Node.js is not installed \(no `node` on PATH\).*install Node.js 20"
    ):
        check_node({"PATH": str(tmp_path)})


def test_jsii_node_pointing_nowhere(tmp_path: Path) -> None:
    missing = tmp_path / "node-missing"
    with pytest.raises(NodeError, match=f"cannot run Node.js at '{missing}'.*JSII_NODE"):
        check_node({"JSII_NODE": str(missing), "PATH": ""})


def test_too_old_node_names_the_version_and_what_to_install(tmp_path: Path) -> None:
    old = _executable(tmp_path / "node16", "v16.20.2")
    with pytest.raises(NodeError) as info:
        check_node({"JSII_NODE": str(old)})
    assert str(info.value).startswith(f"Node.js 16.20.2 (JSII_NODE={old}) is too old")
    assert f">= {MIN_NODE_MAJOR}" in str(info.value)
    assert "install Node.js 20 or newer" in str(info.value)


def test_something_that_is_not_node(tmp_path: Path) -> None:
    other = _executable(tmp_path / "notnode", "hello")
    with pytest.raises(NodeError, match=r"printed 'hello', not a Node\.js version"):
        check_node({"JSII_NODE": str(other)})


def test_parse_node_version() -> None:
    assert parse_node_version("v20.20.2\n") == (20, 20, 2)
    assert parse_node_version("nope") is None


def test_banner_variables_are_set_only_when_the_user_did_not() -> None:
    env: dict[str, str] = {"JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION": "18"}
    previous = silence_node_banner(env)
    assert env["JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION"] == "18"
    assert env["JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION"] == "1"
    assert previous == {"JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION": None}
    fresh: dict[str, str] = {}
    silence_node_banner(fresh)
    assert fresh["JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION"] == "20"
