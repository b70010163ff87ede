"""What each adapter of another tool's policies costs over the 5,000-resource benchmark file.

    python benchmarks/adapters.py                      # every adapter whose tool is installed
    python benchmarks/adapters.py --only checkov --size 5000 --repeat 3

The file is ``generate_cdktf.py``'s realistic mix (as in ``scan_vs_checkov.py``). Each adapter row runs in
a fresh interpreter (its tool's import is part of what a session pays, and Checkov's compiled graph library
loads once per process) and reports, in seconds of wall and CPU time:

* ``start-up``: importing the tool and building the adapter's policies (once per session and worker);
* ``run``: the tool over the whole file (once per source);
* ``judge``: every adapter policy read back over every resource (the scan items' share);
* ``built-in``: the built-in pack over the same resources, for scale;
* ``+verdicts``: the built-in pack with Checkov's verdicts written beside its findings (Checkov's run reused).

Add an adapter by adding a function to ``ROWS``: it takes the file and returns ``{phase: (wall, cpu)}``.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
WORK = HERE / ".work"

Phases = dict[str, tuple[float, float]]


@contextmanager
def phase(into: Phases, name: str) -> Iterator[None]:
    wall, cpu = time.perf_counter(), time.process_time()
    yield
    into[name] = (time.perf_counter() - wall, time.process_time() - cpu)


def checkov_row(file: Path) -> Phases:
    """Every Checkov Terraform check (about 1,500) as policies, one in-process run, verdicts read back."""
    from pytest_iaccompliance.policies.builtin import builtin_policies
    from pytest_iaccompliance.policies.engine import evaluate
    from pytest_iaccompliance.sources import load_file

    [stack] = load_file(file)
    phases: Phases = {}
    with phase(phases, "start-up"):
        from pytest_iaccompliance.adapters.checkov import CheckovAdapter, CheckovOptions

        adapter = CheckovAdapter(CheckovOptions())
        policies = adapter.iaccompliance_policies()
    from pytest_iaccompliance.policies.base import PolicyContext

    context = PolicyContext(stack.resources)
    with phase(phases, "run"):
        run = adapter.run_for(context)
    if run.problems:
        raise SystemExit(f"Checkov did not judge {file}: {run.problems}")
    from pytest_iaccompliance.policies.engine import evaluate_policy

    with phase(phases, "judge"):
        judged = sum(1 for policy in policies for _ in evaluate_policy(policy, context))
    with phase(phases, "built-in"):
        evaluate(stack.resources, builtin_policies())
    with phase(phases, "+verdicts"):  # the built-in pack again, Checkov's verdicts beside (run remembered)
        for policy in builtin_policies():
            for _ in evaluate_policy(adapter.with_verdicts(policy), context):
                pass
    print(f"  checkov: {len(policies)} policies, {judged} findings", file=sys.stderr)
    return phases


# Adapter name -> (module its tool is imported as, row).
ROWS: dict[str, tuple[str, Callable[[Path], Phases]]] = {
    "checkov": ("checkov", checkov_row),
}


def generate(size: int) -> Path:
    target = WORK / f"cdk-mixed-{size}.tf.json"
    if not target.exists():
        WORK.mkdir(parents=True, exist_ok=True)
        subprocess.run([sys.executable, str(HERE / "generate_cdktf.py"), str(size), str(target)], check=True)
    return target


def measure(name: str, file: Path) -> Phases:
    """One row in a fresh interpreter, this checkout first on the path."""
    code = (f"import json, sys; sys.path[:0] = [{str(ROOT)!r}, {str(HERE)!r}]; import adapters; "
            f"print(json.dumps(adapters.ROWS[{name!r}][1](adapters.Path({str(file)!r}))))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False, cwd=ROOT)
    if result.returncode != 0:
        raise SystemExit(f"{name} failed:\n{result.stderr}")
    sys.stderr.write(result.stderr)
    return {key: (wall, cpu) for key, (wall, cpu) in json.loads(result.stdout.strip().splitlines()[-1]).items()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--size", type=int, default=5000)
    parser.add_argument("--repeat", type=int, default=3, help="runs per adapter (the median is shown)")
    parser.add_argument("--only", nargs="+", choices=sorted(ROWS))
    args = parser.parse_args(argv)
    file = generate(args.size)
    print(f"{args.size} resources ({file.name}); median of {args.repeat}, seconds wall / cpu")
    for name in args.only or ROWS:
        module, _ = ROWS[name]
        if importlib.util.find_spec(module) is None:
            print(f"{name:10} not installed ({module}), skipped")
            continue
        runs = [measure(name, file) for _ in range(args.repeat)]
        shown = []
        for key in runs[0]:
            wall = statistics.median(r[key][0] for r in runs)
            cpu = statistics.median(r[key][1] for r in runs)
            shown.append(f"{key} {wall:6.2f} / {cpu:6.2f}")
        print(f"{name:10} " + "   ".join(shown), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
