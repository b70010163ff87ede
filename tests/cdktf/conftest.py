"""Shared set-up: the same tests run under cdktf and cdktn, whichever is installed."""

from __future__ import annotations

import importlib
import importlib.metadata
import importlib.util
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from types import ModuleType

ROOT = Path(__file__).resolve().parents[2]
LIB = "cdktf" if importlib.util.find_spec("cdktf") else "cdktn"
_HAS_ENTRY_POINT = any(
    ep.name == "iaccompliance" for ep in importlib.metadata.entry_points(group="pytest11")
)
# Inner pytest runs need the plugin: by its entry point when installed, else by name.
PLUGIN_ARGS: tuple[str, ...] = () if _HAS_ENTRY_POINT else ("-p", "pytest_iaccompliance.plugin")

# A module of stacks every pytester test writes next to its test files, with {lib} filled in.
STACKS_MODULE = """
from {lib} import App, S3Backend, TerraformResource, TerraformStack
import helpers


class BucketStack(TerraformStack):
    def __init__(self, scope, id, buckets=1, public=False):
        super().__init__(scope, id)
        S3Backend(self, bucket="state-bucket", key="app.tfstate", region="eu-west-1", encrypt=True)
        for index in range(buckets):
            bucket = TerraformResource(
                self, f"bucket{{index}}", terraform_resource_type="aws_s3_bucket"
            )
            bucket.add_override("bucket", helpers.bucket_name(index))
            if public:
                bucket.add_override("acl", "public-read")


class BrokenStack(TerraformStack):
    def __init__(self, scope, id):
        super().__init__(scope, id)
        raise ValueError("subnet count must be positive")


def two_stacks(app):
    BucketStack(app, "network", buckets=1)
    BucketStack(app, "data", buckets=2)
"""
HELPERS_MODULE = """
def bucket_name(index):
    return f"logs-{index}"
"""


@pytest.fixture(scope="session")
def lib() -> ModuleType:
    """The CDK for Terraform library under test (imports it, starting jsii)."""
    return importlib.import_module(LIB)


@pytest.fixture
def stack_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A project folder on sys.path holding ``stacks.py`` and ``helpers.py``, imported fresh."""
    (tmp_path / "stacks.py").write_text(STACKS_MODULE.format(lib=LIB))
    (tmp_path / "helpers.py").write_text(HELPERS_MODULE)
    monkeypatch.syspath_prepend(str(tmp_path))
    for name in ("stacks", "helpers"):
        monkeypatch.delitem(sys.modules, name, raising=False)
    return tmp_path


@pytest.fixture
def user_project(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> pytest.Pytester:
    """A pytester project with the stacks module, whose subprocess runs find this plugin."""
    pytester.makepyfile(stacks=STACKS_MODULE.format(lib=LIB), helpers=HELPERS_MODULE)
    pytester.makeini("[pytest]\n")
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join([str(ROOT), str(pytester.path)]))
    monkeypatch.syspath_prepend(str(pytester.path))
    for name in ("stacks", "helpers"):
        sys.modules.pop(name, None)
    return pytester
