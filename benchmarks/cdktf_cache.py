"""Cold vs warm run of the cdktf example's tests: what the synth cache saves.

Each run is a fresh ``pytest`` process on ``examples/cdktf_app/test_my_infra.py`` with its own
cache folder: the cold run starts from an empty cache (imports cdktf and the prebuilt AWS
provider, starts jsii, synthesizes), the warm runs read the entry and never start jsii. Needs
cdktf and cdktf-cdktf-provider-aws in the interpreter given (default: this one).

    python benchmarks/cdktf_cache.py [--python PATH] [--warm-runs N]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "cdktf_app"


def run(python: str, cache_dir: Path) -> float:
    command = [
        python,
        "-m",
        "pytest",
        str(EXAMPLE / "test_my_infra.py"),
        "-q",
        "-p",
        "no:randomly",
        "-o",
        f"cache_dir={cache_dir}",
    ]
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
    }
    started = time.perf_counter()
    completed = subprocess.run(
        command, cwd=ROOT, env=env, capture_output=True, text=True, check=False
    )
    elapsed = time.perf_counter() - started
    if completed.returncode != 0:
        sys.stderr.write(completed.stdout + completed.stderr)
        raise SystemExit(f"pytest failed with exit code {completed.returncode}")
    summary = [line for line in completed.stdout.splitlines() if "synth cache" in line]
    print(f"  {elapsed:7.2f} s  {summary[0] if summary else '(no synth cache summary)'}")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--python", default=sys.executable, help="interpreter with cdktf and the AWS provider"
    )
    parser.add_argument("--warm-runs", type=int, default=3)
    options = parser.parse_args()
    cache_dir = Path(tempfile.mkdtemp(prefix="iaccompliance-bench-"))
    try:
        print("cold (empty synth cache):")
        cold = run(options.python, cache_dir)
        print(f"warm ({options.warm_runs} runs):")
        warm = statistics.median(run(options.python, cache_dir) for _ in range(options.warm_runs))
    finally:
        shutil.rmtree(cache_dir, ignore_errors=True)
    print(
        f"cold {cold:.2f} s, warm {warm:.2f} s (median): warm is {cold / warm:.1f}x faster "
        f"(goal: at least 10x)"
    )


if __name__ == "__main__":
    main()
