"""Time the foreign-policy adapters over the 5,000-resource benchmark file, in-process.

    python benchmarks/adapters_rego_crossguard.py   # Rego (regorus; regopy beside it when installed), CrossGuard
    python benchmarks/adapters_rego_crossguard.py --size 50000 --repeat 3

The file is ``generate_cdktf.py``'s realistic cdk.tf.json. Rego: three conftest-style rules (a ``deny`` naming
the address in its message, a ``violation`` giving a ``{"msg", "resource"}`` object, a ``warn`` over every
resource) evaluated through ``RegoPack`` and the policy engine, as a scan runs them; regopy, the engine
considered first, runs the same rules in a child process (it can abort the process it runs in). CrossGuard:
the same resources as a ``pulumi stack export`` (one resource a Terraform resource, its properties as they
are), judged by a pack of two resource policies and one stack policy. Each row is the median of
``--repeat`` runs, after the source is read (reading is timed by ``scan_vs_checkov.py``).
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))

REGO = """\
package main

import rego.v1

deny contains msg if {
	some name, bucket in input.resource.aws_s3_bucket
	not bucket.tags.owner
	msg := sprintf("aws_s3_bucket.%s has no owner tag", [name])
}

violation contains {"msg": "ingress open to the world", "resource": sprintf("aws_security_group.%s", [name])} if {
	some name, sg in input.resource.aws_security_group
	some rule in sg.ingress
	"0.0.0.0/0" in rule.cidr_blocks
}

warn contains msg if {
	some type, resources in input.resource
	some name, r in resources
	not r.tags["cost-center"]
	msg := sprintf("%s.%s has no cost-center tag", [type, name])
}
"""

REGOPY_CHILD = """
import json, sys, time
import regopy
document, policy = open(sys.argv[1]).read(), open(sys.argv[2]).read()
start = time.perf_counter()
interpreter = regopy.Interpreter()
interpreter.add_module("policy", policy)
interpreter.set_input_term(document)
counts = {}
for rule in ("deny", "violation", "warn"):
    counts[rule] = len(json.loads(str(interpreter.query(f"data.main.{rule}")))["expressions"][0])
print(json.dumps({"seconds": time.perf_counter() - start, "counts": counts}))
"""

PACK = """
from pulumi_policy import PolicyPack, ResourceValidationPolicy, StackValidationPolicy


def owner(args, report_violation):
    if not (args.props.get("tags") or {}).get("owner"):
        report_violation("no owner tag")


def open_ingress(args, report_violation):
    for rule in args.props.get("ingress") or []:
        if "0.0.0.0/0" in (rule.get("cidr_blocks") or []):
            report_violation("ingress open to the world")


def few_keys(args, report_violation):
    keys = [r for r in args.resources if r.resource_type.endswith(":aws_kms_key")]
    if len(keys) > 100:
        report_violation(f"{len(keys)} keys")


PolicyPack(name="bench", policies=[
    ResourceValidationPolicy(name="owner", description="Resources name an owner", validate=owner),
    ResourceValidationPolicy(name="open-ingress", description="No ingress from anywhere", validate=open_ingress),
    StackValidationPolicy(name="few-keys", description="Few keys", validate=few_keys),
])
"""


def median_seconds(action: Callable[[], int], repeat: int) -> tuple[float, int]:
    times, found = [], 0
    for _ in range(repeat):
        start = time.perf_counter()
        found = action()
        times.append(time.perf_counter() - start)
    return statistics.median(times), found


def rego_rows(source: Path, folder: Path, repeat: int, *, regopy: bool) -> list[tuple[str, float, str]]:
    from pytest_iaccompliance.adapters.rego import RegoPack
    from pytest_iaccompliance.model import FindingStatus
    from pytest_iaccompliance.policies.suite import PolicySuite
    from pytest_iaccompliance.sources import load_file

    policy = folder / "bench.rego"
    policy.write_text(REGO)
    [stack] = load_file(source)

    def judge() -> int:
        suite = PolicySuite(tuple(RegoPack([policy]).iaccompliance_policies()))
        return sum(f.status is FindingStatus.FAILED for f in suite.evaluate(stack.resources))

    seconds, failed = median_seconds(judge, repeat)
    rows = [("rego (regorus, through RegoPack)", seconds, f"{failed} failed findings")]
    if not regopy:
        return rows
    try:
        child = subprocess.run([sys.executable, "-c", REGOPY_CHILD, str(source), str(policy)], capture_output=True,
                               text=True, timeout=600, check=False)
    except subprocess.TimeoutExpired:
        return [*rows, ("rego (regopy, engine alone)", float("nan"), "not run: over 600 s")]
    if child.returncode == 0:
        measured = json.loads(child.stdout)
        rows.append(("rego (regopy, engine alone)", measured["seconds"], f"results {measured['counts']}"))
    else:
        rows.append(("rego (regopy, engine alone)", float("nan"), f"not run: exit {child.returncode}"))
    return rows


def crossguard_rows(source: Path, folder: Path, repeat: int) -> list[tuple[str, float, str]]:
    from pytest_iaccompliance.adapters.crossguard import CrossGuardPack
    from pytest_iaccompliance.model import FindingStatus
    from pytest_iaccompliance.policies.suite import PolicySuite
    from pytest_iaccompliance.sources import load_file

    document = json.loads(source.read_text())
    stack = "urn:pulumi:bench::bench::"
    resources: list[dict[str, object]] = [{"urn": f"{stack}pulumi:pulumi:Stack::bench", "type": "pulumi:pulumi:Stack"}]
    for resource_type, named in document["resource"].items():
        for name, body in named.items():
            props = {k: v for k, v in body.items() if k not in ("//", "depends_on", "lifecycle", "provider")}
            token = f"aws:index/{resource_type}:{resource_type}"
            resources.append({"urn": f"{stack}{token}::{name}", "type": token, "custom": True, "id": name,
                              "inputs": props, "outputs": props})
    export = folder / "bench-export.json"
    export.write_text(json.dumps({"version": 3, "deployment": {"manifest": {}, "resources": resources}}))
    pack = folder / "pack"
    pack.mkdir()
    (pack / "__main__.py").write_text(PACK)
    [loaded] = load_file(export)

    def judge() -> int:
        suite = PolicySuite(tuple(CrossGuardPack([pack]).iaccompliance_policies()))
        return sum(f.status is FindingStatus.FAILED for f in suite.evaluate(loaded.resources))

    seconds, failed = median_seconds(judge, repeat)
    return [("crossguard (pulumi_policy pack, through CrossGuardPack)", seconds, f"{failed} failed findings")]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size", type=int, default=5000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--skip-regopy", action="store_true", help="leave out regopy (minutes at 50,000)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as temp:
        folder = Path(temp)
        source = folder / f"cdk-mixed-{args.size}.tf.json"
        subprocess.run([sys.executable, str(HERE / "generate_cdktf.py"), str(args.size), str(source)], check=True,
                       stdout=subprocess.DEVNULL)
        rows = [*rego_rows(source, folder, args.repeat, regopy=not args.skip_regopy),
                *crossguard_rows(source, folder, args.repeat)]
    print(f"{'adapter':<58} {'seconds':>8}  result ({args.size} resources)")
    for name, seconds, note in rows:
        print(f"{name:<58} {seconds:>8.2f}  {note}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
