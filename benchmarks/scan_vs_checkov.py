"""Time full scans, process start to exit, against Checkov on the same generated cdk.tf.json files.

    python benchmarks/scan_vs_checkov.py    # 5,000 and 50,000 resources, Checkov at 5,000
    python benchmarks/scan_vs_checkov.py --sizes 5000 --skip-checkov
    python benchmarks/scan_vs_checkov.py --core-python /tmp/core/bin/python --all-python .venv/bin/python \\
        --checkov /opt/checkov/bin/checkov

The files come from ``generate_cdktf.py``: a realistic mix of about 25 resource types (buckets with
their separate encryption, versioning and access-block resources, security groups with inline and
separate rules, instances, databases, volumes, IAM roles, policies and attachments, keys, trails...),
about 2.5 findings per resource with the project's required tags set, as a team's CI would.

Our side runs this checkout (it is put first on ``PYTHONPATH``) from two environments, since users
install extras and every installed pytest plugin costs start-up time:

* ``core``: core dependencies only (``benchmarks/.work/iac-venv``, created on first use);
* ``all``: every extra installed (``benchmarks/.work/iac-all-venv``, created on first use).

Each is timed as ``pytest --iac-source FILE -p no:cacheprovider -q`` (in an empty folder whose
``pytest.ini`` sets ``iac_required_tags``) and as a bare ``scan()`` call. Checkov runs as
``checkov -f FILE --framework terraform_json --skip-download`` from ``benchmarks/.work/checkov-venv``
(or ``--checkov``). Each command runs under a small wrapper process that reads the child's wall time,
CPU time and peak RSS; each gets one untimed warm-up (bytecode caching on, as on a real machine) and
the median of ``--repeat`` timed runs is kept. CPU time is printed beside wall time: on a shared
machine the wall time also measures the neighbours.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import venv
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
WORK = HERE / ".work"
CHECKOV_VENV = WORK / "checkov-venv"
CHECKOV_SPECS = ("checkov==3.3.30", "checkov")
# What a project's CI would require (see generate_cdktf.py's TAGS): AWS-TAG-001 judges every resource.
REQUIRED_TAGS = ("owner", "cost-center")

GOAL_SPEEDUP = 50.0  # pytest --iac-source at 5,000 resources, against Checkov on the same file
GOAL_PYTEST_LARGE = 3.0  # seconds, pytest --iac-source at 50,000 resources, every extra installed
GOAL_SCAN_LARGE = 1.5  # seconds, scan() at 50,000 resources

# Runs the command given as argv[1:] and reports its wall time, CPU time, exit code and peak RSS.
_WRAPPER = """
import json, resource, subprocess, sys, time
start = time.perf_counter()
code = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE).returncode
seconds = time.perf_counter() - start
usage = resource.getrusage(resource.RUSAGE_CHILDREN)
print(json.dumps({"seconds": seconds, "cpu": usage.ru_utime + usage.ru_stime, "peak_kb": usage.ru_maxrss,
                  "code": code}))
"""

_SCAN = "import sys; from pytest_iaccompliance import scan; scan(sys.argv[1], required_tags=sys.argv[2:])"


@dataclass(frozen=True)
class Timing:
    seconds: float
    cpu: float
    peak_mb: float
    code: int

    def show(self) -> str:
        return f"{self.seconds:7.2f} s wall {self.cpu:7.2f} s cpu  peak {self.peak_mb:5.0f} MB  exit {self.code}"


def measure(command: list[str], env: dict[str, str], cwd: Path | None = None) -> Timing:
    result = subprocess.run(
        [sys.executable, "-c", _WRAPPER, *command], capture_output=True, text=True, env=env, cwd=cwd, check=False
    )
    if result.returncode != 0 or not result.stdout.strip():
        raise SystemExit(f"measuring {' '.join(command)} failed:\n{result.stderr}")
    data = json.loads(result.stdout.strip().splitlines()[-1])
    return Timing(data["seconds"], data["cpu"], data["peak_kb"] / 1024, data["code"])


def ensure_venv(folder: Path, requirement: str) -> Path:
    """A virtual environment with this checkout installed (``requirement`` names its extras)."""
    python = folder / "bin" / "python"
    if not python.exists():
        print(f"installing {requirement} into {folder} (once) ...", flush=True)
        venv.EnvBuilder(with_pip=True, clear=True).create(folder)
        subprocess.run([str(python), "-m", "pip", "install", "-q", "-e", requirement], check=True)
    return python


def checkov_binary() -> Path:
    binary = CHECKOV_VENV / "bin" / "checkov"
    if binary.exists():
        return binary
    print(f"installing Checkov into {CHECKOV_VENV} (once) ...", flush=True)
    venv.EnvBuilder(with_pip=True, clear=True).create(CHECKOV_VENV)
    pip = CHECKOV_VENV / "bin" / "pip"
    for spec in CHECKOV_SPECS:
        if subprocess.run([str(pip), "install", "-q", spec], check=False).returncode == 0:
            break
    else:
        raise SystemExit("could not install Checkov; see the pip output above")
    return binary


def checkov_version(binary: Path) -> str:
    result = subprocess.run([str(binary), "--version"], capture_output=True, text=True, check=False)
    return result.stdout.strip() or "?"


def generate(size: int) -> Path:
    target = WORK / f"cdk-mixed-{size}.tf.json"
    if not target.exists():
        subprocess.run([sys.executable, str(HERE / "generate_cdktf.py"), str(size), str(target)], check=True)
    return target


def bench_env(*, ours: bool) -> dict[str, str]:
    """The caller's environment with bytecode caching on, as on a developer's or CI machine; our side
    imports this checkout whatever the environment has installed."""
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    if ours:
        env["PYTHONPATH"] = os.pathsep.join([str(ROOT), *filter(None, [env.get("PYTHONPATH")])])
    return env


def timed(command: list[str], repeat: int, *, ours: bool, cwd: Path | None = None) -> Timing:
    """One untimed warm-up (bytecode caches, file system), then the median of ``repeat`` runs."""
    env = bench_env(ours=ours)
    measure(command, env, cwd)
    runs = sorted((measure(command, env, cwd) for _ in range(repeat)), key=lambda t: t.seconds)
    return runs[len(runs) // 2]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[5000, 50000])
    parser.add_argument("--checkov-size", type=int, default=5000, help="Checkov is slow: one size only")
    parser.add_argument("--skip-checkov", action="store_true")
    parser.add_argument("--checkov", type=Path, help="a Checkov binary (default: its own venv, made once)")
    parser.add_argument("--core-python", type=Path, help="a core-only interpreter (default: made once)")
    parser.add_argument("--all-python", type=Path, help="an interpreter with every extra (default: made once)")
    parser.add_argument("--repeat", type=int, default=3, help="timed runs per measurement (median)")
    parser.add_argument("--checkov-repeat", type=int, default=3)
    args = parser.parse_args(argv)

    WORK.mkdir(parents=True, exist_ok=True)
    pythons = {
        "core": args.core_python or ensure_venv(WORK / "iac-venv", str(ROOT)),
        "all": args.all_python or ensure_venv(WORK / "iac-all-venv", f"{ROOT}[all]"),
    }
    pytest_times: dict[tuple[str, int], Timing] = {}
    scan_times: dict[tuple[str, int], Timing] = {}
    with tempfile.TemporaryDirectory() as empty:  # no conftest or tests to collect but the scan
        Path(empty, "pytest.ini").write_text("[pytest]\niac_required_tags = " + " ".join(REQUIRED_TAGS) + "\n")
        for size in args.sizes:
            file = generate(size)
            for label, python in pythons.items():
                command = [str(python), "-m", "pytest", "--iac-source", str(file), "-p", "no:cacheprovider", "-q"]
                pytest_times[label, size] = timing = timed(command, args.repeat, ours=True, cwd=Path(empty))
                print(f"ours    {size:>6} resources, {label:4}  pytest --iac-source  {timing.show()}", flush=True)
                command = [str(python), "-c", _SCAN, str(file), *REQUIRED_TAGS]
                scan_times[label, size] = timing = timed(command, args.repeat, ours=True, cwd=Path(empty))
                print(f"ours    {size:>6} resources, {label:4}  scan()               {timing.show()}", flush=True)

    checkov: Timing | None = None
    if not args.skip_checkov:
        binary = args.checkov or checkov_binary()
        file = generate(args.checkov_size)
        checkov = timed([str(binary), "-f", str(file), "--framework", "terraform_json", "--skip-download"],
                        args.checkov_repeat, ours=False)
        print(f"checkov {args.checkov_size:>6} resources             checkov {checkov_version(binary):10} "
              f"{checkov.show()}", flush=True)

    print()
    verdicts: list[bool] = []
    if checkov is not None:
        for label in pythons:
            ours = pytest_times.get((label, args.checkov_size))
            if ours is None:
                continue
            speedup, cpu_speedup = checkov.seconds / ours.seconds, checkov.cpu / ours.cpu
            verdicts.append(speedup >= GOAL_SPEEDUP)
            print(f"speed-up vs Checkov at {args.checkov_size}, {label}: {speedup:.0f}x wall, {cpu_speedup:.0f}x cpu "
                  f"(goal >= {GOAL_SPEEDUP:.0f}x)")
    large = max(args.sizes)
    if large >= 50000:
        for label in pythons:
            pytest_large, scan_large = pytest_times[label, large], scan_times[label, large]
            if label == "all":
                verdicts += [pytest_large.seconds <= GOAL_PYTEST_LARGE, scan_large.seconds <= GOAL_SCAN_LARGE]
            print(f"{large} resources, {label}: pytest {pytest_large.seconds:.2f} s (goal <= {GOAL_PYTEST_LARGE} s), "
                  f"scan() {scan_large.seconds:.2f} s (goal <= {GOAL_SCAN_LARGE} s)")
    print("all goals met" if verdicts and all(verdicts) else "some goals NOT met" if verdicts else "")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
