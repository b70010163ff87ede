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
the median of ``--repeat`` timed runs is kept. Our four commands of a size run in interleaved rounds (in
reverse order every other round), so a slow minute of a shared machine does not fall on one of them;
Checkov's runs follow. CPU time is printed beside wall time: on a shared machine the wall time also
measures the neighbours.

Each environment must have the plugin installed (its ``pytest11`` entry point), or pytest never loads it
and exits with a usage error: the benchmark checks that, and which extras each environment holds, before
timing anything, and installs this checkout into the environments it made itself. A run that does not end
as a finished scan (pytest exit 0 or 1 with items run, ``scan()`` exit 0, Checkov exit 0 or 1) is
reported as an error with its exit status, never as a time, and leaves the goals unmet.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import venv
from collections.abc import Callable
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
# The last lines of its output come back too, so a run can be checked for what it did.
_WRAPPER = """
import json, resource, subprocess, sys, time
start = time.perf_counter()
done = subprocess.run(sys.argv[1:], stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
seconds = time.perf_counter() - start
usage = resource.getrusage(resource.RUSAGE_CHILDREN)
tail = done.stdout[-2000:].decode("utf-8", "replace")
print(json.dumps({"seconds": seconds, "cpu": usage.ru_utime + usage.ru_stime, "peak_kb": usage.ru_maxrss,
                  "code": done.returncode, "tail": tail}))
"""

_SCAN = "import sys; from pytest_iaccompliance import scan; scan(sys.argv[1], required_tags=sys.argv[2:])"


@dataclass(frozen=True)
class Timing:
    seconds: float
    cpu: float
    peak_mb: float
    code: int
    error: str = ""
    """Why the run is not a finished scan (empty when it is): such a row is never read as a time."""

    @property
    def ok(self) -> bool:
        return not self.error

    def show(self) -> str:
        if self.error:
            return f"ERROR: {self.error}"
        return f"{self.seconds:7.2f} s wall {self.cpu:7.2f} s cpu  peak {self.peak_mb:5.0f} MB  exit {self.code}"


# What a finished run looks like, per tool: the exit statuses that mean "scanned, with or without findings",
# and a check of its output (pytest: a summary line counting items that ran).
Expectation = tuple[frozenset[int], Callable[[str], bool]]
_PYTEST_SUMMARY = re.compile(r"\b\d+ (passed|failed)\b")
PYTEST_RUN: Expectation = (frozenset({0, 1}), lambda tail: bool(_PYTEST_SUMMARY.search(tail)))
SCAN_RUN: Expectation = (frozenset({0}), lambda tail: True)
CHECKOV_RUN: Expectation = (frozenset({0, 1}), lambda tail: True)


def judge_run(code: int, tail: str, expected: Expectation) -> str:
    """Empty for a finished scan; otherwise what went wrong, with the end of the run's output."""
    codes, looks_done = expected
    last = " | ".join(line.strip() for line in tail.strip().splitlines()[-3:])
    if code not in codes:
        return f"exit {code} (expected {' or '.join(map(str, sorted(codes)))}): {last or 'no output'}"
    if not looks_done(tail):
        return f"exit {code} but no scan ran: {last or 'no output'}"
    return ""


def measure(command: list[str], env: dict[str, str], cwd: Path | None = None,
            expected: Expectation = SCAN_RUN) -> Timing:
    result = subprocess.run(
        [sys.executable, "-c", _WRAPPER, *command], capture_output=True, text=True, env=env, cwd=cwd, check=False
    )
    if result.returncode != 0 or not result.stdout.strip():
        raise SystemExit(f"measuring {' '.join(command)} failed:\n{result.stderr}")
    data = json.loads(result.stdout.strip().splitlines()[-1])
    return Timing(data["seconds"], data["cpu"], data["peak_kb"] / 1024, data["code"],
                  judge_run(data["code"], data["tail"], expected))


EXTRAS = ("cdktf", "pulumi", "hypothesis", "boto3", "moto")

# Run by an environment's interpreter: whether pytest loads the plugin from it, and which extras it holds.
_PROBE = """
import importlib.metadata, importlib.util, json, sys
plugins = [e.value for e in importlib.metadata.entry_points(group="pytest11") if e.name == "iaccompliance"]
print(json.dumps({"plugin": plugins, "extras": [m for m in sys.argv[1:] if importlib.util.find_spec(m)]}))
"""


@dataclass(frozen=True)
class Environment:
    python: Path
    plugin: bool
    """Whether the plugin's ``pytest11`` entry point is installed (without it pytest never loads it)."""
    extras: tuple[str, ...]

    def describe(self) -> str:
        extras = ", ".join(self.extras) or "none"
        return f"{self.python} (plugin {'installed' if self.plugin else 'MISSING'}; extras: {extras})"


def probe(python: Path) -> Environment:
    result = subprocess.run([str(python), "-c", _PROBE, *EXTRAS], capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise SystemExit(f"{python} cannot run: {result.stderr.strip()[-500:]}")
    data = json.loads(result.stdout.strip().splitlines()[-1])
    return Environment(python, bool(data["plugin"]), tuple(data["extras"]))


def ensure_venv(folder: Path, requirement: str) -> Path:
    """A virtual environment with this checkout installed (``requirement`` names its extras): made once, and
    installed into again if the plugin is missing from it."""
    python = folder / "bin" / "python"
    if not python.exists():
        print(f"creating {folder} (once) ...", flush=True)
        venv.EnvBuilder(with_pip=True, clear=True).create(folder)
    if not probe(python).plugin:
        print(f"installing {requirement} into {folder} ...", flush=True)
        subprocess.run([str(python), "-m", "pip", "install", "-q", "-e", requirement], check=True)
    return python


def checked_environment(label: str, python: Path) -> Environment:
    """The environment behind ``python``, refused when pytest would not load the plugin from it or when
    it does not hold the extras its label promises (core: none; all: every one)."""
    environment = probe(python)
    problems = []
    if not environment.plugin:
        problems.append(f"the plugin is not installed there (run: {python} -m pip install -e {ROOT}"
                        f"{'[all]' if label == 'all' else ''})")
    if label == "core" and environment.extras:
        problems.append(f"a core-only environment holds extras: {', '.join(environment.extras)}")
    if label == "all" and set(environment.extras) != set(EXTRAS):
        missing = ", ".join(sorted(set(EXTRAS) - set(environment.extras)))
        problems.append(f"an all-extras environment lacks: {missing}")
    if problems:
        raise SystemExit(f"{label} environment {python}: " + "; ".join(problems))
    return environment


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


def timed(command: list[str], repeat: int, *, ours: bool, cwd: Path | None = None,
          expected: Expectation = SCAN_RUN) -> Timing:
    """One untimed warm-up (bytecode caches, file system), then the median of ``repeat`` runs; a run that is
    not a finished scan ends the row as that error."""
    env = bench_env(ours=ours)
    warm_up = measure(command, env, cwd, expected)
    if not warm_up.ok:
        return warm_up
    runs = []
    for _ in range(repeat):
        run = measure(command, env, cwd, expected)
        if not run.ok:
            return run
        runs.append(run)
    runs.sort(key=lambda t: t.seconds)
    return runs[len(runs) // 2]


def interleaved(commands: dict[str, tuple[list[str], Expectation]], repeat: int, *, cwd: Path | None = None,
                ours: bool = True) -> dict[str, list[Timing]]:
    """Each command once untimed (bytecode caches, file system), then ``repeat`` rounds running each in turn:
    a slow minute on a shared machine slows every command of its round, not one command's runs. Every other
    round runs in reverse order: a process starting right after one that used 700 MB starts slower here, and
    each command should follow the large one as often as the others. A command whose run is not a finished
    scan stops there; its samples are that one run (``median_run`` then gives it, never a time)."""
    env = bench_env(ours=ours)
    samples: dict[str, list[Timing]] = {label: [] for label in commands}
    stopped: set[str] = set()
    order = list(commands)
    for round_ in range(repeat + 1):
        for label in order if round_ % 2 else order[::-1]:
            if label in stopped:
                continue
            command, expected = commands[label]
            timing = measure(command, env, cwd, expected)
            if not timing.ok:
                stopped.add(label)
                samples[label] = [timing]
            elif round_:
                samples[label].append(timing)
    return samples


def median_run(samples: list[Timing]) -> Timing:
    """The median run by wall time, or the run that did not finish."""
    failed = [timing for timing in samples if not timing.ok]
    return failed[0] if failed else sorted(samples, key=lambda t: t.seconds)[len(samples) // 2]


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
    for label, python in pythons.items():
        print(f"{label:4} environment: {checked_environment(label, python).describe()}", flush=True)
    pytest_times: dict[tuple[str, int], Timing] = {}
    scan_times: dict[tuple[str, int], Timing] = {}
    with tempfile.TemporaryDirectory() as empty:  # no conftest or tests to collect but the scan
        Path(empty, "pytest.ini").write_text("[pytest]\niac_required_tags = " + " ".join(REQUIRED_TAGS) + "\n")
        for size in args.sizes:
            file = generate(size)
            commands: dict[str, tuple[list[str], Expectation]] = {}
            for label, python in pythons.items():
                commands[f"{label} pytest"] = ([str(python), "-m", "pytest", "--iac-source", str(file),
                                                "-p", "no:cacheprovider", "-q"], PYTEST_RUN)
                commands[f"{label} scan"] = ([str(python), "-c", _SCAN, str(file), *REQUIRED_TAGS], SCAN_RUN)
            samples = interleaved(commands, args.repeat, cwd=Path(empty))
            for label in pythons:
                pytest_times[label, size] = timing = median_run(samples[f"{label} pytest"])
                print(f"ours    {size:>6} resources, {label:4}  pytest --iac-source  {timing.show()}", flush=True)
                scan_times[label, size] = timing = median_run(samples[f"{label} scan"])
                print(f"ours    {size:>6} resources, {label:4}  scan()               {timing.show()}", flush=True)

    checkov: Timing | None = None
    if not args.skip_checkov:
        binary = args.checkov or checkov_binary()
        file = generate(args.checkov_size)
        checkov = timed([str(binary), "-f", str(file), "--framework", "terraform_json", "--skip-download"],
                        args.checkov_repeat, ours=False, expected=CHECKOV_RUN)
        print(f"checkov {args.checkov_size:>6} resources             checkov {checkov_version(binary):10} "
              f"{checkov.show()}", flush=True)

    print()
    verdicts: list[bool] = []
    if checkov is not None:
        for label in pythons:
            ours = pytest_times.get((label, args.checkov_size))
            if ours is None:
                continue
            if not (ours.ok and checkov.ok):
                verdicts.append(False)
                print(f"speed-up vs Checkov at {args.checkov_size}, {label}: ERROR (a run did not finish, see above)")
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
                verdicts += [pytest_large.ok and pytest_large.seconds <= GOAL_PYTEST_LARGE,
                             scan_large.ok and scan_large.seconds <= GOAL_SCAN_LARGE]
            print(f"{large} resources, {label}: pytest {_seconds(pytest_large)} (goal <= {GOAL_PYTEST_LARGE} s), "
                  f"scan() {_seconds(scan_large)} (goal <= {GOAL_SCAN_LARGE} s)")
    print("all goals met" if verdicts and all(verdicts) else "some goals NOT met" if verdicts else "")
    errors = [t for t in (*pytest_times.values(), *scan_times.values(), checkov) if t is not None and not t.ok]
    return 1 if errors else 0


def _seconds(timing: Timing) -> str:
    return f"{timing.seconds:.2f} s" if timing.ok else "ERROR"


if __name__ == "__main__":
    raise SystemExit(main())
