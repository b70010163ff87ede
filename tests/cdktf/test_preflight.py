"""Pre-flight at construction for cdktf/cdktn stacks, from a user's seat: decorated stacks fail before
synthesis (in a test, and in a plain ``python app.py`` run), ini ``iac_preflight`` items, ``-k``/``-m``."""

from __future__ import annotations

import fnmatch
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from pytest_iaccompliance.preflight import PreflightError, check
from tests.cdktf.conftest import LIB, PLUGIN_ARGS, ROOT

# Resources through TerraformResource, so the module needs no provider bindings (cdktn ships none).
PREFLIGHT_STACKS = """
from {lib} import App, TerraformProvider, TerraformResource, TerraformStack
from pytest_iaccompliance.preflight import preflight


def resource(scope, type_, id, **values):
    created = TerraformResource(scope, id, terraform_resource_type=type_)
    for key, value in values.items():
        created.add_override(key, value)
    return created


def provider(scope, **tags):
    aws = TerraformProvider(scope, "aws", terraform_resource_type="aws")
    aws.add_override("region", "eu-west-1")
    if tags:
        aws.add_override("default_tags", [{{"tags": tags}}])


def private_bucket(scope, id, **values):
    bucket = resource(scope, "aws_s3_bucket", id, bucket=id, **values)
    resource(scope, "aws_s3_bucket_server_side_encryption_configuration", f"{{id}}-sse",
             bucket=f"${{{{aws_s3_bucket.{{id}}.id}}}}",
             rule=[{{"apply_server_side_encryption_by_default": {{"sse_algorithm": "aws:kms"}}}}])
    resource(scope, "aws_s3_bucket_public_access_block", f"{{id}}-pab",
             bucket=f"${{{{aws_s3_bucket.{{id}}.id}}}}", block_public_acls=True, block_public_policy=True,
             ignore_public_acls=True, restrict_public_buckets=True)
    return bucket


class Logs(TerraformStack):
    '''Undecorated: compliant once the provider's default tags count.'''

    def __init__(self, scope, id):
        super().__init__(scope, id)
        provider(self, Owner="platform")
        private_bucket(self, "logs", tags={{"CostCentre": "42"}})


@preflight(required_tags=["Owner", "CostCentre"], allowed_instance_families=["t3"])
class Web(TerraformStack):
    def __init__(self, scope, id):
        super().__init__(scope, id)
        provider(self, Owner="web")
        resource(self, "aws_s3_bucket", "assets", bucket="assets")
        resource(self, "aws_instance", "server", ami="ami-123", instance_type="m5.large",
                 tags={{"CostCentre": "7"}}, metadata_options={{"http_tokens": "required"}},
                 root_block_device={{"encrypted": True}})
        resource(self, "aws_db_instance", "db", instance_class="db.t3.micro", engine="postgres",
                 storage_encrypted="${{var.encrypt}}", tags={{"CostCentre": "7"}})


@preflight(required_tags=["Owner"])
class Tagged(Logs):
    pass


class Untagged(TerraformStack):
    def __init__(self, scope, id):
        super().__init__(scope, id)
        provider(self)
        private_bucket(self, "data")
"""

USER_TESTS = f"""
import json
import pytest
import preflight_stacks as stacks
from {LIB} import Testing
from pytest_iaccompliance.preflight import PreflightError, check


def test_preflight_decorated_stack_fails_before_synthesis():
    Testing.synth(stacks.Web(Testing.app(), "web"))


def test_preflight_compliant_stack_synthesizes():
    synthesized = json.loads(Testing.synth(stacks.Tagged(Testing.app(), "tagged")))
    assert "logs" in synthesized["resource"]["aws_s3_bucket"]


def test_preflight_fixture_reports_every_violation(cdktf_synth):
    cdktf_synth(stacks.Web, "web")


def test_untagged_stack_checked_by_the_plain_function():
    with pytest.raises(PreflightError) as failure:
        check(stacks.Untagged(Testing.app(), "untagged"), required_tags="Owner")
    assert [(v.location, v.policy_id) for v in failure.value.violations] == [("untagged/data", "AWS-TAG-001")]


def test_unrelated():
    assert True
"""


@pytest.fixture
def project(user_project: pytest.Pytester) -> pytest.Pytester:
    user_project.makepyfile(preflight_stacks=PREFLIGHT_STACKS.format(lib=LIB), test_user=USER_TESTS)
    return user_project


def _failure_text(result: pytest.RunResult, test: str) -> str:
    """The report section of one failed test, up to the next section."""
    text = result.stdout.str()
    start = text.index(f"_ {test} _")
    ends = [end for end in (text.find("\n_", start), text.find("\n=", start)) if end != -1]
    return text[start:min(ends)]


def test_decorated_stack_fails_at_construction_with_one_message_per_violation(project: pytest.Pytester) -> None:
    result = project.runpytest(*PLUGIN_ARGS, "-p", "no:cacheprovider")
    result.assert_outcomes(passed=3, failed=2)
    expected = [
        "pre-flight failed for stack 'web': 5 violations",
        "stack 'web': web/assets (aws_s3_bucket) AWS-S3-001: has no server-side encryption configuration; fix: *",
        "stack 'web': web/assets (aws_s3_bucket) AWS-S3-002: has no public access block*; fix: *",
        "stack 'web': web/server (aws_instance) AWS-EC2-012: uses m5.large (family m5); allowed: t3; fix: *",
        "stack 'web': web/db (aws_db_instance) AWS-RDS-001: not known at construction: *var.encrypt*",
        "stack 'web': web/assets (aws_s3_bucket) AWS-TAG-001: lacks required tag(s): CostCentre; fix: *",
    ]
    for test in ("test_preflight_decorated_stack_fails_before_synthesis",
                 "test_preflight_fixture_reports_every_violation"):
        section = _failure_text(result, test)
        for line in expected:
            assert any(fnmatch.fnmatch(row.strip(), line) for row in section.splitlines()), (line, section)
        # One short message: no traceback, no jsii stack, the provider's default tags counted (Owner).
        assert "Traceback" not in section
        assert "jsii" not in section
        assert "Owner" not in section


def test_ini_preflight_items_and_selection(project: pytest.Pytester) -> None:
    project.makeini("[pytest]\niac_preflight = preflight_stacks:Logs preflight_stacks:Untagged\n"
                    "iac_required_tags = Owner CostCentre\n")
    result = project.runpytest(*PLUGIN_ARGS, "-p", "no:cacheprovider", "-k", "preflight", "-v")
    result.assert_outcomes(passed=2, failed=3, deselected=2)
    result.stdout.fnmatch_lines([
        "*iac_preflight::preflight_stacks:Logs PASSED*",
        "*iac_preflight::preflight_stacks:Untagged FAILED*",
    ])
    section = _failure_text(result, "pre-flight preflight_stacks:Untagged")
    assert "stack 'Untagged': Untagged/data (aws_s3_bucket) AWS-TAG-001: lacks required tag(s): Owner, CostCentre" \
        in section
    assert "Traceback" not in section
    marked = project.runpytest(*PLUGIN_ARGS, "-p", "no:cacheprovider", "-m", "preflight", "--co", "-q")
    marked.stdout.fnmatch_lines([
        "test_user.py::test_preflight_decorated_stack_fails_before_synthesis",
        "test_user.py::test_preflight_compliant_stack_synthesizes",
        "test_user.py::test_preflight_fixture_reports_every_violation",
        "iac_preflight::preflight_stacks:Logs",
        "iac_preflight::preflight_stacks:Untagged",
        "*5/7 tests collected (2 deselected)*",
    ])


def test_selection_without_the_ini_setting(project: pytest.Pytester) -> None:
    result = project.runpytest(*PLUGIN_ARGS, "-p", "no:cacheprovider", "-m", "preflight", "--co", "-q")
    result.stdout.fnmatch_lines(["*3/5 tests collected (2 deselected)*"])
    assert "test_unrelated" not in result.stdout.str()
    assert "iac_preflight" not in result.stdout.str()


APP = """
import sys
from {lib} import App
import preflight_stacks as stacks

app = App(outdir=sys.argv[2])
getattr(stacks, sys.argv[1])(app, sys.argv[1].lower())
app.synth()
"""


def _run_app(folder: Path, stack: str) -> subprocess.CompletedProcess[str]:
    (folder / "preflight_stacks.py").write_text(PREFLIGHT_STACKS.format(lib=LIB))
    (folder / "main.py").write_text(APP.format(lib=LIB))
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), str(folder)])}
    return subprocess.run([sys.executable, "main.py", stack, str(folder / "cdktf.out")], cwd=folder, env=env,
                          capture_output=True, text=True, timeout=300, check=False)


def test_the_same_check_fails_a_plain_app_run(tmp_path: Path) -> None:
    """``cdktf synth`` runs ``python main.py``: the Aspect fails it before any cdk.tf.json is written."""
    failed = _run_app(tmp_path, "Web")
    assert failed.returncode != 0
    assert "stack 'web': web/server (aws_instance) AWS-EC2-012: uses m5.large" in failed.stderr
    assert not list((tmp_path / "cdktf.out").glob("stacks/*/cdk.tf.json"))
    passed = _run_app(tmp_path, "Tagged")
    assert passed.returncode == 0, passed.stderr
    written = json.loads((tmp_path / "cdktf.out" / "stacks" / "tagged" / "cdk.tf.json").read_text())
    assert set(written["resource"]["aws_s3_bucket"]) == {"logs"}


def test_check_sees_tokens_as_unknown_and_default_tags(lib: object, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
                                                       ) -> None:
    (tmp_path / "preflight_stacks.py").write_text(PREFLIGHT_STACKS.format(lib=LIB))
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delitem(sys.modules, "preflight_stacks", raising=False)
    import preflight_stacks  # type: ignore[import-not-found]

    app = lib.App(outdir=str(tmp_path / "out"))  # type: ignore[attr-defined]
    check(preflight_stacks.Logs(app, "logs"), required_tags=["Owner", "CostCentre"])  # default_tags give Owner
    with pytest.raises(PreflightError) as failure:
        check(preflight_stacks.Web(app, "web"), required_tags="Owner")
    unknown = [v for v in failure.value.violations if v.unknown]
    assert [(v.location, v.policy_id) for v in unknown] == [("web/db", "AWS-RDS-001")]
    assert "depends on ${var.encrypt}" in unknown[0].line()


def test_project_defaults_add_to_the_decorator(lib: object, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Under pytest, ini iac_required_tags become these defaults: a decorated stack is held to them too."""
    from pytest_iaccompliance.preflight import PreflightConfig, set_defaults

    (tmp_path / "preflight_stacks.py").write_text(PREFLIGHT_STACKS.format(lib=LIB))
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delitem(sys.modules, "preflight_stacks", raising=False)
    import preflight_stacks

    previous = set_defaults(PreflightConfig(required_tags=("Team",)))
    try:
        app = lib.App(outdir=str(tmp_path / "out"))  # type: ignore[attr-defined]
        with pytest.raises(PreflightError) as failure:
            check(preflight_stacks.Tagged(app, "tagged"), required_tags="Owner")
    finally:
        set_defaults(previous)
    assert [v.line().split(";")[0] for v in failure.value.violations] == [
        "stack 'tagged': tagged/logs (aws_s3_bucket) AWS-TAG-001: lacks required tag(s): Team"
    ]
