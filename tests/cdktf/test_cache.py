"""The synth cache's key and store: what invalidates an entry, and entries that cannot tear."""

from __future__ import annotations

import enum
import json
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pytest_iaccompliance.cdktf import SynthCache, Synthesizer
from pytest_iaccompliance.cdktf.cache import (
    Uncacheable,
    find_module_file,
    is_project_file,
    project_sources,
    stable_form,
)
from tests.cdktf.conftest import LIB

if TYPE_CHECKING:
    from types import ModuleType


class Colour(enum.Enum):
    RED = "red"


@dataclass(frozen=True)
class Sizing:
    count: int
    names: tuple[str, ...]


class Opaque:
    pass


def test_stable_form_distinguishes_what_can_change_the_output() -> None:
    forms = [stable_form(v) for v in (1, 1.0, "1", True, (1,), [1], {1}, Colour.RED, Path("a"))]
    assert len({json.dumps(f) for f in forms}) == len(forms)
    assert stable_form({"b": 1, "a": 2}) == stable_form({"a": 2, "b": 1})
    assert stable_form(Sizing(2, ("a",))) != stable_form(Sizing(3, ("a",)))


def test_stable_form_refuses_objects_without_a_stable_repr() -> None:
    with pytest.raises(
        Uncacheable, match=r"keyword argument\['vpc'\] of type .*Opaque has no stable"
    ):
        stable_form({"vpc": Opaque()}, "keyword argument")


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda children: st.lists(children) | st.dictionaries(st.text(), children),
    max_leaves=20,
)


@given(json_values)
def test_stable_form_is_json_and_deterministic(value: object) -> None:
    text = json.dumps(stable_form(value), sort_keys=True)
    assert json.dumps(stable_form(json.loads(json.dumps(value))), sort_keys=True) == text


def test_project_sources_follow_project_imports_only(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    package = tmp_path / "infra"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "stack.py").write_text(
        f"import json\nimport {LIB}\nfrom constructs import Construct\nfrom . import naming\n"
        "from .sub import tags\n"
    )
    (package / "naming.py").write_text("PREFIX = 'x'\n")
    (package / "sub").mkdir()
    (package / "sub" / "__init__.py").write_text("")
    (package / "sub" / "tags.py").write_text("from ..naming import PREFIX\n")
    (tmp_path / "unused.py").write_text("")
    monkeypatch.syspath_prepend(str(tmp_path))
    digests, versions = project_sources("infra.stack")
    names = sorted(Path(p).relative_to(tmp_path.resolve()).as_posix() for p in digests)
    assert names == [
        "infra/__init__.py",
        "infra/naming.py",
        "infra/stack.py",
        "infra/sub/__init__.py",
        "infra/sub/tags.py",
    ]
    assert {LIB, "jsii", "constructs"} <= set(versions)
    assert "infra.stack" not in sys.modules  # keyed without importing


def test_library_files_are_not_project_files() -> None:
    assert not is_project_file(Path(json.__file__))
    assert not is_project_file(Path(pytest.__file__))
    assert is_project_file(Path(__file__))
    assert find_module_file("json") == Path(json.__file__)


def test_no_source_file_is_uncacheable() -> None:
    with pytest.raises(Uncacheable, match="'no_such_module_abc' has no source file"):
        project_sources("no_such_module_abc")


def _fresh(*names: str) -> None:
    for name in names:
        sys.modules.pop(name, None)


def test_changing_a_transitively_imported_module_resynthesizes(
    stack_dir: Path, tmp_path: Path
) -> None:
    cache = SynthCache(tmp_path / "cache")
    first = Synthesizer(cache)("stacks:BucketStack", "app")
    assert first.get_resources("aws_s3_bucket") == [{"bucket": "logs-0"}]
    # A new process (modules not yet imported) with helpers.py edited.
    _fresh("stacks", "helpers")
    (stack_dir / "helpers.py").write_text("def bucket_name(index):\n    return f'audit-{index}'\n")
    again = Synthesizer(cache)
    second = again("stacks:BucketStack", "app")
    assert again.stats.misses == 1
    assert second.get_resources("aws_s3_bucket") == [{"bucket": "audit-0"}]


def test_changing_arguments_resynthesizes(stack_dir: Path, tmp_path: Path) -> None:
    cache = SynthCache(tmp_path / "cache")
    synthesizer = Synthesizer(cache)
    synthesizer("stacks:BucketStack", "app", buckets=1)
    two = synthesizer("stacks:BucketStack", "app", buckets=2)
    other_id = synthesizer("stacks:BucketStack", "other", buckets=2)
    assert (synthesizer.stats.misses, synthesizer.stats.hits) == (3, 0)
    assert len(two) == 2
    assert other_id.name == "other"
    assert len(list((tmp_path / "cache").glob("*.json"))) == 3


def test_class_and_builder_targets_are_cached_too(stack_dir: Path, tmp_path: Path) -> None:
    import stacks

    cache = SynthCache(tmp_path / "cache")
    Synthesizer(cache).app(stacks.two_stacks)
    Synthesizer(cache)(stacks.BucketStack, "app")
    warm = Synthesizer(cache)
    warm.app(stacks.two_stacks)
    warm(stacks.BucketStack, "app")
    assert (warm.stats.hits, warm.stats.misses) == (2, 0)


def test_closure_variables_are_part_of_the_key(stack_dir: Path, tmp_path: Path) -> None:
    import stacks

    def builder_for(count: int):  # type: ignore[no-untyped-def]
        def build(app: object) -> None:
            stacks.BucketStack(app, "app", buckets=count)

        return build

    synthesizer = Synthesizer(SynthCache(tmp_path / "cache"))
    assert len(synthesizer(builder_for(1))) == 1
    assert len(synthesizer(builder_for(3))) == 3
    assert synthesizer.stats.misses == 2


def test_instances_and_unstable_arguments_are_synthesized_uncached(
    stack_dir: Path, tmp_path: Path, lib: ModuleType
) -> None:
    import stacks

    synthesizer = Synthesizer(SynthCache(tmp_path / "cache"))
    app = lib.App(outdir=str(tmp_path / "out"))
    synthesizer(stacks.BucketStack(app, "built"))

    def build(app: object, marker: object) -> None:
        stacks.BucketStack(app, "app")

    synthesizer(build, Opaque())
    assert synthesizer.stats.uncached == 2
    assert synthesizer.stats.misses == 0
    assert "a stack instance is already built" in synthesizer.stats.reasons[0]
    assert "positional argument[0] of type" in synthesizer.stats.reasons[1]
    assert not (tmp_path / "cache").exists()


def test_modes(stack_dir: Path, tmp_path: Path) -> None:
    directory = tmp_path / "cache"
    off = Synthesizer(SynthCache(directory, "off"))
    off("stacks:BucketStack", "app")
    off("stacks:BucketStack", "app")
    assert not directory.exists()
    assert (off.stats.hits, off.stats.misses) == (0, 2)
    Synthesizer(SynthCache(directory, "on"))("stacks:BucketStack", "app")
    (entry,) = directory.glob("*.json")
    before = entry.stat().st_mtime_ns
    os.utime(entry, ns=(before - 10**9, before - 10**9))
    refresh = Synthesizer(SynthCache(directory, "refresh"))
    refresh("stacks:BucketStack", "app")
    assert (refresh.stats.hits, refresh.stats.misses) == (0, 1)
    assert entry.stat().st_mtime_ns > before - 10**9
    with pytest.raises(ValueError, match="synth cache mode 'sometimes'"):
        SynthCache(directory, "sometimes")


def test_corrupt_or_foreign_entries_are_misses(stack_dir: Path, tmp_path: Path) -> None:
    directory = tmp_path / "cache"
    Synthesizer(SynthCache(directory))("stacks:BucketStack", "app")
    (entry,) = directory.glob("*.json")
    for garbage in ("{", "[]", json.dumps({"format": 999}), ""):
        entry.write_text(garbage)
        again = Synthesizer(SynthCache(directory))
        assert len(again("stacks:BucketStack", "app")) == 1
        assert again.stats.misses == 1
    assert json.loads(entry.read_text())["key"] == entry.stem
    assert [p.name for p in directory.iterdir()] == [entry.name]  # no temporary files left


def test_store_is_atomic_under_concurrent_writers(tmp_path: Path) -> None:
    from concurrent.futures import ThreadPoolExecutor

    cache = SynthCache(tmp_path)
    big = {
        "stacks": {
            "s": {
                "resource": {"aws_s3_bucket": {f"b{i}": {"bucket": "x" * 200} for i in range(2000)}}
            }
        }
    }

    def write(_: int) -> None:
        cache.store("k" * 64, {**big, "reads": {"env": {}, "files": {}}})
        (loaded,) = cache.load("k" * 64)
        assert loaded["stacks"] == big["stacks"]

    with ThreadPoolExecutor(max_workers=4) as pool:
        list(pool.map(write, range(16)))
    assert [p.name for p in tmp_path.iterdir()] == ["k" * 64 + ".json"]


# -- what synthesis read ------------------------------------------------------------------------
# A stack whose output depends on the environment, a file next to it, and a variable its module
# reads when imported; none of them is in its source or arguments.
READING_MODULE = """
import json
import os
from pathlib import Path

from {lib} import TerraformAsset, TerraformResource, TerraformStack

NAMING = os.environ.get("IAC_TEST_NAMING", "plain")


class FirewallStack(TerraformStack):
    def __init__(self, scope, id):
        super().__init__(scope, id)
        group = TerraformResource(self, "sg", terraform_resource_type="aws_security_group")
        group.add_override("name", NAMING)
        if os.environ.get("IAC_TEST_OPEN_SSH") == "1":
            group.add_override("ingress", [{{"from_port": 22, "to_port": 22, "cidr_blocks": ["0.0.0.0/0"]}}])
        if os.getenv("IAC_TEST_TOKEN") == "canary-s3cr3t-value":
            group.add_override("description", "token matched")


class PortsStack(TerraformStack):
    def __init__(self, scope, id):
        super().__init__(scope, id)
        ports = json.loads((Path(__file__).parent / "ports.json").read_text())
        for port in ports:
            group = TerraformResource(self, f"sg{{port}}", terraform_resource_type="aws_security_group")
            group.add_override("ingress", [{{"from_port": port, "to_port": port}}])


class EnvironmentDumpStack(TerraformStack):
    def __init__(self, scope, id):
        super().__init__(scope, id)
        group = TerraformResource(self, "sg", terraform_resource_type="aws_security_group")
        group.add_override("tags", {{"variables": str(len(dict(os.environ)))}})


class AssetStack(TerraformStack):
    def __init__(self, scope, id):
        super().__init__(scope, id)
        TerraformAsset(self, "code", path=str(Path(__file__).parent / "ports.json"))


class SubprocessStack(TerraformStack):
    def __init__(self, scope, id):
        super().__init__(scope, id)
        import subprocess

        name = subprocess.run(["echo", "from-a-command"], capture_output=True, text=True).stdout.strip()
        TerraformResource(self, "sg", terraform_resource_type="aws_security_group").add_override("name", name)
"""

_VARIABLES = ("IAC_TEST_OPEN_SSH", "IAC_TEST_NAMING", "IAC_TEST_TOKEN")


@pytest.fixture
def reading_dir(stack_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (stack_dir / "reading.py").write_text(READING_MODULE.format(lib=LIB))
    (stack_dir / "ports.json").write_text("[22]")
    monkeypatch.delitem(sys.modules, "reading", raising=False)
    for name in _VARIABLES:
        monkeypatch.delenv(name, raising=False)
    return stack_dir


def _ingress(stack: object) -> list[object]:
    return [body.get("ingress") for body in stack.get_resources("aws_security_group")]  # type: ignore[attr-defined]


def test_a_variable_read_during_synthesis_invalidates_the_result_in_the_same_session(
    reading_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    synthesizer = Synthesizer(SynthCache(tmp_path / "cache"))
    closed = synthesizer("reading:FirewallStack", "fw")
    monkeypatch.setenv("IAC_TEST_OPEN_SSH", "1")
    opened = synthesizer("reading:FirewallStack", "fw")
    assert _ingress(closed) == [None]
    assert _ingress(opened) == [[{"from_port": 22, "to_port": 22, "cidr_blocks": ["0.0.0.0/0"]}]]
    assert (synthesizer.stats.misses, synthesizer.stats.stale, synthesizer.stats.hits) == (2, 1, 0)
    assert synthesizer.stats.changed == ["reading:FirewallStack: environment variable IAC_TEST_OPEN_SSH changed"]
    # Unchanged reads still hit, for each value seen: both variants are kept.
    again = synthesizer("reading:FirewallStack", "fw")
    monkeypatch.delenv("IAC_TEST_OPEN_SSH")
    closed_again = synthesizer("reading:FirewallStack", "fw")
    assert (again, closed_again) == (opened, closed)
    assert (synthesizer.stats.misses, synthesizer.stats.hits) == (2, 2)


def test_stored_results_are_checked_against_the_variables_they_read(
    reading_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cache = SynthCache(tmp_path / "cache")
    monkeypatch.setenv("IAC_TEST_TOKEN", "canary-s3cr3t-value")
    Synthesizer(cache)("reading:FirewallStack", "fw")
    (entry,) = (tmp_path / "cache").glob("*.json")
    assert "canary-s3cr3t" not in entry.read_text()  # variables are stored as digests only
    # A later process: same source and arguments, another value.
    _fresh("reading")
    monkeypatch.setenv("IAC_TEST_TOKEN", "other")
    later = Synthesizer(cache)
    assert [b.get("description") for b in later("reading:FirewallStack", "fw").get_resources("aws_security_group")] == [
        None
    ]
    assert (later.stats.misses, later.stats.stale) == (1, 1)
    _fresh("reading")
    monkeypatch.setenv("IAC_TEST_TOKEN", "canary-s3cr3t-value")
    warm = Synthesizer(cache)
    stack = warm("reading:FirewallStack", "fw")
    assert [b.get("description") for b in stack.get_resources("aws_security_group")] == ["token matched"]
    assert (warm.stats.hits, warm.stats.misses) == (1, 0)


def test_a_variable_read_when_the_stack_module_is_imported_is_part_of_the_entry(
    reading_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cache = SynthCache(tmp_path / "cache")
    Synthesizer(cache)("reading:FirewallStack", "fw")
    _fresh("reading")
    monkeypatch.setenv("IAC_TEST_NAMING", "prefixed")
    later = Synthesizer(cache)
    stack = later("reading:FirewallStack", "fw")
    assert [b["name"] for b in stack.get_resources("aws_security_group")] == ["prefixed"]
    assert later.stats.changed == ["reading:FirewallStack: environment variable IAC_TEST_NAMING changed"]
    # A class target imported by the test itself: its import was recorded too.
    _fresh("reading")
    monkeypatch.setenv("IAC_TEST_NAMING", "plain")
    import reading  # type: ignore[import-not-found]

    by_class = Synthesizer(cache)
    assert [b["name"] for b in by_class(reading.FirewallStack, "fw").get_resources("aws_security_group")] == ["plain"]


def test_a_file_read_during_synthesis_invalidates_the_result(reading_dir: Path, tmp_path: Path) -> None:
    synthesizer = Synthesizer(SynthCache(tmp_path / "cache"))
    first = synthesizer("reading:PortsStack", "ports")
    (reading_dir / "ports.json").write_text("[23]")  # same size, likely the same mtime
    second = synthesizer("reading:PortsStack", "ports")
    assert _ingress(first) == [[{"from_port": 22, "to_port": 22}]]
    assert _ingress(second) == [[{"from_port": 23, "to_port": 23}]]
    assert synthesizer.stats.changed == [f"reading:PortsStack: file {reading_dir / 'ports.json'} changed"]
    assert synthesizer("reading:PortsStack", "ports") is second
    assert (synthesizer.stats.hits, synthesizer.stats.misses) == (1, 2)


def test_synthesis_whose_reads_cannot_be_known_is_not_cached(reading_dir: Path, tmp_path: Path) -> None:
    synthesizer = Synthesizer(SynthCache(tmp_path / "cache"))
    for _ in range(2):
        synthesizer("reading:EnvironmentDumpStack", "dump")
        synthesizer("reading:SubprocessStack", "spawn")
    assert (synthesizer.stats.uncached, synthesizer.stats.hits, synthesizer.stats.misses) == (4, 0, 0)
    dump, spawn = synthesizer.stats.reasons[:2]
    assert dump.startswith("reading:EnvironmentDumpStack: read the whole environment at ")
    assert f"{reading_dir / 'reading.py'}:" in dump
    assert spawn.startswith("reading:SubprocessStack: ran a subprocess (echo) at ")
    assert not list((tmp_path / "cache").glob("*.json"))


def test_a_stack_with_assets_is_not_cached(reading_dir: Path, tmp_path: Path) -> None:
    synthesizer = Synthesizer(SynthCache(tmp_path / "cache"))
    synthesizer("reading:AssetStack", "assets")
    synthesizer("reading:AssetStack", "assets")
    assert (synthesizer.stats.uncached, synthesizer.stats.hits) == (2, 0)
    assert synthesizer.stats.reasons[0] == (
        "reading:AssetStack: stack 'assets' has assets, files node reads that cannot be recorded"
    )


EARLY_IMPORT_SCRIPT = """
import sys
{first}
from pytest_iaccompliance.cdktf import SynthCache, Synthesizer
{second}
synthesizer = Synthesizer(SynthCache(sys.argv[1]))
synthesizer(stacks.BucketStack, "app")
print(synthesizer.stats.misses, synthesizer.stats.uncached, synthesizer.stats.reasons)
"""


@pytest.mark.parametrize("early", [True, False], ids=["stack-imported-first", "package-imported-first"])
def test_a_stack_module_imported_before_recording_began_is_not_cached(
    stack_dir: Path, tmp_path: Path, early: bool
) -> None:
    import subprocess

    from tests.cdktf.conftest import ROOT

    script = stack_dir / "synth_script.py"
    lines = ("import stacks", "")
    script.write_text(EARLY_IMPORT_SCRIPT.format(first=lines[0 if early else 1], second=lines[1 if early else 0]))
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), str(stack_dir)])}
    completed = subprocess.run(
        [sys.executable, str(script), str(tmp_path / "cache")], env=env, capture_output=True, text=True, check=True
    )
    if early:
        assert completed.stdout.startswith("0 1 ")
        assert f"{stack_dir / 'helpers.py'} was imported before pytest_iaccompliance.cdktf, so what it read" in (
            completed.stdout
        )
    else:
        assert completed.stdout.strip() == "1 0 []"


def test_variables_the_library_reads_in_node_are_part_of_the_key(
    stack_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cache = SynthCache(tmp_path / "cache")
    monkeypatch.delenv("CDKTF_CONTEXT_JSON", raising=False)
    Synthesizer(cache)("stacks:BucketStack", "app")
    monkeypatch.setenv("CDKTF_CONTEXT_JSON", '{"unused": 1}')  # node's context: Python never reads it
    later = Synthesizer(cache)
    later("stacks:BucketStack", "app")
    assert (later.stats.hits, later.stats.misses) == (0, 1)
    assert len(list((tmp_path / "cache").glob("*.json"))) == 2
