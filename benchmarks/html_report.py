"""What the HTML compliance report costs a large run: the same scan with and without ``--iac-html``.

    python benchmarks/html_report.py                   # 50,000 resources, this interpreter
    python benchmarks/html_report.py --size 5000 --repeat 5

The source is ``generate_cdktf.py``'s realistic mix (about 145,000 findings at 50,000 resources with the
required tags set), timed by ``scan_vs_checkov.py``'s wrapper (wall and CPU time, peak RSS): one warm-up of
each run, then ``--repeat`` rounds that run each in turn, so the added time is the median of pairs that ran
back to back on a machine whose speed drifts. Four runs of ``pytest --iac-source FILE``: without a report,
with the HTML report alone, with the JSON manifest, and with the manifest and the HTML report; the goal is
that the HTML report adds under a second to either. The report's size and its listed rows per policy are
printed too: a page that lists every one of 145,000 findings would be written fast and still be unusable.
"""

from __future__ import annotations

import argparse
import re
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from scan_vs_checkov import PYTEST_RUN, REQUIRED_TAGS, WORK, generate, interleaved, median_run

GOAL_EXTRA_SECONDS = 1.0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--size", type=int, default=50000)
    parser.add_argument("--repeat", type=int, default=5, help="timed rounds (medians, pair by pair)")
    parser.add_argument("--pair", choices=("manifest", "alone", "both"), default="both",
                        help="compare beside the manifest, alone (against no report), or both (default)")
    parser.add_argument("--python", type=Path, default=Path(sys.executable),
                        help="the interpreter to run pytest with (default: this one)")
    args = parser.parse_args(argv)

    WORK.mkdir(parents=True, exist_ok=True)
    file = generate(args.size)
    with tempfile.TemporaryDirectory() as empty:
        folder = Path(empty)
        (folder / "pytest.ini").write_text("[pytest]\niac_required_tags = " + " ".join(REQUIRED_TAGS) + "\n")
        base = [str(args.python), "-m", "pytest", "--iac-source", str(file), "-p", "no:cacheprovider", "-q"]
        runs = {
            "no report": [],
            "manifest": ["--iac-report", "r.json"],
            "manifest + html": ["--iac-report", "r.json", "--iac-html", "r.html"],
            "html": ["--iac-html", "r.html"],
        }
        pairs = {"manifest": ("manifest", "manifest + html"), "alone": ("no report", "html")}
        wanted = set(pairs[args.pair]) if args.pair != "both" else set(runs)
        runs = {label: extra for label, extra in runs.items() if label in wanted}
        samples = interleaved({label: ([*base, *extra], PYTEST_RUN) for label, extra in runs.items()}, args.repeat,
                              cwd=folder)
        for label, timings in samples.items():
            print(f"{args.size:>6} resources, {label:16} {median_run(timings).show()}", flush=True)
        if not all(timing.ok for timings in samples.values() for timing in timings):
            return 1
        page = (folder / "r.html").read_text(encoding="utf-8")
        listed = len(re.findall(r'<tr class="row ', page))
        policies = len(re.findall(r'<section class="policy ', page))
        print(f"report: {len(page.encode()) / 1e6:.1f} MB, {policies} policies, {listed} rows listed "
              "(the rest behind \"show all\")")

    print()
    verdicts = []
    for label, without, with_html in (("beside the manifest", "manifest", "manifest + html"),
                                      ("alone", "no report", "html")):
        if without not in samples:
            continue
        # Pair by pair: the runs of one round ran back to back, so the machine's drift cancels out.
        pairs_run = list(zip(samples[with_html], samples[without], strict=True))
        extra = statistics.median(a.seconds - b.seconds for a, b in pairs_run)
        extra_cpu = statistics.median(a.cpu - b.cpu for a, b in pairs_run)
        verdicts.append(extra < GOAL_EXTRA_SECONDS)
        print(f"the HTML report {label} adds {extra:+.2f} s wall, {extra_cpu:+.2f} s cpu "
              f"(median of {args.repeat} interleaved pairs; goal < {GOAL_EXTRA_SECONDS:.0f} s)")
    return 0 if all(verdicts) else 1


if __name__ == "__main__":
    sys.exit(main())
