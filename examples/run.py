"""Run every example as its README describes and check each ends as documented.

Some example runs are meant to fail (a critical violation blocks the pipeline): this script shows
their output and exits non-zero only when an example does not end the way it is documented to.
"""

from __future__ import annotations

import importlib.util
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent


@dataclass(frozen=True)
class Example:
    folder: str
    args: tuple[str, ...]
    expected_exit: int
    why: str
    # Reports the run must write (relative to its folder), such as the HTML report its pytest.ini asks for.
    writes: tuple[str, ...] = ()
    needs: str = ""  # a module the run needs (an extra); without it the example is listed as not run


EXAMPLES = (
    Example("terraform_json", (), 0, "the payments stack passes its hand-written compliance tests"),
    Example("terraform_json", ("--iac-source", "cdktf.out"), 1,
            "the legacy stack fails critical policies; missing tags are tolerated warnings",
            writes=("compliance-report.html",)),
    Example("terraform_json", ("--iac-source", "cdktf.out", "--iac-checkov"), 1,
            "Checkov's checks join as policies: warnings by default, CKV2_AWS_40 critical by the ini",
            needs="checkov"),
    Example("terraform_plan", (), 0,
            "tests over a `terraform show -json` plan and a terraform.tfstate pass without Terraform or AWS"),
    Example("terraform_plan", ("--iac-source", "plan.json"), 1,
            "the change under review opens SSH to the internet and adds an unencrypted database: blocked"),
    Example("terraform_plan", ("--iac-source", "terraform.tfstate"), 0,
            "what is deployed today passes every built-in policy"),
    Example("cdktf_app", (), 0,
            "the cdktf platform stack, synthesized through the fixture, passes its compliance tests"),
    Example("cdktf_app", ("--iac-source", "cdktf.out"), 0,
            "its committed synth output has no critical finding; its warnings (access logging, the state "
            "key) are tolerated"),
    Example("pulumi_app", (), 0,
            "the Pulumi web tier, run under recording mocks, passes its compliance tests"),
    Example("pulumi_app", ("-k", "preflight"), 0,
            "pre-flight: the program's resources are checked as Pulumi constructs them; an untagged, "
            "unencrypted bucket is stopped before it is created"),
    Example("pulumi_app", ("--iac-source", "stack-export.json"), 0,
            "its checked-in stack export passes every built-in policy, required tags included"),
    Example("iam_property", (), 0,
            "property tests prove a builder-made IAM policy grants exactly its least-privilege intent"),
)


def main(selected: list[str]) -> int:
    mismatches: list[str] = []
    for example in EXAMPLES:
        if selected and example.folder not in selected:
            continue
        if example.needs and importlib.util.find_spec(example.needs) is None:
            print(f"\n### examples/{example.folder}: pytest {' '.join(example.args)}: not run, needs {example.needs}",
                  flush=True)
            continue
        command = [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", *example.args]
        print(f"\n### examples/{example.folder}: pytest {' '.join(example.args)}\n### {example.why}", flush=True)
        started = time.time()
        code = subprocess.call(command, cwd=HERE / example.folder)
        if code != example.expected_exit:
            mismatches.append(f"examples/{example.folder} {' '.join(example.args)}: exit {code}, "
                              f"expected {example.expected_exit}")
        for name in example.writes:
            written = HERE / example.folder / name
            if written.is_file() and written.stat().st_mtime >= started - 1:
                print(f"### wrote examples/{example.folder}/{name}")
            else:
                mismatches.append(f"examples/{example.folder} {' '.join(example.args)}: did not write {name}")
    print()
    for line in mismatches:
        print(f"UNEXPECTED: {line}")
    print(f"examples: {len(mismatches)} unexpected outcome(s)")
    return 1 if mismatches else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
