"""Synthesis through the real jsii runtime: targets, multi-stack apps, metadata and bad input."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

import pytest

from pytest_iaccompliance.assertions import assert_compliant, assert_has_resource
from pytest_iaccompliance.cdktf import (
    StackTargetError,
    SynthCache,
    SynthError,
    SynthesizedApp,
    SynthesizedStack,
    Synthesizer,
    Testing,
    select_library,
    synthesize,
)
from pytest_iaccompliance.cdktf.errors import CdkLibraryError
from pytest_iaccompliance.model import ResourceSet
from tests.cdktf.conftest import LIB

if TYPE_CHECKING:
    from pathlib import Path
    from types import ModuleType


def _bucket_stack(lib: ModuleType) -> type:
    class InlineStack(lib.TerraformStack):  # type: ignore[misc, name-defined]
        def __init__(self, scope: object, id: str, name: str = "inline") -> None:
            super().__init__(scope, id)
            bucket = lib.TerraformResource(self, "b", terraform_resource_type="aws_s3_bucket")
            bucket.add_override("bucket", name)
            bucket.add_override("tags", {"owner": "team-a"})

    return InlineStack


def test_stack_class_with_arguments_is_a_resource_set(stack_dir: Path) -> None:
    stack = synthesize("stacks:BucketStack", "app", buckets=2)
    assert isinstance(stack, SynthesizedStack)
    assert isinstance(stack, ResourceSet)
    assert stack.name == "app"
    assert stack.get_resources("aws_s3_bucket") == [{"bucket": "logs-0"}, {"bucket": "logs-1"}]
    assert [r.address for r in stack] == ["aws_s3_bucket.bucket0", "aws_s3_bucket.bucket1"]
    first = stack.of_type("aws_s3_bucket")[0]
    assert first.source.path == "app/bucket0"
    assert first.source.file == str(stack_dir / "stacks.py")
    assert stack.metadata["library"] == LIB


def test_backend_and_providers_are_in_metadata(lib: ModuleType) -> None:
    class WithProvider(lib.TerraformStack):  # type: ignore[misc, name-defined]
        def __init__(self, scope: object, id: str) -> None:
            super().__init__(scope, id)
            lib.S3Backend(
                self,
                bucket="tf-state",
                key="k",
                region="us-east-1",
                encrypt=True,
                dynamodb_table="locks",
            )
            provider = lib.TerraformProvider(self, "aws", terraform_resource_type="aws")
            provider.add_override("region", "eu-central-1")

    stack = synthesize(WithProvider, "net")
    assert stack.backend_type == "s3"
    assert stack.backend == {
        "s3": {
            "bucket": "tf-state",
            "key": "k",
            "region": "us-east-1",
            "encrypt": True,
            "dynamodb_table": "locks",
        }
    }
    assert stack.metadata["backend"] == stack.backend
    assert stack.providers == {"aws": [{"region": "eu-central-1"}]}
    assert '"backend"' in stack.to_json()


def test_class_without_id_defaults_to_its_name(lib: ModuleType) -> None:
    stack = synthesize(_bucket_stack(lib))
    assert stack.name == "InlineStack"
    assert stack.get_resources("aws_s3_bucket") == [
        {"bucket": "inline", "tags": {"owner": "team-a"}}
    ]


def test_builder_function_and_multi_stack_app(stack_dir: Path) -> None:
    import stacks

    synthesizer = Synthesizer()
    app = synthesizer.app(stacks.two_stacks)
    assert isinstance(app, SynthesizedApp)
    assert sorted(app.stacks) == ["data", "network"]
    assert len(app) == 3
    assert len(app.stack("data").get_resources("aws_s3_bucket")) == 2
    assert app.stack("network").backend_type == "s3"
    assert synthesizer.stack(stacks.two_stacks, stack="data").name == "data"
    with pytest.raises(KeyError, match="no stack 'nope'; its stacks are: 'data', 'network'"):
        app.stack("nope")
    with pytest.raises(
        SynthError, match=r"built several stacks \('data', 'network'\): pass stack="
    ):
        synthesizer.stack(stacks.two_stacks)


def test_builder_returning_a_stack_makes_it_primary(lib: ModuleType) -> None:
    stack_class = _bucket_stack(lib)

    def build(app: object) -> object:
        stack_class(app, "first")
        return stack_class(app, "second", name="chosen")

    assert synthesize(build).get_resources("aws_s3_bucket")[0]["bucket"] == "chosen"


def test_stack_instance_and_no_leftover_outdir(
    lib: ModuleType, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    app = lib.Testing.app()
    stack = _bucket_stack(lib)(app, "made-by-hand", name="x")
    result = synthesize(stack)
    assert result.name == "made-by-hand"
    assert result.get_resources("aws_s3_bucket")[0]["bucket"] == "x"


def test_seed_testing_shim_synthesizes_an_app(lib: ModuleType) -> None:
    app = Testing.app()
    _bucket_stack(lib)(app, "test-vpc")
    synthesized = Testing.synth(app)
    assert synthesized.get_resources("aws_s3_bucket") == [
        {"bucket": "inline", "tags": {"owner": "team-a"}}
    ]
    assert synthesized.stack("test-vpc").name == "test-vpc"
    # Everything else is the library's own Testing.
    assert Testing.synth_scope == lib.Testing.synth_scope


def test_constructor_error_names_the_stack_class(stack_dir: Path) -> None:
    with pytest.raises(SynthError) as info:
        synthesize("stacks:BrokenStack", "broken")
    message = str(info.value)
    assert (
        "stack class stacks.BrokenStack raised ValueError: subnet count must be positive" in message
    )
    assert f"at {stack_dir / 'stacks.py'}:" in message
    assert "BrokenStack(app, 'broken', ...)" in message


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        (42, "cannot synthesize int object 42"),
        ("stacks", "is not of the form 'package.module:StackClass'"),
        ("stacks:Missing", "module 'stacks' has no 'Missing'"),
        ("no_such_module_xyz:Stack", "cannot import 'no_such_module_xyz'"),
        ("stacks.helpers:bucket_name", "cannot import 'stacks.helpers'"),
    ],
)
def test_bad_targets_get_a_clear_error(stack_dir: Path, target: object, expected: str) -> None:
    with pytest.raises(StackTargetError, match=expected.replace("(", r"\(").replace(")", r"\)")):
        synthesize(target)


def test_class_that_is_not_a_stack(stack_dir: Path) -> None:
    class NotAStack:
        def __init__(self, scope: object, id: str) -> None:
            pass

    with pytest.raises(StackTargetError, match="NotAStack is not a TerraformStack subclass"):
        synthesize(NotAStack)


def test_validation_failure_names_the_stack(lib: ModuleType) -> None:
    class Duplicate(lib.TerraformStack):  # type: ignore[misc, name-defined]
        def __init__(self, scope: object, id: str) -> None:
            super().__init__(scope, id)
            lib.TerraformResource(self, "same", terraform_resource_type="aws_vpc")
            lib.TerraformResource(self, "same", terraform_resource_type="aws_vpc")

    with pytest.raises(
        SynthError, match=r"Duplicate raised RuntimeError: There is already a Construct"
    ):
        synthesize(Duplicate, "dup")


def test_library_selection() -> None:
    assert select_library().name == LIB
    assert select_library(LIB.upper()).name == LIB
    with pytest.raises(CdkLibraryError, match="unknown CDK library 'cdk8s'"):
        select_library("cdk8s")
    other = "cdktn" if LIB == "cdktf" else "cdktf"
    if other not in sys.modules and select_library_missing(other):
        with pytest.raises(
            CdkLibraryError,
            match=f"{other} was asked for but is not installed: pip install {other}",
        ):
            select_library(other)


def select_library_missing(name: str) -> bool:
    import importlib.util

    return importlib.util.find_spec(name) is None


def test_cache_hit_returns_the_same_documents(stack_dir: Path, tmp_path: Path) -> None:
    cache = SynthCache(tmp_path / "cache")
    cold = Synthesizer(cache)
    first = cold("stacks:BucketStack", "app")
    assert (cold.stats.misses, cold.stats.hits) == (1, 0)
    warm = Synthesizer(cache)
    second = warm("stacks:BucketStack", "app")
    assert (warm.stats.misses, warm.stats.hits) == (0, 1)
    assert second.document == first.document
    assert [r.source for r in second] == [r.source for r in first]
    assert list((tmp_path / "cache").iterdir()) == [next((tmp_path / "cache").glob("*.json"))]


def test_assertions_on_a_synthesized_stack(stack_dir: Path) -> None:
    stack = synthesize("stacks:BucketStack", "app", buckets=2, public=True)
    bucket = assert_has_resource(stack, "aws_s3_bucket", {"bucket": "logs-1", "acl": "public-read"})
    assert bucket.source.path == "app/bucket1"
    with pytest.raises(AssertionError) as info:
        assert_compliant(stack)
    assert "AWS-S3-001 aws_s3_bucket.bucket0 (app/bucket0)" in str(info.value)
