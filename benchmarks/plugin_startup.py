"""Cost of merely having the plugin installed: a 1,000-test unrelated suite with and without it.

Usage: python benchmarks/plugin_startup.py [--tests 1000] [--repeat 5]
Prints the median wall time of each variant and their ratio (goal: about 1.00).
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def make_suite(folder: Path, tests: int) -> None:
    per_module = 100
    for module in range(tests // per_module):
        body = "\n".join(f"def test_{i}():\n    assert {i} + 1 > {i}\n" for i in range(per_module))
        (folder / f"test_m{module}.py").write_text(body)


def timed(folder: Path, extra: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *extra],
                   cwd=folder, check=True, capture_output=True)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--tests", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        make_suite(folder, args.tests)
        timed(folder, [])  # warm the file system and bytecode caches
        without, with_plugin = [], []
        for _ in range(args.repeat):
            without.append(timed(folder, ["-p", "no:iaccompliance"]))
            with_plugin.append(timed(folder, []))
    off, on = statistics.median(without), statistics.median(with_plugin)
    print(f"{args.tests} tests, median of {args.repeat} runs")
    print(f"  -p no:iaccompliance : {off:.3f} s")
    print(f"  plugin enabled      : {on:.3f} s")
    print(f"  ratio enabled/off   : {on / off:.3f}")


if __name__ == "__main__":
    main()
