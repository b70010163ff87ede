"""A large stack through ``cdktf_synth`` from a user's seat: a warm run answers from the synth cache without
starting jsii or importing the construct library the stack is written with (as provider bindings are)."""

from __future__ import annotations

import pytest

from tests.cdktf.conftest import LIB, PLUGIN_ARGS

# Generated classes over TerraformResource, as a prebuilt provider's bindings are; importing it imports
# the CDK library and starts jsii.
BINDINGS = """
from {lib} import TerraformResource


class Bucket(TerraformResource):
    def __init__(self, scope, id, *, bucket):
        super().__init__(scope, id, terraform_resource_type="aws_s3_bucket")
        self.add_override("bucket", bucket)


class Versioning(TerraformResource):
    def __init__(self, scope, id, *, bucket):
        super().__init__(scope, id, terraform_resource_type="aws_s3_bucket_versioning")
        self.add_override("bucket", bucket)
        self.add_override("versioning_configuration", {{"status": "Enabled"}})
"""

LARGE_STACK = """
from {lib} import TerraformStack
from bindings import Bucket, Versioning


class LargeStack(TerraformStack):
    def __init__(self, scope, id, buckets):
        super().__init__(scope, id)
        for index in range(buckets):
            bucket = Bucket(self, f"b{{index}}", bucket=f"data-{{index}}")
            Versioning(self, f"v{{index}}", bucket=bucket.get_string_attribute("id"))
"""

TEST_LARGE = """
import sys

def test_large(cdktf_synth):
    stack = cdktf_synth("large_stack:LargeStack", "large", buckets=500)
    print("RESOURCES=" + str(len(stack)))

def test_zz_report():
    loaded = [name for name in ("jsii", {lib!r}, "bindings", "large_stack") if name in sys.modules]
    print("LOADED=" + ",".join(loaded))
"""


def test_warm_run_of_a_large_stack_imports_neither_jsii_nor_the_bindings(user_project: pytest.Pytester) -> None:
    user_project.makepyfile(
        bindings=BINDINGS.format(lib=LIB),
        large_stack=LARGE_STACK.format(lib=LIB),
        test_large=TEST_LARGE.format(lib=LIB),
    )
    cold = user_project.runpytest_subprocess(*PLUGIN_ARGS, "-s")
    assert cold.ret == pytest.ExitCode.OK, cold.stdout.str()
    cold.stdout.fnmatch_lines(["*RESOURCES=1000*", f"*LOADED=jsii,{LIB},bindings,large_stack*",
                               "iaccompliance synth cache (on): 0 hit(s), 1 miss(es), 0 uncached"])

    warm = user_project.runpytest_subprocess(*PLUGIN_ARGS, "-s")
    assert warm.ret == pytest.ExitCode.OK, warm.stdout.str()
    warm.stdout.fnmatch_lines(["*RESOURCES=1000*", "*LOADED=",
                               "iaccompliance synth cache (on): 1 hit(s), 0 miss(es), 0 uncached"])
