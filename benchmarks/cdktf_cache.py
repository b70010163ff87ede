"""Cold vs warm run of the cdktf example's tests: what the synth cache saves.

Each run is a fresh ``pytest`` process on ``examples/cdktf_app/test_my_infra.py`` with its own
cache folder: the cold run starts from an empty cache (imports cdktf and the prebuilt AWS
provider, starts jsii, synthesizes), the warm runs read the entry and never start jsii. Needs
cdktf and cdktf-cdktf-provider-aws in the interpreter given (default: this one).

Then, in one process, the cost of a single miss, of a hit from the session's memory and of a hit
from the cache folder (a fresh synthesizer): what checking an entry's recorded reads adds. Give
``--code`` another checkout (e.g. ``git archive <rev> | tar -x -C /tmp/base``) to measure it too.

    python benchmarks/cdktf_cache.py [--python PATH] [--warm-runs N] [--hits N] [--code DIR]
"""

from __future__ import annotations

import argparse
import json
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


IN_PROCESS = """
import json, sys, tempfile, time
sys.path.insert(0, {example!r})
from pytest_iaccompliance.cdktf import SynthCache, Synthesizer

directory = tempfile.mkdtemp(prefix="iaccompliance-bench-")
args, kwargs = ("my_infra:PlatformStack", "platform-prod"), {{"environment": "prod"}}
started = time.perf_counter()
synthesizer = Synthesizer(SynthCache(directory))
synthesizer(*args, **kwargs)
miss = time.perf_counter() - started
# Hits are timed in CPU time: on a shared machine wall time mostly measures the neighbours.
started = time.process_time()
for _ in range({hits}):
    synthesizer(*args, **kwargs)
memory = (time.process_time() - started) / {hits}
started = time.process_time()
for _ in range({hits}):
    Synthesizer(SynthCache(directory))(*args, **kwargs)
disk = (time.process_time() - started) / {hits}
print(json.dumps({{"miss": miss, "memory": memory, "disk": disk}}))
"""


def in_process(python: str, code: Path, hits: int) -> dict[str, float]:
    """Miss and hit costs inside one process, for the package found in ``code``."""
    env = {**os.environ, "PYTHONPATH": str(code)}
    script = IN_PROCESS.format(example=str(EXAMPLE), hits=hits)
    completed = subprocess.run(
        [python, "-c", script], cwd=EXAMPLE, env=env, capture_output=True, text=True, check=False
    )
    if completed.returncode != 0:
        sys.stderr.write(completed.stdout + completed.stderr)
        raise SystemExit(f"in-process measurement failed with exit code {completed.returncode}")
    timings: dict[str, float] = json.loads(completed.stdout.strip().splitlines()[-1])
    return timings


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
    parser.add_argument("--hits", type=int, default=50, help="hits timed in one process")
    parser.add_argument(
        "--code", type=Path, action="append", default=[], help="another checkout to time in one process"
    )
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
    print(f"in one process (median of 3; hits: CPU time averaged over {options.hits}):")
    for code in (ROOT, *options.code):
        samples = [in_process(options.python, code, options.hits) for _ in range(3)]
        miss, memory, disk = (statistics.median(s[k] for s in samples) for k in ("miss", "memory", "disk"))
        print(
            f"  {code}: miss {miss:.2f} s, hit from memory {memory * 1000:.2f} ms, "
            f"hit from the cache folder {disk * 1000:.2f} ms"
        )


if __name__ == "__main__":
    main()
