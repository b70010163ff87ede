"""Recording what code reads: the synth cache's notion of "the inputs did not change"."""

from __future__ import annotations

import importlib
import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from pytest_iaccompliance.cdktf.reads import ReadLog, env_digest, module_reads, path_digest, recording

SECRET = "canary-s3cr3t-value"


def test_variable_reads_are_recorded_in_every_form(monkeypatch: pytest.MonkeyPatch) -> None:
    from os import environ

    monkeypatch.setenv("IAC_R_SET", SECRET)
    for name in ("IAC_R_ITEM", "IAC_R_GET", "IAC_R_IN", "IAC_R_GETENV", "IAC_R_IMPORTED", "IAC_R_BYTES"):
        monkeypatch.delenv(name, raising=False)
    with recording() as log:
        with pytest.raises(KeyError):
            os.environ["IAC_R_ITEM"]
        os.environ.get("IAC_R_GET")
        assert "IAC_R_IN" not in os.environ
        os.getenv("IAC_R_GETENV")
        environ.get("IAC_R_IMPORTED")
        os.environb.get(b"IAC_R_BYTES")
        assert os.environ["IAC_R_SET"] == SECRET
    assert sorted(log.env) == [
        "IAC_R_BYTES", "IAC_R_GET", "IAC_R_GETENV", "IAC_R_IMPORTED", "IAC_R_IN", "IAC_R_ITEM", "IAC_R_SET"
    ]
    assert log.env["IAC_R_ITEM"] is None  # absent is recorded too: setting it later matters
    assert SECRET not in json.dumps(log.to_json())
    assert log.unknown == []


def test_a_changed_variable_is_named_never_its_value(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("IAC_R_MODE", SECRET)
    with recording() as log:
        os.environ.get("IAC_R_MODE")
    assert log.stale() is None
    monkeypatch.setenv("IAC_R_MODE", "other")
    assert log.stale() == "environment variable IAC_R_MODE"
    monkeypatch.delenv("IAC_R_MODE")
    assert log.stale() == "environment variable IAC_R_MODE"
    monkeypatch.setenv("IAC_R_MODE", SECRET)
    assert log.stale() is None


@pytest.mark.parametrize(
    "read",
    [
        lambda: dict(os.environ),
        lambda: os.environ.copy(),
        lambda: list(os.environ.items()),
        lambda: len(os.environ),
        lambda: repr(os.environ),
        lambda: os.environ | {"A": "1"},
    ],
    ids=["dict", "copy", "items", "len", "repr", "or"],
)
def test_reading_the_whole_environment_cannot_be_checked(read: object) -> None:
    with recording() as log:
        read()  # type: ignore[operator]
    assert len(log.unknown) == 1
    assert log.unknown[0].startswith(f"read the whole environment at {__file__}:")


def test_file_and_folder_reads_are_checked_by_content(tmp_path: Path) -> None:
    config = tmp_path / "config.json"
    config.write_text('{"port": 22}')
    (tmp_path / "lambdas").mkdir()
    with recording() as log:
        config.read_text()
        sorted((tmp_path / "lambdas").iterdir())
        (tmp_path / "written.txt").write_text("output")  # written, not read
        with pytest.raises(FileNotFoundError):
            (tmp_path / "absent.json").read_text()
    assert sorted(log.files) == [
        f"dir:{tmp_path / 'lambdas'}",
        f"file:{tmp_path / 'absent.json'}",
        f"file:{config}",
    ]
    assert log.stale() is None
    config.write_text('{"port": 23}')  # the same size, and most likely the same mtime
    assert log.stale() == f"file {config}"
    config.write_text('{"port": 22}')
    (tmp_path / "lambdas" / "new.py").write_text("")
    assert log.stale() == f"folder {tmp_path / 'lambdas'}"
    (tmp_path / "lambdas" / "new.py").unlink()
    (tmp_path / "absent.json").write_text("{}")
    assert log.stale() == f"file {tmp_path / 'absent.json'}"


def test_a_fifo_is_unknown_and_never_blocks(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.json"
    os.mkfifo(fifo)
    with recording() as log:
        os.close(os.open(fifo, os.O_RDONLY | os.O_NONBLOCK))
    assert log.unknown == [f"read {fifo}, which is not a regular file"]
    assert path_digest(str(fifo), listing=False) == "special"


def test_subprocesses_and_the_network_cannot_be_checked() -> None:
    with recording() as log:
        subprocess.run(["true"], check=True)
        socket.getaddrinfo("localhost", 80)
    assert [reason.split(" at ")[0] for reason in log.unknown] == ["ran a subprocess (true)", "used the network"]


def test_reads_by_this_package_and_of_installed_files_are_not_the_stacks(tmp_path: Path) -> None:
    mine = tmp_path / "mine.txt"
    mine.write_text("x")
    with recording() as log:
        path_digest(str(mine), listing=False)  # this package's own read
        Path(json.__file__).read_text()  # the standard library
        Path(pytest.__file__).read_text()  # an installed distribution, keyed by its version
    assert (log.env, log.files, log.unknown) == ({}, {}, [])


def test_what_a_project_module_reads_on_import_is_kept_for_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "iac_r_settings.py").write_text("import os\nNAMING = os.environ.get('IAC_R_NAMING')\n")
    (tmp_path / "iac_r_stack.py").write_text(
        "import iac_r_settings\nimport importlib\nimportlib.import_module('iac_r_late')\n"
    )
    (tmp_path / "iac_r_late.py").write_text("import os\nos.getenv('IAC_R_LATE')\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    for name in ("iac_r_settings", "iac_r_stack", "iac_r_late"):
        monkeypatch.delitem(sys.modules, name, raising=False)
    importlib.import_module("iac_r_stack")  # outside any synthesis, as a test module's import would
    stack = module_reads([str(tmp_path / "iac_r_stack.py")])
    assert sorted(stack.env) == ["IAC_R_LATE", "IAC_R_NAMING"]
    # The modules it imported count as read, by their source (not their __pycache__ file).
    assert {f"file:{tmp_path / 'iac_r_settings.py'}", f"file:{tmp_path / 'iac_r_late.py'}"} <= set(stack.files)
    assert module_reads([str(tmp_path / "iac_r_settings.py")]).env == {"IAC_R_NAMING": None}
    # Imported afresh (a later test, a reload) with another value: only the latest import counts.
    monkeypatch.setenv("IAC_R_NAMING", "prefixed")
    del sys.modules["iac_r_settings"]
    importlib.import_module("iac_r_settings")
    assert module_reads([str(tmp_path / "iac_r_settings.py")]).env == {
        "IAC_R_NAMING": env_digest("IAC_R_NAMING", "prefixed")
    }


@pytest.mark.parametrize(
    "data",
    [None, [], {"env": {}}, {"env": {"A": 1}, "files": {}}, {"env": {}, "files": {"f": ["x"]}}],
)
def test_damaged_stored_logs_are_refused(data: object) -> None:
    assert ReadLog.from_json(data) is None
