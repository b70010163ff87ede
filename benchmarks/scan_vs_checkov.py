"""Time a full scan, process start to exit, against Checkov on the same generated cdk.tf.json files.

    python benchmarks/scan_vs_checkov.py    # 5,000 and 50,000 resources, Checkov at 5,000
    python benchmarks/scan_vs_checkov.py --sizes 5000 --skip-checkov

Our side runs ``pytest --iac-source FILE -p no:cacheprovider -q`` from its own virtual environment,
``benchmarks/.work/iac-venv`` (this checkout, core dependencies only). Checkov runs as
``checkov -f FILE --framework terraform_json --skip-download`` from
its own virtual environment, ``benchmarks/.work/checkov-venv``, created on first use. Each command
runs under a small wrapper process, so its peak RSS is read from ``RUSAGE_CHILDREN`` of that wrapper
alone. Each command gets one untimed warm-up run (with bytecode caching on, as on a real machine) and
the median of ``--repeat`` timed runs is kept. Prints seconds, peak RSS and the ratios the project's
speed goals are stated in.
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
OUR_VENV = WORK / "iac-venv"
CHECKOV_SPECS = ("checkov==3.3.30", "checkov")

GOAL_SPEEDUP = 20.0
GOAL_LARGE_SECONDS = 10.0
GOAL_LARGE_MB = 600.0
GOAL_LINEARITY = 11.0

# Runs the command given as argv[1:] and reports wall time, exit code and the child's peak RSS.
_WRAPPER = """
import json, resource, subprocess, sys, time
start = time.perf_counter()
code = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE).returncode
seconds = time.perf_counter() - start
peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
print(json.dumps({"seconds": seconds, "peak_kb": peak, "code": code}))
"""


@dataclass(frozen=True)
class Timing:
    seconds: float
    peak_mb: float
    code: int


def measure(
    command: list[str], env: dict[str, str] | None = None, cwd: Path | None = None
) -> Timing:
    result = subprocess.run(
        [sys.executable, "-c", _WRAPPER, *command],
        capture_output=True,
        text=True,
        env=env,
        cwd=cwd,
        check=False,
    )
    if result.returncode != 0 or not result.stdout.strip():
        raise SystemExit(f"measuring {' '.join(command)} failed:\n{result.stderr}")
    data = json.loads(result.stdout.strip().splitlines()[-1])
    return Timing(data["seconds"], data["peak_kb"] / 1024, data["code"])


def our_python() -> Path:
    """A virtual environment with this checkout and its core dependencies only, like a user's CI.

    Both tools get an environment of their own, so neither pays for the other's plugins (Hypothesis, for
    one, imports itself at the end of every pytest session it is installed in).
    """
    python = OUR_VENV / "bin" / "python"
    if not python.exists():
        print(f"installing pytest-iaccompliance into {OUR_VENV} (once) ...", flush=True)
        venv.EnvBuilder(with_pip=True, clear=True).create(OUR_VENV)
        subprocess.run([str(python), "-m", "pip", "install", "-q", "-e", str(ROOT)], check=True)
    return python


def our_command(file: Path) -> tuple[list[str], str]:
    command = [str(our_python()), "-m", "pytest", "--iac-source", str(file), "-p", "no:cacheprovider", "-q"]
    return command, "pytest --iac-source"


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
    target = WORK / f"cdk-{size}.tf.json"
    if not target.exists():
        subprocess.run(
            [sys.executable, str(HERE / "generate_cdktf.py"), str(size), str(target)], check=True
        )
    return target


def bench_env() -> dict[str, str]:
    """The caller's environment, but with bytecode caching on, as on a developer's or CI machine."""
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def timed(command: list[str], repeat: int, cwd: Path | None = None) -> Timing:
    """One untimed warm-up (bytecode caches, file system), then the median of ``repeat`` runs."""
    measure(command, env=bench_env(), cwd=cwd)
    runs = sorted((measure(command, env=bench_env(), cwd=cwd) for _ in range(repeat)), key=lambda t: t.seconds)
    return runs[len(runs) // 2]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[5000, 50000])
    parser.add_argument(
        "--checkov-size", type=int, default=5000, help="Checkov is slow: one size only"
    )
    parser.add_argument("--skip-checkov", action="store_true")
    parser.add_argument("--repeat", type=int, default=3, help="timed runs per measurement (median)")
    parser.add_argument("--checkov-repeat", type=int, default=1)
    args = parser.parse_args(argv)

    WORK.mkdir(parents=True, exist_ok=True)
    ours: dict[int, Timing] = {}
    with tempfile.TemporaryDirectory() as empty:  # no conftest or tests to collect but the scan
        for size in args.sizes:
            file = generate(size)
            command, label = our_command(file)
            ours[size] = timing = timed(command, args.repeat, cwd=Path(empty))
            print(
                f"ours    {size:>6} resources: {timing.seconds:7.2f} s  "
                f"peak {timing.peak_mb:6.0f} MB  exit {timing.code}  [{label}]",
                flush=True,
            )

    checkov: Timing | None = None
    if not args.skip_checkov:
        binary = checkov_binary()
        file = generate(args.checkov_size)
        checkov = timed(
            [str(binary), "-f", str(file), "--framework", "terraform_json", "--skip-download"],
            args.checkov_repeat,
        )
        print(
            f"checkov {args.checkov_size:>6} resources: {checkov.seconds:7.2f} s  peak "
            f"{checkov.peak_mb:6.0f} MB  exit {checkov.code}  [checkov {checkov_version(binary)}]",
            flush=True,
        )

    print()
    verdicts: list[bool] = []
    if checkov is not None and args.checkov_size in ours:
        speedup = checkov.seconds / ours[args.checkov_size].seconds
        verdicts.append(speedup >= GOAL_SPEEDUP)
        print(
            f"speed-up vs Checkov at {args.checkov_size}: {speedup:.1f}x "
            f"(goal >= {GOAL_SPEEDUP:.0f}x)"
        )
    if len(ours) >= 2:
        small, large = min(ours), max(ours)
        growth = ours[large].seconds / ours[small].seconds
        verdicts.append(growth <= GOAL_LINEARITY * large / small / 10)
        print(
            f"time {large}/{small}: {growth:.1f} for {large / small:.0f}x the resources "
            f"(goal <= {GOAL_LINEARITY * large / small / 10:.0f})"
        )
    if 50000 in ours:
        verdicts.append(
            ours[50000].seconds <= GOAL_LARGE_SECONDS and ours[50000].peak_mb <= GOAL_LARGE_MB
        )
        print(
            f"50000 resources: {ours[50000].seconds:.2f} s, {ours[50000].peak_mb:.0f} MB "
            f"(goal <= {GOAL_LARGE_SECONDS:.0f} s, <= {GOAL_LARGE_MB:.0f} MB)"
        )
    print(
        "all goals met" if verdicts and all(verdicts) else "some goals NOT met" if verdicts else ""
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
