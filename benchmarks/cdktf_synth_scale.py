"""A 1,000-resource cdktf stack through the ``cdktf_synth`` fixture: a cold run against warm ones.

    python benchmarks/cdktf_synth_scale.py [--python PATH] [--units 200] [--repeat 3]

Writes a project to a temporary folder: a stack module built with the prebuilt AWS provider bindings
(``--units`` times a bucket with its versioning and public-access-block resources, a KMS key and a
queue: five resources each), and a test that synthesizes it through ``cdktf_synth`` and reports which
of jsii, cdktf and the provider bindings the process imported. Each run is a fresh ``pytest`` process
(bytecode caching on). A cold run starts from an empty ``.pytest_cache`` (imports cdktf and the
provider, starts jsii, synthesizes); a warm run reads the synth cache entry. Prints the median of
``--repeat`` runs of each, wall and CPU time, and what each imported. Needs cdktf and
cdktf-cdktf-provider-aws in the interpreter given (default: this one).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

STACK = """
from cdktf import TerraformStack
from cdktf_cdktf_provider_aws.kms_key import KmsKey
from cdktf_cdktf_provider_aws.provider import AwsProvider
from cdktf_cdktf_provider_aws.s3_bucket import S3Bucket
from cdktf_cdktf_provider_aws.s3_bucket_public_access_block import S3BucketPublicAccessBlock
from cdktf_cdktf_provider_aws.s3_bucket_versioning import (
    S3BucketVersioningA,
    S3BucketVersioningVersioningConfiguration,
)
from cdktf_cdktf_provider_aws.sqs_queue import SqsQueue


class LargeStack(TerraformStack):
    def __init__(self, scope, id, units):
        super().__init__(scope, id)
        AwsProvider(self, "aws", region="eu-west-1")
        for index in range(units):
            bucket = S3Bucket(self, f"data_{index}", bucket=f"acme-data-{index}", tags={"owner": "platform"})
            S3BucketVersioningA(self, f"data_{index}_versioning", bucket=bucket.id,
                                versioning_configuration=S3BucketVersioningVersioningConfiguration(status="Enabled"))
            S3BucketPublicAccessBlock(self, f"data_{index}_pab", bucket=bucket.id, block_public_acls=True,
                                      block_public_policy=True, ignore_public_acls=True,
                                      restrict_public_buckets=True)
            KmsKey(self, f"key_{index}", enable_key_rotation=True, deletion_window_in_days=30)
            SqsQueue(self, f"queue_{index}", name=f"queue-{index}", sqs_managed_sse_enabled=True)
"""

TEST = """
import json, sys

def test_large(cdktf_synth):
    stack = cdktf_synth("large_stack:LargeStack", "large", units={units})
    assert len(stack) == {resources}

def test_zz_report():
    names = ("jsii", "cdktf", "cdktf_cdktf_provider_aws")
    with open("imports.json", "w") as handle:
        json.dump([name for name in names if name in sys.modules], handle)
"""


def run(python: str, project: Path) -> tuple[float, float, list[str]]:
    """One pytest process: wall seconds, CPU seconds (the child's), and what it imported."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), str(project)])}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    completed = subprocess.run([python, "-m", "pytest", "-q", "-p", "no:randomly"], cwd=project, env=env,
                               capture_output=True, text=True, check=False)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if completed.returncode != 0:
        raise SystemExit(f"pytest failed in {project}:\n{completed.stdout[-3000:]}\n{completed.stderr[-2000:]}")
    cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    imported: list[str] = json.loads((project / "imports.json").read_text())
    return wall, cpu, imported


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--python", default=sys.executable)
    parser.add_argument("--units", type=int, default=200, help="five resources each")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="iaccompliance-synth-scale-") as folder:
        project = Path(folder)
        (project / "pytest.ini").write_text("[pytest]\n")
        (project / "large_stack.py").write_text(STACK)
        (project / "test_large.py").write_text(TEST.format(units=args.units, resources=args.units * 5))
        cache = project / ".pytest_cache"
        results: dict[str, list[tuple[float, float, list[str]]]] = {"cold": [], "warm": []}
        run(args.python, project)  # bytecode caches of the package, cdktf and the bindings
        for _ in range(args.repeat):
            shutil.rmtree(cache, ignore_errors=True)
            results["cold"].append(run(args.python, project))
            results["warm"].append(run(args.python, project))
        for label, runs in results.items():
            wall = statistics.median(r[0] for r in runs)
            cpu = statistics.median(r[1] for r in runs)
            imported = sorted({name for r in runs for name in r[2]})
            print(f"{label}: {args.units * 5} resources, {wall:6.2f} s wall, {cpu:6.2f} s cpu (median of "
                  f"{len(runs)}); imported: {', '.join(imported) or 'none of jsii, cdktf, provider bindings'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
