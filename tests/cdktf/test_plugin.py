"""The cdktf_synth fixture and --iac-synth-cache from a user's seat (pytester)."""

from __future__ import annotations

import json
import os
import textwrap
from typing import TYPE_CHECKING

import pytest

from pytest_iaccompliance.options import OPT_SYNTH_CACHE
from tests.cdktf.conftest import LIB, PLUGIN_ARGS

if TYPE_CHECKING:
    from pathlib import Path

USER_TESTS = f"""
import pytest
import stacks
from {LIB} import Testing as LibTesting
from pytest_iaccompliance.assertions import assert_has_resource, assert_resource_count


def test_class_with_arguments(cdktf_synth):
    stack = cdktf_synth(stacks.BucketStack, "app", buckets=2)
    assert stack.get_resources("aws_s3_bucket") == [{{"bucket": "logs-0"}}, {{"bucket": "logs-1"}}]
    assert stack.metadata["backend"]["s3"]["encrypt"] is True


def test_reference_string(cdktf_synth):
    assert cdktf_synth("stacks:BucketStack", "app").name == "app"


def test_builder_function(cdktf_synth):
    assert len(cdktf_synth(stacks.two_stacks, stack="data")) == 2


def test_multi_stack_app(cdktf_synth):
    app = cdktf_synth.app(stacks.two_stacks)
    assert sorted(app.stacks) == ["data", "network"]
    assert app.stack("network").backend_type == "s3"


def test_instance(cdktf_synth):
    stack = stacks.BucketStack(LibTesting.app(), "by-hand", buckets=3)
    assert_resource_count(cdktf_synth(stack), "aws_s3_bucket", 3)


def test_assertion_message(cdktf_synth):
    stack = cdktf_synth(stacks.BucketStack, "app")
    assert_has_resource(stack, "aws_s3_bucket", {{"bucket": "logs-0", "acl": "private"}})


def test_constructor_raises(cdktf_synth):
    cdktf_synth(stacks.BrokenStack, "broken")


def test_not_a_stack(cdktf_synth):
    cdktf_synth(42)


def test_several_stacks_without_a_name(cdktf_synth):
    cdktf_synth(stacks.two_stacks)
"""

SEED_STYLE = '''
import pytest
from pytest_iaccompliance.cdktf import Testing
from my_infra import VpcStack

@pytest.fixture
def synthesized_stack():
 """Mock CDKTF synthesis for isolated compliance validation."""
 app = Testing.app()
 stack = VpcStack(app, "test-vpc")
 return Testing.synth(app)

def test_security_group_ingress_rules(synthesized_stack):
 """Assert synthesized infrastructure against CIS benchmarks."""
 sg_resources = synthesized_stack.get_resources("aws_security_group")
 for sg in sg_resources:
  ingress = sg.get("ingress", [])
  assert not any(rule.get("cidr_blocks") == ["0.0.0.0/0"] for rule in ingress), \\
   "CIS Violation: Unrestricted ingress detected"

def test_encryption_flags_across_resources(synthesized_stack):
 """Verify encryption is enabled on all supported resources."""
 rds_instances = synthesized_stack.get_resources("aws_db_instance")
 for db in rds_instances:
  assert db.get("storage_encrypted") is True, "CIS Violation: RDS encryption disabled"
'''

MY_INFRA = """
from {lib} import TerraformResource, TerraformStack


class VpcStack(TerraformStack):
    def __init__(self, scope, id):
        super().__init__(scope, id)
        sg = TerraformResource(self, "web", terraform_resource_type="aws_security_group")
        sg.add_override("ingress", [{{"from_port": 443, "to_port": 443, "protocol": "tcp",
                                      "cidr_blocks": [{cidr!r}]}}])
        db = TerraformResource(self, "db", terraform_resource_type="aws_db_instance")
        db.add_override("storage_encrypted", {encrypted})
"""


def test_fixture_from_a_users_seat(user_project: pytest.Pytester) -> None:
    user_project.makepyfile(test_user=USER_TESTS)
    source = (user_project.path / "stacks.py").read_text().splitlines()
    raise_line = next(i for i, line in enumerate(source, 1) if "raise ValueError" in line)
    result = user_project.runpytest(*PLUGIN_ARGS)
    result.assert_outcomes(passed=5, failed=4)
    result.stdout.fnmatch_lines(
        [
            "*no aws_s3_bucket in stack 'app' has properties "
            "{'bucket': 'logs-0', 'acl': 'private'}; "
            "1 candidate(s):",
            "*  aws_s3_bucket.bucket0 (*stacks.py :: app/bucket0): "
            "acl: missing (expected 'private')",
        ]
    )
    # Bad input fails with one line naming the stack, not a jsii traceback.
    result.stdout.fnmatch_lines(
        [
            "*_ test_constructor_raises _*",
            "stack class stacks.BrokenStack raised ValueError: subnet count must be positive at "
            f"*stacks.py:{raise_line} while being constructed as BrokenStack(app, 'broken', ...)",
        ]
    )
    result.stdout.fnmatch_lines(
        [
            "*_ test_not_a_stack _*",
            "cannot synthesize int object 42; pass a TerraformStack subclass*",
        ]
    )
    result.stdout.fnmatch_lines(["*built several stacks ('data', 'network'): pass stack='name'*"])
    assert "jsii.errors" not in result.stdout.str()
    assert "During handling" not in result.stdout.str()
    assert "PytestCollectionWarning" not in result.stdout.str()


def test_seed_module_with_only_its_import_changed(user_project: pytest.Pytester) -> None:
    user_project.makepyfile(
        my_infra=MY_INFRA.format(lib=LIB, cidr="10.0.0.0/8", encrypted=True), test_seed=SEED_STYLE
    )
    user_project.runpytest(*PLUGIN_ARGS).assert_outcomes(passed=2)
    user_project.makepyfile(my_infra=MY_INFRA.format(lib=LIB, cidr="0.0.0.0/0", encrypted=False))
    import sys

    sys.modules.pop("my_infra", None)
    result = user_project.runpytest(*PLUGIN_ARGS)
    result.assert_outcomes(failed=2)
    result.stdout.fnmatch_lines(
        [
            "*AssertionError: CIS Violation: Unrestricted ingress detected",
            "*AssertionError: CIS Violation: RDS encryption disabled",
        ]
    )


def test_seed_fixture_built_on_cdktf_synth(user_project: pytest.Pytester) -> None:
    seed = (
        SEED_STYLE.replace("from pytest_iaccompliance.cdktf import Testing\n", "")
        .replace(
            ' app = Testing.app()\n stack = VpcStack(app, "test-vpc")\n return Testing.synth(app)',
            ' return cdktf_synth(VpcStack, "test-vpc")',
        )
        .replace("def synthesized_stack():", "def synthesized_stack(cdktf_synth):")
    )
    user_project.makepyfile(
        my_infra=MY_INFRA.format(lib=LIB, cidr="0.0.0.0/0", encrypted=True), test_seed=seed
    )
    result = user_project.runpytest(*PLUGIN_ARGS)
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(["*CIS Violation: Unrestricted ingress detected"])


def test_node_missing_is_one_clear_failure(
    user_project: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("JSII_NODE", "/nonexistent/node")
    user_project.makepyfile(
        test_user_node="def test_synth(cdktf_synth):\n"
        "    cdktf_synth('stacks:BucketStack', 'app')\n"
    )
    result = user_project.runpytest(*PLUGIN_ARGS, OPT_SYNTH_CACHE, "off")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        ["cannot run Node.js at '/nonexistent/node'*install Node.js 20 or newer*"]
    )
    assert "Traceback" not in result.stdout.str()


def test_bad_cache_option_values(user_project: pytest.Pytester) -> None:
    result = user_project.runpytest(*PLUGIN_ARGS, OPT_SYNTH_CACHE, "sometimes")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*--iac-synth-cache: invalid choice: 'sometimes'*"])
    user_project.makeini("[pytest]\niac_synth_cache = maybe\n")
    result = user_project.runpytest(*PLUGIN_ARGS)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(
        ["*ini iac_synth_cache expects one of on, off, refresh, got 'maybe'*"]
    )


CACHED_TEST = f"""
import sys

def test_stack(cdktf_synth):
    stack = cdktf_synth("stacks:BucketStack", "app", buckets={{buckets}})
    print("NAMES=" + ",".join(b["bucket"] for b in stack.get_resources("aws_s3_bucket")))

def test_zz_report():
    print("JSII_LOADED=" + str("jsii" in sys.modules), "LIB_LOADED=" + str({LIB!r} in sys.modules))
"""


def _entries(project: pytest.Pytester) -> list[Path]:
    return sorted((project.path / ".pytest_cache" / "d" / "iaccompliance-synth").glob("*"))


def _run(project: pytest.Pytester, *args: str) -> pytest.RunResult:
    # Its own interpreter: a warm run shows that jsii and the CDK library were never loaded.
    result = project.runpytest_subprocess(*PLUGIN_ARGS, "-s", "-p", "no:randomly", *args)
    assert result.ret == 0, result.stdout.str()
    return result


def test_cache_hit_miss_invalidation_refresh_and_off(user_project: pytest.Pytester) -> None:
    user_project.makepyfile(test_cached=CACHED_TEST.format(buckets=2))
    cold = _run(user_project)
    cold.stdout.fnmatch_lines(
        [
            "*NAMES=logs-0,logs-1*",
            "*JSII_LOADED=True*",
            "iaccompliance synth cache (on): 0 hit(s), 1 miss(es), 0 uncached",
        ]
    )
    (entry,) = _entries(user_project)

    warm = _run(user_project)
    warm.stdout.fnmatch_lines(
        [
            "*NAMES=logs-0,logs-1*",
            "*JSII_LOADED=False LIB_LOADED=False*",
            "iaccompliance synth cache (on): 1 hit(s), 0 miss(es), 0 uncached",
        ]
    )

    # Editing a module the stack imports re-synthesizes: a stale hit would print logs-*.
    user_project.makepyfile(helpers="def bucket_name(index):\n    return f'audit-{index}'\n")
    edited = _run(user_project)
    edited.stdout.fnmatch_lines(["*NAMES=audit-0,audit-1*", "*0 hit(s), 1 miss(es)*"])
    assert len(_entries(user_project)) == 2

    # So do other arguments.
    user_project.makepyfile(test_cached=CACHED_TEST.format(buckets=3))
    _run(user_project).stdout.fnmatch_lines(
        ["*NAMES=audit-0,audit-1,audit-2*", "*0 hit(s), 1 miss(es)*"]
    )
    newest = max(_entries(user_project), key=lambda p: p.stat().st_mtime_ns)
    stamp = newest.stat().st_mtime_ns - 10**9
    os.utime(newest, ns=(stamp, stamp))
    _run(user_project).stdout.fnmatch_lines(["*JSII_LOADED=False*", "*1 hit(s), 0 miss(es)*"])

    refreshed = _run(user_project, OPT_SYNTH_CACHE, "refresh")
    refreshed.stdout.fnmatch_lines(
        ["*JSII_LOADED=True*", "iaccompliance synth cache (refresh): 0 hit(s), 1 miss(es)*"]
    )
    assert newest.stat().st_mtime_ns > stamp
    assert json.loads(newest.read_text())["key"] == newest.stem

    before = {p: p.stat().st_mtime_ns for p in _entries(user_project)}
    off = _run(user_project, OPT_SYNTH_CACHE, "off")
    off.stdout.fnmatch_lines(
        ["*JSII_LOADED=True*", "iaccompliance synth cache (off): 0 hit(s), 1 miss(es)*"]
    )
    assert {p: p.stat().st_mtime_ns for p in _entries(user_project)} == before
    assert entry.exists()


XDIST_TEST = """
import pytest

@pytest.mark.parametrize("run", range(4))
def test_same_entry(cdktf_synth, run):
    assert len(cdktf_synth("stacks:BucketStack", "shared", buckets=2)) == 2

@pytest.mark.parametrize("buckets", [1, 3])
def test_other_entries(cdktf_synth, buckets):
    assert len(cdktf_synth("stacks:BucketStack", "other", buckets=buckets)) == buckets
"""


def test_xdist_workers_share_the_cache_without_corrupting_it(user_project: pytest.Pytester) -> None:
    user_project.makepyfile(test_a=XDIST_TEST, test_b=XDIST_TEST)
    result = user_project.runpytest_subprocess(*PLUGIN_ARGS, "-n", "2", "-p", "xdist")  # workers: own interpreters
    result.assert_outcomes(passed=12)
    entries = _entries(user_project)
    assert [p.suffix for p in entries] == [".json"] * 3  # no temporary file left behind
    for path in entries:
        assert json.loads(path.read_text())["key"] == path.stem
    user_project.makepyfile(test_c=CACHED_TEST.format(buckets=2).replace('"app"', '"shared"'))
    warm = _run(user_project, "test_c.py")
    warm.stdout.fnmatch_lines(["*JSII_LOADED=False*", "*1 hit(s), 0 miss(es)*"])


HYGIENE_TEST = f"""
import stacks
from {LIB} import Testing as LibTesting
from pytest_iaccompliance.cdktf import Testing

def test_fixture(cdktf_synth):
    cdktf_synth(stacks.BucketStack, "a")
    cdktf_synth.app(stacks.two_stacks)

def test_instance_from_library_testing_app(cdktf_synth):
    cdktf_synth(stacks.BucketStack(LibTesting.app(), "b"))

def test_seed_shim():
    app = Testing.app()
    stacks.BucketStack(app, "c")
    assert len(Testing.synth(app)) == 1

def test_shim_app_never_synthesized():
    Testing.app()
"""


def test_nothing_is_left_in_the_temp_dir(
    user_project: pytest.Pytester,
    tmp_path_factory: pytest.TempPathFactory,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    temp = tmp_path_factory.mktemp("isolated-tmp")
    monkeypatch.setenv("TMPDIR", str(temp))
    user_project.makepyfile(test_hygiene=HYGIENE_TEST)
    # Its own interpreter: jsii's runtime starts there, under this TMPDIR, and must clean up before it exits.
    result = user_project.runpytest_subprocess(
        *PLUGIN_ARGS, OPT_SYNTH_CACHE, "off", "--basetemp", str(user_project.path / "basetemp")
    )
    result.assert_outcomes(passed=4)
    assert sorted(p.name for p in temp.iterdir()) == []
    assert not (user_project.path / "cdktf.out").exists()


def test_the_banner_is_silenced_unless_the_user_set_the_variable(
    user_project: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    user_project.makepyfile(
        test_banner=textwrap.dedent("""
        import os
        def test_env(cdktf_synth):
            print("EOL=" + os.environ.get("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "unset"))
    """)
    )
    monkeypatch.delenv("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", raising=False)
    user_project.runpytest(*PLUGIN_ARGS, "-s").stdout.fnmatch_lines(["*EOL=20*"])
    assert "JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION" not in os.environ  # restored afterwards
    monkeypatch.setenv("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "22")
    user_project.runpytest(*PLUGIN_ARGS, "-s").stdout.fnmatch_lines(["*EOL=22*"])


def test_without_pytests_cache_synthesis_goes_uncached(user_project: pytest.Pytester) -> None:
    user_project.makepyfile(
        test_plain="def test_synth(cdktf_synth):\n"
        "    assert len(cdktf_synth('stacks:BucketStack', 'app')) == 1\n"
    )
    result = user_project.runpytest(*PLUGIN_ARGS, "-p", "no:cacheprovider")
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(
        ["iaccompliance synth cache (off): 0 hit(s), 1 miss(es), 0 uncached"]
    )
    assert not (user_project.path / ".pytest_cache").exists()


BRANCHING_STACK = f"""
import os
from {LIB} import TerraformResource, TerraformStack


class FirewallStack(TerraformStack):
    def __init__(self, scope, id):
        super().__init__(scope, id)
        group = TerraformResource(self, "sg", terraform_resource_type="aws_security_group")
        group.add_override("name", "fw")
        if os.environ.get("OPEN_SSH") == "1":
            group.add_override("ingress", [{{"from_port": 22, "to_port": 22, "cidr_blocks": ["0.0.0.0/0"]}}])
"""
BRANCHING_TESTS = """
def ingress(cdktf_synth):
    (group,) = cdktf_synth("firewall:FirewallStack", "fw").get_resources("aws_security_group")
    return group.get("ingress")

def test_closed(cdktf_synth):
    assert ingress(cdktf_synth) is None

def test_open(cdktf_synth, monkeypatch):
    monkeypatch.setenv("OPEN_SSH", "1")
    assert ingress(cdktf_synth)[0]["cidr_blocks"] == ["0.0.0.0/0"]

def test_closed_again(cdktf_synth):
    assert ingress(cdktf_synth) is None
"""


def test_a_stack_branching_on_a_variable_is_never_served_stale(
    user_project: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("OPEN_SSH", raising=False)
    user_project.makepyfile(firewall=BRANCHING_STACK, test_firewall=BRANCHING_TESTS)
    first = _run(user_project, "-v")
    first.stdout.fnmatch_lines(
        [
            "*test_closed PASSED*",
            "*test_open PASSED*",
            "*test_closed_again PASSED*",
            "iaccompliance synth cache (on): 1 hit(s), 2 miss(es), 0 uncached",
            "  re-synthesized: firewall:FirewallStack: environment variable OPEN_SSH changed",
        ]
    )
    # The next run finds a result for each value of the variable.
    _run(user_project).stdout.fnmatch_lines(["iaccompliance synth cache (on): 3 hit(s), 0 miss(es), 0 uncached"])
    (entry,) = _entries(user_project)
    assert [sorted(v["reads"]["env"]) for v in json.loads(entry.read_text())["variants"]] == [["OPEN_SSH"]] * 2
