"""What pre-flight costs over plain synthesis of a 1,000-resource cdktf stack (the budget is 10%).

Each round runs the same app twice as ``cdktf synth`` would, in fresh processes: once plain, once with the
stack under ``preflight`` (the cdktf Aspect: ``to_terraform()``, the Terraform JSON front end and the pre-flight
policies, all before synthesis). Rounds alternate the two so a busy neighbour weighs on both; figures are
ratios of medians: the whole process (wall), its build and synthesis alone (wall), and the CPU seconds Python
and jsii's node process spent on build and synthesis (a fresh process also pays the one-time import of the
pre-flight policies there). Then one process builds the stack ``--repeats`` times each way, alternating, and
times the Aspect where it runs: ``aspect_over_plain_pct`` under ``in_process_cpu`` is the check's own cost
over a plain build and synthesis, the figure other processes on the machine disturb least (wall times on a
busy machine mostly measure waiting for a core). The stack is the realistic mix of ``generate_cdktf.py``
(buckets with their encryption, public-access-block and policy resources referencing them, networks,
instances, databases...), all compliant so that synthesis completes. Linux only (node's CPU from /proc).

    python benchmarks/preflight_cdktf.py [--python PATH] [--resources N] [--rounds N] [--repeats N]
                                         [--library cdktf|cdktn]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

APP = """
import json, sys, tempfile, time
sys.path.insert(0, {benchmarks!r})
import generate_cdktf
from {library} import App, TerraformProvider, TerraformResource, TerraformStack


def compliant_blocks(count):
    produced, i = 0, 0
    while produced < count:
        unit = generate_cdktf.UNITS[i % len(generate_cdktf.UNITS)]
        for block in unit(i // len(generate_cdktf.UNITS), False):
            if produced >= count:
                return
            produced += 1
            yield block
        i += 1


class Bench(TerraformStack):
    def __init__(self, scope, id, count):
        super().__init__(scope, id)
        aws = TerraformProvider(self, "aws", terraform_resource_type="aws")
        aws.add_override("default_tags", [{{"tags": generate_cdktf.TAGS}}])
        for rtype, name, body in compliant_blocks(count):
            resource = TerraformResource(self, name, terraform_resource_type=rtype)
            for key, value in body.items():
                resource.add_override(key, value)


def node_cpu():
    # CPU seconds jsii's node process has used so far (Linux /proc)
    import os
    import jsii._runtime
    pid = jsii._runtime.kernel.provider._process._process.pid
    fields = open(f"/proc/{{pid}}/stat").read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


ASPECT = {{"cpu": 0.0, "wall": 0.0}}


def timed_check():
    # The pre-flight Aspect's own work (to_terraform, parsing, policies), timed where it runs.
    import pytest_iaccompliance.preflight.cdktf as module
    check = module.check_stack

    def timed(stack, config=None):
        node, cpu, wall = node_cpu(), time.process_time(), time.perf_counter()
        try:
            check(stack, config)
        finally:
            ASPECT["cpu"] += time.process_time() - cpu + node_cpu() - node
            ASPECT["wall"] += time.perf_counter() - wall

    module.check_stack = timed


def build(checked):
    ASPECT.update(cpu=0.0, wall=0.0)
    node_before, cpu_before, started = node_cpu(), time.process_time(), time.perf_counter()
    if checked:
        from pytest_iaccompliance.preflight import attach
    app = App(outdir=tempfile.mkdtemp(prefix="iaccompliance-bench-"))
    stack = Bench(app, "bench", {count})
    if checked:
        attach(stack, required_tags=["owner", "cost-center"])
    app.synth()
    return {{"synth": time.perf_counter() - started,
             "cpu": time.process_time() - cpu_before + node_cpu() - node_before,
             "aspect_cpu": ASPECT["cpu"], "aspect_wall": ASPECT["wall"]}}


first = build({preflight!r})
# In the same process, after the first build: the steady cost, alternating so that both see the same load.
if {repeats}:
    timed_check()
repeated = {{"plain": [], "preflight": []}}
for _ in range({repeats}):
    for checked in (False, True):
        repeated["preflight" if checked else "plain"].append(build(checked))
print(json.dumps({{**first, "repeated": repeated}}))
"""


def run(python: str, library: str, count: int, preflight: bool, repeats: int = 0
        ) -> tuple[float, float, float, dict[str, list[dict[str, float]]]]:
    """Wall seconds of the whole app run and of its build and synthesis alone, and the CPU seconds Python and
    jsii's node process spent on build and synthesis (what a busy neighbour disturbs least)."""
    script = APP.format(benchmarks=str(ROOT / "benchmarks"), library=library, count=count, preflight=preflight,
                        repeats=repeats)
    env = {**os.environ, "PYTHONPATH": str(ROOT), "JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION": "1",
           "JSII_SILENCE_WARNING_UNTESTED_NODE_VERSION": "1"}
    with tempfile.NamedTemporaryFile("w", suffix=".py", delete=False) as handle:
        handle.write(script)
    started = time.perf_counter()
    completed = subprocess.run([python, handle.name], capture_output=True, text=True, env=env, check=False)
    total = time.perf_counter() - started
    os.unlink(handle.name)
    if completed.returncode != 0:
        raise SystemExit(f"app run failed (preflight={preflight}):\n{completed.stderr[-3000:]}")
    measured = json.loads(completed.stdout.strip().splitlines()[-1])  # the app's last line
    return total, measured["synth"], measured["cpu"], measured["repeated"]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--python", default=sys.executable)
    parser.add_argument("--resources", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--library", default="cdktf", choices=("cdktf", "cdktn"))
    parser.add_argument("--repeats", type=int, default=5, help="builds of each kind inside one process")
    options = parser.parse_args()
    plain: list[tuple[float, float, float, dict[str, list[dict[str, float]]]]] = []
    checked: list[tuple[float, float, float, dict[str, list[dict[str, float]]]]] = []
    run(options.python, options.library, 10, True)  # warm the file system caches for both
    for index in range(options.rounds):
        order = (False, True) if index % 2 == 0 else (True, False)
        for preflight in order:
            (checked if preflight else plain).append(run(options.python, options.library, options.resources,
                                                         preflight))
    result = {}
    for label, position in (("process_wall", 0), ("synthesis_wall", 1), ("synthesis_cpu", 2)):
        base = statistics.median(t[position] for t in plain)
        with_preflight = statistics.median(t[position] for t in checked)
        result[label] = {"plain_s": round(base, 3), "preflight_s": round(with_preflight, 3),
                         "overhead_pct": round(100 * (with_preflight - base) / base, 1)}
    repeated = run(options.python, options.library, options.resources, False, options.repeats)[3]
    for label, key in (("in_process_wall", "synth"), ("in_process_cpu", "cpu")):
        base = [r[key] for r in repeated["plain"]]
        with_preflight = [r[key] for r in repeated["preflight"]]
        aspect = [r[f"aspect_{'wall' if key == 'synth' else 'cpu'}"] for r in repeated["preflight"]]
        result[label] = {
            "plain_s": {"min": round(min(base), 3), "median": round(statistics.median(base), 3)},
            "preflight_s": {"min": round(min(with_preflight), 3),
                            "median": round(statistics.median(with_preflight), 3)},
            "aspect_s": {"min": round(min(aspect), 3), "median": round(statistics.median(aspect), 3)},
            # The Aspect's own cost over the plain build, the figure least disturbed by other processes.
            "aspect_over_plain_pct": {"min": round(100 * min(aspect) / min(base), 1),
                                      "median": round(100 * statistics.median(aspect) / statistics.median(base),
                                                      1)},
        }
    print(json.dumps({"resources": options.resources, "rounds": options.rounds, "library": options.library,
                      **result}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
